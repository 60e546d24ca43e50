//! The scanner: finds known-malicious dependencies in a project's lockfiles, manifests,
//! installed packages, SBOMs and archives.
//!
//! [`discover`] lists a project's sources; [`scan`] reads each with one extractor per format
//! ([`extract`]) and asks the verdict engine ([`scioc_verdict::Engine`]) about every package:
//! by name and version (rule `AS-008`: feed versions, OSV ranges and curated rules), by archive
//! hash (`HASH`) and by indicator (`AS-016`: names, lifecycle-script patterns, domains, URLs,
//! IPs, archive hashes). [`ignore`] hides accepted findings until they expire; [`render`]
//! writes JSON, SARIF and Markdown.
#![deny(missing_docs)]

pub mod extract;
mod finding;
pub mod ignore;
mod package;
pub use scioc_model::redact;
pub mod render;
mod scan;

pub use finding::Finding;
pub use package::{LIFECYCLE_SCRIPTS, Package};
pub use scan::{
    Extracted, FileError, Outcome, Report, Source, discover, extract as extract_sources, packages_of, scan, sort,
    supported,
};
pub use scioc_verdict::{Engine, Rule, Severity, normalize};
