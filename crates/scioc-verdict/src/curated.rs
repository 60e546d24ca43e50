//! Curated blacklist rules (ToolTrust's `blacklist.json` entries): each version specification
//! is parsed once by `scioc-versions`, the code that validated it at promotion.

use crate::feed::Map;
use crate::{Origin, Query, Rule, Severity, Verdict, normalize};
use scioc_curation::files::BlacklistEntry;
use scioc_versions::Spec;

/// One rule, its specifications parsed.
#[derive(Debug, Clone)]
struct Parsed {
    entry: BlacklistEntry,
    specs: Vec<Spec>,
    severity: Severity,
}

/// The rules by package.
#[derive(Debug, Clone, Default)]
pub(crate) struct Curated {
    /// By ecosystem, then normalized name, so a lookup borrows its key.
    rules: Map<String, Map<String, Vec<Parsed>>>,
    count: usize,
}

impl Curated {
    /// Parses `entries`; a specification that does not parse is left out with a warning
    /// naming the rule, never matched as something else.
    pub(crate) fn build(entries: &[BlacklistEntry], warnings: &mut Vec<String>) -> Curated {
        let mut out = Curated::default();
        for e in entries {
            let mut specs = Vec::new();
            for (i, text) in e.affected_versions.iter().enumerate() {
                match Spec::parse(&e.ecosystem, text) {
                    Ok(s) => specs.push(s),
                    Err(err) => warnings.push(format!(
                        "blacklist rule {} ({} {}): affected_versions[{i}]: {err}; that specification is ignored",
                        e.id, e.ecosystem, e.component
                    )),
                }
            }
            if specs.is_empty() {
                continue;
            }
            let severity = e.severity.parse().unwrap_or_else(|err| {
                warnings.push(format!(
                    "blacklist rule {} ({} {}): severity: {err}; read as critical",
                    e.id, e.ecosystem, e.component
                ));
                Severity::Critical
            });
            out.count += 1;
            let by_name = out.rules.entry(e.ecosystem.clone()).or_default();
            let rules = by_name.entry(normalize(&e.ecosystem, &e.component)).or_default();
            rules.push(Parsed { entry: e.clone(), specs, severity });
        }
        out
    }

    /// The rules, as promoted.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &BlacklistEntry> {
        self.rules.values().flat_map(|by_name| by_name.values()).flatten().map(|p| &p.entry)
    }

    /// Number of rules held.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// The verdict of the first rule naming the package's version (or every version), a rule
    /// that blocks before one that warns; `name` is the query's name normalized.
    pub(crate) fn check(&self, q: &Query<'_>, name: &str) -> Option<Verdict> {
        let rules = self.rules.get(q.ecosystem)?.get(name)?;
        let blocking = |r: &&Parsed| r.entry.action.eq_ignore_ascii_case("BLOCK");
        rules.iter().filter(blocking).chain(rules.iter().filter(|r| !blocking(r))).find_map(|r| {
            let spec = r.specs.iter().find(|s| s.is_any() || q.version.is_some_and(|v| s.matches(v)))?;
            Some(Verdict {
                rule: Rule::KnownMalicious,
                severity: r.severity,
                evidence: format!("{} is blacklisted ({spec}) by {}", q.display(), r.entry.id),
                event: None,
                reference: Some(if r.entry.link.is_empty() { r.entry.id.clone() } else { r.entry.link.clone() }),
                origin: Origin::Rule { id: r.entry.id.clone(), blocks: r.entry.action.eq_ignore_ascii_case("BLOCK") },
            })
        })
    }
}
