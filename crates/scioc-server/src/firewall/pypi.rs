//! `/registry/pypi/`: PEP 503 / PEP 691 simple pages with blocked files withheld, and files
//! refused or streamed.

use super::upstream::Unreadable;
use super::{Asker, Firewall, fail};
use crate::App;
use axum::{
    extract::{Path, Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use bytes::Bytes;
use scioc_registry::{
    Block, judge,
    pypi::{self, FileInfo, ProjectName, filter_files, parse_html, render_html, version_of},
};
use serde_json::Value;
use std::sync::Arc;

/// What is asked of the upstream: PEP 691 JSON (which carries upload times), else HTML.
const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1";

/// `/registry/pypi/simple/`: clients never read the full project list, so the firewall keeps
/// it short.
pub(crate) async fn index() -> Response {
    let mut r = (
        StatusCode::OK,
        "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>scioc firewall</title></head>\n<body><p>Projects are served at /registry/pypi/simple/NAME/; the full list is not.</p></body></html>\n",
    )
        .into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

/// The project a request names, refused (400) before anything reaches the upstream.
fn project(raw: &str) -> Result<ProjectName, Response> {
    ProjectName::from_path(raw).map_err(|e| fail(StatusCode::BAD_REQUEST, &e.to_string()))
}

/// The upstream's page of `project` in the JSON model, read once per cached document.
async fn fetch(fw: &Firewall, project: &ProjectName) -> Result<(Arc<super::upstream::Doc>, Arc<Value>), Response> {
    let Some(upstream) = &fw.config.pypi_upstream else {
        return Err(fail(StatusCode::NOT_FOUND, "no Python upstream is configured (--pypi-upstream)"));
    };
    let url = upstream
        .join(&format!("{}/", project.as_str()))
        .map_err(|e| fail(StatusCode::BAD_REQUEST, &format!("no upstream URL for {}: {e}", project.as_str())))?;
    let doc = fw.upstream.metadata(&url, ACCEPT).await.map_err(IntoResponse::into_response)?;
    let model = doc
        .model(|d| {
            if d.content_type.starts_with(pypi::JSON_TYPE) {
                match serde_json::from_slice::<Value>(&d.body) {
                    Ok(mut v) if v.get("files").is_some_and(Value::is_array) => {
                        // PEP 691 allows relative URLs; resolve them against the page's own.
                        for f in v["files"].as_array_mut().into_iter().flatten() {
                            let absolute = f.get("url").and_then(Value::as_str).and_then(|u| d.url.join(u).ok());
                            if let Some(u) = absolute {
                                f["url"] = Value::String(u.to_string());
                            }
                        }
                        Ok(v)
                    }
                    Ok(_) => Err(Unreadable("a PEP 691 page without a files list".to_owned())),
                    Err(e) => Err(Unreadable(format!("not JSON: {e}"))),
                }
            } else {
                let html = std::str::from_utf8(&d.body).map_err(|_| Unreadable("not UTF-8".to_owned()))?;
                parse_html(html, project, &d.url).map_err(|e| Unreadable(e.to_string()))
            }
        })
        .map_err(|reason| {
            super::UpstreamError::Malformed { url: super::upstream::redact(&url), reason: reason.to_string() }
                .into_response()
        });
    Ok((doc, model?))
}

/// The judge of one file: the verdict engine, then the cooldown.
fn judge_file(fw: &Firewall, engine: &scioc_verdict::Engine, project: &ProjectName, f: &FileInfo<'_>) -> Option<Block> {
    judge::pypi_file(engine, project, f).or_else(|| {
        let what = || format!("{}=={} ({})", project.as_str(), f.version.unwrap_or("?"), f.filename);
        fw.config.cooldown.check(project.as_str(), what, f.uploaded, jiff::Timestamp::now())
    })
}

/// `/registry/pypi/simple/{project}/`, in the form the client asks for, with `Vary: Accept`.
pub(crate) async fn page(State(app): State<Arc<App>>, Path(raw): Path<String>, request: Request) -> Response {
    let Some(fw) = app.firewall.as_ref() else { return super::off().await };
    let project = match project(&raw) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let asker = Asker::of(fw, &request);
    drop(request);
    if raw != project.as_str() || !asker.path.ends_with('/') {
        return Redirect::permanent(&format!("{}/simple/{}/", super::PYPI_PATH, project.as_str())).into_response();
    }
    let origin = match asker.origin() {
        Ok(o) => o.to_owned(),
        Err(r) => return r,
    };
    let json = pypi::wants_json(asker.accept.as_deref());
    let (doc, model) = match fetch(fw, &project).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let content_type = if json { pypi::JSON_TYPE } else { "text/html; charset=utf-8" };
    let key = format!("{json} {origin}");
    let generation = fw.verdicts.generation();
    if let Some(answer) = doc.answer(&key, generation, fw.answer_max_age()) {
        record_withheld(fw, &asker, &project, &answer.withheld);
        return page_response(answer.body, content_type);
    }
    let _held = match fw.upstream.reserve(doc.body.len() * super::upstream::WORKING_FACTOR).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    let mut out = (*model).clone();
    let blocked = {
        let engine = match fw.engine() {
            Ok(e) => e,
            Err(r) => return r,
        };
        filter_files(&mut out, &project, &format!("{origin}{}", super::PYPI_PATH), fw.config.pypi_withhold, |f| {
            judge_file(fw, &engine, &project, f)
        })
    };
    // One row per version withheld, however many files it has.
    let mut withheld: Vec<(Option<String>, Block)> = Vec::new();
    for (filename, block) in blocked {
        let version = version_of(&filename, &project);
        if !withheld.iter().any(|(v, b)| *v == version && b.rule == block.rule) {
            withheld.push((version, block));
        }
    }
    let body = if json {
        out.as_object_mut().map(|o| o.entry("meta").or_insert(serde_json::json!({"api-version": "1.0"})));
        Bytes::from(serde_json::to_vec(&out).unwrap_or_default())
    } else {
        Bytes::from(render_html(&out))
    };
    let answer = doc.keep_answer(key, generation, body, Arc::new(withheld));
    record_withheld(fw, &asker, &project, &answer.withheld);
    page_response(answer.body, content_type)
}

/// Records what an answer withheld from the client it is served to.
fn record_withheld(fw: &Firewall, asker: &Asker, project: &ProjectName, withheld: &super::upstream::Withheld) {
    for (version, block) in withheld.iter() {
        fw.withheld(asker, "PyPI", project.as_str(), version.as_deref(), block);
    }
}

/// A simple page in the negotiated form, with `Vary: Accept`.
fn page_response(body: Bytes, content_type: &'static str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
    r
}

/// `/registry/pypi/files/{project}/{file}` (and its PEP 658 `.metadata`): refused when
/// blocked, else streamed from where the upstream's page points.
pub(crate) async fn file(
    State(app): State<Arc<App>>,
    Path((raw, filename)): Path<(String, String)>,
    request: Request,
) -> Response {
    let Some(fw) = app.firewall.as_ref() else { return super::off().await };
    let asker = Asker::of(fw, &request);
    drop(request);
    let project = match project(&raw) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if filename.is_empty()
        || filename.len() > 300
        || filename.starts_with('.')
        || filename.contains(['/', '\\'])
        || filename.chars().any(char::is_control)
    {
        return fail(StatusCode::BAD_REQUEST, &format!("{filename:?} is not a distribution file name"));
    }
    let (_, model) = match fetch(fw, &project).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let files = model.get("files").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let named = |name: &str| files.iter().find(|f| f.get("filename").and_then(Value::as_str) == Some(name));
    let (entry, metadata) = match named(&filename) {
        Some(f) => (f, false),
        None => match filename.strip_suffix(".metadata").and_then(named) {
            Some(f) => (f, true),
            None => {
                return fail(StatusCode::NOT_FOUND, &format!("{} has no file {filename} upstream", project.as_str()));
            }
        },
    };
    let name = entry.get("filename").and_then(Value::as_str).unwrap_or_default();
    let version = version_of(name, &project);
    let info = FileInfo {
        filename: name,
        version: version.as_deref(),
        sha256: entry.pointer("/hashes/sha256").and_then(Value::as_str),
        uploaded: entry.get("upload-time").and_then(Value::as_str),
    };
    let verdict = {
        let engine = match fw.engine() {
            Ok(e) => e,
            Err(r) => return r,
        };
        judge_file(fw, &engine, &project, &info)
    };
    if let Some(block) = verdict {
        return fw.refuse(&asker, "PyPI", project.as_str(), version.as_deref(), &block);
    }
    let Some(mut url) = entry.get("url").and_then(Value::as_str).and_then(|u| url::Url::parse(u).ok()) else {
        return fail(StatusCode::BAD_GATEWAY, &format!("the upstream gives {name} no usable URL"));
    };
    url.set_fragment(None);
    if metadata {
        let path = format!("{}.metadata", url.path());
        url.set_path(&path);
    }
    let hex = |v: Option<&str>| {
        v.filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).map(str::to_ascii_lowercase)
    };
    let expected =
        if metadata { hex(entry.pointer("/core-metadata/sha256").and_then(Value::as_str)) } else { hex(info.sha256) };
    let delivery = super::Delivery {
        ecosystem: "PyPI",
        package: project.as_str(),
        version: version.as_deref(),
        file: &filename,
        what: format!("{} ({filename})", project.as_str()),
        url,
        expected: expected.map(|h| ("sha256", h)).into_iter().collect(),
    };
    fw.deliver(&app, &asker, delivery).await
}
