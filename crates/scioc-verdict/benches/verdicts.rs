//! Verdict lookups per second with the full shared OSV snapshot loaded: a mix of malicious
//! versions, versions outside a report's range, and clean packages, against the baseline of a
//! plain hash-map lookup of the same keys in the same run.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scioc_ingest::osv::{Input, Options, Source, import};
use scioc_store::{SqliteStore, Store};
use scioc_verdict::{Engine, Query, Sources};
use std::collections::HashSet;
use std::hint::black_box;
use std::path::Path;

const SNAPSHOT: &str = "../../../shared/data/ossf-malicious-packages-2025-06-04.tar.gz";

fn engine() -> (Engine, Vec<(String, String, Option<String>)>) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = SqliteStore::open(dir.path()).expect("a store");
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
        assert!(path.exists(), "{} is missing", path.display());
        import(&store, Input::Sources(&[Source::TarGz(path)]), Options::default(), &|_| {}).await.expect("imports");
        let events = store.package_events(0).await.expect("events");
        let engine = Engine::load(Sources { store: Some(&store), ..Sources::default() }).await.expect("an engine");
        // Queries: every 10th announced version, the same names at a version no report lists,
        // and names nobody reported.
        let mut queries = Vec::new();
        let mut seen = HashSet::new();
        for e in events.iter().step_by(10) {
            let (Some(c), Some(p)) = (&e.community, &e.package) else { continue };
            let Some(eco) = scioc_model::ecosystem_of(c) else { continue };
            if seen.insert((eco, p.clone())) {
                queries.push((eco.to_owned(), p.clone(), e.version.clone()));
                queries.push((eco.to_owned(), p.clone(), Some("0.0.0-scioc-bench".to_owned())));
            }
        }
        for i in 0..queries.len() / 2 {
            queries.push(("npm".to_owned(), format!("clean-package-{i}"), Some("1.2.3".to_owned())));
        }
        (engine, queries)
    })
}

fn bench(c: &mut Criterion) {
    let (engine, queries) = engine();
    let mut group = c.benchmark_group("verdicts");
    group.throughput(Throughput::Elements(queries.len() as u64));
    group.bench_function("engine.check", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for (eco, name, version) in &queries {
                hits += engine.check(&Query::package(eco, name, version.as_deref())).len();
            }
            black_box(hits)
        })
    });
    // Baseline: a hash-set lookup of the same (ecosystem, name, version) keys.
    let set: HashSet<(String, String, Option<String>)> = queries.iter().step_by(4).cloned().collect();
    group.bench_function("baseline: HashSet::contains", |b| {
        b.iter(|| black_box(queries.iter().filter(|q| set.contains(*q)).count()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
