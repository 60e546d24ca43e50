//! The one error type of the model: a field that failed validation.

use std::fmt;

/// A field that failed validation, named by its path in the entry (`identity.purl`,
/// `sample_list[2].sha256`), with what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    /// Dotted path of the field, as in the JSON document.
    pub field: String,
    /// What was wrong and what was expected.
    pub message: String,
}

impl FieldError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, message: impl fmt::Display) -> Self {
        FieldError { field: field.into(), message: message.to_string() }
    }

    /// Prefixes the field path with `parent`, as in `identity` + `purl` = `identity.purl`.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A value that does not parse as its type, with the kind of value to match on and a message
/// that says what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueError {
    /// What kind of value it was meant to be.
    pub kind: ValueKind,
    /// What was expected and what was found.
    pub message: String,
}

impl ValueError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ValueKind, message: impl Into<String>) -> Self {
        ValueError { kind, message: message.into() }
    }
}

/// The kinds of value the model parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueKind {
    /// A hex digest (MD5, SHA-1, SHA-256, SHA-512).
    Digest,
    /// A threat level, 1 to 5.
    ThreatLevel,
    /// A sample status (`MALICIOUS`, …).
    SampleStatus,
    /// An event type (`NEW_MALICIOUS`, `FP`, `NEW_THREAT_NAME`).
    EventType,
    /// A publication time or date.
    Published,
    /// A user name.
    UserName,
    /// A user role.
    Role,
    /// A package URL, or a package name or version that cannot be one.
    Purl,
    /// A URL.
    Url,
    /// Free text (empty, too long, or with control characters).
    Text,
}
