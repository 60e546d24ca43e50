//! Rendering an entry, once, into the fragments a page is spliced from.

use crate::xml;
use scioc_model::{Affected, Entry, FeedTime, Provenance};
use serde_json::{Map, Value};

/// An entry rendered for the wire: one JSON object and its XML mirror `<entry>…</entry>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragments {
    /// The entry as a JSON object.
    pub json: Vec<u8>,
    /// The entry as an `<entry>` element.
    pub xml: Vec<u8>,
}

/// Renders an entry that enters the feed at `time` with sequence number `seq`.
///
/// The vendor's fields come first, in the vendor's order. scioc adds one object, `scioc`,
/// holding the event's `sequence` and feed `timestamp` (strings, like every number on this
/// wire), for a versionless entry the ranges it covers (`affected`), and its `provenance` when
/// known; clients of the vendor's API ignore it.
pub fn render_entry(
    entry: &Entry,
    affected: Option<&Affected>,
    provenance: Option<&Provenance>,
    seq: i64,
    time: FeedTime,
) -> Fragments {
    let mut value = serde_json::to_value(entry).expect("an entry always serializes");
    let mut ext = Map::new();
    ext.insert("sequence".into(), Value::String(seq.to_string()));
    ext.insert("timestamp".into(), Value::String(time.to_utc_string()));
    if let Some(a) = affected {
        ext.insert("affected".into(), serde_json::to_value(a).expect("ranges always serialize"));
    }
    if let Some(p) = provenance {
        ext.insert("provenance".into(), serde_json::to_value(p).expect("provenance always serializes"));
    }
    value.as_object_mut().expect("an entry is an object").insert("scioc".into(), Value::Object(ext));
    let json = serde_json::to_vec(&value).expect("a JSON value always serializes");
    let mut out = String::new();
    xml::write_element(&mut out, "entry", &value);
    Fragments { json, xml: out.into_bytes() }
}
