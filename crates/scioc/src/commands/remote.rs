//! Connecting to a remote feed.

use crate::settings::Remote;
use anyhow::{Context, Result, bail};
use scioc_client::Client;

/// A client for the remote `args` name. The password comes from `SCIOC_PASSWORD`, else a
/// prompt on the terminal; it is never echoed or logged.
pub(super) fn connect(args: &Remote) -> Result<Client> {
    let (url, user) = (args.url.as_str(), args.user.as_str());
    let password = match std::env::var("SCIOC_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                bail!("no password: set SCIOC_PASSWORD (it is never taken from a flag)");
            }
            rpassword::prompt_password(format!("password for {user} at {url}: ")).context("reading the password")?
        }
    };
    let mut builder = Client::builder(url)?.credentials(user, &password).format(args.wire);
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
