//! The response envelope around a page of entries.

use crate::{Format, xml};
use scioc_model::FeedTime;
use serde::{Deserialize, Serialize};

/// The per-request part of a page: everything but the entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageHead {
    /// `last_timestamp`, already spelled in the requested time format.
    pub last_timestamp: String,
    /// `time_range.from`.
    pub from: FeedTime,
    /// `time_range.to`.
    pub to: FeedTime,
}

/// Writes a whole response body: the envelope with `entries` spliced in.
///
/// `entries` is the page's entry fragments in `format`, joined by [`Format::separator`]
/// (see [`crate::render_entry`]); it is copied once, into the body.
pub fn write_page(format: Format, head: &PageHead, entries: &[u8]) -> Vec<u8> {
    let from = head.from.to_utc_string();
    let to = head.to.to_utc_string();
    let mut out = Vec::with_capacity(320 + entries.len());
    match format {
        Format::Json => {
            out.extend_from_slice(b"{\"rl\":{\"supply_chain_ioc_feed\":{\"last_timestamp\":");
            out.extend_from_slice(serde_json::to_string(&head.last_timestamp).expect("a string serializes").as_bytes());
            out.extend_from_slice(format!(r#","time_range":{{"from":"{from}","to":"{to}"}},"entries":["#).as_bytes());
            out.extend_from_slice(entries);
            out.extend_from_slice(b"]}}}");
        }
        Format::Xml => {
            let mut head_xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rl><supply_chain_ioc_feed>");
            xml::write_text_element(&mut head_xml, "last_timestamp", &head.last_timestamp);
            head_xml.push_str(&format!("<time_range><from>{from}</from><to>{to}</to></time_range><entries>"));
            out.extend_from_slice(head_xml.as_bytes());
            out.extend_from_slice(entries);
            out.extend_from_slice(b"</entries></supply_chain_ioc_feed></rl>\n");
        }
    }
    out
}

/// Joins entry fragments with the format's separator, as a store hands them to [`write_page`].
pub fn join_entries<'a>(format: Format, fragments: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, f) in fragments.into_iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(format.separator());
        }
        out.extend_from_slice(f);
    }
    out
}

/// A whole response, as a client reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedResponse {
    /// The `rl` wrapper.
    pub rl: Rl,
}

/// The `rl` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rl {
    /// The feed's body.
    pub supply_chain_ioc_feed: FeedBody,
}

/// The body of a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedBody {
    /// Time of the last entry returned, in the requested time format.
    pub last_timestamp: String,
    /// The range the page covers.
    pub time_range: TimeRange,
    /// The entries, in feed order.
    #[serde(default)]
    pub entries: Vec<serde_json::Value>,
}

/// `time_range`: both ends spelled `YYYY-MM-DDThh:mm:ss`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Where the page starts.
    pub from: String,
    /// Where the next page starts, or the server's current time when nothing is left.
    pub to: String,
}

impl FeedResponse {
    /// The body.
    pub fn feed(&self) -> &FeedBody {
        &self.rl.supply_chain_ioc_feed
    }

    /// Parses a response body in either format.
    pub fn parse(format: Format, body: &[u8]) -> Result<Self, ResponseError> {
        let fail = |kind, message: String| ResponseError { format, kind, message };
        match format {
            Format::Json => serde_json::from_slice(body)
                .map_err(|e| fail(ResponseErrorKind::Shape, format!("invalid JSON feed response: {e}"))),
            Format::Xml => {
                let text = std::str::from_utf8(body)
                    .map_err(|e| fail(ResponseErrorKind::Syntax, format!("XML feed response is not UTF-8: {e}")))?;
                let (name, value) = xml::parse_document(text)
                    .map_err(|e| fail(ResponseErrorKind::Syntax, format!("invalid XML feed response: {e}")))?;
                if name != "rl" {
                    return Err(fail(
                        ResponseErrorKind::Shape,
                        format!("XML feed response: expected root <rl>, got <{name}>"),
                    ));
                }
                let wrapped = serde_json::json!({ "rl": value });
                serde_json::from_value(wrapped)
                    .map_err(|e| fail(ResponseErrorKind::Shape, format!("XML feed response has the wrong shape: {e}")))
            }
        }
    }
}

/// A body that is not a feed response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ResponseError {
    /// The format it was read as.
    pub format: Format,
    /// What kind of failure.
    pub kind: ResponseErrorKind,
    /// What was wrong.
    pub message: String,
}

/// Why a body is not a feed response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseErrorKind {
    /// It is not a well-formed document (bad XML, not UTF-8).
    Syntax,
    /// It is a document of the wrong shape (JSON errors of either kind land here too).
    Shape,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TimeFormat, render_entry};
    use scioc_model::{Entry, RawEntry};

    fn entry(json: &str) -> Entry {
        Entry::try_from(serde_json::from_str::<RawEntry>(json).unwrap()).unwrap()
    }

    #[test]
    fn xml_page_mirrors_json_page() {
        let t = FeedTime::parse_utc("2025-06-04T10:00:00").unwrap();
        let a = render_entry(
            &entry(
                r#"{"event_type":"NEW_MALICIOUS","md5":"99d1bdaaa2e4a198521bc12df599ead0","identity":{"purl":"pkg:npm/%40scope/evil@1.0.0","package":"@scope/evil"},"sample_list":[{"status":"MALICIOUS","threat_name":"Evil & Co <x>","threat_level":"3"}]}"#,
            ),
            None,
            None,
            7,
            t,
        );
        let b = render_entry(
            &entry(
                r#"{"event_type":"FP","sha256":"e37d30c42c9739dfe153a324885937cbb98ed31760d1ba34d5542b309b2a67b0"}"#,
            ),
            None,
            None,
            8,
            t,
        );
        let head = PageHead { last_timestamp: TimeFormat::Timestamp.format(t), from: t, to: t.add_secs(1) };
        let json = write_page(Format::Json, &head, &join_entries(Format::Json, [a.json.as_slice(), b.json.as_slice()]));
        let xml = write_page(Format::Xml, &head, &join_entries(Format::Xml, [a.xml.as_slice(), b.xml.as_slice()]));
        let from_json = FeedResponse::parse(Format::Json, &json).unwrap();
        let from_xml = FeedResponse::parse(Format::Xml, &xml).unwrap();
        assert_eq!(from_json, from_xml);
        let body = from_json.feed();
        assert_eq!(body.last_timestamp, t.unix().to_string());
        assert_eq!(body.time_range.from, "2025-06-04T10:00:00");
        assert_eq!(body.time_range.to, "2025-06-04T10:00:01");
        assert_eq!(body.entries[0]["scioc"]["sequence"], "7");
        assert_eq!(body.entries[1]["event_type"], "FP");
    }

    #[test]
    fn empty_pages_parse_in_both_formats() {
        let t = FeedTime::parse_utc("2025-06-04T10:00:00").unwrap();
        let head = PageHead { last_timestamp: "2025-06-04T09:59:59".into(), from: t, to: t };
        for format in [Format::Json, Format::Xml] {
            let page = write_page(format, &head, b"");
            assert!(FeedResponse::parse(format, &page).unwrap().feed().entries.is_empty());
        }
    }
}
