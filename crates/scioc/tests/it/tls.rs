//! HTTPS: a self-signed set kept in the data directory, and certificates from files.

use crate::support::{Client, FEED, Scioc};

#[tokio::test]
async fn self_signed_https_is_trusted_through_its_ca() {
    let s = Scioc::new();
    s.add_user("alice", "reader");
    let server = s.serve(&["--tls-self-signed"]);
    assert!(server.url.starts_with("https://127.0.0.1:"), "{}", server.url);
    let tls = s.data_dir().join("tls");
    for f in ["ca.pem", "server.pem", "server.key"] {
        assert!(tls.join(f).exists(), "{f}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(tls.join("server.key")).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let c = server.client().as_user("alice");
    assert_eq!(c.get(&format!("{FEED}/pull?format=json")).await.status(), 200);

    // A client that does not trust the CA is refused by TLS itself.
    let untrusting = Client::new(&server.url, None).as_user("alice");
    assert!(untrusting.request(reqwest::Method::GET, "/health").send().await.is_err());

    // The same set is reused on the next start, so clients keep trusting it.
    let ca_before = std::fs::read(tls.join("ca.pem")).unwrap();
    drop(server);
    let server = s.serve(&["--tls-self-signed"]);
    assert_eq!(std::fs::read(tls.join("ca.pem")).unwrap(), ca_before);
    assert_eq!(server.client().get("/health").await.status(), 200);
}

#[tokio::test]
async fn certificates_from_files() {
    let s = Scioc::new();
    s.add_user("alice", "reader");
    drop(s.serve(&["--tls-self-signed"]));
    let tls = s.data_dir().join("tls");
    let (cert, key) = (tls.join("server.pem"), tls.join("server.key"));
    let server = s.serve(&["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]);
    let c = Client::new(&server.url, Some(&tls.join("ca.pem"))).as_user("alice");
    assert_eq!(c.get(&format!("{FEED}/pull")).await.status(), 200);

    let out = s.run(
        &["serve", "--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent.pem", "--tls-key", key.to_str().unwrap()],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.pem"));
}
