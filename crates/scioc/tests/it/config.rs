//! Settings from flags, environment and the config file, in that order.

use crate::support::{FEED, Scioc};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

fn first_line(mut cmd: std::process::Command) -> String {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let line = BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    line
}

#[test]
fn flags_beat_environment_beat_the_config_file() {
    let s = Scioc::new();
    let config = s.dir.path().join("scioc.toml");
    std::fs::write(&config, "[serve]\nlisten = \"127.0.0.1:0\"\n").unwrap();

    let mut from_file = s.cmd();
    from_file.arg("serve");
    assert!(first_line(from_file).starts_with("scioc feed listening on http://127.0.0.1:"), "./scioc.toml is read");

    let mut env = s.cmd();
    env.arg("serve").env("SCIOC_LISTEN", "127.0.0.2:0");
    assert!(first_line(env).starts_with("scioc feed listening on http://127.0.0.2:"));

    let mut flag = s.cmd();
    flag.args(["serve", "--listen", "127.0.0.3:0"]).env("SCIOC_LISTEN", "127.0.0.2:0");
    assert!(first_line(flag).starts_with("scioc feed listening on http://127.0.0.3:"));
}

#[test]
fn a_typo_in_the_config_file_is_refused_with_its_line() {
    let s = Scioc::new();
    let config = s.dir.path().join("bad.toml");
    std::fs::write(&config, "[serve]\nlisten = \"127.0.0.1:0\"\nrate_limt = 3\n").unwrap();
    let out = s.run(&["--config", config.to_str().unwrap(), "status"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("line 3") && err.contains("rate_limt"), "{err}");
}

#[tokio::test]
async fn the_config_file_sets_the_data_dir_and_rate_limit() {
    let s = Scioc::new();
    let dir = s.dir.path().join("elsewhere");
    std::fs::write(
        s.dir.path().join("scioc.toml"),
        format!("data_dir = {:?}\n[serve]\nrate_limit = 1\nrate_burst = 1\n", dir.display().to_string()),
    )
    .unwrap();
    let mut add = std::process::Command::new(crate::support::binary());
    add.current_dir(s.dir.path())
        .env_remove("SCIOC_DATA_DIR")
        .args(["user", "add", "alice", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = add.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), crate::support::PASSWORD.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    assert!(dir.join("scioc.db").exists(), "data_dir from the config file");

    let mut serve = std::process::Command::new(crate::support::binary());
    serve
        .current_dir(s.dir.path())
        .env_remove("SCIOC_DATA_DIR")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = serve.spawn().unwrap();
    let line = BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let url = line.rsplit(' ').next().unwrap().to_owned();
    let c = crate::support::Client::new(&url, None).as_user("alice");
    let first = c.get(&format!("{FEED}/pull")).await.status();
    let second = c.get(&format!("{FEED}/pull")).await.status();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!((first.as_u16(), second.as_u16()), (200, 429));
}

#[test]
fn scan_defaults_come_from_the_config_file_below_flags_and_environment() {
    let s = Scioc::new();
    let p = s.dir.path().join("p");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(
        p.join("package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {"": {}, "node_modules/evil": {"version": "1.0.0"}}}"#,
    )
    .unwrap();
    let iocs = s.dir.path().join("npm_iocs.json");
    std::fs::write(
        &iocs,
        r#"[{"ecosystem": "npm", "ioc_type": "package_name", "value": "evil", "reason": "r", "confidence": "medium",
             "source": "https://example.org", "first_seen": "2026-01-01", "suggested_action": "flag"}]"#,
    )
    .unwrap();
    let config = s.dir.path().join("scioc.toml");
    std::fs::write(&config, "[scan]\nformat = \"json\"\nfail_on = \"high\"\n").unwrap();
    let scan = |extra: &[&str], env: Option<(&str, &str)>| {
        let mut c = s.cmd();
        c.args(["--config", config.to_str().unwrap(), "scan", "--iocs", iocs.to_str().unwrap()]).args(extra).arg(&p);
        if let Some((k, v)) = env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    // The file: JSON, and a MEDIUM finding does not fail at `high`.
    let out = scan(&[], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["severity"], "MEDIUM");
    // The environment beats the file; a flag beats both.
    assert_eq!(scan(&[], Some(("SCIOC_FAIL_ON", "medium"))).status.code(), Some(1));
    assert_eq!(scan(&["--fail-on", "low"], Some(("SCIOC_FAIL_ON", "critical"))).status.code(), Some(1));
    let out = scan(&["--format", "markdown"], None);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("### "));
    // A bad value in the file is refused by name.
    std::fs::write(&config, "[scan]\nfail_on = \"severe\"\n").unwrap();
    let out = scan(&[], None);
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scan.fail_on"), "{}", String::from_utf8_lossy(&out.stderr));
}
