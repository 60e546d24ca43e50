//! What an analysis means for announcing an archive as a malicious sample: the threat name and
//! level of the archive, the files to list in `sample_list`, or why it must not be announced.

use crate::{Analysis, Verdict};
use scioc_ingest::archive::{Claims, NamedSample};
use scioc_model::ThreatLevel;

/// Name used when the analyser names nothing and a person insists.
const FORCED_NAME: &str = "Malicious.SupplyChain";

/// What a person says over the analysis.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// A threat name for every sample, instead of the analysis's.
    pub threat_name: Option<String>,
    /// A threat level for every sample, instead of the analysis's.
    pub threat_level: Option<ThreatLevel>,
    /// Announce it even when the analysis does not find it malicious.
    pub force: bool,
}

/// The analysis did not find the archive malicious, and nobody insisted.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{path}: the analyser finds it {verdict} (score {score}){why}; it is not announced as malicious unless you insist (--force)",
    verdict = verdict.as_str()
)]
pub struct NotMalicious {
    /// The archive.
    pub path: String,
    /// What the analysis said.
    pub verdict: Verdict,
    /// Its score.
    pub score: u32,
    /// The strongest evidence, when there is any (`: SA-011 … at file:line`).
    pub why: String,
}

/// How an announced sample was named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// By the analysis, file by file.
    Analysis,
    /// By the analysis, with a person's name or level over it.
    Overridden,
    /// By a person, against a verdict that was not malicious.
    Forced(Verdict),
}

/// The claims to announce `analysis`'s archive with: its threat name and level, and the files
/// it named malicious with theirs (every file, when the analysis named none). An archive that is
/// not malicious is refused unless `overrides.force`.
pub fn claims(
    analysis: &Analysis,
    overrides: &Overrides,
    purl: Option<String>,
    source_url: Option<String>,
) -> Result<(Claims, Naming), NotMalicious> {
    let malicious = analysis.verdict == Verdict::Malicious;
    if !malicious && !overrides.force {
        let why = analysis
            .findings
            .first()
            .map(|f| format!(": {} {} at {}:{}", f.rule, f.name, f.file, f.line))
            .unwrap_or_default();
        return Err(NotMalicious {
            path: analysis.path.clone(),
            verdict: analysis.verdict,
            score: analysis.score,
            why,
        });
    }
    // The analysis's levels are 1 to 5 by construction; a missing one is the highest.
    let level_of =
        |l: Option<u8>| ThreatLevel::try_from(u64::from(l.unwrap_or(5).clamp(1, 5))).expect("a level from 1 to 5");
    let threat_name = overrides
        .threat_name
        .clone()
        .or_else(|| analysis.threat_name.clone())
        .unwrap_or_else(|| FORCED_NAME.to_owned());
    let threat_level = overrides.threat_level.unwrap_or_else(|| level_of(analysis.threat_level));
    let named: Vec<NamedSample> = analysis
        .files
        .iter()
        .filter_map(|f| {
            Some(NamedSample {
                sha256: f.hashes.as_ref()?.sha256.clone(),
                threat_name: overrides.threat_name.clone().unwrap_or_else(|| f.threat_name.clone()),
                threat_level: overrides.threat_level.unwrap_or_else(|| level_of(Some(f.threat_level))),
            })
        })
        .collect();
    let naming = match (malicious, overrides.threat_name.is_some() || overrides.threat_level.is_some()) {
        (false, _) => Naming::Forced(analysis.verdict),
        (true, true) => Naming::Overridden,
        (true, false) => Naming::Analysis,
    };
    let named = (!named.is_empty()).then_some(named);
    Ok((Claims { purl, threat_name, threat_level, source_url, named }, naming))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Finding, Indicators, MaliciousFile, package::Hashes, rules::Kind};

    fn analysis(verdict: Verdict, files: Vec<MaliciousFile>) -> Analysis {
        Analysis {
            path: "p-1.0.0.tgz".into(),
            ecosystem: crate::package::Ecosystem::Npm,
            name: Some("p".into()),
            version: Some("1.0.0".into()),
            sha256: None,
            verdict,
            score: if verdict == Verdict::Clean { 0 } else { 30 },
            threat_name: (verdict != Verdict::Clean).then(|| "Script-JS.Downloader.SupplyChain".into()),
            threat_level: (verdict != Verdict::Clean).then_some(3),
            files,
            findings: vec![Finding {
                rule: "SA-007",
                name: "download and execute",
                kind: Kind::Threat,
                file: "package/x.js".into(),
                line: 4,
                excerpt: String::new(),
            }],
            indicators: Indicators::default(),
            notes: Vec::new(),
        }
    }

    fn file(sha: &str, name: &str, level: u8) -> MaliciousFile {
        MaliciousFile {
            path: "package/x.js".into(),
            hashes: Some(Hashes { md5: String::new(), sha1: String::new(), sha256: sha.into(), size: 1 }),
            threat_name: name.into(),
            threat_level: level,
            score: 30,
        }
    }

    #[test]
    fn a_malicious_archive_is_named_file_by_file() {
        let a = analysis(Verdict::Malicious, vec![file("aa", "Script-JS.Infostealer.SupplyChain", 5)]);
        let (c, naming) = claims(&a, &Overrides::default(), None, None).unwrap();
        assert_eq!(naming, Naming::Analysis);
        assert_eq!((c.threat_name.as_str(), c.threat_level.get()), ("Script-JS.Downloader.SupplyChain", 3));
        let named = c.named.unwrap();
        assert_eq!(
            (named[0].sha256.as_str(), named[0].threat_name.as_str()),
            ("aa", "Script-JS.Infostealer.SupplyChain")
        );
        assert_eq!(named[0].threat_level.get(), 5);
    }

    #[test]
    fn overrides_name_every_sample() {
        let a = analysis(Verdict::Malicious, vec![file("aa", "Script-JS.Infostealer.SupplyChain", 5)]);
        let o = Overrides {
            threat_name: Some("X.Y".into()),
            threat_level: Some(ThreatLevel::try_from(2).unwrap()),
            force: false,
        };
        let (c, naming) = claims(&a, &o, None, None).unwrap();
        assert_eq!(naming, Naming::Overridden);
        let named = c.named.unwrap();
        assert_eq!(
            (c.threat_name.as_str(), named[0].threat_name.as_str(), named[0].threat_level.get()),
            ("X.Y", "X.Y", 2)
        );
    }

    #[test]
    fn a_clean_or_suspicious_archive_needs_force() {
        for verdict in [Verdict::Clean, Verdict::Suspicious] {
            let a = analysis(verdict, Vec::new());
            let e = claims(&a, &Overrides::default(), None, None).unwrap_err();
            assert!(e.to_string().contains(&format!("finds it {}", verdict.as_str())), "{e}");
            assert!(e.to_string().contains("SA-007 download and execute at package/x.js:4"), "{e}");
            let forced = Overrides { force: true, ..Overrides::default() };
            let (c, naming) = claims(&a, &forced, Some("pkg:npm/p@1.0.0".into()), None).unwrap();
            assert_eq!(naming, Naming::Forced(verdict));
            assert!(c.named.is_none(), "every file is listed");
            assert_eq!(c.purl.as_deref(), Some("pkg:npm/p@1.0.0"));
        }
        let (c, _) =
            claims(&analysis(Verdict::Clean, Vec::new()), &Overrides { force: true, ..Default::default() }, None, None)
                .unwrap();
        assert_eq!((c.threat_name.as_str(), c.threat_level.get()), ("Malicious.SupplyChain", 5));
    }
}
