//! The feed client and `scioc sync` against real `scioc serve` processes: a mirror of the whole
//! shared snapshot over HTTPS equal event for event (by the store digest), in JSON and XML;
//! kill -9 and resume, repeated; a 429 storm from a rate-limited server and a 503/429 storm from
//! a proxy losing nothing; exact windows at second boundaries (a second of 1,500 events
//! included) and relative windows.

use crate::support::{PASSWORD, Scioc, entry, utc};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// `scioc --data-dir <dir> <args>` with the remote's password in the environment.
fn scioc(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(crate::support::binary());
    for (k, _) in std::env::vars() {
        if k.starts_with("SCIOC_") {
            c.env_remove(k);
        }
    }
    c.arg("--data-dir").arg(dir).args(args).env("SCIOC_PASSWORD", PASSWORD);
    c
}

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    let out = scioc(dir, args).stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "scioc {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

fn digest(dir: &std::path::Path) -> String {
    let out = run(dir, &["status", "--format", "json", "--digest"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["events"].as_u64().unwrap() > 0 || v["digest"].is_string(), "{v}");
    format!("{} {}", v["events"], v["digest"].as_str().unwrap())
}

fn remote<'a>(url: &'a str, ca: Option<&'a str>) -> Vec<&'a str> {
    let mut v = vec!["--url", url, "--user", "mirror"];
    if let Some(ca) = ca {
        v.extend(["--ca-cert", ca]);
    }
    v
}

#[test]
fn a_mirror_of_the_snapshot_is_exact_in_json_and_xml_and_survives_kills() {
    let s = Scioc::new();
    s.ok(&["ingest", "osv", crate::osv_snapshot::snapshot().to_str().unwrap()], "");
    s.add_user("mirror", "reader");
    let server = s.serve(&["--tls-self-signed"]);
    let ca = server.ca.clone().unwrap();
    let ca = ca.to_str().unwrap();
    let source = digest(&s.data_dir());
    let events = crate::osv_snapshot::expected().announcements;
    assert!(source.starts_with(&format!("{events} ")), "{source}");

    // A full sync, then an idle re-run.
    let m1 = s.dir.path().join("m1");
    let sync = |dir: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["sync", "--from", &server.url, "--user", "mirror", "--ca-cert", ca];
        args.extend(extra);
        run(dir, &args)
    };
    let out = sync(&m1, &[]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("{events} event(s) mirrored")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(digest(&m1), source, "the mirror equals the source event for event");
    let out = sync(&m1, &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 event(s) mirrored"));
    assert_eq!(digest(&m1), source);

    // XML on the wire gives the same mirror.
    let m2 = s.dir.path().join("m2");
    sync(&m2, &["--wire", "xml"]);
    assert_eq!(digest(&m2), source, "XML and JSON mirrors are identical");

    // kill -9 at varying points, then resume, until a run finishes by itself.
    let m3 = s.dir.path().join("m3");
    let mut kills = 0;
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64;
    loop {
        let mut child =
            scioc(&m3, &["sync", "--from", &server.url, "--user", "mirror", "--ca-cert", ca, "--limit", "150"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let wait = Duration::from_millis(150 + (seed >> 33) % 600);
        let started = Instant::now();
        let finished = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() >= wait {
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        match finished {
            Some(status) => {
                assert!(status.success());
                break;
            }
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
            }
        }
        assert!(kills < 200, "the sync never finished");
    }
    assert!(kills >= 2, "the sync should have been interrupted at least twice, was {kills} times");
    assert_eq!(digest(&m3), source, "after {kills} kills and resumes the mirror still equals the source");
}

/// A proxy that answers 503, then 429, then forwards, over and over, so every request fails
/// twice before it passes.
fn storm_proxy(upstream: std::net::SocketAddr) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut client) = conn else { continue };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let reply: &[u8] = match n % 3 {
                    0 => b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    1 => b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    _ => {
                        let text = String::from_utf8_lossy(&head);
                        let mut request: String = text
                            .split("\r\n")
                            .filter(|l| !l.to_ascii_lowercase().starts_with("connection:") && !l.is_empty())
                            .map(|l| format!("{l}\r\n"))
                            .collect();
                        request.push_str("Connection: close\r\n\r\n");
                        let mut up = TcpStream::connect(upstream).unwrap();
                        up.write_all(request.as_bytes()).unwrap();
                        let mut response = Vec::new();
                        up.read_to_end(&mut response).unwrap();
                        let _ = client.write_all(&response);
                        return;
                    }
                };
                let _ = client.write_all(reply);
            });
        }
    });
    (url, count)
}

#[test]
fn storms_of_429_and_503_lose_nothing() {
    let s = Scioc::new();
    let base = scioc_model::FeedTime::now().unix() - 3_600;
    let lines: Vec<String> = (0..2_400).map(|i| entry(i, &utc(base + (i / 7) as i64))).collect();
    s.ingest(&lines);
    s.add_user("mirror", "reader");
    let source = digest(&s.data_dir());

    // A rate-limited server: 429 with Retry-After, again and again.
    {
        let server = s.serve(&["--rate-limit", "4", "--rate-burst", "1"]);
        let m = s.dir.path().join("rate-limited");
        let out = run(&m, &[&["sync", "--limit", "100"][..], &remote(&server.url, None)].concat());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("2400 event(s) mirrored"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(digest(&m), source);
    }
    // A proxy failing two requests of every three, with 503 and 429.
    let server = s.serve(&[]);
    let upstream: std::net::SocketAddr = server.url.trim_start_matches("http://").parse().unwrap();
    let (proxy, requests) = storm_proxy(upstream);
    let m = s.dir.path().join("stormy");
    run(&m, &[&["sync", "--limit", "200"][..], &remote(&proxy, None)].concat());
    assert_eq!(digest(&m), source);
    assert!(requests.load(Ordering::SeqCst) >= 3 * 12, "every page was refused twice first");
    // The same storm on a windowed query: the same events as straight from the server.
    let window = ["feed", "query", "--from", &utc(base), "--to", &utc(base + 400)];
    let direct = run(&m, &[&window[..], &remote(&server.url, None)].concat()).stdout;
    let stormy = run(&m, &[&window[..], &remote(&proxy, None)].concat()).stdout;
    assert_eq!(String::from_utf8_lossy(&direct).lines().count(), 2_400);
    assert_eq!(direct, stormy);
}

fn sequences(out: &[u8]) -> Vec<(i64, String)> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["scioc"]["sequence"].as_i64().unwrap(), v["scioc"]["timestamp"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn windows_are_exact_at_second_boundaries_and_relative_windows_too() {
    let mut s = Scioc::new();
    // A second of 1,500 events: a store told to hold seconds larger than a page.
    s.env.push(("SCIOC_EVENTS_PER_SECOND", "5000".into()));
    let t = scioc_model::FeedTime::now().unix() - 7_200;
    let mut lines = Vec::new();
    let mut i = 0;
    for (second, n) in [(t - 1, 3), (t, 1_500), (t + 1, 2), (t + 5, 4)] {
        for _ in 0..n {
            lines.push(entry(i, &utc(second)));
            i += 1;
        }
    }
    s.ingest(&lines);
    s.add_user("mirror", "reader");
    let server = s.serve(&[]);
    let query = |from: i64, to: i64, wire: &str| {
        let args = ["feed", "query", "--from", &utc(from), "--to", &utc(to), "--wire", wire];
        sequences(&run(&s.data_dir(), &[&args[..], &remote(&server.url, None)].concat()).stdout)
    };
    for (from, to, want) in [
        (t, t + 1, 1_500),
        (t - 1, t + 1, 1_503),
        (t - 1, t, 3),
        (t + 1, t + 2, 2),
        (t + 2, t + 5, 0),
        (t - 10, t + 10, 1_509),
    ] {
        let got = query(from, to, "json");
        assert_eq!(got.len(), want, "[{from}, {to})");
        let mut seqs: Vec<i64> = got.iter().map(|g| g.0).collect();
        seqs.dedup();
        assert_eq!(seqs.len(), want, "no duplicates in [{from}, {to})");
        assert!(got.iter().all(|(_, ts)| {
            let ts = scioc_model::FeedTime::parse_utc(ts).unwrap().unix();
            ts >= from && ts < to
        }));
        assert_eq!(query(from, to, "xml"), got, "XML gives the same window");
    }

    // The other output formats carry the same window.
    let formatted = |format: &str| {
        let args = ["feed", "query", "--from", &utc(t - 1), "--to", &utc(t + 2), "--format", format];
        String::from_utf8(run(&s.data_dir(), &[&args[..], &remote(&server.url, None)].concat()).stdout).unwrap()
    };
    let csv = formatted("csv");
    assert_eq!(
        csv.lines().next().unwrap(),
        "sequence,time,event_type,community,package,version,purl,sha256,threat_name"
    );
    assert_eq!(csv.lines().count(), 1 + 1_505);
    let json: serde_json::Value = serde_json::from_str(&formatted("json")).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1_505);
    assert!(formatted("table").contains("pkg:npm/pkg-3@1.0.0"));

    // Relative: events of the last hour are the ones ingested now, not those of two hours ago.
    let fresh: Vec<String> = (0..7)
        .map(|k| {
            let mut v: serde_json::Value = serde_json::from_str(&entry(10_000 + k, "")).unwrap();
            v.as_object_mut().unwrap().remove("timestamp");
            v.to_string()
        })
        .collect();
    s.ingest(&fresh);
    let now = scioc_model::FeedTime::now();
    while scioc_model::FeedTime::now() <= now {
        std::thread::sleep(Duration::from_millis(50));
    }
    let last = |d: &str| {
        sequences(
            &run(&s.data_dir(), &[&["feed", "query", "--last", d][..], &remote(&server.url, None)].concat()).stdout,
        )
    };
    assert_eq!(last("1h").len(), 7);
    assert_eq!(last("3h").len(), 7 + 1_509);
    // The user's cursor: start an hour ago, pull it all.
    run(&s.data_dir(), &[&["feed", "start", "--since", "1h"][..], &remote(&server.url, None)].concat());
    let pulled = sequences(
        &run(&s.data_dir(), &[&["feed", "pull", "--limit", "3"][..], &remote(&server.url, None)].concat()).stdout,
    );
    assert_eq!(pulled.len(), 7);
}

#[test]
fn trust_is_a_ca_bundle_or_a_pin_and_nothing_else() {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let s = Scioc::new();
    s.ingest(&[entry(1, &utc(scioc_model::FeedTime::now().unix() - 60))]);
    s.add_user("mirror", "reader");
    let server = s.serve(&["--tls-self-signed"]);
    let pem = std::fs::read_to_string(s.data_dir().join("tls/server.pem")).unwrap();
    let b64: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let pin = hex::encode(Sha256::digest(&der));
    let query = |extra: &[&str]| {
        let mut args = vec!["feed", "query", "--last", "1h", "--url", &server.url, "--user", "mirror"];
        args.extend(extra);
        scioc(&s.data_dir(), &args).stdin(Stdio::null()).output().unwrap()
    };
    let ca = server.ca.clone().unwrap();
    let by_ca = query(&["--ca-cert", ca.to_str().unwrap()]);
    assert!(by_ca.status.success(), "{}", String::from_utf8_lossy(&by_ca.stderr));
    assert_eq!(String::from_utf8_lossy(&by_ca.stdout).lines().count(), 1);
    let by_pin = query(&["--pin-sha256", &pin]);
    assert!(by_pin.status.success(), "{}", String::from_utf8_lossy(&by_pin.stderr));
    assert_eq!(by_pin.stdout, by_ca.stdout);
    let wrong = query(&["--pin-sha256", &"ab".repeat(32)]);
    assert!(!wrong.status.success());
    let untrusted = query(&[]);
    assert!(!untrusted.status.success(), "a self-signed server is not trusted by the platform roots");
    // The same settings from the config file's [remote] section.
    let config = s.dir.path().join("remote.toml");
    std::fs::write(&config, format!("[remote]\nurl = \"{}\"\nuser = \"mirror\"\npin_sha256 = \"{pin}\"\n", server.url))
        .unwrap();
    let by_config = scioc(&s.data_dir(), &["--config", config.to_str().unwrap(), "feed", "query", "--last", "1h"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(by_config.stdout, by_ca.stdout, "{}", String::from_utf8_lossy(&by_config.stderr));
    // A wrong password is refused without retrying, and the password is not printed.
    let mut c = scioc(
        &s.data_dir(),
        &["feed", "query", "--last", "1h", "--url", &server.url, "--user", "mirror", "--ca-cert", ca.to_str().unwrap()],
    );
    let bad = c.env("SCIOC_PASSWORD", "not-the-password").stdin(Stdio::null()).output().unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success() && err.contains("HTTP 401") && !err.contains("not-the-password"), "{err}");
}

#[test]
fn sync_follow_keeps_the_mirror_current() {
    let s = Scioc::new();
    let t = scioc_model::FeedTime::now().unix() - 30;
    s.ingest(&(0..3).map(|i| entry(i, &utc(t))).collect::<Vec<_>>());
    s.add_user("mirror", "reader");
    let server = s.serve(&[]);
    let m = s.dir.path().join("mirror");
    let mut child = scioc(&m, &[&["sync", "--follow", "--interval", "1s"][..], &remote(&server.url, None)].concat())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let events = |dir: &std::path::Path| -> u64 {
        let out = scioc(dir, &["status", "--format", "json"]).output().unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).map(|v| v["events"].as_u64().unwrap_or(0)).unwrap_or(0)
    };
    let wait_for = |n: u64| {
        let start = Instant::now();
        while events(&m) < n {
            assert!(start.elapsed() < Duration::from_secs(30), "the mirror did not reach {n} events");
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    wait_for(3);
    // New events on the source reach the running mirror.
    s.ingest(&(3..5).map(|i| entry(i, &utc(scioc_model::FeedTime::now().unix()))).collect::<Vec<_>>());
    wait_for(5);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(digest(&m), digest(&s.data_dir()));
}

#[test]
fn feed_pull_follow_streams_new_events_as_they_arrive() {
    let s = Scioc::new();
    s.ingest(&[entry(1, &utc(scioc_model::FeedTime::now().unix() - 30))]);
    s.add_user("mirror", "reader");
    let server = s.serve(&[]);
    run(&s.data_dir(), &[&["feed", "start", "--since", "1h"][..], &remote(&server.url, None)].concat());
    let mut child = scioc(
        &s.data_dir(),
        &[&["feed", "pull", "--follow", "--interval", "1s"][..], &remote(&server.url, None)].concat(),
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let first: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["scioc"]["sequence"], 1);
    // An event stored now reaches the running pull within a poll or two, once.
    s.ingest(&[entry(2, &utc(scioc_model::FeedTime::now().unix()))]);
    let second: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(second["scioc"]["sequence"], 2);
    child.kill().unwrap();
    child.wait().unwrap();
}
