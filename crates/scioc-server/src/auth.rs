//! HTTP Basic authentication against the store's users.
//!
//! Verifying argon2 costs tens of milliseconds, far more than serving a page, so a success is
//! remembered: the cache key is a keyed SHA-256 of (name, stored hash, password) under a
//! per-process random key. The stored hash is part of the key, so a changed password or a
//! removed user takes effect on the next request; the user row is read on every request.
//! Verifications run on the blocking pool, at most one per core at a time, so a flood of wrong
//! passwords cannot starve the server. An unknown user costs the same as a wrong password.

use crate::{error::AppError, password};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::http::HeaderValue;
use base64::Engine;
use scioc_model::UserName;
use scioc_store::Store;
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};
use tokio::sync::Semaphore;

/// How long a verified credential is trusted without running argon2 again.
const CACHE_TTL: Duration = Duration::from_secs(600);
/// Most credentials remembered; the cache is emptied when it fills.
const CACHE_MAX: usize = 10_000;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub(crate) UserName, pub(crate) scioc_model::Role);

/// Checks Basic credentials.
pub(crate) struct Authenticator {
    store: Arc<dyn Store>,
    key: [u8; 32],
    verified: Mutex<HashMap<[u8; 32], Instant>>,
    permits: Semaphore,
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
        Authenticator { store, key, verified: Mutex::new(HashMap::new()), permits: Semaphore::new(cores) }
    }

    /// The user named by a valid `Authorization: Basic` header; 401 otherwise, 403 for a user
    /// without the feed role.
    pub(crate) async fn authenticate(&self, header: Option<&HeaderValue>) -> Result<Caller, AppError> {
        let (name, secret) = parse_basic(header)?;
        let Ok(name) = UserName::parse(&name) else {
            return Err(AppError::Unauthorized("unknown user or wrong password"));
        };
        let user = self.store.user(&name).await?;
        let phc = user.as_ref().map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
        let key = self.cache_key(name.as_str(), &phc, &secret);
        if let Some(user) = user.as_ref().filter(|_| self.is_cached(&key)) {
            return self.admit(user.clone());
        }
        let ok = {
            let _permit = self.permits.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
            let phc = phc.clone();
            tokio::task::spawn_blocking(move || password::verify(&secret, &phc))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
        };
        match user {
            Some(user) if ok => {
                self.remember(key);
                self.admit(user)
            }
            _ => Err(AppError::Unauthorized("unknown user or wrong password")),
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

/// Splits an `Authorization: Basic base64(name:password)` header.
fn parse_basic(header: Option<&HeaderValue>) -> Result<(String, String), AppError> {
    let header = header.ok_or(AppError::Unauthorized("credentials required (HTTP Basic)"))?;
    let malformed = AppError::Unauthorized("malformed Authorization header; expected Basic credentials");
    let value = header.to_str().map_err(|_| AppError::Unauthorized("malformed Authorization header"))?;
    let (scheme, encoded) =
        value.trim().split_once(' ').ok_or(AppError::Unauthorized("malformed Authorization header"))?;
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
        for bad in ["Bearer abc", "Basic !!!", "Basic YWxpY2U=", "Basic"] {
            assert!(parse_basic(Some(&HeaderValue::from_static(bad))).is_err(), "{bad}");
        }
        assert!(parse_basic(None).is_err());
    }
}
