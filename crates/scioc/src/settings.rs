//! Settings resolved once.
//!
//! [`crate::cli`] holds the raw flags: what was typed or set in `SCIOC_…` variables, every
//! setting that the config file may also give left optional. [`Settings::resolve`] merges them
//! with the config file ([`crate::config`]) and the defaults into one typed value per command,
//! and checks them; commands never look at a flag again. Precedence is always flag, then
//! environment (clap reads both), then file, then default.
//!
//! Every default lives in one place: the library type a setting configures
//! ([`ServerConfig::default`], [`archive::Limits::default`]) or, for the CLI's own settings, a
//! constant here. Help texts that name a default are checked against these by a test.

use crate::{
    cli::{
        Args, CandidatesCommand, Command, CopyArgs, EventFormat, ExportCommand, FeedCommand, FirewallArgs,
        IndicatorsArgs, IngestCommand, MigrateArgs, ReclassifyArgs, RemoteArgs, ScanArgs, ScanFormat, ServeArgs,
        SourcesCommand, StatusArgs, UserCommand, WireFormat,
    },
    config::{FileConfig, FileFirewall},
};
use anyhow::{Context, Result, anyhow, bail};
use scioc_model::{EventType, FeedTime};
use scioc_registry::{judge::Cooldown, pypi::Withhold};
use scioc_server::{ConnectionLimits, FirewallConfig, RateLimit, ServerConfig, TlsMode};
use scioc_store::PgOptions;
use scioc_verdict::Severity;
use std::{path::PathBuf, time::Duration};

/// The embedded store's directory when none is given.
pub(crate) const DEFAULT_DATA_DIR: &str = "scioc-data";
/// Most database connections a process opens when none is given.
pub(crate) const DEFAULT_POOL: u32 = 16;
/// The log filter of `scioc serve` when none is given; other commands log warnings only.
pub(crate) const DEFAULT_SERVE_LOG: &str = "info";
/// The log filter of every command but `serve` when none is given.
pub(crate) const DEFAULT_LOG: &str = "warn";
/// The lowest severity that fails a scan when none is given.
pub(crate) const DEFAULT_FAIL_ON: Severity = Severity::Low;
/// Time between a source's polls when none is given.
pub(crate) const DEFAULT_SOURCE_INTERVAL: &str = "5m";
/// Longest one poll may take when none is given.
pub(crate) const DEFAULT_SOURCE_TIMEOUT: &str = "10m";
/// A scan's report format when none is given.
pub(crate) const DEFAULT_SCAN_FORMAT: ScanFormat = ScanFormat::Table;

/// Everything a run needs, resolved.
#[derive(Debug)]
pub(crate) struct Settings {
    /// The log filter.
    pub(crate) log: String,
    /// How log lines are written.
    pub(crate) log_format: crate::cli::LogFormat,
    /// Where the store is.
    pub(crate) place: Place,
    /// The command and its settings.
    pub(crate) job: Job,
}

/// One command with its resolved settings. Commands with nothing to merge or default keep
/// their parsed arguments.
#[derive(Debug)]
pub(crate) enum Job {
    Serve(Box<Serve>),
    Scan(Scan),
    Analyze(crate::cli::AnalyzeArgs),
    Feed(Feed),
    Sync(Sync),
    Ingest(IngestCommand),
    User(UserCommand),
    Sources(SourcesCommand),
    Status(StatusArgs),
    Indicators(IndicatorsArgs),
    FirewallBlocks { since: FeedTime, kind: Option<scioc_store::BlockKind>, limit: u32, format: crate::cli::ListFormat },
    Reclassify(ReclassifyArgs),
    Candidates(Candidates),
    Export(ExportCommand),
    Migrate(MigrateArgs),
    Copy(CopyArgs),
}

/// Where the store is, after flags, environment and config file are merged.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    /// The data directory: the embedded store, TLS material and other local files.
    pub(crate) data_dir: PathBuf,
    /// Why the data directory is that one, for messages that say where scioc looked.
    pub(crate) data_dir_from: &'static str,
    /// A PostgreSQL URL, when the store is shared instead of embedded.
    pub(crate) database: Option<String>,
    /// Most database connections to open.
    pub(crate) pool: usize,
    /// CA certificates to verify the database's TLS certificate with.
    pub(crate) ca: Option<PathBuf>,
    /// Most events one feed second holds.
    pub(crate) events_per_second: std::num::NonZeroU32,
}

impl Place {
    /// Connection settings for PostgreSQL, with `pool_size` connections at most.
    pub(crate) fn pg_options(&self, pool_size: usize) -> PgOptions {
        PgOptions {
            pool_size,
            ca_file: self.ca.clone(),
            events_per_second: self.events_per_second,
            ..Default::default()
        }
    }

    /// Whether a store exists here already (a shared database always does).
    pub(crate) fn has_store(&self) -> bool {
        self.database.is_some() || self.data_dir.join(scioc_store::DB_FILE).exists()
    }
}

/// `scioc serve`.
#[derive(Debug)]
pub(crate) struct Serve {
    /// The server's settings, defaults applied.
    pub(crate) server: ServerConfig,
    /// Whether to promote the built-in starter set into an empty feed.
    pub(crate) starter_set: bool,
    /// The sources the config file names, checked.
    pub(crate) sources: Vec<scioc_store::SourceDef>,
}

/// `scioc scan`.
#[derive(Debug)]
pub(crate) struct Scan {
    /// What to scan; never empty.
    pub(crate) paths: Vec<PathBuf>,
    /// Whether to walk subdirectories.
    pub(crate) recursive: bool,
    /// How to write the report.
    pub(crate) format: ScanFormat,
    /// Where to write it (atomically); standard output when `None`.
    pub(crate) output: Option<PathBuf>,
    /// The lowest severity that fails the scan.
    pub(crate) fail_on: Severity,
    /// A ToolTrust blacklist to match against as well.
    pub(crate) blacklist: Option<PathBuf>,
    /// A ToolTrust npm_iocs.json to match against as well.
    pub(crate) iocs: Option<PathBuf>,
    /// The ignore file named by flag, environment or config; else it is looked for.
    pub(crate) ignore_file: Option<PathBuf>,
}

/// A remote feed: where it is, who logs in and what to trust.
#[derive(Debug, Clone)]
pub(crate) struct Remote {
    /// The server's base URL.
    pub(crate) url: String,
    /// The user name; the password comes from `SCIOC_PASSWORD` or a prompt.
    pub(crate) user: String,
    /// Trust only the CAs of this PEM bundle.
    pub(crate) ca_cert: Option<PathBuf>,
    /// Trust only the server certificate with this SHA-256.
    pub(crate) pin_sha256: Option<String>,
    /// The wire format.
    pub(crate) wire: scioc_client::Format,
}

/// `scioc feed …`.
#[derive(Debug)]
pub(crate) struct Feed {
    /// The feed to talk to.
    pub(crate) remote: Remote,
    /// What to do there.
    pub(crate) action: FeedAction,
}

/// What `scioc feed` does.
#[derive(Debug)]
pub(crate) enum FeedAction {
    /// Put the cursor at a time.
    Start(scioc_client::StartAt),
    /// Pull until drained, or forever every `follow` interval.
    Pull { limit: u32, follow: Option<Duration>, format: EventFormat },
    /// The events of `[from, to)`, filtered by event type and ecosystem (lower case).
    Query { from: FeedTime, to: FeedTime, event_types: Vec<EventType>, ecosystems: Vec<String>, format: EventFormat },
}

/// `scioc sync`.
#[derive(Debug)]
pub(crate) struct Sync {
    /// The feed to mirror.
    pub(crate) remote: Remote,
    /// Keep polling at this interval once caught up.
    pub(crate) follow: Option<Duration>,
    /// Page size.
    pub(crate) limit: u32,
}

/// What `scioc candidates demote` takes out.
#[derive(Debug)]
pub(crate) enum Demoted {
    /// The candidates of these files.
    Files(Vec<PathBuf>),
    /// One indicator, wherever it was promoted.
    Indicator { ecosystem: String, ioc_type: String, value: String },
    /// A blacklist entry, by its id.
    BlacklistId(String),
}

/// `scioc candidates …`, with `from-osv`'s time and filter resolved.
#[derive(Debug)]
pub(crate) enum Candidates {
    /// Check candidate files.
    Validate { files: Vec<PathBuf> },
    /// Promote candidates into the data files in `dir` and the feed.
    Promote { files: Vec<PathBuf>, dir: PathBuf, dry_run: bool },
    /// Take what `what` names out of the data files in `dir`, FP in the feed.
    Demote { what: Demoted, dir: PathBuf, reason: String, dry_run: bool },
    /// Draft candidates from OSV records modified since `since`.
    FromOsv { since: FeedTime, filter: Option<regex::Regex>, out: Option<PathBuf>, dir: PathBuf },
}

impl Settings {
    /// Reads the config file and resolves `args` into settings.
    pub(crate) fn resolve(args: Args) -> Result<Settings> {
        let file = crate::config::load(args.config.as_deref())?;
        let place = place(&args, &file)?;
        let default_log = if matches!(args.command, Command::Serve(_)) { DEFAULT_SERVE_LOG } else { DEFAULT_LOG };
        let log = args.log.clone().unwrap_or_else(|| default_log.to_owned());
        let log_format = args.log_format.or(file.log_format).unwrap_or(crate::cli::LogFormat::Text);
        let job = match args.command {
            Command::Serve(a) => Job::Serve(Box::new(serve(*a, &file, &place)?)),
            Command::Scan(a) => Job::Scan(scan(a, &file)?),
            Command::Analyze(a) => Job::Analyze(a),
            Command::Feed(cmd) => Job::Feed(feed(cmd, &file)?),
            Command::Sync(a) => {
                let mut remote_args = a.remote;
                if a.from.is_some() {
                    remote_args.url = a.from;
                }
                Job::Sync(Sync {
                    remote: remote(remote_args, &file)?,
                    follow: a.follow.then(|| duration("--interval", &a.interval)).transpose()?,
                    limit: a.limit,
                })
            }
            Command::Candidates(cmd) => Job::Candidates(candidates(cmd)?),
            Command::Ingest(cmd) => Job::Ingest(cmd),
            Command::User(cmd) => Job::User(cmd),
            Command::Sources(cmd) => Job::Sources(cmd),
            Command::Status(a) => Job::Status(a),
            Command::Indicators(a) => Job::Indicators(a),
            Command::Firewall(crate::cli::FirewallCommand::Blocks(a)) => Job::FirewallBlocks {
                since: match &a.since {
                    Some(text) => since("--since", text, FeedTime::now())?,
                    None => FeedTime::from_unix(0),
                },
                kind: a.kind.map(Into::into),
                limit: a.limit,
                format: a.format,
            },
            Command::Reclassify(a) => Job::Reclassify(a),
            Command::Export(cmd) => Job::Export(cmd),
            Command::Migrate(a) => Job::Migrate(a),
            Command::Completions { .. } | Command::Man => {
                anyhow::bail!("completions and man are answered before settings are read")
            }
            Command::Copy(a) => Job::Copy(a),
        };
        Ok(Settings { log, log_format, place, job })
    }
}

/// Why a store is in the user's data directory: no setting named another, so every command
/// finds it there, from any directory.
pub(crate) const USER_DATA_DIR: &str = "the default, the user's data directory";

/// Where the store is: `--database`/`SCIOC_DATABASE_URL`, then the file's `database_url`, else
/// the embedded store in the data directory (flag or env, then file, then the default).
fn place(args: &Args, file: &FileConfig) -> Result<Place> {
    let (mut data_dir, mut data_dir_from) = match (&args.data_dir, &file.data_dir) {
        (Some(d), _) => (d.clone(), "--data-dir or SCIOC_DATA_DIR"),
        (None, Some(d)) => (d.clone(), "data_dir in the config file"),
        (None, None) => default_data_dir(),
    };
    let database = match args.database.as_deref().or(file.database_url.as_deref()) {
        None => None,
        Some(text) => match crate::store_url::StoreUrl::parse(text, "--database")? {
            crate::store_url::StoreUrl::Postgres(url) => Some(url),
            crate::store_url::StoreUrl::Sqlite(dir) => {
                (data_dir, data_dir_from) = (dir, "--database or SCIOC_DATABASE_URL");
                None
            }
        },
    };
    let pool = args.database_pool.or(file.database_pool.map(u32::from)).unwrap_or(DEFAULT_POOL);
    let ca = args.database_ca.clone().or_else(|| file.database_ca.clone());
    let per_second = args
        .events_per_second
        .or(file.events_per_second.map(u32::from))
        .unwrap_or(scioc_store::DEFAULT_EVENTS_PER_SECOND);
    let events_per_second = std::num::NonZeroU32::new(per_second).context("events per second must be positive")?;
    Ok(Place { data_dir, data_dir_from, database, pool: pool as usize, ca, events_per_second })
}

/// The data directory when nothing names one: `./scioc-data` if a store is there already (where
/// scioc kept it before), else the user's data directory (`$XDG_DATA_HOME/scioc`, that is
/// `~/.local/share/scioc` on Linux), which every command finds from any working directory.
fn default_data_dir() -> (PathBuf, &'static str) {
    let legacy = PathBuf::from(DEFAULT_DATA_DIR);
    if legacy.join(scioc_store::DB_FILE).exists() {
        return (legacy, "./scioc-data holds a store");
    }
    match dirs::data_dir() {
        Some(d) => (d.join("scioc"), USER_DATA_DIR),
        None => (legacy, "the default (no home directory is known)"),
    }
}

/// `scioc serve`: flags, then file, over [`ServerConfig::default`].
fn serve(args: ServeArgs, file: &FileConfig, place: &Place) -> Result<Serve> {
    let f = &file.serve;
    let defaults = ServerConfig::default();
    // TLS is one choice: flags that make it replace the file's, never mix with them.
    let from_flags = args.tls_cert.is_some() || args.tls_self_signed;
    let (cert, key, self_signed) = if from_flags {
        (args.tls_cert, args.tls_key, args.tls_self_signed)
    } else {
        (f.tls_cert.clone(), f.tls_key.clone(), f.tls_self_signed.unwrap_or(false))
    };
    let tls = match (cert, key) {
        (Some(_), Some(_)) if self_signed => {
            bail!("serve.tls_self_signed cannot be combined with tls_cert/tls_key")
        }
        (Some(cert), Some(key)) => TlsMode::Files { cert, key },
        (None, None) if self_signed => TlsMode::SelfSigned { dir: place.data_dir.join("tls") },
        (None, None) => TlsMode::Off,
        _ => bail!("serve.tls_cert and serve.tls_key go together; give both or neither"),
    };
    let secs = |flag: Option<u64>, file: Option<std::num::NonZeroU64>, default: Duration| {
        flag.or(file.map(u64::from)).map_or(default, Duration::from_secs)
    };
    let rate = args.rate_limit.or(f.rate_limit.map(u32::from));
    let burst = args.rate_burst.or(f.rate_burst.map(u32::from));
    let server = ServerConfig {
        listen: args.listen.or(f.listen).unwrap_or(defaults.listen),
        tls,
        rate_limit: rate
            .map(|per_second| RateLimit { per_second, burst: burst.unwrap_or(per_second.saturating_mul(2)) }),
        request_timeout: secs(args.request_timeout, f.request_timeout, defaults.request_timeout),
        max_upload_bytes: args.max_upload_bytes.or(f.max_upload_bytes).unwrap_or(defaults.max_upload_bytes),
        connections: ConnectionLimits {
            max_connections: args
                .max_connections
                .or(f.max_connections.map(u32::from))
                .map_or(defaults.connections.max_connections, |n| n as usize),
            header_timeout: secs(args.header_timeout, f.header_timeout, defaults.connections.header_timeout),
            idle_timeout: secs(args.idle_timeout, f.idle_timeout, defaults.connections.idle_timeout),
            ..defaults.connections
        }
        .within_fd_limit(),
        osv: scioc_server::OsvConfig {
            anonymous: args.osv_anonymous || file.osv_api.anonymous.unwrap_or(false),
            page_size: args
                .osv_page_size
                .or(file.osv_api.page_size.map(|n| u64::from(n.get())))
                .map_or(defaults.osv.page_size, |n| n as usize),
        },
        firewall: firewall(args.firewall, &file.firewall)?,
        trusted_proxies: trusted_proxies(args.trusted_proxies, f.trusted_proxies.as_deref())?,
        ..defaults
    };
    let sources = file.sources.iter().enumerate().map(|(i, s)| s.resolve(i, "config")).collect::<Result<Vec<_>>>()?;
    Ok(Serve { server, starter_set: !(args.no_starter_set || f.no_starter_set.unwrap_or(false)), sources })
}

/// Trusted proxies: the flags (or `SCIOC_TRUSTED_PROXIES`) when given, else the file's.
fn trusted_proxies(
    flags: Vec<scioc_server::TrustedProxies>,
    file: Option<&[String]>,
) -> Result<scioc_server::TrustedProxies> {
    let mut all = scioc_server::TrustedProxies::default();
    if flags.is_empty() {
        for (i, s) in file.unwrap_or_default().iter().enumerate() {
            all.extend(s.parse().with_context(|| format!("serve.trusted_proxies[{i}]"))?);
        }
    } else {
        flags.into_iter().for_each(|t| all.extend(t));
    }
    Ok(all)
}

/// The registry firewall: flags and environment, then the file's `[firewall]`, then the
/// defaults. An upstream must be an http(s) URL; it ends in `/` so that names join under it.
fn firewall(args: FirewallArgs, f: &FileFirewall) -> Result<FirewallConfig> {
    let defaults = FirewallConfig::default();
    let upstream = |flag: Option<url::Url>, file: &Option<url::Url>, name: &str| -> Result<Option<url::Url>> {
        let Some(mut url) = flag.or_else(|| file.clone()) else { return Ok(None) };
        if !matches!(url.scheme(), "http" | "https") {
            bail!("--{name}: expected an http:// or https:// URL, got {url}");
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Some(url))
    };
    let within = |flag: Option<String>, file: &Option<String>, name: &str, default: Duration| -> Result<Duration> {
        match flag.or_else(|| file.clone()) {
            Some(text) => duration(name, &text),
            None => Ok(default),
        }
    };
    let exempt = if args.min_age_exempt.is_empty() { f.min_age_exempt.clone() } else { args.min_age_exempt };
    let pypi_withhold = match args.pypi_blocked.or_else(|| f.pypi_blocked.clone()).as_deref() {
        None | Some("yank") => Withhold::Yank,
        Some("remove") => Withhold::Remove,
        Some(other) => bail!("firewall.pypi_blocked: expected yank or remove, got {other:?}"),
    };
    Ok(FirewallConfig {
        npm_upstream: upstream(args.npm_upstream, &f.npm_upstream, "npm-upstream")?,
        pypi_upstream: upstream(args.pypi_upstream, &f.pypi_upstream, "pypi-upstream")?,
        cooldown: Cooldown {
            min_age: within(args.min_age, &f.min_age, "--min-age", Duration::ZERO)?,
            // Python projects are compared normalized, npm names as written.
            exempt: exempt
                .iter()
                .flat_map(|e| [e.trim().to_owned(), scioc_registry::pypi::normalize(e.trim())])
                .collect(),
        },
        fail_open: args.fail_open || f.fail_open.unwrap_or(false),
        require_auth: args.firewall_auth || f.require_auth.unwrap_or(false),
        cache_bytes: args.firewall_cache_mb.or(f.cache_mb.map(u64::from)).map_or(defaults.cache_bytes, |mb| mb << 20),
        fresh_for: within(args.firewall_fresh_for, &f.fresh_for, "--firewall-fresh-for", defaults.fresh_for)?,
        upstream_timeout: within(
            args.upstream_timeout,
            &f.upstream_timeout,
            "--upstream-timeout",
            defaults.upstream_timeout,
        )?,
        pypi_withhold,
        download_origins: {
            let given =
                if args.download_origins.is_empty() { f.download_origins.clone() } else { args.download_origins };
            for u in &given {
                if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
                    bail!("--download-origin: expected an http:// or https:// URL with a host, got {u}");
                }
            }
            given
        },
        upstream_networks: if args.upstream_networks.is_empty() {
            f.upstream_networks
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    n.parse::<ipnet::IpNet>().map(|n| n.trunc()).map_err(|_| {
                        anyhow!("firewall.upstream_networks[{i}]: expected a network in CIDR notation (10.0.0.0/8), got {n:?}")
                    })
                })
                .collect::<Result<_>>()?
        } else {
            args.upstream_networks.into_iter().map(|n| n.trunc()).collect()
        },
        memory_bytes: args
            .firewall_memory_mb
            .or(f.memory_mb.map(u64::from))
            .map_or(defaults.memory_bytes, |mb| mb << 20),
        min_rate: args.upstream_min_rate.or(f.upstream_min_rate.map(u64::from)).unwrap_or(defaults.min_rate),
        blocks_retention: within(
            args.blocks_retention,
            &f.blocks_retention,
            "--blocks-retention",
            defaults.blocks_retention,
        )?,
    })
}

/// `scioc scan`: flags and environment, then the file's `[scan]`, then the defaults.
fn scan(args: ScanArgs, file: &FileConfig) -> Result<Scan> {
    let f = &file.scan;
    let format = match (args.format, &f.format) {
        (Some(format), _) => format,
        (None, Some(name)) => <ScanFormat as clap::ValueEnum>::from_str(name, true).map_err(|_| {
            anyhow!("config file {}: scan.format: expected table, json, sarif or markdown, got {name:?}", file.name())
        })?,
        (None, None) => DEFAULT_SCAN_FORMAT,
    };
    let fail_on = match (args.fail_on, &f.fail_on) {
        (Some(severity), _) => severity,
        (None, Some(name)) => name.parse().map_err(|e| anyhow!("config file {}: scan.fail_on: {e}", file.name()))?,
        (None, None) => DEFAULT_FAIL_ON,
    };
    Ok(Scan {
        paths: if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths },
        recursive: args.recursive,
        format,
        output: args.output,
        fail_on,
        blacklist: args.blacklist,
        iocs: args.iocs,
        ignore_file: args.ignore_file.or_else(|| f.ignore_file.clone()),
    })
}

/// A remote feed: flags and environment, then the file's `[remote]`. URL and user are required.
fn remote(args: RemoteArgs, file: &FileConfig) -> Result<Remote> {
    let f = &file.remote;
    let url = args
        .url
        .or_else(|| f.url.clone())
        .ok_or_else(|| anyhow!("no feed server: give --url, SCIOC_URL or remote.url"))?;
    let user = args
        .user
        .or_else(|| f.user.clone())
        .ok_or_else(|| anyhow!("no user: give --user, SCIOC_USER or remote.user"))?;
    Ok(Remote {
        url,
        user,
        ca_cert: args.ca_cert.or_else(|| f.ca_cert.clone()),
        pin_sha256: args.pin_sha256.or_else(|| f.pin_sha256.clone()),
        wire: match args.wire {
            WireFormat::Json => scioc_client::Format::Json,
            WireFormat::Xml => scioc_client::Format::Xml,
        },
    })
}

/// `scioc feed …`: times are resolved against the clock now.
fn feed(cmd: FeedCommand, file: &FileConfig) -> Result<Feed> {
    use scioc_client::StartAt;
    let now = FeedTime::now();
    let (remote_args, action) = match cmd {
        FeedCommand::Start { since, utc, timestamp, remote } => {
            let at = match (since, utc, timestamp) {
                (Some(d), _, _) => StartAt::Utc(ago(now, duration("--since", &d)?)),
                (_, Some(t), _) => StartAt::Utc(time("--utc", &t)?),
                (_, _, Some(t)) => StartAt::Timestamp(FeedTime::from_unix(t)),
                _ => StartAt::Now,
            };
            (remote, FeedAction::Start(at))
        }
        FeedCommand::Pull { limit, follow, interval, format, remote } => {
            if follow && matches!(format, EventFormat::Json | EventFormat::Table) {
                bail!("--follow never ends: use --format jsonl or csv");
            }
            let follow = follow.then(|| duration("--interval", &interval)).transpose()?;
            (remote, FeedAction::Pull { limit, follow, format })
        }
        FeedCommand::Query { last, from, to, event_type, ecosystem, format, remote } => {
            let (from, to) = match (last, from, to) {
                (Some(d), _, _) => (ago(now, duration("--last", &d)?), now),
                (None, Some(f), Some(t)) => (time("--from", &f)?, time("--to", &t)?),
                _ => bail!("give --last DURATION, or --from TIME and --to TIME"),
            };
            if from >= to {
                bail!("--from must be before --to (the window is [from, to))");
            }
            let ecosystems = ecosystem.iter().map(|e| e.to_ascii_lowercase()).collect();
            (remote, FeedAction::Query { from, to, event_types: event_type, ecosystems, format })
        }
    };
    Ok(Feed { remote: remote(remote_args, file)?, action })
}

fn candidates(cmd: CandidatesCommand) -> Result<Candidates> {
    Ok(match cmd {
        CandidatesCommand::Validate { files } => Candidates::Validate { files },
        CandidatesCommand::Promote { files, dir, dry_run } => Candidates::Promote { files, dir, dry_run },
        CandidatesCommand::Demote { files, ecosystem, ioc_type, value, blacklist_id, dir, reason, dry_run } => {
            let what = match (ecosystem, ioc_type, value, blacklist_id) {
                (Some(ecosystem), Some(ioc_type), Some(value), None) => {
                    Demoted::Indicator { ecosystem, ioc_type, value }
                }
                (None, None, None, Some(id)) => Demoted::BlacklistId(id),
                _ => Demoted::Files(files),
            };
            Candidates::Demote { what, dir, reason, dry_run }
        }
        CandidatesCommand::FromOsv { since: text, filter, out, dir } => {
            let since = since("--since", &text, FeedTime::now())?;
            let filter = filter.map(|f| regex::Regex::new(&f)).transpose().context("--filter")?;
            Candidates::FromOsv { since, filter, out, dir }
        }
    })
}

/// How long, as people write it ([`scioc_model::parse_duration`]: `90s`, `30m`, `24h`, `7d`,
/// `2w`, `1h 30m`), named by `flag` when it does not read.
pub(crate) fn duration(flag: &str, text: &str) -> Result<Duration> {
    scioc_model::parse_duration(text).map_err(|e| anyhow!("{flag}: {e}"))
}

/// A source's definition from its parts, checked; `at` names it in messages.
pub(crate) fn source_def(
    at: &str,
    name: &str,
    kind: &str,
    location: &str,
    ecosystem: Option<&str>,
    (interval, timeout): (&str, &str),
    origin: &str,
) -> Result<scioc_store::SourceDef> {
    let secs = |flag: &str, text: &str| -> Result<u64> {
        let d = duration(&format!("{at}{flag}"), text)?;
        anyhow::ensure!(d.as_secs() >= 1, "{at}{flag}: at least one second, got {text:?}");
        Ok(d.as_secs())
    };
    let def = scioc_store::SourceDef {
        name: name.to_owned(),
        kind: kind.to_owned(),
        location: location.to_owned(),
        ecosystem: ecosystem.map(str::to_owned),
        interval_secs: secs("interval", interval)?,
        timeout_secs: secs("timeout", timeout)?,
        origin: origin.to_owned(),
    };
    scioc_ingest::poll::check(&def).map_err(|e| anyhow!("{at}{e}"))?;
    Ok(def)
}

/// A point in time given as how long ago or as a time ([`FeedTime::parse_since`], the parser the
/// server's `?since=` uses too).
pub(crate) fn since(flag: &str, text: &str, now: FeedTime) -> Result<FeedTime> {
    FeedTime::parse_since(text, now).map_err(|e| anyhow!("{flag}: {e}"))
}

/// `YYYY-MM-DDThh:mm:ss` (UTC) or Unix seconds.
pub(crate) fn time(flag: &str, text: &str) -> Result<FeedTime> {
    FeedTime::parse_any(text).map_err(|e| anyhow!("{flag}: {text:?}: {e}"))
}

fn ago(now: FeedTime, d: Duration) -> FeedTime {
    now.add_secs(-i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    fn resolve(argv: &[&str]) -> Result<Settings> {
        Settings::resolve(Args::try_parse_from([&["scioc", "--config", "/dev/null"], argv].concat())?)
    }

    #[test]
    fn durations_are_parsed_once_for_every_flag() {
        assert_eq!(duration("--x", "7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(duration("--x", "2w").unwrap(), Duration::from_secs(1_209_600));
        assert_eq!(duration("--x", "90s").unwrap(), Duration::from_secs(90));
        assert_eq!(duration("--x", "1h 30m").unwrap(), Duration::from_secs(5400));
        for bad in ["h", "", "yesterday", "3 months", "-5m"] {
            let err = duration("--x", bad).unwrap_err().to_string();
            assert!(err.starts_with("--x: expected a duration"), "{bad}: {err}");
        }
        let now = FeedTime::from_unix(2_000_000_000);
        assert_eq!(since("--since", "2w", now).unwrap().unix(), 2_000_000_000 - 1_209_600);
        assert_eq!(since("--since", "2025-06-01", now).unwrap().unix(), 1_748_736_000);
        assert!(since("--since", "yesterday", now).unwrap_err().to_string().contains("--since"));
        assert_eq!(time("--from", "2025-06-01T00:00:00").unwrap().unix(), time("--to", "1748736000").unwrap().unix());
    }

    #[test]
    fn the_same_duration_works_for_feed_and_for_candidates() {
        let feed = resolve(&["feed", "start", "--since", "2w", "--url", "https://x", "--user", "u"]).unwrap();
        let Job::Feed(Feed { action: FeedAction::Start(scioc_client::StartAt::Utc(at)), .. }) = feed.job else {
            panic!("{feed:?}")
        };
        assert!((FeedTime::now().unix() - at.unix() - 1_209_600).abs() <= 2);
        let drafting = resolve(&["candidates", "from-osv", "--since", "2w"]).unwrap();
        let Job::Candidates(Candidates::FromOsv { since, .. }) = drafting.job else { panic!("{drafting:?}") };
        assert_eq!(since.unix(), at.unix());
    }

    #[test]
    fn defaults_come_from_one_place() {
        let s = resolve(&["serve"]).unwrap();
        assert_eq!(s.log, DEFAULT_SERVE_LOG);
        assert_eq!(s.place.data_dir, default_data_dir().0);
        assert!(s.place.data_dir.ends_with("scioc"), "the user's data directory: {:?}", s.place.data_dir);
        assert_eq!(s.place.pool, DEFAULT_POOL as usize);
        let Job::Serve(serve) = s.job else { panic!() };
        let d = ServerConfig::default();
        assert_eq!(serve.server.listen, d.listen);
        assert_eq!(serve.server.request_timeout, d.request_timeout);
        assert_eq!(serve.server.max_upload_bytes, d.max_upload_bytes);
        assert!(serve.starter_set && serve.server.rate_limit.is_none());
        let Job::Scan(scan) = resolve(&["scan"]).unwrap().job else { panic!() };
        assert_eq!((scan.format, scan.fail_on, scan.paths), (DEFAULT_SCAN_FORMAT, DEFAULT_FAIL_ON, vec![".".into()]));
        assert_eq!(resolve(&["status"]).unwrap().log, DEFAULT_LOG);
    }

    /// Every long flag of `cmd` and its subcommands, with `--`.
    fn flags(cmd: &clap::Command, out: &mut std::collections::BTreeSet<String>) {
        for a in cmd.get_arguments() {
            out.extend(a.get_long().map(|l| format!("--{l}")));
            out.extend(a.get_all_aliases().into_iter().flatten().map(|l| format!("--{l}")));
        }
        for sub in cmd.get_subcommands() {
            flags(sub, out);
        }
    }

    #[test]
    fn every_flag_the_readme_names_exists() {
        let readme = include_str!("../../../README.md");
        let mut known = std::collections::BTreeSet::new();
        let mut cmd = Args::command();
        cmd.build();
        flags(&cmd, &mut known);
        known.insert("--help".to_owned());
        // Flags of the other tools the README shows: cargo, curl, npm (`--prefer-online`,
        // `npm cache clean --force`), pip and its requirement files' `--hash`, pip-audit.
        let theirs = [
            "--prefer-online",
            "--force",
            "--release",
            "--workspace",
            "--check",
            "--cacert",
            "--registry",
            "--index-url",
            "--hash",
            "--disable-pip",
            "--no-deps",
            "--osv-url",
        ];
        let mut missing: Vec<&str> = Vec::new();
        for flag in regex::Regex::new(r"--[a-z][a-z0-9-]*").unwrap().find_iter(readme).map(|m| m.as_str()) {
            if !known.contains(flag) && !theirs.contains(&flag) && !missing.contains(&flag) {
                missing.push(flag);
            }
        }
        assert!(missing.is_empty(), "the README names flags scioc does not have: {missing:?}");
    }

    /// The help texts name defaults they do not set (a flag with a clap default would hide
    /// the config file's value); each must say what the resolution applies.
    #[test]
    fn help_names_the_defaults_that_apply() {
        let mut cmd = Args::command();
        let global = cmd.render_long_help().to_string();
        assert!(global.contains(&format!("./{DEFAULT_DATA_DIR} if it holds a store")), "{global}");
        assert!(global.contains("~/.local/share/scioc"), "{global}");
        assert!(global.contains(&format!("[default: {DEFAULT_POOL}]")), "{global}");
        // The store's options under their own heading, after the command's own.
        let scan = cmd.find_subcommand_mut("scan").unwrap().render_long_help().to_string();
        let (own, store) = scan.split_once("\nStore:\n").expect("a Store heading");
        assert!(own.contains("--format") && !own.contains("--data-dir"), "{scan}");
        assert!(store.contains("--data-dir") && store.contains("--database-pool"), "{scan}");
        let serve = cmd.find_subcommand_mut("serve").unwrap().render_long_help().to_string();
        let d = ServerConfig::default();
        let c = &d.connections;
        for expected in [
            format!("[default: {}]", d.listen),
            format!("[default: {}]", d.request_timeout.as_secs()),
            format!("[default: {} MiB]", d.max_upload_bytes >> 20),
            format!("[default: {}]", c.max_connections),
            format!("[default: {}]", c.header_timeout.as_secs()),
            format!("[default: {}]", c.idle_timeout.as_secs()),
        ] {
            assert!(serve.contains(&expected), "serve --help lacks {expected}");
        }
        let scan = cmd.find_subcommand_mut("scan").unwrap().render_long_help().to_string();
        assert!(scan.contains(&format!("[default: {}]", DEFAULT_FAIL_ON.as_lower())), "{scan}");
    }

    #[test]
    fn the_file_fills_what_flags_leave_and_flags_win() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scioc.toml");
        std::fs::write(&path, "[serve]\nlisten = \"127.0.0.1:1\"\nrate_limit = 5\n[scan]\nfail_on = \"high\"\n")
            .unwrap();
        let config = path.to_str().unwrap();
        let args = Args::try_parse_from(["scioc", "--config", config, "serve", "--listen", "127.0.0.1:2"]).unwrap();
        let Job::Serve(serve) = Settings::resolve(args).unwrap().job else { panic!() };
        assert_eq!(serve.server.listen, "127.0.0.1:2".parse().unwrap());
        assert_eq!(serve.server.rate_limit, Some(RateLimit { per_second: 5, burst: 10 }));
        let args = Args::try_parse_from(["scioc", "--config", config, "scan"]).unwrap();
        let Job::Scan(scan) = Settings::resolve(args).unwrap().job else { panic!() };
        assert_eq!(scan.fail_on, Severity::High);
        let args = Args::try_parse_from(["scioc", "--config", config, "scan", "--fail-on", "critical"]).unwrap();
        let Job::Scan(scan) = Settings::resolve(args).unwrap().job else { panic!() };
        assert_eq!(scan.fail_on, Severity::Critical);
    }
}
