//! The lists install-time guards fetch, in each tool's own shape, FPs and withdrawals
//! applied (they are made from what the verdict engine holds malicious now).
//!
//! | path | read by | shape |
//! |---|---|---|
//! | `safe-chain/malware_predictions.json`, `safe-chain/malware_pypi.json` | Aikido safe-chain (`SAFE_CHAIN_MALWARE_LIST_BASE_URL` = `…/safe-chain`) | `[{"package_name", "version" (or `*`), "reason": "MALWARE"}]` |
//! | `safe-chain/releases/npm.json`, `safe-chain/releases/pypi.json` | safe-chain's release-age check | `[]`: scioc publishes no release ages (the firewall's `--min-age` holds new versions back) |
//! | `datadog/npm/manifest.json`, `datadog/pypi/manifest.json` | DataDog's scfw | `{"name": null \| ["version", …]}` (`null`: every version) |
//! | `scfw/findings.yaml` | scfw's findings lists (`$SCFW_HOME/list_verifier/`) | `findings: [{severity, finding, packages: [{ecosystem, name, versions?}]}]` |
//!
//! A version announced one by one is listed; a report, a blocking curated rule (`*`) or a
//! blocking package indicator that claims every version lists the package as `*` / `null`; a
//! bounded range cannot be listed version by version (these formats hold no ranges) and is left
//! to the firewall and the OSV API, which evaluate ranges. What only warns is not listed.

use scioc_verdict::Engine;
use std::collections::BTreeMap;

/// What one ecosystem's list holds: name → `None` (every version) or the versions.
type Listing = BTreeMap<String, Option<Vec<String>>>;

/// The malicious packages of `eco` (`npm`, `PyPI`), from the feed, the curated rules that
/// block and the indicators that block a whole package.
fn listing(engine: &Engine, eco: &str) -> Listing {
    let mut out: Listing = BTreeMap::new();
    let mut add = |name: &str, versions: Option<Vec<String>>| {
        let slot = out.entry(name.to_owned()).or_insert_with(|| Some(Vec::new()));
        match (slot.as_mut(), versions) {
            (_, None) => *slot = None,
            (Some(list), Some(v)) => list.extend(v),
            (None, Some(_)) => {}
        }
    };
    for m in engine.malicious().filter(|m| m.ecosystem == eco) {
        if m.every_version() {
            add(m.name, None);
        } else if !m.versions.is_empty() {
            add(m.name, Some(m.versions.iter().map(|(v, _, _)| (*v).to_owned()).collect()));
        }
    }
    for rule in engine.rules().filter(|r| r.ecosystem == eco && r.action.eq_ignore_ascii_case("BLOCK")) {
        let name = scioc_verdict::normalize(eco, &rule.component);
        let (exact, ranges, _) = crate::rule_versions(rule);
        if ranges.iter().any(scioc_model::Range::is_every_version) {
            add(&name, None);
        } else if !exact.is_empty() {
            add(&name, Some(exact));
        }
    }
    for i in engine.indicators().filter(|i| i.blocks_package()) {
        if i.ecosystem.is_empty() || i.ecosystem == eco {
            add(&scioc_verdict::normalize(eco, i.value.trim()), None);
        }
    }
    for versions in out.values_mut().flatten() {
        versions.sort();
        versions.dedup();
    }
    out
}

/// safe-chain's list for `eco`: an entry per version, `*` for every version.
pub fn safe_chain(engine: &Engine, eco: &str) -> Vec<u8> {
    let mut entries = Vec::new();
    for (name, versions) in listing(engine, eco) {
        match versions {
            None => entries.push(serde_json::json!({"package_name": name, "version": "*", "reason": "MALWARE"})),
            Some(vs) => entries.extend(
                vs.into_iter().map(|v| serde_json::json!({"package_name": name, "version": v, "reason": "MALWARE"})),
            ),
        }
    }
    serde_json::to_vec(&entries).expect("a list serializes")
}

/// The DataDog manifest for `eco`: `{"name": null | ["version", …]}`.
pub fn datadog(engine: &Engine, eco: &str) -> Vec<u8> {
    serde_json::to_vec(&listing(engine, eco)).expect("a manifest serializes")
}

/// An scfw findings list for npm and PyPI: one CRITICAL finding per package.
pub fn scfw(engine: &Engine) -> Vec<u8> {
    let q = |s: &str| serde_json::to_string(s).expect("a string serializes");
    let mut out = String::new();
    for eco in ["npm", "PyPI"] {
        for (name, versions) in listing(engine, eco) {
            out.push_str(&format!(
                "  - severity: CRITICAL\n    finding: {}\n    packages:\n      - ecosystem: {eco}\n        name: {}\n",
                q(&format!("scioc: {name} ({eco}) is known malicious")),
                q(&name)
            ));
            if let Some(vs) = versions {
                let vs: Vec<String> = vs.iter().map(|v| q(v)).collect();
                out.push_str(&format!("        versions: [{}]\n", vs.join(", ")));
            }
        }
    }
    let head = "# scioc's malicious packages, as an scfw findings list (FPs and withdrawals applied).\n";
    match out.is_empty() {
        true => format!("{head}findings: []\n").into_bytes(),
        false => format!("{head}findings:\n{out}").into_bytes(),
    }
}
