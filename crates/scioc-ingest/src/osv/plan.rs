//! What an import changes: a record's new state against the state last stored, as events.
//!
//! | before | now | events |
//! |---|---|---|
//! | unknown | active | `NEW_MALICIOUS` per announcement |
//! | unknown | withdrawn | none |
//! | active | active, more versions | `NEW_MALICIOUS` for the new ones |
//! | active | active, fewer versions | `FP` for the dropped ones |
//! | active | active, new threat name | `NEW_THREAT_NAME` per remaining announcement |
//! | active | withdrawn | `FP` per announcement still active |
//! | withdrawn | active | `NEW_MALICIOUS` per announcement |

use super::map::{Mapped, as_event};
use scioc_model::{Entry, EventType, RawEntry};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the store keeps of one record between imports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordState {
    /// The threat name last announced.
    pub threat_name: String,
    /// Whether the record was withdrawn.
    pub withdrawn: bool,
    /// Announcements in force, by key (purl), with the entry announced (wire JSON).
    pub active: BTreeMap<String, String>,
    /// The record's `modified` time, `YYYY-MM-DDThh:mm:ssZ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// The record's publication time, `YYYY-MM-DDThh:mm:ss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
}

/// One event a record's change calls for.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The entry, already of the event's type.
    pub entry: Entry,
}

/// Compares a record now (`None` when it is withdrawn) with its state before.
pub fn plan(before: Option<&RecordState>, now: Option<&Mapped>) -> (Vec<Planned>, RecordState) {
    let mut events = Vec::new();
    let before_active = before.map(|b| &b.active);
    match now {
        None => {
            for entry_json in before_active.into_iter().flat_map(|a| a.values()) {
                if let Some(entry) = parse_entry(entry_json) {
                    events.push(Planned { entry: as_event(&entry, EventType::FalsePositive) });
                }
            }
            let threat_name = before.map(|b| b.threat_name.clone()).unwrap_or_default();
            let (modified, published) = before.map(|b| (b.modified.clone(), b.published.clone())).unwrap_or_default();
            (events, RecordState { threat_name, withdrawn: true, active: BTreeMap::new(), modified, published })
        }
        Some(mapped) => {
            let mut active = BTreeMap::new();
            let renamed = before.is_some_and(|b| !b.withdrawn && b.threat_name != mapped.threat_name);
            for a in &mapped.announcements {
                let json = serde_json::to_string(&a.entry).expect("an entry serializes");
                match before_active.and_then(|b| b.get(&a.key)) {
                    None => events.push(Planned { entry: a.entry.clone() }),
                    Some(_) if renamed => events.push(Planned { entry: as_event(&a.entry, EventType::NewThreatName) }),
                    Some(_) => {}
                }
                active.insert(a.key.clone(), json);
            }
            for (key, entry_json) in before_active.into_iter().flatten() {
                if !active.contains_key(key)
                    && let Some(entry) = parse_entry(entry_json)
                {
                    events.push(Planned { entry: as_event(&entry, EventType::FalsePositive) });
                }
            }
            let state = RecordState {
                threat_name: mapped.threat_name.clone(),
                withdrawn: false,
                active,
                modified: mapped.provenance.modified.clone(),
                published: mapped.published.map(|t| t.to_utc_string()),
            };
            (events, state)
        }
    }
}

fn parse_entry(json: &str) -> Option<Entry> {
    serde_json::from_str::<RawEntry>(json).ok().and_then(|raw| Entry::try_from(raw).ok())
}
