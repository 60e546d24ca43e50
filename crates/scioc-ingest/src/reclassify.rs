//! Reclassifications: a false positive (`FP`) or a new threat name (`NEW_THREAT_NAME`) for
//! everything the feed currently announces under a hash or a purl.

use scioc_model::{
    Entry, EventType, Md5, Provenance, RawEntry, RawSample, SampleStatus, Sha1, Sha256, StringOrNumber, ThreatLevel,
    ValueError, ValueKind,
};
use scioc_store::{Appended, EventFilter, NewEvent, Store, StoredEvent};
use std::collections::BTreeMap;

/// What to reclassify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Entries whose package file has this SHA-256.
    Sha256(Sha256),
    /// … this SHA-1.
    Sha1(Sha1),
    /// … this MD5.
    Md5(Md5),
    /// Entries of this purl (without a version: of every version).
    Purl(String),
}

impl Target {
    /// Parses a purl into its canonical form.
    pub fn purl(s: &str) -> Result<Target, ValueError> {
        let p: packageurl::PackageUrl<'_> = s.parse().map_err(|e| {
            ValueError::new(ValueKind::Purl, format!("expected a package URL pkg:TYPE/NAME[@VERSION], got {s:?} ({e})"))
        })?;
        Ok(Target::Purl(p.to_string()))
    }

    fn filter(&self) -> EventFilter {
        match self {
            Target::Sha256(h) => EventFilter::Sha256(h.to_string()),
            Target::Sha1(h) => EventFilter::Sha1(h.to_string()),
            Target::Md5(h) => EventFilter::Md5(h.to_string()),
            Target::Purl(p) => EventFilter::Purl(p.clone()),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Sha256(h) => write!(f, "sha256 {h}"),
            Target::Sha1(h) => write!(f, "sha1 {h}"),
            Target::Md5(h) => write!(f, "md5 {h}"),
            Target::Purl(p) => write!(f, "purl {p}"),
        }
    }
}

/// The new classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Not malicious after all.
    FalsePositive {
        /// Why, kept with the event.
        reason: String,
    },
    /// Malicious under another name.
    ThreatName {
        /// The new threat name.
        name: String,
        /// A new threat level, if it changes too.
        level: Option<ThreatLevel>,
    },
}

/// A reclassification as asked for, by the command line or the admin API: which field names
/// the target and what changes. [`Request::parse`] is the one place it is checked.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// A SHA-256 target.
    pub sha256: Option<&'a str>,
    /// A SHA-1 target.
    pub sha1: Option<&'a str>,
    /// An MD5 target.
    pub md5: Option<&'a str>,
    /// A purl target.
    pub purl: Option<&'a str>,
    /// Whether this is a false positive (needs `reason`).
    pub fp: bool,
    /// Why it is a false positive.
    pub reason: Option<&'a str>,
    /// The new threat name.
    pub threat_name: Option<&'a str>,
    /// The new threat level, with `threat_name`.
    pub threat_level: Option<u64>,
}

/// A field of a [`Request`] that is missing, extra or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RequestError {
    /// The field at fault (`sha256`, `purl`, `reason`, `threat_level`, …), or `target` or
    /// `change` when the fields given do not make one.
    pub field: &'static str,
    /// What was expected.
    pub message: String,
}

impl Request<'_> {
    /// Checks the request into its target and change.
    pub fn parse(&self) -> Result<(Target, Change), RequestError> {
        let err = |field, message: String| RequestError { field, message };
        let target = match (self.sha256, self.sha1, self.md5, self.purl) {
            (Some(h), None, None, None) => Target::Sha256(h.parse().map_err(|e| err("sha256", format!("{e}")))?),
            (None, Some(h), None, None) => Target::Sha1(h.parse().map_err(|e| err("sha1", format!("{e}")))?),
            (None, None, Some(h), None) => Target::Md5(h.parse().map_err(|e| err("md5", format!("{e}")))?),
            (None, None, None, Some(p)) => Target::purl(p).map_err(|e| err("purl", e.to_string()))?,
            _ => return Err(err("target", "give exactly one of sha256, sha1, md5, purl".into())),
        };
        let change = match (self.fp, self.threat_name) {
            (true, None) => match self.reason.filter(|r| !r.trim().is_empty()) {
                Some(reason) => Change::FalsePositive { reason: reason.to_owned() },
                None => return Err(err("reason", "say why this is a false positive".into())),
            },
            (false, Some(name)) => {
                let name = scioc_model::clean_text(name, 200);
                if name.is_empty() {
                    return Err(err("threat_name", "expected a threat name, got an empty one".into()));
                }
                let level = self
                    .threat_level
                    .map(ThreatLevel::try_from)
                    .transpose()
                    .map_err(|e| err("threat_level", e.to_string()))?;
                Change::ThreatName { name, level }
            }
            _ => return Err(err("change", "give either a false positive with a reason, or a threat name".into())),
        };
        Ok((target, change))
    }
}

/// Why nothing was reclassified.
#[derive(Debug, thiserror::Error)]
pub enum ReclassifyError {
    /// No event matches.
    #[error("nothing in the feed matches {0}")]
    NoMatch(String),
    /// Everything matching is already in the asked state.
    #[error("{0}")]
    NothingToDo(String),
    /// A stored entry could not be read back.
    #[error("stored event {seq} cannot be read back: {message}")]
    Corrupt {
        /// Its sequence number.
        seq: i64,
        /// Why.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] scioc_store::Error),
}

/// Appends one event per subject (a purl, or the hash for entries without one) whose latest
/// event is still malicious.
pub async fn reclassify(store: &dyn Store, target: &Target, change: &Change) -> Result<Appended, ReclassifyError> {
    let found = store.find_events(target.filter()).await?;
    if found.is_empty() {
        return Err(ReclassifyError::NoMatch(target.to_string()));
    }
    // The latest event of each subject decides its current state.
    let mut latest: BTreeMap<String, &StoredEvent> = BTreeMap::new();
    for e in &found {
        latest.insert(e.purl.clone().unwrap_or_else(|| target.to_string()), e);
    }
    let mut batch = Vec::new();
    let mut already_fp = 0;
    for event in latest.values() {
        if event.event_type == EventType::FalsePositive {
            already_fp += 1;
            continue;
        }
        let (entry, mut raw, source_id) = read_back(event)?;
        let entry = match change {
            Change::FalsePositive { .. } => entry.as_event(EventType::FalsePositive),
            Change::ThreatName { name, level } => {
                let unchanged = !entry.sample_list.is_empty()
                    && entry.sample_list.iter().all(|s| s.threat_name.as_deref() == Some(name.as_str()))
                    && level.is_none_or(|l| entry.sample_list.iter().all(|s| s.threat_level == Some(l)));
                if unchanged {
                    continue;
                }
                // The stored raw form, renamed, validated once.
                raw.event_type = Some(EventType::NewThreatName.as_str().to_owned());
                raw.scioc = None;
                raw.timestamp = None;
                let samples = raw.sample_list.get_or_insert_with(Vec::new);
                if samples.is_empty() {
                    samples.push(RawSample {
                        status: Some(SampleStatus::Malicious.as_str().to_owned()),
                        md5: raw.md5.clone(),
                        sha1: raw.sha1.clone(),
                        sha256: raw.sha256.clone(),
                        ..RawSample::default()
                    });
                }
                for s in samples.iter_mut() {
                    s.threat_name = Some(name.clone());
                    if let Some(l) = level {
                        s.threat_level = Some(StringOrNumber::String(l.get().to_string()));
                    }
                }
                Entry::try_from(raw).map_err(|e| ReclassifyError::Corrupt { seq: event.seq, message: e.to_string() })?
            }
        };
        let reason = match change {
            Change::FalsePositive { reason } => Some(scioc_model::clean_text(reason, 1000)),
            Change::ThreatName { .. } => None,
        };
        let provenance = Provenance { source: "reclassify".into(), id: source_id, reason, ..Provenance::default() };
        batch.push(NewEvent { entry, time: None, affected: None, provenance: Some(provenance), claim: None });
    }
    if batch.is_empty() {
        return Err(ReclassifyError::NothingToDo(match change {
            Change::FalsePositive { .. } => format!("everything matching {target} is already a false positive"),
            Change::ThreatName { .. } if already_fp == latest.len() => {
                format!("nothing matching {target} is still malicious (all are false positives)")
            }
            Change::ThreatName { name, .. } => {
                format!("everything matching {target} still malicious is already named {name:?}")
            }
        }));
    }
    Ok(store.append(batch).await?)
}

/// The entry of a stored event, validated and as written, and the source record id it came from.
fn read_back(event: &StoredEvent) -> Result<(Entry, RawEntry, Option<String>), ReclassifyError> {
    let corrupt = |message: String| ReclassifyError::Corrupt { seq: event.seq, message };
    let raw: RawEntry = serde_json::from_slice(&event.entry_json).map_err(|e| corrupt(e.to_string()))?;
    let source_id = raw
        .scioc
        .as_ref()
        .and_then(|s| s.get("provenance"))
        .and_then(|p| p.get("id"))
        .and_then(|id| id.as_str())
        .map(str::to_owned);
    let entry = Entry::try_from(raw.clone()).map_err(|e| corrupt(e.to_string()))?;
    Ok((entry, raw, source_id))
}
