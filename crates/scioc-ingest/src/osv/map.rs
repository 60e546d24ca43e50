//! Mapping one OSV record to what the feed announces: one entry per explicit version, one
//! entry without a version carrying the record's usable ranges (as `scioc.affected`) when it
//! has any, plus network indicators.
//!
//! A range is usable when `scioc-versions` can match it: `GIT` ranges and ranges whose versions
//! do not parse in their ecosystem are skipped and counted by reason, never read as "every
//! version". An item with neither versions nor usable ranges announces nothing.

use super::record::{Affected, Record};
use scioc_model::{
    Behaviour, Entry, EventType, FeedTime, FieldError, IndicatorKind, MatchKind, Provenance, Published, RawEntry,
    RawIdentity, RawSample, Reference, SampleStatus, Sha1, Sha512, StringOrNumber, clean_text,
};
use scioc_store::Indicator;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Most aliases, references and contributors an event's provenance lists: every event of a
/// record carries them, so a record with thousands of links must not make every event huge.
const MAX_LISTED: usize = 64;

/// Most versions one affected package may list (the largest real record lists a few hundred):
/// each becomes an event, so a hostile record of millions must not become millions of events.
pub const MAX_VERSIONS: usize = 10_000;

/// Most affected packages one record may name.
pub const MAX_AFFECTED: usize = 1_000;

/// One thing a record announces: a package version, or a whole package.
#[derive(Debug, Clone)]
pub struct Announcement {
    /// The canonical purl, with the version when there is one; the key of the record's state.
    pub key: String,
    /// The entry as a `NEW_MALICIOUS` event carries it.
    pub entry: Entry,
    /// For the versionless announcement: the ranges it covers.
    pub affected: Option<scioc_model::Affected>,
}

/// What a record maps to.
#[derive(Debug, Clone)]
pub struct Mapped {
    /// What the record's text says the package does ([`super::classify`]).
    pub behaviour: Behaviour,
    /// The threat name every sample carries: `<Platform>.<Behaviour>.SupplyChain`.
    pub threat_name: String,
    /// The announcements, in record order.
    pub announcements: Vec<Announcement>,
    /// Provenance shown with every event of the record.
    pub provenance: Provenance,
    /// The record's publication time (or its modification time when it has none).
    pub published: Option<FeedTime>,
    /// Network indicators linked to the record's packages.
    pub indicators: Vec<Indicator>,
    /// Ranges (or items) that could not be matched to versions, counted by reason.
    pub skipped: BTreeMap<String, usize>,
}

/// The purl type (also used as the entry's community) of an OSV ecosystem.
pub use scioc_model::purl_type_of as purl_type;
pub(crate) use scioc_model::{build_purl as purl, split_name};

fn parse_time(s: Option<&str>) -> Option<FeedTime> {
    s.and_then(|s| Published::from_str(s).ok()).map(|p| FeedTime::from_unix(p.unix()))
}

/// Maps a `MAL-` record. Errors name the field of the record at fault.
pub fn map(record: &Record) -> Result<Mapped, FieldError> {
    let first = record.affected.first();
    let behaviour = super::classify::classify(record);
    let platform_of = first.and_then(|a| purl_type(&a.package.ecosystem)).unwrap_or("");
    let threat_name = behaviour.threat_name(platform_of);
    let published_text = record.published.as_deref().or(record.modified.as_deref());
    let published = match published_text {
        Some(s) => Some(Published::from_str(s).map_err(|m| FieldError::new("published", m))?),
        None => None,
    };
    let modified = parse_time(record.modified.as_deref()).map(|t| format!("{}Z", t.to_utc_string()));
    let mut provenance = Provenance {
        source: "osv".into(),
        id: Some(record.id.clone()),
        aliases: record.aliases.iter().map(|a| clean_text(a, 200)).filter(|a| !a.is_empty()).take(MAX_LISTED).collect(),
        references: record
            .references
            .iter()
            .map(|r| Reference {
                kind: clean_text(r.kind.as_deref().unwrap_or("WEB"), 40),
                url: clean_text(&r.url, 2000),
            })
            .filter(|r| !r.url.is_empty())
            .take(MAX_LISTED)
            .collect(),
        contributors: Vec::new(),
        modified,
        ..Provenance::default()
    };
    if let Some(spec) = &record.database_specific {
        for o in &spec.origins {
            if let Some(s) = o.source.as_deref().map(|s| clean_text(s, 100)).filter(|s| !s.is_empty())
                && !provenance.contributors.contains(&s)
                && provenance.contributors.len() < MAX_LISTED
            {
                provenance.contributors.push(s);
            }
        }
    }

    if record.affected.len() > MAX_AFFECTED {
        return Err(FieldError::new(
            "affected",
            format!("{} affected packages; at most {MAX_AFFECTED} are read", record.affected.len()),
        ));
    }
    let mut announcements: Vec<Announcement> = Vec::new();
    let mut indicators = Vec::new();
    let mut skipped = BTreeMap::new();
    for (i, affected) in record.affected.iter().enumerate() {
        let field = |f: &str| format!("affected[{i}].{f}");
        if affected.versions.len() > MAX_VERSIONS {
            return Err(FieldError::new(
                field("versions"),
                format!("{} versions; at most {MAX_VERSIONS} are read", affected.versions.len()),
            ));
        }
        let Some(ptype) = purl_type(&affected.package.ecosystem) else {
            return Err(FieldError::new(
                field("package.ecosystem"),
                format!("ecosystem {:?} has no package URL type scioc knows", affected.package.ecosystem),
            ));
        };
        let ranges = usable_ranges(affected, &mut skipped);
        for a in announce(affected, ptype, (&threat_name, behaviour.level()), published, ranges)
            .map_err(|(f, m)| FieldError::new(field(&f), m))?
        {
            // Two items naming one package: their ranges meet in one versionless announcement.
            match announcements.iter_mut().find(|b| b.key == a.key) {
                Some(b) => {
                    if let (Some(old), Some(new)) = (&mut b.affected, a.affected) {
                        *old = scioc_model::Affected::new(old.ranges.drain(..).chain(new.ranges).collect());
                    }
                }
                None => announcements.push(a),
            }
        }
        if let Some(iocs) = record.database_specific.as_ref().and_then(|d| d.iocs.as_ref()) {
            let link = |kind: IndicatorKind, value: &String| Indicator {
                kind,
                value: clean_text(value, 2000),
                ecosystem: affected.package.ecosystem.clone(),
                package: affected.package.name.clone(),
                source: "osv".into(),
                source_id: record.id.clone(),
                match_kind: MatchKind::Exact,
                confidence: "high".into(),
                action: "flag".into(),
            };
            indicators.extend(iocs.domains.iter().map(|v| link(IndicatorKind::Domain, v)));
            indicators.extend(iocs.urls.iter().map(|v| link(IndicatorKind::Url, v)));
            indicators.extend(iocs.ip_addresses.iter().chain(&iocs.ips).map(|v| link(IndicatorKind::Ip, v)));
        }
    }
    indicators.retain(|i| !i.value.is_empty());
    indicators.sort();
    indicators.dedup();
    Ok(Mapped {
        behaviour,
        threat_name,
        announcements,
        provenance,
        published: published.map(|p| FeedTime::from_unix(p.unix())),
        indicators,
        skipped,
    })
}

/// The ranges of one item that can be matched to versions; the others are counted in
/// `skipped` by reason. An item with neither versions nor ranges is counted too.
fn usable_ranges(affected: &Affected, skipped: &mut BTreeMap<String, usize>) -> Vec<scioc_model::Range> {
    let scheme = scioc_versions::Scheme::of(&affected.package.ecosystem);
    let mut out = Vec::new();
    for raw in &affected.ranges {
        let reason = match <scioc_model::Range as serde::Deserialize>::deserialize(raw) {
            Ok(range) => match scioc_versions::check_range(scheme, &range) {
                Ok(()) => {
                    out.push(range);
                    continue;
                }
                Err(scioc_versions::RangeProblem::Version(scioc_versions::VersionError::NoOrdering(_))) => {
                    format!("no version order is known for {}", affected.package.ecosystem)
                }
                Err(scioc_versions::RangeProblem::Version(_)) => "a range version does not parse".to_owned(),
                Err(p) => p.to_string(),
            },
            Err(_) => "a range scioc cannot read (unknown type or events)".to_owned(),
        };
        *skipped.entry(reason).or_default() += 1;
    }
    if affected.versions.is_empty() && affected.ranges.is_empty() {
        *skipped.entry("an affected package with neither versions nor ranges".to_owned()).or_default() += 1;
    }
    out
}

/// The announcements of one `affected[]` item.
fn announce(
    affected: &Affected,
    ptype: &str,
    (threat_name, threat_level): (&str, u8),
    published: Option<Published>,
    ranges: Vec<scioc_model::Range>,
) -> Result<Vec<Announcement>, (String, String)> {
    let name = &affected.package.name;
    let integrity = affected
        .database_specific
        .as_ref()
        .and_then(|d| d.indicators.as_ref())
        .map(|i| i.package_integrity.as_slice())
        .unwrap_or_default();
    let mut versions: Vec<Option<&str>> = affected.versions.iter().map(|v| Some(v.as_str())).collect();
    if !ranges.is_empty() {
        versions.push(None);
    }
    let affected_ranges = (!ranges.is_empty()).then(|| scioc_model::Affected::new(ranges));
    let mut out = Vec::new();
    for version in versions {
        let key = purl(ptype, name, version).map_err(|m| ("package.name".to_owned(), m.to_string()))?;
        let (namespace, _) = split_name(ptype, name);
        let identity = RawIdentity {
            purl: Some(key.clone()),
            community: Some(ptype.to_owned()),
            namespace: namespace.map(str::to_owned),
            package: Some(clean_text(name, 4096)),
            version: version.map(|v| clean_text(v, 4096)),
            published: published.map(|p| p.to_string()),
            ..RawIdentity::default()
        };
        let mut sample = RawSample {
            status: Some(SampleStatus::Malicious.as_str().to_owned()),
            threat_name: Some(threat_name.to_owned()),
            threat_level: Some(StringOrNumber::String(threat_level.to_string())),
            ..RawSample::default()
        };
        let mut entry = RawEntry {
            event_type: Some(EventType::NewMalicious.as_str().to_owned()),
            identity: Some(identity),
            ..RawEntry::default()
        };
        // An archive hash belongs to the version its file name carries, or to the only entry.
        let matching = integrity.iter().find(|i| match (version, i.filename.as_deref()) {
            (Some(v), Some(f)) => f.contains(&format!("-{v}.")),
            (Some(_), None) => affected.versions.len() == 1 && integrity.len() == 1,
            (None, _) => affected.versions.is_empty() && integrity.len() == 1,
        });
        if let Some(int) = matching {
            if let Some(h) = &int.hashes.sha1 {
                let sha1 = Sha1::from_str(h)
                    .map_err(|m| ("database_specific.indicators.package_integrity.sha1".to_owned(), m.to_string()))?;
                sample.sha1 = Some(sha1.to_string());
                entry.sha1 = Some(sha1.to_string());
            }
            if let Some(sri) = &int.hashes.sha512_sri {
                let sha512 = Sha512::from_sri(sri).map_err(|m| {
                    ("database_specific.indicators.package_integrity.sha512_sri".to_owned(), m.to_string())
                })?;
                entry.sha512 = Some(sha512.to_string());
            }
            entry.filename =
                int.filename.as_deref().map(|f| clean_text(f, 1024)).filter(|f| !f.is_empty() && !f.contains('/'));
        }
        entry.sample_list = Some(vec![sample]);
        // Validated once, by the model, so a mapped entry obeys every rule a loaded one does.
        let entry = Entry::try_from(entry).map_err(|e| (e.field, e.message))?;
        let affected = if version.is_none() { affected_ranges.clone() } else { None };
        out.push(Announcement { key, entry, affected });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sri_converts_to_a_sha512() {
        let hex = Sha512::from_sri(
            "sha512-EdEWUN/Dk/3ETQ2ejbRD/2iyJrC8QLKXXUa6/5H69n3ZpXTYcbi5R5Y4PVGpG9UpGdNLtCjHQPb49sXrfMPKkA==",
        )
        .unwrap();
        assert_eq!(hex.as_str().len(), 128);
        assert!(Sha512::from_sri("sha1-abc").is_err());
        assert!(Sha512::from_sri("sha512-AAAA").is_err());
    }
}
