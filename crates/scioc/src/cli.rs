//! Command-line arguments as typed: the raw flags.
//!
//! Every setting can come from a flag, an environment variable (`SCIOC_…`) or the config file,
//! in that order of precedence; flags the config file may also set are therefore optional here,
//! and [`crate::settings`] resolves them, with their defaults, into one typed value per command.
//! Enumerations parse straight into the library's types (`Role`, `Severity`).

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};
use scioc_ingest::archive::Limits;
use scioc_model::{EventType, Role};
use scioc_verdict::Severity;
use std::{net::SocketAddr, path::PathBuf};

/// scioc: an open supply-chain threat-intelligence feed.
///
/// scioc serves the ReversingLabs Supply Chain IoC feed API (TCF-0701) from its own store, so
/// SIEM/SOAR connectors and the vendor's SDK work against it unchanged.
///
/// Quick start:
///
///   scioc serve                                   # feed and web console on http://127.0.0.1:8080
///   echo 's3cret-pass' | scioc user add alice --password-stdin
///   scioc ingest entries events.jsonl             # load events
///   curl -u alice:s3cret-pass \
///     'http://127.0.0.1:8080/api/feed/supply_chain/ioc/v1/query/utc/2025-01-01T00:00:00?format=json'
///
/// Settings come from flags, then SCIOC_* environment variables, then the config file
/// (--config, SCIOC_CONFIG, or ./scioc.toml when present).
#[derive(Debug, Parser)]
#[command(name = "scioc", version, about, long_about, max_term_width = 100, verbatim_doc_comment)]
pub(crate) struct Args {
    /// Directory of the embedded store [default: ./scioc-data if it holds a store, else the
    /// user's data directory: $XDG_DATA_HOME/scioc, ~/.local/share/scioc]
    #[arg(long, global = true, help_heading = "Store", env = "SCIOC_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,

    /// Shared database instead of the embedded store, e.g. postgres://scioc@db:5432/scioc
    ///
    /// Every node of a multi-node deployment names the same database. Pending schema
    /// migrations are applied on connect (see `scioc migrate`).
    #[arg(
        long,
        global = true,
        help_heading = "Store",
        env = "SCIOC_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub(crate) database: Option<String>,

    /// Most database connections this process opens (PostgreSQL only) [default: 16]
    #[arg(long, global = true, help_heading = "Store", env = "SCIOC_DATABASE_POOL", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) database_pool: Option<u32>,

    /// Most events one feed second holds [default: 1000]
    ///
    /// A larger batch (a bulk import) is stamped over consecutive seconds, some of which may lie
    /// ahead of the clock; each becomes visible as the clock passes it. A time query's page never
    /// splits a second, so this is also the most a page holds beyond its `limit`.
    #[arg(long, global = true, help_heading = "Store", env = "SCIOC_EVENTS_PER_SECOND", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) events_per_second: Option<u32>,

    /// CA certificates (PEM) to verify the database with [default: the platform's roots]
    ///
    /// Used when the database URL asks for TLS with `sslmode=require`; scioc then checks the
    /// server's certificate and name. Without `sslmode=require` it connects in plain text.
    #[arg(long, global = true, help_heading = "Store", env = "SCIOC_DATABASE_CA", value_name = "PEM")]
    pub(crate) database_ca: Option<PathBuf>,

    /// Config file (TOML) [default: ./scioc.toml if it exists]
    #[arg(long, global = true, env = "SCIOC_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Log filter, e.g. `info` or `scioc_server=debug` [default: info for serve, warn otherwise]
    #[arg(long, global = true, env = "SCIOC_LOG", value_name = "FILTER")]
    pub(crate) log: Option<String>,

    /// How log lines are written to stderr: text for people, or JSON, one object a line, for a
    /// log pipeline [default: text] [config: log_format]
    #[arg(long, global = true, env = "SCIOC_LOG_FORMAT", value_name = "FORMAT", value_enum)]
    pub(crate) log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The ids of the options that choose the store.
const STORE_OPTIONS: [&str; 5] = ["data_dir", "database", "database_pool", "events_per_second", "database_ca"];

/// The subcommands that never open a store: the store's options are hidden from their help
/// (they are still accepted, being global, so a `scioc --data-dir X …` alias keeps working).
const WITHOUT_A_STORE: [&str; 3] = ["feed", "completions", "man"];

/// The command line's definition, with the store's options shown only where a store is opened.
pub(crate) fn command() -> clap::Command {
    let mut cmd = <Args as clap::CommandFactory>::command();
    // clap gives every subcommand the global options when it is built, except those it holds
    // already; a hidden copy in a subcommand that opens no store keeps them out of its help
    // (and its own subcommands'), while still being read as the global option.
    let hidden: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| STORE_OPTIONS.contains(&a.get_id().as_str()))
        .map(|a| a.clone().hide(true))
        .collect();
    for name in WITHOUT_A_STORE {
        cmd = cmd.mut_subcommand(name, |c| c.args(hidden.clone()));
    }
    cmd
}

/// Parses the process's arguments against [`command`], exiting with clap's message (and code)
/// on an error, `--help` or `--version`.
pub(crate) fn parse() -> Args {
    use clap::FromArgMatches;
    Args::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit())
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LogFormat {
    /// One line of text per event, coloured on a terminal
    Text,
    /// One JSON object per event: timestamp, level, message and fields
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Serve the feed API over HTTP or HTTPS.
    ///
    /// Routes (all but /health and /openapi.json need HTTP Basic credentials):
    ///
    ///   GET /api/feed/supply_chain/ioc/v1/query/{utc|timestamp}/{time}?format=xml|json&limit=1..1000
    ///   PUT /api/feed/supply_chain/ioc/v1/query/start[/{utc|timestamp}/{time}]
    ///   GET /api/feed/supply_chain/ioc/v1/query/pull?format=xml|json&limit=1..1000
    ///   GET /        the web console: the feed's state, a search by package, purl or hash,
    ///                users and cursors for admins (a browser asks for the credentials)
    ///   GET /health, GET /openapi.json, GET /metrics (Prometheus; credentials)
    ///   POST /api/scioc/v1/{osv,samples,reclassify}, GET /api/scioc/v1/firewall/blocks
    ///                                                  (admin role only)
    ///
    /// With --npm-upstream and/or --pypi-upstream, also the registry firewall (open unless
    /// --firewall-auth), which withholds and refuses what the verdicts block:
    ///
    ///   GET /registry/npm/{name}, /registry/npm/{name}/-/{file}.tgz
    ///   GET /registry/pypi/simple/{project}/, /registry/pypi/files/{project}/{file}
    ///
    /// Example: scioc serve --npm-upstream "$(npm config get registry)" --min-age 48h
    ///          npm install --registry http://127.0.0.1:8080/registry/npm/ left-pad
    ///
    /// Also, for the tools people already run (the feed's credentials, or open with
    /// --osv-anonymous):
    ///
    ///   POST /v1/query, POST /v1/querybatch, GET /v1/vulns/{id}     (OSV.dev's API)
    ///   GET|HEAD /osv/{ecosystems.txt,<Ecosystem>/all.zip,...}     (the OSV bucket layout)
    ///   GET|HEAD /lists/{safe-chain,datadog,scfw}/...               (install-time guard lists)
    ///
    /// Example: pip-audit -r requirements.txt --osv-url http://127.0.0.1:8080/v1/query
    ///
    /// Sources added with `scioc sources add` or [[sources]] in the config file are polled
    /// on their own intervals (scioc sources --help).
    ///
    /// The vendor's SDK speaks only HTTPS: use --tls-self-signed (clients trust
    /// DATA_DIR/tls/ca.pem) or --tls-cert/--tls-key. Stops gracefully on SIGTERM or Ctrl-C.
    #[command(verbatim_doc_comment)]
    Serve(Box<ServeArgs>),

    /// Load events into the feed.
    #[command(subcommand)]
    Ingest(IngestCommand),

    /// Manage the users who may read the feed.
    #[command(subcommand)]
    User(UserCommand),

    /// Reclassify what the feed announces under a hash or a purl.
    ///
    /// --fp --reason TEXT adds an FP event (not malicious after all) for each matching package
    /// whose latest event is still malicious; --threat-name NAME adds NEW_THREAT_NAME. A purl
    /// without a version matches every version. Fails when nothing matches.
    ///
    ///   scioc reclassify --purl pkg:npm/left-pad@1.3.0 --fp --reason "benign; report retracted"
    ///   scioc reclassify --sha256 e37d…67b0 --threat-name Script-JS.Stealer.SupplyChain
    #[command(verbatim_doc_comment)]
    Reclassify(ReclassifyArgs),

    /// Curate candidate IoCs: validate, promote into the data files and the feed, demote.
    #[command(subcommand)]
    Candidates(CandidatesCommand),

    /// Export data for other tools: ToolTrust files, offline OSV databases, guard lists.
    #[command(subcommand)]
    Export(ExportCommand),

    /// Manage the sources `scioc serve` polls on its own.
    ///
    /// Each source is read every interval, with conditional requests: an unchanged source
    /// costs one request and no import. Failures back off with jitter and never stop the
    /// server or the other sources. Nodes sharing one PostgreSQL database poll each source
    /// once per interval between them. Kinds:
    ///
    ///   osv      a local OSV tree, .zip or .tar.gz (re-read every interval), an http(s)://
    ///            URL of a zip, or an OSV bucket directory (modified_id.csv, all.zip, ID.json)
    ///   datadog  a DataDog-style manifest.json ({"name": null | ["1.0.0", ...]}), with
    ///            --ecosystem; a package that leaves the manifest is withdrawn (FP)
    ///   tooltrust  a local directory of ToolTrust data files (blacklist.json); an entry
    ///            that leaves the file is withdrawn (FP)
    ///   feed     another TCF-0701 feed, https://USER@host:port, mirrored as scioc sync does;
    ///            the password is read from SCIOC_SOURCE_PASSWORD_<NAME>, a CA bundle from
    ///            SCIOC_SOURCE_CA_<NAME> (NAME in upper case, - and . as _)
    ///
    ///   scioc sources add osv-npm --kind osv --location https://mirror.example/osv/npm/ --interval 5m
    ///   scioc sources add dd-npm --kind datadog --ecosystem npm --location /srv/dd/npm/manifest.json
    ///   scioc sources list
    ///
    /// Sources in the config file ([[sources]]) are added at every start of scioc serve.
    #[command(subcommand, verbatim_doc_comment)]
    Sources(SourcesCommand),

    /// Scan a project for known-malicious dependencies.
    ///
    /// Reads lockfiles, manifests, installed node_modules, SBOMs and package archives in the
    /// given files or directories (--recursive walks subdirectories, honouring .gitignore), and
    /// matches every package against the store (and any ToolTrust files given): known-malicious
    /// versions and ranges (AS-008), archive hashes (HASH) and indicators (AS-016). An FP in the
    /// feed suppresses what it covers; scioc-ignore.toml accepts reviewed findings until they
    /// expire. Nothing is executed and nothing leaves the machine.
    ///
    /// Exit codes: 0 no findings at or above --fail-on, 1 findings, 127 error, 128 no packages.
    #[command(verbatim_doc_comment)]
    Scan(ScanArgs),

    /// Analyse package archives for malicious behaviour, with no feed: what runs at install
    /// or import, what it reaches, and which files are malicious.
    ///
    /// Reads npm .tgz, PyPI wheels and sdists (.whl, .tar.gz, .zip), .gem and .crate archives,
    /// or an unpacked package directory, as data: nothing is extracted to disk or executed.
    /// JavaScript and TypeScript are parsed with oxc, Python with RustPython's parser; shell,
    /// batch and PowerShell files and npm's lifecycle scripts are read as commands. Rules find
    /// capabilities (network, processes, install hooks) and threats (download and execute,
    /// reverse shells, webhooks, credential stores, decode-then-eval, …); a capability alone
    /// never makes a verdict. Each malicious file is named as the feed names samples:
    /// Script-JS.Downloader.SupplyChain, with a threat level 1-5.
    ///
    ///   scioc analyze suspicious-pkg-1.0.0.tgz
    ///   scioc analyze --format json dist/*.whl > analysis.jsonl
    ///   scioc analyze --fail-on suspicious ./unpacked-package/
    ///   scioc analyze --format sarif pkg.tgz > analyze.sarif
    ///   scioc analyze --candidates draft.json evil-1.0.0.tgz   # then: scioc candidates validate draft.json
    ///
    /// A name one edit from a popular package's, a dependency from a URL and paste or file-drop
    /// hosts are rules too. `scioc ingest sample` announces what this finds malicious.
    ///
    /// Exit codes: 0 nothing at or above --fail-on, 1 found, 127 an archive could not be read.
    #[command(verbatim_doc_comment)]
    Analyze(AnalyzeArgs),

    /// Show what the store holds.
    Status(StatusArgs),

    /// List the indicators (domains, URLs, IPs, …) linked to malicious packages.
    Indicators(IndicatorsArgs),

    /// The registry firewall's records: what it refused, to whom and why.
    #[command(subcommand)]
    Firewall(FirewallCommand),

    /// Apply pending schema migrations to the store and list them.
    ///
    /// Servers apply pending migrations when they start, under a lock, so this is only needed
    /// to migrate ahead of a rollout or to check (--check) that nothing is pending.
    ///
    ///   scioc --database postgres://scioc@db/scioc migrate
    ///   scioc --database postgres://scioc@db/scioc migrate --check
    #[command(verbatim_doc_comment)]
    Migrate(MigrateArgs),

    /// Copy a whole store into an empty one, and verify the copy by checksum.
    ///
    /// Events keep their sequence numbers, times and renderings; users (with their password
    /// hashes), cursors, source records, indicators and claims come along. The target is written in
    /// one transaction: a failed copy leaves it empty. Afterwards the SHA-256 over every
    /// event (as `scioc status --digest`) and every other row are compared on both sides.
    /// Stop writers to the source first.
    ///
    ///   scioc copy --from sqlite://./scioc-data --to postgres://scioc@db:5432/scioc
    ///   scioc copy --from postgres://scioc@db:5432/scioc --to sqlite:///backups/2026-11-22
    #[command(verbatim_doc_comment)]
    Copy(CopyArgs),
    /// Print a shell completion script, made from these very definitions.
    ///
    ///   source <(scioc completions bash)                      # bash, this shell
    ///   scioc completions zsh > "${fpath[1]}/_scioc"          # zsh
    ///   scioc completions fish > ~/.config/fish/completions/scioc.fish
    #[command(verbatim_doc_comment)]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), made from these very definitions.
    ///
    ///   scioc man | man -l -
    ///   scioc man > /usr/local/share/man/man1/scioc.1
    #[command(verbatim_doc_comment)]
    Man,

    /// Talk to a remote feed (scioc or the vendor's): start a cursor, pull, query windows.
    #[command(subcommand)]
    Feed(FeedCommand),

    /// Mirror a remote feed into the local store, resumably, for offline scans and serving.
    ///
    /// Pages are committed one by one with the mirror's cursor, so an interrupted sync
    /// continues where it stopped and ends identical to an uninterrupted one. Shows events per
    /// second and how far the mirror is behind; --follow keeps it current. When caught up, it
    /// also mirrors a scioc server's curated rules and indicators, so `scioc scan` on the mirror
    /// finds exactly what it finds on the source.
    Sync(SyncArgs),
}

/// Where a remote feed is and how to trust and log in to it. The password comes from
/// SCIOC_PASSWORD or a prompt, never from a flag.
#[derive(Debug, Clone, ClapArgs)]
pub(crate) struct RemoteArgs {
    /// The feed server, https://host:port [config: remote.url]
    #[arg(long = "url", env = "SCIOC_URL", value_name = "URL")]
    pub(crate) url: Option<String>,
    /// User name [config: remote.user]
    #[arg(long, env = "SCIOC_USER", value_name = "NAME")]
    pub(crate) user: Option<String>,
    /// Trust only the CAs of this PEM bundle [config: remote.ca_cert]
    #[arg(long, env = "SCIOC_CA_CERT", value_name = "PEM")]
    pub(crate) ca_cert: Option<PathBuf>,
    /// Trust only the server certificate with this SHA-256 [config: remote.pin_sha256]
    #[arg(long, env = "SCIOC_PIN_SHA256", value_name = "HEX")]
    pub(crate) pin_sha256: Option<String>,
    /// Wire format; events come out the same either way
    #[arg(long, value_enum, default_value_t = WireFormat::Json)]
    pub(crate) wire: WireFormat,
}

/// The feed's wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum WireFormat {
    /// JSON
    Json,
    /// XML
    Xml,
}

/// How `scioc feed` prints events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum EventFormat {
    /// One JSON entry per line, as events arrive
    Jsonl,
    /// One JSON array
    Json,
    /// CSV with a header
    Csv,
    /// A table for people
    Table,
}

#[derive(Debug, Subcommand)]
pub(crate) enum FeedCommand {
    /// Put your cursor on the server at a time (or now), for `feed pull`.
    Start {
        /// How long ago: 90s, 30m, 24h, 7d, 2w
        #[arg(long, value_name = "DURATION", conflicts_with_all = ["utc", "timestamp"])]
        since: Option<String>,
        /// A time, YYYY-MM-DDThh:mm:ss (UTC)
        #[arg(long, value_name = "TIME", conflicts_with = "timestamp")]
        utc: Option<String>,
        /// A time, Unix seconds
        #[arg(long, value_name = "SECONDS")]
        timestamp: Option<i64>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Pull from your cursor until the feed is drained (or forever with --follow).
    Pull {
        /// Page size, 1 to 1000
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        /// Keep pulling; poll every --interval when drained
        #[arg(long)]
        follow: bool,
        /// Poll interval with --follow
        #[arg(long, value_name = "DURATION", default_value = "10s")]
        interval: String,
        /// Output format
        #[arg(long, short, value_enum, default_value_t = EventFormat::Jsonl)]
        format: EventFormat,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// The events of a time window, exactly: --last 24h, or --from T --to T (half-open).
    Query {
        /// The window ending now: 90s, 30m, 24h, 7d, 2w
        #[arg(long, value_name = "DURATION", conflicts_with_all = ["from", "to"], required_unless_present = "from")]
        last: Option<String>,
        /// Start, inclusive: YYYY-MM-DDThh:mm:ss or Unix seconds
        #[arg(long, value_name = "TIME", requires = "to")]
        from: Option<String>,
        /// End, exclusive: YYYY-MM-DDThh:mm:ss or Unix seconds
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// Only these event types (any case)
        #[arg(long, value_name = "TYPE", value_enum, ignore_case = true)]
        event_type: Vec<EventType>,
        /// Only these ecosystems (npm, PyPI, crates.io, … or purl types)
        #[arg(long, value_name = "ECOSYSTEM")]
        ecosystem: Vec<String>,
        /// Output format
        #[arg(long, short, value_enum, default_value_t = EventFormat::Jsonl)]
        format: EventFormat,
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

#[derive(Debug, ClapArgs)]
pub(crate) struct SyncArgs {
    /// The feed server to mirror (same as --url)
    #[arg(long = "from", value_name = "URL")]
    pub(crate) from: Option<String>,
    /// Keep the mirror current, polling every --interval
    #[arg(long)]
    pub(crate) follow: bool,
    /// Poll interval with --follow
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub(crate) interval: String,
    /// Page size, 1 to 1000
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) limit: u32,
    #[command(flatten)]
    pub(crate) remote: RemoteArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CandidatesCommand {
    /// Check candidate files against schema/ioc-candidates.schema.json and semantic rules.
    ///
    /// Reports every problem at once as FILE: /POINTER: what was expected, and exits 1 if any.
    Validate {
        /// Candidate files (JSON arrays)
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
    },
    /// Promote reviewed candidates into the data files and the feed.
    ///
    /// blacklist candidates go to blacklist.json (versions merged as a set) and announce each
    /// concrete version as NEW_MALICIOUS; npm_iocs candidates go to npm_iocs.json and the store's
    /// indicators; watch_only candidates are kept in watchlist.json. Unsupported combinations are
    /// skipped with the reason. Files are rewritten sorted and atomically; a second run changes
    /// nothing.
    #[command(verbatim_doc_comment)]
    Promote {
        /// Candidate files
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        /// Directory of blacklist.json, npm_iocs.json and watchlist.json
        #[arg(long = "files", env = "SCIOC_IOC_DIR", value_name = "DIR", default_value = "scioc-iocs")]
        dir: PathBuf,
        /// Show the diff it would make, change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Demote what was promoted and proved a false positive: out of the data files, FP in the feed.
    ///
    /// Name it by its indicator (--ecosystem, --type, --value: taken out of the watchlist,
    /// npm_iocs.json and, for a package name, blacklist.json), by a blacklist entry's id
    /// (--blacklist-id), or by candidate files. The report says what was removed.
    ///
    ///   scioc candidates demote --ecosystem npm --type domain --value cdn.example --reason "a CDN, benign"
    ///   scioc candidates demote --blacklist-id SCIOC-2026-0007 --reason "report retracted"
    ///   scioc candidates demote fp.json --reason "benign"
    #[command(verbatim_doc_comment)]
    Demote {
        /// Candidate files naming what to take out
        #[arg(value_name = "FILE", required_unless_present_any = ["value", "blacklist_id"], conflicts_with_all = ["value", "blacklist_id"])]
        files: Vec<PathBuf>,
        /// The indicator's ecosystem (npm, PyPI, …)
        #[arg(long, value_name = "ECOSYSTEM", requires_all = ["ioc_type", "value"])]
        ecosystem: Option<String>,
        /// The indicator's type (package_name, domain, url, script_pattern, dependency_name, …)
        #[arg(long = "type", value_name = "TYPE", requires_all = ["ecosystem", "value"])]
        ioc_type: Option<String>,
        /// The indicator's value
        #[arg(long, value_name = "VALUE", requires_all = ["ecosystem", "ioc_type"], conflicts_with = "blacklist_id")]
        value: Option<String>,
        /// The id of a blacklist.json entry: the entry and every version it announced
        #[arg(long, value_name = "ID")]
        blacklist_id: Option<String>,
        /// Directory of the data files
        #[arg(long = "files", env = "SCIOC_IOC_DIR", value_name = "DIR", default_value = "scioc-iocs")]
        dir: PathBuf,
        /// Why, kept with the FP events
        #[arg(long, default_value = "demoted as a false positive")]
        reason: String,
        /// Show the diff it would make, change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Draft watch_only candidates from OSV MAL- records in the store modified recently.
    FromOsv {
        /// 24h, 7d, 90m, or a date YYYY-MM-DD
        #[arg(long, value_name = "WHEN")]
        since: String,
        /// Only packages whose name matches this regular expression
        #[arg(long, value_name = "REGEX")]
        filter: Option<String>,
        /// Write the candidates here (default: stdout)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Directory of the data files, whose blacklisted versions are left out
        #[arg(long = "files", env = "SCIOC_IOC_DIR", value_name = "DIR", default_value = "scioc-iocs")]
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ExportCommand {
    /// Write the offline OSV databases: osv-scanner's and osv-scalibr's all.zip per
    /// ecosystem, the OSV bucket layout (ecosystems.txt, <Ecosystem>/all.zip,
    /// modified_id.csv, <ID>.json) and Renovate's osv-offline (osv-offline/), FPs and
    /// withdrawals applied. The same store gives byte-identical files.
    ///
    /// Examples:
    ///   scioc export osv --out ./osv-db
    ///   osv-scanner --offline --local-db-path ./osv-db …   (reads osv-scanner/<Ecosystem>/all.zip)
    ///   OSV_OFFLINE_ROOT_DIR=./osv-db/osv-offline OSV_OFFLINE_DISABLE_DOWNLOAD=true renovate …
    #[command(verbatim_doc_comment)]
    Osv {
        /// Output directory (created; files in it are replaced)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write the lists install-time guards read: Aikido safe-chain's malware lists
    /// (safe-chain/), DataDog manifests for scfw (datadog/<ecosystem>/manifest.json) and an
    /// scfw findings list (scfw/findings.yaml), FPs and withdrawals applied.
    Lists {
        /// Output directory (created; files in it are replaced)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write blacklist.json and npm_iocs.json from the store for the ToolTrust scanner, with
    /// candidates.json, which promotes back to the same files.
    Tooltrust {
        /// Output directory
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, ClapArgs)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["sha256", "sha1", "md5", "purl"])))]
#[command(group(clap::ArgGroup::new("change").required(true).args(["fp", "threat_name"])))]
pub(crate) struct ReclassifyArgs {
    /// Match entries whose package file has this SHA-256
    #[arg(long, value_name = "HEX")]
    pub(crate) sha256: Option<String>,
    /// Match entries whose package file has this SHA-1
    #[arg(long, value_name = "HEX")]
    pub(crate) sha1: Option<String>,
    /// Match entries whose package file has this MD5
    #[arg(long, value_name = "HEX")]
    pub(crate) md5: Option<String>,
    /// Match entries of this package URL (without a version: every version)
    #[arg(long, value_name = "PURL")]
    pub(crate) purl: Option<String>,
    /// Mark as a false positive (needs --reason)
    #[arg(long, requires = "reason")]
    pub(crate) fp: bool,
    /// Why it is a false positive, kept with the event
    #[arg(long, value_name = "TEXT")]
    pub(crate) reason: Option<String>,
    /// The new threat name
    #[arg(long, value_name = "NAME")]
    pub(crate) threat_name: Option<String>,
    /// The new threat level, 1 to 5 (with --threat-name)
    #[arg(long, value_name = "1-5", requires = "threat_name", value_parser = clap::value_parser!(u8).range(1..=5))]
    pub(crate) threat_level: Option<u8>,
}

#[derive(Debug, Clone, ClapArgs)]
pub(crate) struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "SCIOC_LISTEN", value_name = "ADDR")]
    pub(crate) listen: Option<SocketAddr>,

    /// PEM certificate chain for HTTPS (with --tls-key)
    #[arg(long, env = "SCIOC_TLS_CERT", value_name = "PEM", requires = "tls_key", conflicts_with = "tls_self_signed")]
    pub(crate) tls_cert: Option<PathBuf>,

    /// PEM private key for HTTPS (with --tls-cert)
    #[arg(long, env = "SCIOC_TLS_KEY", value_name = "PEM", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,

    /// Serve HTTPS with a certificate made once and kept in DATA_DIR/tls; clients trust
    /// DATA_DIR/tls/ca.pem
    #[arg(long, env = "SCIOC_TLS_SELF_SIGNED")]
    pub(crate) tls_self_signed: bool,

    /// Requests per second allowed to each user; more are answered 429 [default: no limit]
    #[arg(long, env = "SCIOC_RATE_LIMIT", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) rate_limit: Option<u32>,

    /// Requests a user may make at once above --rate-limit [default: 2 × rate]
    #[arg(long, env = "SCIOC_RATE_BURST", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) rate_burst: Option<u32>,

    /// Do not promote the built-in starter set of known incidents into an empty feed
    #[arg(long, env = "SCIOC_NO_STARTER_SET")]
    pub(crate) no_starter_set: bool,

    /// Largest upload the admin routes accept (OSV reports, archives), in bytes [default: 64 MiB]
    #[arg(long, env = "SCIOC_MAX_UPLOAD_BYTES", value_name = "BYTES")]
    pub(crate) max_upload_bytes: Option<usize>,

    /// Seconds a request may take before it is answered 408 [default: 30]
    #[arg(long, env = "SCIOC_REQUEST_TIMEOUT", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) request_timeout: Option<u64>,

    /// Most connections open at once; at the limit the longest-idle connection is closed for a
    /// new one, or the new one is answered 503 when all are busy. Always kept below the file
    /// descriptor limit [default: 10000]
    #[arg(long, env = "SCIOC_MAX_CONNECTIONS", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_connections: Option<u32>,

    /// Seconds a request's headers (and a TLS handshake) may take to arrive [default: 10]
    #[arg(long, env = "SCIOC_HEADER_TIMEOUT", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) header_timeout: Option<u64>,

    /// Seconds a keep-alive connection may stay idle between requests [default: 60]
    #[arg(long, env = "SCIOC_IDLE_TIMEOUT", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) idle_timeout: Option<u64>,

    /// A reverse proxy in front of scioc (an address or a CIDR network; repeat, or separate with
    /// commas): X-Forwarded-For is read from it, so the login throttle sees each client's own
    /// address. Without one the header is ignored [default: none]
    #[arg(long = "trusted-proxy", env = "SCIOC_TRUSTED_PROXIES", value_name = "CIDR", value_delimiter = ',')]
    pub(crate) trusted_proxies: Vec<scioc_server::TrustedProxies>,

    /// Serve the OSV API (/v1/), the OSV bucket (/osv/) and the guard lists (/lists/) without
    /// credentials, for read
    #[arg(long, env = "SCIOC_OSV_ANONYMOUS")]
    pub(crate) osv_anonymous: bool,

    /// Records per page of /v1/query and per result of /v1/querybatch [default: 1000]
    #[arg(long, env = "SCIOC_OSV_PAGE_SIZE", value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10000))]
    pub(crate) osv_page_size: Option<u64>,

    #[command(flatten)]
    pub(crate) firewall: FirewallArgs,
}

/// The registry firewall's flags, under their own heading.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Registry firewall (on when an upstream is given)")]
pub(crate) struct FirewallArgs {
    /// npm registry to proxy under /registry/npm/, e.g. $(npm config get registry); clients
    /// then use --registry http://HOST:PORT/registry/npm/
    #[arg(long, env = "SCIOC_NPM_UPSTREAM", value_name = "URL")]
    pub(crate) npm_upstream: Option<url::Url>,

    /// Python simple index to proxy under /registry/pypi/simple/ (pip's index-url; a
    /// user:password@ in it is sent as Basic credentials)
    #[arg(long, env = "SCIOC_PYPI_UPSTREAM", value_name = "URL")]
    pub(crate) pypi_upstream: Option<url::Url>,

    /// Withhold versions published less than this long ago (e.g. 48h, 2 days) [default: none]
    #[arg(long, env = "SCIOC_MIN_AGE", value_name = "DURATION")]
    pub(crate) min_age: Option<String>,

    /// Packages the --min-age cooldown does not apply to (npm names, Python projects); repeat
    /// or separate with commas
    #[arg(long, env = "SCIOC_MIN_AGE_EXEMPT", value_name = "NAME", value_delimiter = ',')]
    pub(crate) min_age_exempt: Vec<String>,

    /// When verdicts cannot be evaluated (store unreachable), serve with the last ones known
    /// instead of answering 503
    #[arg(long, env = "SCIOC_FAIL_OPEN")]
    pub(crate) fail_open: bool,

    /// Ask registry clients for the feed's credentials (Basic, or a Bearer token NAME:PASSWORD)
    #[arg(long, env = "SCIOC_FIREWALL_AUTH")]
    pub(crate) firewall_auth: bool,

    /// Upstream metadata kept in memory, in MiB [default: 128]
    #[arg(long, env = "SCIOC_FIREWALL_CACHE_MB", value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) firewall_cache_mb: Option<u64>,

    /// How long cached metadata is served before it is revalidated upstream [default: 60s]
    #[arg(long, env = "SCIOC_FIREWALL_FRESH_FOR", value_name = "DURATION")]
    pub(crate) firewall_fresh_for: Option<String>,

    /// Longest the upstream may take to connect or send more bytes before 504 [default: 30s]
    #[arg(long, env = "SCIOC_UPSTREAM_TIMEOUT", value_name = "DURATION")]
    pub(crate) upstream_timeout: Option<String>,

    /// How simple pages show a blocked file: yank (listed as yanked with the reason, so pip
    /// and uv print it when it is pinned; downloads are refused) or remove [default: yank]
    #[arg(long, env = "SCIOC_PYPI_BLOCKED", value_name = "HOW", value_parser = ["yank", "remove"])]
    pub(crate) pypi_blocked: Option<String>,

    /// Another origin archives may be downloaded from, besides the upstreams (PyPI serves its
    /// files from another host than its index); repeat or separate with commas. The firewall
    /// fetches from nothing else, whatever a page or a redirect names [default: none]
    #[arg(long = "download-origin", env = "SCIOC_DOWNLOAD_ORIGINS", value_name = "URL", value_delimiter = ',')]
    pub(crate) download_origins: Vec<url::Url>,

    /// A network the firewall may connect to although it is not public (loopback, private,
    /// link-local), for an upstream inside it, in CIDR notation; repeat or separate with
    /// commas [default: none: public addresses only]
    #[arg(long = "upstream-network", env = "SCIOC_UPSTREAM_NETWORKS", value_name = "CIDR", value_delimiter = ',')]
    pub(crate) upstream_networks: Vec<ipnet::IpNet>,

    /// Memory all requests together may hold for upstream metadata while they read, parse and
    /// filter it, in MiB; past it a request waits 5 s, then gets 503 [default: 512]
    #[arg(long, env = "SCIOC_FIREWALL_MEMORY_MB", value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) firewall_memory_mb: Option<u64>,

    /// Slowest an archive may arrive once --upstream-timeout has passed, in bytes a second;
    /// slower downloads are aborted [default: 4096]
    #[arg(long, env = "SCIOC_UPSTREAM_MIN_RATE", value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) upstream_min_rate: Option<u64>,

    /// How long the firewall's refusals are kept in the store [default: 90d]
    #[arg(long, env = "SCIOC_BLOCKS_RETENTION", value_name = "DURATION")]
    pub(crate) blocks_retention: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum IngestCommand {
    /// Load JSON Lines of entries (FILE, or - for stdin).
    ///
    /// Each line is one entry in the vendor's shape (event_type, md5, sha1, sha256, sha512,
    /// filename, sample_size, source_url, identity{…}, sample_list[…]) plus an optional
    /// `timestamp` (Unix seconds or YYYY-MM-DDThh:mm:ss; default now).
    ///
    /// Every line is checked first; any bad line is reported as FILE:LINE: field: problem and
    /// the whole file is refused, so nothing is half-imported. A timestamp older than the
    /// feed's newest event is refused: the feed never goes back in time.
    Entries {
        /// JSON Lines file, or - for stdin
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },

    /// Import OSV malicious-package reports (MAL- records), incrementally.
    ///
    /// SOURCE is a directory tree laid out like the OpenSSF repository (osv/malicious/**,
    /// osv/withdrawn/**) or any directory of OSV JSON files, a .zip such as OSV.dev's
    /// per-ecosystem all.zip, a .tar.gz, or an http(s):// URL of such a zip.
    ///
    /// Each explicit affected version becomes one NEW_MALICIOUS event; a package with no version
    /// listed becomes one event without a version. Re-importing unchanged data adds nothing; new
    /// versions add events for those only; a withdrawn record (or one moved to osv/withdrawn/)
    /// adds an FP for everything it had announced; a new summary adds NEW_THREAT_NAME.
    /// A first import into an empty feed dates events by each record's publication time;
    /// later imports date them now. Network indicators (iocs) are stored for the scanner.
    /// A malformed record is reported with its path and reason and skipped (--strict refuses
    /// the import instead). The whole import commits in one transaction: a kill leaves the
    /// store as it was, and a re-run completes the import.
    #[command(verbatim_doc_comment)]
    Osv {
        /// Directories, .zip or .tar.gz files, or http(s) URLs
        #[arg(value_name = "SOURCE", required = true)]
        sources: Vec<String>,
        /// Read and compare everything, report what would change, store nothing
        #[arg(long)]
        dry_run: bool,
        /// Refuse the whole import when any record is invalid (default: skip those, with reasons)
        #[arg(long)]
        strict: bool,
    },

    /// Add malicious package archives to the feed, named by the package analyser.
    ///
    /// Reads npm .tgz, PyPI .whl/.tar.gz/.zip, RubyGems .gem and crates .crate files as hostile
    /// input: nothing is extracted or executed; an entry climbing out of the archive, a link
    /// pointing outside it, or an archive bomb is refused. The identity comes from the manifest
    /// inside (package.json, METADATA/PKG-INFO, gem metadata, Cargo.toml) unless --purl is given.
    ///
    /// Each archive is analysed (as `scioc analyze` does) and becomes one NEW_MALICIOUS event
    /// whose sample_list holds the archive and each file the analyser names malicious, with
    /// its hashes, threat name (Script-JS.Downloader.SupplyChain) and level. The store keeps
    /// every file's hashes. An archive the analyser finds clean or only suspicious is refused
    /// unless --force; then every file is listed. All archives are read before any is stored.
    ///
    /// Examples:
    ///   scioc ingest sample evil-1.0.0.tgz
    ///   scioc ingest sample --threat-name Script-JS.Backdoor.SupplyChain evil-1.0.0.tgz
    ///   scioc ingest sample --force --purl pkg:npm/evil@1.0.0 reported.tgz
    #[command(verbatim_doc_comment)]
    Sample {
        /// Archives
        #[arg(value_name = "ARCHIVE", required = true)]
        archives: Vec<PathBuf>,
        /// Package URL, overriding the manifest (one archive only)
        #[arg(long, value_name = "PURL")]
        purl: Option<String>,
        /// Threat name of every sample, over the analyser's
        #[arg(long, value_name = "NAME")]
        threat_name: Option<String>,
        /// Threat level of every sample, over the analyser's
        #[arg(long, value_name = "1-5", value_parser = clap::value_parser!(u8).range(1..=5))]
        threat_level: Option<u8>,
        /// Announce archives the analyser finds clean or suspicious, listing every file
        #[arg(long)]
        force: bool,
        /// Where the archive was downloaded from (one archive only)
        #[arg(long, value_name = "URL")]
        source_url: Option<String>,
        /// Most entries an archive may hold
        #[arg(long, value_name = "N", default_value_t = Limits::default().max_entries)]
        max_files: u64,
        /// Most bytes an archive may expand to
        #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_expanded)]
        max_expanded: u64,
        /// Highest expansion ratio (checked past 16 MiB expanded)
        #[arg(long, value_name = "N", default_value_t = Limits::default().max_ratio)]
        max_ratio: u64,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SourcesCommand {
    /// Add a source, or change the one of that name.
    Add {
        /// Its name: letters, digits and - _ .
        name: String,
        /// What it is: osv, datadog, tooltrust or feed
        #[arg(long)]
        kind: String,
        /// Where it is: an http(s):// URL or a local path
        #[arg(long)]
        location: String,
        /// The ecosystem of a datadog manifest's packages (npm, PyPI, …)
        #[arg(long)]
        ecosystem: Option<String>,
        /// Time between polls
        #[arg(long, default_value = "5m")]
        interval: String,
        /// Longest one poll may take
        #[arg(long, default_value = "10m")]
        timeout: String,
    },
    /// List the sources and what their polls found: last success, last error, records, lag.
    List {
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Remove a source (what it announced stays in the feed).
    Remove {
        /// Its name
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Add a user (the password is read from stdin or prompted for; never from a flag).
    Add {
        /// User name: letters, digits and . _ @ -
        name: String,
        /// What the user may do: reader and admin read the feed; disabled is refused (403)
        #[arg(long, value_enum, default_value_t = Role::Reader)]
        role: Role,
        /// Read the password from the first line of stdin
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List {
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Remove a user and their cursor.
    Remove {
        /// User name
        name: String,
    },
    /// Change a user's password.
    Passwd {
        /// User name
        name: String,
        /// Read the password from the first line of stdin
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a user's role (keeps their cursor).
    Role {
        /// User name
        name: String,
        /// The new role
        #[arg(value_enum)]
        role: Role,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListFormat {
    /// A table for people
    Table,
    /// JSON for machines
    Json,
}

/// How `scioc scan` writes its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ScanFormat {
    /// Findings grouped by severity, coloured on a terminal
    Table,
    /// The stable scioc-scan/1 document (docs/scan.md)
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// Markdown, for pull-request comments
    Markdown,
}

#[derive(Debug, ClapArgs)]
#[command(after_long_help = SCAN_HELP)]
pub(crate) struct ScanArgs {
    /// Files or directories [default: .]
    ///
    /// Directories are searched for lockfiles and manifests (honouring .gitignore) and their
    /// installed node_modules tree; files are read as they are, package archives (.tgz, .whl,
    /// .tar.gz, .zip, .gem, .crate) included.
    #[arg(value_name = "PATH", verbatim_doc_comment)]
    pub(crate) paths: Vec<PathBuf>,
    /// Walk subdirectories too
    #[arg(long, short)]
    pub(crate) recursive: bool,
    /// Output format [default: table] [config: scan.format]
    #[arg(long, short, value_enum, env = "SCIOC_SCAN_FORMAT")]
    pub(crate) format: Option<ScanFormat>,
    /// Write the report to FILE (atomically) instead of standard output
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Lowest severity that fails the scan (exit 1) [default: low] [config: scan.fail_on]
    #[arg(long, value_name = "SEVERITY", env = "SCIOC_FAIL_ON", value_enum)]
    pub(crate) fail_on: Option<Severity>,
    /// Also match against a ToolTrust blacklist.json (rule AS-008)
    #[arg(long, value_name = "FILE")]
    pub(crate) blacklist: Option<PathBuf>,
    /// Also match against a ToolTrust npm_iocs.json (rule AS-016)
    #[arg(long, value_name = "FILE")]
    pub(crate) iocs: Option<PathBuf>,
    /// Accepted findings [default: scioc-ignore.toml in the first directory scanned, else in the
    /// current directory] [config: scan.ignore_file]
    #[arg(long, value_name = "FILE", env = "SCIOC_IGNORE_FILE")]
    pub(crate) ignore_file: Option<PathBuf>,
}

/// `scioc analyze`.
#[derive(Debug, clap::Args)]
pub(crate) struct AnalyzeArgs {
    /// Package archives or unpacked package directories
    #[arg(value_name = "PATH", required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// Output format: a table for people, one JSON object per archive per line, or one SARIF
    /// 2.1.0 log for code scanning
    #[arg(long, short, value_enum, default_value = "table")]
    pub(crate) format: AnalyzeFormat,
    /// Lowest verdict that fails (exit 1)
    #[arg(long, value_enum, default_value = "malicious")]
    pub(crate) fail_on: AnalyzeFailOn,
    /// Also write a draft candidate file (the curation schema) for what was found: the package
    /// version for the blacklist and the indicators, `watch_only` unless the evidence is strong.
    /// Review it, then `scioc candidates validate` and `promote`
    #[arg(long, value_name = "FILE")]
    pub(crate) candidates: Option<PathBuf>,
}

/// `scioc analyze --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AnalyzeFormat {
    /// A table per archive, with evidence.
    Table,
    /// One JSON object per archive per line.
    Json,
    /// One SARIF 2.1.0 log for all archives.
    Sarif,
}

/// `scioc analyze --fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AnalyzeFailOn {
    /// Fail on suspicious and malicious packages.
    Suspicious,
    /// Fail on malicious packages only.
    Malicious,
}

const SCAN_HELP: &str = "\
What is read:
  npm       package-lock.json (v1-v3), npm-shrinkwrap.json, yarn.lock (classic and Berry),
            pnpm-lock.yaml (5.x-9.x), bun.lock, package.json, node_modules/
  Python    requirements*.txt, poetry.lock, Pipfile.lock, uv.lock, pylock.toml
  Rust      Cargo.lock          Ruby   Gemfile.lock
  SBOMs     CycloneDX JSON (bom.json, *.cdx.json), SPDX JSON (*.spdx.json)
  archives  given by path: matched by hash and by the manifest inside

Rules:
  AS-008  a known-malicious version: feed versions, the exact OSV ranges of a report (e.g.
          MAL-2023-462 covers fsevents 1.0.0 up to 1.2.11, not 2.3.3), curated ranges;
          FP reclassifications suppress
  HASH    a lockfile integrity/--hash/checksum equal to a known-malicious archive
  AS-016  an indicator: package or dependency name, lifecycle-script pattern, domain (the host
          or a subdomain of it), URL, IP, or archive SHA-256

Data: the local store (--data-dir; on a `scioc sync` mirror, the source's curated rules and
indicators too), plus ToolTrust files given with --blacklist/--iocs.

Exit codes: 0 nothing at or above --fail-on, 1 findings, 127 error, 128 no packages found.

Examples:
  scioc scan                              # the current directory
  scioc scan -r . --format sarif -o scioc.sarif
  scioc scan --fail-on high --format markdown > comment.md
  scioc scan --blacklist blacklist.json --iocs npm_iocs.json package-lock.json
  scioc scan ./evil-1.0.0.tgz
";

#[derive(Debug, ClapArgs)]
pub(crate) struct StatusArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub(crate) format: ListFormat,
    /// Also print a SHA-256 over every event, to compare two stores
    #[arg(long)]
    pub(crate) digest: bool,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct MigrateArgs {
    /// Apply nothing; exit 1 if any migration is pending
    #[arg(long)]
    pub(crate) check: bool,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct CopyArgs {
    /// The store to read: sqlite://DATA_DIR or postgres://…
    #[arg(long, value_name = "URL")]
    pub(crate) from: String,
    /// The empty store to fill: sqlite://DATA_DIR or postgres://…
    #[arg(long, value_name = "URL")]
    pub(crate) to: String,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct IndicatorsArgs {
    /// Output format: a compact table for people, or every field as JSON or CSV
    #[arg(long, value_enum, default_value_t = IndicatorsFormat::Table)]
    pub(crate) format: IndicatorsFormat,
    /// Only this kind (domain, url, ip, package_name, script_pattern, …)
    #[arg(long, value_name = "KIND")]
    pub(crate) kind: Option<String>,
    /// Only indicators linked to this ecosystem (npm, PyPI, …)
    #[arg(long, value_name = "ECOSYSTEM")]
    pub(crate) ecosystem: Option<String>,
    /// Only indicators linked to this package
    #[arg(long, value_name = "NAME")]
    pub(crate) package: Option<String>,
    /// Only indicators from this source (osv, curation, tooltrust:…)
    #[arg(long, value_name = "SOURCE")]
    pub(crate) source: Option<String>,
    /// Only indicators whose value contains this text (any case)
    #[arg(long, value_name = "TEXT")]
    pub(crate) contains: Option<String>,
    /// At most this many
    #[arg(long, value_name = "N")]
    pub(crate) limit: Option<usize>,
}

/// How `scioc indicators` writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum IndicatorsFormat {
    /// A compact table for people: kind, value (shortened), package, source
    Table,
    /// JSON for machines, every field
    Json,
    /// CSV with a header row, every field
    Csv,
}

/// `scioc firewall blocks --kind`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum BlockKindArg {
    /// Downloads refused (403) or aborted because of their bytes.
    Refused,
    /// Versions withheld from the metadata a client asked for.
    Withheld,
}

impl From<BlockKindArg> for scioc_store::BlockKind {
    fn from(k: BlockKindArg) -> Self {
        match k {
            BlockKindArg::Refused => scioc_store::BlockKind::Refused,
            BlockKindArg::Withheld => scioc_store::BlockKind::Withheld,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum FirewallCommand {
    /// List what the firewall refused (oldest first): downloads it refused (403, or aborted
    /// because of their bytes), every one of them, and versions it withheld from metadata, the
    /// repeats from one client within 60 s folded into one row with a count. Each row has the
    /// rule, the reference of the report behind it (MAL-…, GHSA-…) and the reason.
    ///
    /// Rows older than --blocks-retention (default 90d) are deleted by `scioc serve`.
    ///
    /// Example: scioc firewall blocks --since 24h --kind refused --format json
    Blocks(BlocksArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct BlocksArgs {
    /// Only refusals since then: how long ago (24h, 7d, 90m) or a time (YYYY-MM-DD,
    /// YYYY-MM-DDThh:mm:ss, Unix seconds), as the admin API's ?since= reads it [default: all]
    #[arg(long, value_name = "WHEN")]
    pub(crate) since: Option<String>,

    /// Most refusals listed
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) limit: u32,

    /// Only refused downloads, or only versions withheld from metadata [default: both]
    #[arg(long, value_enum, value_name = "KIND")]
    pub(crate) kind: Option<BlockKindArg>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub(crate) format: ListFormat,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cli_is_well_formed() {
        use clap::CommandFactory;
        super::Args::command().debug_assert();
    }

    #[test]
    fn store_options_show_only_where_a_store_is_opened() {
        // The help as `scioc PATH --help` prints it.
        let help = |path: &[&str]| {
            let argv = [&["scioc"][..], path, &["--help"]].concat();
            let e = super::command().try_get_matches_from(argv).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
            e.render().to_string()
        };
        for path in [&["feed"][..], &["feed", "pull"], &["completions"], &["man"]] {
            let h = help(path);
            assert!(!h.contains("--data-dir") && !h.contains("--database") && !h.contains("Store:"), "{path:?}: {h}");
            assert!(h.contains("--config"), "other global options stay: {path:?}");
        }
        for path in [&["scan"][..], &["serve"], &["user", "add"], &["status"]] {
            let h = help(path);
            assert!(
                h.contains("Store:") && h.contains("--data-dir") && h.contains("--database <URL>"),
                "{path:?}: {h}"
            );
        }
        // Still accepted where hidden, as a global option is.
        use clap::FromArgMatches;
        for argv in [&["scioc", "--data-dir", "/x", "feed", "pull"][..], &["scioc", "feed", "pull", "--data-dir", "/x"]]
        {
            let m = super::command().try_get_matches_from(argv).unwrap();
            let args = super::Args::from_arg_matches(&m).unwrap();
            assert_eq!(args.data_dir, Some("/x".into()), "{argv:?}");
        }
    }
}
