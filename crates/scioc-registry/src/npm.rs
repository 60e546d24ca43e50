//! npm's registry protocol: package names from request paths, and packuments with the blocked
//! versions taken out.
//!
//! A packument (`GET /{name}`, full or abbreviated) is a JSON object whose `versions` maps each
//! version to its manifest, `dist-tags` maps tags to versions and, in the full form, `time`
//! maps versions to publish times. [`Packument::filter`] removes every version the judge blocks
//! from `versions` and `time`, moves each tag that pointed at one (see [`retag`]) and rewrites
//! every `dist.tarball` to route through the firewall, since clients download whatever it says.

use crate::Block;
use indexmap::IndexMap;
use scioc_versions::{Scheme, Version};
use serde_json::{Map, Value, value::RawValue};
use std::borrow::Cow;

/// Longest package name npm accepts, in bytes.
pub const MAX_NAME: usize = 214;

/// A package name read from a request path and checked: plain (`left-pad`) or scoped
/// (`@scope/name`), of the characters npm allows in a URL without encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageName {
    name: String,
    /// Where the name part starts (after `@scope/`), 0 when unscoped.
    split: usize,
}

/// A request path that names no valid package: answered 400 before anything reaches the
/// upstream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an npm package name: {0}")]
pub struct NameError(pub String);

impl PackageName {
    /// The name a path segment spells: `name`, `@scope/name`, or `@scope%2fname` (either case
    /// of the escape). Anything else (another escape, `..`, a leading `.` or `_`, a character
    /// npm would escape, more than [`MAX_NAME`] bytes) is refused.
    pub fn from_path(segment: &str) -> Result<PackageName, NameError> {
        let bad = |why: &str| NameError(format!("{why}: {:?}", truncate(segment)));
        if segment.len() > MAX_NAME + 2 {
            return Err(bad("longer than 214 bytes"));
        }
        let name = match segment.find('%') {
            None => segment.to_owned(),
            Some(_) => {
                let lower = segment.replacen("%2F", "%2f", 1);
                match lower.split_once("%2f") {
                    Some((scope, rest)) if scope.starts_with('@') && !rest.contains('%') && !scope.contains('%') => {
                        format!("{scope}/{rest}")
                    }
                    _ => return Err(bad("only a scope's `/` may be escaped (as %2f)")),
                }
            }
        };
        if name.len() > MAX_NAME {
            return Err(bad("longer than 214 bytes"));
        }
        let (scope, short) = match name.strip_prefix('@') {
            Some(rest) => match rest.split_once('/') {
                Some((scope, short)) => (Some(scope), short),
                None => return Err(bad("a scoped name is @scope/name")),
            },
            None => (None, name.as_str()),
        };
        for part in scope.into_iter().chain([short]) {
            if part.is_empty() || part.starts_with('.') || part.starts_with('_') {
                return Err(bad("a name part is empty or starts with . or _"));
            }
            if let Some(c) = part.chars().find(|c| {
                !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '!' | '*' | '\'' | '(' | ')'))
            }) {
                return Err(NameError(format!("{:?} holds {c:?}, which npm names never do", truncate(segment))));
            }
        }
        let split = scope.map_or(0, |s| s.len() + 2);
        Ok(PackageName { name, split })
    }

    /// The name as npm writes it: `left-pad`, `@scope/name`.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The name without its scope: what an archive's file name starts with.
    pub fn short(&self) -> &str {
        &self.name[self.split..]
    }

    /// Whether the name has a scope.
    pub fn is_scoped(&self) -> bool {
        self.split > 0
    }

    /// The packument's path on a registry: `left-pad`, `@scope%2fname`.
    pub fn packument_path(&self) -> String {
        match self.is_scoped() {
            true => format!("{}%2f{}", &self.name[..self.split - 1], self.short()),
            false => self.name.clone(),
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// A version as npm reads it, spelled canonically: `=1.0.0`, `v1.0.0` and `01.0.0` are
/// `1.0.0` (npm's loose parsing takes all three). `None` for what is not a SemVer version at
/// all, which the judge then sees as written.
pub fn canonical_version(v: &str) -> Option<String> {
    let v = v.trim().trim_start_matches(['=', 'v', 'V']).trim();
    let (core, rest) = match v.find(['-', '+']) {
        Some(i) => (&v[..i], &v[i..]),
        None => (v, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || p.len() > 20 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let numbers: Vec<String> = parts
        .iter()
        .map(|p| p.trim_start_matches('0'))
        .map(|p| if p.is_empty() { "0" } else { p }.to_owned())
        .collect();
    Some(format!("{}{rest}", numbers.join(".")))
}

/// The file name the firewall serves a version's archive under, from the upstream's
/// `dist.tarball`: the part after `/-/` (npm's shape), else the URL's last path segment
/// (GitHub Packages, Artifactory and others shape theirs differently), when it is a plain file
/// name; else the conventional `{short}-{version}.tgz`. The firewall finds the upstream's URL
/// again by this name in the same packument, so any shape of URL works.
pub fn archive_file(tarball: &str, short: &str, version: &str) -> String {
    let path = tarball.split(['?', '#']).next().unwrap_or_default();
    let file = match path.rsplit_once("/-/") {
        Some((_, file)) => file,
        None => path.rsplit('/').next().unwrap_or_default(),
    };
    let plain =
        !file.is_empty() && !file.starts_with('.') && !file.contains(['/', '\\', '%', ':']) && file.len() <= 300;
    if plain { file.to_owned() } else { format!("{short}-{version}.tgz") }
}

/// One version of a packument, as the judge sees it.
#[derive(Debug, Clone, Copy)]
pub struct VersionInfo<'a> {
    /// The version.
    pub version: &'a str,
    /// `dist.shasum`: the archive's SHA-1, hex.
    pub shasum: Option<&'a str>,
    /// `dist.integrity`: `sha512-<base64>`.
    pub integrity: Option<&'a str>,
    /// Its publish time from `time` (full packuments only).
    pub published: Option<&'a str>,
}

/// What filtering did to a packument.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Filtered {
    /// The versions taken out, with why.
    pub removed: Vec<(String, Block)>,
    /// Tags that pointed at a removed version: the tag and where it points now (`None`:
    /// removed).
    pub retagged: Vec<(String, Option<String>)>,
}

/// A packument read lazily: its top-level fields, each version's manifest and its `dist` are
/// parsed one level deep and every other value is kept as the upstream's bytes
/// ([`RawValue`]), so filtering a packument costs a scan of it, not a tree of it, and what is
/// not changed is written back byte for byte.
#[derive(Debug)]
pub struct Packument(Object);

type Object = IndexMap<String, Box<RawValue>>;

/// A packument the upstream sent that is not a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PackumentError(String);

/// One version's archive, as a packument describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveInfo {
    /// The version.
    pub version: String,
    /// `dist.shasum`.
    pub shasum: Option<String>,
    /// `dist.integrity`.
    pub integrity: Option<String>,
    /// Its publish time from `time`.
    pub published: Option<String>,
    /// `dist.tarball`: the upstream's URL.
    pub tarball: String,
}

/// The text of a JSON string value; `None` for anything else.
fn text(raw: &RawValue) -> Option<Cow<'_, str>> {
    serde_json::from_str::<Cow<'_, str>>(raw.get()).ok()
}

/// An object value read one level deep; `None` when it is not an object.
fn object(raw: &RawValue) -> Option<Object> {
    serde_json::from_str(raw.get()).ok()
}

fn raw<T: serde::Serialize + ?Sized>(value: &T) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).expect("maps of strings and raw values serialize")
}

impl Packument {
    /// Reads a packument: a JSON object, or why not.
    pub fn parse(bytes: &[u8]) -> Result<Packument, PackumentError> {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return Err(PackumentError("not a JSON object".to_owned()));
        }
        serde_json::from_slice(bytes).map(Packument).map_err(|e| PackumentError(format!("not JSON: {e}")))
    }

    /// The packument as JSON.
    pub fn to_vec(&self) -> Vec<u8> {
        serde_json::to_vec(&self.0).expect("maps of strings and raw values serialize")
    }

    fn versions(&self) -> Option<Object> {
        self.0.get("versions").and_then(|v| object(v))
    }

    fn times(&self) -> Option<Object> {
        self.0.get("time").and_then(|v| object(v))
    }

    /// Every version's archive: what a download request is judged by.
    pub fn archives(&self) -> Vec<ArchiveInfo> {
        let times = self.times();
        let mut out = Vec::new();
        for (version, manifest) in self.versions().into_iter().flatten() {
            let Some(dist) = object(&manifest).and_then(|m| m.get("dist").and_then(|d| object(d))) else { continue };
            let field = |key: &str| dist.get(key).and_then(|v| text(v)).map(Cow::into_owned);
            let Some(tarball) = field("tarball") else { continue };
            out.push(ArchiveInfo {
                published: times.as_ref().and_then(|t| t.get(&version)).and_then(|v| text(v)).map(Cow::into_owned),
                shasum: field("shasum"),
                integrity: field("integrity"),
                tarball,
                version,
            });
        }
        out
    }

    /// Takes every version `judge` blocks out of the packument (its `versions` and `time`),
    /// lists them under npm's `policyRestrictions` with the blocks as its message, moves the
    /// tags that pointed at them ([`retag`]) and rewrites each remaining `dist.tarball` to
    /// `{base}/{name}/-/{file}`, the file name kept from the upstream's URL. A version without
    /// a usable tarball name points at the firewall under the conventional name
    /// `{short}-{version}.tgz`.
    pub fn filter(
        &mut self,
        name: &PackageName,
        base: &str,
        mut judge: impl FnMut(&VersionInfo<'_>) -> Option<Block>,
    ) -> Filtered {
        let mut out = Filtered::default();
        let Some(mut versions) = self.versions() else { return out };
        let times = self.times();
        // Each kept version with its manifest read one level deep, or as it came when it is
        // not an object (nothing a client could install; kept, not rewritten).
        let mut kept: Vec<(String, Result<Object, Box<RawValue>>)> = Vec::with_capacity(versions.len());
        for (version, original) in versions.drain(..) {
            let manifest = object(&original);
            let dist = manifest.as_ref().and_then(|m| m.get("dist")).and_then(|d| object(d));
            let field = |key: &str| dist.as_ref().and_then(|d| d.get(key)).and_then(|v| text(v));
            let (shasum, integrity) = (field("shasum"), field("integrity"));
            let published = times.as_ref().and_then(|t| t.get(&version)).and_then(|v| text(v));
            let info = VersionInfo {
                version: &version,
                shasum: shasum.as_deref(),
                integrity: integrity.as_deref(),
                published: published.as_deref(),
            };
            let block = judge(&info);
            match block {
                Some(block) => out.removed.push((version, block)),
                None => kept.push((version, manifest.ok_or(original))),
            }
        }
        for (version, manifest) in kept {
            let mut manifest = match manifest {
                Ok(m) => m,
                Err(original) => {
                    versions.insert(version, original);
                    continue;
                }
            };
            if let Some(mut dist) = manifest.get("dist").and_then(|d| object(d)) {
                let tarball = dist.get("tarball").and_then(|v| text(v)).map(Cow::into_owned).unwrap_or_default();
                let file = archive_file(&tarball, name.short(), &version);
                dist.insert("tarball".into(), raw(&format!("{base}/{}/-/{file}", name.as_str())));
                manifest.insert("dist".into(), raw(&dist));
            }
            versions.insert(version, raw(&manifest));
        }
        if out.removed.is_empty() {
            self.0.insert("versions".into(), raw(&versions));
            return out;
        }
        if let Some(mut time) = times {
            for (version, _) in &out.removed {
                time.shift_remove(version);
            }
            self.0.insert("time".into(), raw(&time));
        }
        // npm's own field for versions a registry withholds by policy: npm picks one only
        // when nothing else satisfies the request, and then fails with E403 and this message,
        // so a user who asks for a blocked version reads why.
        let message: Vec<String> = out.removed.iter().map(|(_, b)| b.line()).collect();
        let restricted: Map<String, Value> = out
            .removed
            .iter()
            .map(|(v, _)| (v.clone(), serde_json::json!({"name": name.as_str(), "version": v})))
            .collect();
        self.0.insert(
            "policyRestrictions".into(),
            raw(&serde_json::json!({"message": message.join("\n"), "versions": restricted})),
        );
        let remaining: Vec<String> = versions.keys().cloned().collect();
        self.0.insert("versions".into(), raw(&versions));
        let tags = self.0.get("dist-tags").and_then(|t| serde_json::from_str::<Map<String, Value>>(t.get()).ok());
        if let Some(mut tags) = tags {
            let removed: Vec<&str> = out.removed.iter().map(|(v, _)| v.as_str()).collect();
            for (tag, to) in retag(&tags, &removed, &remaining) {
                match &to {
                    Some(v) => tags.insert(tag.clone(), Value::String(v.clone())),
                    None => tags.shift_remove(&tag),
                };
                out.retagged.push((tag, to));
            }
            self.0.insert("dist-tags".into(), raw(&tags));
        }
        out
    }
}

/// Where each tag that points at a removed version goes: to the highest remaining version of
/// the same kind (a release for a release, a pre-release for a pre-release) that is not above
/// the removed one, so `latest` falls back to the last good release and never jumps ahead to
/// a version it did not name; to nothing when there is none. Versions that are not SemVer
/// never take a tag.
pub fn retag(tags: &Map<String, Value>, removed: &[&str], remaining: &[String]) -> Vec<(String, Option<String>)> {
    let parse = |v: &str| Version::parse(Scheme::Semver, v).ok();
    let candidates: Vec<(Version, &String)> = remaining.iter().filter_map(|v| Some((parse(v)?, v))).collect();
    let mut moves = Vec::new();
    for (tag, target) in tags {
        let Some(target) = target.as_str().filter(|t| removed.contains(t)) else { continue };
        let to = parse(target).and_then(|blocked| {
            candidates
                .iter()
                .filter(|(v, _)| v.is_prerelease() == blocked.is_prerelease() && *v <= blocked)
                .max_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal))
                .map(|(_, text)| (*text).clone())
        });
        moves.push((tag.clone(), to));
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block(why: &str) -> Block {
        Block {
            rule: "AS-008".into(),
            reference: Some(why.into()),
            reason: String::new(),
            what: "test".into(),
            severity: None,
        }
    }

    #[test]
    fn names_from_paths() {
        let plain = PackageName::from_path("left-pad").unwrap();
        assert_eq!(
            (plain.as_str(), plain.short(), plain.packument_path()),
            ("left-pad", "left-pad", "left-pad".into())
        );
        for spelled in ["@types/node", "@types%2fnode", "@types%2Fnode"] {
            let scoped = PackageName::from_path(spelled).unwrap();
            assert_eq!(scoped.as_str(), "@types/node", "{spelled}");
            assert_eq!(scoped.short(), "node");
            assert_eq!(scoped.packument_path(), "@types%2fnode");
        }
        assert!(PackageName::from_path("JSONStream").is_ok(), "old names hold capitals");
        for hostile in [
            "..",
            "%2e%2e",
            "..%2f..%2fetc",
            "@scope%2f..",
            "@scope%2f%2e%2e",
            "a/b",
            "@scope",
            "@/x",
            ".hidden",
            "_under",
            "a%00b",
            "a b",
            "@scope%2fname%2fmore",
            "%40scope%2fname",
            "caf\u{e9}",
            "",
        ] {
            assert!(PackageName::from_path(hostile).is_err(), "{hostile:?} must be refused");
        }
        assert!(PackageName::from_path(&"a".repeat(MAX_NAME)).is_ok());
        assert!(PackageName::from_path(&"a".repeat(MAX_NAME + 1)).is_err());
        assert!(PackageName::from_path(&format!("@s%2f{}", "a".repeat(MAX_NAME))).is_err());
    }

    /// Filters `doc` as the firewall does, from bytes to bytes.
    fn filter_packument(
        doc: &mut Map<String, Value>,
        name: &PackageName,
        base: &str,
        judge: impl FnMut(&VersionInfo<'_>) -> Option<Block>,
    ) -> Filtered {
        let mut p = Packument::parse(&serde_json::to_vec(doc).unwrap()).unwrap();
        let out = p.filter(name, base, judge);
        *doc = serde_json::from_slice(&p.to_vec()).unwrap();
        out
    }

    fn packument() -> Map<String, Value> {
        let v = |ver: &str| {
            json!({"name": "demo", "version": ver, "dist": {
                "tarball": format!("https://upstream.invalid/demo/-/demo-{ver}.tgz"),
                "shasum": format!("sha-{ver}"), "integrity": format!("sha512-{ver}")}})
        };
        json!({
            "name": "demo",
            "dist-tags": {"latest": "1.2.0", "next": "2.0.0-beta.2", "legacy": "0.9.0"},
            "versions": {"0.9.0": v("0.9.0"), "1.0.0": v("1.0.0"), "1.1.0": v("1.1.0"), "1.2.0": v("1.2.0"),
                         "2.0.0-beta.1": v("2.0.0-beta.1"), "2.0.0-beta.2": v("2.0.0-beta.2"), "3.0.0": v("3.0.0")},
            "time": {"created": "2020-01-01T00:00:00.000Z", "1.2.0": "2024-01-01T00:00:00.000Z", "2.0.0-beta.2": "x"}
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn blocked_versions_leave_versions_time_and_tags() {
        let mut doc = packument();
        let name = PackageName::from_path("demo").unwrap();
        let mut seen = Vec::new();
        let out = filter_packument(&mut doc, &name, "http://fw.test/registry/npm", |i| {
            seen.push((i.version.to_owned(), i.shasum.map(str::to_owned), i.published.map(str::to_owned)));
            matches!(i.version, "1.2.0" | "2.0.0-beta.2" | "0.9.0").then(|| block(i.version))
        });
        assert_eq!(seen.len(), 7);
        assert!(seen.contains(&("1.2.0".into(), Some("sha-1.2.0".into()), Some("2024-01-01T00:00:00.000Z".into()))));
        let removed: Vec<&str> = out.removed.iter().map(|(v, _)| v.as_str()).collect();
        assert_eq!(removed, ["0.9.0", "1.2.0", "2.0.0-beta.2"]);
        let versions: Vec<&String> = doc["versions"].as_object().unwrap().keys().collect();
        assert_eq!(versions, ["1.0.0", "1.1.0", "2.0.0-beta.1", "3.0.0"]);
        assert_eq!(doc["time"], json!({"created": "2020-01-01T00:00:00.000Z"}));
        // latest falls back to the last good release, not forward to 3.0.0; next to the last
        // good pre-release; legacy has nothing at or below it and goes.
        assert_eq!(doc["dist-tags"], json!({"latest": "1.1.0", "next": "2.0.0-beta.1"}));
        assert_eq!(
            out.retagged,
            [
                ("latest".into(), Some("1.1.0".into())),
                ("next".into(), Some("2.0.0-beta.1".into())),
                ("legacy".into(), None)
            ]
        );
        assert_eq!(doc["versions"]["1.1.0"]["dist"]["tarball"], "http://fw.test/registry/npm/demo/-/demo-1.1.0.tgz");
        assert_eq!(doc["versions"]["1.1.0"]["dist"]["shasum"], "sha-1.1.0", "the rest of dist is kept");
        let policy = &doc["policyRestrictions"];
        assert_eq!(policy["versions"]["1.2.0"], json!({"name": "demo", "version": "1.2.0"}));
        assert_eq!(policy["versions"].as_object().unwrap().len(), 3);
        assert!(policy["message"].as_str().unwrap().contains("scioc blocked test: rule AS-008 (1.2.0)"));
    }

    /// Issue 29: `=1.0.0` and `01.0.0` as version keys slipped past a block on 1.0.0.
    #[test]
    fn versions_are_read_canonically() {
        for (given, canonical) in [
            ("1.0.0", Some("1.0.0")),
            ("=1.0.0", Some("1.0.0")),
            ("v1.0.0", Some("1.0.0")),
            ("01.0.0", Some("1.0.0")),
            ("1.00.007-beta.1+b", Some("1.0.7-beta.1+b")),
            (" =v2.3.4 ", Some("2.3.4")),
            ("1.0", None),
            ("latest", None),
        ] {
            assert_eq!(canonical_version(given).as_deref(), canonical, "{given}");
        }
    }

    #[test]
    fn nothing_blocked_changes_only_the_tarballs() {
        let mut doc = packument();
        let before = doc.clone();
        let name = PackageName::from_path("demo").unwrap();
        let out = filter_packument(&mut doc, &name, "http://fw", |_| None);
        assert_eq!(out, Filtered::default());
        assert_eq!(doc["dist-tags"], before["dist-tags"]);
        assert_eq!(doc["time"], before["time"]);
        assert!(doc.get("policyRestrictions").is_none());
        assert_eq!(doc["versions"]["3.0.0"]["dist"]["tarball"], "http://fw/demo/-/demo-3.0.0.tgz");
    }

    #[test]
    fn scoped_tarballs_and_odd_upstream_urls() {
        let mut doc = json!({"versions": {
            "1.0.0": {"dist": {"tarball": "https://u.invalid/@s/pkg/-/pkg-1.0.0.tgz"}},
            "1.0.1": {"dist": {"tarball": "https://u.invalid/weird?x=/-/../../etc"}},
            "1.0.2": {"dist": {}},
            "1.0.3": {"dist": {"tarball": "https://u.invalid/download/@s/pkg/1.0.3/4f7a9c"}},
            "1.0.4": {"dist": {"tarball": "https://u.invalid/x/%2e%2e"}}
        }})
        .as_object()
        .unwrap()
        .clone();
        let name = PackageName::from_path("@s%2fpkg").unwrap();
        filter_packument(&mut doc, &name, "http://fw", |_| None);
        assert_eq!(doc["versions"]["1.0.0"]["dist"]["tarball"], "http://fw/@s/pkg/-/pkg-1.0.0.tgz");
        // The query is not the path; the path's last segment names the file.
        assert_eq!(doc["versions"]["1.0.1"]["dist"]["tarball"], "http://fw/@s/pkg/-/weird");
        assert_eq!(doc["versions"]["1.0.2"]["dist"]["tarball"], "http://fw/@s/pkg/-/pkg-1.0.2.tgz");
        // Issue 29: an URL without `/-/` (GitHub Packages' shape) keeps its last segment.
        assert_eq!(doc["versions"]["1.0.3"]["dist"]["tarball"], "http://fw/@s/pkg/-/4f7a9c");
        assert_eq!(doc["versions"]["1.0.4"]["dist"]["tarball"], "http://fw/@s/pkg/-/pkg-1.0.4.tgz");
    }

    #[test]
    fn what_is_not_changed_is_written_back_byte_for_byte() {
        let upstream = br#"{"name":"demo","x":{"b":1,"a":[1.50,"\u00e9"]},"versions":{"1.0.0":{"scripts":{"b":"1","a":"2"},"dist":{"tarball":"https://u/demo/-/demo-1.0.0.tgz","extra":1e3}},"0.1.0":"odd"}}"#;
        let mut p = Packument::parse(upstream).unwrap();
        p.filter(&PackageName::from_path("demo").unwrap(), "http://fw", |_| None);
        let out = String::from_utf8(p.to_vec()).unwrap();
        assert_eq!(
            out,
            r#"{"name":"demo","x":{"b":1,"a":[1.50,"\u00e9"]},"versions":{"1.0.0":{"scripts":{"b":"1","a":"2"},"dist":{"tarball":"http://fw/demo/-/demo-1.0.0.tgz","extra":1e3}},"0.1.0":"odd"}}"#
        );
        for bad in [&b"[]"[..], b"", b"{", b"\"x\"", b"  7"] {
            assert!(Packument::parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn archives_are_listed_with_their_hashes_and_times() {
        let doc = serde_json::to_vec(&packument()).unwrap();
        let archives = Packument::parse(&doc).unwrap().archives();
        assert_eq!(archives.len(), 7);
        let a = archives.iter().find(|a| a.version == "1.2.0").unwrap();
        assert_eq!(a.tarball, "https://upstream.invalid/demo/-/demo-1.2.0.tgz");
        assert_eq!(a.shasum.as_deref(), Some("sha-1.2.0"));
        assert_eq!(a.integrity.as_deref(), Some("sha512-1.2.0"));
        assert_eq!(a.published.as_deref(), Some("2024-01-01T00:00:00.000Z"));
    }

    #[test]
    fn a_tag_on_a_version_that_is_not_semver_is_removed() {
        let tags = json!({"latest": "banana", "ok": "1.0.0"}).as_object().unwrap().clone();
        let moves = retag(&tags, &["banana"], &["0.1.0".into()]);
        assert_eq!(moves, [("latest".into(), None)]);
    }
}
