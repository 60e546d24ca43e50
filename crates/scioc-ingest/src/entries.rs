//! JSON Lines of entries: one vendor-shaped entry per line, plus `event_type` and an optional
//! `timestamp` (Unix seconds or `YYYY-MM-DDThh:mm:ss`, default now).

use scioc_model::{Entry, FeedTime, RawEntry};
use scioc_store::NewEvent;
use std::{fmt, io::BufRead};

/// Most problems kept for one input; the count goes on past it.
const MAX_PROBLEMS: usize = 200;

/// A line that was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// One-based line number.
    pub line: usize,
    /// Path of the field at fault, or `json` for a line that is not JSON.
    pub field: String,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.line, self.field, self.message)
    }
}

/// Why an input was refused: every problem found (up to a cap) and how many there were.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{total} bad line(s)")]
pub struct Refused {
    /// The problems, in line order.
    pub problems: Vec<Problem>,
    /// How many problems there were, including any past the cap.
    pub total: usize,
    /// Whether reading the input itself failed (an IO error), as opposed to bad lines.
    pub io_error: Option<String>,
}

/// A validated line: its number and the event it becomes.
#[derive(Debug, Clone)]
pub struct Line {
    /// One-based line number.
    pub line: usize,
    /// The event.
    pub event: NewEvent,
}

/// Reads and validates every line of `input`.
///
/// `newest` is the feed's newest event time: a line whose timestamp is older is refused, as is
/// a line older than a line before it. Blank lines are skipped. On any problem nothing is
/// returned but the problems.
pub fn parse(input: impl BufRead, newest: Option<FeedTime>, now: FeedTime) -> Result<Vec<Line>, Refused> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut total = 0;
    let mut prev: Option<(usize, FeedTime)> = None;
    let mut report = |p: Problem, problems: &mut Vec<Problem>| {
        total += 1;
        if problems.len() < MAX_PROBLEMS {
            problems.push(p);
        }
    };
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        let text = match line {
            Ok(t) => t,
            Err(e) => {
                return Err(Refused { problems, total, io_error: Some(format!("line {n}: {e}")) });
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        match parse_line(&text, now) {
            Err((field, message)) => report(Problem { line: n, field, message }, &mut problems),
            Ok((entry, time)) => {
                let effective = time.unwrap_or(now);
                if let Some(t) = time
                    && let Some(newest) = newest.filter(|newest| t < *newest)
                {
                    report(
                        Problem {
                            line: n,
                            field: "timestamp".into(),
                            message: format!(
                                "{t} is older than the feed's newest event ({newest}); the feed never goes back in time"
                            ),
                        },
                        &mut problems,
                    );
                    continue;
                }
                if let Some((pl, pt)) = prev.filter(|(_, pt)| effective < *pt) {
                    report(
                        Problem {
                            line: n,
                            field: "timestamp".into(),
                            message: format!("{effective} is older than line {pl} ({pt}); lines must be in time order"),
                        },
                        &mut problems,
                    );
                    continue;
                }
                prev = Some((n, effective));
                out.push(Line {
                    line: n,
                    event: NewEvent { entry, time, affected: None, provenance: None, claim: None },
                });
            }
        }
    }
    if total > 0 { Err(Refused { problems, total, io_error: None }) } else { Ok(out) }
}

fn parse_line(text: &str, now: FeedTime) -> Result<(Entry, Option<FeedTime>), (String, String)> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let raw: RawEntry = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if inner.is_syntax() || inner.is_eof() {
            "json".to_owned()
        } else if path == "." {
            "entry".to_owned()
        } else {
            path
        };
        // serde_json ends its message with "at line 1 column N"; the line is ours to name.
        let message = match (inner.to_string().rsplit_once(" at line "), inner.column()) {
            (Some((head, _)), col) if col > 0 => format!("{head} (column {col})"),
            _ => inner.to_string(),
        };
        (field, message)
    })?;
    let time = match &raw.timestamp {
        None => None,
        Some(v) => Some(
            FeedTime::parse_any(&v.to_text())
                .and_then(|t| t.check_in_feed(now))
                .map_err(|e| ("timestamp".to_owned(), e.to_string()))?,
        ),
    };
    let entry = Entry::try_from(raw).map_err(|e| (e.field, e.message))?;
    if entry.event_type != scioc_model::EventType::FalsePositive
        && !entry.sample_list.iter().any(|s| s.threat_name.is_some())
    {
        return Err((
            "sample_list".to_owned(),
            format!(
                "a {} entry names its threat: expected an item with status and threat_name; a minimal entry is \
                 event_type, identity.purl (or a hash) and sample_list [{{\"status\": \"MALICIOUS\", \"threat_name\": …}}]",
                entry.event_type
            ),
        ));
    }
    Ok((entry, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(input: &str, newest: Option<&str>) -> Vec<String> {
        let newest = newest.map(|s| FeedTime::parse_utc(s).unwrap());
        parse(input.as_bytes(), newest, FeedTime::now()).unwrap_err().problems.iter().map(|p| p.to_string()).collect()
    }

    const OK: &str = r#"{"event_type":"NEW_MALICIOUS","identity":{"purl":"pkg:npm/a@1.0.0"},"sample_list":[{"status":"MALICIOUS","threat_name":"Script-JS.Downloader.SupplyChain"}]"#;

    #[test]
    fn good_lines_parse_with_their_times() {
        let input =
            format!("{OK},\"timestamp\":1717495200}}\n\n{OK},\"timestamp\":\"2024-06-04T10:00:00\"}}\n{OK}}}\n");
        let lines = parse(input.as_bytes(), None, FeedTime::now()).unwrap();
        assert_eq!(lines.iter().map(|l| l.line).collect::<Vec<_>>(), vec![1, 3, 4]);
        assert_eq!(lines[0].event.time, Some(FeedTime::from_unix(1_717_495_200)));
        assert_eq!(lines[1].event.time, Some(FeedTime::from_unix(1_717_495_200)));
        assert_eq!(lines[2].event.time, None);
    }

    #[test]
    fn every_bad_line_is_reported_with_its_field() {
        let input = [
            "{not json".to_owned(),
            format!("{OK},\"colour\":1}}"),
            r#"{"event_type":"FP","identity":{"purl":7}}"#.to_owned(),
            r#"{"event_type":"FP","sample_list":[{"status":"MALICIOUS","sha256":"ab"}],"md5":"99d1bdaaa2e4a198521bc12df599ead0"}"#.to_owned(),
            format!("{OK},\"timestamp\":\"2011-01-01T00:00:00\"}}"),
            format!("{OK},\"timestamp\":\"tomorrow\"}}"),
        ]
        .join("\n");
        let got = problems(&input, None);
        assert_eq!(got.len(), 6, "{got:#?}");
        assert!(got[0].starts_with("1: json: "), "{}", got[0]);
        assert!(got[1].starts_with("2: colour: unknown field `colour`"), "{}", got[1]);
        assert!(got[1].ends_with("(column 164)"), "{}", got[1]);
        assert!(got[2].starts_with("3: identity.purl: invalid type"), "{}", got[2]);
        assert!(got[3].starts_with("4: sample_list[0].sha256: expected 64 hex digits"), "{}", got[3]);
        assert!(got[4].starts_with("5: timestamp: 2011-01-01T00:00:00 is before the feed epoch"), "{}", got[4]);
        assert!(got[5].starts_with("6: timestamp: expected Unix seconds or a UTC time"), "{}", got[5]);
    }

    /// Issue 28: an entry with a purl and nothing else was stored, and shown with an empty threat.
    #[test]
    fn an_announcement_must_name_its_threat() {
        let got = problems(r#"{"event_type":"NEW_MALICIOUS","identity":{"purl":"pkg:npm/a@1.0.0"}}"#, None);
        assert!(got[0].starts_with("1: sample_list: a NEW_MALICIOUS entry names its threat"), "{got:?}");
        assert!(got[0].contains("a minimal entry is"), "{got:?}");
        let fp = r#"{"event_type":"FP","identity":{"purl":"pkg:npm/a@1.0.0"}}"#;
        assert!(parse(fp.as_bytes(), None, FeedTime::now()).is_ok(), "an FP needs no threat");
    }

    #[test]
    fn time_order_is_enforced_against_the_feed_and_earlier_lines() {
        let input =
            format!("{OK},\"timestamp\":\"2024-06-04T10:00:00\"}}\n{OK},\"timestamp\":\"2024-06-04T09:00:00\"}}\n");
        let got = problems(&input, Some("2024-06-04T09:30:00"));
        assert_eq!(got.len(), 1);
        assert!(
            got[0].starts_with("2: timestamp: 2024-06-04T09:00:00 is older than the feed's newest event"),
            "{got:?}"
        );
        let got = problems(&input, None);
        assert!(got[0].starts_with("2: timestamp: 2024-06-04T09:00:00 is older than line 1"), "{got:?}");
    }
}
