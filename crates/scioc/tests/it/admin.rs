//! Admin routes: the loaders and reclassification over HTTP, for admins only.

use crate::{
    osv::record,
    support::{Backend, FEED, Scioc, both_backends, next_second},
};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(async admins_post_reports_archives_and_reclassifications);

async fn admins_post_reports_archives_and_reclassifications(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("root", "admin");
    s.add_user("alice", "reader");
    let server = s.serve(&["--max-upload-bytes", "200000"]);
    let admin = server.client().as_user("root");
    let reader = server.client().as_user("alice");
    let post = |c: &crate::support::Client, path: &str, body: Vec<u8>| {
        let c = c.clone();
        let path = path.to_owned();
        async move {
            c.request(Method::POST, &path).body(body).send().await.unwrap_or_else(|e| panic!("POST {path}: {e:?}"))
        }
    };

    // Only admins.
    let one = serde_json::to_vec(&record("MAL-2025-1", "npm", "evil-one", &["1.0.0"], "2025-01-01T00:00:00Z")).unwrap();
    assert_eq!(post(&reader, "/api/scioc/v1/osv", one.clone()).await.status(), 403);
    assert_eq!(post(&server.client(), "/api/scioc/v1/osv", one.clone()).await.status(), 401);
    assert_eq!(admin.get("/api/scioc/v1/osv").await.status(), 405);

    // One record, then a batch with one new record, one unchanged and one malformed.
    let r = post(&admin, "/api/scioc/v1/osv", one.clone()).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["new_malicious"].as_u64(), v["dating"].as_str()), (Some(1), Some("published")));
    let batch = json!([
        serde_json::from_slice::<Value>(&one).unwrap(),
        record("MAL-2025-2", "PyPI", "evil-two", &[], "2025-01-02T00:00:00Z"),
        {"id": "MAL-2025-3", "affected": "not a list"},
    ]);
    let v: Value = post(&admin, "/api/scioc/v1/osv", serde_json::to_vec(&batch).unwrap()).await.json().await.unwrap();
    assert_eq!((v["new_malicious"].as_u64(), v["unchanged"].as_u64()), (Some(1), Some(1)), "{v}");
    assert_eq!(v["invalid"][0]["record"], "request[2]");
    assert_eq!(post(&admin, "/api/scioc/v1/osv", b"[1, 2".to_vec()).await.status(), 400);

    // An archive.
    let tgz = crate::support::npm_tgz("evil-three", "3.0.0");
    let r = post(&admin, "/api/scioc/v1/samples?filename=evil-three-3.0.0.tgz&threat_name=X.Y&force=true", tgz.clone())
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["archive"]["purl"], "pkg:npm/evil-three@3.0.0");
    assert_eq!(post(&admin, "/api/scioc/v1/samples?filename=../x.tgz", tgz.clone()).await.status(), 400);
    let r = post(&admin, "/api/scioc/v1/samples?filename=x.txt", tgz.clone()).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("expected an npm .tgz"));
    let big = post(&admin, "/api/scioc/v1/samples?filename=big.tgz", vec![0u8; 300_000]).await;
    assert_eq!(big.status(), 413, "over --max-upload-bytes");
    assert_eq!(big.headers()["connection"], "close", "the unread body ends the connection, and the client is told");

    // Reclassifications.
    let fp = json!({"purl": "pkg:npm/evil-one", "fp": true, "reason": "test package"});
    let r = post(&admin, "/api/scioc/v1/reclassify", serde_json::to_vec(&fp).unwrap()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["events"], 1);
    assert_eq!(post(&admin, "/api/scioc/v1/reclassify", serde_json::to_vec(&fp).unwrap()).await.status(), 409);
    let none = json!({"sha256": "0".repeat(64), "threat_name": "X"});
    assert_eq!(post(&admin, "/api/scioc/v1/reclassify", serde_json::to_vec(&none).unwrap()).await.status(), 404);
    let both = json!({"purl": "pkg:npm/evil-one", "md5": "0".repeat(32), "fp": true, "reason": "r"});
    assert_eq!(post(&admin, "/api/scioc/v1/reclassify", serde_json::to_vec(&both).unwrap()).await.status(), 400);

    next_second().await;
    let page = reader.page(&format!("{FEED}/utc/2011-03-29T00:00:00?format=json")).await;
    let kinds: Vec<&str> = page.feed().entries.iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["NEW_MALICIOUS", "NEW_MALICIOUS", "NEW_MALICIOUS", "FP"]);
}
