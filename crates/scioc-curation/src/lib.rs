//! The curation pipeline: candidate IoCs → review → promotion into enforced data and the feed.
//!
//! - [`validate`] checks candidate files against `schema/ioc-candidates.schema.json` (JSON
//!   Schema 2020-12) and the checks a schema cannot express, reporting every problem at its
//!   JSON pointer.
//! - [`promote`] plans promotions and demotions: the ToolTrust data files (`blacklist.json`,
//!   `npm_iocs.json`) plus scioc's `watchlist.json`, and the store's feed events, curated
//!   records and indicators. [`files`] reads and writes the data files, deterministically and
//!   atomically.
//! - [`from_osv`] drafts `watch_only` candidates from recent OSV records in the store
//!   (`scioc_analyze::candidates` drafts them from the package analyser's result).
//!
//! Fixed against ToolTrust's promoter: an entry without `match` is compared with its default
//! applied (no duplicates); blacklist versions are compared as a set and merged; `watch_only`
//! candidates are kept in `watchlist.json`; every skip says why.
//!
//! **Architecture invariant:** planning is pure; only the caller writes files (after staging all
//! of them) and commits the store.
#![deny(missing_docs)]

pub mod candidate;
pub mod files;
pub mod from_osv;
pub mod promote;
pub mod starter;
pub mod validate;

pub use candidate::Candidate;

use std::path::PathBuf;

/// Why curation failed; no data file was changed.
#[derive(Debug, thiserror::Error)]
pub enum CurationError {
    /// A data file could not be read or written.
    #[error("{}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}
