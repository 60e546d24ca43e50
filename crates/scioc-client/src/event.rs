//! Events and pages as the client hands them out.

use scioc_model::{Affected, Entry, EventType, FeedTime, Provenance, Range, RawEntry};
use serde_json::Value;

/// One feed event as a client receives it: the validated entry and what scioc adds to it (its sequence number, its
/// time and its provenance), when the server is scioc.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedEvent {
    /// The entry, validated.
    pub entry: Entry,
    /// The server's sequence number (`scioc.sequence`), if it gives one.
    pub sequence: Option<i64>,
    /// When the event entered the feed (`scioc.timestamp`), if the server says.
    pub time: Option<FeedTime>,
    /// For a versionless entry, the ranges it covers (`scioc.affected`), if the server says;
    /// none on a versionless entry means every version.
    pub affected: Option<Affected>,
    /// Where the event came from (`scioc.provenance`), if the server says.
    pub provenance: Option<Provenance>,
}

impl ReceivedEvent {
    /// `NEW_MALICIOUS`, `FP` or `NEW_THREAT_NAME`.
    pub fn event_type(&self) -> EventType {
        self.entry.event_type
    }

    /// The package URL, for a package event.
    pub fn purl(&self) -> Option<&str> {
        self.entry.identity.as_ref().and_then(|i| i.purl.as_deref())
    }

    /// The entry as JSON, in the feed's field order, without scioc's additions.
    pub fn entry_json(&self) -> Value {
        serde_json::to_value(&self.entry).unwrap_or_default()
    }

    /// What identifies the event where pages meet: its sequence number, else its content.
    pub fn key(&self) -> String {
        match self.sequence {
            Some(s) => s.to_string(),
            None => self.entry_json().to_string(),
        }
    }

    /// Reads one entry of a page (JSON or the XML mirror turned into JSON).
    pub(crate) fn from_value(mut v: Value) -> Result<ReceivedEvent, PageError> {
        let fail = |at: &str, message: String| PageError { at: at.to_owned(), message };
        let scioc = v.as_object_mut().and_then(|o| o.remove("scioc")).unwrap_or(Value::Null);
        let raw: RawEntry = serde_json::from_value(v).map_err(|e| fail("entry", e.to_string()))?;
        let entry = Entry::try_from(raw).map_err(|e| fail("entry", e.to_string()))?;
        let sequence = match &scioc["sequence"] {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        };
        let time = scioc["timestamp"].as_str().and_then(|t| FeedTime::parse_any(t).ok());
        let provenance = match scioc.get("provenance") {
            Some(p) if p.is_object() => Some(provenance(p.clone())?),
            _ => None,
        };
        let affected = match scioc.get("affected") {
            Some(a) if a.is_object() => Some(affected(a.clone())?),
            _ => None,
        };
        Ok(ReceivedEvent { entry, sequence, time, affected, provenance })
    }
}

/// Wraps a value the XML mirror gave as a single object (a one-item list) into a list.
fn as_list(v: &mut Value) {
    if !v.is_array() {
        *v = Value::Array(vec![v.take()]);
    }
}

/// `scioc.affected` as JSON gives it, or as the XML mirror does (one-item lists as objects).
/// `all_versions` is worked out again from the ranges rather than trusted.
fn affected(mut a: Value) -> Result<Affected, PageError> {
    let mut ranges = a.get_mut("ranges").map(Value::take).unwrap_or(Value::Array(Vec::new()));
    as_list(&mut ranges);
    for r in ranges.as_array_mut().into_iter().flatten() {
        if let Some(events) = r.get_mut("events") {
            as_list(events);
        }
    }
    let ranges: Vec<Range> = serde_json::from_value(ranges)
        .map_err(|e| PageError { at: "scioc.affected".into(), message: e.to_string() })?;
    Ok(Affected::new(ranges))
}

/// Provenance as JSON gives it, or as the XML mirror does (single-item lists as objects, the
/// `ranges` numbers as strings are kept as given).
fn provenance(mut p: Value) -> Result<Provenance, PageError> {
    if let Some(o) = p.as_object_mut() {
        for key in ["aliases", "references", "contributors", "files"] {
            if let Some(v) = o.get_mut(key)
                && !v.is_array()
            {
                *v = Value::Array(vec![v.take()]);
            }
        }
    }
    serde_json::from_value(p).map_err(|e| PageError { at: "scioc.provenance".into(), message: e.to_string() })
}

/// A response that is not a feed page, naming where (`entries[3].entry`, `time_range.to`;
/// empty for the whole body) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if at.is_empty() { String::new() } else { format!("{at}: ") })]
pub struct PageError {
    /// Where in the response.
    pub at: String,
    /// What was wrong.
    pub message: String,
}

impl PageError {
    /// Prefixes the location with `parent`.
    fn within(mut self, parent: &str) -> Self {
        self.at = if self.at.is_empty() { parent.to_owned() } else { format!("{parent}.{}", self.at) };
        self
    }
}

/// One response: its events and the time range it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The events, in feed order.
    pub events: Vec<ReceivedEvent>,
    /// `time_range.from`.
    pub from: FeedTime,
    /// `time_range.to`: where a time query continues.
    pub to: FeedTime,
    /// `last_timestamp`, as the server spelled it.
    pub last_timestamp: String,
}

impl Page {
    /// Reads a response body in `format`: the envelope, every entry validated into an [`ReceivedEvent`]
    /// and the time range. The error names what was wrong (`entries[3]: …`,
    /// `time_range.to "…": …`); nothing a server sends can make it panic.
    pub fn parse(format: scioc_api::Format, body: &[u8]) -> Result<Page, PageError> {
        let resp = scioc_api::FeedResponse::parse(format, body)
            .map_err(|e| PageError { at: String::new(), message: e.to_string() })?;
        let body = resp.rl.supply_chain_ioc_feed;
        let time = |s: &str, what: &str| {
            FeedTime::parse_utc(s)
                .map_err(|e| PageError { at: format!("time_range.{what}"), message: format!("{s:?}: {e}") })
        };
        let events = body
            .entries
            .into_iter()
            .enumerate()
            .map(|(i, v)| ReceivedEvent::from_value(v).map_err(|e| e.within(&format!("entries[{i}]"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page {
            events,
            from: time(&body.time_range.from, "from")?,
            to: time(&body.time_range.to, "to")?,
            last_timestamp: body.last_timestamp,
        })
    }
}
