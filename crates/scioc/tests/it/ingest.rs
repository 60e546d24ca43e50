//! `scioc ingest entries`: validation, atomicity, time order.

use crate::support::{Backend, Scioc, both_backends, entry};

both_backends!(sync a_bad_line_refuses_the_whole_file_naming_file_line_and_field, the_feed_never_goes_back_in_time, unreadable_files_and_empty_input);

fn status_json(s: &Scioc) -> serde_json::Value {
    serde_json::from_str(&s.ok(&["status", "--format", "json"], "")).unwrap()
}

fn a_bad_line_refuses_the_whole_file_naming_file_line_and_field(b: Backend) {
    let s = Scioc::on(b);
    let path = s.dir.path().join("events.jsonl");
    let lines = [
        entry(1, "2024-01-01T00:00:00"),
        r#"{"event_type":"NEW_MALICIOUS","sha1":"xyz"}"#.to_owned(),
        entry(2, "2024-01-01T00:00:01"),
        r#"{"event_type":"SOMETHING","identity":{"purl":"pkg:npm/a@1"}}"#.to_owned(),
        r#"{"event_type":"NEW_MALICIOUS","identity":{"purl":"pkg:npm/a@1","published":"31-03-2026"}}"#.to_owned(),
        r#"{"event_type":"NEW_MALICIOUS","identity":{"purl":"pkg:npm/a@1"},"sample_list":[{"status":"MALICIOUS","threat_level":"9"}]}"#.to_owned(),
    ];
    std::fs::write(&path, lines.join("\n")).unwrap();
    let out = s.run(&["ingest", "entries", path.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    let p = path.display();
    for expected in [
        format!("{p}:2: sha1: expected 40 hex digits of SHA-1"),
        format!("{p}:4: event_type: expected one of NEW_MALICIOUS, FP, NEW_THREAT_NAME"),
        format!("{p}:5: identity.published: expected a date-time"),
        format!("{p}:6: sample_list[0].threat_level: expected a threat level 1 to 5"),
        "refused, 4 bad line(s); nothing was imported".to_owned(),
    ] {
        assert!(err.contains(&expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(status_json(&s)["events"], 0, "nothing is half-imported");
}

fn the_feed_never_goes_back_in_time(b: Backend) {
    let s = Scioc::on(b);
    s.ingest(&[entry(1, "2024-05-01T00:00:00"), entry(2, "2024-05-02T00:00:00")]);
    let out = s.run(
        &["ingest", "entries", "-"],
        &(entry(3, "2024-05-03T00:00:00") + "\n" + &entry(4, "2024-05-01T12:00:00") + "\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("-:2: timestamp: 2024-05-01T12:00:00 is older than the feed's newest event (2024-05-02T00:00:00)"),
        "{err}"
    );
    let st = status_json(&s);
    assert_eq!((st["events"].as_u64(), st["newest_event"].as_str()), (Some(2), Some("2024-05-02T00:00:00")));

    let future = scioc_model::FeedTime::now().unix() + 3600;
    let out = s.run(&["ingest", "entries", "-"], &entry(5, &future.to_string()));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr).unwrap().contains("-:1: timestamp:"), "a time in the future is refused");

    // Equal to the newest is allowed, and a line without a timestamp is dated now.
    s.ingest(&[
        entry(6, "2024-05-02T00:00:00"),
        serde_json::json!({"event_type":"FP","sha256": format!("{:064x}", 1)}).to_string(),
    ]);
    let st = status_json(&s);
    assert_eq!(st["events"], 4);
    let newest = scioc_model::FeedTime::parse_utc(st["newest_event"].as_str().unwrap()).unwrap().unix();
    assert!((scioc_model::FeedTime::now().unix() - newest).abs() < 5);
}

fn unreadable_files_and_empty_input(b: Backend) {
    let s = Scioc::on(b);
    let out = s.run(&["ingest", "entries", "/nonexistent/file.jsonl"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr).unwrap().contains("/nonexistent/file.jsonl"));
    let out = s.run(&["ingest", "entries", "-"], "\n\n");
    assert!(out.status.success());
    assert!(String::from_utf8(out.stderr).unwrap().contains("no entries"));
}
