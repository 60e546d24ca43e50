//! `scioc migrate` and `scioc copy`: moving a store between SQLite and PostgreSQL, verified.

use crate::support::{Backend, FEED, Scioc, entry, ids, utc};
use scioc_model::FeedTime;
use serde_json::Value;

fn digest(s: &Scioc) -> String {
    let v: Value = serde_json::from_str(&s.ok(&["status", "--format", "json", "--digest"], "")).unwrap();
    v["digest"].as_str().unwrap().to_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn migrate_reports_and_checks_the_schema_on_both_backends() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let s = Scioc::on(backend);
        let check = s.run(&["migrate", "--check"], "");
        assert_eq!(check.status.code(), Some(1), "{backend:?}: a new store has pending migrations");
        assert!(stderr(&check).contains("pending; run `scioc migrate`"), "{}", stderr(&check));
        let out = s.ok(&["migrate"], "");
        assert!(out.contains("applied") && !out.contains("pending"), "{out}");
        assert!(out.contains("schema at version"), "{out}");
        s.ok(&["migrate", "--check"], "");
    }
}

#[tokio::test]
async fn a_store_is_copied_into_postgres_and_back_without_loss() {
    let src = Scioc::on(Backend::Sqlite);
    src.add_user("alice", "reader");
    let base = FeedTime::now().unix() - 3600;
    src.ingest(&(0..2500).map(|i| entry(i, &utc(base + (i / 3) as i64))).collect::<Vec<_>>());
    src.ok(&["ingest", "osv", &crate::osv::fixture().arg()], "");
    // Alice has pulled 99 events (33 whole seconds) through the original.
    let server = src.serve(&[]);
    let c = server.client().as_user("alice");
    assert_eq!(c.put(&format!("{FEED}/start/utc/{}", utc(base))).await.status(), 200);
    assert_eq!(ids(&c.page(&format!("{FEED}/pull?format=json&limit=99")).await).len(), 99);
    server.stop();

    let pg = Scioc::on(Backend::Postgres);
    let from = format!("sqlite://{}", src.data_dir().display());
    let to = pg.db.as_ref().unwrap().url().to_owned();
    let out = src.ok(&["copy", "--from", &from, "--to", &to], "");
    assert!(out.contains("verified: event digest"), "{out}");
    assert!(out.contains("1 user, 1 cursor, "), "one of each is not plural: {out}");
    assert_eq!(digest(&pg), digest(&src));

    // The copy serves the same feed: alice's password and cursor came along.
    let server = pg.serve(&[]);
    let c = server.client().as_user("alice");
    let next = ids(&c.page(&format!("{FEED}/pull?format=json&limit=99")).await);
    assert_eq!(next, (99..198).collect::<Vec<_>>(), "the cursor continues where it stood");
    server.stop();

    // A full target is refused and left as it was; so are bad URLs and missing sources.
    let again = src.run(&["copy", "--from", &from, "--to", &to], "");
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
    assert_eq!(digest(&pg), digest(&src));
    let bad = src.run(&["copy", "--from", &from, "--to", "mysql://u:secret@h/db"], "");
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("--to: expected sqlite://PATH or postgres://"), "{}", stderr(&bad));
    assert!(!stderr(&bad).contains("secret"), "the password is never echoed");
    let missing = src.run(&["copy", "--from", "sqlite:///nonexistent/dir", "--to", &to], "");
    assert!(stderr(&missing).contains("no store in /nonexistent/dir"), "{}", stderr(&missing));

    // And back into a new embedded store, as a backup would be.
    let back = Scioc::on(Backend::Sqlite);
    let out = back.ok(&["copy", "--from", &to, "--to", &format!("sqlite://{}", back.data_dir().display())], "");
    assert!(out.contains("verified"), "{out}");
    assert_eq!(digest(&back), digest(&src));
}

#[test]
fn the_database_is_reached_over_verified_tls_when_the_url_requires_it() {
    let s = Scioc::on(Backend::Postgres);
    let db = s.db.as_ref().unwrap();
    let plain = db.url().to_owned();
    // A CA that never signed the database's certificate: the one `serve --tls-self-signed` makes.
    let other = Scioc::new();
    drop(other.serve(&["--tls-self-signed"]));
    let wrong_ca = other.data_dir().join("tls/ca.pem");
    let status = |url: &str, ca: Option<&std::path::Path>| {
        let mut args = vec!["--database".to_owned(), url.to_owned()];
        if let Some(ca) = ca {
            args.extend(["--database-ca".to_owned(), ca.display().to_string()]);
        }
        args.push("status".to_owned());
        let mut cmd = other.cmd();
        cmd.args(&args).output().unwrap()
    };
    let required = format!("{plain}&sslmode=require");
    if db.setting("ssl").unwrap() != "on" {
        // A server without TLS is refused rather than used in plain text.
        let out = status(&required, None);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        return;
    }
    let cert = std::path::PathBuf::from(db.setting("ssl_cert_file").unwrap());
    let names = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-ext", "subjectAltName", "-in"])
        .arg(&cert)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(names.contains("DNS:localhost"), "the test expects the server's certificate to name localhost: {names}");
    let by_name = required.replacen("127.0.0.1", "localhost", 1);

    let out = status(&by_name, Some(&cert));
    assert!(out.status.success(), "TLS with the server's CA: {}", stderr(&out));
    let out = status(&by_name, Some(&wrong_ca));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("invalid peer certificate"), "{}", stderr(&out));
    let out = status(&required, Some(&cert));
    assert_eq!(out.status.code(), Some(1), "the certificate names localhost, not 127.0.0.1");
    assert!(stderr(&out).contains("not valid for name"), "{}", stderr(&out));
    let out = status(&by_name, Some(std::path::Path::new("/nonexistent/ca.pem")));
    assert!(stderr(&out).contains("reading the CA file /nonexistent/ca.pem"), "{}", stderr(&out));
}
