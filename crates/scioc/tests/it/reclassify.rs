//! `scioc reclassify`: FP and NEW_THREAT_NAME by purl or hash.

use crate::{
    osv::fixture,
    support::{Backend, FEED, Scioc, both_backends},
};

both_backends!(async reclassifications_add_events_and_refuse_when_nothing_matches);

async fn reclassifications_add_events_and_refuse_when_nothing_matches(b: Backend) {
    let t = fixture();
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    s.ok(&["ingest", "osv", &t.arg()], "");

    let out = s.ok(
        &["reclassify", "--purl", "pkg:npm/%40evil/scoped", "--fp", "--reason", "the maintainer's own test package"],
        "",
    );
    assert!(out.contains("added 2 FP event(s)"), "{out}");
    let again = s.run(&["reclassify", "--purl", "pkg:npm/%40evil/scoped@1.0.1", "--fp", "--reason", "again"], "");
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already a false positive"));
    let renamed_fp =
        s.run(&["reclassify", "--sha1", "aad8d679f15a721ed79454d553e3473f9f0536f1", "--threat-name", "X"], "");
    assert!(String::from_utf8_lossy(&renamed_fp.stderr).contains("nothing matching sha1"), "{renamed_fp:?}");

    let out = s.ok(
        &[
            "reclassify",
            "--purl",
            "pkg:pypi/reqeusts",
            "--threat-name",
            "Script-Python.Stealer.SupplyChain",
            "--threat-level",
            "4",
        ],
        "",
    );
    assert!(out.contains("added 1 NEW_THREAT_NAME"), "{out}");

    for args in [
        vec!["reclassify", "--md5", "00000000000000000000000000000000", "--fp", "--reason", "x"],
        vec!["reclassify", "--purl", "pkg:npm/never-heard-of", "--threat-name", "X"],
    ] {
        let out = s.run(&args, "");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("nothing in the feed matches"));
    }
    assert_eq!(s.run(&["reclassify", "--purl", "pkg:npm/x", "--fp"], "").status.code(), Some(2), "--fp needs --reason");
    assert_eq!(s.run(&["reclassify", "--purl", "not a purl", "--fp", "--reason", "r"], "").status.code(), Some(1));

    crate::support::next_second().await;
    let server = s.serve(&[]);
    let page = server.client().as_user("alice").page(&format!("{FEED}/utc/2011-03-29T00:00:00?format=json")).await;
    let tail: Vec<_> = page.feed().entries.iter().rev().take(3).collect();
    assert_eq!(tail[0]["event_type"], "NEW_THREAT_NAME");
    assert_eq!(tail[0]["sample_list"][0]["threat_name"], "Script-Python.Stealer.SupplyChain");
    assert_eq!(tail[0]["sample_list"][0]["threat_level"], "4");
    assert_eq!(tail[1]["event_type"], "FP");
    assert_eq!(tail[1]["sample_list"][0]["status"], "KNOWN");
    assert_eq!(tail[1]["scioc"]["provenance"]["source"], "reclassify");
    assert_eq!(tail[1]["scioc"]["provenance"]["id"], "MAL-2024-1");
    assert_eq!(tail[1]["scioc"]["provenance"]["reason"], "the maintainer's own test package");
}
