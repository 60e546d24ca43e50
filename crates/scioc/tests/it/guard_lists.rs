//! The lists install-time guards read, driven through the real guards installed from the
//! registries: Aikido safe-chain's npm wrapper and its own list matching, and DataDog's scfw
//! with scioc's findings list and manifest. FPs are applied in every list.

use crate::support::{Scioc, python_venv};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Imports one OSV report naming `version` of `name` in `ecosystem`.
fn import(scioc: &Scioc, id: &str, ecosystem: &str, name: &str, version: &str) {
    let dir = tempfile::tempdir().unwrap();
    let record = json!({
        "schema_version": "1.5.0", "id": id, "modified": "2099-01-01T00:00:00Z", "published": "2099-01-01T00:00:00Z",
        "summary": format!("Malicious code in {name} ({ecosystem})"),
        "affected": [{"package": {"ecosystem": ecosystem, "name": name}, "versions": [version]}]
    });
    std::fs::write(dir.path().join(format!("{id}.json")), record.to_string()).unwrap();
    scioc.ok(&["ingest", "osv", dir.path().to_str().unwrap()], "");
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// `@aikidosec/safe-chain@1.5.20`, installed once.
fn safe_chain() -> PathBuf {
    crate::support::npm_packages("safe-chain", ".installed-1.5.20", &["@aikidosec/safe-chain@1.5.20"])
}

/// safe-chain's own matching (`isMalwarePackage`), against the list at `base`.
fn safe_chain_says(dir: &Path, home: &Path, base: &str, name: &str, version: &str) -> bool {
    let script = format!(
        "import {{ isMalwarePackage }} from '@aikidosec/safe-chain/scanning';\n\
         console.log(JSON.stringify(await isMalwarePackage({name:?}, {version:?})));"
    );
    let file = dir.join("check.mjs");
    std::fs::write(&file, script).unwrap();
    let out = Command::new("node")
        .arg(&file)
        .current_dir(dir)
        .env("HOME", home)
        .env("SAFE_CHAIN_MALWARE_LIST_BASE_URL", base)
        .output()
        .unwrap();
    assert!(out.status.success(), "safe-chain's matcher failed: {}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)))
}

#[test]
fn safe_chain_refuses_what_scioc_lists_and_lets_an_fp_through() {
    let scioc = Scioc::new();
    import(&scioc, "MAL-2099-0101", "npm", "scioc-evil-pkg", "1.0.0");
    let server = scioc.serve(&["--osv-anonymous"]);
    let base = format!("{}/lists/safe-chain", server.url);
    let dir = safe_chain();
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("package.json"), r#"{"name":"p","version":"1.0.0"}"#).unwrap();

    // The wrapper refuses before npm runs, naming the package.
    let out = Command::new(dir.join("node_modules/.bin/aikido-npm"))
        .args(["install", "scioc-evil-pkg@1.0.0"])
        .current_dir(project.path())
        .env("HOME", home.path())
        .env("SAFE_CHAIN_MALWARE_LIST_BASE_URL", &base)
        .output()
        .unwrap();
    let said = text(&out);
    assert!(!out.status.success(), "safe-chain let a listed package through:\n{said}");
    assert!(said.contains("scioc-evil-pkg@1.0.0") && said.contains("Malicious"), "{said}");
    assert!(!project.path().join("node_modules").exists(), "nothing was installed");

    // Its own matcher agrees, version by version.
    assert!(safe_chain_says(&dir, home.path(), &base, "scioc-evil-pkg", "1.0.0"));
    assert!(!safe_chain_says(&dir, home.path(), &base, "scioc-evil-pkg", "1.0.1"));

    // An FP leaves the list; safe-chain sees the new ETag and lets the version through.
    scioc.ok(&["reclassify", "--purl", "pkg:npm/scioc-evil-pkg", "--fp", "--reason", "test"], "");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!safe_chain_says(&dir, home.path(), &base, "scioc-evil-pkg", "1.0.0"), "the FP reaches safe-chain");
}

#[test]
fn scfw_blocks_on_scioc_findings_list_and_manifest() {
    let scioc = Scioc::new();
    // A real, tiny, harmless PyPI release, marked malicious in this test's store only.
    import(&scioc, "MAL-2099-0102", "PyPI", "six", "1.17.0");
    // scfw takes an empty manifest for a missing one and then fails to download its own: a
    // package of each ecosystem keeps both manifests non-empty after the FP below.
    import(&scioc, "MAL-2099-0103", "PyPI", "scioc-other-evil", "1.0.0");
    import(&scioc, "MAL-2099-0104", "npm", "scioc-other-evil", "1.0.0");
    let server = scioc.serve(&["--osv-anonymous"]);
    let scfw = python_venv("scfw", "scfw==3.1.0");
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("target-venv");
    assert!(Command::new("python3").args(["-m", "venv"]).arg(&target).status().unwrap().success());

    // scfw's home, filled from scioc: the findings list, and the DataDog manifests as scfw
    // caches them (`<Ecosystem><etag>.json`; scfw's own download URL is fixed upstream).
    let home = work.path().join("scfw-home");
    let fill = |home: &Path| {
        std::fs::create_dir_all(home.join("list_verifier")).unwrap();
        std::fs::create_dir_all(home.join("dd_verifier")).unwrap();
        let get = |path: &str| {
            let out = Command::new("curl").args(["-sf", &format!("{}{path}", server.url)]).output().unwrap();
            assert!(out.status.success(), "GET {path}");
            out.stdout
        };
        std::fs::write(home.join("list_verifier/scioc.yaml"), get("/lists/scfw/findings.yaml")).unwrap();
        for (eco, path) in [("PyPI", "pypi"), ("npm", "npm")] {
            let dd = home.join("dd_verifier");
            for old in std::fs::read_dir(&dd).unwrap() {
                let old = old.unwrap().path();
                if old.file_name().unwrap().to_string_lossy().starts_with(eco) {
                    std::fs::remove_file(old).unwrap();
                }
            }
            std::fs::write(dd.join(format!("{eco}scioc.json")), get(&format!("/lists/datadog/{path}/manifest.json")))
                .unwrap();
        }
    };
    let run = |version: &str| {
        let out = Command::new(scfw.join("bin/scfw"))
            .args(["run", "--dry-run", "--allow-on-warning", "--error-on-block", "pip", "install"])
            .arg(format!("six=={version}"))
            .env("SCFW_HOME", &home)
            .env("VIRTUAL_ENV", &target)
            .env("PATH", format!("{}:{}", target.join("bin").display(), std::env::var("PATH").unwrap()))
            .env_remove("PIP_FIND_LINKS")
            .output()
            .unwrap();
        (out.status.code(), text(&out))
    };
    fill(&home);
    let (code, said) = run("1.17.0");
    assert_eq!(code, Some(1), "scfw let six 1.17.0 through:\n{said}");
    assert!(said.contains("six") && said.contains("scioc"), "{said}");
    let (code, said) = run("1.16.0");
    assert_eq!(code, Some(0), "an unlisted version passes:\n{said}");

    // After an FP, the lists scioc serves no longer name it.
    scioc.ok(&["reclassify", "--purl", "pkg:pypi/six", "--fp", "--reason", "test"], "");
    std::thread::sleep(Duration::from_millis(1500));
    fill(&home);
    let (code, said) = run("1.17.0");
    assert_eq!(code, Some(0), "the FP reaches scfw:\n{said}");
}

#[test]
fn export_lists_writes_every_list_shared_files_follow_the_umask() {
    let scioc = Scioc::new();
    import(&scioc, "MAL-2099-0105", "npm", "scioc-listed", "3.1.4");
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("lists");
    scioc.ok(&["export", "lists", "--out", dir.to_str().unwrap()], "");
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let chain: serde_json::Value = serde_json::from_str(&read("safe-chain/malware_predictions.json")).unwrap();
    assert_eq!(chain, json!([{"package_name": "scioc-listed", "version": "3.1.4", "reason": "MALWARE"}]));
    assert_eq!(read("safe-chain/malware_pypi.json"), "[]");
    let manifest: serde_json::Value = serde_json::from_str(&read("datadog/npm/manifest.json")).unwrap();
    assert_eq!(manifest, json!({"scioc-listed": ["3.1.4"]}));
    let findings = read("scfw/findings.yaml");
    assert!(findings.contains("name: \"scioc-listed\"") && findings.contains("versions: [\"3.1.4\"]"), "{findings}");
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(dir.join("scfw/findings.yaml")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & 0o044, 0o044, "shared files are readable by others under the usual umask: {mode:o}");
    // Exporting again replaces the files whole.
    scioc.ok(&["reclassify", "--purl", "pkg:npm/scioc-listed", "--fp", "--reason", "test"], "");
    scioc.ok(&["export", "lists", "--out", dir.to_str().unwrap()], "");
    assert_eq!(read("safe-chain/malware_predictions.json"), "[]", "FPs are applied");
}
