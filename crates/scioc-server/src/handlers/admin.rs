//! Admin routes under `/api/scioc/v1/`: the loaders and reclassification over HTTP.
//!
//! | route | body |
//! |---|---|
//! | `POST /api/scioc/v1/osv` | one OSV record, or a JSON array of records |
//! | `POST /api/scioc/v1/samples?filename=…[&purl=…&threat_name=…&threat_level=…&source_url=…&force=true]` | the archive's bytes, named by the package analyser; one it does not find malicious answers 409 unless `force=true` |
//! | `POST /api/scioc/v1/reclassify` | `{"sha256"\|"sha1"\|"md5"\|"purl": …, "fp": true, "reason": …}` or `{…, "threat_name": …, "threat_level": …}` |
//!
//! | `GET /api/scioc/v1/firewall/blocks?since=…&limit=…` | none; answers the registry firewall's refusals |
//!
//! Each answers a JSON summary. Only users with the admin role reach them.

use crate::{App, error::AppError};
use axum::{
    Json,
    body::Bytes,
    extract::{Query, State},
};
use scioc_ingest::{archive, osv, reclassify};
use scioc_model::{ThreatLevel, clean_text};
use scioc_store::{Appended, NewEvent};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Longest archive file name accepted (the common file-system limit).
const MAX_FILENAME: usize = 255;

/// Times an OSV upload is planned and committed before a conflict with other imports is reported.
const IMPORT_ATTEMPTS: u32 = 8;

fn appended(a: &Appended) -> Value {
    json!({"events": a.count, "first_sequence": a.first_seq, "last_sequence": a.last_seq})
}

/// Most OSV records one upload may carry; larger sets are for `scioc ingest osv`.
const MAX_UPLOAD_RECORDS: usize = 10_000;

/// Most invalid records an answer lists (all are counted).
const MAX_LISTED_PROBLEMS: usize = 100;

/// The records of an upload, as `(name, bytes)`: one JSON object, or an array of at most
/// [`MAX_UPLOAD_RECORDS`]. Read without building a JSON tree: an array of millions of `{}` costs
/// a pointer each until the limit refuses it, not a parsed object each.
fn upload_records(body: &[u8]) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    use serde::de::{Error as _, SeqAccess, Visitor};
    use serde_json::value::RawValue;
    struct Limited;
    impl<'de> Visitor<'de> for Limited {
        type Value = Vec<&'de RawValue>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an array of OSV records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(record) = seq.next_element::<&'de RawValue>()? {
                if out.len() == MAX_UPLOAD_RECORDS {
                    return Err(A::Error::custom(format!(
                        "more than {MAX_UPLOAD_RECORDS} records in one upload; import larger sets with `scioc ingest osv`"
                    )));
                }
                out.push(record);
            }
            Ok(out)
        }
    }
    let text = std::str::from_utf8(body).map_err(|e| AppError::BadRequest(format!("body is not UTF-8: {e}")))?;
    let bad = |e: serde_json::Error| AppError::BadRequest(format!("body: {e}"));
    let records: Vec<&RawValue> = match text.trim_start().as_bytes().first() {
        Some(b'[') => {
            let mut de = serde_json::Deserializer::from_str(text);
            let records = serde::Deserializer::deserialize_seq(&mut de, Limited).map_err(bad)?;
            de.end().map_err(bad)?;
            records
        }
        Some(b'{') => vec![serde_json::from_str::<&RawValue>(text).map_err(bad)?],
        _ => return Err(AppError::BadRequest("expected an OSV record or an array of records".into())),
    };
    Ok(records.iter().enumerate().map(|(i, r)| (format!("request[{i}]"), r.get().as_bytes().to_vec())).collect())
}

/// Imports OSV records posted as one JSON object or an array of them. The work is bounded: the
/// number of records, the versions per record, the time (the request timeout, CPU work
/// included: reading and planning give up at it) and the problems listed in the answer.
pub(crate) async fn post_osv(State(app): State<Arc<App>>, body: Bytes) -> Result<Json<Value>, AppError> {
    let docs = upload_records(&body)?;
    drop(body);
    let deadline = std::time::Instant::now() + app.request_timeout;
    let options = osv::Options { deadline: Some(deadline), ..osv::Options::default() };
    // Reading and planning are CPU work: they run on the blocking pool, so a large upload
    // holds no request worker and the request timeout answers on time.
    let store = app.store.clone();
    let runtime = tokio::runtime::Handle::current();
    let outcome = tokio::task::spawn_blocking(move || {
        runtime.block_on(async {
            // An import is planned against the source's state and refused if another import
            // (from this node or another one) committed first; plan it again against the new state.
            let mut attempt = 1;
            loop {
                match osv::import(store.as_ref(), osv::Input::Documents(docs.clone()), options, &|_| {}).await {
                    Err(osv::ImportError::Store(scioc_store::Error::Conflict(why))) if attempt < IMPORT_ATTEMPTS => {
                        tracing::debug!(attempt, %why, "OSV import raced another; planning it again");
                        attempt += 1;
                    }
                    other => return other,
                }
            }
        })
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let out = match outcome {
        Ok(out) => {
            app.writes.succeeded();
            out
        }
        Err(osv::ImportError::Store(s)) => return Err(app.writes.failed(s).into()),
        Err(e @ osv::ImportError::TimedOut(_)) => {
            return Err(AppError::TooLarge(format!("{e}; upload fewer records at once")));
        }
        Err(other) => return Err(AppError::BadRequest(other.to_string())),
    };
    let listed: Vec<Value> = out
        .invalid
        .iter()
        .take(MAX_LISTED_PROBLEMS)
        .map(|p| json!({"record": p.origin, "reason": p.message}))
        .collect();
    Ok(Json(json!({
        "records": out.files,
        "compared": out.compared,
        "unchanged": out.unchanged,
        "skipped_not_mal": out.skipped_not_mal,
        "invalid": listed,
        "invalid_total": out.invalid.len(),
        "new_malicious": out.events[0],
        "fp": out.events[1],
        "new_threat_name": out.events[2],
        "indicators": out.indicators,
        "dating": match out.dating { Some(osv::Dating::Published) => Some("published"), Some(osv::Dating::History) => Some("published, below the unread feed"), Some(osv::Dating::ImportTime) => Some("import_time"), None => None },
        "appended": out.appended.as_ref().map(appended),
    })))
}

/// Query of an archive upload.
#[derive(Debug, Deserialize)]
pub(crate) struct SampleQuery {
    filename: String,
    purl: Option<String>,
    threat_name: Option<String>,
    threat_level: Option<u8>,
    source_url: Option<String>,
    #[serde(default)]
    force: bool,
}

/// An upload's file name, checked, and the archive kind it names.
pub(crate) fn archive_name(filename: &str) -> Result<(String, archive::ArchiveKind), AppError> {
    let name = filename.trim();
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(AppError::BadRequest(format!("filename must be a bare file name, got {filename:?}")));
    }
    if name.len() > MAX_FILENAME || name.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!(
            "filename must be at most {MAX_FILENAME} bytes without control characters (NUL included); got {} bytes",
            name.len()
        )));
    }
    // The name says the kind; the archive is read from the request's bytes as they came.
    let kind = archive::ArchiveKind::from_name(name)
        .ok_or_else(|| AppError::BadRequest(format!("filename: expected {}, got {name:?}", archive::ARCHIVE_NAMES)))?;
    Ok((name.to_owned(), kind))
}

/// Adds an archive posted as the body, named by the package analyser: its malicious files with
/// their threat names and levels. An archive the analyser does not find malicious is refused
/// (409) unless `force=true`.
pub(crate) async fn post_sample(
    State(app): State<Arc<App>>,
    Query(q): Query<SampleQuery>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let (name, kind) = archive_name(&q.filename)?;
    let level = q
        .threat_level
        .map(|l| ThreatLevel::try_from(u64::from(l)).map_err(|e| AppError::BadRequest(format!("threat_level: {e}"))))
        .transpose()?;
    let overrides = scioc_analyze::sample::Overrides {
        threat_name: q.threat_name.as_deref().map(|n| clean_text(n, 200)),
        threat_level: level,
        force: q.force,
    };
    let (purl, source_url) = (q.purl, q.source_url);
    let (entry, provenance, record, summary) = tokio::task::spawn_blocking(move || -> Result<_, AppError> {
        let analysis = super::analyses::analyze(&name, kind, body.clone())?;
        let (claims, naming) = scioc_analyze::sample::claims(&analysis, &overrides, purl, source_url)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let inspected = archive::read(&name, kind, std::io::Cursor::new(body), archive::Limits::default())
            .map_err(|e| AppError::BadRequest(format!("{name}: {}", e.message)))?;
        let (entry, provenance) =
            archive::entry(&inspected, &claims).map_err(|e| AppError::BadRequest(e.to_string()))?;
        let named_by = match naming {
            scioc_analyze::sample::Naming::Analysis => "analysis".to_owned(),
            scioc_analyze::sample::Naming::Overridden => "analysis, overridden".to_owned(),
            scioc_analyze::sample::Naming::Forced(v) => format!("forced over a {} verdict", v.as_str()),
        };
        let summary = json!({"sha256": inspected.sha256.as_str(), "files": inspected.files.len(),
                             "files_listed": provenance.files.len() - 1, "files_omitted": provenance.omitted_files,
                             "purl": entry.identity.as_ref().and_then(|i| i.purl.clone()),
                             "threat_name": claims.threat_name, "threat_level": claims.threat_level.get(),
                             "named_by": named_by, "verdict": analysis.verdict, "score": analysis.score,
                             "malicious_files": analysis.files});
        Ok((entry, provenance, archive::record(&inspected), summary))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    let event = NewEvent { entry, time: None, affected: None, provenance: Some(provenance), claim: None };
    let a = app.writes.record(archive::commit(app.store.as_ref(), vec![event], vec![record]).await)?;
    Ok(Json(json!({"archive": summary, "appended": appended(&a)})))
}

/// A reclassification request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReclassifyBody {
    sha256: Option<String>,
    sha1: Option<String>,
    md5: Option<String>,
    purl: Option<String>,
    #[serde(default)]
    fp: bool,
    reason: Option<String>,
    threat_name: Option<String>,
    /// A JSON number; `2.0` is the integer 2, as JSON Schema reads it.
    threat_level: Option<serde_json::Number>,
}

/// Adds FP or NEW_THREAT_NAME events for what a hash or purl announces.
pub(crate) async fn post_reclassify(State(app): State<Arc<App>>, body: Bytes) -> Result<Json<Value>, AppError> {
    let b: ReclassifyBody = serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(format!("body: {e}")))?;
    // A JSON number: `2.0` is the integer 2, as JSON Schema reads it.
    let threat_level = match b.threat_level {
        None => None,
        Some(n) => {
            match n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64)) {
                Some(level) => Some(level),
                None => {
                    return Err(AppError::BadRequest(format!(
                        "threat_level: expected an integer from 1 to 5, got {n}"
                    )));
                }
            }
        }
    };
    let request = reclassify::Request {
        sha256: b.sha256.as_deref(),
        sha1: b.sha1.as_deref(),
        md5: b.md5.as_deref(),
        purl: b.purl.as_deref(),
        fp: b.fp,
        reason: b.reason.as_deref(),
        threat_name: b.threat_name.as_deref(),
        threat_level,
    };
    let (target, change) = request.parse().map_err(|e| AppError::BadRequest(e.to_string()))?;
    match reclassify::reclassify(app.store.as_ref(), &target, &change).await {
        Ok(a) => {
            app.writes.succeeded();
            Ok(Json(appended(&a)))
        }
        Err(reclassify::ReclassifyError::NoMatch(m)) => {
            Err(AppError::NotFound(format!("nothing in the feed matches {m}")))
        }
        Err(reclassify::ReclassifyError::NothingToDo(m)) => Err(AppError::Conflict(m)),
        Err(reclassify::ReclassifyError::Store(e)) => Err(app.writes.failed(e).into()),
        Err(e) => Err(AppError::Internal(e.to_string())),
    }
}

/// Most refusals one answer lists.
const MAX_BLOCKS: u32 = 10_000;

/// Parameters of `GET …/firewall/blocks`.
#[derive(Debug, Deserialize)]
pub(crate) struct BlocksParams {
    /// How long ago (`24h`) or a time (Unix seconds, `YYYY-MM-DDThh:mm:ss`, `YYYY-MM-DD`), as
    /// `scioc firewall blocks --since` reads it; default: all.
    since: Option<String>,
    /// At most this many (default and cap 10,000).
    limit: Option<u32>,
    /// `refused` (downloads) or `withheld` (versions left out of metadata); default: both.
    kind: Option<String>,
}

/// The registry firewall's refusals since a time, oldest first.
pub(crate) async fn get_blocks(
    State(app): State<Arc<App>>,
    Query(params): Query<BlocksParams>,
) -> Result<Json<Value>, AppError> {
    let since = match params.since.as_deref() {
        None => scioc_model::FeedTime::from_unix(0),
        Some(s) => scioc_model::FeedTime::parse_since(s, scioc_model::FeedTime::now())
            .map_err(|e| AppError::BadRequest(format!("since: {e}")))?,
    };
    let limit = params.limit.unwrap_or(MAX_BLOCKS).clamp(1, MAX_BLOCKS);
    let kind = match params.kind.as_deref() {
        None => None,
        Some(k) => Some(
            scioc_store::BlockKind::named(k)
                .ok_or_else(|| AppError::BadRequest(format!("kind: expected refused or withheld, found {k:?}")))?,
        ),
    };
    let blocks = app.store.blocks(since, kind, limit).await?;
    Ok(Json(json!({"blocks": blocks.iter().map(scioc_store::BlockRecord::to_json).collect::<Vec<_>>()})))
}
