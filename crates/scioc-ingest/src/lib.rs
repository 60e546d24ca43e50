//! Loaders that turn outside data into feed events.
//!
//! - [`entries`]: JSON Lines of entries in the vendor's shape.
//! - [`osv`]: OSV malicious-package reports, incrementally.
//! - [`archive`]: package archives read as hostile input, hashed file by file.
//! - [`reclassify`]: false positives and new threat names, by hash or purl.
//! - [`sync`]: a remote feed mirrored page by page, resumably.
//!
//! Each loader reads its input completely and validates every record before anything is
//! stored, so a bad record refuses the whole input and nothing is half-imported.
//! Errors name the input, the line or record, and the field.
//!
//! **Architecture invariant:** loaders do no storage themselves; they hand a validated batch
//! to [`scioc_store::Store::append`] or [`scioc_store::Store::commit_import`], which store it
//! atomically.
//!
//! ```
//! use scioc_ingest::entries;
//! use scioc_model::FeedTime;
//!
//! let input = br#"{"event_type":"NEW_MALICIOUS","identity":{"purl":"pkg:npm/evil@1.0.0"},"sample_list":[{"status":"MALICIOUS","threat_name":"Script-JS.Downloader.SupplyChain"}],"timestamp":"2025-06-04T10:00:00"}
//! {"event_type":"FP","md5":"nope"}
//! "#;
//! let errors = entries::parse(&input[..], None, FeedTime::now()).unwrap_err();
//! assert_eq!(errors.problems[0].to_string(), "2: md5: expected 32 hex digits of MD5, got 4 characters");
//! ```
#![deny(missing_docs)]

pub mod archive;
pub mod entries;
pub mod osv;
pub mod poll;
pub mod reclassify;
pub mod sync;
