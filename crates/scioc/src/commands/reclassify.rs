//! `scioc reclassify`.

use super::{Place, open_store};
use crate::{cli::ReclassifyArgs, output};
use anyhow::{Result, anyhow};
use scioc_ingest::reclassify::{Change, Target, reclassify};
use scioc_model::{Md5, Sha1, Sha256, ThreatLevel, clean_text};

pub(super) async fn run(place: &Place, args: ReclassifyArgs) -> Result<()> {
    let target = match (&args.sha256, &args.sha1, &args.md5, &args.purl) {
        (Some(h), ..) => Target::Sha256(Sha256::parse(h).map_err(|e| anyhow!("--sha256: {e}"))?),
        (_, Some(h), ..) => Target::Sha1(Sha1::parse(h).map_err(|e| anyhow!("--sha1: {e}"))?),
        (_, _, Some(h), _) => Target::Md5(Md5::parse(h).map_err(|e| anyhow!("--md5: {e}"))?),
        (_, _, _, Some(p)) => Target::purl(p).map_err(|e| anyhow!("--purl: {e}"))?,
        _ => unreachable!("clap requires one target"),
    };
    let change = match (&args.threat_name, &args.reason) {
        (Some(name), _) => {
            let name = clean_text(name, 200);
            if name.is_empty() {
                return Err(anyhow!("--threat-name: empty"));
            }
            let level = args
                .threat_level
                .map(|l| ThreatLevel::parse(&l.to_string()))
                .transpose()
                .map_err(anyhow::Error::msg)?;
            Change::ThreatName { name, level }
        }
        (None, Some(reason)) if !reason.trim().is_empty() => Change::FalsePositive { reason: reason.clone() },
        _ => return Err(anyhow!("--reason: say why this is a false positive")),
    };
    let store = open_store(place).await?;
    let appended = reclassify(store.as_ref(), &target, &change).await?;
    let kind = match change {
        Change::FalsePositive { .. } => "FP",
        Change::ThreatName { .. } => "NEW_THREAT_NAME",
    };
    output::ok(&format!(
        "added {} {kind} event(s) for {target} (sequence {}–{})",
        appended.count,
        appended.first_seq.unwrap_or(0),
        appended.last_seq.unwrap_or(0)
    ));
    Ok(())
}
