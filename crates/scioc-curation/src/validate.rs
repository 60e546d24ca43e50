//! Validating candidate files: the JSON Schema in `schema/ioc-candidates.schema.json`, then the
//! checks a schema cannot express. Every problem is reported, each at its JSON pointer.

use crate::Candidate;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;
use std::{fmt, path::Path, sync::OnceLock};

/// The candidate schema, as shipped in the repository.
pub const SCHEMA: &str = include_str!("../../../schema/ioc-candidates.schema.json");

/// One problem in a candidate file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON pointer of the value at fault (`/3/first_seen`), or empty for the whole file.
    pub pointer: String,
    /// What was expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: Value = serde_json::from_str(SCHEMA).expect("the shipped schema is JSON");
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the shipped schema compiles")
    })
}

fn show(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Most problems listed for one file; the rest are counted in a last line.
pub const MAX_LISTED_PROBLEMS: usize = 1000;

/// Most candidates one file may hold (real incident files hold dozens).
pub const MAX_CANDIDATES: usize = 100_000;

/// Largest candidate file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Checks a parsed candidate document: the schema, then semantic checks. At most
/// [`MAX_LISTED_PROBLEMS`] problems are listed, in document order; a last problem counts the
/// others, so a file of a million bad objects costs a bounded report.
pub fn check_document(doc: &Value) -> Vec<Problem> {
    if let Some(items) = doc.as_array()
        && items.len() > MAX_CANDIDATES
    {
        return vec![Problem {
            pointer: String::new(),
            message: format!("{} candidates; a file holds at most {MAX_CANDIDATES} (split it)", items.len()),
        }];
    }
    let mut problems = Vec::new();
    let mut unlisted = 0usize;
    for e in validator().iter_errors(doc) {
        // Past the cap, problems are only counted, never formatted.
        if problems.len() >= 4 * MAX_LISTED_PROBLEMS {
            unlisted += match e.kind() {
                ValidationErrorKind::AdditionalProperties { unexpected } => unexpected.len(),
                _ => 1,
            };
            continue;
        }
        let pointer = e.instance_path().as_str().to_owned();
        let got = show(e.instance());
        let message = match e.kind() {
            ValidationErrorKind::Required { property } => {
                format!("missing required field {}", show(property))
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for field in unexpected {
                    problems.push(Problem { pointer: format!("{pointer}/{field}"), message: "unknown field".into() });
                }
                continue;
            }
            ValidationErrorKind::Enum { options } => {
                let names: Vec<String> = options
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|o| o.as_str().unwrap_or_default().to_owned())
                    .collect();
                format!("expected one of {}, got {got}", names.join(", "))
            }
            ValidationErrorKind::Format { format } if format == "date" => {
                format!("expected a date YYYY-MM-DD, got {got}")
            }
            ValidationErrorKind::Format { format } if format == "uri" => format!("expected an absolute URI, got {got}"),
            ValidationErrorKind::MinLength { .. } => "must not be empty".into(),
            ValidationErrorKind::Type { .. } if pointer.is_empty() => "expected a JSON array of candidates".into(),
            ValidationErrorKind::Type { .. } => format!("has the wrong type: {}", e),
            _ => e.to_string(),
        };
        problems.push(Problem { pointer, message });
    }
    // Semantic checks, on every item, reading what fields it has.
    for (i, item) in doc.as_array().into_iter().flatten().enumerate() {
        semantic(item, i, &mut problems);
    }
    problems
        .sort_by(|a, b| natural_pointer(&a.pointer).cmp(&natural_pointer(&b.pointer)).then(a.message.cmp(&b.message)));
    problems.dedup();
    if problems.len() > MAX_LISTED_PROBLEMS {
        unlisted += problems.len() - MAX_LISTED_PROBLEMS;
        problems.truncate(MAX_LISTED_PROBLEMS);
    }
    if unlisted > 0 {
        problems.push(Problem {
            pointer: String::new(),
            message: format!("… and {unlisted} more problem(s); only the first {MAX_LISTED_PROBLEMS} are listed"),
        });
    }
    problems
}

/// Orders `/10/x` after `/9/x`.
fn natural_pointer(p: &str) -> Vec<(u64, String)> {
    p.split('/').map(|s| (s.parse::<u64>().unwrap_or(u64::MAX), s.to_owned())).collect()
}

fn semantic(item: &Value, i: usize, out: &mut Vec<Problem>) {
    let field = |k: &str| item.get(k).and_then(Value::as_str);
    let at = |f: &str| if f.is_empty() { format!("/{i}") } else { format!("/{i}/{f}") };
    let (Some(ioc_type), Some(value)) = (field("ioc_type"), field("value")) else { return };
    let matching = field("match").unwrap_or(crate::candidate::default_match(ioc_type));
    if matching == "regex"
        && let Err(e) = regex::Regex::new(value)
    {
        let detail = e.to_string().lines().last().unwrap_or("").trim().to_owned();
        out.push(Problem { pointer: at("value"), message: format!("not a valid regular expression: {detail}") });
    }
    if ioc_type == "sha256" && (value.len() != 64 || !value.bytes().all(|b| b.is_ascii_hexdigit())) {
        out.push(Problem {
            pointer: at("value"),
            message: format!("expected 64 hex digits of SHA-256, got {value:?}"),
        });
    }
    if ioc_type == "domain"
        && matching != "regex"
        && (value.contains("://") || value.contains('/') || value.contains(char::is_whitespace))
    {
        out.push(Problem {
            pointer: at("value"),
            message: format!("expected a host name like evil.example, got {value:?}"),
        });
    }
    if ioc_type == "url" && matching == "exact" && !value.contains("://") {
        out.push(Problem {
            pointer: at("value"),
            message: format!("expected an absolute URL for an exact url match, got {value:?}"),
        });
    }
    if let Some(ecosystem) = field("ecosystem") {
        for (j, v) in item.get("affected_versions").and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let Some(v) = v.as_str()
                && let Err(e) = scioc_versions::Spec::parse(ecosystem, v)
            {
                // The parser that validates is the one the verdict engine matches with.
                out.push(Problem { pointer: at(&format!("affected_versions/{j}")), message: e.to_string() });
            }
        }
    }
    if field("promote_to") == Some("blacklist") {
        let versions_ok = item.get("affected_versions").and_then(Value::as_array).is_some_and(|a| !a.is_empty());
        for (name, present) in [
            ("blacklist_id", item.get("blacklist_id").is_some()),
            ("affected_versions", versions_ok),
            ("action", item.get("action").is_some()),
            ("severity", item.get("severity").is_some()),
        ] {
            if !present {
                out.push(Problem {
                    pointer: at(""),
                    message: format!("promote_to blacklist needs a non-empty {name:?}"),
                });
            }
        }
    }
}

/// Reads and validates a candidate file, returning its candidates or every problem found.
pub fn read_file(path: &Path) -> Result<Vec<Candidate>, Vec<Problem>> {
    let whole = |message: String| vec![Problem { pointer: String::new(), message }];
    let size = std::fs::metadata(path).map_err(|e| whole(format!("cannot read: {e}")))?.len();
    if size > MAX_FILE_BYTES {
        return Err(whole(format!("{size} bytes; a candidate file is at most {MAX_FILE_BYTES}")));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| vec![Problem { pointer: String::new(), message: format!("cannot read: {e}") }])?;
    let doc: Value = serde_json::from_slice(&bytes)
        .map_err(|e| vec![Problem { pointer: String::new(), message: format!("not JSON: {e}") }])?;
    let problems = check_document(&doc);
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_json::from_value(doc).map_err(|e| vec![Problem { pointer: String::new(), message: e.to_string() }])
}
