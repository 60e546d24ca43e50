//! Password hashing with argon2id.
//!
//! Passwords are stored only as argon2id PHC strings with a random salt and the crate's
//! default cost (19 MiB, 2 passes), which is what OWASP recommends for argon2id.

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};

/// Shortest password accepted.
pub const MIN_LEN: usize = 8;
/// Longest password accepted, in bytes.
pub const MAX_LEN: usize = 1024;

/// A password refused, or one that could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_LEN`] characters.
    #[error("a password needs at least {MIN_LEN} characters")]
    TooShort,
    /// More than [`MAX_LEN`] bytes.
    #[error("a password may have at most {MAX_LEN} bytes")]
    TooLong,
    /// A control character, which no terminal or HTTP header carries faithfully.
    #[error("a password may not contain control characters")]
    ControlCharacter,
    /// argon2 failed.
    #[error("hashing the password failed: {0}")]
    Hashing(String),
}

/// Refuses a password that is too short, too long or holds control characters.
pub fn check(password: &str) -> Result<(), PasswordError> {
    if password.chars().count() < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    if password.len() > MAX_LEN {
        return Err(PasswordError::TooLong);
    }
    if password.chars().any(char::is_control) {
        return Err(PasswordError::ControlCharacter);
    }
    Ok(())
}

/// Hashes a password into an argon2id PHC string.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Whether `password` matches the PHC string `phc`. A malformed PHC string matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash("correct horse").unwrap();
        let b = hash("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("correct horse", &a));
        assert!(!verify("wrong horse", &a));
        assert!(!verify("correct horse", "not a phc string"));
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(check("short").is_err());
        assert!(check("tab\tinside!").is_err());
        assert!(check("long enough").is_ok());
    }
}
