//! The detection benchmark's runner (`bench/detect/run.sh`): analyses every archive inside
//! password-protected sample zips (read in memory, never unpacked) and every archive in
//! directories of benign packages, and prints one JSON line per archive: its label, the
//! verdict, the score, the threat name and the seconds it took.
//!
//! ```text
//! detect --malicious ZIP… --benign DIR…
//! detect --paths ARCHIVE      # what the install and an import run, and the findings
//! detect --explain ZIP NAME…  # the findings on members of a sample zip, for tuning
//! ```

use scioc_analyze::package::Package;
use scioc_ingest::archive::{ArchiveKind, Limits};
use std::io::{Cursor, Read};
use std::time::Instant;

fn main() {
    let mut label = "malicious";
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, path] = args.as_slice()
        && flag == "--paths"
    {
        let p = Package::read(std::path::Path::new(path), Limits::default()).unwrap_or_else(|e| panic!("{e}"));
        println!("root: {:?}\ninstall: {:?}\nimport: {:?}", p.root, p.install_files, p.import_files);
        let a = scioc_analyze::analyze(&p);
        println!("{:?} {}", a.verdict, a.score);
        for f in &a.findings {
            println!("  {} {}:{} {}", f.rule, f.file, f.line, f.excerpt);
        }
        return;
    }
    if let [flag, zip_path, names @ ..] = args.as_slice()
        && flag == "--explain"
    {
        let file = std::fs::File::open(zip_path).unwrap_or_else(|e| panic!("{zip_path}: {e}"));
        let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{zip_path}: {e}"));
        for i in 0..zip.len() {
            let mut entry = zip.by_index_decrypt(i, b"infected").unwrap_or_else(|e| panic!("{zip_path}: {e}"));
            let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
            if !names.iter().any(|n| name.ends_with(n.as_str())) {
                continue;
            }
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            let kind = ArchiveKind::from_name(&name).unwrap_or_else(|| panic!("{name}: not an archive"));
            match Package::read_archive(&name, served_name(&name), kind, Cursor::new(bytes), Limits::default()) {
                Ok(p) => {
                    let a = scioc_analyze::analyze(&p);
                    println!(
                        "{name}: {:?} {} install={:?} import={:?}",
                        a.verdict, a.score, p.install_files, p.import_files
                    );
                    for f in a.findings.iter().take(40) {
                        println!("  {} {}:{} {}", f.rule, f.file, f.line, f.excerpt);
                    }
                    for n in &a.notes {
                        println!("  note: {n}");
                    }
                }
                Err(e) => println!("{name}: {e}"),
            }
        }
        return;
    }
    for arg in args {
        match arg.as_str() {
            "--malicious" => label = "malicious",
            "--benign" => label = "benign",
            path if label == "malicious" => malicious(path),
            path => benign(path),
        }
    }
}

fn report(label: &str, name: &str, bytes: Vec<u8>) {
    let kind = ArchiveKind::from_name(name);
    let start = Instant::now();
    let result = match kind {
        Some(kind) => Package::read_archive(name, served_name(name), kind, Cursor::new(bytes), Limits::default())
            .map(|p| scioc_analyze::analyze(&p)),
        None => return,
    };
    let secs = start.elapsed().as_secs_f64();
    let line = match result {
        Ok(a) => serde_json::json!({"label": label, "path": name, "verdict": a.verdict, "score": a.score,
            "threat_name": a.threat_name, "rules": a.findings.iter().map(|f| f.rule).collect::<std::collections::BTreeSet<_>>(), "seconds": secs}),
        Err(e) => {
            serde_json::json!({"label": label, "path": name, "verdict": "error", "error": e.to_string(), "seconds": secs})
        }
    };
    println!("{line}");
}

/// The archive's own file name. The shared set names an archive `listing__file` when the
/// registry's listing and the file it kept differ; the file's name is what was served.
fn served_name(name: &str) -> &str {
    let name = name.rsplit('/').next().unwrap_or(name);
    name.rsplit_once("__").map_or(name, |(_, file)| file)
}

fn malicious(zip_path: &str) {
    let file = std::fs::File::open(zip_path).unwrap_or_else(|e| panic!("{zip_path}: {e}"));
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("{zip_path}: {e}"));
    for i in 0..zip.len() {
        let mut entry = match zip.by_index_decrypt(i, b"infected") {
            Ok(e) => e,
            Err(e) => panic!("{zip_path}: entry {i}: {e}"),
        };
        if !entry.is_file() {
            continue;
        }
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_else(|e| panic!("{zip_path}: entry {i}: {e}"));
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap_or_else(|e| panic!("{zip_path}: {name}: {e}"));
        report("malicious", &name, bytes);
    }
}

fn benign(dir: &str) {
    let mut paths: Vec<_> =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}")).flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        let name = p.display().to_string();
        if let Ok(bytes) = std::fs::read(&p) {
            report("benign", &name, bytes);
        }
    }
}
