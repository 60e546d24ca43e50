//! OSV.dev's query API: requests read and checked, answers built from a [`Catalog`] and the
//! verdict engine.
//!
//! - `POST /v1/query` `{package: {name, ecosystem} | {purl}, version?, page_token?}` →
//!   `{vulns: [records], next_page_token?}`, or `{}` when nothing affects it.
//! - `POST /v1/querybatch` `{queries: [≤ 1000 queries]}` → `{results: [{vulns: [{id,
//!   modified}], next_page_token?} | {}]}`.
//! - `GET /v1/vulns/{id}` → one record.
//!
//! A purl that carries a version may not come with a `version` field as well; a `commit`
//! query is refused (scioc knows packages, not commits).

use crate::{Catalog, Record, ecosystem};
use base64::Engine as _;
use scioc_verdict::{Engine, Query};
use serde::Deserialize;
use std::sync::Arc;

/// Most queries one batch may hold, as on OSV.dev.
pub const MAX_BATCH: usize = 1000;

/// A request OSV.dev would refuse with 400, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

fn bad(message: impl Into<String>) -> BadRequest {
    BadRequest(message.into())
}

/// One query as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    /// The package.
    #[serde(default)]
    pub package: Option<PackageRequest>,
    /// The version asked about.
    #[serde(default)]
    pub version: Option<String>,
    /// A commit hash (not served).
    #[serde(default)]
    pub commit: Option<String>,
    /// Where the previous page ended.
    #[serde(default)]
    pub page_token: Option<String>,
}

/// A package as a query names it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageRequest {
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its OSV ecosystem.
    #[serde(default)]
    pub ecosystem: Option<String>,
    /// Its purl.
    #[serde(default)]
    pub purl: Option<String>,
}

/// A batch as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The queries.
    pub queries: Vec<QueryRequest>,
}

/// A query checked: what to ask the engine, and from where to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The OSV ecosystem.
    pub ecosystem: &'static str,
    /// The package name.
    pub name: String,
    /// The version, if one was asked about.
    pub version: Option<String>,
    /// The first record to answer with.
    pub offset: usize,
}

/// Reads a request body as JSON of type `T`, naming what is wrong.
pub fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, BadRequest> {
    serde_json::from_slice(body).map_err(|e| bad(format!("the request body is not a valid query: {e}")))
}

/// Reads a batch, refusing more than [`MAX_BATCH`] queries.
pub fn parse_batch(body: &[u8]) -> Result<BatchRequest, BadRequest> {
    let batch: BatchRequest = parse(body)?;
    if batch.queries.len() > MAX_BATCH {
        return Err(bad(format!("Too many queries: {} (at most {MAX_BATCH} per batch).", batch.queries.len())));
    }
    Ok(batch)
}

impl QueryRequest {
    /// Checks the query the way OSV.dev does, naming what is wrong.
    pub fn check(&self) -> Result<Checked, BadRequest> {
        if self.commit.is_some() {
            return Err(bad("commit queries are not supported: scioc knows packages, not commits"));
        }
        let Some(p) = &self.package else { return Err(bad("a query needs a package ({name, ecosystem} or {purl})")) };
        let offset = match &self.page_token {
            None => 0,
            Some(t) => read_token(t)?,
        };
        let version = self.version.clone().filter(|v| !v.is_empty());
        match (&p.purl, &p.name, &p.ecosystem) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                Err(bad("a package is named by {name, ecosystem} or by {purl}, not both"))
            }
            (Some(purl), None, None) => {
                let (ty, name, purl_version) =
                    scioc_model::parse_purl(purl).ok_or_else(|| bad(format!("invalid purl: {purl:?}")))?;
                let eco = scioc_model::ecosystem_of(&ty).and_then(ecosystem).ok_or_else(|| {
                    bad(format!("unknown purl type {ty:?}: scioc serves {}", crate::ECOSYSTEMS.join(", ")))
                })?;
                if purl_version.is_some() && version.is_some() {
                    return Err(bad("the version is given twice: in the purl and in the version field"));
                }
                Ok(Checked { ecosystem: eco, name, version: purl_version.or(version), offset })
            }
            (None, Some(name), Some(eco)) => {
                let eco = ecosystem(eco).ok_or_else(|| {
                    bad(format!("unknown ecosystem {eco:?}: scioc serves {}", crate::ECOSYSTEMS.join(", ")))
                })?;
                if name.is_empty() || name.len() > 512 {
                    return Err(bad("the package name is empty or longer than 512 bytes"));
                }
                Ok(Checked { ecosystem: eco, name: name.clone(), version, offset })
            }
            (None, Some(_), None) => Err(bad("the package has a name but no ecosystem")),
            (None, None, _) => Err(bad("the package has no name and no purl")),
        }
    }
}

/// A page token: where the next page starts, opaque to clients.
fn token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("scioc:{offset}"))
}

fn read_token(t: &str) -> Result<usize, BadRequest> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("scioc:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| bad(format!("invalid page_token {:?}", t.chars().take(64).collect::<String>())))
}

/// The records answering one checked query, from `offset`, at most `page` of them, and the
/// token of the next page when there is one.
pub fn answer(catalog: &Catalog, engine: &Engine, q: &Checked, page: usize) -> (Vec<Arc<Record>>, Option<String>) {
    let query = Query::package(q.ecosystem, &q.name, q.version.as_deref());
    let all = catalog.affecting(engine, &query);
    let end = q.offset.saturating_add(page).min(all.len());
    let next = (end < all.len()).then(|| token(end));
    (all.get(q.offset..end).map(<[_]>::to_vec).unwrap_or_default(), next)
}

/// `/v1/query`'s body: `{}` when empty, else the records and the next page's token.
pub fn query_body(records: &[Arc<Record>], next: Option<&str>) -> String {
    if records.is_empty() && next.is_none() {
        return "{}".to_owned();
    }
    let mut out = String::from("{\"vulns\":[");
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&r.json);
    }
    out.push(']');
    if let Some(t) = next {
        out.push_str(",\"next_page_token\":");
        out.push_str(&serde_json::to_string(t).expect("a string serializes"));
    }
    out.push('}');
    out
}

/// One result of `/v1/querybatch`: ids and modified times only.
pub fn batch_result(records: &[Arc<Record>], next: Option<&str>) -> serde_json::Value {
    if records.is_empty() && next.is_none() {
        return serde_json::json!({});
    }
    let vulns: Vec<serde_json::Value> =
        records.iter().map(|r| serde_json::json!({"id": r.id, "modified": r.modified})).collect();
    let mut v = serde_json::json!({ "vulns": vulns });
    if let Some(t) = next {
        v["next_page_token"] = serde_json::Value::String(t.to_owned());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(json: &str) -> Result<Checked, BadRequest> {
        parse::<QueryRequest>(json.as_bytes())?.check()
    }

    #[test]
    fn queries_are_checked_as_osv_dev_checks_them() {
        let c = q(r#"{"package":{"name":"evil","ecosystem":"npm"},"version":"1.0.0"}"#).unwrap();
        assert_eq!((c.ecosystem, c.name.as_str(), c.version.as_deref()), ("npm", "evil", Some("1.0.0")));
        let c = q(r#"{"package":{"purl":"pkg:pypi/evil-pkg@2.0"}}"#).unwrap();
        assert_eq!((c.ecosystem, c.name.as_str(), c.version.as_deref()), ("PyPI", "evil-pkg", Some("2.0")));
        let c = q(r#"{"package":{"purl":"pkg:npm/%40s/x"},"version":"1.0.0"}"#).unwrap();
        assert_eq!((c.name.as_str(), c.version.as_deref()), ("@s/x", Some("1.0.0")));
        for (bad, says) in [
            (r#"{"package":{"purl":"pkg:npm/x@1.0.0"},"version":"1.0.0"}"#, "given twice"),
            (r#"{"package":{"name":"x","ecosystem":"Nope"}}"#, "unknown ecosystem"),
            (r#"{"package":{"name":"x","ecosystem":"npm","purl":"pkg:npm/x"}}"#, "not both"),
            (r#"{"package":{"name":"x"}}"#, "no ecosystem"),
            (r#"{"package":{"purl":"not a purl"}}"#, "invalid purl"),
            (r#"{"package":{"purl":"pkg:deb/debian/x"}}"#, "unknown purl type"),
            (r#"{"commit":"abc"}"#, "commit"),
            (r#"{"package":{"name":"x","ecosystem":"npm"},"page_token":"zzz"}"#, "page_token"),
            (r#"{"package":{"name":"x","ecosystem":"npm"},"colour":"red"}"#, "unknown field"),
            (r#"{"package":"#, "not a valid query"),
        ] {
            let e = q(bad).unwrap_err().0;
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn batches_hold_at_most_a_thousand() {
        let one = r#"{"package":{"name":"x","ecosystem":"npm"}}"#;
        let body = |n: usize| format!("{{\"queries\":[{}]}}", vec![one; n].join(","));
        assert_eq!(parse_batch(body(MAX_BATCH).as_bytes()).unwrap().queries.len(), MAX_BATCH);
        assert!(parse_batch(body(MAX_BATCH + 1).as_bytes()).unwrap_err().0.contains("Too many queries"));
    }

    #[test]
    fn page_tokens_round_trip() {
        assert_eq!(read_token(&token(1234)).unwrap(), 1234);
        assert!(read_token("c2Npb2M6eA").is_err(), "scioc:x is no offset");
    }

    #[test]
    fn empty_answers_are_an_empty_object() {
        assert_eq!(query_body(&[], None), "{}");
        assert_eq!(batch_result(&[], None), serde_json::json!({}));
    }
}
