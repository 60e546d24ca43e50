//! Response formats: JSON and XML (the default).

use std::str::FromStr;

/// The response format a client asked for with `?format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// `format=json`.
    Json,
    /// `format=xml`, the vendor's default.
    #[default]
    Xml,
}

/// An unknown `format` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format {0:?}; expected json or xml")]
pub struct FormatError(pub String);

impl Format {
    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "application/xml; charset=utf-8",
        }
    }

    /// What goes between two entries of a page: a comma in JSON, nothing in XML.
    pub fn separator(self) -> &'static [u8] {
        match self {
            Format::Json => b",",
            Format::Xml => b"",
        }
    }

    /// The query-string spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }
}

impl FromStr for Format {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<Self, FormatError> {
        match s {
            "json" => Ok(Format::Json),
            "xml" => Ok(Format::Xml),
            _ => Err(FormatError(s.to_owned())),
        }
    }
}
