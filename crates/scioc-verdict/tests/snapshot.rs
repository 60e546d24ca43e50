//! Every report of the shared OSV snapshot whose ranges are more than `introduced: "0"`,
//! checked point by point: the shared snapshot is imported into a real store, the engine is
//! built from it, and each range's edges (its first version, the version just below, the first
//! fixed version, the version just after the last affected one) are asked about. The expected
//! answer comes from an independent reading of every report of the package (its listed
//! versions and SemVer intervals on plain `x.y.z` triples), so a package another report covers
//! whole is expected to be covered.

use scioc_ingest::osv::{Input, Options, Source, import};
use scioc_store::SqliteStore;
use scioc_verdict::{Engine, Query, Sources};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

const SNAPSHOT: &str = "../../../shared/data/ossf-malicious-packages-2025-06-04.tar.gz";

type Triple = (u64, u64, u64);

fn triple(v: &str) -> Option<Triple> {
    let mut it = v.split('.').map(|p| p.parse::<u64>().ok());
    let t = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(t)
}

fn text((a, b, c): Triple) -> String {
    format!("{a}.{b}.{c}")
}

/// What one report says of a package: listed versions and `[from, to)` intervals (to `None`:
/// unbounded), or `None` when a range is not plain SemVer triples (left out of the oracle).
#[derive(Debug, Default, Clone)]
struct Claim {
    versions: Vec<String>,
    intervals: Vec<(Triple, Option<Triple>)>,
}

fn claim(affected: &Value) -> Option<Claim> {
    let mut c = Claim {
        versions: affected["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        ..Claim::default()
    };
    for r in affected["ranges"].as_array().into_iter().flatten() {
        if r["type"] != "SEMVER" {
            return None;
        }
        let mut events: Vec<(Triple, &str)> = Vec::new();
        for e in r["events"].as_array()? {
            let (kind, v) = e.as_object()?.iter().next()?;
            let v = v.as_str()?;
            let t = if v == "0" { (0, 0, 0) } else { triple(v)? };
            events.push((t, kind.as_str()));
        }
        events.sort();
        let mut open: Option<Triple> = None;
        for (t, kind) in events {
            match kind {
                "introduced" => open = open.or(Some(t)),
                "fixed" => c.intervals.extend(open.take().map(|from| (from, Some(t)))),
                "last_affected" => c.intervals.extend(open.take().map(|from| (from, Some((t.0, t.1, t.2 + 1))))),
                _ => return None,
            }
        }
        c.intervals.extend(open.map(|from| (from, None)));
    }
    Some(c)
}

fn covers(claims: &[Claim], v: &str) -> bool {
    let t = triple(v);
    claims.iter().any(|c| {
        c.versions.iter().any(|x| x == v)
            || t.is_some_and(|t| c.intervals.iter().any(|(from, to)| t >= *from && to.is_none_or(|to| t < to)))
    })
}

fn below((a, b, c): Triple) -> Option<Triple> {
    match (a, b, c) {
        (_, _, c) if c > 0 => Some((a, b, c - 1)),
        (_, b, _) if b > 0 => Some((a, b - 1, 999)),
        (a, _, _) if a > 0 => Some((a - 1, 999, 999)),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_nontrivial_range_of_the_snapshot_is_exact() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
    assert!(
        path.exists(),
        "{} is missing: the full-snapshot tests need ../shared beside the repository",
        path.display()
    );

    // Every active report, by package, read straight from the archive.
    let mut claims: BTreeMap<(String, String), Vec<Claim>> = BTreeMap::new();
    let mut nontrivial: Vec<(String, String, String, Value)> = Vec::new();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()));
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.contains("/withdrawn/") {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let Ok(record) = serde_json::from_slice::<Value>(&bytes) else { continue };
        let id = record["id"].as_str().unwrap_or_default().to_owned();
        if !id.starts_with("MAL-") || !record["withdrawn"].is_null() {
            continue;
        }
        for a in record["affected"].as_array().into_iter().flatten() {
            let eco = a["package"]["ecosystem"].as_str().unwrap_or_default().to_owned();
            let pkg = a["package"]["name"].as_str().unwrap_or_default().to_owned();
            let key = (eco.clone(), pkg.to_lowercase());
            if let Some(c) = claim(a) {
                claims.entry(key).or_default().push(c);
            }
            let trivial = a["ranges"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|r| r["events"].as_array().is_some_and(|e| e.len() == 1 && e[0]["introduced"] == "0"));
            if !trivial {
                nontrivial.push((id.clone(), eco, pkg, a.clone()));
            }
        }
    }
    assert!(nontrivial.len() >= 100, "the snapshot has {} non-trivial affected entries", nontrivial.len());

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    import(&store, Input::Sources(&[Source::TarGz(path)]), Options::default(), &|_| {}).await.unwrap();
    let engine = Engine::load(Sources { store: Some(&store), ..Sources::default() }).await.unwrap();

    let (mut inside, mut outside, mut asked) = (0, 0, 0);
    for (id, eco, pkg, affected) in &nontrivial {
        let Some(own) = claim(affected) else { continue };
        let all = &claims[&(eco.clone(), pkg.to_lowercase())];
        let mut points = Vec::new();
        for (from, to) in &own.intervals {
            points.push(*from);
            points.extend(below(*from));
            points.extend(*to);
        }
        for p in points {
            let v = text(p);
            let want = covers(all, &v);
            let got = !engine.check(&Query::package(eco, pkg, Some(&v))).is_empty();
            assert_eq!(got, want, "{id} {eco} {pkg}@{v}: the engine says {got}, the reports say {want}");
            asked += 1;
            if want {
                inside += 1;
            } else {
                outside += 1;
            }
        }
    }
    // The point of the table: dependency-confusion ranges (`introduced: 99.9.0`) leave lower
    // versions clean, and bounded ranges end where they say.
    assert!(asked >= 250 && inside >= 200 && outside >= 40, "asked {asked}: {inside} inside, {outside} outside");

    // The two cases of the issue, by name.
    let flagged = |name: &str, v: &str| !engine.check(&Query::package("npm", name, Some(v))).is_empty();
    assert!(!flagged("fsevents", "2.3.3"), "chokidar's fsevents 2.3.3 is outside MAL-2023-462 (1.0.0 to 1.2.11)");
    assert!(flagged("fsevents", "1.2.10") && !flagged("fsevents", "1.2.11"));
    let solana = engine.check(&Query::package("npm", "@solana/web3.js", Some("1.95.6")));
    assert_eq!(solana.first().and_then(|v| v.reference.as_deref()), Some("MAL-2024-11183"), "{solana:?}");
    assert!(flagged("@solana/web3.js", "1.95.7"));
    assert!(!flagged("@solana/web3.js", "1.95.5") && !flagged("@solana/web3.js", "1.95.8"));
}
