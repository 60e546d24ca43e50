//! The web console at `/`, rendered by a real browser: Debian's headless Chromium (installed by
//! `.ci/clients.sh`). Each rendering's DOM is asserted on, and a screenshot of each is left in
//! the test's output directory (`target/tmp/console/`).
//!
//! The console works without JavaScript because it has none: the test asserts that the page
//! holds no script and that its `Content-Security-Policy` (`default-src 'none'`, no
//! `script-src`) would refuse to run one, so what Chromium renders here is what a browser with
//! scripts off renders. (Chromium's own switch for that, `--blink-settings=scriptEnabled=false`,
//! also stops `--dump-dom` from reading the page, so it cannot be used here.)

use crate::support::{PASSWORD, Scioc};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// Debian's Chromium, or `SCIOC_CHROMIUM`.
fn chromium() -> PathBuf {
    let path = std::env::var_os("SCIOC_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.exists(),
        "{} is missing: install Debian's chromium package (`bash .ci/clients.sh` does)",
        path.display()
    );
    path
}

/// Where the screenshots go.
fn output_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium on `url` with `what` (`--dump-dom`, or
/// `--screenshot=PATH`), returning its stdout.
fn browse(url: &str, what: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1280,2000",
            "--timeout=20000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(what)
        .arg(url)
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium {what} {url}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The DOM Chromium rendered for `path`, signed in as `user`.
fn dom(base: &str, user: &str, path: &str) -> scraper::Html {
    scraper::Html::parse_document(&browse(&with_credentials(base, user, path), "--dump-dom"))
}

/// A screenshot of `path` as `user`, saved as `name` in the output directory.
fn screenshot(base: &str, user: &str, path: &str, name: &str) -> PathBuf {
    let file = output_dir().join(name);
    let _ = std::fs::remove_file(&file);
    browse(&with_credentials(base, user, path), &format!("--screenshot={}", file.display()));
    let png = std::fs::read(&file).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", file.display()));
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "{} is not a rendered page", file.display());
    println!("screenshot: {}", file.display());
    file
}

fn with_credentials(base: &str, user: &str, path: &str) -> String {
    base.replacen("http://", &format!("http://{user}:{PASSWORD}@"), 1) + path
}

fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&scraper::Selector::parse(css).unwrap()).collect()
}

fn text(e: &scraper::ElementRef<'_>) -> String {
    e.text().flat_map(str::split_whitespace).collect::<Vec<_>>().join(" ")
}

fn one_text(doc: &scraper::Html, css: &str) -> String {
    let found = select(doc, css);
    let results: Vec<String> = select(doc, "#results").iter().map(text).collect();
    assert_eq!(found.len(), 1, "one {css} in the page; the results say {results:?}");
    text(&found[0])
}

fn osv_record(id: &str, ecosystem: &str, name: &str, version: &str, published: &str, withdrawn: Option<&str>) -> Value {
    let mut v = json!({
        "schema_version": "1.5.0", "id": id, "modified": withdrawn.unwrap_or(published), "published": published,
        "summary": format!("Malicious code in {name} ({ecosystem})"),
        "references": [{"type": "REPORT", "url": format!("https://example.invalid/reports/{id}")}],
        "affected": [{"package": {"ecosystem": ecosystem, "name": name}, "versions": [version]}]
    });
    if let Some(w) = withdrawn {
        v["withdrawn"] = json!(w);
    }
    v
}

#[tokio::test]
async fn the_console_shows_the_feed_answers_searches_without_javascript_and_shows_admins_users_and_cursors() {
    let s = Scioc::new();
    s.add_user("ana", "admin");
    s.add_user("rita", "reader");
    let osv = s.dir.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    let write = |r: &Value| {
        std::fs::write(osv.join(format!("{}.json", r["id"].as_str().unwrap())), r.to_string()).unwrap();
    };
    write(&osv_record("MAL-2026-9001", "npm", "console-evil", "1.0.0", "2026-11-20T08:00:00Z", None));
    write(&osv_record("MAL-2026-9002", "PyPI", "console-snake", "2.0.0", "2026-11-21T08:00:00Z", None));
    write(&osv_record("MAL-2026-9003", "npm", "console-gone", "1.0.0", "2026-11-21T09:00:00Z", None));
    s.ok(&["ingest", "osv", osv.to_str().unwrap()], "");
    // An archive the feed knows by its hash.
    s.ingest(&[crate::support::entry(7, "2026-11-22T12:00:00")]);
    write(&osv_record(
        "MAL-2026-9003",
        "npm",
        "console-gone",
        "1.0.0",
        "2026-11-21T09:00:00Z",
        Some("2026-11-22T10:00:00Z"),
    ));
    s.ok(&["ingest", "osv", osv.to_str().unwrap()], "");
    // A polled source, so the console has one to show with its lag.
    let tt = s.dir.path().join("tooltrust");
    std::fs::create_dir_all(&tt).unwrap();
    std::fs::write(
        tt.join("blacklist.json"),
        json!([{"id": "TT-9", "component": "tt-console-evil", "ecosystem": "npm", "affected_versions": ["3.0.0"],
                "action": "BLOCK", "severity": "CRITICAL", "reason": "seen in an incident"}])
        .to_string(),
    )
    .unwrap();
    s.ok(&["sources", "add", "tt", "--kind", "tooltrust", "--location", tt.to_str().unwrap(), "--interval", "1s"], "");

    let server = s.serve(&[]);
    let base = server.url.clone();
    let http = server.client();
    // The source's first read: its blacklist entry becomes a record of the feed.
    let store = s.store().await;
    let started = Instant::now();
    while store.feed_sources().await.unwrap()[0].status.last_success.is_none() {
        assert!(started.elapsed() < Duration::from_secs(30), "the source was never read");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Rita starts a cursor at the feed's beginning and pulls one page of two.
    let rita = http.as_user("rita");
    assert_eq!(rita.put("/api/feed/supply_chain/ioc/v1/query/start/utc/2026-11-01T00:00:00").await.status(), 200);
    let pulled = rita.page("/api/feed/supply_chain/ioc/v1/query/pull?format=json&limit=2").await;
    assert_eq!(pulled.rl.supply_chain_ioc_feed.entries.len(), 2);

    // Authenticated like the feed: no credentials, a challenge; a wrong password, refused.
    let anonymous = http.get("/").await;
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    let wrong = http.request(reqwest::Method::GET, "/").basic_auth("rita", Some("nope")).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    // Nothing beyond the page and its style sheet may load, and nothing may run.
    let page = rita.get("/").await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("style-src 'self'") && !csp.contains("script-src"));
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let body = page.text().await.unwrap();
    assert!(!body.contains("<script"), "the console runs no script");
    assert!(!body.contains(" src=\"http"), "and nothing is fetched from elsewhere");
    assert_eq!(http.get("/console.css").await.status(), 200, "the style sheet is served from the binary");

    let reader = dom(&base, "rita", "/");
    let events = store.stats().await.unwrap().events;
    let all: Vec<String> = select(&reader, "#newest tbody tr").iter().map(text).collect();
    assert_eq!(
        events, 6,
        "{all:#?}: three announcements and a withdrawal from OSV, an archive, one announcement from the source"
    );
    assert_eq!(one_text(&reader, "#events"), events.to_string());
    assert!(one_text(&reader, "header .who").contains("rita (reader)"));
    // The charts: every event of the window, split by type and by ecosystem.
    let charts = select(&reader, "figure.chart svg");
    assert_eq!(charts.len(), 2);
    for chart in &charts {
        let label = chart.value().attr("aria-label").unwrap();
        // The window ends with the newest event's day: today, when the source's record came.
        let today = &scioc_model::FeedTime::now().to_utc_string()[..10];
        assert!(label.ends_with(&format!("to {today}: 6 events")), "{label}");
    }
    let parts = |chart: &scraper::ElementRef<'_>, series: &str| -> u64 {
        chart
            .select(&scraper::Selector::parse(&format!("rect[data-series={series:?}]")).unwrap())
            .map(|r| r.value().attr("data-count").unwrap().parse::<u64>().unwrap())
            .sum()
    };
    assert_eq!((parts(&charts[0], "NEW_MALICIOUS"), parts(&charts[0], "FP")), (5, 1));
    assert_eq!((parts(&charts[1], "npm"), parts(&charts[1], "pypi")), (5, 1));
    let day = select(&reader, "figure.chart:first-of-type g[data-day='2026-11-21']");
    assert_eq!(day[0].value().attr("data-total"), Some("2"), "two announcements on the 21st");
    // The newest events, newest first.
    let rows: Vec<String> = select(&reader, "#newest tbody tr").iter().map(text).collect();
    assert_eq!(rows.len(), 6);
    assert!(rows[0].contains("tt-console-evil") && rows[0].contains("TOOLTRUST-TT-9"), "{rows:?}");
    assert!(rows[1].contains("FP") && rows[1].contains("console-gone"), "{rows:?}");
    assert!(rows[5].contains("NEW_MALICIOUS") && rows[5].contains("console-evil") && rows[5].contains("MAL-2026-9001"));
    // The source with its lag, and no admin sections for a reader.
    assert!(one_text(&reader, "tr[data-source=tt]").contains("tooltrust"));
    let lag = select(&reader, "tr[data-source=tt] td[data-lag-secs]");
    let lag: i64 = lag[0].value().attr("data-lag-secs").unwrap().parse().unwrap();
    assert!((0..10).contains(&lag), "read within the last seconds: {lag}");
    assert!(select(&reader, "#users, #cursors, #blocks").is_empty(), "a reader sees no users or cursors");
    assert!(select(&reader, "tr[data-source=tt] code").is_empty(), "nor where sources are read from");
    screenshot(&base, "rita", "/", "console-reader.png");

    // The search is a GET form: what a browser without JavaScript submits is this URL.
    let form = select(&reader, "form[role=search]");
    assert_eq!((form[0].value().attr("method"), form[0].value().attr("action")), (Some("get"), Some("/")));
    assert_eq!(select(&reader, "form[role=search] input[name=q]").len(), 1);
    assert_eq!(select(&reader, "form[role=search] select[name=ecosystem] option").len(), 11);

    // A malicious version: its verdict, severity and references.
    let found = dom(&base, "rita", "/?q=console-evil%401.0.0&ecosystem=npm&days=30");
    let article = select(&found, "#results article");
    assert_eq!(article.len(), 1);
    assert_eq!(article[0].value().attr("data-verdict"), Some("malicious"));
    let verdict = one_text(&found, "#results table.verdicts tbody");
    assert!(
        verdict.contains("AS-008") && verdict.contains("critical") && verdict.contains("MAL-2026-9001"),
        "{verdict}"
    );
    let links: Vec<&str> = select(&found, "#results a.record").iter().filter_map(|a| a.value().attr("href")).collect();
    assert!(links.contains(&"/v1/vulns/MAL-2026-9001"), "{links:?}");
    assert!(one_text(&found, "#results details").contains("https://example.invalid/reports/MAL-2026-9001"));
    assert_eq!(
        select(&found, "#q")[0].value().attr("value"),
        Some("console-evil@1.0.0"),
        "the search stays in its box"
    );
    screenshot(&base, "rita", "/?q=console-evil%401.0.0&ecosystem=npm", "console-search.png");
    // Every record link leads to the record.
    for href in &links {
        assert_eq!(rita.get(href).await.status(), 200, "{href}");
    }
    // A purl, in any ecosystem; a name alone in every ecosystem; a curated rule from the source.
    let purl = dom(&base, "rita", "/?q=pkg%3Apypi%2Fconsole-snake%402.0.0");
    assert!(one_text(&purl, "#results article[data-verdict=malicious] h3").contains("PyPI console-snake@2.0.0"));
    let bare = dom(&base, "rita", "/?q=console-snake");
    let articles = select(&bare, "#results article");
    assert_eq!(articles.len(), 1, "only the ecosystem that knows it");
    assert!(text(&articles[0]).contains("MAL-2026-9002"));
    let curated = dom(&base, "rita", "/?q=tt-console-evil%403.0.0&ecosystem=npm");
    assert!(one_text(&curated, "#results table.verdicts").contains("TOOLTRUST-TT-9"));
    for page in [&purl, &bare, &curated] {
        for href in select(page, "a.record").iter().filter_map(|a| a.value().attr("href")) {
            assert_eq!(rita.get(href).await.status(), 200, "every record linked is served: {href}");
        }
    }
    // An archive's hash: the feed's event on it.
    let hash = dom(&base, "rita", &format!("/?q={:064x}", 7));
    let verdict = one_text(&hash, "#results article[data-verdict=malicious] table.verdicts");
    assert!(verdict.contains("HASH") && verdict.contains("is the archive of a known-malicious package"), "{verdict}");
    assert!(one_text(&hash, "#results details").contains("pkg:npm/pkg-7@1.0.0"));
    // A withdrawn report: no verdict, and its history says why.
    let gone = dom(&base, "rita", "/?q=pkg%3Anpm%2Fconsole-gone%401.0.0");
    let article = select(&gone, "#results article");
    assert_eq!(article[0].value().attr("data-verdict"), Some("none"));
    let history: Vec<String> = select(&gone, "#results details tbody tr").iter().map(text).collect();
    assert!(history[0].contains("FP") && history[1].contains("NEW_MALICIOUS"), "{history:?}");
    // Unknown, and unreadable: said plainly, never as a result.
    let unknown = dom(&base, "rita", "/?q=left-pad%401.3.0");
    assert!(one_text(&unknown, "#results p.none").contains("in any of the 10 ecosystems"));
    let hostile = dom(&base, "rita", "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&ecosystem=npm");
    assert!(select(&hostile, "script").is_empty(), "a search is text, never markup");
    assert_eq!(one_text(&hostile, "#results h2 q"), "<script>alert(1)</script>", "shown as the text it is");
    let spaced = dom(&base, "rita", "/?q=a+b+c&ecosystem=npm");
    assert!(one_text(&spaced, "#results p.error").contains("is not a package"));
    let bad_purl = dom(&base, "rita", "/?q=pkg%3Adeb%2Fdebian%2Fcurl%407");
    assert!(one_text(&bad_purl, "#results p.error").contains("purl type \"deb\""));

    // An admin sees users and cursors: Rita's stands after the two events she pulled.
    s.await_delivered("rita", 2).await;
    let admin = dom(&base, "ana", "/");
    assert!(one_text(&admin, "header .who").contains("ana (admin)"));
    let users: Vec<&str> =
        select(&admin, "#users tr[data-user]").iter().filter_map(|r| r.value().attr("data-user")).collect();
    assert_eq!(users, ["ana", "rita"]);
    let cursor = one_text(&admin, "#cursors tr[data-cursor=rita]");
    assert!(cursor.starts_with("rita seq 2 4 "), "delivered up to seq 2, four events behind: {cursor}");
    assert!(one_text(&admin, "tr[data-source=tt] code").contains("tooltrust"), "admins see where a source is read");
    screenshot(&base, "ana", "/", "console-admin.png");
    drop(server);
}
