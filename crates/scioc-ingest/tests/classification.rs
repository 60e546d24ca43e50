//! The behaviour classifier against the hand-labelled set in `docs/classification/labels.csv`
//! (drawn and labelled by the guidelines beside it, before and without the classifier's rules),
//! read from the shared OSV snapshot. The figures printed here are those of
//! `docs/classification/README.md`; the test fails when the classifier falls below the precision
//! documented there.

use scioc_ingest::osv::{classify::classify, record::Record};
use scioc_model::Behaviour;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `path → label` of every report labelled in `file`.
fn labels(file: &str) -> BTreeMap<String, Behaviour> {
    let text = std::fs::read_to_string(repo().join("docs/classification").join(file)).unwrap();
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        // id,path,label,evidence: the first three never hold a comma.
        let mut fields = line.splitn(4, ',');
        let (_, path, label) = (fields.next(), fields.next().unwrap(), fields.next().unwrap());
        let label = label.parse().unwrap_or_else(|e| panic!("{file} line {}: {e}", n + 1));
        out.insert(path.to_owned(), label);
    }
    out
}

/// The labelled reports, read from the snapshot.
fn reports(wanted: &BTreeMap<String, Behaviour>) -> HashMap<String, Record> {
    let snapshot = repo().join("../shared/data/ossf-malicious-packages-2025-06-04.tar.gz");
    assert!(snapshot.exists(), "the shared OSV snapshot is missing at {}", snapshot.display());
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(snapshot).unwrap()));
    let mut out = HashMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().trim_start_matches("./").to_owned();
        if wanted.contains_key(&path) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            out.insert(path, serde_json::from_slice(&bytes).unwrap());
        }
    }
    out
}

/// Per-class figures of the classifier on one labelled set.
struct Figures {
    /// `(labelled, predicted) → count`.
    pairs: BTreeMap<(Behaviour, Behaviour), usize>,
    wrong: Vec<String>,
    total: usize,
}

impl Figures {
    fn of(file: &str) -> Figures {
        let labels = labels(file);
        let records = reports(&labels);
        assert_eq!(records.len(), labels.len(), "every report of {file} is in the snapshot");
        let mut pairs = BTreeMap::new();
        let mut wrong = Vec::new();
        for (path, want) in &labels {
            let got = classify(&records[path]);
            *pairs.entry((*want, got)).or_default() += 1;
            if got != *want {
                wrong.push(format!("{path}: labelled {want}, classified {got}"));
            }
        }
        Figures { pairs, wrong, total: labels.len() }
    }

    fn count(&self, f: impl Fn(Behaviour, Behaviour) -> bool) -> usize {
        self.pairs.iter().filter(|((w, g), _)| f(*w, *g)).map(|(_, n)| n).sum()
    }

    /// Correct predictions of `class` over all its predictions (`None`: never predicted).
    fn precision(&self, class: Behaviour) -> Option<f64> {
        let predicted = self.count(|_, g| g == class);
        (predicted > 0).then(|| self.count(|w, g| w == class && g == class) as f64 / predicted as f64)
    }

    /// Share of the reports labelled with a specific class (not unknown) that were given it.
    fn specific_recall(&self) -> f64 {
        let specific = self.count(|w, _| w != Behaviour::Unknown);
        self.count(|w, g| w != Behaviour::Unknown && w == g) as f64 / specific.max(1) as f64
    }

    fn accuracy(&self) -> f64 {
        self.count(|w, g| w == g) as f64 / self.total as f64
    }

    /// The table of `docs/classification/README.md`.
    fn print(&self, title: &str) {
        println!("\n{title} ({} reports)\n", self.total);
        println!("| class | labelled | predicted | correct | precision | recall |\n|---|---|---|---|---|---|");
        for class in Behaviour::ALL {
            let labelled = self.count(|w, _| w == class);
            let predicted = self.count(|_, g| g == class);
            let correct = self.count(|w, g| w == class && g == class);
            let ratio =
                |a: usize, b: usize| if b == 0 { "–".to_owned() } else { format!("{:.2}", a as f64 / b as f64) };
            if labelled + predicted > 0 {
                println!(
                    "| {class} | {labelled} | {predicted} | {correct} | {} | {} |",
                    ratio(correct, predicted),
                    ratio(correct, labelled)
                );
            }
        }
        println!("\naccuracy {:.3}, recall of specific labels {:.3}", self.accuracy(), self.specific_recall());
        for w in &self.wrong {
            println!("{w}");
        }
    }
}

/// What the documentation promises, per set: least precision per class (`None`: every class the
/// classifier predicts), least accuracy, least recall of the specific labels.
///
/// `labels.csv` was labelled before the classifier was written, but its cue list was written
/// after reading the labeller's notes, so it is the development set. `heldout.csv` was drawn and
/// labelled after the classifier was frozen; its figures are the honest ones, and they are held
/// here as measured, so that a change that makes any class less precise fails.
type Promise = (&'static str, &'static [(Behaviour, f64)], f64, f64);
const PROMISES: &[Promise] = &[
    ("labels.csv", &[], 0.95, 0.95),
    (
        "heldout.csv",
        &[
            (Behaviour::Backdoor, 1.0),
            (Behaviour::Infostealer, 0.82),
            (Behaviour::Cryptominer, 1.0),
            (Behaviour::Downloader, 0.40),
            (Behaviour::Typosquat, 0.50),
            (Behaviour::Unknown, 0.75),
        ],
        0.77,
        0.64,
    ),
];

#[test]
fn the_classifier_matches_the_hand_labels_at_the_documented_precision() {
    for (file, per_class, min_accuracy, min_recall) in PROMISES {
        let f = Figures::of(file);
        f.print(file);
        assert!(f.total >= 140, "{file}: {} labels", f.total);
        for class in Behaviour::ALL {
            let Some(p) = f.precision(class) else { continue };
            let min = match per_class.iter().find(|(c, _)| *c == class) {
                Some((_, min)) => *min,
                None if per_class.is_empty() => 0.95,
                // A class the documentation gives no figure for must not be predicted wrongly often.
                None => 0.0,
            };
            assert!(p >= min, "{file}: {class}: precision {p:.2} below the documented {min}");
        }
        assert!(f.accuracy() >= *min_accuracy, "{file}: accuracy {:.3} below {min_accuracy}", f.accuracy());
        assert!(f.specific_recall() >= *min_recall, "{file}: recall {:.3} below {min_recall}", f.specific_recall());
    }
    assert!(labels("labels.csv").len() + labels("heldout.csv").len() >= 200, "at least 200 hand labels");
}
