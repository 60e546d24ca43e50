//! The scanner: finds known-malicious dependencies in a project's lockfiles, manifests,
//! installed packages, SBOMs and archives.
//!
//! [`Index::build`] loads, once, what the store knows: packages the feed announces as
//! malicious (and not since reclassified), archive hashes, curated blacklist rules (with
//! ranges) and indicators. [`discover`] lists a project's sources; [`scan`] reads each with one
//! extractor per format ([`extract`]) and matches every package by name and version (rule
//! `AS-008`), by archive hash (`HASH`) and by indicator (`AS-016`: names, lifecycle-script
//! patterns, domains, URLs). [`ignore`] hides accepted findings until they expire; [`render`]
//! writes JSON, SARIF and Markdown.
#![deny(missing_docs)]

pub mod extract;
mod finding;
pub mod ignore;
mod index;
mod names;
mod package;
pub mod render;
mod scan;
pub mod versions;

pub use finding::{Finding, Severity};
pub use index::{BlacklistRule, Index};
pub use names::normalize;
pub use package::{LIFECYCLE_SCRIPTS, Package};
pub use scan::{
    Extracted, FileError, Report, discover, extract as extract_sources, packages_of, scan, sort, supported,
};
