//! `SA-019` self-propagation (threat). Finds code that publishes packages with the victim's
//! registry token: `npm publish` (or the registry's publish API) beside reading npm tokens or
//! rewriting a `package.json`, as the Shai-Hulud worm does.
//!
//! Why: a package that republishes others spreads itself through every maintainer it reaches.
//! Example: `execSync("npm publish")` after `npm whoami` and editing `package.json`. Known
//! false positives: release tooling (semantic-release, changesets) publishes on purpose; it
//! does not also harvest tokens from `.npmrc` or the environment as a whole.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-019", name: "self-propagation", kind: Kind::Threat, behaviour: Behaviour::Infostealer, weight: 10 };

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let f = ctx.facts;
    let Some((publish, line)) = f.strings_with(&["npm publish", "/-/v1/publish", "twine upload"]).next() else {
        return;
    };
    let tokens =
        f.strings_with(&[".npmrc", "npm_token", "_authtoken", "npm whoami", "/-/whoami", "pypirc"]).next().is_some()
            || !f.env_dumps.is_empty();
    let rewrites = f.strings_with(&["package.json"]).next().is_some()
        && f.calls.iter().any(|c| c.name.ends_with("writeFileSync") || c.name.ends_with("writeFile"));
    if tokens && rewrites {
        out.push(Hit::new(
            &RULE,
            *line,
            format!(
                "runs `{}` with harvested tokens and rewrites package.json",
                publish.chars().take(60).collect::<String>()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_a_worm() {
        let src = "const fs = require('fs'); const t = fs.readFileSync(home + '/.npmrc', 'utf8');\nconst p = JSON.parse(fs.readFileSync('package.json')); p.version = bump(p.version);\nfs.writeFileSync('package.json', JSON.stringify(p));\nrequire('child_process').execSync('npm publish');";
        assert!(fired("bundle.js", src, INSTALL).contains(&"SA-019"));
    }

    #[test]
    fn near_misses() {
        let src = "const fs = require('fs'); const p = JSON.parse(fs.readFileSync('package.json')); fs.writeFileSync('package.json', JSON.stringify(p)); require('child_process').execSync('npm publish');";
        assert!(!fired("release.js", src, LIBRARY).contains(&"SA-019"));
    }
}
