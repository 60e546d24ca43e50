//! What a report may quote of a file: a bounded excerpt with anything shaped like a secret
//! masked.
//!
//! Scan reports and analyses end up in pull-request comments, SARIF uploads and CI logs. A line that failed
//! to parse can hold a token (`PASSWORD=…`, an `Authorization` value, a key), so no message
//! quotes more than [`EXCERPT_CHARS`] characters of a file, and every word that looks like a
//! credential is cut to its first few characters. Hand-written: it is a few lines, and no crate
//! offers this exact rule.

/// Most characters of a file's line an error message quotes.
pub const EXCERPT_CHARS: usize = 40;

/// Most characters of an error message kept in a report.
pub const MESSAGE_CHARS: usize = 240;

/// Characters kept of a masked word.
const KEEP: usize = 3;

/// Words at least this long that mix letters and digits are masked.
const SECRET_MIN: usize = 12;

/// A bounded, masked excerpt of `line` for an error message, quoted (`"…"`).
pub fn excerpt(line: &str) -> String {
    format!("{:?}", bounded(&mask(line), EXCERPT_CHARS))
}

/// `message` bounded to [`MESSAGE_CHARS`] on one line, with secret-shaped words masked: every
/// message a report shows passes through here, whoever wrote it (an extractor or a parser).
pub fn message(message: &str) -> String {
    let one_line: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
    bounded(&mask(&one_line), MESSAGE_CHARS)
}

fn bounded(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Masks every word (a run of characters a token is made of) that is long and mixes letters
/// with digits, and every value after a key that names a secret (`password=`, `token:` …).
fn mask(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let mut after_secret_key = false;
    let flush = |word: &mut String, out: &mut String, after_secret_key: &mut bool| {
        if word.is_empty() {
            return;
        }
        if *after_secret_key && word.chars().count() > KEEP {
            out.extend(word.chars().take(KEEP));
            out.push_str("…[redacted]");
            *after_secret_key = false;
        } else if word.contains('/') {
            // A path or URL: its host and plain segments stay readable, a token in it does not.
            for (i, segment) in word.split('/').enumerate() {
                if i > 0 {
                    out.push('/');
                }
                out.push_str(&masked_word(segment));
            }
            *after_secret_key = false;
        } else if secret_shaped(word) {
            out.push_str(&masked_word(word));
            *after_secret_key = false;
        } else {
            let lower = word.to_ascii_lowercase();
            *after_secret_key =
                ["pass", "secret", "token", "key", "auth", "credential", "pwd"].iter().any(|k| lower.contains(k));
            out.push_str(word);
        }
        word.clear();
    };
    for c in s.chars() {
        if c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '/' | '.' | '~') {
            word.push(c);
        } else {
            flush(&mut word, &mut out, &mut after_secret_key);
            // A key's separator keeps the mark for the value after it; anything else drops it.
            if !matches!(c, '=' | ':' | ' ' | '"' | '\'') {
                after_secret_key = false;
            }
            out.push(c);
        }
    }
    flush(&mut word, &mut out, &mut after_secret_key);
    out
}

/// Long, and mixing letters with digits: a token's shape.
fn secret_shaped(word: &str) -> bool {
    word.chars().count() >= SECRET_MIN
        && word.chars().any(|c| c.is_ascii_alphabetic())
        && word.chars().any(|c| c.is_ascii_digit())
}

/// `word` cut to its first characters when it is shaped like a token.
fn masked_word(word: &str) -> String {
    if secret_shaped(word) {
        let kept: String = word.chars().take(KEEP).collect();
        format!("{kept}…[redacted]")
    } else {
        word.to_owned()
    }
}

/// `line` bounded to `max` characters on one line (control characters as spaces), with
/// secret-shaped words masked; unquoted. What the package analyser's evidence shows.
pub fn evidence(line: &str, max: usize) -> String {
    let one_line: String = line.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    bounded(&mask(one_line.trim()), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_secret_values_are_masked() {
        let m = message("expected a requirement like name==1.0, got \"TOKEN=ghp_9aZk2LmQ8rT5vW1xY3bC\"");
        assert!(!m.contains("9aZk2LmQ8rT5"), "{m}");
        assert!(m.contains("TOKEN=ghp…[redacted]"), "{m}");
        let m = message("password: hunter");
        assert_eq!(m, "password: hun…[redacted]");
        // Ordinary words and short versions stay readable.
        assert_eq!(
            message("expected `name (version)`, got \"rake (13.0.6)\""),
            "expected `name (version)`, got \"rake (13.0.6)\""
        );
    }

    #[test]
    fn urls_keep_their_host_and_lose_their_token() {
        let m = evidence("post('https://discord.com/api/webhooks/1187/aZk2LmQ8rT5vW1xY3bC9')", 200);
        assert_eq!(m, "post('https://discord.com/api/webhooks/1187/aZk…[redacted]')");
        assert_eq!(evidence("fetch('http://203.0.113.9/x')\n", 200), "fetch('http://203.0.113.9/x')");
        assert_eq!(evidence(&"b".repeat(300), 10), format!("{}…", "b".repeat(10)));
    }

    #[test]
    fn excerpts_and_messages_are_bounded() {
        let long = "a ".repeat(500);
        assert!(excerpt(&long).chars().count() <= EXCERPT_CHARS + 3);
        assert!(message(&long).chars().count() <= MESSAGE_CHARS + 1);
        assert_eq!(message("line one\n  line two"), "line one line two");
    }
}
