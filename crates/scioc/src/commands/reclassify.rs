//! `scioc reclassify`.

use super::{Place, open_existing_store};
use crate::{cli::ReclassifyArgs, output};
use anyhow::{Result, anyhow};
use scioc_ingest::reclassify::{Change, Request, reclassify};

pub(super) async fn run(place: &Place, args: ReclassifyArgs) -> Result<()> {
    let request = Request {
        sha256: args.sha256.as_deref(),
        sha1: args.sha1.as_deref(),
        md5: args.md5.as_deref(),
        purl: args.purl.as_deref(),
        fp: args.fp,
        reason: args.reason.as_deref(),
        threat_name: args.threat_name.as_deref(),
        threat_level: args.threat_level.map(u64::from),
    };
    // The flags are the request's fields with dashes.
    let (target, change) = request.parse().map_err(|e| anyhow!("--{}: {}", e.field.replace('_', "-"), e.message))?;
    let store = open_existing_store(place).await?;
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
