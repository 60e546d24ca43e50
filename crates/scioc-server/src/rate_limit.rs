//! Per-user request limits: a token bucket per user name.

use crate::{config::RateLimit, error::AppError};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use std::num::NonZeroU32;

/// A token bucket per user.
pub(crate) struct UserRateLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl UserRateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        let rate = NonZeroU32::new(limit.per_second.max(1)).expect("at least 1");
        let burst = NonZeroU32::new(limit.burst.max(1)).expect("at least 1");
        UserRateLimiter { limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)) }
    }

    /// Takes one request from `user`'s bucket, or says how long to wait (429).
    pub(crate) fn check(&self, user: &str) -> Result<(), AppError> {
        match self.limiter.check_key(&user.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
                Err(AppError::TooManyRequests(wait.as_secs_f64().ceil().max(1.0) as u64))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_past_the_burst_waits_and_others_do_not() {
        let l = UserRateLimiter::new(RateLimit { per_second: 1, burst: 2 });
        assert!(l.check("a").is_ok() && l.check("a").is_ok());
        assert!(matches!(l.check("a"), Err(AppError::TooManyRequests(1))));
        assert!(l.check("b").is_ok());
    }
}
