//! HTTP Basic authentication against the store's users.
//!
//! Verifying argon2 costs tens of milliseconds, far more than serving a page, so a success is
//! remembered: the cache key is a keyed SHA-256 of (name, stored hash, password) under a
//! per-process random key. The stored hash is part of the key, so a changed password or a
//! removed user takes effect on the next request; the user row is read on every request.
//! Verifications run on the blocking pool, at most one per core at a time, so a flood of wrong
//! passwords cannot starve the server. An unknown user costs the same as a wrong password.
//! Failures are throttled per user, per client address and per pair ([`crate::throttle`],
//! state shared through the store), and attempts with no recent failures behind them take their
//! own lane of permits, so a flood of wrong passwords cannot keep a legitimate first login
//! waiting.

use crate::{error::AppError, password, throttle::Throttle};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::http::HeaderValue;
use base64::Engine;
use scioc_model::UserName;
use scioc_store::Store;
use sha2::{Digest, Sha256};
use std::str::FromStr;
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};
use tokio::sync::Semaphore;

/// How long a verified credential is trusted without running argon2 again.
const CACHE_TTL: Duration = Duration::from_secs(600);
/// Most credentials remembered; the cache is emptied when it fills.
const CACHE_MAX: usize = 10_000;

/// Most attempts waiting for an argon2 permit in one lane; more are answered 429 at once.
const MAX_WAITING: usize = 64;

/// A lane of argon2 permits with a bounded queue.
struct Lane {
    permits: Semaphore,
    waiting: std::sync::atomic::AtomicUsize,
}

impl Lane {
    fn new(permits: usize) -> Self {
        Lane { permits: Semaphore::new(permits.max(1)), waiting: std::sync::atomic::AtomicUsize::new(0) }
    }

    /// A permit to run argon2, and whether the attempt had to wait for it (failures may then
    /// have throttled its user or address meanwhile); 429 when too many wait already.
    async fn acquire(&self) -> Result<(tokio::sync::SemaphorePermit<'_>, bool), AppError> {
        use std::sync::atomic::Ordering;
        if let Ok(permit) = self.permits.try_acquire() {
            return Ok((permit, false));
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(AppError::TooManyRequests(1));
        }
        let permit = self.permits.acquire().await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        Ok((permit.map_err(|e| AppError::Internal(e.to_string()))?, true))
    }
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub(crate) UserName, pub(crate) scioc_model::Role);

/// Checks Basic credentials.
pub(crate) struct Authenticator {
    store: Arc<dyn Store>,
    key: [u8; 32],
    verified: Mutex<HashMap<[u8; 32], Instant>>,
    /// Permits for attempts with no recent failures behind them.
    clean: Lane,
    /// Permits for the others.
    suspect: Lane,
    throttle: Throttle,
}

/// A PHC string no password matches, verified against when the user does not exist so that
/// unknown and known names take the same time.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| password::hash("decoy password for unknown users").expect("argon2 hashing works"))
}

impl Authenticator {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Authenticator {
            throttle: Throttle::new(store.clone()),
            store,
            key,
            verified: Mutex::new(HashMap::new()),
            clean: Lane::new(cores.div_ceil(2)),
            suspect: Lane::new(cores / 2),
        }
    }

    /// The user named by a valid `Authorization: Basic` header, sent from `peer`; 401 otherwise,
    /// 403 for a user without the feed role, 429 while failures are throttled.
    pub(crate) async fn authenticate(&self, header: Option<&HeaderValue>, peer: IpAddr) -> Result<Caller, AppError> {
        let (name, secret) = parse_basic(header)?;
        let user = match UserName::from_str(&name) {
            Ok(valid) => self.store.user(&valid).await?,
            Err(_) => None,
        };
        // Names that are not user names share one throttle key, so the tables stay small.
        let name = if UserName::from_str(&name).is_ok() { name } else { "(not a user name)".to_owned() };
        let phc = user.as_ref().map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
        let key = self.cache_key(&name, &phc, &secret);
        // Credentials verified recently pass whatever the throttle says: a flood aimed at a
        // user never locks out the clients already using it.
        if let Some(user) = user.as_ref().filter(|_| self.is_cached(&key)) {
            return self.admit(user.clone());
        }
        let refused = |refusal: crate::throttle::Refusal| {
            tracing::debug!(user = %name, %peer, ?refusal, "login attempt refused while failures are throttled");
            AppError::TooManyRequests(refusal.retry_after())
        };
        let mut standing = self.throttle.standing(&name, peer).await?;
        if let Some(refusal) = standing.refusal() {
            return Err(refused(refusal));
        }
        let lane = if standing.is_clean() { &self.clean } else { &self.suspect };
        let (_permit, waited) = lane.acquire().await?;
        if waited {
            standing = self.throttle.standing(&name, peer).await?;
            if let Some(refusal) = standing.refusal() {
                return Err(refused(refusal));
            }
        }
        let ok = tokio::task::spawn_blocking(move || password::verify(&secret, &phc))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        match user {
            Some(user) if ok => {
                self.remember(key);
                if let Err(e) = self.throttle.succeeded(&user.name, peer).await {
                    tracing::warn!(user = %name, %peer, error = %e, "could not record where a user logged in from");
                }
                self.admit(user)
            }
            _ => {
                let filled = self.throttle.failed(&standing).await?;
                tracing::warn!(user = %name, %peer, "login failed: unknown user or wrong password");
                if filled.pair {
                    tracing::warn!(user = %name, %peer, "throttling logins for this user from this address: too many failures");
                }
                if filled.user {
                    tracing::warn!(user = %name, "throttling logins for this user from new addresses: failures from many addresses");
                }
                if filled.address {
                    tracing::warn!(%peer, "throttling logins from this address: too many failures");
                }
                Err(AppError::Unauthorized("unknown user or wrong password"))
            }
        }
    }

    fn admit(&self, user: scioc_store::UserRecord) -> Result<Caller, AppError> {
        if user.role.can_read_feed() {
            Ok(Caller(user.name, user.role))
        } else {
            Err(AppError::Forbidden(format!("user {:?} has no feed role (role is {})", user.name.as_str(), user.role)))
        }
    }

    fn cache_key(&self, name: &str, phc: &str, secret: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [&self.key[..], name.as_bytes(), phc.as_bytes(), secret.as_bytes()] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        h.finalize().into()
    }

    fn is_cached(&self, key: &[u8; 32]) -> bool {
        let cache = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(key).is_some_and(|at| at.elapsed() < CACHE_TTL)
    }

    fn remember(&self, key: [u8; 32]) {
        let mut cache = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(key, Instant::now());
    }
}

/// Splits an `Authorization: Basic base64(name:password)` header, or a `Bearer name:password`
/// one: what npm sends for a registry's `_authToken`.
fn parse_basic(header: Option<&HeaderValue>) -> Result<(String, String), AppError> {
    let header = header.ok_or(AppError::Unauthorized("credentials required (HTTP Basic)"))?;
    let malformed = AppError::Unauthorized("malformed Authorization header; expected Basic credentials");
    let value = header.to_str().map_err(|_| AppError::Unauthorized("malformed Authorization header"))?;
    let (scheme, encoded) =
        value.trim().split_once(' ').ok_or(AppError::Unauthorized("malformed Authorization header"))?;
    if scheme.eq_ignore_ascii_case("bearer") {
        let (name, secret) = encoded.trim().split_once(':').ok_or(AppError::Unauthorized(
            "a Bearer token here is NAME:PASSWORD (npm's _authToken); this one has no colon",
        ))?;
        return Ok((name.to_owned(), secret.to_owned()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| AppError::Unauthorized("malformed Basic credentials"))?;
    let text = String::from_utf8(decoded).map_err(|_| AppError::Unauthorized("Basic credentials are not UTF-8"))?;
    let (name, secret) = text.split_once(':').ok_or(AppError::Unauthorized("malformed Basic credentials"))?;
    Ok((name.to_owned(), secret.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_headers_parse() {
        let h = HeaderValue::from_static("Basic YWxpY2U6czNjcmV0OndpdGg6Y29sb25z");
        assert_eq!(parse_basic(Some(&h)).unwrap(), ("alice".into(), "s3cret:with:colons".into()));
        let bearer = HeaderValue::from_static("Bearer alice:s3cret");
        assert_eq!(parse_basic(Some(&bearer)).unwrap(), ("alice".into(), "s3cret".into()));
        for bad in ["Bearer abc", "Digest abc", "Basic !!!", "Basic YWxpY2U=", "Basic"] {
            assert!(parse_basic(Some(&HeaderValue::from_static(bad))).is_err(), "{bad}");
        }
        assert!(parse_basic(None).is_err());
    }
}
