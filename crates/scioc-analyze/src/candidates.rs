//! Drafting candidates from the package analyser's result: the package version for the
//! blacklist, and the domains, URLs, webhooks, dependencies and install scripts it extracted
//! as metadata indicators, each with the evidence as its reason. Promotion stays a person's
//! decision: only strong evidence drafts anything but `watch_only`.

use crate::{Analysis, Verdict, package::Ecosystem};
use scioc_curation::Candidate;

/// Score from which a malicious verdict counts as strong evidence: twice the malicious
/// threshold, which a correlated threat on the install or import path reaches.
pub const STRONG_SCORE: u32 = 2 * crate::verdict::MALICIOUS_AT;

/// Findings quoted in a reason.
const QUOTED: usize = 3;

/// Longest reason, in characters.
const MAX_REASON: usize = 600;

/// Draft candidates for `analysis`, dated `first_seen` (`YYYY-MM-DD`) and citing `source` (a
/// URI: where the archive came from, or `urn:scioc:analysis:sha256:…`). A clean analysis
/// drafts nothing.
pub fn draft(analysis: &Analysis, first_seen: &str, source: &str) -> Vec<Candidate> {
    if analysis.verdict == Verdict::Clean {
        return Vec::new();
    }
    let strong = analysis.verdict == Verdict::Malicious && analysis.score >= STRONG_SCORE;
    let (confidence, action) = match (analysis.verdict, strong) {
        (Verdict::Malicious, true) => ("high", "block"),
        (Verdict::Malicious, false) => ("medium", "flag"),
        _ => ("low", "watch"),
    };
    let ecosystem = match analysis.ecosystem {
        Ecosystem::Npm => "npm",
        Ecosystem::PyPI => "PyPI",
        Ecosystem::RubyGems => "RubyGems",
        Ecosystem::Cargo => "crates.io",
    };
    let reason = reason(analysis);
    let candidate = |ioc_type: &str, value: &str, match_kind: Option<&str>, promote_to: &str| Candidate {
        ecosystem: ecosystem.to_owned(),
        ioc_type: ioc_type.to_owned(),
        value: value.to_owned(),
        match_kind: match_kind.map(str::to_owned),
        confidence: confidence.to_owned(),
        reason: reason.clone(),
        source: source.to_owned(),
        first_seen: first_seen.to_owned(),
        suggested_action: action.to_owned(),
        promote_to: promote_to.to_owned(),
        notes: Some(format!(
            "drafted by scioc analyze: {} (score {}){}",
            analysis.verdict.as_str(),
            analysis.score,
            analysis.threat_name.as_deref().map(|t| format!(", {t}")).unwrap_or_default()
        )),
        blacklist_id: None,
        affected_versions: None,
        action: None,
        severity: None,
    };
    let mut out = Vec::new();
    if let (Some(name), Some(version)) = (&analysis.name, &analysis.version) {
        let mut c = candidate("package_name", name, None, if strong { "blacklist" } else { "watch_only" });
        c.affected_versions = Some(vec![version.clone()]);
        if strong {
            c.blacklist_id = Some(blacklist_id(ecosystem, name, version));
            c.action = Some("BLOCK".to_owned());
            c.severity = Some(severity(analysis.threat_level).to_owned());
        }
        out.push(c);
    }
    let metadata = if strong { "npm_iocs" } else { "watch_only" };
    let ind = &analysis.indicators;
    for d in &ind.domains {
        out.push(candidate("domain", d, None, metadata));
    }
    for u in ind.urls.iter().chain(&ind.webhooks) {
        if !out.iter().any(|c| c.ioc_type == "url" && &c.value == u) {
            out.push(candidate("url", u, Some("exact"), metadata));
        }
    }
    for d in &ind.dependencies {
        // `name@source`: the dependency's name is the indicator; its source is in the reason.
        let name = d.rsplit_once('@').map_or(d.as_str(), |(n, _)| n);
        let name = if name.is_empty() { d.as_str() } else { name };
        out.push(candidate("dependency_name", name, None, metadata));
    }
    // An install script is evidence only when a finding names it.
    if analysis.findings.iter().any(|f| f.file.contains("#scripts.")) {
        for s in &ind.scripts {
            out.push(candidate("script_pattern", s, Some("contains"), metadata));
        }
    }
    out
}

/// The strongest findings, in words a reviewer can check: `SA-011 messenger webhook at
/// setup.py:12: "…"`.
fn reason(analysis: &Analysis) -> String {
    let mut parts: Vec<String> = analysis
        .findings
        .iter()
        .take(QUOTED)
        .map(|f| format!("{} {} at {}:{}: {:?}", f.rule, f.name, f.file, f.line, f.excerpt))
        .collect();
    if analysis.findings.len() > QUOTED {
        parts.push(format!("and {} more finding(s)", analysis.findings.len() - QUOTED));
    }
    let text = format!(
        "The package analyser finds {} {} (score {}): {}",
        analysis.name.as_deref().unwrap_or("the package"),
        analysis.verdict.as_str(),
        analysis.score,
        parts.join("; ")
    );
    scioc_model::clean_text(&text, MAX_REASON)
}

/// `SCIOC-ANALYSIS-NPM-EVIL-PKG-1.0.0`: stable for the package version.
fn blacklist_id(ecosystem: &str, name: &str, version: &str) -> String {
    let id: String = format!("SCIOC-ANALYSIS-{ecosystem}-{name}-{version}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c.to_ascii_uppercase() } else { '-' })
        .collect();
    id
}

/// The blacklist's severity for a threat level.
fn severity(level: Option<u8>) -> &'static str {
    match level.unwrap_or(5) {
        5 => "CRITICAL",
        4 => "HIGH",
        3 => "MEDIUM",
        _ => "LOW",
    }
}
