//! schemathesis, installed from PyPI, against the server's own `/openapi.json` (issue 13): every
//! check it has (no 5xx, status codes, content types, headers and bodies as documented, valid
//! requests accepted and invalid ones refused, authentication enforced), once as an admin and
//! once as a reader, each on a fresh server so that its login throttle starts empty.

use crate::support::{PASSWORD, Scioc, Server};
use std::process::Command;

/// The schemathesis release the test drives.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

#[test]
fn schemathesis_finds_no_failure_against_the_openapi_document() {
    let st = crate::support::python_venv("schemathesis", SCHEMATHESIS).join("bin/st");
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/schemathesis.toml");
    for role in ["admin", "reader"] {
        let s = Scioc::new();
        s.add_user("admin", "admin");
        s.add_user("reader", "reader");
        s.add_user("frozen", "disabled");
        // With the starter set, so pages hold real entries whose shape is checked too.
        let server = Server::ready(&s, Server::spawn(&s, &[], false), &[]);
        let out = Command::new(&st)
            .arg("--config-file")
            .arg(config)
            .args(["run", &format!("{}/openapi.json", server.url)])
            .args(["--max-examples", "100", "--continue-on-failure", "--seed", "1", "--no-color"])
            .args(["--request-timeout", "10", "--auth", &format!("{role}:{PASSWORD}")])
            .current_dir(s.dir.path())
            .output()
            .expect("running schemathesis");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "schemathesis as {role} failed:\n{text}");
        assert!(text.contains("passed") || text.contains("PASSED"), "schemathesis as {role} ran nothing:\n{text}");
        drop(server);
    }
}
