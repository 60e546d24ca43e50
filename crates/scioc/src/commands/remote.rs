//! Connecting to a remote feed: URL, credentials and trust from flags, environment and the
//! config file; durations and times as people write them.

use crate::cli::{RemoteArgs, WireFormat};
use anyhow::{Context, Result, anyhow, bail};
use scioc_client::{Client, FeedTime, Format};
use std::time::Duration;

/// A client for the remote `args` name. The password comes from `SCIOC_PASSWORD`, else a
/// prompt on the terminal; it is never echoed or logged.
pub(super) fn connect(args: &RemoteArgs) -> Result<Client> {
    let url = args.url.as_deref().ok_or_else(|| anyhow!("no feed server: give --url, SCIOC_URL or remote.url"))?;
    let user = args.user.as_deref().ok_or_else(|| anyhow!("no user: give --user, SCIOC_USER or remote.user"))?;
    let password = match std::env::var("SCIOC_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                bail!("no password: set SCIOC_PASSWORD (it is never taken from a flag)");
            }
            rpassword::prompt_password(format!("password for {user} at {url}: ")).context("reading the password")?
        }
    };
    let mut builder = Client::builder(url)?.credentials(user, &password).format(match args.wire {
        WireFormat::Json => Format::Json,
        WireFormat::Xml => Format::Xml,
    });
    if let Some(ca) = &args.ca_cert {
        let pem = std::fs::read(ca).with_context(|| format!("reading CA bundle {}", ca.display()))?;
        builder = builder.ca_pem(&pem).with_context(|| ca.display().to_string())?;
    }
    if let Some(pin) = &args.pin_sha256 {
        builder = builder.pin_sha256(pin)?;
    }
    // Plain http only to this machine: the password would otherwise cross the network in clear.
    let loopback = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).is_some_and(|h| {
        h == "localhost" || h == "[::1]" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    });
    Ok(builder.allow_http(loopback).build()?)
}

/// `90s`, `30m`, `24h`, `7d`, `2w`. (Five units: not worth a dependency.)
pub(super) fn duration(s: &str) -> Result<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| anyhow!("expected a duration like 30m, 24h or 7d, got {s:?}"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => bail!("expected a duration like 30m, 24h or 7d (units s, m, h, d, w), got {s:?}"),
    };
    Ok(Duration::from_secs(n.saturating_mul(secs)))
}

/// `YYYY-MM-DDThh:mm:ss` (UTC) or Unix seconds.
pub(super) fn time(s: &str) -> Result<FeedTime> {
    FeedTime::parse_any(s).map_err(|e| anyhow!("{s:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times() {
        assert_eq!(duration("7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(duration("90s").unwrap(), Duration::from_secs(90));
        assert!(duration("7 days").is_err() && duration("h").is_err());
        assert_eq!(time("2025-06-01T00:00:00").unwrap().unix(), time("1748736000").unwrap().unix());
    }
}
