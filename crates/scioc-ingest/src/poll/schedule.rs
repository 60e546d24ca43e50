//! The poll loop: which source is due, the lease that makes one node poll it, the timeout, and
//! the backoff after failures.

use super::{Found, PollError, poll};
use scioc_model::FeedTime;
use scioc_store::{FeedSource, Store};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the loop looks for due sources.
const TICK: Duration = Duration::from_millis(250);
/// How long past its timeout a poll's lease runs, so a node that died mid-poll frees the
/// source soon after.
const LEASE_GRACE_SECS: i64 = 30;
/// The longest wait after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The delay before retrying a source that failed `failures` times in a row: doubling from the
/// interval (at most a minute to start with), at most an hour (or the interval, when longer),
/// times a random factor between ½ and 1 so that sources failing together do not retry together.
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    use std::hash::BuildHasher;
    let base = interval.min(Duration::from_secs(60)).max(Duration::from_secs(1));
    let exp = failures.saturating_sub(1).min(16);
    let ceiling = MAX_BACKOFF.max(interval);
    let delay = base.saturating_mul(1 << exp).min(ceiling);
    // A random factor from the standard library's per-process random keys: jitter needs no
    // more than that, and no crate.
    let random = std::collections::hash_map::RandomState::new().hash_one(failures);
    let factor = 0.5 + (random % 1000) as f64 / 2000.0;
    delay.mul_f64(factor)
}

/// Polls every source of a store that is due, on this node, until stopped.
pub struct Poller {
    store: Arc<dyn Store>,
    holder: String,
    client: reqwest::Client,
    in_flight: Mutex<HashSet<String>>,
}

impl Poller {
    /// A poller for `store` whose leases are taken as `holder` (unique per node and start).
    pub fn new(store: Arc<dyn Store>, holder: String) -> Result<Arc<Self>, PollError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("scioc/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| PollError::Config(format!("HTTP client: {e}")))?;
        Ok(Arc::new(Poller { store, holder, client, in_flight: Mutex::new(HashSet::new()) }))
    }

    /// Runs until `stop` turns true (or its sender is dropped).
    pub async fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Said once when the store stops answering, and once when it answers again.
        let mut store_down = false;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                changed = stop.changed() => if changed.is_err() || *stop.borrow() { return },
            }
            let sources = match self.store.feed_sources().await {
                Ok(s) => {
                    if std::mem::take(&mut store_down) {
                        tracing::info!(target: "scioc::sources", "the sources can be read again");
                    }
                    s
                }
                Err(e) => {
                    if !std::mem::replace(&mut store_down, true) {
                        tracing::warn!(target: "scioc::sources", error = %e, "cannot read the sources; polling waits");
                    }
                    continue;
                }
            };
            let now = FeedTime::now();
            for s in sources {
                let busy = self.in_flight.lock().expect("not poisoned").contains(&s.def.name);
                let leased_elsewhere =
                    s.status.lease.as_ref().is_some_and(|(h, until)| h != &self.holder && *until >= now);
                if busy || leased_elsewhere || s.status.next_poll > now {
                    continue;
                }
                let until = now.add_secs(s.def.timeout_secs as i64 + LEASE_GRACE_SECS);
                match self.store.claim_feed_source(&s.def.name, &self.holder, now, until).await {
                    Ok(Some(source)) => {
                        self.in_flight.lock().expect("not poisoned").insert(source.def.name.clone());
                        tokio::spawn(self.clone().poll_one(source));
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(target: "scioc::sources", source = %s.def.name, error = %e, "cannot take the lease")
                    }
                }
            }
        }
    }

    async fn poll_one(self: Arc<Self>, source: FeedSource) {
        let FeedSource { def, mut status } = source;
        let started = FeedTime::now();
        status.last_attempt = Some(started);
        status.polls += 1;
        let limit = Duration::from_secs(def.timeout_secs);
        let result = match tokio::time::timeout(limit, poll(self.store.as_ref(), &self.client, &def, &mut status)).await
        {
            Ok(r) => r,
            Err(_) => Err(PollError::TimedOut(def.timeout_secs)),
        };
        let now = FeedTime::now();
        let interval = Duration::from_secs(def.interval_secs);
        match result {
            Ok(Found { changed, records, events }) => {
                status.failures = 0;
                status.last_success = Some(now);
                if changed {
                    status.last_change = Some(now);
                }
                status.records = records;
                status.next_poll = started.add_secs(def.interval_secs as i64);
                tracing::info!(target: "scioc::sources", source = %def.name, changed, records, events, "polled");
            }
            Err(e) => {
                status.failures = status.failures.saturating_add(1);
                status.last_error = Some(e.to_string());
                status.last_error_at = Some(now);
                // Whole seconds, as the store's times: at least the next one.
                let wait_secs = backoff(interval, status.failures).as_secs().max(1);
                status.next_poll = now.add_secs(wait_secs as i64);
                tracing::warn!(target: "scioc::sources", source = %def.name, failures = status.failures,
                    retry_in_secs = wait_secs, error = %e, "poll failed");
            }
        }
        if let Err(e) = self.store.finish_feed_poll(&def.name, &self.holder, status).await {
            tracing::warn!(target: "scioc::sources", source = %def.name, error = %e, "cannot store the poll's outcome");
        }
        self.in_flight.lock().expect("not poisoned").remove(&def.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let i = Duration::from_secs(10);
        for failures in 1..=6 {
            let full = 10u64 << (failures - 1);
            let got = backoff(i, failures).as_secs_f64();
            assert!(got >= full as f64 / 2.0 && got <= full as f64, "{failures}: {got}");
        }
        assert!(backoff(i, 40) <= MAX_BACKOFF);
        assert!(backoff(Duration::from_secs(86_400), 1) <= Duration::from_secs(60), "starts at a minute at most");
    }
}
