//! Issue 13: what an attacker, a crash and a dying log pipe did to `scioc serve`, each tested
//! against the real binary.

use crate::support::{FEED, Scioc, entry};
use std::{
    io::{BufRead, BufReader},
    process::Command,
    time::{Duration, Instant},
};

/// Defect 2: `scioc serve 2>&1 | head -3`. Once the reader of the log is gone, the server keeps
/// answering (it used to answer every request with an empty reply) and stops on SIGTERM (it used
/// to ignore it).
#[tokio::test]
async fn a_closed_log_pipe_does_not_take_the_server_down() {
    let s = Scioc::new();
    s.add_user("alice", "reader");
    s.ingest(&[entry(1, "2024-01-01T00:00:00")]);
    let (reader, writer) = std::io::pipe().unwrap();
    let mut child = s
        .cmd()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SCIOC_LOG", "info")
        .env("SCIOC_NO_STARTER_SET", "true")
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .spawn()
        .unwrap();
    // `head -3`: read three lines, then go away.
    let mut lines = BufReader::new(reader).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.rsplit(' ').next().unwrap().to_owned();
    assert!(first.starts_with("scioc feed listening on "), "{first}");
    lines.next().unwrap().unwrap();
    lines.next().unwrap().unwrap();
    drop(lines);

    let c = crate::support::Client::new(&url, None).as_user("alice");
    for i in 0..50 {
        let r = c.get(&format!("{FEED}/utc/2024-01-01T00:00:00?format=json")).await;
        assert_eq!(r.status(), 200, "request {i} after the log reader left");
        assert!(r.text().await.unwrap().contains("\"entries\""), "request {i} got a page");
        assert_eq!(c.get("/health").await.status(), 200);
    }
    Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(15) {
            child.kill().unwrap();
            panic!("serve ignored SIGTERM once its log reader had gone");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "serve exited {status:?}");
}
