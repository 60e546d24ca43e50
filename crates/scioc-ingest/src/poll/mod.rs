//! Sources polled by `scioc serve`: each source is read on its own interval, with conditional
//! requests, and imported when it changed; failures back off with jitter and never stop the
//! other sources.
//!
//! The store holds every source's definition, status and poll lease ([`scioc_store::FeedSource`]):
//! a node polls a source only after taking its lease, which the store grants only when the next
//! poll is due and no other node holds it, so nodes sharing one database poll each source once
//! per interval between them.
//!
//! | kind | location | read as |
//! |---|---|---|
//! | `osv` | a local directory, `.zip` or `.tar.gz` | re-read every interval; unchanged records are skipped by their hash |
//! | `osv` | an `http(s)://` URL ending in `.zip` | a conditional GET (`If-None-Match`, `If-Modified-Since`); imported when it changed |
//! | `osv` | any other `http(s)://` URL: an OSV bucket directory | `modified_id.csv` conditionally; the first time `all.zip`, then each record modified since the last poll |
//! | `datadog` | a URL or path of a `manifest.json` (`{"name": null \| [versions]}`) | conditionally; every entry is a record of the source, and an entry that disappears is withdrawn |
//! | `feed` | another TCF-0701 feed, `https://USER@host:port` | `scioc sync` from the mirror's cursor: one query when nothing is new |
//! | `tooltrust` | a directory of ToolTrust data files | `blacklist.json` re-read every interval; every entry is a record of the source, and an entry that disappears is withdrawn |

mod datadog;
mod feed;
mod fetch;
mod osv_source;
mod schedule;
mod tooltrust;

pub use feed::env_name;
pub use schedule::{Poller, backoff};

use scioc_store::{SourceDef, Store};
use std::str::FromStr;

/// What kinds of source the poller reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// OSV records: a tree, a zip, a zip URL or a bucket directory URL.
    Osv,
    /// A DataDog-style manifest of malicious packages for one ecosystem.
    Datadog,
    /// A directory of ToolTrust data files.
    Tooltrust,
    /// Another TCF-0701 feed, mirrored as `scioc sync` does.
    Feed,
}

impl Kind {
    /// Every kind's name.
    pub const NAMES: &'static [&'static str] = &["osv", "datadog", "tooltrust", "feed"];

    /// Its name in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Osv => "osv",
            Kind::Datadog => "datadog",
            Kind::Tooltrust => "tooltrust",
            Kind::Feed => "feed",
        }
    }
}

impl FromStr for Kind {
    type Err = PollError;

    fn from_str(s: &str) -> Result<Self, PollError> {
        match s {
            "osv" => Ok(Kind::Osv),
            "datadog" => Ok(Kind::Datadog),
            "tooltrust" => Ok(Kind::Tooltrust),
            "feed" => Ok(Kind::Feed),
            other => {
                Err(PollError::Config(format!("kind: expected one of osv, datadog, tooltrust, feed, got {other:?}")))
            }
        }
    }
}

/// Checks a source's definition before it is stored: its kind, its location and, for a
/// manifest, its ecosystem.
pub fn check(def: &SourceDef) -> Result<(), PollError> {
    if def.name.is_empty()
        || def.name.len() > 64
        || !def.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(PollError::Config(format!(
            "name: expected 1 to 64 letters, digits, '-', '_' or '.', got {:?}",
            def.name
        )));
    }
    let kind: Kind = def.kind.parse()?;
    if def.location.is_empty() {
        return Err(PollError::Config("location: expected a URL or a path".into()));
    }
    if kind == Kind::Tooltrust && fetch::is_url(&def.location) {
        return Err(PollError::Config("location: a tooltrust source is a local directory of data files".into()));
    }
    if kind == Kind::Feed && !(fetch::is_url(&def.location) && def.location.contains('@')) {
        return Err(PollError::Config(
            "location: a feed source is a URL naming its user, https://USER@host:port".into(),
        ));
    }
    if kind == Kind::Datadog {
        let eco = def.ecosystem.as_deref().unwrap_or("");
        if scioc_model::purl_type_of(eco).is_none() {
            return Err(PollError::Config(format!(
                "ecosystem: a datadog manifest needs the ecosystem its packages are of (npm, PyPI, …), got {eco:?}"
            )));
        }
    }
    if def.interval_secs == 0 || def.timeout_secs == 0 {
        return Err(PollError::Config("interval and timeout must be at least one second".into()));
    }
    Ok(())
}

/// What one poll found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Whether the source changed since the last poll (`false` after a 304: nothing was written).
    pub changed: bool,
    /// Records the source holds.
    pub records: u64,
    /// Events the import appended.
    pub events: usize,
}

/// Why a poll failed.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The definition is unusable.
    #[error("{0}")]
    Config(String),
    /// The source could not be fetched or read.
    #[error("{url}: {message}")]
    Fetch {
        /// What was fetched.
        url: String,
        /// Why it failed.
        message: String,
    },
    /// The poll took longer than the source's timeout.
    #[error("no answer within {0} s")]
    TimedOut(u64),
    /// The records could not be imported.
    #[error(transparent)]
    Import(#[from] crate::osv::ImportError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] scioc_store::Error),
}

/// Polls `def` once: fetches what changed since `status` and imports it, updating the
/// validators and cursor in `status`.
pub async fn poll(
    store: &dyn Store,
    client: &reqwest::Client,
    def: &SourceDef,
    status: &mut scioc_store::SourceStatus,
) -> Result<Found, PollError> {
    match def.kind.parse()? {
        Kind::Osv => osv_source::poll(store, client, def, status).await,
        Kind::Datadog => datadog::poll(store, client, def, status).await,
        Kind::Tooltrust => tooltrust::poll(store, def, status).await,
        Kind::Feed => feed::poll(store, def, status).await,
    }
}
