//! The scanner: finds known-malicious dependencies in a project's lockfiles.
//!
//! [`Index::build`] loads, once, what the store knows: packages the feed announces as
//! malicious (and not since reclassified), archive hashes, curated blacklist rules (with
//! ranges) and name indicators. [`scan`] reads files with one extractor per format
//! ([`extract`]) and matches every package by name and version (rule `AS-008`), by archive hash
//! (`HASH`) and by indicator (`AS-016`).
//!
//! Formats read so far: npm `package-lock.json` (v1–v3) and `npm-shrinkwrap.json`, pip
//! `requirements*.txt`, `Cargo.lock`.
#![deny(missing_docs)]

pub mod extract;
mod finding;
mod index;
mod names;
mod package;
mod scan;
pub mod versions;

pub use finding::{Finding, Severity};
pub use index::{BlacklistRule, Index};
pub use names::normalize;
pub use package::Package;
pub use scan::{FileError, Report, discover, packages_of, scan, supported};
