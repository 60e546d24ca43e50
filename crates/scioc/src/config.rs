//! The config file and the merge of flags, environment and file into settings.
//!
//! The file is TOML; unknown keys are refused with their line, so a typo never passes silently:
//!
//! ```toml
//! data_dir = "/var/lib/scioc"
//! database_url = "postgres://scioc@db:5432/scioc"   # instead of the embedded store
//! database_pool = 16
//! database_ca = "/etc/scioc/db-ca.pem"                # with ?sslmode=require in the URL
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
//!
//! [scan]
//! format = "sarif"            # table, json, sarif, markdown
//! fail_on = "high"
//!
//! [remote]                    # for scioc feed and scioc sync; the password is never here
//! url = "https://feed.example:8443"
//! user = "mirror"
//! ca_cert = "/etc/scioc/ca.pem"   # or pin_sha256 = "ab:cd:…"
//! ```

use crate::cli::{Args, ServeArgs};
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

/// The config file's contents.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_pool: Option<u32>,
    database_ca: Option<PathBuf>,
    #[serde(default)]
    serve: FileServe,
    #[serde(default)]
    remote: FileRemote,
    #[serde(default)]
    scan: FileScan,
}

/// `[scan]`: defaults for `scioc scan`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileScan {
    format: Option<String>,
    fail_on: Option<String>,
    ignore_file: Option<PathBuf>,
}

/// `[remote]`: the feed `scioc feed` and `scioc sync` talk to.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRemote {
    url: Option<String>,
    user: Option<String>,
    ca_cert: Option<PathBuf>,
    pin_sha256: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileServe {
    listen: Option<SocketAddr>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_self_signed: Option<bool>,
    rate_limit: Option<u32>,
    rate_burst: Option<u32>,
    request_timeout: Option<u64>,
    max_upload_bytes: Option<usize>,
    no_starter_set: Option<bool>,
    max_connections: Option<u32>,
    header_timeout: Option<u64>,
    idle_timeout: Option<u64>,
}

/// Reads the config file named by `--config`/`SCIOC_CONFIG`, or `./scioc.toml` if present.
pub(crate) fn load(args: &Args) -> Result<FileConfig> {
    let path = match &args.config {
        Some(p) => p.clone(),
        None if Path::new("scioc.toml").exists() => PathBuf::from("scioc.toml"),
        None => return Ok(FileConfig::default()),
    };
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading config file {}", path.display()))?;
    let config: FileConfig =
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))?;
    let f = &config.serve;
    if f.rate_limit == Some(0)
        || f.rate_burst == Some(0)
        || f.request_timeout == Some(0)
        || f.max_connections == Some(0)
        || f.header_timeout == Some(0)
        || f.idle_timeout == Some(0)
    {
        bail!(
            "config file {}: serve.rate_limit, rate_burst, request_timeout, max_connections, header_timeout and idle_timeout must be at least 1",
            path.display()
        );
    }
    Ok(config)
}

/// The data directory: flag or env, then file, then `./scioc-data`.
pub(crate) fn data_dir(args: &Args, file: &FileConfig) -> PathBuf {
    args.data_dir.clone().or_else(|| file.data_dir.clone()).unwrap_or_else(|| PathBuf::from("scioc-data"))
}

/// Where the store is: `--database`/`SCIOC_DATABASE_URL`, then the file's `database_url`, else
/// the embedded store in the data directory.
pub(crate) fn place(args: &Args, file: &FileConfig) -> Result<crate::commands::Place> {
    let mut data_dir = data_dir(args, file);
    let database = match args.database.as_deref().or(file.database_url.as_deref()) {
        None => None,
        Some(text) => match crate::store_url::StoreUrl::parse(text, "--database")? {
            crate::store_url::StoreUrl::Postgres(url) => Some(url),
            crate::store_url::StoreUrl::Sqlite(dir) => {
                data_dir = dir;
                None
            }
        },
    };
    let pool = args.database_pool.or(file.database_pool).unwrap_or(16);
    if pool == 0 {
        bail!("config file: database_pool must be at least 1");
    }
    let ca = args.database_ca.clone().or_else(|| file.database_ca.clone());
    Ok(crate::commands::Place { data_dir, database, pool: pool as usize, ca })
}

/// Scan settings after the merge: flags and environment first, then the file, then defaults.
pub(crate) fn scan(args: crate::cli::ScanArgs, file: &FileConfig) -> Result<crate::cli::ScanArgs> {
    use clap::ValueEnum;
    let f = &file.scan;
    let format = match (args.format, &f.format) {
        (Some(fmt), _) => Some(fmt),
        (None, Some(name)) => Some(crate::cli::ScanFormat::from_str(name, true).map_err(|_| {
            anyhow::anyhow!("config file: scan.format: expected table, json, sarif or markdown, got {name:?}")
        })?),
        (None, None) => None,
    };
    let fail_on = args.fail_on.clone().or_else(|| f.fail_on.clone());
    if let Some(level) = &fail_on
        && !["low", "medium", "high", "critical"].contains(&level.as_str())
    {
        bail!("config file: scan.fail_on: expected low, medium, high or critical, got {level:?}");
    }
    Ok(crate::cli::ScanArgs {
        format,
        fail_on,
        ignore_file: args.ignore_file.clone().or_else(|| f.ignore_file.clone()),
        ..args
    })
}

/// Remote settings after the merge: flags and environment first, then the file.
pub(crate) fn remote(args: &crate::cli::RemoteArgs, file: &FileConfig) -> crate::cli::RemoteArgs {
    let f = &file.remote;
    crate::cli::RemoteArgs {
        url: args.url.clone().or_else(|| f.url.clone()),
        user: args.user.clone().or_else(|| f.user.clone()),
        ca_cert: args.ca_cert.clone().or_else(|| f.ca_cert.clone()),
        pin_sha256: args.pin_sha256.clone().or_else(|| f.pin_sha256.clone()),
        wire: args.wire,
    }
}

/// Serve settings after the merge, before defaults.
pub(crate) fn serve(args: &ServeArgs, file: &FileConfig) -> Result<ServeArgs> {
    let f = &file.serve;
    let from_flags = args.tls_cert.is_some() || args.tls_self_signed;
    let (tls_cert, tls_key, tls_self_signed) = if from_flags {
        (args.tls_cert.clone(), args.tls_key.clone(), args.tls_self_signed)
    } else {
        (f.tls_cert.clone(), f.tls_key.clone(), f.tls_self_signed.unwrap_or(false))
    };
    if tls_cert.is_some() != tls_key.is_some() {
        bail!("serve.tls_cert and serve.tls_key go together; give both or neither");
    }
    if tls_cert.is_some() && tls_self_signed {
        bail!("serve.tls_self_signed cannot be combined with tls_cert/tls_key");
    }
    Ok(ServeArgs {
        listen: args.listen.or(f.listen),
        tls_cert,
        tls_key,
        tls_self_signed,
        rate_limit: args.rate_limit.or(f.rate_limit),
        rate_burst: args.rate_burst.or(f.rate_burst),
        request_timeout: args.request_timeout.or(f.request_timeout),
        max_upload_bytes: args.max_upload_bytes.or(f.max_upload_bytes),
        no_starter_set: args.no_starter_set || f.no_starter_set.unwrap_or(false),
        max_connections: args.max_connections.or(f.max_connections),
        header_timeout: args.header_timeout.or(f.header_timeout),
        idle_timeout: args.idle_timeout.or(f.idle_timeout),
    })
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

    #[test]
    fn flags_win_over_the_file() {
        let file: FileConfig = toml::from_str("[serve]\nlisten = \"127.0.0.1:1\"\nrate_limit = 5\n").unwrap();
        let args = ServeArgs {
            listen: Some("127.0.0.1:2".parse().unwrap()),
            tls_cert: None,
            tls_key: None,
            tls_self_signed: false,
            rate_limit: None,
            rate_burst: None,
            request_timeout: None,
            max_upload_bytes: None,
            no_starter_set: false,
            max_connections: None,
            header_timeout: None,
            idle_timeout: None,
        };
        let merged = serve(&args, &file).unwrap();
        assert_eq!(merged.listen, Some("127.0.0.1:2".parse().unwrap()));
        assert_eq!(merged.rate_limit, Some(5));
    }
}
