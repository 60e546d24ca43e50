//! The config file. [`crate::settings`] merges it with flags and environment.
//!
//! The file is TOML; unknown keys are refused with their line, so a typo never passes silently:
//!
//! ```toml
//! data_dir = "/var/lib/scioc"
//! database_url = "postgres://scioc@db:5432/scioc"   # instead of the embedded store
//! database_pool = 16
//! database_ca = "/etc/scioc/db-ca.pem"                # with ?sslmode=require in the URL
//! events_per_second = 1000    # most events one feed second holds; bulk imports spread over seconds
//!
//! [serve]
//! listen = "0.0.0.0:8443"
//! tls_self_signed = true      # or tls_cert = "...", tls_key = "..."
//! rate_limit = 20             # requests per second per user
//! rate_burst = 40
//! request_timeout = 30        # seconds
//! max_connections = 10000     # kept below the file descriptor limit
//! header_timeout = 10         # seconds for a request's headers to arrive
//! idle_timeout = 60           # seconds a keep-alive connection may idle
//! trusted_proxies = ["10.0.0.0/8"]  # reverse proxies whose X-Forwarded-For names the client
//!
//! [firewall]                  # the registry firewall, on when an upstream is set
//! npm_upstream = "https://registry.example/"      # what `npm config get registry` prints
//! pypi_upstream = "https://index.example/simple/" # pip's index-url
//! min_age = "48h"             # withhold versions younger than this
//! min_age_exempt = ["left-pad"]
//! fail_open = false           # true: serve with the last verdicts when the store is down
//! require_auth = false        # ask clients for the feed's credentials
//! cache_mb = 128
//! fresh_for = "60s"
//! upstream_timeout = "30s"
//! pypi_blocked = "yank"       # or "remove"
//! download_origins = ["https://files.example/"]  # PyPI's files host; nothing else is fetched
//! upstream_networks = ["10.0.0.0/8"]  # an upstream on a private network
//! memory_mb = 512             # metadata all requests together may hold
//! upstream_min_rate = 4096    # bytes a second an archive may not fall below
//! blocks_retention = "90d"    # how long refusals are kept
//!
//! [osv_api]                   # /v1/ (OSV API), /osv/ (bucket), /lists/ (guard lists)
//! anonymous = false           # true: no credentials needed to read them
//! page_size = 1000
//!
//! [scan]
//! format = "sarif"            # table, json, sarif, markdown
//! fail_on = "high"
//!
//! [[sources]]                 # polled by scioc serve; also scioc sources add
//! name = "osv-npm"
//! kind = "osv"                # osv (tree, zip, zip URL, bucket URL), datadog (manifest.json), tooltrust (dir), feed (https://USER@host)
//! location = "https://mirror.example/osv/npm/"
//! interval = "5m"
//! timeout = "10m"
//! # ecosystem = "npm"         # for a datadog manifest
//!
//! [remote]                    # for scioc feed and scioc sync; the password is never here
//! url = "https://feed.example:8443"
//! user = "mirror"
//! ca_cert = "/etc/scioc/ca.pem"   # or pin_sha256 = "ab:cd:…"
//! ```

use anyhow::{Context, Result};
use serde::Deserialize;
use std::{
    net::SocketAddr,
    num::{NonZeroU32, NonZeroU64},
    path::{Path, PathBuf},
};

/// The config file's contents. Counts and durations that must be positive are `NonZero`, so
/// a zero is refused with its line like any other bad value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    /// Where it was read from, for messages; `None` when there is no file.
    #[serde(skip)]
    pub(crate) path: Option<PathBuf>,
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) database_url: Option<String>,
    pub(crate) database_pool: Option<NonZeroU32>,
    pub(crate) database_ca: Option<PathBuf>,
    pub(crate) events_per_second: Option<NonZeroU32>,
    pub(crate) log_format: Option<crate::cli::LogFormat>,
    #[serde(default)]
    pub(crate) serve: FileServe,
    #[serde(default)]
    pub(crate) remote: FileRemote,
    #[serde(default)]
    pub(crate) scan: FileScan,
    #[serde(default)]
    pub(crate) firewall: FileFirewall,
    #[serde(default)]
    pub(crate) osv_api: FileOsvApi,
    #[serde(default)]
    pub(crate) sources: Vec<FileSource>,
}

/// `[[sources]]`: a source `scioc serve` polls.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileSource {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) location: String,
    pub(crate) ecosystem: Option<String>,
    pub(crate) interval: Option<String>,
    pub(crate) timeout: Option<String>,
}

impl FileSource {
    /// The definition, checked; `index` names it in messages (`sources[2].interval: …`).
    pub(crate) fn resolve(&self, index: usize, origin: &str) -> Result<scioc_store::SourceDef> {
        crate::settings::source_def(
            &format!("config file: sources[{index}]."),
            &self.name,
            &self.kind,
            &self.location,
            self.ecosystem.as_deref(),
            (
                self.interval.as_deref().unwrap_or(crate::settings::DEFAULT_SOURCE_INTERVAL),
                self.timeout.as_deref().unwrap_or(crate::settings::DEFAULT_SOURCE_TIMEOUT),
            ),
            origin,
        )
    }
}

/// `[osv_api]`: the OSV API, the OSV bucket and the guard lists of `scioc serve`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileOsvApi {
    pub(crate) anonymous: Option<bool>,
    pub(crate) page_size: Option<NonZeroU32>,
}

/// `[firewall]`: the registry firewall of `scioc serve`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileFirewall {
    pub(crate) npm_upstream: Option<url::Url>,
    pub(crate) pypi_upstream: Option<url::Url>,
    pub(crate) min_age: Option<String>,
    #[serde(default)]
    pub(crate) min_age_exempt: Vec<String>,
    pub(crate) fail_open: Option<bool>,
    pub(crate) require_auth: Option<bool>,
    pub(crate) cache_mb: Option<NonZeroU64>,
    pub(crate) fresh_for: Option<String>,
    pub(crate) upstream_timeout: Option<String>,
    pub(crate) pypi_blocked: Option<String>,
    #[serde(default)]
    pub(crate) download_origins: Vec<url::Url>,
    #[serde(default)]
    pub(crate) upstream_networks: Vec<String>,
    pub(crate) memory_mb: Option<NonZeroU64>,
    pub(crate) upstream_min_rate: Option<NonZeroU64>,
    pub(crate) blocks_retention: Option<String>,
}

impl FileConfig {
    /// The file's name for messages.
    pub(crate) fn name(&self) -> String {
        self.path.as_deref().map_or_else(|| "(none)".to_owned(), |p| p.display().to_string())
    }
}

/// `[scan]`: defaults for `scioc scan`. Names are checked where they are resolved, against
/// the same types the flags parse into.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileScan {
    pub(crate) format: Option<String>,
    pub(crate) fail_on: Option<String>,
    pub(crate) ignore_file: Option<PathBuf>,
}

/// `[remote]`: the feed `scioc feed` and `scioc sync` talk to.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileRemote {
    pub(crate) url: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) ca_cert: Option<PathBuf>,
    pub(crate) pin_sha256: Option<String>,
}

/// `[serve]`: settings of `scioc serve`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileServe {
    pub(crate) listen: Option<SocketAddr>,
    pub(crate) tls_cert: Option<PathBuf>,
    pub(crate) tls_key: Option<PathBuf>,
    pub(crate) tls_self_signed: Option<bool>,
    pub(crate) rate_limit: Option<NonZeroU32>,
    pub(crate) rate_burst: Option<NonZeroU32>,
    pub(crate) request_timeout: Option<NonZeroU64>,
    pub(crate) max_upload_bytes: Option<usize>,
    pub(crate) no_starter_set: Option<bool>,
    pub(crate) max_connections: Option<NonZeroU32>,
    pub(crate) header_timeout: Option<NonZeroU64>,
    pub(crate) idle_timeout: Option<NonZeroU64>,
    pub(crate) trusted_proxies: Option<Vec<String>>,
}

/// Reads the config file named by `--config`/`SCIOC_CONFIG`, or `./scioc.toml` if present.
pub(crate) fn load(named: Option<&Path>) -> Result<FileConfig> {
    let path = match named {
        Some(p) => p.to_owned(),
        None if Path::new("scioc.toml").exists() => PathBuf::from("scioc.toml"),
        None => return Ok(FileConfig::default()),
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading config file {}", path.display()))?;
    let mut config: FileConfig =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))?;
    config.path = Some(path);
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let err = toml::from_str::<FileConfig>("data_dir = \"x\"\n[serve]\nlisten = \"127.0.0.1:1\"\nlisen = 1\n")
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 4") && msg.contains("lisen"), "{msg}");
    }

    /// The example file parses, and sets every key there is (a key added to the file's
    /// structs without an example line fails here).
    #[test]
    fn the_example_sets_every_key() {
        let example = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scioc.example.toml"));
        let config = load(Some(example)).unwrap();
        // A URL's own parts may be absent; every key must not.
        let shown = ["password", "port", "query", "fragment"]
            .iter()
            .fold(format!("{config:?}"), |s, part| s.replace(&format!("{part}: None"), ""));
        assert!(!shown.contains("None") && !shown.contains("[]"), "a key without an example: {shown}");
        assert_eq!(config.sources.len(), 1);
    }

    #[test]
    fn a_zero_is_refused_with_its_line() {
        let err = toml::from_str::<FileConfig>("[serve]\nlisten = \"127.0.0.1:1\"\nidle_timeout = 0\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 3") && msg.contains("nonzero"), "{msg}");
    }
}
