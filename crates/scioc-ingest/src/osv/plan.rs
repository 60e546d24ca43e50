//! What an import changes: a record's new state against the state last stored, as events.
//!
//! | before | now | events |
//! |---|---|---|
//! | unknown | active | `NEW_MALICIOUS` per announcement |
//! | unknown | withdrawn | none |
//! | active | active, more versions | `NEW_MALICIOUS` for the new ones |
//! | active | active, fewer versions | `FP` for the dropped ones |
//! | active | active, other ranges | `FP` for the old ranges, then `NEW_MALICIOUS` for the new ones |
//! | active | active, new threat name | `NEW_THREAT_NAME` per remaining announcement |
//! | active | withdrawn | `FP` per announcement still active |
//! | withdrawn | active | `NEW_MALICIOUS` per announcement |
//!
//! Ranges travel on the record's versionless announcement as `scioc.affected`; an `FP` carries
//! the ranges it withdraws. A state written before ranges were kept has none for its versionless
//! announcement, which meant every version: it equals new ranges that cover every version.

use super::map::Mapped;
pub use scioc_model::osv::RecordState;
use scioc_model::{Affected, Entry, EventType, RawEntry};
use std::collections::BTreeMap;

/// One event a record's change calls for.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The entry, already of the event's type.
    pub entry: Entry,
    /// The ranges the event covers (new) or withdraws (`FP`), for a versionless entry.
    pub affected: Option<Affected>,
    /// The announcement's key in the record's state (its purl).
    pub key: String,
}

/// Whether the ranges stored before equal those now; none stored meant every version.
fn same_ranges(before: Option<&Affected>, now: Option<&Affected>) -> bool {
    match (before, now) {
        (None, Some(n)) => n.all_versions,
        (b, n) => b == n,
    }
}

/// Compares a record now (`None` when it is withdrawn) with its state before.
pub fn plan(before: Option<&RecordState>, now: Option<&Mapped>) -> (Vec<Planned>, RecordState) {
    let mut events = Vec::new();
    let before_active = before.map(|b| &b.active);
    match now {
        None => {
            for (key, entry_json) in before_active.into_iter().flatten() {
                if let Some(entry) = parse_entry(entry_json) {
                    let affected = before.and_then(|b| b.ranges.get(key)).cloned();
                    events.push(Planned {
                        entry: entry.as_event(EventType::FalsePositive),
                        affected,
                        key: key.clone(),
                    });
                }
            }
            let threat_name = before.map(|b| b.threat_name.clone()).unwrap_or_default();
            let (modified, published) = before.map(|b| (b.modified.clone(), b.published.clone())).unwrap_or_default();
            let state = RecordState {
                threat_name,
                withdrawn: true,
                active: BTreeMap::new(),
                modified,
                published,
                ranges: BTreeMap::new(),
                document: None,
            };
            (events, state)
        }
        Some(mapped) => {
            let mut active = BTreeMap::new();
            let mut ranges = BTreeMap::new();
            let renamed = before.is_some_and(|b| !b.withdrawn && b.threat_name != mapped.threat_name);
            let before_ranges = |key: &str| before.and_then(|b| b.ranges.get(key));
            for a in &mapped.announcements {
                let json = serde_json::to_string(&a.entry).expect("an entry serializes");
                let new = || Planned { entry: a.entry.clone(), affected: a.affected.clone(), key: a.key.clone() };
                match before_active.and_then(|b| b.get(&a.key)) {
                    None => events.push(new()),
                    Some(old_json) if !same_ranges(before_ranges(&a.key), a.affected.as_ref()) => {
                        if let Some(old) = parse_entry(old_json) {
                            let affected = before_ranges(&a.key).cloned();
                            let key = a.key.clone();
                            events.push(Planned { entry: old.as_event(EventType::FalsePositive), affected, key });
                        }
                        events.push(new());
                    }
                    Some(_) if renamed => events.push(Planned {
                        entry: a.entry.as_event(EventType::NewThreatName),
                        affected: a.affected.clone(),
                        key: a.key.clone(),
                    }),
                    Some(_) => {}
                }
                active.insert(a.key.clone(), json);
                if let Some(r) = &a.affected {
                    ranges.insert(a.key.clone(), r.clone());
                }
            }
            for (key, entry_json) in before_active.into_iter().flatten() {
                if !active.contains_key(key)
                    && let Some(entry) = parse_entry(entry_json)
                {
                    let affected = before_ranges(key).cloned();
                    let key = key.clone();
                    events.push(Planned { entry: entry.as_event(EventType::FalsePositive), affected, key });
                }
            }
            let state = RecordState {
                threat_name: mapped.threat_name.clone(),
                withdrawn: false,
                active,
                modified: mapped.provenance.modified.clone(),
                published: mapped.published.map(|t| t.to_utc_string()),
                ranges,
                document: None,
            };
            (events, state)
        }
    }
}

fn parse_entry(json: &str) -> Option<Entry> {
    serde_json::from_str::<RawEntry>(json).ok().and_then(|raw| Entry::try_from(raw).ok())
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
