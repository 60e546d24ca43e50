//! `SA-015` decode then evaluate (threat). Finds code run from bytes decoded at run time:
//! `eval(atob(…))`, `exec(base64.b64decode(…))`, `Function(Buffer.from(…, "base64")…)`,
//! `exec(marshal.loads(zlib.decompress(…)))`, `eval(String.fromCharCode(…))`; or, on the
//! install or import path, a decoder and an evaluator in the same file.
//!
//! Why: code that hides its own text from review has something to hide. Example:
//! `exec(__import__("base64").b64decode("aW1wb3J0IG9z…"))`. Known false positives: template
//! engines compile strings they generate; they do not decode base64 first.

use super::{Ctx, EVAL, Hit, Kind, Rule, decodes};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-015",
    name: "decode then evaluate",
    kind: Kind::Threat,
    behaviour: Behaviour::Downloader,
    weight: 8,
};

/// A command line that decodes and pipes what it decoded into an interpreter:
/// `echo … | base64 -d | bash`.
fn decoded_into_shell(line: &str) -> bool {
    super::piped_into_interpreter(line, |stage| {
        (stage.starts_with("base64") && (stage.contains(" -d") || stage.contains("--decode")))
            || stage.starts_with("xxd -r")
            || stage.starts_with("openssl enc -d")
            || stage.starts_with("openssl base64 -d")
    })
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let f = ctx.facts;
    if let Some((l, n)) = super::command_lines(ctx).find(|(l, _)| decoded_into_shell(l)) {
        out.push(Hit::new(&RULE, n, l.chars().take(120).collect::<String>()));
        return;
    }
    if let Some(c) = f.calls_to(EVAL).find(|c| c.inner.iter().any(|i| decodes(i))) {
        out.push(Hit::new(
            &RULE,
            c.line,
            format!("{}({}(…))", c.name, c.inner.iter().find(|i| decodes(i)).map_or("", String::as_str)),
        ));
        return;
    }
    // A program started with a computed command, in a file that decodes, on the install path:
    // `os.system(b64d("Y3VybC…"))`.
    if ctx.place.install
        && f.calls.iter().any(|c| decodes(&c.name) && !c.name.ends_with(".decode"))
        && let Some(c) = f.calls_to(super::SPAWN).find(|c| c.first.is_none() && !c.inner.is_empty())
    {
        out.push(Hit::new(&RULE, c.line, format!("{}({}(…)) in a file that decodes", c.name, c.inner[0])));
        return;
    }
    // Serialisers and bundlers decode and evaluate in one module; at install, nothing should.
    if ctx.place.install {
        let eval = f.calls_to(EVAL).find(|c| c.first.is_none() && !matches!(c.name.as_str(), "compile"));
        let decode = f.calls.iter().find(|c| {
            decodes(&c.name) && !c.name.ends_with(".decode") && c.name != "decode" && !c.name.ends_with("loads")
        });
        if let (Some(e), Some(d)) = (eval, decode) {
            out.push(Hit::new(
                &RULE,
                e.line,
                format!("{}() at line {} and {}() on the install path", d.name, d.line, e.name),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_decoded_code() {
        assert!(fired("a.py", "import base64\nexec(base64.b64decode('aW1wb3J0IG9z'))\n", LIBRARY).contains(&"SA-015"));
        assert!(fired("a.py", "exec(__import__('base64').b64decode('aW1wb3J0IG9z'))\n", LIBRARY).contains(&"SA-015"));
        assert!(fired("a.js", "eval(atob('Y29uc29sZS5sb2coMSk='))", LIBRARY).contains(&"SA-015"));
        assert!(fired("a.js", "new Function(Buffer.from(p, 'base64').toString())()", LIBRARY).contains(&"SA-015"));
        assert!(
            fired("setup.py", "import zlib, base64\nc = zlib.decompress(base64.b64decode(b))\nexec(c)\n", INSTALL)
                .contains(&"SA-015")
        );
        assert!(
            fired("setup.py", "from fernet import Fernet\nexec(Fernet(b'k').decrypt(b'gAAAA'))\n", INSTALL)
                .contains(&"SA-015")
        );
    }

    #[test]
    fn fires_on_decoding_piped_into_a_shell() {
        assert!(fired("setup.py", "import os\nos.system('echo %s|base64 -d|bash' % p)\n", LIBRARY).contains(&"SA-015"));
        assert!(fired("install.sh", "echo aWQ= | base64 --decode | sh\n", INSTALL).contains(&"SA-015"));
        assert!(!fired("setup.py", "import os\nos.system('base64 -d a.b64 > a.bin')\n", LIBRARY).contains(&"SA-015"));
    }

    #[test]
    fn near_misses() {
        assert!(
            !fired("a.js", "const s = atob(x); const f = new Function('a', 'return a + 1');", LIBRARY)
                .contains(&"SA-015")
        );
        assert!(
            !fired("a.py", "import base64\ndata = base64.b64decode(s)\nprint(eval('1+1'))\n", LIBRARY)
                .contains(&"SA-015")
        );
        // setup.py reading its version file.
        assert!(!fired("setup.py", "exec(open('pkg/version.py').read())\n", INSTALL).contains(&"SA-015"));
    }
}
