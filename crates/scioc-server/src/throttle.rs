//! Throttling failed logins so that failures slow the attacker, not the victim.
//!
//! Failures fill leaky buckets; a full bucket refuses further attempts with 429 and
//! `Retry-After` before any password is checked, so guessing costs the server nothing past the
//! burst. The buckets and the addresses each user has logged in from live in the store, so
//! every node of a shared database applies the same ones and a restart forgets nothing.
//!
//! | bucket | charged by a failure | refuses |
//! |---|---|---|
//! | the pair (user, address) | from that address for that user | that user from that address |
//! | the address | from the address for a user who never logged in from it | users who never logged in from it |
//! | the user name | from an address with no recent failure for that user (so it counts attacking addresses, not attempts) | the user from addresses it never logged in from |
//!
//! So an attacker at one address, however persistent, closes only its own pair and address: a
//! user's correct password is refused neither from an address it logged in from before (in the
//! last 30 days) nor from a new one. Only failures for one name from many addresses close that
//! name, and then only to addresses it never logged in from. The one case left is an attacker
//! who shares the user's own address and names that user (behind a proxy that is not declared
//! trusted, every client has the proxy's address): nothing tells the two apart there.
//!
//! An address is keyed as itself (IPv4) or by its /64 (IPv6), since one IPv6 host holds a /64.
//!
//! Hand-written rather than with `governor` (which the per-user request limit uses): governor
//! counts every request in memory, while this must charge only failures, answer "is this one
//! blocked?" first, and keep its state in the shared store.

use scioc_model::UserName;
use scioc_store::{LoginCharge, LoginState, Store};
use std::{net::IpAddr, sync::Arc, time::Duration};

/// A leaky bucket's shape: how many failures it holds, and how long one takes to drain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bucket {
    pub(crate) burst: u32,
    pub(crate) drain: Duration,
}

/// The pair (user, address): ten failures, then one every six seconds (ten a minute).
pub(crate) const PAIR: Bucket = Bucket { burst: 10, drain: Duration::from_secs(6) };
/// A client address: thirty failures, then one every two seconds.
pub(crate) const ADDRESS: Bucket = Bucket { burst: 30, drain: Duration::from_secs(2) };
/// A user name: ten attacking addresses, then one every six seconds.
pub(crate) const USER: Bucket = Bucket { burst: 10, drain: Duration::from_secs(6) };
/// How long a successful login makes its address known for its user.
pub(crate) const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

impl Bucket {
    fn interval_ms(self) -> i64 {
        self.drain.as_millis() as i64
    }

    /// Failures held at `now_ms`, from when the bucket drains empty.
    fn level(self, drains_at_ms: Option<i64>, now_ms: i64) -> f64 {
        drains_at_ms.map_or(0.0, |t| (t - now_ms).max(0) as f64 / self.interval_ms() as f64)
    }

    /// How long until one more attempt may be made, when the bucket is full.
    fn blocked(self, drains_at_ms: Option<i64>, now_ms: i64) -> Option<Duration> {
        let over = drains_at_ms? - now_ms - i64::from(self.burst - 1) * self.interval_ms();
        (over > 0).then(|| Duration::from_millis(over as u64))
    }

    fn charge(self, key: String) -> LoginCharge {
        // A bucket holds at most twice its burst, so a refused flood ends within bounded time.
        LoginCharge { key, interval_ms: self.interval_ms(), cap_ms: 2 * i64::from(self.burst) * self.interval_ms() }
    }
}

/// Why an attempt is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Too many failures for this user from this address.
    Pair(Duration),
    /// Too many failures from this address, which this user never logged in from.
    Address(Duration),
    /// Failures for this user from too many addresses; this one it never logged in from.
    User(Duration),
}

impl Refusal {
    /// Seconds to wait, at least one.
    pub(crate) fn retry_after(self) -> u64 {
        let (Refusal::Pair(d) | Refusal::Address(d) | Refusal::User(d)) = self;
        d.as_secs_f64().ceil().max(1.0) as u64
    }
}

/// How the store keys an address: an IPv4 address as itself (an IPv4-mapped IPv6 one too), an
/// IPv6 address by its /64.
pub(crate) fn network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// One attempt's user name and address, with what the store knows of them.
#[derive(Debug, Clone)]
pub(crate) struct Standing {
    user: String,
    address: String,
    state: LoginState,
    now_ms: i64,
}

impl Standing {
    fn keys(user: &str, address: &str) -> [String; 3] {
        [format!("pair:{user} {address}"), format!("address:{address}"), format!("user:{user}")]
    }

    fn known(&self) -> bool {
        self.state.known_since_ms.is_some_and(|t| self.now_ms - t < KNOWN_FOR.as_millis() as i64)
    }

    fn at(&self, i: usize) -> Option<i64> {
        self.state.drains_at_ms.get(i).copied().flatten()
    }

    /// Why this attempt is refused, if it is (the table in the module's doc).
    pub(crate) fn refusal(&self) -> Option<Refusal> {
        let now = self.now_ms;
        if let Some(wait) = PAIR.blocked(self.at(0), now) {
            return Some(Refusal::Pair(wait));
        }
        if self.known() {
            return None;
        }
        if let Some(wait) = ADDRESS.blocked(self.at(1), now) {
            return Some(Refusal::Address(wait));
        }
        USER.blocked(self.at(2), now).map(Refusal::User)
    }

    /// Whether nothing failed recently for this attempt's buckets: such attempts take the lane
    /// of argon2 permits that failing clients never use.
    pub(crate) fn is_clean(&self) -> bool {
        let now = self.now_ms;
        PAIR.level(self.at(0), now) < 1.0
            && (self.known() || (ADDRESS.level(self.at(1), now) < 1.0 && USER.level(self.at(2), now) < 1.0))
    }
}

/// What a failure filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Filled {
    pub(crate) pair: bool,
    pub(crate) address: bool,
    pub(crate) user: bool,
}

/// The login throttle, over the store's shared state.
pub(crate) struct Throttle {
    store: Arc<dyn Store>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl Throttle {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        Throttle { store }
    }

    /// What the store knows of `user` trying from `ip`.
    pub(crate) async fn standing(&self, user: &str, ip: IpAddr) -> Result<Standing, scioc_store::Error> {
        let address = network(ip);
        let state = self.store.login_state(&Standing::keys(user, &address), user, &address).await?;
        Ok(Standing { user: user.to_owned(), address, state, now_ms: now_ms() })
    }

    /// Records a wrong password (or an unknown user) for the attempt `standing` describes.
    pub(crate) async fn failed(&self, standing: &Standing) -> Result<Filled, scioc_store::Error> {
        let [pair, address, user] = Standing::keys(&standing.user, &standing.address);
        let mut charges = vec![PAIR.charge(pair)];
        if !standing.known() {
            charges.push(ADDRESS.charge(address));
            // The name counts attacking addresses: only a pair's first failure in a while.
            if PAIR.level(standing.at(0), standing.now_ms) < 1.0 {
                charges.push(USER.charge(user));
            }
        }
        let now = now_ms();
        let after = self.store.charge_login_failures(&charges, now).await?;
        let full = |bucket: Bucket, i: usize| after.get(i).is_some_and(|t| bucket.blocked(Some(*t), now).is_some());
        Ok(Filled {
            pair: full(PAIR, 0),
            address: charges.len() > 1 && full(ADDRESS, 1),
            user: charges.len() > 2 && full(USER, 2),
        })
    }

    /// Records a success: the address is known for the user from now on.
    pub(crate) async fn succeeded(&self, user: &UserName, ip: IpAddr) -> Result<(), scioc_store::Error> {
        let now = now_ms();
        self.store.record_login(user, &network(ip), now, now - KNOWN_FOR.as_millis() as i64).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(drains: [Option<i64>; 3], known: Option<i64>) -> Standing {
        Standing {
            user: "bob".into(),
            address: "10.0.0.1".into(),
            state: LoginState { drains_at_ms: drains.to_vec(), known_since_ms: known },
            now_ms: 1_000_000_000,
        }
    }

    #[test]
    fn a_bucket_blocks_past_its_burst_and_says_how_long() {
        let now = 1_000_000_000;
        // Nine failures held: one more may be tried.
        assert_eq!(PAIR.blocked(Some(now + 9 * 6_000), now), None);
        // Ten held: the next waits until one drains.
        assert_eq!(PAIR.blocked(Some(now + 10 * 6_000), now), Some(Duration::from_secs(6)));
        assert_eq!(PAIR.level(Some(now - 1), now), 0.0);
        assert_eq!(PAIR.level(None, now), 0.0);
        assert!((USER.level(Some(now + 3_000), now) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn a_known_address_is_refused_only_by_its_own_pair() {
        let now = 1_000_000_000;
        let full_address = now + 40 * 2_000;
        let full_user = now + 12 * 6_000;
        let known = standing([None, Some(full_address), Some(full_user)], Some(now - 1000));
        assert_eq!(known.refusal(), None, "others' failures never refuse a known address");
        assert!(known.is_clean());
        let unknown = standing([None, Some(full_address), None], None);
        assert!(matches!(unknown.refusal(), Some(Refusal::Address(_))));
        let named = standing([None, None, Some(full_user)], None);
        assert!(matches!(named.refusal(), Some(Refusal::User(_))));
        let pair = standing([Some(now + 11 * 6_000), None, None], Some(now - 1000));
        assert!(matches!(pair.refusal(), Some(Refusal::Pair(_))), "failures from the pair itself do");
        let stale = standing([None, Some(full_address), None], Some(now - KNOWN_FOR.as_millis() as i64 - 1));
        assert!(matches!(stale.refusal(), Some(Refusal::Address(_))), "a login 30 days ago is forgotten");
    }

    #[test]
    fn addresses_are_keyed_by_host_or_ipv6_64() {
        assert_eq!(network("10.1.2.3".parse().unwrap()), "10.1.2.3");
        assert_eq!(network("::ffff:10.1.2.3".parse().unwrap()), "10.1.2.3");
        assert_eq!(network("2001:db8:1:2:3:4:5:6".parse().unwrap()), "2001:db8:1:2::/64");
        assert_eq!(network("2001:db8:1:2::9".parse().unwrap()), network("2001:db8:1:2:ffff::1".parse().unwrap()));
    }

    #[test]
    fn refusals_ask_for_at_least_a_second() {
        assert_eq!(Refusal::Pair(Duration::from_millis(10)).retry_after(), 1);
        assert_eq!(Refusal::User(Duration::from_millis(2500)).retry_after(), 3);
    }
}
