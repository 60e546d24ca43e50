//! Polling another TCF-0701 feed: `scioc sync` as a source. The location names the user
//! (`https://USER@host:port`); the password is read from `SCIOC_SOURCE_PASSWORD_<NAME>` (the
//! source's name in upper case, `-` and `.` as `_`) and a CA bundle, when the server's
//! certificate is not publicly trusted, from `SCIOC_SOURCE_CA_<NAME>`: secrets never enter the
//! store or the config file. Plain `http://` is allowed to this machine only.

use super::{Found, PollError};
use crate::sync::{self, source_name};
use scioc_client::Client;
use scioc_store::{SourceDef, SourceStatus, Store};

/// The environment variable holding `what` for the source `name`.
pub fn env_name(what: &str, name: &str) -> String {
    let upper: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("SCIOC_SOURCE_{what}_{upper}")
}

pub(super) async fn poll(store: &dyn Store, def: &SourceDef, status: &mut SourceStatus) -> Result<Found, PollError> {
    let client = connect(def)?;
    let server = without_user(&def.location)?;
    let synced = sync::sync(store, &client, &source_name(&server), 1000, None, |_| {})
        .await
        .map_err(|e| PollError::Fetch { url: server.clone(), message: e.to_string() })?;
    Ok(Found { changed: synced.stored > 0, records: status.records + synced.stored, events: synced.stored as usize })
}

fn config(message: String) -> PollError {
    PollError::Config(message)
}

fn without_user(location: &str) -> Result<String, PollError> {
    let mut url = reqwest::Url::parse(location).map_err(|e| config(format!("location: {e}")))?;
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn connect(def: &SourceDef) -> Result<Client, PollError> {
    let url = reqwest::Url::parse(&def.location).map_err(|e| config(format!("location: {e}")))?;
    let user = url.username();
    if user.is_empty() {
        return Err(config("location: a feed source names its user in the URL, https://USER@host:port".into()));
    }
    let var = env_name("PASSWORD", &def.name);
    let password = std::env::var(&var).map_err(|_| config(format!("no password: set {var} for scioc serve")))?;
    let loopback = url.host_str().is_some_and(|h| {
        h == "localhost" || h.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    });
    let remote = |e: scioc_client::Error| config(format!("location: {e}"));
    let mut builder = Client::builder(&without_user(&def.location)?).map_err(remote)?.credentials(user, &password);
    if let Ok(ca) = std::env::var(env_name("CA", &def.name)) {
        let pem = std::fs::read(&ca).map_err(|e| config(format!("{ca}: {e}")))?;
        builder = builder.ca_pem(&pem).map_err(remote)?;
    }
    builder.allow_http(loopback).build().map_err(remote)
}
