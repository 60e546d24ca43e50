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
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
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
