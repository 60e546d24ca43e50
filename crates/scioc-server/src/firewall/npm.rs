//! `/registry/npm/`: packuments with blocked versions withheld, and archives refused or
//! streamed.

use super::{Asker, Firewall, fail};
use crate::App;
use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use scioc_registry::{
    Block, judge,
    npm::{PackageName, Packument, VersionInfo},
};
use std::collections::HashMap;
use std::sync::Arc;

/// npm's abbreviated ("corgi") packument.
const ABBREVIATED: &str = "application/vnd.npm.install-v1+json";
/// What is asked of the upstream for each form.
const ACCEPT_ABBREVIATED: &str = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
const ACCEPT_FULL: &str = "application/json";

/// Every GET under `/registry/npm/`: a packument, or an archive (`{name}/-/{file}`).
pub(crate) async fn serve(State(app): State<Arc<App>>, request: Request) -> Response {
    let Some(fw) = app.firewall.as_ref() else { return super::off().await };
    let Some(upstream) = fw.config.npm_upstream.clone() else {
        return fail(StatusCode::NOT_FOUND, "no npm upstream is configured (--npm-upstream)");
    };
    let asker = Asker::of(fw, &request);
    drop(request);
    let path = asker.path.strip_prefix(super::NPM_PATH).unwrap_or("").trim_start_matches('/');
    if path.starts_with("-/") {
        return fail(
            StatusCode::NOT_FOUND,
            "npm's /-/ endpoints (audit, search, login) are not served by the scioc firewall",
        );
    }
    let (name, file) = match path.split_once("/-/") {
        Some((name, file)) => (name, Some(file)),
        None => (path, None),
    };
    let name = match PackageName::from_path(name) {
        Ok(n) => n,
        Err(e) => return fail(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    match file {
        None => packument(fw, &upstream, &name, &asker).await,
        Some(file) => archive(&app, fw, &upstream, &name, file, &asker).await,
    }
}

/// Which form to ask the upstream for: the abbreviated one when the client asks for it, unless
/// a cooldown needs the publish times only the full one has.
fn form(fw: &Firewall, asker: &Asker) -> &'static str {
    let wants_abbreviated = asker.accept.as_deref().is_some_and(|a| a.contains(ABBREVIATED));
    if wants_abbreviated && fw.config.cooldown.min_age.is_zero() { ACCEPT_ABBREVIATED } else { ACCEPT_FULL }
}

/// The upstream's packument document, from the cache or the upstream.
async fn fetch(
    fw: &Firewall,
    upstream: &url::Url,
    name: &PackageName,
    accept: &'static str,
) -> Result<(Arc<super::upstream::Doc>, url::Url), Response> {
    let url = upstream
        .join(&name.packument_path())
        .map_err(|e| fail(StatusCode::BAD_REQUEST, &format!("no upstream URL for {}: {e}", name.as_str())))?;
    let doc = fw.upstream.metadata(&url, accept).await.map_err(IntoResponse::into_response)?;
    Ok((doc, url))
}

/// A packument read from its bytes: a JSON object, or a 502 naming what is wrong.
fn parse(body: &[u8], url: &url::Url) -> Result<Packument, Response> {
    Packument::parse(body).map_err(|e| malformed(url, e.to_string()))
}

fn malformed(url: &url::Url, reason: String) -> Response {
    super::UpstreamError::Malformed { url: super::upstream::redact(url), reason }.into_response()
}

/// What an archive request needs of a packument, kept with the cached document instead of
/// the parsed packument (a tenth of its memory): each file name the firewall serves
/// ([`scioc_registry::npm::archive_file`]), with every version that claims it (a packument may
/// give two versions one file name), each with its hashes, publish time and upstream URL.
#[derive(Debug, Default)]
struct Archives(HashMap<String, Vec<Archive>>);

#[derive(Debug)]
struct Archive {
    version: String,
    shasum: Option<String>,
    integrity: Option<String>,
    published: Option<String>,
    url: String,
}

impl Archives {
    fn of(doc: &Packument, name: &PackageName) -> Archives {
        let mut out: HashMap<String, Vec<Archive>> = HashMap::new();
        for a in doc.archives() {
            let file = scioc_registry::npm::archive_file(&a.tarball, name.short(), &a.version);
            out.entry(file).or_default().push(Archive {
                version: a.version,
                shasum: a.shasum,
                integrity: a.integrity,
                published: a.published,
                url: a.tarball,
            });
        }
        Archives(out)
    }
}

/// The judge of one version: the verdict engine, then the cooldown.
fn judge_version(
    fw: &Firewall,
    engine: &scioc_verdict::Engine,
    name: &PackageName,
    v: &VersionInfo<'_>,
) -> Option<Block> {
    judge::npm_version(engine, name, v).or_else(|| {
        fw.config.cooldown.check(
            name.as_str(),
            || format!("{}@{}", name.as_str(), v.version),
            v.published,
            jiff::Timestamp::now(),
        )
    })
}

async fn packument(fw: &Firewall, upstream: &url::Url, name: &PackageName, asker: &Asker) -> Response {
    let accept = form(fw, asker);
    let origin = match asker.origin() {
        Ok(o) => o.to_owned(),
        Err(r) => return r,
    };
    let (doc, url) = match fetch(fw, upstream, name, accept).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let generation = fw.verdicts.generation();
    let content_type = if accept == ACCEPT_ABBREVIATED && doc.content_type.starts_with(ABBREVIATED) {
        ABBREVIATED
    } else {
        "application/json"
    };
    let answer = match doc.answer(&origin, generation, fw.answer_max_age()) {
        Some(answer) => answer,
        None => {
            // Parsed afresh rather than kept parsed: a parsed packument takes several times
            // its bytes, and this runs once per document and verdict generation; the memory
            // budget holds it meanwhile.
            let _held = match fw.upstream.reserve(doc.body.len() * super::upstream::WORKING_FACTOR).await {
                Ok(h) => h,
                Err(e) => return e.into_response(),
            };
            let mut packument = match parse(&doc.body, &url) {
                Ok(m) => m,
                Err(r) => return r,
            };
            let withheld: Vec<(Option<String>, Block)> = {
                let engine = match fw.engine() {
                    Ok(e) => e,
                    Err(r) => return r,
                };
                let filtered = packument
                    .filter(name, &format!("{origin}{}", super::NPM_PATH), |v| judge_version(fw, &engine, name, v));
                filtered.removed.into_iter().map(|(v, b)| (Some(v), b)).collect()
            };
            doc.keep_answer(origin, generation, Bytes::from(packument.to_vec()), Arc::new(withheld))
        }
    };
    // Recorded for every answer served (the recorder folds a client's repeats into a count).
    for (version, block) in answer.withheld.iter() {
        fw.withheld(asker, "npm", name.as_str(), version.as_deref(), block);
    }
    let body = answer.body;
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
    r
}

async fn archive(
    app: &Arc<App>,
    fw: &Firewall,
    upstream: &url::Url,
    name: &PackageName,
    file: &str,
    asker: &Asker,
) -> Response {
    if file.is_empty() || file.len() > 300 || file.contains(['/', '\\', '%', '?', '#']) || file.starts_with('.') {
        return fail(StatusCode::BAD_REQUEST, &format!("{file:?} is not an archive file name"));
    }
    let (doc, url) = match fetch(fw, upstream, name, form(fw, asker)).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let archives = {
        let _held = match fw.upstream.reserve(doc.body.len() * super::upstream::WORKING_FACTOR).await {
            Ok(h) => h,
            Err(e) => return e.into_response(),
        };
        match doc.model(|d| {
            let packument =
                Packument::parse(&d.body).map_err(|e| super::upstream::Unreadable(format!("the packument is {e}")))?;
            Ok(Archives::of(&packument, name))
        }) {
            Ok(a) => a,
            Err(reason) => return malformed(&url, reason.to_string()),
        }
    };
    let Some(claimants) = archives.0.get(file) else {
        return fail(StatusCode::NOT_FOUND, &format!("no version of {} has the archive {file}", name.as_str()));
    };
    // Every version that claims the file is judged, and the version its name carries: a
    // blocked version's archive served under another version is still the blocked archive.
    let verdict = {
        let engine = match fw.engine() {
            Ok(e) => e,
            Err(r) => return r,
        };
        let named =
            file.strip_prefix(name.short()).and_then(|r| r.strip_prefix('-')).and_then(|r| r.strip_suffix(".tgz"));
        claimants
            .iter()
            .find_map(|c| {
                let info = VersionInfo {
                    version: &c.version,
                    shasum: c.shasum.as_deref(),
                    integrity: c.integrity.as_deref(),
                    published: c.published.as_deref(),
                };
                judge_version(fw, &engine, name, &info).map(|b| (c.version.clone(), b))
            })
            .or_else(|| {
                let version = named?;
                let info = VersionInfo { version, shasum: None, integrity: None, published: None };
                judge::npm_version(&engine, name, &info).map(|b| (version.to_owned(), b))
            })
    };
    if let Some((version, block)) = verdict {
        return fw.refuse(asker, "npm", name.as_str(), Some(&version), &block);
    }
    let found = &claimants[0];
    if claimants.iter().any(|c| c.url != found.url) {
        return fail(
            StatusCode::BAD_GATEWAY,
            &format!("the upstream's packument of {} names two different archives {file}; refused", name.as_str()),
        );
    }
    let Some(url) = url::Url::parse(&found.url).ok() else {
        return fail(
            StatusCode::BAD_GATEWAY,
            &format!("the upstream gives {}@{} no archive URL", name.as_str(), found.version),
        );
    };
    // The bytes must match what every claimant's metadata says of them.
    let mut expected = Vec::new();
    for c in claimants {
        expected.extend(c.integrity.as_deref().map(super::verify::sri).unwrap_or_default());
        if let Some(sha1) = c.shasum.as_deref().filter(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit())) {
            expected.push(("sha1", sha1.to_ascii_lowercase()));
        }
    }
    expected.sort();
    expected.dedup();
    let delivery = super::Delivery {
        ecosystem: "npm",
        package: name.as_str(),
        version: Some(&found.version),
        file,
        what: format!("{}@{} ({file})", name.as_str(), found.version),
        url,
        expected,
    };
    fw.deliver(app, asker, delivery).await
}
