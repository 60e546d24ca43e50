//! The console's HTML. [`maud`] escapes every value it splices, so nothing read from the
//! feed (a package name, a threat name, a reference) can become markup.

use super::{
    AdminView, EventLine, Page, STYLE_PATH, Searched, WINDOWS,
    chart::{self, Split},
    search::Judged,
};
use maud::{DOCTYPE, Markup, html};
use scioc_model::FeedTime;
use scioc_osv::ECOSYSTEMS;

/// The whole page.
pub(super) fn page(p: &Page) -> Markup {
    let header = html! {
        h1 { "scioc" }
        p.who { "signed in as " strong { (p.caller.0.as_str()) } " (" (p.caller.1) ")" }
    };
    let main = html! {
        (search_form(p))
        @if let Some(s) = &p.search { (results(s)) }
        (feed(p))
        (newest(&p.newest))
        (sources(p))
        @if let Some(a) = &p.admin { (admin(a, p)) }
    };
    document("scioc console", header, main)
}

/// One console document: the shared head and footer around a page's header and main content.
fn document(title: &str, header: Markup, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href=(STYLE_PATH);
            }
            body {
                header { (header) }
                main { (main) }
                footer {
                    "The feed: " code { "/api/feed/supply_chain/ioc/v1/" } " · "
                    a href="/openapi.json" { "OpenAPI" } " · " a href="/health" { "health" } " · "
                    a href="/metrics" { "metrics" }
                }
            }
        }
    }
}

fn search_form(p: &Page) -> Markup {
    let (q, eco) = p.search.as_ref().map_or(("", ""), |s| (s.q.as_str(), s.ecosystem.as_str()));
    html! {
        section #search {
            h2 { "Look up a package" }
            form method="get" action="/" role="search" {
                label for="q" { "Package, purl or hash" }
                input #q type="search" name="q" value=(q) maxlength=(super::search::MAX_QUERY)
                    placeholder="left-pad@1.3.0 · pkg:pypi/requests@2.31.0 · a SHA-256" required;
                label for="ecosystem" { "Ecosystem" }
                select #ecosystem name="ecosystem" {
                    option value="" selected[eco.is_empty()] { "any" }
                    @for e in ECOSYSTEMS { option value=(e) selected[eco == e] { (e) } }
                }
                input type="hidden" name="days" value=(p.days);
                button type="submit" { "Look up" }
            }
        }
    }
}

fn results(s: &Searched) -> Markup {
    html! {
        section #results aria-live="polite" {
            h2 { "Results for " q { (s.q.trim()) } }
            @match &s.found {
                Err(why) => p.error data-verdict="error" { (why) },
                Ok(found) if found.is_empty() => p.none data-verdict="none" {
                    "No verdict: the feed holds nothing against " q { (s.q.trim()) } " in any of the "
                    (s.looked_in) " ecosystems it covers. That it is not known to be malicious does not make it safe."
                },
                Ok(found) => @for (j, events) in found { (judged(j, events, &s.served)) },
            }
        }
    }
}

fn judged(j: &Judged, events: &[EventLine], served: &Served) -> Markup {
    // Malicious when a verdict blocks (what the firewall refuses); a verdict that only warns
    // (a WARN rule, a flagging indicator) is shown as a warning.
    let malicious = j.verdicts.iter().any(scioc_verdict::Verdict::blocks);
    let verdict = match (malicious, j.verdicts.is_empty()) {
        (true, _) => "malicious",
        (false, false) => "warning",
        (false, true) => "none",
    };
    html! {
        article.finding.malicious[malicious] data-verdict=(verdict) {
            h3 {
                @match verdict {
                    "malicious" => span.badge.bad { "malicious" },
                    "warning" => span.badge.warn { "warning" },
                    _ => span.badge.ok { "no verdict" },
                }
                " " (j.lookup.display())
            }
            @if let Some(purl) = j.lookup.purl() { p.purl { code { (purl) } } }
            @if !j.verdicts.is_empty() {
                table.verdicts {
                    thead { tr { th { "Rule" } th { "Enforced" } th { "Severity" } th { "Why" } th { "Reference" } } }
                    tbody {
                        @for v in &j.verdicts {
                            tr data-blocks=(v.blocks()) {
                                td { code { (v.rule.id()) } }
                                td { @if v.blocks() { "blocks" } @else { "warns" } }
                                td class={ "sev " (v.severity.as_lower()) } { (v.severity.as_lower()) }
                                td { (v.evidence) }
                                td { @if let Some(r) = &v.reference { (reference(r, served)) } }
                            }
                        }
                    }
                }
            } @else {
                p { "The feed holds nothing that makes this malicious now." }
            }
            @if !j.reports.is_empty() {
                p.reports { "Reports: "
                    @for (i, r) in j.reports.iter().enumerate() { @if i > 0 { ", " } (reference(r, served)) }
                }
            }
            @if !events.is_empty() {
                details open[malicious] {
                    summary { "The feed's events on it (" (events.len()) ")" }
                    (event_table(events, served))
                }
            }
        }
    }
}

/// The record ids `/v1/vulns/{id}` serves.
type Served = std::collections::HashSet<String>;

/// A record id the OSV API serves links to it; a link is shown as one; anything else is text.
fn reference(r: &str, served: &Served) -> Markup {
    html! {
        @if r.starts_with("https://") || r.starts_with("http://") {
            a href=(r) rel="noreferrer noopener" { (r) }
        } @else if served.contains(r) {
            a.record href={ "/v1/vulns/" (r) } { (r) }
        } @else {
            (r)
        }
    }
}

fn feed(p: &Page) -> Markup {
    let count = |t: &str| p.counts.iter().find(|(e, _)| e.as_str() == t).map_or(0, |(_, n)| *n);
    let by_type = chart::series(&p.daily, Split::Type, p.last_day, p.days);
    let by_eco = chart::series(&p.daily, Split::Ecosystem, p.last_day, p.days);
    html! {
        section #feed {
            h2 { "The feed" }
            dl.figures {
                div { dt { "events" } dd #events { (p.stats.events) } }
                div { dt { "NEW_MALICIOUS" } dd { (count("NEW_MALICIOUS")) } }
                div { dt { "FP" } dd { (count("FP")) } }
                div { dt { "NEW_THREAT_NAME" } dd { (count("NEW_THREAT_NAME")) } }
                div { dt { "indicators" } dd { (p.stats.indicators) } }
                div { dt { "newest event" } dd {
                    @match p.stats.head {
                        // An import spread ahead of the clock is not the feed's yet.
                        Some(h) if h.time > FeedTime::now() => {
                            (time(FeedTime::now())) " "
                            span.note { "(an import is spread over the seconds to " (time(h.time)) ")" }
                        }
                        Some(h) => (time(h.time)),
                        None => "none yet",
                    }
                } }
            }
            @if p.stats.events == 0 {
                p.hint { "The feed is empty. Fill it with " code { "scioc ingest osv DIR" } ", " code { "scioc sync --from URL" }
                    " or a polled source (" code { "scioc sources add" } ")." }
            }
            nav.windows aria-label="chart window" {
                "Days: "
                @for d in WINDOWS {
                    @if d == p.days { strong { (d) } } @else { a href={ "/?days=" (d) } { (d) } } " "
                }
                span.note { "(to the newest event's day, UTC)" }
            }
            div.charts {
                (chart::draw("Events per day by type", &by_type, p.last_day, p.days))
                (chart::draw("Events per day by ecosystem", &by_eco, p.last_day, p.days))
            }
        }
    }
}

fn event_table(events: &[EventLine], served: &Served) -> Markup {
    html! {
        table.events {
            thead { tr { th { "Seq" } th { "Time (UTC)" } th { "Type" } th { "Package" } th { "Threat" } th { "Record" } } }
            tbody {
                @for e in events {
                    tr data-seq=(e.seq) {
                        td { (e.seq) }
                        td { (time(e.time)) }
                        td { span class={ "type " (e.event_type) } { (e.event_type) } }
                        td { code { (e.purl) } @if !e.ecosystem.is_empty() { " " span.eco { (e.ecosystem) } } }
                        td {
                            @if let Some(t) = &e.threat { (t) }
                            @if let Some(l) = e.level { " " span.level { "level " (l) } }
                            @if let Some(r) = &e.reason { br; span.reason { (r) } }
                        }
                        td {
                            @if let Some(r) = &e.record { (reference(r, served)) }
                            @if let Some(s) = &e.source { " " span.source { (s) } }
                            @for u in &e.references { br; (reference(u, served)) }
                        }
                    }
                }
            }
        }
    }
}

fn newest(events: &[EventLine]) -> Markup {
    html! {
        section #newest {
            h2 { "Newest events" }
            @if events.is_empty() { p { "No events yet." } } @else { (event_table(events, &Served::new())) }
        }
    }
}

fn sources(p: &Page) -> Markup {
    let admin = p.admin.is_some();
    html! {
        section #sources {
            h2 { "Sources" }
            @if p.sources.is_empty() {
                p { "No polled sources. An admin adds one with " code { "scioc sources add" } "." }
            } @else {
                table {
                    thead { tr { th { "Source" } th { "Kind" } @if admin { th { "Location" } } th { "Last read" } th { "Lag" } th { "Records" } th { "Status" } } }
                    tbody {
                        @for s in &p.sources {
                            @let lag = s.lag_secs(p.now);
                            @let late = lag.is_none_or(|l| l > 2 * s.def.interval_secs as i64 + 60);
                            tr data-source=(s.def.name) {
                                td { (s.def.name) }
                                td { (s.def.kind) }
                                @if admin { td { code { (s.def.location) } } }
                                td { @match s.status.last_success { Some(t) => (time(t)), None => "never" } }
                                td.lag.late[late] data-lag-secs=[lag] { @match lag { Some(l) => (duration(l)), None => "—" } }
                                td { (s.status.records) }
                                td {
                                    @match &s.status.last_error {
                                        Some(e) if s.status.failures > 0 => span.bad { "failing (" (s.status.failures) "): " (e) },
                                        _ => "ok",
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn admin(a: &AdminView, p: &Page) -> Markup {
    let head = p.stats.head.map_or(0, |h| h.seq);
    html! {
        section #users {
            h2 { "Users" }
            table {
                thead { tr { th { "User" } th { "Role" } th { "Created" } th { "Changed" } } }
                tbody {
                    @for u in &a.users {
                        tr data-user=(u.name.as_str()) {
                            td { (u.name.as_str()) } td { (u.role) } td { (time(u.created_at)) } td { (time(u.updated_at)) }
                        }
                    }
                }
            }
        }
        section #cursors {
            h2 { "Cursors" }
            @if a.cursors.is_empty() {
                p { "No user has pulled yet." }
            } @else {
                table {
                    thead { tr { th { "User" } th { "Delivered up to" } th { "Events behind" } th { "Stands at" } th { "Moved" } } }
                    tbody {
                        @for c in &a.cursors {
                            tr data-cursor=(c.user) {
                                td { (c.user) }
                                td { "seq " (c.after_seq) }
                                td.behind { ((head - c.after_seq).max(0)) }
                                td { (time(FeedTime::from_unix(c.position))) }
                                td { (time(FeedTime::from_unix(c.updated_at))) }
                            }
                        }
                    }
                }
            }
        }
        (analyses(&a.analyses))
        section #blocks {
            h2 { "Firewall refusals, last 7 days" }
            @if a.blocks.is_empty() {
                p { "None." }
            } @else {
                table {
                    thead { tr { th { "Time (UTC)" } th { "Kind" } th { "Client" } th { "Package" } th { "Rule" } th { "Reference" } th { "Reason" } } }
                    tbody {
                        @for b in &a.blocks {
                            tr {
                                td { (time(b.time)) }
                                td { (b.kind.as_str()) @if b.count > 1 { " ×" (b.count) } }
                                td { (b.client) }
                                td { (b.ecosystem) " " (b.package) @if let Some(v) = &b.version { "@" (v) } }
                                td { code { (b.rule) } }
                                td { @if let Some(r) = &b.reference { (reference(r, &Served::new())) } }
                                td { (b.reason) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A kept package analysis: what a reviewer checks in seconds.
pub(super) fn analysis(a: &serde_json::Value) -> Markup {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
    let title = match (a["name"].as_str(), a["version"].as_str()) {
        (Some(n), Some(v)) => format!("{n}@{v}"),
        _ => s(&a["path"]),
    };
    let list = |v: &serde_json::Value| v.as_array().cloned().unwrap_or_default();
    let header = html! { h1 { a href="/" { "scioc" } } p { "package analysis" } };
    let main = html! {
        section #analysis {
            h2 { (title) }
            p.verdict data-verdict=(s(&a["verdict"])) {
                strong { (s(&a["verdict"])) } " · score " (a["score"])
                @if let Some(t) = a["threat_name"].as_str() { " · " code { (t) } " level " (a["threat_level"]) }
            }
            p { "archive " code { (s(&a["path"])) } " · SHA-256 " code { (s(&a["sha256"])) } " · " (s(&a["ecosystem"])) }
        }
        section #files {
            h2 { "Malicious files" }
            @if list(&a["files"]).is_empty() { p { "None." } } @else {
                table {
                    thead { tr { th { "File" } th { "Threat name" } th { "Level" } th { "SHA-256" } } }
                    tbody { @for f in list(&a["files"]) {
                        tr { td { code { (s(&f["path"])) } } td { (s(&f["threat_name"])) } td { (f["threat_level"]) } td { code { (s(&f["sha256"])) } } }
                    } }
                }
            }
        }
        section #evidence {
            h2 { "Evidence" }
            @if list(&a["findings"]).is_empty() { p { "No rule matched." } } @else {
                table {
                    thead { tr { th { "Rule" } th { "Kind" } th { "File:line" } th { "Excerpt" } } }
                    tbody { @for f in list(&a["findings"]) {
                        tr { td { code { (s(&f["rule"])) } " " (s(&f["name"])) } td { (s(&f["kind"])) }
                             td { code { (s(&f["file"])) ":" (f["line"]) } } td { code { (s(&f["excerpt"])) } } }
                    } }
                }
            }
        }
        section #indicators {
            h2 { "Indicators" }
            ul { @for (kind, key) in [("domain", "domains"), ("URL", "urls"), ("IP", "ips"), ("webhook", "webhooks"), ("dependency", "dependencies"), ("install script", "scripts")] {
                @for v in list(&a["indicators"][key]) { li { (kind) ": " code { (s(&v)) } } }
            } }
        }
        @if !list(&a["notes"]).is_empty() {
            section #notes { h2 { "Notes" } ul { @for n in list(&a["notes"]) { li { (s(&n)) } } } }
        }
    };
    document(&format!("analysis of {title} · scioc"), header, main)
}

fn analyses(list: &[serde_json::Value]) -> Markup {
    html! {
        section #analyses {
            h2 { "Package analyses" }
            @if list.is_empty() {
                p { "None yet: POST an archive to " code { "/api/scioc/v1/analyses?filename=…" } "." }
            } @else {
                table {
                    thead { tr { th { "Package" } th { "Verdict" } th { "Score" } th { "Threat" } } }
                    tbody { @for a in list {
                        tr {
                            td { a href={ "/analyses/" (a["sha256"].as_str().unwrap_or("")) } {
                                (a["name"].as_str().unwrap_or("?")) "@" (a["version"].as_str().unwrap_or("?")) } }
                            td { (a["verdict"].as_str().unwrap_or("")) } td { (a["score"]) }
                            td { (a["threat_name"].as_str().unwrap_or("")) }
                        }
                    } }
                }
            }
        }
    }
}

fn time(t: FeedTime) -> Markup {
    let s = t.to_utc_string();
    html! { time datetime={ (s) "Z" } { (s.replace('T', " ")) } }
}

/// Seconds as a person reads them: `45 s`, `12 min`, `3 h`, `2 d`.
fn duration(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7_200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3_600),
        s => format!("{} d", s / 86_400),
    }
}
