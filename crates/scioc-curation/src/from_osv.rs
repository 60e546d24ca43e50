//! Drafting blacklist-shaped `watch_only` candidates from recently modified OSV records in the
//! store: the upstream half of the review loop.

use crate::{Candidate, files::BlacklistEntry};
use scioc_model::{FeedTime, ecosystem_of, osv::RecordState};
use scioc_store::SourceState;
use std::collections::BTreeMap;
use std::str::FromStr;

/// How many of the store's active OSV records there are, and how many of them their source
/// modified at or after `since` (the record's own `modified`, not when scioc imported it): what
/// [`draft`] chooses from.
pub fn recent(osv: &SourceState, since: FeedTime) -> (usize, usize) {
    let mut active = 0;
    let mut recent = 0;
    for rec in &osv.records {
        let Ok(state) = serde_json::from_str::<RecordState>(&rec.state) else { continue };
        if state.withdrawn {
            continue;
        }
        active += 1;
        let modified = state.modified.as_deref().and_then(|m| scioc_model::Published::from_str(m).ok());
        recent += usize::from(modified.is_some_and(|m| m.unix() >= since.unix()));
    }
    (active, recent)
}

/// Candidates for every active OSV record modified at or after `since` whose package name
/// matches `filter`, listing only versions no blacklist entry holds yet.
pub fn draft(
    osv: &SourceState,
    blacklist: &[BlacklistEntry],
    since: FeedTime,
    filter: Option<&regex::Regex>,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for rec in &osv.records {
        let Ok(state) = serde_json::from_str::<RecordState>(&rec.state) else { continue };
        let modified = state.modified.as_deref().and_then(|m| scioc_model::Published::from_str(m).ok());
        if state.withdrawn || modified.is_none_or(|m| m.unix() < since.unix()) {
            continue;
        }
        // Group the record's announcements by package.
        let mut packages: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for entry_json in state.active.values() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(entry_json) else { continue };
            let id = &v["identity"];
            let (Some(community), Some(name)) = (id["community"].as_str(), id["package"].as_str()) else { continue };
            let Some(ecosystem) = ecosystem_of(community) else { continue };
            let version = id["version"].as_str().unwrap_or("*").to_owned();
            packages.entry((ecosystem.to_owned(), name.to_owned())).or_default().push(version);
        }
        for ((ecosystem, name), mut versions) in packages {
            if filter.is_some_and(|f| !f.is_match(&name)) {
                continue;
            }
            let listed: Vec<&String> = blacklist
                .iter()
                .filter(|e| e.ecosystem.eq_ignore_ascii_case(&ecosystem) && e.component.eq_ignore_ascii_case(&name))
                .flat_map(|e| &e.affected_versions)
                .collect();
            versions.retain(|v| !listed.contains(&v));
            versions.sort();
            versions.dedup();
            if versions.is_empty() {
                continue;
            }
            let first_seen = state
                .published
                .as_deref()
                .or(state.modified.as_deref())
                .and_then(|p| p.get(..10))
                .unwrap_or("2011-03-29")
                .to_owned();
            out.push(Candidate {
                ecosystem: ecosystem.clone(),
                ioc_type: "package_name".into(),
                value: name.clone(),
                match_kind: None,
                confidence: "medium".into(),
                reason: if state.threat_name.is_empty() {
                    format!("OSV {}", rec.id)
                } else {
                    state.threat_name.clone()
                },
                source: format!("https://osv.dev/vulnerability/{}", rec.id),
                first_seen,
                suggested_action: "block".into(),
                promote_to: "watch_only".into(),
                notes: Some(format!("drafted from OSV {}; review before promoting to blacklist", rec.id)),
                blacklist_id: Some(rec.id.clone()),
                affected_versions: Some(versions),
                action: Some("BLOCK".into()),
                severity: Some("CRITICAL".into()),
            });
        }
    }
    out.sort_by_key(|c| (c.ecosystem.to_lowercase(), c.value.to_lowercase(), c.blacklist_id.clone()));
    out
}
