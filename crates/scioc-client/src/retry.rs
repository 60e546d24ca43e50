//! Retries: which failures are worth another attempt, and how long to wait.

use std::time::Duration;

/// How failed requests are retried: up to `attempts` tries in all, waiting a jittered
/// exponential delay (`base`, doubling, capped at `max`) between them, and at least what the
/// server's `Retry-After` asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included (at least 1).
    pub attempts: u32,
    /// The first delay.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry { attempts: 8, base: Duration::from_millis(200), max: Duration::from_secs(30) }
    }
}

impl Retry {
    /// No retries.
    pub fn none() -> Retry {
        Retry { attempts: 1, ..Retry::default() }
    }

    /// The wait before try number `attempt + 1` (`attempt` counts from 1): half the exponential
    /// delay plus a random part of the other half ("equal jitter"), so clients that failed
    /// together do not retry together; never less than `retry_after`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self.base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20)).min(self.max);
        let half = exp / 2;
        let jitter = half.mul_f64(fastrand::f64());
        (half + jitter).max(retry_after.unwrap_or_default())
    }

    /// Whether a response status is worth retrying: rate limiting, a timeout at the server,
    /// and server-side errors.
    pub fn status_is_retryable(status: u16) -> bool {
        matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
    }
}

/// A `Retry-After` header in seconds (the HTTP-date form is not used by feed servers).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(|s| Duration::from_secs(s.min(300)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_jittered_capped_and_honour_retry_after() {
        let r = Retry { attempts: 10, base: Duration::from_millis(100), max: Duration::from_secs(1) };
        for _ in 0..100 {
            let d1 = r.delay(1, None);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100), "{d1:?}");
            let d3 = r.delay(3, None);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400), "{d3:?}");
            assert!(r.delay(30, None) <= Duration::from_secs(1));
            assert!(r.delay(1, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
        }
        assert!(Retry::status_is_retryable(429) && Retry::status_is_retryable(503) && !Retry::status_is_retryable(401));
    }
}
