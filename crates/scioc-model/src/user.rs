//! Feed users: names and roles.

use crate::{ValueError, ValueKind};
use std::{fmt, str::FromStr};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Role {
    /// May read the feed: time queries, start and pull.
    Reader,
    /// May read the feed and is named as an administrator.
    Admin,
    /// Authenticates but holds no feed role; the API answers 403. Keeps the user's cursor.
    Disabled,
}

impl Role {
    /// Whether this role grants the feed.
    pub fn can_read_feed(self) -> bool {
        matches!(self, Role::Reader | Role::Admin)
    }

    /// The spelling used on the command line and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Admin => "admin",
            Role::Disabled => "disabled",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, ValueError> {
        match s {
            "reader" => Ok(Role::Reader),
            "admin" => Ok(Role::Admin),
            "disabled" => Ok(Role::Disabled),
            _ => Err(ValueError::new(ValueKind::Role, format!("expected a role reader, admin or disabled, got {s:?}"))),
        }
    }
}

/// A user name: 1–64 characters from `A–Z a–z 0–9 . _ @ -`.
///
/// No colon, since HTTP Basic credentials split on the first one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserName(String);

impl FromStr for UserName {
    type Err = ValueError;

    /// Parses a user name.
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let err = |m: String| ValueError::new(ValueKind::UserName, m);
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-');
        if s.is_empty() || s.len() > 64 {
            return Err(err(format!("a user name has 1 to 64 characters, got {}", s.len())));
        }
        if let Some(c) = s.chars().find(|c| !ok_char(*c)) {
            return Err(err(format!("a user name may hold only letters, digits and . _ @ -, found {c:?}")));
        }
        Ok(UserName(s.to_owned()))
    }
}

impl UserName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_roles() {
        assert!(UserName::from_str("alice@example.com").is_ok());
        assert!(UserName::from_str("a:b").is_err());
        assert!(UserName::from_str("").is_err());
        assert!(UserName::from_str(&"a".repeat(65)).is_err());
        assert!(Role::Reader.can_read_feed() && Role::Admin.can_read_feed() && !Role::Disabled.can_read_feed());
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
        assert!("root".parse::<Role>().is_err());
    }
}
