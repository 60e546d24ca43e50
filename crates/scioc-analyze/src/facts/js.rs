//! JavaScript and TypeScript facts, through `oxc`'s parser: calls with their callee resolved
//! through `require`, `import` and aliases (`const { exec } = require("child_process")` makes
//! `exec(…)` a call to `child_process.exec`), string literals and template text, whole
//! environment dumps and `_0x` mangled names. A file the parser refuses still gives the facts
//! of what it recovered, and [`super::text`] reads it too.

use super::{Call, Facts, Lines};
use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, BindingPattern, CallExpression, Expression, ImportDeclaration, ImportDeclarationSpecifier, NewExpression,
    ObjectPropertyKind, StringLiteral, TemplateLiteral, VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::SourceType;
use std::collections::HashMap;

/// The facts of one JavaScript (or TypeScript, by `path`) file.
pub(crate) fn facts(path: &str, source: &str) -> Facts {
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(path).unwrap_or_else(|_| SourceType::cjs());
    // Scripts and modules alike: unambiguous parsing accepts both.
    let source_type = if path.ends_with(".ts") || path.ends_with(".tsx") || path.ends_with(".mts") {
        source_type
    } else {
        source_type.with_unambiguous(true)
    };
    let parsed = oxc_parser::Parser::new(&allocator, source, source_type).parse();
    let mut walker = Walker { lines: Lines::new(source), aliases: HashMap::new(), facts: Facts::default() };
    walker.visit_program(&parsed.program);
    let mut facts = walker.facts;
    facts.parsed = !parsed.panicked;
    facts.parse_error = parsed.diagnostics.first().map(|d| d.to_string());
    facts
}

/// Helpers TypeScript, Babel and esbuild wrap a `require` in when they compile an `import`.
const INTEROP: &[&str] = &[
    "__importDefault",
    "__importStar",
    "_interopRequireDefault",
    "_interopRequireWildcard",
    "__toESM",
    "__toCommonJS",
];

struct Walker {
    lines: Lines,
    /// Local names for modules and their members: `cp` → `child_process`.
    aliases: HashMap<String, String>,
    facts: Facts,
}

impl Walker {
    /// The dotted name an expression stands for, through aliases: `cp.exec`,
    /// `require("os").homedir`, `globalThis["eval"]`.
    fn path_of(&self, e: &Expression<'_>) -> Option<String> {
        match e {
            Expression::Identifier(id) => {
                let name = id.name.as_str();
                Some(self.aliases.get(name).cloned().unwrap_or_else(|| name.to_owned()))
            }
            Expression::StaticMemberExpression(m) => {
                let object = self.path_of(&m.object)?;
                // What a compiler's interop makes of `import x from "m"`: `m_1.default`.
                match m.property.name.as_str() {
                    "default" => Some(object),
                    property => Some(format!("{object}.{property}")),
                }
            }
            Expression::ComputedMemberExpression(m) => {
                let object = self.path_of(&m.object)?;
                match &m.expression {
                    Expression::StringLiteral(s) => Some(format!("{object}.{}", s.value.as_str())),
                    _ => None,
                }
            }
            // A call's result stands for its callee, `require("x")` for the module, and a
            // compiler's interop wrapper (`__importDefault(require("x"))`) for what it wraps.
            Expression::CallExpression(c) => required(c).map(str::to_owned).or_else(|| {
                let wrapper = matches!(&c.callee, Expression::Identifier(id) if INTEROP.contains(&id.name.as_str()));
                match c.arguments.first().and_then(|a| a.as_expression()) {
                    Some(inner) if wrapper => self.path_of(inner),
                    _ => self.path_of(&c.callee),
                }
            }),
            Expression::ParenthesizedExpression(p) => self.path_of(&p.expression),
            // `(0, m_1.default)(…)`: the last expression is the callee.
            Expression::SequenceExpression(s) => s.expressions.last().and_then(|e| self.path_of(e)),
            Expression::ImportExpression(i) => match &i.source {
                Expression::StringLiteral(s) => Some(s.value.as_str().to_owned()),
                _ => None,
            },
            _ => None,
        }
    }

    fn call(&mut self, callee: &Expression<'_>, arguments: &[Argument<'_>], at: u32, new: bool) {
        let Some(mut name) = self.path_of(callee) else { return };
        if new {
            name = format!("new {name}");
        }
        let first = arguments.first().and_then(|a| a.as_expression()).and_then(literal);
        let mut inner = Vec::new();
        let mut options = Vec::new();
        for a in arguments {
            let Some(e) = a.as_expression() else { continue };
            self.inner_calls(e, &mut inner, 0);
            match e.get_inner_expression() {
                Expression::ObjectExpression(o) => {
                    for p in &o.properties {
                        if let ObjectPropertyKind::ObjectProperty(p) = p
                            && let Some(key) = p.key.static_name()
                        {
                            // `detached: true` counts, `detached: false` does not.
                            if !matches!(&p.value, Expression::BooleanLiteral(b) if !b.value) {
                                options.push(key.into_owned());
                            }
                        }
                    }
                }
                e if e.is_specific_member_access("process", "env") && dumps_env(&name) => {
                    self.facts.env_dumps.push(self.lines.of(at as usize));
                }
                _ => {}
            }
        }
        if name == "require"
            && let Some(module) = &first
        {
            self.facts.imports.push((module.clone(), self.lines.of(at as usize)));
        }
        self.facts.calls.push(Call { name, line: self.lines.of(at as usize), first, inner, options });
    }

    /// The calls inside an argument, through member accesses and nested calls:
    /// `Buffer.from(p, "base64").toString()` holds `Buffer.from`.
    fn inner_calls(&self, e: &Expression<'_>, out: &mut Vec<String>, depth: u32) {
        if depth > 6 || out.len() > 16 {
            return;
        }
        match e.get_inner_expression() {
            Expression::CallExpression(c) => {
                out.extend(self.path_of(&c.callee));
                self.inner_calls(&c.callee, out, depth + 1);
                for a in &c.arguments {
                    if let Some(a) = a.as_expression() {
                        self.inner_calls(a, out, depth + 1);
                    }
                }
            }
            Expression::NewExpression(c) => out.extend(self.path_of(&c.callee).map(|n| format!("new {n}"))),
            Expression::StaticMemberExpression(m) => self.inner_calls(&m.object, out, depth + 1),
            Expression::ComputedMemberExpression(m) => self.inner_calls(&m.object, out, depth + 1),
            Expression::BinaryExpression(b) => {
                self.inner_calls(&b.left, out, depth + 1);
                self.inner_calls(&b.right, out, depth + 1);
            }
            _ => {}
        }
    }

    /// Records the aliases a binding pattern introduces for `target`.
    fn bind(&mut self, pattern: &BindingPattern<'_>, target: &str) {
        match pattern {
            BindingPattern::BindingIdentifier(b) => {
                self.aliases.insert(b.name.as_str().to_owned(), target.to_owned());
            }
            BindingPattern::ObjectPattern(o) => {
                for p in &o.properties {
                    if let Some(key) = p.key.static_name() {
                        self.bind(&p.value, &format!("{target}.{key}"));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The module a `require("x")` call names.
fn required<'a>(c: &'a CallExpression<'_>) -> Option<&'a str> {
    match (&c.callee, c.arguments.first().and_then(|a| a.as_expression())) {
        (Expression::Identifier(id), Some(Expression::StringLiteral(s))) if id.name.as_str() == "require" => {
            Some(s.value.as_str())
        }
        _ => None,
    }
}

/// A string literal, or a template literal without holes.
fn literal(e: &Expression<'_>) -> Option<String> {
    match e.get_inner_expression() {
        Expression::StringLiteral(s) => Some(s.value.as_str().to_owned()),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
            Some(t.quasis.iter().map(|q| q.value.raw.as_str()).collect())
        }
        _ => None,
    }
}

/// Calls that turn a value into something sent or stored whole.
fn dumps_env(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    ["stringify", "send", "write", "post", "request", "encode", "from", "btoa", "fetch", "end"]
        .iter()
        .any(|w| last.contains(w))
}

fn mangled(name: &str) -> bool {
    name.len() > 3 && name.starts_with("_0x") && name[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

impl<'a> Visit<'a> for Walker {
    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        self.call(&it.callee, &it.arguments, it.span.start, false);
        walk::walk_call_expression(self, it);
    }

    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        self.call(&it.callee, &it.arguments, it.span.start, true);
        walk::walk_new_expression(self, it);
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if let Some(init) = &it.init
            && let Some(target) = self.path_of(init.get_inner_expression())
        {
            self.bind(&it.id, &target);
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        let module = it.source.value.as_str();
        self.facts.imports.push((module.to_owned(), self.lines.of(it.span.start as usize)));
        for s in it.specifiers.iter().flatten() {
            let (local, target) = match s {
                ImportDeclarationSpecifier::ImportSpecifier(s) => {
                    (s.local.name.as_str(), format!("{module}.{}", s.imported.name()))
                }
                ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => (s.local.name.as_str(), module.to_owned()),
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => (s.local.name.as_str(), module.to_owned()),
            };
            self.aliases.insert(local.to_owned(), target);
        }
        walk::walk_import_declaration(self, it);
    }

    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        self.facts.strings.push((it.value.as_str().to_owned(), self.lines.of(it.span.start as usize)));
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        let text: String = it.quasis.iter().map(|q| q.value.raw.as_str()).collect::<Vec<_>>().join("${}");
        self.facts.strings.push((text, self.lines.of(it.span.start as usize)));
        walk::walk_template_literal(self, it);
    }

    fn visit_identifier_reference(&mut self, it: &oxc_ast::ast::IdentifierReference<'a>) {
        if mangled(it.name.as_str()) {
            self.facts.mangled += 1;
        }
    }

    fn visit_binding_identifier(&mut self, it: &oxc_ast::ast::BindingIdentifier<'a>) {
        if mangled(it.name.as_str()) {
            self.facts.mangled += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callees_resolve_through_require_import_and_destructuring() {
        let f = facts(
            "x.js",
            r#"const cp = require("child_process");
const { exec: run } = require('child_process');
import * as os from "os";
cp.spawn("sh", ["-c", "x"], { detached: true, stdio: "ignore" });
run(`curl x`);
require("https").get("https://example.com/a");
eval(Buffer.from("aGk=", "base64").toString());
fetch("u", { body: JSON.stringify(process.env) });
var _0x1a2b = 1; _0x1a2b++;"#,
        );
        let names: Vec<&str> = f.calls.iter().map(|c| c.name.as_str()).collect();
        assert!(names.contains(&"child_process.spawn"), "{names:?}");
        assert!(names.contains(&"child_process.exec"), "{names:?}");
        assert!(names.contains(&"https.get"), "{names:?}");
        let spawn = f.calls.iter().find(|c| c.name == "child_process.spawn").unwrap();
        assert_eq!((spawn.line, spawn.first.as_deref()), (4, Some("sh")));
        assert!(spawn.options.contains(&"detached".to_owned()));
        let eval = f.calls.iter().find(|c| c.name == "eval").unwrap();
        assert_eq!(eval.inner, ["Buffer.from.toString", "Buffer.from"]);
        assert_eq!(f.env_dumps, [8]);
        assert_eq!(f.mangled, 2);
        assert!(f.imports.iter().any(|(m, l)| m == "os" && *l == 3));
        assert!(f.parsed);
    }

    #[test]
    fn compiled_imports_resolve_to_their_module() {
        let f = facts(
            "build/a.js",
            "const node_fetch_1 = __importDefault(require(\"node-fetch\"));\nconst cp = tslib.__importStar(require('child_process'));\n(0, node_fetch_1.default)(u, { method: 'POST' });\n",
        );
        let names: Vec<&str> = f.calls.iter().map(|c| c.name.as_str()).collect();
        assert!(names.contains(&"node-fetch"), "{names:?}");
    }

    #[test]
    fn a_file_the_parser_refuses_is_reported_not_fatal() {
        let f = facts("bad.js", "function ( { ] \u{0} require('x'");
        assert!(f.parse_error.is_some());
    }
}
