//! The shared developer set of real malicious packages (`../shared/data/detection/`), read
//! straight out of its password-protected zips in memory: nothing is unpacked, installed or
//! run. Fails, never skips, when the set is missing.

use scioc_analyze::{Verdict, analyze, package::Package};
use scioc_ingest::archive::{ArchiveKind, Limits};
use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn set(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/detection").join(name);
    assert!(p.exists(), "{} is missing: the shared detection set must sit beside the repository", p.display());
    p
}

/// Every archive of a sample zip, analysed: (name, verdict, threat name, malicious files).
fn analyse_all(zip: &str) -> Vec<(String, Verdict, Option<String>, usize)> {
    let file = std::fs::File::open(set(zip)).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index_decrypt(i, b"infected").unwrap();
        if !entry.is_file() {
            continue;
        }
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let Some(kind) = ArchiveKind::from_name(&name) else { continue };
        let start = Instant::now();
        let base = name.rsplit('/').next().unwrap();
        match Package::read_archive(&name, base, kind, Cursor::new(bytes), Limits::default()) {
            Ok(p) => {
                let a = analyze(&p);
                assert!(start.elapsed() < Duration::from_secs(5), "{name} took {:?}", start.elapsed());
                for f in &a.files {
                    assert!(
                        f.threat_name.ends_with(".SupplyChain") && (1..=5).contains(&f.threat_level),
                        "{name}: {f:?}"
                    );
                    assert!(f.hashes.is_some() || f.path.contains("#scripts."), "{name}: {f:?} has its hashes");
                }
                if a.verdict == Verdict::Malicious {
                    assert!(
                        !a.files.is_empty() && a.threat_name.is_some(),
                        "{name}: a malicious verdict names its files"
                    );
                    assert!(a.findings.iter().any(|f| f.kind == scioc_analyze::rules::Kind::Threat), "{name}");
                }
                out.push((name, a.verdict, a.threat_name, a.files.len()));
            }
            // A few archives of the set are damaged (not gzip); they are refused with a reason.
            Err(e) => assert!(e.to_string().contains(base), "{e}"),
        }
    }
    out
}

fn recall(results: &[(String, Verdict, Option<String>, usize)]) -> f64 {
    results.iter().filter(|r| r.1 == Verdict::Malicious).count() as f64 / results.len() as f64
}

#[test]
fn the_malicious_npm_set_is_found() {
    let results = analyse_all("malicious-npm.zip");
    assert!(results.len() >= 25, "{}", results.len());
    let r = recall(&results);
    eprintln!("npm recall {:.1}% of {}", 100.0 * r, results.len());
    assert!(r >= 0.80, "npm recall {r}: {results:#?}");
    // The known dropper that pipes a download into Python at install is named a downloader.
    let rrgod = results.iter().find(|r| r.0.ends_with("rrgod-1.0.0.tgz")).expect("rrgod is in the set");
    assert_eq!(rrgod.1, Verdict::Malicious);
}

#[test]
fn the_malicious_pypi_set_is_found() {
    let results = analyse_all("malicious-pypi.zip");
    assert!(results.len() >= 1400, "{}", results.len());
    let r = recall(&results);
    eprintln!("PyPI recall {:.1}% of {}", 100.0 * r, results.len());
    assert!(r >= 0.85, "PyPI recall {r}");
}
