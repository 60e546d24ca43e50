//! Every OSV record scioc serves, built in one pass from the store and the verdict engine.
//!
//! | what scioc knows | served as |
//! |---|---|
//! | an OSV report (source `osv`) | the record as last imported, compact |
//! | … withdrawn by its source | the same, with `withdrawn` (its own, else its `modified`) |
//! | … whose every announcement an FP took back | `withdrawn` and `modified` at that FP's feed time |
//! | versions announced by another source (an archive, another feed) | a synthesized `SCIOC-…` record per package and source record, aliased to that record, with `package_integrity` from the archives' hashes |
//! | a curated blacklist rule that blocks | `SCIOC-RULE-<id>`, aliased to the rule's id: exact versions in `versions`, ranges and `*` as OSV `ranges` (the feed's announcements of the rule answer with this record too) |
//! | an indicator that stands for a whole package ([`scioc_store::Indicator::blocks_package`]) | `SCIOC-IOC-…`, every version, aliased to the indicators' records |
//!
//! Rules and indicators that only warn have no record: nothing that enforces serves them.
//!
//! Records without a document (stored by a scioc older than this catalog) are left out until
//! the next `scioc ingest osv` writes them.

use crate::{ID_PREFIX, ecosystem, rfc3339};
use scioc_model::{FeedTime, build_purl, osv::RecordState, purl_type_of};
use scioc_store::Store;
use scioc_verdict::{Engine, Query};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// One record as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Its id.
    pub id: String,
    /// Its `modified` time, RFC 3339.
    pub modified: String,
    /// Whether it is withdrawn.
    pub withdrawn: bool,
    /// The ecosystems its `affected` entries name (OSV spellings scioc serves), sorted.
    pub ecosystems: Vec<&'static str>,
    /// The record, compact JSON.
    pub json: Arc<str>,
}

/// Why the catalog could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] scioc_store::Error),
}

/// Every record, by id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    records: BTreeMap<String, Arc<Record>>,
    /// Synthesized ids by (ecosystem, normalized name, source record).
    synthesized: HashMap<(String, String, Option<String>), String>,
    /// Records of curated rules and package indicators, by the source record their feed
    /// announcements carry (a rule's id, an indicator's `source_id`).
    rules: HashMap<String, String>,
    /// Records of package indicators, by [`ioc_key`].
    iocs: HashMap<String, String>,
}

/// What identifies a package indicator's record: its ecosystem (empty: every one) and name.
fn ioc_key(i: &scioc_store::Indicator) -> String {
    format!("{}\u{0}{}", i.ecosystem.to_ascii_lowercase(), i.value.trim().to_lowercase())
}

/// The part of a stored OSV record the catalog reads.
#[derive(serde::Deserialize)]
struct Head {
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    affected: Vec<HeadAffected>,
}

#[derive(serde::Deserialize)]
struct HeadAffected {
    package: Option<HeadPackage>,
}

#[derive(serde::Deserialize)]
struct HeadPackage {
    ecosystem: String,
}

/// The id of the record synthesized for `record`'s announcements of one package.
fn synthesized_id(ecosystem: &str, name: &str, record: Option<&str>) -> String {
    let mut h = Sha256::new();
    for part in [ecosystem, name, record.unwrap_or("")] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = hex::encode(h.finalize());
    format!("{ID_PREFIX}{}", digest[..16].to_ascii_uppercase())
}

/// The id of the record of a package indicator.
fn indicator_id(key: &str) -> String {
    let digest = hex::encode(Sha256::digest(key.as_bytes()));
    format!("{ID_PREFIX}IOC-{}", digest[..16].to_ascii_uppercase())
}

/// The id of the record synthesized for a curated rule: its id, kept readable.
fn rule_id(rule: &str) -> String {
    let safe: String =
        rule.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    format!("{ID_PREFIX}RULE-{safe}")
}

impl Catalog {
    /// Builds the catalog from what the store holds and what the engine said when `view` was
    /// taken.
    pub async fn build(store: &dyn Store, view: &EngineView) -> Result<Catalog, CatalogError> {
        let mut out = Catalog::default();
        let state = store.source_state("osv").await?;
        // Reports some of whose announcements are still in force.
        let mut active: HashSet<&str> = HashSet::new();
        let malicious = &view.malicious;
        for m in malicious {
            active.extend(m.versions.iter().filter_map(|(_, _, r)| r.as_deref()));
            active.extend(m.claims.iter().filter_map(|(r, _, _)| r.as_deref()));
        }
        let mut retracted: Vec<(String, Value, i64)> = Vec::new();
        for rec in &state.records {
            let Ok(st) = serde_json::from_str::<RecordState>(&rec.state) else { continue };
            let Some(document) = st.document else { continue };
            let Ok(head) = serde_json::from_str::<Head>(&document) else { continue };
            let ecosystems =
                ecosystems_of(head.affected.iter().filter_map(|a| a.package.as_ref()).map(|p| &p.ecosystem));
            let modified = head.modified.clone().unwrap_or_default();
            let withdrawn_by_source = st.withdrawn || head.withdrawn.is_some();
            let fp = (!withdrawn_by_source && !active.contains(rec.id.as_str()))
                .then(|| view.retracted.get(&rec.id).copied())
                .flatten();
            let json: Arc<str> = match (withdrawn_by_source, head.withdrawn.is_some(), fp) {
                (true, false, _) => {
                    // Withdrawn by being moved to the source's withdrawn folder: say so.
                    let mut v: Value = serde_json::from_str(&document).unwrap_or(Value::Null);
                    if let Some(o) = v.as_object_mut() {
                        o.insert("withdrawn".into(), Value::String(modified.clone()));
                    }
                    v.to_string().into()
                }
                (false, _, Some(seq)) => {
                    let v: Value = serde_json::from_str(&document).unwrap_or(Value::Null);
                    retracted.push((rec.id.clone(), v, seq));
                    continue;
                }
                _ => document.into(),
            };
            out.records.insert(
                rec.id.clone(),
                Arc::new(Record { id: rec.id.clone(), modified, withdrawn: withdrawn_by_source, ecosystems, json }),
            );
        }
        // Events whose times or entries are needed: the FPs that retracted reports, and the
        // announcements behind synthesized records.
        let retracted_ids: HashSet<&str> = retracted.iter().map(|(id, _, _)| id.as_str()).collect();
        let mut groups: BTreeMap<(String, String, Option<String>), Group> = BTreeMap::new();
        for m in malicious {
            let mut add = |record: Option<&str>, version: Option<&str>, seq: i64, every: bool| {
                if record.is_some_and(|r| out.records.contains_key(r) || retracted_ids.contains(r)) {
                    return;
                }
                let g =
                    groups.entry((m.ecosystem.to_owned(), m.name.to_owned(), record.map(str::to_owned))).or_default();
                g.versions.extend(version.map(str::to_owned));
                g.every_version |= every;
                g.events.push(seq);
            };
            for (v, seq, record) in &m.versions {
                add(record.as_deref(), Some(v), *seq, false);
            }
            for (record, seq, every) in &m.claims {
                add(record.as_deref(), None, *seq, *every);
            }
        }
        let mut seqs: Vec<i64> = retracted.iter().map(|(_, _, s)| *s).collect();
        seqs.extend(groups.values().flat_map(|g| g.events.iter().copied()));
        seqs.sort_unstable();
        seqs.dedup();
        let mut events: HashMap<i64, (FeedTime, Value)> = HashMap::new();
        for chunk in seqs.chunks(500) {
            for e in store.entries(chunk.to_vec()).await? {
                let entry = serde_json::from_slice(&e.entry_json).unwrap_or(Value::Null);
                events.insert(e.seq, (e.time, entry));
            }
        }
        for (id, mut v, seq) in retracted {
            let Some((time, _)) = events.get(&seq) else { continue };
            let at = rfc3339(*time);
            let head_ecosystems = v
                .get("affected")
                .and_then(Value::as_array)
                .map(|a| {
                    ecosystems_of(
                        a.iter()
                            .filter_map(|x| x.pointer("/package/ecosystem").and_then(Value::as_str))
                            .map(String::from),
                    )
                })
                .unwrap_or_default();
            let modified = at.clone();
            if let Some(o) = v.as_object_mut() {
                o.insert("modified".into(), Value::String(at.clone()));
                o.insert("withdrawn".into(), Value::String(at));
            }
            let json: Arc<str> = v.to_string().into();
            out.records.insert(
                id.clone(),
                Arc::new(Record { id, modified, withdrawn: true, ecosystems: head_ecosystems, json }),
            );
        }
        // Rules carry no time of their own: they are as new as the feed.
        let feed_time =
            store.head().await?.map(|h| rfc3339(h.time)).unwrap_or_else(|| rfc3339(scioc_model::FEED_EPOCH));
        for rule in view.rules.iter().filter(|r| r.action.eq_ignore_ascii_case("BLOCK")) {
            let Some(eco) = ecosystem(&rule.ecosystem) else { continue };
            let id = rule_id(&rule.id);
            out.records.insert(id.clone(), Arc::new(from_rule(&id, eco, rule, &feed_time)));
            out.rules.insert(rule.id.clone(), id);
        }
        let mut packages: BTreeMap<String, Vec<&scioc_store::Indicator>> = BTreeMap::new();
        for i in view.indicators.iter().filter(|i| i.blocks_package()) {
            packages.entry(ioc_key(i)).or_default().push(i);
        }
        for (key, found) in packages {
            let id = indicator_id(&key);
            if let Some(r) = from_indicators(&id, &found, &feed_time) {
                out.records.insert(id.clone(), Arc::new(r));
                for i in found.iter().filter(|i| !i.source_id.is_empty()) {
                    out.rules.insert(i.source_id.clone(), id.clone());
                }
                out.iocs.insert(key, id);
            }
        }
        for ((eco, name, record), g) in groups {
            // A curated rule's or indicator's announcements answer with its own record.
            if let Some(known) = record.as_ref().and_then(|r| out.rules.get(r)).cloned() {
                out.synthesized.insert((eco, name, record), known);
                continue;
            }
            let id = synthesized_id(&eco, &name, record.as_deref());
            let r = synthesize(&id, &eco, &name, record.as_deref(), &g, &events);
            out.records.insert(id.clone(), Arc::new(r));
            out.synthesized.insert((eco, name, record), id);
        }
        Ok(out)
    }

    /// The record with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<Record>> {
        self.records.get(id)
    }

    /// Every record, by id.
    pub fn records(&self) -> impl Iterator<Item = &Arc<Record>> {
        self.records.values()
    }

    /// The ecosystems some record names, sorted.
    pub fn ecosystems(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self.records.values().flat_map(|r| r.ecosystems.iter().copied()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The records that affect the query's version (or, without a version, name its
    /// package), by the verdict engine, in the order the feed learnt them. Withdrawn records
    /// never affect anything.
    pub fn affecting(&self, engine: &Engine, q: &Query<'_>) -> Vec<Arc<Record>> {
        let mut out: Vec<Arc<Record>> = Vec::new();
        let name = scioc_verdict::normalize(q.ecosystem, q.name);
        for report in engine.reports(q) {
            let id = match &report.record {
                Some(r) if self.records.contains_key(r) && !r.starts_with(ID_PREFIX) => Some(r.clone()),
                record => self.synthesized.get(&(q.ecosystem.to_owned(), name.clone(), record.clone())).cloned(),
            };
            if let Some(r) = id.and_then(|id| self.records.get(&id))
                && !r.withdrawn
                && !out.iter().any(|o| o.id == r.id)
            {
                out.push(r.clone());
            }
        }
        for v in engine.check(q).into_iter().filter(scioc_verdict::Verdict::blocks) {
            let id = match &v.origin {
                scioc_verdict::Origin::Rule { id, .. } => self.rules.get(id),
                scioc_verdict::Origin::Indicator(i) => self.iocs.get(&ioc_key(i)),
                scioc_verdict::Origin::Feed => None,
            };
            if let Some(r) = id.and_then(|id| self.records.get(id))
                && !out.iter().any(|o| o.id == r.id)
            {
                out.push(r.clone());
            }
        }
        out
    }
}

/// What the catalog needs of the verdict engine, taken under its lock and owned, so the
/// catalog can be built while the engine goes on serving.
#[derive(Debug, Clone, Default)]
pub struct EngineView {
    /// [`Engine::malicious`], owned.
    pub malicious: Vec<OwnedMalicious>,
    /// [`Engine::retracted`] for every report.
    pub retracted: HashMap<String, i64>,
    /// [`Engine::rules`], owned.
    pub rules: Vec<scioc_curation::files::BlacklistEntry>,
    /// [`Engine::indicators`], owned.
    pub indicators: Vec<scioc_store::Indicator>,
}

/// [`scioc_verdict::Malicious`], owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedMalicious {
    /// See [`scioc_verdict::Malicious::ecosystem`].
    pub ecosystem: String,
    /// See [`scioc_verdict::Malicious::name`].
    pub name: String,
    /// See [`scioc_verdict::Malicious::versions`].
    pub versions: Vec<(String, i64, Option<String>)>,
    /// See [`scioc_verdict::Malicious::claims`].
    pub claims: Vec<(Option<String>, i64, bool)>,
}

impl EngineView {
    /// Takes the view.
    pub fn of(engine: &Engine) -> EngineView {
        let malicious: Vec<OwnedMalicious> = engine
            .malicious()
            .map(|m| OwnedMalicious {
                ecosystem: m.ecosystem.to_owned(),
                name: m.name.to_owned(),
                versions: m.versions.iter().map(|(v, s, r)| ((*v).to_owned(), *s, r.map(str::to_owned))).collect(),
                claims: m.claims.iter().map(|(r, s, e)| (r.map(str::to_owned), *s, *e)).collect(),
            })
            .collect();
        let retracted = engine.retracted_reports().map(|(r, s)| (r.to_owned(), s)).collect();
        EngineView {
            malicious,
            retracted,
            rules: engine.rules().cloned().collect(),
            indicators: engine.indicators().cloned().collect(),
        }
    }
}

/// What one synthesized record gathers.
#[derive(Debug, Default)]
struct Group {
    versions: Vec<String>,
    every_version: bool,
    events: Vec<i64>,
}

fn ecosystems_of<S: AsRef<str>>(names: impl Iterator<Item = S>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = names.filter_map(|n| ecosystem(n.as_ref())).collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn package(eco: &str, name: &str) -> Value {
    let purl = purl_type_of(eco).and_then(|t| build_purl(t, name, None).ok());
    let mut p = json!({"ecosystem": eco, "name": name});
    if let Some(purl) = purl {
        p["purl"] = Value::String(purl);
    }
    p
}

fn synthesize(
    id: &str,
    eco: &str,
    name: &str,
    record: Option<&str>,
    g: &Group,
    events: &HashMap<i64, (FeedTime, Value)>,
) -> Record {
    let times: Vec<FeedTime> = g.events.iter().filter_map(|s| events.get(s).map(|(t, _)| *t)).collect();
    let published = times.iter().min().copied().map(rfc3339).unwrap_or_default();
    let modified = times.iter().max().copied().map(rfc3339).unwrap_or_default();
    let entries: Vec<&Value> = g.events.iter().filter_map(|s| events.get(s).map(|(_, e)| e)).collect();
    let threat = entries
        .iter()
        .find_map(|e| e.get("threat_name").or_else(|| e.pointer("/identity/threat_name")).and_then(Value::as_str));
    let mut integrity = Vec::new();
    for e in &entries {
        let mut hashes = serde_json::Map::new();
        for algo in ["sha256", "sha512", "sha1", "md5"] {
            if let Some(h) = e.get(algo).and_then(Value::as_str) {
                hashes.insert(algo.into(), Value::String(h.to_owned()));
            }
        }
        if !hashes.is_empty() {
            let mut item = json!({"hashes": hashes});
            if let Some(f) = e.get("filename").and_then(Value::as_str) {
                item["filename"] = Value::String(f.to_owned());
            }
            if !integrity.contains(&item) {
                integrity.push(item);
            }
        }
    }
    let mut versions = g.versions.clone();
    versions.sort();
    versions.dedup();
    let mut affected = json!({"package": package(eco, name), "versions": versions});
    if g.every_version {
        affected["ranges"] = json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]);
    }
    if !integrity.is_empty() {
        affected["database_specific"] = json!({"indicators": {"package_integrity": integrity}});
    }
    let mut v = json!({
        "schema_version": "1.7.0",
        "id": id,
        "modified": modified,
        "published": published,
        "summary": format!("Malicious code in {name} ({eco})"),
        "details": threat.map_or_else(
            || format!("scioc holds {name} ({eco}) as malicious."),
            |t| format!("scioc holds {name} ({eco}) as malicious: {t}."),
        ),
        "affected": [affected],
        "database_specific": {"source": "scioc"},
    });
    if let Some(r) = record {
        v["aliases"] = json!([r]);
    }
    let ecosystems = ecosystems_of(std::iter::once(eco));
    Record { id: id.to_owned(), modified, withdrawn: false, ecosystems, json: v.to_string().into() }
}

fn from_rule(id: &str, eco: &'static str, rule: &scioc_curation::files::BlacklistEntry, modified: &str) -> Record {
    let (exact, ranges, unexpressed) = crate::rule_versions(rule);
    let mut affected = json!({
        "package": package(eco, &rule.component),
        "versions": exact,
        "database_specific": {"affected_versions": rule.affected_versions},
    });
    if !ranges.is_empty() {
        affected["ranges"] = serde_json::to_value(&ranges).expect("ranges serialize");
    }
    if !unexpressed.is_empty() {
        // Matched exactly by scioc's own API; tools that evaluate OSV ranges alone miss these.
        affected["database_specific"]["without_osv_form"] = json!(unexpressed);
    }
    let mut references = Vec::new();
    if !rule.link.is_empty() {
        references.push(json!({"type": "WEB", "url": rule.link}));
    }
    let v = json!({
        "schema_version": "1.7.0",
        "id": id,
        "modified": modified,
        "aliases": [rule.id],
        "summary": format!("Malicious code in {} ({eco})", rule.component),
        "details": rule.reason,
        "affected": [affected],
        "references": references,
        "database_specific": {"source": "scioc curation", "action": rule.action, "severity": rule.severity},
    });
    Record {
        id: id.to_owned(),
        modified: modified.to_owned(),
        withdrawn: false,
        ecosystems: vec![eco],
        json: v.to_string().into(),
    }
}

/// The record of package indicators naming one package: every version, in the indicators'
/// ecosystem, or in each ecosystem scioc serves when they name none.
fn from_indicators(id: &str, found: &[&scioc_store::Indicator], modified: &str) -> Option<Record> {
    let first = found.first()?;
    let ecosystems: Vec<&'static str> =
        if first.ecosystem.is_empty() { crate::ECOSYSTEMS.to_vec() } else { vec![ecosystem(&first.ecosystem)?] };
    let name = first.value.trim();
    let affected: Vec<Value> = ecosystems
        .iter()
        .map(|eco| {
            json!({
                "package": package(eco, name),
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
                "database_specific": {"indicator": {"type": first.kind.as_str(), "match": "exact"}},
            })
        })
        .collect();
    let mut aliases: Vec<&str> = found.iter().map(|i| i.source_id.as_str()).filter(|s| !s.is_empty()).collect();
    aliases.sort_unstable();
    aliases.dedup();
    let sources: Vec<&str> = found.iter().map(|i| i.source.as_str()).collect();
    let v = json!({
        "schema_version": "1.7.0",
        "id": id,
        "modified": modified,
        "aliases": aliases,
        "summary": format!("Malicious package {name}"),
        "details": format!("Every version of {name} is malicious: a blocking {} indicator names it.", first.kind.as_str()),
        "affected": affected,
        "database_specific": {"source": "scioc indicators", "sources": sources, "confidence": first.confidence},
    });
    Some(Record {
        id: id.to_owned(),
        modified: modified.to_owned(),
        withdrawn: false,
        ecosystems,
        json: v.to_string().into(),
    })
}
