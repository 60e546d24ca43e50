//! Domain types of the scioc supply-chain IoC feed.
//!
//! A feed is an append-only sequence of [`Event`]s.
//! Each event carries one [`Entry`] (the vendor's TCF-0701 entry shape), its [`EventType`],
//! a [`FeedTime`] in whole UTC seconds and a monotonic sequence number assigned by the store.
//!
//! Everything here is validated on the way in: a [`RawEntry`] is what a JSON document says,
//! and [`Entry::try_from`] turns it into a value that cannot hold an invalid hash, purl,
//! threat level or date.
//! This crate does no IO.
//!
//! ```
//! use scioc_model::{Entry, RawEntry};
//!
//! let raw: RawEntry = serde_json::from_str(r#"{
//!     "event_type": "NEW_MALICIOUS",
//!     "sha256": "E37D30C42C9739DFE153A324885937CBB98ED31760D1BA34D5542B309B2A67B0",
//!     "identity": {"purl": "pkg:npm/ua-parser-js@0.7.29", "version": "0.7.29"}
//! }"#).unwrap();
//! let entry = Entry::try_from(raw).unwrap();
//! assert_eq!(entry.sha256.as_ref().unwrap().as_str(), "e37d30c42c9739dfe153a324885937cbb98ed31760d1ba34d5542b309b2a67b0");
//!
//! let bad: RawEntry = serde_json::from_str(r#"{"event_type": "FP", "md5": "xyz"}"#).unwrap();
//! let err = Entry::try_from(bad).unwrap_err();
//! assert_eq!(err.field, "md5");
//! ```
#![deny(missing_docs)]

mod affected;
mod behaviour;
mod entry;
mod error;
mod event_type;
mod hash;
mod indicator;
pub mod osv;
mod provenance;
mod purl;
mod raw;
pub mod redact;
mod time;
mod user;
mod validate;

pub use affected::{Affected, Range, RangeEvent, RangeKind};
pub use behaviour::{Behaviour, UnknownBehaviour, platform};
pub use entry::{Entry, EntryFields, Identity, Published, Sample, SampleStatus, ThreatLevel};
pub use error::{FieldError, ValueError, ValueKind};
pub use event_type::EventType;
pub use hash::{Md5, Sha1, Sha256, Sha512};
pub use indicator::{IndicatorKind, MatchKind};
pub use provenance::{Provenance, Reference, clean_text};
pub use purl::{build_purl, canonical_purl, ecosystem_of, parse_purl, purl_type_of, split_name};
pub use raw::{RawEntry, RawIdentity, RawSample, StringOrNumber};
pub use time::{FEED_EPOCH, FeedTime, LAST_TIME, TimeError, parse_duration};
pub use user::{Role, UserName};
pub use validate::MAX_SAMPLES;
