//! `scioc-ignore.toml`: findings a team has reviewed and accepted, by purl and rule, each with
//! a reason and an optional expiry date.
//!
//! ```toml
//! [[ignore]]
//! purl = "pkg:npm/event-stream@3.3.6"   # without a version: every version
//! rule = "AS-008"                        # AS-008, HASH or AS-016
//! reason = "vendored copy with the payload removed; see SEC-123"
//! expires = 2027-01-31                   # optional; from this day on the finding shows again
//! ```
//!
//! An ignore that has expired hides nothing, and the report says which expired.

use crate::{Finding, Rule, normalize};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// An ignore file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", file.display())]
pub struct IgnoreError {
    /// The file.
    pub file: PathBuf,
    /// One-based line (0 when unknown).
    pub line: usize,
    /// One-based column (0 when unknown).
    pub column: usize,
    /// What was wrong, and what was expected.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    ignore: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    purl: Spanned<String>,
    rule: Spanned<String>,
    reason: Spanned<String>,
    #[serde(default)]
    expires: Option<Spanned<toml::value::Datetime>>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignore {
    /// The package URL as written.
    pub purl: String,
    /// The rule whose findings it hides.
    pub rule: Rule,
    /// Why it is accepted.
    pub reason: String,
    /// `YYYY-MM-DD`: the first day the ignore no longer applies.
    pub expires: Option<String>,
    /// Where it is written.
    pub file: PathBuf,
    /// Its line.
    pub line: usize,
    #[serde(skip)]
    key: (String, String, Option<String>),
    #[serde(skip)]
    expiry: Option<jiff::civil::Date>,
}

/// The rules of one ignore file.
#[derive(Debug, Clone, Default)]
pub struct Ignores {
    rules: Vec<Ignore>,
}

/// A finding an ignore hid.
#[derive(Debug, Clone, Serialize)]
pub struct Ignored {
    /// The finding.
    pub finding: Finding,
    /// The ignore that hid it.
    pub by: Ignore,
}

/// An ignore past its expiry that would have hidden a finding, which is therefore shown.
#[derive(Debug, Clone, Serialize)]
pub struct Expired {
    /// The ignore.
    pub rule: Ignore,
    /// How many findings it no longer hides.
    pub findings: usize,
}

/// `(purl type, normalized namespace/name, version)` of a purl.
fn purl_key(purl: &str) -> Result<(String, String, Option<String>), String> {
    let p: packageurl::PackageUrl = purl.parse().map_err(|e| format!("{e}"))?;
    let name = match p.namespace() {
        Some(ns) => format!("{ns}/{}", p.name()),
        None => p.name().to_owned(),
    };
    let eco = scioc_model::ecosystem_of(p.ty()).unwrap_or(p.ty());
    Ok((p.ty().to_owned(), normalize(eco, &name), p.version().map(str::to_owned)))
}

impl Ignores {
    /// Reads and checks an ignore file. Every rule must name a valid purl, a known rule, a
    /// non-empty reason and (if any) a date.
    pub fn load(path: &Path) -> Result<Ignores, IgnoreError> {
        let text = std::fs::read_to_string(path).map_err(|e| IgnoreError {
            file: path.to_owned(),
            line: 0,
            column: 0,
            message: format!("cannot read: {e}"),
        })?;
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = crate::extract::position_of(&text, span.start);
            IgnoreError { file: path.to_owned(), line, column, message }
        };
        let file: File = toml::from_str(&text).map_err(|e| {
            at(e.span().unwrap_or(0..0), format!("not a scioc-ignore.toml: {}", e.message().trim_end()))
        })?;
        let mut rules = Vec::new();
        for entry in file.ignore {
            let span = entry.span();
            let raw = entry.into_inner();
            let key = purl_key(raw.purl.get_ref()).map_err(|e| {
                at(raw.purl.span(), format!("purl: expected a package URL like pkg:npm/name@1.0.0: {e}"))
            })?;
            let Some(rule) = Rule::parse(raw.rule.get_ref()) else {
                return Err(at(
                    raw.rule.span(),
                    format!(
                        "rule: expected one of {}, got {:?}",
                        Rule::ALL.map(Rule::id).join(", "),
                        raw.rule.get_ref()
                    ),
                ));
            };
            if raw.reason.get_ref().trim().is_empty() {
                return Err(at(raw.reason.span(), "reason: must say why the finding is accepted".into()));
            }
            let expiry = match &raw.expires {
                None => None,
                Some(d) => {
                    let value = d.get_ref();
                    let date = match (value.date, value.time) {
                        (Some(date), None) => {
                            jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8).ok()
                        }
                        _ => None,
                    };
                    Some(date.ok_or_else(|| {
                        at(d.span(), format!("expires: expected a date like 2027-01-31, got {value}"))
                    })?)
                }
            };
            let line = crate::extract::position_of(&text, span.start).0;
            rules.push(Ignore {
                purl: raw.purl.into_inner(),
                rule,
                reason: raw.reason.into_inner(),
                expires: expiry.map(|d| d.to_string()),
                file: path.to_owned(),
                line,
                key,
                expiry,
            });
        }
        Ok(Ignores { rules })
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    fn matching(&self, f: &Finding) -> Option<&Ignore> {
        let key = purl_key(f.purl.as_deref()?).ok()?;
        self.rules.iter().find(|r| {
            r.rule == f.rule && r.key.0 == key.0 && r.key.1 == key.1 && (r.key.2.is_none() || r.key.2 == key.2)
        })
    }

    /// Splits `findings` into those still shown and those hidden, as of `today`; also returns
    /// the expired ignores that would have hidden a shown finding.
    pub fn apply(
        &self,
        findings: Vec<Finding>,
        today: jiff::civil::Date,
    ) -> (Vec<Finding>, Vec<Ignored>, Vec<Expired>) {
        let (mut shown, mut hidden, mut expired) = (Vec::new(), Vec::new(), Vec::<Expired>::new());
        for f in findings {
            match self.matching(&f) {
                Some(r) if r.expiry.is_none_or(|d| today < d) => hidden.push(Ignored { finding: f, by: r.clone() }),
                Some(r) => {
                    match expired.iter_mut().find(|e| e.rule.file == r.file && e.rule.line == r.line) {
                        Some(e) => e.findings += 1,
                        None => expired.push(Expired { rule: r.clone(), findings: 1 }),
                    }
                    shown.push(f);
                }
                None => shown.push(f),
            }
        }
        (shown, hidden, expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;

    fn finding(purl: &str, rule: &str) -> Finding {
        Finding {
            rule: Rule::parse(rule).unwrap(),
            severity: Severity::Critical,
            ecosystem: "npm",
            package: String::new(),
            version: None,
            purl: Some(purl.to_owned()),
            file: PathBuf::new(),
            line: 1,
            path: Vec::new(),
            evidence: String::new(),
            event: None,
            reference: None,
            blocks: true,
        }
    }

    fn load(text: &str) -> Result<Ignores, IgnoreError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("scioc-ignore.toml");
        std::fs::write(&p, text).unwrap();
        Ignores::load(&p)
    }

    #[test]
    fn by_purl_and_rule_with_expiry() {
        let i = load(
            "[[ignore]]\npurl = \"pkg:npm/%40s/a\"\nrule = \"AS-008\"\nreason = \"reviewed\"\n\n[[ignore]]\npurl = \"pkg:pypi/Foo_Bar@1.0\"\nrule = \"HASH\"\nreason = \"r\"\nexpires = 2026-06-01\n",
        )
        .unwrap();
        let findings = vec![
            finding("pkg:npm/%40s/a@1.0.0", "AS-008"),
            finding("pkg:npm/%40s/a@1.0.0", "AS-016"),
            finding("pkg:pypi/foo-bar@1.0", "HASH"),
        ];
        let before = jiff::civil::date(2026, 5, 31);
        let (shown, hidden, expired) = i.apply(findings.clone(), before);
        assert_eq!((shown.len(), hidden.len(), expired.len()), (1, 2, 0));
        assert_eq!(shown[0].rule, Rule::Indicator);
        let (shown, hidden, expired) = i.apply(findings, jiff::civil::date(2026, 6, 1));
        assert_eq!((shown.len(), hidden.len(), expired.len()), (2, 1, 1));
        assert_eq!((expired[0].rule.line, expired[0].rule.expires.as_deref()), (6, Some("2026-06-01")));
    }

    #[test]
    fn bad_entries_name_line_and_field() {
        let e = load("[[ignore]]\npurl = \"npm/x\"\nrule = \"AS-008\"\nreason = \"r\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.starts_with("purl: expected"), "{e}");
        let e = load("[[ignore]]\npurl = \"pkg:npm/x\"\nrule = \"AS-999\"\nreason = \"r\"\n").unwrap_err();
        assert_eq!((e.line, e.message.starts_with("rule:")), (3, true));
        let e = load("[[ignore]]\npurl = \"pkg:npm/x\"\nrule = \"HASH\"\nreason = \" \"\n").unwrap_err();
        assert_eq!(e.line, 4);
        let e =
            load("[[ignore]]\npurl = \"pkg:npm/x\"\nrule = \"HASH\"\nreason = \"r\"\nexpires = 2026-01-01T00:00:00\n")
                .unwrap_err();
        assert_eq!(e.line, 5);
        let e = load("[[ignore]]\npurl = \"pkg:npm/x\"\nrule = \"HASH\"\nreason = \"r\"\nuntil = 1\n").unwrap_err();
        assert!(e.message.contains("until"), "{e}");
    }
}
