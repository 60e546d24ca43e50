//! One announcement per package version, however many source records report it.
//!
//! A record that announces a key (a package version, or a versionless purl with its ranges)
//! holds a *claim* on it: an OSV `MAL-` record and its GHSA twin, a DataDog manifest entry
//! for a version OSV already has. An import's events carry the claim they make or take back
//! ([`crate::NewEvent::claim`]) and are kept or dropped by this table, in order:
//!
//! | event | claims of other records on its key | the event | the record's claim |
//! |---|---|---|---|
//! | `NEW_MALICIOUS` | none | appended | made |
//! | `NEW_MALICIOUS` | some | dropped: the version is already announced | made: the record joins the announcement |
//! | `FP` | none | appended | dropped |
//! | `FP` | some | dropped: another record still announces it | dropped |
//! | `NEW_THREAT_NAME` | none older than its own | appended: the record is the announcer | kept |
//! | `NEW_THREAT_NAME` | an older one | dropped: the announcer's name stands | kept |
//! | `FP` without a claim (a manual reclassification) | any | appended | every claim on its purl dropped |
//! | any other event without a claim | any | appended | — |
//!
//! Then each record the import lists ([`crate::Import::claims`]) holds exactly the claims it
//! lists: claims stay true to what the records say even where no event changed (an upgrade
//! that re-reads every record fills them in). Claims are ordered by when they were made; the
//! oldest is the announcer, whose events stand for the others.
//!
//! Both backends read the claims an import can touch ([`touched`]), [`resolve`] here, and
//! write the difference, in the import's transaction.

use crate::{ClaimKey, NewEvent, StoredClaim};
use scioc_model::EventType;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What an import's claims come to.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    /// Whether each event is appended.
    pub keep: Vec<bool>,
    /// Events dropped by the table.
    pub merged: usize,
    /// Claims to delete.
    pub drop: Vec<StoredClaim>,
    /// Claims to insert, oldest first.
    pub make: Vec<StoredClaim>,
}

impl Resolved {
    /// `events` without those the table drops.
    pub(crate) fn kept(&self, events: Vec<NewEvent>) -> Vec<NewEvent> {
        events.into_iter().zip(&self.keep).filter(|(_, k)| **k).map(|(e, _)| e).collect()
    }
}

/// The purls and the importing source's records whose stored claims [`resolve`] needs.
pub(crate) fn touched(events: &[NewEvent], listed: &[(String, Vec<ClaimKey>)]) -> (BTreeSet<String>, Vec<String>) {
    let mut purls = BTreeSet::new();
    for e in events {
        match &e.claim {
            Some(c) => {
                purls.insert(c.key.purl.clone());
            }
            None if e.entry.event_type == EventType::FalsePositive => {
                if let Some(p) = claimless_purl(e) {
                    purls.insert(p.to_owned());
                }
            }
            None => {}
        }
    }
    purls.extend(listed.iter().flat_map(|(_, keys)| keys.iter().map(|k| k.purl.clone())));
    (purls, listed.iter().map(|(record, _)| record.clone()).collect())
}

fn claimless_purl(e: &NewEvent) -> Option<&str> {
    e.entry.identity.as_ref().and_then(|i| i.purl.as_deref())
}

/// Who claims a key, oldest first: `(order, source, record)`.
type Holders = Vec<(u64, String, String)>;

/// Applies the table to `events` of `source`. `held` is every stored claim [`touched`] names,
/// oldest first.
pub(crate) fn resolve(
    source: &str,
    events: &[NewEvent],
    listed: &[(String, Vec<ClaimKey>)],
    held: Vec<StoredClaim>,
) -> Resolved {
    let mut by_key: BTreeMap<ClaimKey, Holders> = BTreeMap::new();
    // The importing source's claims by record, to replace a listed record's set.
    let mut mine: HashMap<String, BTreeSet<ClaimKey>> = HashMap::new();
    let before: HashSet<(ClaimKey, String, String)> =
        held.iter().map(|c| (c.key.clone(), c.source.clone(), c.record.clone())).collect();
    let mut next = 0u64;
    for c in held {
        if c.source == source {
            mine.entry(c.record.clone()).or_default().insert(c.key.clone());
        }
        by_key.entry(c.key).or_default().push((next, c.source, c.record));
        next += 1;
    }
    let mut add = |by_key: &mut BTreeMap<ClaimKey, Holders>,
                   mine: &mut HashMap<String, BTreeSet<ClaimKey>>,
                   key: &ClaimKey,
                   record: &str| {
        let holders = by_key.entry(key.clone()).or_default();
        if !holders.iter().any(|(_, s, r)| s == source && r == record) {
            holders.push((next, source.to_owned(), record.to_owned()));
            next += 1;
        }
        mine.entry(record.to_owned()).or_default().insert(key.clone());
    };
    let remove = |by_key: &mut BTreeMap<ClaimKey, Holders>,
                  mine: &mut HashMap<String, BTreeSet<ClaimKey>>,
                  key: &ClaimKey,
                  record: &str| {
        if let Some(holders) = by_key.get_mut(key) {
            holders.retain(|(_, s, r)| !(s == source && r == record));
        }
        if let Some(keys) = mine.get_mut(record) {
            keys.remove(key);
        }
    };

    let mut out = Resolved::default();
    for e in events {
        let Some(claim) = &e.claim else {
            if e.entry.event_type == EventType::FalsePositive
                && let Some(purl) = claimless_purl(e)
            {
                for (key, holders) in by_key.iter_mut().filter(|(k, _)| k.purl == purl) {
                    for (_, s, r) in holders.drain(..) {
                        if s == source
                            && let Some(keys) = mine.get_mut(&r)
                        {
                            keys.remove(key);
                        }
                    }
                }
            }
            out.keep.push(true);
            continue;
        };
        let (key, record) = (&claim.key, claim.record.as_str());
        let holders = by_key.get(key).map(Vec::as_slice).unwrap_or_default();
        let own = holders.iter().find(|(_, s, r)| s == source && r == record).map(|(n, _, _)| *n);
        let others_older = |than: u64| holders.iter().any(|(n, s, r)| *n < than && !(s == source && r == record));
        let keep = match e.entry.event_type {
            EventType::NewMalicious | EventType::FalsePositive => !others_older(u64::MAX),
            EventType::NewThreatName => !others_older(own.unwrap_or(u64::MAX)),
        };
        match e.entry.event_type {
            EventType::NewMalicious => add(&mut by_key, &mut mine, key, record),
            EventType::FalsePositive => remove(&mut by_key, &mut mine, key, record),
            EventType::NewThreatName => {}
        }
        out.keep.push(keep);
        out.merged += usize::from(!keep);
    }
    for (record, keys) in listed {
        let now: BTreeSet<&ClaimKey> = keys.iter().collect();
        let stale: Vec<ClaimKey> =
            mine.get(record).into_iter().flatten().filter(|k| !now.contains(k)).cloned().collect();
        for key in &stale {
            remove(&mut by_key, &mut mine, key, record);
        }
        for key in keys {
            add(&mut by_key, &mut mine, key, record);
        }
    }

    let mut after: Vec<(u64, StoredClaim)> = Vec::new();
    for (key, holders) in by_key {
        for (n, source, record) in holders {
            after.push((n, StoredClaim { key: key.clone(), source, record }));
        }
    }
    let kept: HashSet<(&ClaimKey, &str, &str)> =
        after.iter().map(|(_, c)| (&c.key, c.source.as_str(), c.record.as_str())).collect();
    out.drop = before
        .iter()
        .filter(|(k, s, r)| !kept.contains(&(k, s.as_str(), r.as_str())))
        .map(|(key, source, record)| StoredClaim { key: key.clone(), source: source.clone(), record: record.clone() })
        .collect();
    out.drop.sort_by(|a, b| (&a.key, &a.source, &a.record).cmp(&(&b.key, &b.source, &b.record)));
    after.sort_by_key(|(n, _)| *n);
    out.make = after
        .into_iter()
        .filter(|(_, c)| !before.contains(&(c.key.clone(), c.source.clone(), c.record.clone())))
        .map(|(_, c)| c)
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Claim;
    use scioc_model::{Entry, RawEntry};

    fn key(purl: &str) -> ClaimKey {
        ClaimKey { purl: purl.into(), ranges: String::new() }
    }

    fn event(kind: EventType, purl: &str, record: Option<&str>) -> NewEvent {
        let raw: RawEntry = serde_json::from_value(serde_json::json!({
            "event_type": kind.as_str(),
            "identity": {"purl": purl},
            "sample_list": [{"status": "MALICIOUS", "threat_name": "x", "threat_level": 5}],
        }))
        .unwrap();
        let mut e = NewEvent::plain(Entry::try_from(raw).unwrap(), None);
        e.claim = record.map(|r| Claim { key: key(purl), record: r.into() });
        e
    }

    fn held(source: &str, record: &str, purl: &str) -> StoredClaim {
        StoredClaim { key: key(purl), source: source.into(), record: record.into() }
    }

    const P: &str = "pkg:npm/evil@1.0.0";

    #[test]
    fn a_version_is_announced_once_across_records_and_sources() {
        let events =
            vec![event(EventType::NewMalicious, P, Some("MAL-1")), event(EventType::NewMalicious, P, Some("MAL-2"))];
        let r = resolve("osv", &events, &[], vec![]);
        assert_eq!(r.keep, [true, false]);
        assert_eq!(r.merged, 1);
        assert_eq!(r.make.len(), 2);
        // Another source joins without a second announcement.
        let stored = r.make;
        let r = resolve("datadog", &[event(EventType::NewMalicious, P, Some("evil"))], &[], stored.clone());
        assert_eq!(r.keep, [false]);
        assert_eq!(r.make, [held("datadog", "evil", P)]);
    }

    #[test]
    fn an_fp_follows_only_the_last_withdrawal() {
        let stored = vec![held("osv", "MAL-1", P), held("datadog", "evil", P)];
        let r = resolve("osv", &[event(EventType::FalsePositive, P, Some("MAL-1"))], &[], stored);
        assert_eq!(r.keep, [false], "datadog still announces it");
        assert_eq!(r.drop, [held("osv", "MAL-1", P)]);
        let r = resolve(
            "datadog",
            &[event(EventType::FalsePositive, P, Some("evil"))],
            &[],
            vec![held("datadog", "evil", P)],
        );
        assert_eq!(r.keep, [true], "the last withdrawal is announced");
        assert!(r.make.is_empty() && r.drop.len() == 1);
    }

    #[test]
    fn only_the_announcer_renames() {
        let stored = vec![held("osv", "MAL-1", P), held("osv", "MAL-2", P)];
        let r = resolve(
            "osv",
            &[event(EventType::NewThreatName, P, Some("MAL-2")), event(EventType::NewThreatName, P, Some("MAL-1"))],
            &[],
            stored,
        );
        assert_eq!(r.keep, [false, true], "MAL-1 announced first");
    }

    #[test]
    fn a_manual_fp_takes_back_every_claim_on_its_purl() {
        let stored = vec![held("osv", "MAL-1", P), held("datadog", "evil", P), held("osv", "MAL-3", "pkg:npm/other@1")];
        let r = resolve("", &[event(EventType::FalsePositive, P, None)], &[], stored);
        assert_eq!(r.keep, [true]);
        assert_eq!(r.drop.len(), 2);
        // A later announcement is announced again.
        let r = resolve("osv", &[event(EventType::NewMalicious, P, Some("MAL-1"))], &[], vec![]);
        assert_eq!(r.keep, [true]);
    }

    #[test]
    fn a_listed_record_holds_exactly_its_claims() {
        let stored = vec![held("osv", "MAL-1", P), held("osv", "MAL-1", "pkg:npm/evil@2.0.0")];
        let listed = vec![("MAL-1".to_owned(), vec![key(P), key("pkg:npm/evil@3.0.0")])];
        let r = resolve("osv", &[], &listed, stored);
        assert_eq!(r.drop, [held("osv", "MAL-1", "pkg:npm/evil@2.0.0")]);
        assert_eq!(r.make, [held("osv", "MAL-1", "pkg:npm/evil@3.0.0")]);
    }
}
