//! Throttling failed logins, per user and per client address.
//!
//! Each failure adds one to a leaky bucket for the user name and one for the client address;
//! the buckets drain at a steady rate. A full bucket refuses further attempts with 429 and
//! `Retry-After` before any password is checked, so guessing costs the server nothing past the
//! burst. Three things keep legitimate logins moving through a flood:
//!
//! | who | path |
//! |---|---|
//! | a client whose credentials were verified recently | the authenticator's cache: no throttle, no argon2 |
//! | a user logging in from an address it succeeded from before | the user's bucket does not apply (only the address's) |
//! | an attempt from an address and for a user with no recent failures | a lane of argon2 permits that failing clients never use |
//!
//! Hand-written rather than with `governor` (which the per-user request limit uses): governor
//! counts every request and cannot be consulted without spending a token, while this must
//! charge only failures and answer "is this one blocked?" first.

use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Failures a user name may collect at once.
pub(crate) const USER_BURST: f64 = 10.0;
/// Failures a user name's bucket drains, per second (one per 6 s: 10 a minute).
pub(crate) const USER_DRAIN: f64 = 1.0 / 6.0;
/// Failures a client address may collect at once.
pub(crate) const ADDRESS_BURST: f64 = 30.0;
/// Failures a client address's bucket drains, per second.
pub(crate) const ADDRESS_DRAIN: f64 = 0.5;
/// How long a successful login makes its address known for its user.
const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Most keys a table holds; when full, drained buckets are dropped, then the oldest.
const MAX_KEYS: usize = 100_000;

/// A bucket of recent failures.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    level: f64,
    at: Instant,
}

impl Bucket {
    fn level_at(&self, now: Instant, drain: f64) -> f64 {
        (self.level - now.saturating_duration_since(self.at).as_secs_f64() * drain).max(0.0)
    }
}

/// Failure buckets by key.
struct Ledger<K> {
    burst: f64,
    drain: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Eq + Hash + Clone> Ledger<K> {
    fn new(burst: f64, drain: f64) -> Self {
        Ledger { burst, drain, buckets: Mutex::new(HashMap::new()) }
    }

    /// Failures recorded for `key`, drained to now.
    fn level(&self, key: &K, now: Instant) -> f64 {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets.get(key).map_or(0.0, |b| b.level_at(now, self.drain))
    }

    /// How long until `key` may try again, when its bucket is full.
    fn blocked(&self, key: &K, now: Instant) -> Option<Duration> {
        let over = self.level(key, now) - (self.burst - 1.0);
        (over > 0.0).then(|| Duration::from_secs_f64(over / self.drain))
    }

    /// Adds a failure; true when it filled the bucket.
    fn charge(&self, key: &K, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            buckets.retain(|_, b| b.level_at(now, self.drain) >= 1.0);
            if buckets.len() >= MAX_KEYS {
                buckets.clear();
            }
        }
        let b = buckets.entry(key.clone()).or_insert(Bucket { level: 0.0, at: now });
        let level = b.level_at(now, self.drain) + 1.0;
        *b = Bucket { level: level.min(self.burst * 2.0), at: now };
        // The same threshold `blocked` applies: this failure is the one that blocks the next.
        level > self.burst - 1.0
    }
}

/// Why an attempt is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Too many failures from this address.
    Address(Duration),
    /// Too many failures for this user name (from addresses it never logged in from).
    User(Duration),
}

impl Refusal {
    /// Seconds to wait, at least one.
    pub(crate) fn retry_after(self) -> u64 {
        let (Refusal::Address(d) | Refusal::User(d)) = self;
        d.as_secs_f64().ceil().max(1.0) as u64
    }
}

/// The login throttle.
pub(crate) struct Throttle {
    users: Ledger<String>,
    addresses: Ledger<IpAddr>,
    known: Mutex<HashMap<(String, IpAddr), Instant>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            users: Ledger::new(USER_BURST, USER_DRAIN),
            addresses: Ledger::new(ADDRESS_BURST, ADDRESS_DRAIN),
            known: Mutex::new(HashMap::new()),
        }
    }
}

impl Throttle {
    fn known(&self, user: &str, address: IpAddr, now: Instant) -> bool {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.get(&(user.to_owned(), address)).is_some_and(|at| now.saturating_duration_since(*at) < KNOWN_FOR)
    }

    /// Whether `user` may try a password from `address` now.
    pub(crate) fn admit(&self, user: &str, address: IpAddr) -> Result<(), Refusal> {
        let now = Instant::now();
        if let Some(wait) = self.addresses.blocked(&address, now) {
            return Err(Refusal::Address(wait));
        }
        if let Some(wait) = self.users.blocked(&user.to_owned(), now)
            && !self.known(user, address, now)
        {
            return Err(Refusal::User(wait));
        }
        Ok(())
    }

    /// Whether neither `user` nor `address` failed recently (or the address is the user's own):
    /// such attempts take the lane of argon2 permits that failing clients never use.
    pub(crate) fn is_clean(&self, user: &str, address: IpAddr) -> bool {
        let now = Instant::now();
        self.addresses.level(&address, now) < 1.0
            && (self.users.level(&user.to_owned(), now) < 1.0 || self.known(user, address, now))
    }

    /// Records a wrong password (or an unknown user); returns what it started throttling.
    pub(crate) fn failed(&self, user: &str, address: IpAddr) -> (bool, bool) {
        let now = Instant::now();
        (self.users.charge(&user.to_owned(), now), self.addresses.charge(&address, now))
    }

    /// Records a success: the address is known for the user from now on.
    pub(crate) fn succeeded(&self, user: &str, address: IpAddr) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() >= MAX_KEYS {
            let now = Instant::now();
            known.retain(|_, at| now.saturating_duration_since(*at) < KNOWN_FOR);
            if known.len() >= MAX_KEYS {
                known.clear();
            }
        }
        known.insert((user.to_owned(), address), Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_fill_per_user_and_per_address_buckets_and_known_addresses_pass() {
        let t = Throttle::default();
        let (home, attacker, other) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap(), "10.0.0.3".parse().unwrap());
        t.succeeded("alice", home);
        for _ in 0..USER_BURST as usize {
            assert!(t.admit("alice", attacker).is_ok());
            t.failed("alice", attacker);
        }
        assert!(matches!(t.admit("alice", attacker), Err(Refusal::User(_))));
        assert!(matches!(t.admit("alice", other), Err(Refusal::User(_))), "a new address is throttled too");
        assert!(t.admit("alice", home).is_ok(), "alice's own address is not");
        assert!(t.admit("bob", other).is_ok() && t.is_clean("bob", other));
        assert!(!t.is_clean("carol", attacker), "the attacker's address has failures");
        for i in 0..ADDRESS_BURST as usize {
            t.failed(&format!("spray-{i}"), attacker);
        }
        let refused = t.admit("dave", attacker).unwrap_err();
        assert!(matches!(refused, Refusal::Address(_)));
        assert!(refused.retry_after() >= 1);
    }

    /// Found by hand while running schemathesis: the bucket drained a little between failures,
    /// so the failure that filled it never reported it full and "throttling" was never logged.
    #[test]
    fn the_failure_that_blocks_reports_it() {
        let l: Ledger<&str> = Ledger::new(3.0, 0.5);
        let t0 = Instant::now();
        assert!(!l.charge(&"k", t0));
        assert!(!l.charge(&"k", t0 + Duration::from_millis(10)));
        assert!(l.charge(&"k", t0 + Duration::from_millis(20)), "the third failure fills the bucket");
        assert!(l.blocked(&"k", t0 + Duration::from_millis(20)).is_some());
    }

    #[test]
    fn buckets_drain_over_time() {
        let l: Ledger<&str> = Ledger::new(2.0, 10.0);
        let t0 = Instant::now();
        l.charge(&"k", t0);
        l.charge(&"k", t0);
        assert!(l.blocked(&"k", t0).is_some());
        assert!(l.blocked(&"k", t0 + Duration::from_millis(200)).is_none());
    }
}
