//! Where a store lives: `sqlite://DIR` (the embedded store in a data directory) or
//! `postgres://…` (a shared PostgreSQL database).

use anyhow::{Result, bail};
use std::path::PathBuf;

/// A parsed store location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreUrl {
    /// The embedded store in this data directory.
    Sqlite(PathBuf),
    /// A PostgreSQL (or PostgreSQL-wire) database, by its connection URL.
    Postgres(String),
}

impl StoreUrl {
    /// Parses `sqlite://PATH` (a data directory, or the `scioc.db` file in one) or
    /// `postgres://…`/`postgresql://…`; `what` names the setting in errors.
    pub(crate) fn parse(text: &str, what: &str) -> Result<StoreUrl> {
        if let Some(path) = text.strip_prefix("sqlite://") {
            if path.is_empty() {
                bail!("{what}: sqlite:// needs a path, e.g. sqlite://./scioc-data");
            }
            let path = PathBuf::from(path);
            // The database file names its directory.
            let dir = match path.file_name() {
                Some(name) if name == scioc_store::DB_FILE => path.parent().map(PathBuf::from).unwrap_or_default(),
                _ => path,
            };
            return Ok(StoreUrl::Sqlite(dir));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(StoreUrl::Postgres(text.to_owned()));
        }
        bail!("{what}: expected sqlite://PATH or postgres://USER@HOST:PORT/DATABASE, got {:?}", redacted(text))
    }
}

/// `text` with anything that looks like a password replaced, for messages.
fn redacted(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ if text.contains('@') => "(a URL with credentials)".to_owned(),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_kinds_and_refuses_others() {
        assert_eq!(StoreUrl::parse("sqlite://data", "x").unwrap(), StoreUrl::Sqlite("data".into()));
        assert_eq!(
            StoreUrl::parse("sqlite:///var/lib/scioc/scioc.db", "x").unwrap(),
            StoreUrl::Sqlite("/var/lib/scioc".into())
        );
        assert!(matches!(StoreUrl::parse("postgresql://u@h/db", "x").unwrap(), StoreUrl::Postgres(_)));
        let err = StoreUrl::parse("mysql://u:hunter2@h/db", "--to").unwrap_err().to_string();
        assert!(err.starts_with("--to: expected sqlite://PATH or postgres://"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
