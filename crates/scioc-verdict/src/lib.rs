//! The verdict engine: one call answers "is `(ecosystem, name, version, hashes)` known to be
//! malicious, and why?", for the scanner today and the registry firewall and OSV API next.
//!
//! An [`Engine`] holds three kinds of knowledge:
//! - the feed, event by event ([`feed`](crate::Engine::apply_events)): versions announced
//!   malicious, and reports' versionless announcements with the OSV ranges they cover
//!   (`scioc.affected`), matched exactly by `scioc-versions`; `FP` events withdraw what they
//!   cover;
//! - curated blacklist rules, their version specifications parsed by the code that validated
//!   them;
//! - indicators of every [`IndicatorKind`](scioc_model::IndicatorKind) the scanner can see.
//!
//! [`Engine::load`] builds one from a store, ToolTrust files or both ([`Sources`]);
//! [`Engine::refresh`] keeps a long-running one current by sequence number. [`knowledge_of`]
//! is what a store serves to its mirrors, so a mirror's engine equals its source's.
//! [`Engine::check`] returns [`Verdict`]s, each with a [`Rule`], a [`Severity`], evidence and a
//! reference.
#![deny(missing_docs)]

mod curated;
mod engine;
mod feed;
mod indicators;
mod joined;
mod knowledge;
mod load;
mod names;
mod query;
mod rule;

pub use engine::{Engine, Sizes};
pub use feed::{Malicious, Report};
pub use knowledge::{FORMAT, Knowledge, KnowledgeError};
pub use load::{LoadError, MIRROR_SOURCE, Position, Sources, Update, knowledge_of, tooltrust};
pub use names::normalize;
pub use query::{Origin, Query, Verdict};
pub use rule::{Rule, Severity, UnknownSeverity};
