//! The offline OSV databases, as files: paths relative to an export root, and their bytes.
//!
//! | path | read by |
//! |---|---|
//! | `osv-scanner/<Ecosystem>/all.zip` | osv-scanner v1 and v2.0–2.4 (`--local-db-path`) |
//! | `osv-scalibr/<Ecosystem>/all.zip` | osv-scanner v2.5+ |
//! | `ecosystems.txt`, `<Ecosystem>/all.zip`, `<Ecosystem>/modified_id.csv`, `<Ecosystem>/<ID>.json` | the OSV bucket layout (Dependency-Track's mirroring, osv-scanner's downloads) |
//! | `osv-offline/osv-offline.zip` and `osv-offline/<ecosystem>.nedb` | Renovate's `@renovatebot/osv-offline` (`OSV_OFFLINE_ROOT_DIR`) |
//!
//! Zips are deterministic: entries sorted by name, every entry dated 1980-01-01 with mode
//! 0644, so the same store gives byte-identical files. Withdrawn records stay in the OSV
//! layouts (with `withdrawn` set, as OSV publishes them) and are left out of Renovate's
//! database, which has no notion of withdrawal.

use crate::{Catalog, Record};
use serde_json::Value;
use std::io::Write;
use std::sync::Arc;

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its path under the export root, `/`-separated.
    pub path: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing a zip: {0}")]
pub struct ExportError(#[from] zip::result::ZipError);

/// A deterministic zip of `entries` (name, bytes), sorted by name.
pub fn zip(mut entries: Vec<(String, Vec<u8>)>) -> Result<Vec<u8>, ExportError> {
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in entries {
        w.start_file(name, options)?;
        w.write_all(&bytes).map_err(zip::result::ZipError::Io)?;
    }
    Ok(w.finish()?.into_inner())
}

/// The records of one ecosystem, by id.
fn of<'a>(catalog: &'a Catalog, eco: &'a str) -> impl Iterator<Item = &'a Arc<Record>> + 'a {
    catalog.records().filter(move |r| r.ecosystems.contains(&eco))
}

/// `<Ecosystem>/all.zip`: one `<ID>.json` per record.
pub fn all_zip(catalog: &Catalog, eco: &str) -> Result<Vec<u8>, ExportError> {
    zip(of(catalog, eco).map(|r| (format!("{}.json", r.id), r.json.as_bytes().to_vec())).collect())
}

/// `<Ecosystem>/modified_id.csv`: `modified,ID` lines, newest first.
pub fn modified_id_csv(catalog: &Catalog, eco: &str) -> Vec<u8> {
    let mut rows: Vec<(&str, &str)> = of(catalog, eco).map(|r| (r.modified.as_str(), r.id.as_str())).collect();
    rows.sort_by(|a, b| b.cmp(a));
    rows.iter().map(|(m, id)| format!("{m},{id}\n")).collect::<String>().into_bytes()
}

/// `ecosystems.txt`: one ecosystem per line.
pub fn ecosystems_txt(catalog: &Catalog) -> Vec<u8> {
    catalog.ecosystems().iter().map(|e| format!("{e}\n")).collect::<String>().into_bytes()
}

/// The purl osv-offline 1.8.0 looks records up by: `pkg:<type>/` and each `/`-separated part
/// of the name escaped as JavaScript's `encodeURIComponent` escapes it (Maven's `group:artifact`
/// becomes `group/artifact`). Its lookup compares `affected[].package` as a whole, so every
/// package in the database carries exactly `name`, `ecosystem` and this `purl`.
pub fn offline_purl(eco: &str, name: &str) -> Option<String> {
    let ty = scioc_model::purl_type_of(eco)?;
    let name = if ty == "maven" { name.replacen(':', "/", 1) } else { name.to_owned() };
    let parts: Vec<String> = name.split('/').map(encode_uri_component).collect();
    Some(format!("pkg:{ty}/{}", parts.join("/")))
}

/// JavaScript's `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` escaped.
fn encode_uri_component(s: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'!')
        .remove(b'~')
        .remove(b'*')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')');
    percent_encoding::utf8_percent_encode(s, KEEP).to_string()
}

/// Drops the keys nedb refuses to load (containing `.`, or starting with `$`), at any depth.
fn nedb_safe(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.retain(|k, _| !k.contains('.') && !k.starts_with('$'));
            o.values_mut().for_each(nedb_safe);
        }
        Value::Array(a) => a.iter_mut().for_each(nedb_safe),
        _ => {}
    }
}

/// One ecosystem's `.nedb` file: a record per line with its `_id`, packages as osv-offline
/// matches them; withdrawn records left out.
pub fn nedb(catalog: &Catalog, eco: &str) -> Vec<u8> {
    let mut out = String::new();
    for r in of(catalog, eco).filter(|r| !r.withdrawn) {
        let Ok(mut v) = serde_json::from_str::<Value>(&r.json) else { continue };
        nedb_safe(&mut v);
        for a in v.get_mut("affected").and_then(Value::as_array_mut).into_iter().flatten() {
            let Some(p) = a.get("package") else { continue };
            let (Some(e), Some(n)) =
                (p.get("ecosystem").and_then(Value::as_str), p.get("name").and_then(Value::as_str))
            else {
                continue;
            };
            let mut package = serde_json::json!({"ecosystem": e, "name": n});
            if let Some(purl) = offline_purl(e, n) {
                package["purl"] = Value::String(purl);
            }
            a["package"] = package;
        }
        if let Some(o) = v.as_object_mut() {
            o.insert("_id".into(), Value::String(r.id.clone()));
        }
        out.push_str(&v.to_string());
        out.push('\n');
    }
    out.into_bytes()
}

/// Every file of `scioc export osv`.
pub fn all(catalog: &Catalog) -> Result<Vec<File>, ExportError> {
    let mut files = vec![File { path: "ecosystems.txt".into(), bytes: ecosystems_txt(catalog) }];
    let mut nedbs = Vec::new();
    for eco in catalog.ecosystems() {
        let zip_bytes = all_zip(catalog, eco)?;
        for dir in ["osv-scanner/", "osv-scalibr/", ""] {
            files.push(File { path: format!("{dir}{eco}/all.zip"), bytes: zip_bytes.clone() });
        }
        files.push(File { path: format!("{eco}/modified_id.csv"), bytes: modified_id_csv(catalog, eco) });
        for r in of(catalog, eco) {
            files.push(File { path: format!("{eco}/{}.json", r.id), bytes: r.json.as_bytes().to_vec() });
        }
        nedbs.push((format!("{}.nedb", eco.to_lowercase()), nedb(catalog, eco)));
    }
    files.push(File { path: "osv-offline/osv-offline.zip".into(), bytes: zip(nedbs.clone())? });
    for (name, bytes) in nedbs {
        files.push(File { path: format!("osv-offline/{name}"), bytes });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_purls_escape_as_encode_uri_component() {
        assert_eq!(offline_purl("npm", "@evil/pkg").unwrap(), "pkg:npm/%40evil/pkg");
        assert_eq!(offline_purl("PyPI", "evil_pkg").unwrap(), "pkg:pypi/evil_pkg");
        assert_eq!(offline_purl("Maven", "org.x:evil").unwrap(), "pkg:maven/org.x/evil");
        assert_eq!(offline_purl("npm", "a b(c)!").unwrap(), "pkg:npm/a%20b(c)!");
    }

    #[test]
    fn zips_are_deterministic_and_sorted() {
        let a = zip(vec![("b.json".into(), b"{}".to_vec()), ("a.json".into(), b"[]".to_vec())]).unwrap();
        let b = zip(vec![("a.json".into(), b"[]".to_vec()), ("b.json".into(), b"{}".to_vec())]).unwrap();
        assert_eq!(a, b);
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(a)).unwrap();
        assert_eq!(z.by_index(0).unwrap().name().unwrap(), "a.json");
    }

    #[test]
    fn nedb_keys_nedb_refuses_are_dropped() {
        let mut v = serde_json::json!({"a.b": 1, "$x": 2, "k": [{"c.d": 3, "e": 4}]});
        nedb_safe(&mut v);
        assert_eq!(v, serde_json::json!({"k": [{"e": 4}]}));
    }
}
