//! Every refusal: 400, 401, 403, 404, 405, 413, 414 and 429.

use crate::support::{Backend, FEED, Scioc, both_backends, entry, utc};
use reqwest::Method;

both_backends!(async bad_requests_are_400_with_a_short_reason, credentials_are_required_and_checked, unknown_paths_wrong_methods_and_oversized_requests, a_rate_limited_user_gets_429_with_retry_after_and_others_do_not, without_a_rate_limit_a_burst_is_served);

async fn status_and_body(r: reqwest::Response) -> (u16, String) {
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn bad_requests_are_400_with_a_short_reason(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    s.ingest(&[entry(1, "2024-01-01T00:00:00")]);
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    let cases = [
        (Method::GET, format!("{FEED}/iso/2024-01-01T00:00:00"), "time_format"),
        (Method::GET, format!("{FEED}/utc/2024-01-01"), "YYYY-MM-DDThh:mm:ss"),
        (Method::GET, format!("{FEED}/utc/2024-13-01T00:00:00"), "YYYY-MM-DDThh:mm:ss"),
        (Method::GET, format!("{FEED}/timestamp/yesterday"), "Unix seconds"),
        (Method::GET, format!("{FEED}/timestamp/-5"), "Unix seconds"),
        // Issue 13: past the last second the utc spelling can show (it was echoed as raw seconds).
        (Method::GET, format!("{FEED}/timestamp/253402300800"), "after 9999-12-31T23:59:59"),
        (Method::GET, format!("{FEED}/utc/2020-01-01T12:30:60"), "YYYY-MM-DDThh:mm:ss"),
        (Method::GET, format!("{FEED}/utc/2011-03-28T23:59:59"), "2011-03-29"),
        (Method::GET, format!("{FEED}/timestamp/1301356799"), "2011-03-29"),
        (Method::GET, format!("{FEED}/utc/2024-01-01T00:00:00?limit=0"), "limit"),
        (Method::GET, format!("{FEED}/utc/2024-01-01T00:00:00?limit=1001"), "limit"),
        (Method::GET, format!("{FEED}/utc/2024-01-01T00:00:00?limit=ten"), "limit"),
        (Method::GET, format!("{FEED}/utc/2024-01-01T00:00:00?format=csv"), "format"),
        (Method::GET, format!("{FEED}/pull?limit=5000"), "limit"),
        (Method::GET, format!("{FEED}/pull?format=yaml"), "format"),
        (Method::PUT, format!("{FEED}/start/utc/not-a-time"), "YYYY-MM-DDThh:mm:ss"),
        (Method::PUT, format!("{FEED}/start/epoch/1"), "time_format"),
        (Method::PUT, format!("{FEED}/start/timestamp/1000"), "2011-03-29"),
    ];
    for (method, path, needle) in cases {
        let (status, body) = status_and_body(c.request(method.clone(), &path).send().await.unwrap()).await;
        assert_eq!(status, 400, "{method} {path}: {body}");
        assert!(body.contains(needle), "{method} {path}: body {body:?} should name {needle:?}");
        assert!(body.len() < 300, "a short body");
    }
    // The boundary itself is allowed.
    assert_eq!(c.get(&format!("{FEED}/utc/2011-03-29T00:00:00")).await.status(), 200);
}

async fn credentials_are_required_and_checked(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    s.add_user("mallory", "disabled");
    let server = s.serve(&[]);
    let anon = server.client();
    let path = format!("{FEED}/utc/2024-01-01T00:00:00");
    for (who, r) in [
        ("nobody", anon.get(&path).await),
        (
            "wrong password",
            anon.request(Method::GET, &path).basic_auth("alice", Some("wrong-password")).send().await.unwrap(),
        ),
        (
            "unknown user",
            anon.request(Method::GET, &path).basic_auth("zed", Some("whatever-pass")).send().await.unwrap(),
        ),
        ("bad scheme", anon.request(Method::GET, &path).header("authorization", "Bearer abc").send().await.unwrap()),
        ("bad base64", anon.request(Method::GET, &path).header("authorization", "Basic %%%").send().await.unwrap()),
        ("pull", anon.get(&format!("{FEED}/pull")).await),
        ("start", anon.put(&format!("{FEED}/start")).await),
    ] {
        assert_eq!(r.status(), 401, "{who}");
        assert_eq!(r.headers()["www-authenticate"], "Basic realm=\"scioc feed\", charset=\"UTF-8\"", "{who}");
    }
    let r = server.client().as_user("mallory").get(&path).await;
    assert_eq!(r.status(), 403, "a user without the feed role");
    assert!(r.text().await.unwrap().contains("no feed role"));
    assert_eq!(server.client().as_user("alice").get(&path).await.status(), 200);
}

async fn unknown_paths_wrong_methods_and_oversized_requests(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    for path in [
        "/nope",
        "/api/feed/supply_chain/ioc/v1/query/utc",
        "/api/feed/supply_chain/ioc/v2/query/pull",
        "/api/feed/supply_chain/ioc/v1/query/a/b/c/d",
    ] {
        assert_eq!(c.get(path).await.status(), 404, "{path}");
        assert_eq!(server.client().get(path).await.status(), 404, "404 comes before authentication: {path}");
    }
    for (method, path) in [
        (Method::POST, format!("{FEED}/pull")),
        (Method::GET, format!("{FEED}/start")),
        (Method::DELETE, format!("{FEED}/start/utc/2024-01-01T00:00:00")),
        (Method::PUT, format!("{FEED}/utc/2024-01-01T00:00:00")),
        (Method::POST, "/health".to_owned()),
    ] {
        let r = c.request(method.clone(), &path).send().await.unwrap();
        assert_eq!(r.status(), 405, "{method} {path}");
    }
    // A declared oversized body is refused before it is read (a raw socket, so the client is
    // not still writing when the server answers).
    let addr = server.url.trim_start_matches("http://").to_owned();
    let head = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut sock = std::net::TcpStream::connect(addr).unwrap();
        write!(sock, "PUT {FEED}/start HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n").unwrap();
        let mut buf = [0u8; 64];
        let n = sock.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    let long = format!("{FEED}/pull?pad={}", "a".repeat(10_000));
    assert_eq!(c.get(&long).await.status(), 414);
}

async fn a_rate_limited_user_gets_429_with_retry_after_and_others_do_not(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    s.add_user("bob", "reader");
    let server = s.serve(&["--rate-limit", "1", "--rate-burst", "3"]);
    let alice = server.client().as_user("alice");
    let path = format!("{FEED}/utc/{}", utc(1_700_000_000));
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = alice.get(&path).await;
        if r.status() == 429 {
            let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=2).contains(&retry), "Retry-After {retry}");
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200], "the burst passes");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    assert_eq!(server.client().as_user("bob").get(&path).await.status(), 200, "limits are per user");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(alice.get(&path).await.status(), 200, "the bucket refills");
}

async fn without_a_rate_limit_a_burst_is_served(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    for _ in 0..50 {
        assert_eq!(c.get(&format!("{FEED}/pull?limit=1")).await.status(), 200);
    }
}
