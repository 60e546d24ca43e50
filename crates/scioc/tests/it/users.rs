//! `scioc user …`, and the server honouring changes at once.

use crate::support::{Backend, FEED, PASSWORD, Scioc, both_backends};

both_backends!(async the_server_honours_user_changes_on_the_next_request);
both_backends!(sync users_are_added_listed_changed_and_removed);

fn users_are_added_listed_changed_and_removed(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    s.add_user("root@corp", "admin");
    let list: serde_json::Value = serde_json::from_str(&s.ok(&["user", "list", "--format", "json"], "")).unwrap();
    let names: Vec<_> =
        list.as_array().unwrap().iter().map(|u| (u["name"].as_str().unwrap(), u["role"].as_str().unwrap())).collect();
    assert_eq!(names, vec![("alice", "reader"), ("root@corp", "admin")]);
    let table = s.ok(&["user", "list"], "");
    assert!(table.contains("alice") && table.contains("reader"));

    let dup = s.run(&["user", "add", "alice", "--password-stdin"], "another-password\n");
    assert_eq!(dup.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let weak = s.run(&["user", "add", "bob", "--password-stdin"], "short\n");
    assert_eq!(weak.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 8"));
    let bad_name = s.run(&["user", "add", "a:b", "--password-stdin"], "long-enough-pass\n");
    assert_eq!(bad_name.status.code(), Some(1));
    let no_pw = s.run(&["user", "add", "carol"], "");
    assert_eq!(no_pw.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_pw.stderr).contains("--password-stdin"));

    // The password is stored only as an argon2 hash.
    let db = s.stored_bytes("users");
    assert!(!db.windows(PASSWORD.len()).any(|w| w == PASSWORD.as_bytes()), "plaintext password in the store");
    assert!(db.windows(10).any(|w| w == b"$argon2id$"));

    s.ok(&["user", "role", "alice", "disabled"], "");
    s.ok(&["user", "remove", "root@corp"], "");
    let missing = s.run(&["user", "remove", "root@corp"], "");
    assert_eq!(missing.status.code(), Some(1));
    let list: serde_json::Value = serde_json::from_str(&s.ok(&["user", "list", "--format", "json"], "")).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["role"], "disabled");
}

async fn the_server_honours_user_changes_on_the_next_request(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    let with_new_password = || async {
        let anon = server.client();
        let r = anon.request(reqwest::Method::GET, &format!("{FEED}/pull?format=json"));
        r.basic_auth("alice", Some("a-brand-new-password")).send().await.unwrap().status()
    };
    let path = format!("{FEED}/pull?format=json");
    assert_eq!(c.get(&path).await.status(), 200);
    assert_eq!(c.get(&path).await.status(), 200, "served from the credential cache");

    s.ok(&["user", "passwd", "alice", "--password-stdin"], "a-brand-new-password\n");
    assert_eq!(c.get(&path).await.status(), 401, "the old password stops working at once");
    assert_eq!(with_new_password().await, 200);

    s.ok(&["user", "role", "alice", "disabled"], "");
    assert_eq!(with_new_password().await, 403);

    s.ok(&["user", "remove", "alice"], "");
    assert_eq!(with_new_password().await, 401);
}
