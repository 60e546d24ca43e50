//! `/registry/npm/`: packuments with blocked versions withheld, and archives refused or
//! streamed.

use super::{Asker, Firewall, fail, stream};
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
        Some(file) => archive(fw, &upstream, &name, file, &asker).await,
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
/// the parsed packument (a tenth of its memory): each archive's file name, with its version,
/// hashes, publish time and upstream URL.
#[derive(Debug, Default)]
struct Archives(HashMap<String, Archive>);

#[derive(Debug)]
struct Archive {
    version: String,
    shasum: Option<String>,
    integrity: Option<String>,
    published: Option<String>,
    url: String,
}

impl Archives {
    fn of(doc: &Packument) -> Archives {
        let mut out = HashMap::new();
        for a in doc.archives() {
            let Some((_, file)) = a.tarball.rsplit_once("/-/") else { continue };
            out.insert(
                file.to_owned(),
                Archive {
                    version: a.version,
                    shasum: a.shasum,
                    integrity: a.integrity,
                    published: a.published,
                    url: a.tarball.clone(),
                },
            );
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
    let body = match doc.answer(&origin, generation, fw.answer_max_age()) {
        Some(body) => body,
        None => {
            // Parsed afresh rather than kept parsed: a parsed packument takes several times
            // its bytes, and this runs once per document and verdict generation.
            let mut packument = match parse(&doc.body, &url) {
                Ok(m) => m,
                Err(r) => return r,
            };
            let blocked;
            {
                let engine = match fw.engine() {
                    Ok(e) => e,
                    Err(r) => return r,
                };
                let filtered = packument
                    .filter(name, &format!("{origin}{}", super::NPM_PATH), |v| judge_version(fw, &engine, name, v));
                blocked = filtered.removed;
            }
            let body = Bytes::from(packument.to_vec());
            for (version, block) in &blocked {
                fw.record(asker, "npm", name.as_str(), Some(version), block);
            }
            doc.keep_answer(origin, generation, body.clone());
            body
        }
    };
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
    r
}

async fn archive(fw: &Firewall, upstream: &url::Url, name: &PackageName, file: &str, asker: &Asker) -> Response {
    if file.is_empty() || file.len() > 300 || file.contains(['/', '\\', '%', '?', '#']) || file.starts_with('.') {
        return fail(StatusCode::BAD_REQUEST, &format!("{file:?} is not an archive file name"));
    }
    let (doc, url) = match fetch(fw, upstream, name, form(fw, asker)).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let archives = match doc.model(|d| {
        let packument =
            Packument::parse(&d.body).map_err(|e| super::upstream::Unreadable(format!("the packument is {e}")))?;
        Ok(Archives::of(&packument))
    }) {
        Ok(a) => a,
        Err(reason) => return malformed(&url, reason.to_string()),
    };
    let Some(found) = archives.0.get(file) else {
        return fail(StatusCode::NOT_FOUND, &format!("no version of {} has the archive {file}", name.as_str()));
    };
    let version = found.version.as_str();
    let info = VersionInfo {
        version,
        shasum: found.shasum.as_deref(),
        integrity: found.integrity.as_deref(),
        published: found.published.as_deref(),
    };
    let verdict = {
        let engine = match fw.engine() {
            Ok(e) => e,
            Err(r) => return r,
        };
        judge_version(fw, &engine, name, &info)
    };
    if let Some(block) = verdict {
        return fw.refuse(asker, "npm", name.as_str(), Some(version), &block);
    }
    let Some(url) = url::Url::parse(&found.url).ok().filter(|u| matches!(u.scheme(), "http" | "https")) else {
        return fail(
            StatusCode::BAD_GATEWAY,
            &format!("the upstream gives {}@{version} no archive URL", name.as_str()),
        );
    };
    match fw.upstream.download(&url).await {
        Ok(response) => stream(response),
        Err(e) => e.into_response(),
    }
}
