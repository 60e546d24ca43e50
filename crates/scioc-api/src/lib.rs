//! Wire types of the TCF-0701 supply-chain IoC feed API, shared by the server and clients.
//!
//! **API boundary.** What this crate writes is what clients of the vendor's feed parse:
//! the envelope `{"rl":{"supply_chain_ioc_feed":{"last_timestamp","time_range":{"from","to"},"entries":[…]}}}`,
//! numbers as strings, times as `YYYY-MM-DDThh:mm:ss`, and an XML document that mirrors the
//! JSON element for element (see [`xml`]).
//!
//! Entries are rendered once, when they enter the feed ([`render_entry`]), into a JSON and an
//! XML fragment; a page is those fragments spliced into an envelope ([`write_page`]), with no
//! per-request serialization of entries.
//!
//! ```
//! use scioc_api::{Format, PageHead, TimeFormat, render_entry, write_page};
//! use scioc_model::{Entry, FeedTime, RawEntry};
//!
//! let entry = Entry::try_from(serde_json::from_str::<RawEntry>(
//!     r#"{"event_type":"NEW_MALICIOUS","identity":{"purl":"pkg:npm/evil@1.0.0"}}"#).unwrap()).unwrap();
//! let t = FeedTime::parse_utc("2025-06-04T10:00:00").unwrap();
//! let fragments = render_entry(&entry, None, None, 1, t);
//! let head = PageHead { last_timestamp: TimeFormat::Utc.format(t), from: t, to: t.add_secs(1) };
//! let page = write_page(Format::Json, &head, &fragments.json);
//! let parsed: scioc_api::FeedResponse = serde_json::from_slice(&page).unwrap();
//! assert_eq!(parsed.feed().entries.len(), 1);
//! ```
#![deny(missing_docs)]

mod envelope;
mod format;
mod render;
mod time_format;
pub mod xml;

pub use envelope::{
    FeedBody, FeedResponse, PageHead, ResponseError, ResponseErrorKind, TimeRange, join_entries, write_page,
};
pub use format::{Format, FormatError};
pub use render::{Fragments, render_entry};
pub use time_format::{TimeFormat, TimeFormatError};

/// Path prefix of every feed route.
pub const FEED_PATH: &str = "/api/feed/supply_chain/ioc/v1/query";
