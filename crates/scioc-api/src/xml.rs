//! The XML mirror of the JSON wire format.
//!
//! The vendor publishes no XML layout, so scioc defines one that mirrors the JSON exactly:
//!
//! - an object member `"k": v` becomes an element `<k>` holding the mirror of `v`;
//! - a string becomes escaped text; `null` members are left out;
//! - an array under key `k` becomes `<k>` holding one child per item, named `entry` for
//!   `entries`, `sample` for `sample_list` and `item` for any other array.
//!
//! [`parse_document`] reads such a document back into the same JSON value, so a client can
//! treat both formats alike.

use quick_xml::{Reader, events::Event};
use serde_json::{Map, Value};

/// Keys whose value is always an array, even when it is empty.
const ARRAY_KEYS: &[&str] = &["entries", "sample_list"];

/// Name of the child elements of an array held under `key`.
pub fn item_name(key: &str) -> &'static str {
    match key {
        "entries" => "entry",
        "sample_list" => "sample",
        _ => "item",
    }
}

/// Appends `<name>mirror of value</name>` to `out`.
pub fn write_element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::String(s) => write_text_element(out, name, s),
        Value::Bool(_) | Value::Number(_) => write_text_element(out, name, &value.to_string()),
        Value::Object(map) => {
            open(out, name);
            for (k, v) in map {
                write_element(out, k, v);
            }
            close(out, name);
        }
        Value::Array(items) => {
            open(out, name);
            let child = item_name(name);
            for item in items {
                write_element(out, child, item);
            }
            close(out, name);
        }
    }
}

/// Appends `<name>escaped text</name>` to `out`.
pub fn write_text_element(out: &mut String, name: &str, text: &str) {
    open(out, name);
    out.push_str(&quick_xml::escape::escape(text));
    close(out, name);
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// One element being read: its name, its text and its children so far.
struct Open {
    name: String,
    text: String,
    children: Vec<(String, Value)>,
}

impl Open {
    fn new(name: String) -> Self {
        Open { name, text: String::new(), children: Vec::new() }
    }

    fn into_value(self) -> Value {
        let is_array = ARRAY_KEYS.contains(&self.name.as_str())
            || (!self.children.is_empty() && self.children.iter().all(|(n, _)| n == item_name(&self.name)));
        if is_array {
            Value::Array(self.children.into_iter().map(|(_, v)| v).collect())
        } else if self.children.is_empty() {
            Value::String(self.text)
        } else {
            let mut map = Map::new();
            for (k, v) in self.children {
                map.insert(k, v);
            }
            Value::Object(map)
        }
    }
}

/// A document this module cannot read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct XmlError {
    /// What was wrong, with the byte offset where the reader knows it.
    pub message: String,
}

/// Parses a document written by this module into its root element's name and JSON value.
pub fn parse_document(text: &str) -> Result<(String, Value), XmlError> {
    let fail = |message: String| XmlError { message };
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| fail(format!("at byte {}: {e}", reader.buffer_position())))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).map_err(|e| fail(e.to_string()))?;
                stack.push(Open::new(name));
            }
            Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).map_err(|e| fail(e.to_string()))?;
                let value = Open::new(name.clone()).into_value();
                match stack.last_mut() {
                    Some(parent) => parent.children.push((name, value)),
                    None => return Ok((name, value)),
                }
            }
            Event::End(_) => {
                let done = stack.pop().ok_or_else(|| fail("unbalanced end tag".into()))?;
                let name = done.name.clone();
                let value = done.into_value();
                match stack.last_mut() {
                    Some(parent) => parent.children.push((name, value)),
                    None => return Ok((name, value)),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode().map_err(|e| fail(e.to_string()))?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| fail(e.to_string()))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| fail(e.to_string()))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| fail(format!("unknown entity &{name};")))?
                            .to_owned()
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => return Err(fail("document ended before its root element closed".into())),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(value: Value) {
        let mut out = String::new();
        write_element(&mut out, "root", &value);
        let (name, parsed) = parse_document(&out).unwrap();
        assert_eq!(name, "root");
        assert_eq!(parsed, value, "{out}");
    }

    #[test]
    fn mirrors_objects_arrays_and_escapes() {
        round_trip(json!({
            "a": "x < y & \"z\" 'w' > v",
            "sample_list": [{"status": "MALICIOUS"}, {"status": "KNOWN", "md5": "ab"}],
            "entries": [],
            "aliases": ["GHSA-1", "CVE-2"],
            "unicode": "раураl ✓",
        }));
    }

    #[test]
    fn arrays_use_singular_children() {
        let mut out = String::new();
        write_element(&mut out, "x", &json!({"sample_list": [{"status": "MALICIOUS"}], "refs": ["u"]}));
        assert_eq!(
            out,
            "<x><sample_list><sample><status>MALICIOUS</status></sample></sample_list><refs><item>u</item></refs></x>"
        );
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(parse_document("<a><b></a>").is_err());
        assert!(parse_document("<a>").is_err());
        assert!(parse_document("<a>&bogus;</a>").is_err());
    }
}
