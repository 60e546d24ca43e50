//! Constant folding of the Python expressions obfuscators build payloads with, without running
//! anything: literals joined with `+`, reversed with `[::-1]`, `chr` code lists joined,
//! `bytes([…])`, and decoders applied to them (`base64.b64decode`, `bytes.fromhex`,
//! `binascii.unhexlify`, `codecs.decode(…, "rot13")`, `zlib.decompress`, `.decode()`).
//! What folds is read like any string literal, and as code when it is code, so a URL or a
//! webhook hidden under two encodings is seen where it is used.
//!
//! Bounded: a folded value longer than [`MAX_FOLDED`] is dropped, decompression stops there,
//! and expressions nest at most [`MAX_NESTING`] deep.

use base64::Engine;
use rustpython_ast as ast;
use std::collections::HashMap;
use std::io::Read;

/// Longest value folded, in bytes.
pub(crate) const MAX_FOLDED: usize = 1024 * 1024;

/// Deepest expression nesting folded.
const MAX_NESTING: u32 = 12;

/// Calls whose result is their argument decoded, by their resolved name.
pub(crate) const DECODERS: &[&str] = &[
    "base64.b64decode",
    "base64.standard_b64decode",
    "base64.urlsafe_b64decode",
    "base64.decodebytes",
    "base64.decodestring",
    "base64.b16decode",
    "bytes.fromhex",
    "binascii.unhexlify",
    "binascii.a2b_hex",
    "binascii.a2b_base64",
    "codecs.decode",
    "zlib.decompress",
    "gzip.decompress",
];

/// What the folder needs of the file: a callee's resolved name, and the constants assigned
/// to plain names so far.
pub(crate) struct Scope<'a> {
    /// Resolves a callee expression to its dotted name (`b64decode` → `base64.b64decode`).
    pub(crate) resolve: &'a dyn Fn(&ast::Expr) -> Option<String>,
    /// Names bound to folded constants (`payload = "aW1wb3J0…"`).
    pub(crate) consts: &'a HashMap<String, Vec<u8>>,
}

/// The bytes an expression folds to, if it is made only of literals and the operations above.
pub(crate) fn fold(e: &ast::Expr, scope: &Scope<'_>) -> Option<Vec<u8>> {
    fold_at(e, scope, 0).filter(|v| v.len() <= MAX_FOLDED)
}

/// The bytes a call folds to (a decoder applied to constants).
pub(crate) fn fold_call_expr(c: &ast::ExprCall, scope: &Scope<'_>) -> Option<Vec<u8>> {
    fold_call(c, scope, 0).filter(|v| v.len() <= MAX_FOLDED)
}

fn fold_at(e: &ast::Expr, scope: &Scope<'_>, depth: u32) -> Option<Vec<u8>> {
    if depth > MAX_NESTING {
        return None;
    }
    let next = |e: &ast::Expr| fold_at(e, scope, depth + 1);
    match e {
        ast::Expr::Constant(c) => match &c.value {
            ast::Constant::Str(s) => Some(s.as_bytes().to_vec()),
            ast::Constant::Bytes(b) => Some(b.clone()),
            _ => None,
        },
        ast::Expr::Name(n) => scope.consts.get(n.id.as_str()).cloned(),
        ast::Expr::BinOp(b) if matches!(b.op, ast::Operator::Add) => {
            let mut left = next(&b.left)?;
            let right = next(&b.right)?;
            if left.len() + right.len() > MAX_FOLDED {
                return None;
            }
            left.extend(right);
            Some(left)
        }
        // `s[::-1]`
        ast::Expr::Subscript(s) => match s.slice.as_ref() {
            ast::Expr::Slice(sl)
                if sl.lower.is_none() && sl.upper.is_none() && sl.step.as_deref().is_some_and(minus_one) =>
            {
                let mut v = next(&s.value)?;
                v.reverse();
                Some(v)
            }
            _ => None,
        },
        ast::Expr::Call(c) => fold_call(c, scope, depth),
        _ => None,
    }
}

fn minus_one(e: &ast::Expr) -> bool {
    match e {
        ast::Expr::UnaryOp(u) if matches!(u.op, ast::UnaryOp::USub) => int(&u.operand) == Some(1),
        _ => false,
    }
}

fn int(e: &ast::Expr) -> Option<i64> {
    match e {
        ast::Expr::Constant(c) => match &c.value {
            ast::Constant::Int(i) => i.to_string().parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

fn fold_call(c: &ast::ExprCall, scope: &Scope<'_>, depth: u32) -> Option<Vec<u8>> {
    let next = |e: &ast::Expr| fold_at(e, scope, depth + 1);
    // Methods on a folded value: `x.decode()`, `x.encode()`, `"".join(chr(n) for n in […])`.
    if let ast::Expr::Attribute(a) = c.func.as_ref() {
        match a.attr.as_str() {
            "decode" | "encode" if c.args.first().is_none_or(|enc| !is_rot13(enc)) => {
                if let Some(v) = next(&a.value) {
                    return Some(v);
                }
            }
            "decode" => return next(&a.value).map(|v| rot13(&v)),
            "join" if next(&a.value).is_some_and(|sep| sep.is_empty()) => {
                return c.args.first().and_then(|arg| code_points(arg, scope));
            }
            _ => {}
        }
    }
    let name = (scope.resolve)(&c.func)?;
    let short = name.rsplit('.').next().unwrap_or(&name);
    let arg = c.args.first()?;
    match (name.as_str(), short) {
        ("bytes" | "bytearray", _) => code_points(arg, scope),
        (_, "b64decode" | "standard_b64decode" | "decodebytes" | "decodestring" | "a2b_base64") => {
            base64_decode(&next(arg)?, false)
        }
        (_, "urlsafe_b64decode") => base64_decode(&next(arg)?, true),
        (_, "b16decode" | "fromhex" | "unhexlify" | "a2b_hex") => hex_decode(&next(arg)?),
        ("codecs.decode", _) => {
            let v = next(arg)?;
            match c.args.get(1).map(|e| fold_at(e, scope, depth + 1)) {
                Some(Some(enc)) if is_rot13_bytes(&enc) => Some(rot13(&v)),
                Some(Some(enc)) if enc.eq_ignore_ascii_case(b"hex") => hex_decode(&v),
                Some(Some(enc)) if enc.eq_ignore_ascii_case(b"base64") => base64_decode(&v, false),
                _ => None,
            }
        }
        ("zlib.decompress" | "gzip.decompress", _) => inflate(&next(arg)?),
        _ => None,
    }
}

/// `[104, 116, …]` as bytes, `chr(n) for n in […]` and `[chr(n) for n in …]` as text.
fn code_points(e: &ast::Expr, scope: &Scope<'_>) -> Option<Vec<u8>> {
    let list = |e: &ast::Expr| -> Option<Vec<i64>> {
        match e {
            ast::Expr::List(l) => l.elts.iter().map(int).collect(),
            ast::Expr::Tuple(t) => t.elts.iter().map(int).collect(),
            _ => None,
        }
    };
    let (elt, generators) = match e {
        ast::Expr::GeneratorExp(g) => (&g.elt, &g.generators),
        ast::Expr::ListComp(l) => (&l.elt, &l.generators),
        other => {
            // A bare list of codes: bytes.
            return list(other)?.into_iter().map(|n| u8::try_from(n).ok()).collect();
        }
    };
    let [generator] = generators.as_slice() else { return None };
    let codes = list(&generator.iter)?;
    // `chr(n)`, possibly shifted: `chr(n - 3)`, `chr(n ^ 7)`.
    let ast::Expr::Call(call) = elt.as_ref() else { return None };
    if (scope.resolve)(&call.func).as_deref() != Some("chr") {
        return None;
    }
    let shift = |n: i64| -> Option<i64> {
        match call.args.first()? {
            ast::Expr::Name(_) => Some(n),
            ast::Expr::BinOp(b) => {
                let k = int(&b.right)?;
                match b.op {
                    ast::Operator::Sub => Some(n - k),
                    ast::Operator::Add => Some(n + k),
                    ast::Operator::BitXor => Some(n ^ k),
                    _ => None,
                }
            }
            _ => None,
        }
    };
    let text: Option<String> =
        codes.into_iter().map(|n| shift(n).and_then(|n| u32::try_from(n).ok()).and_then(char::from_u32)).collect();
    text.map(String::into_bytes)
}

fn is_rot13(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Constant(c) if matches!(&c.value, ast::Constant::Str(s) if is_rot13_bytes(s.as_bytes())))
}

fn is_rot13_bytes(enc: &[u8]) -> bool {
    enc.eq_ignore_ascii_case(b"rot13") || enc.eq_ignore_ascii_case(b"rot_13") || enc.eq_ignore_ascii_case(b"rot-13")
}

fn rot13(v: &[u8]) -> Vec<u8> {
    v.iter()
        .map(|&b| match b {
            b'a'..=b'z' => (b - b'a' + 13) % 26 + b'a',
            b'A'..=b'Z' => (b - b'A' + 13) % 26 + b'A',
            other => other,
        })
        .collect()
}

/// Base64 as Python's decoder takes it: whitespace ignored, padding optional.
fn base64_decode(v: &[u8], url_safe: bool) -> Option<Vec<u8>> {
    let mut clean: Vec<u8> = v.iter().copied().filter(|b| !b.is_ascii_whitespace() && *b != b'=').collect();
    if clean.len() < 4 {
        return None;
    }
    if url_safe {
        for b in &mut clean {
            *b = match *b {
                b'-' => b'+',
                b'_' => b'/',
                other => other,
            };
        }
    }
    base64::engine::general_purpose::STANDARD_NO_PAD.decode(&clean).ok()
}

fn hex_decode(v: &[u8]) -> Option<Vec<u8>> {
    let clean: Vec<u8> = v.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    hex::decode(clean).ok()
}

/// zlib or gzip, up to [`MAX_FOLDED`] bytes out.
fn inflate(v: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let limit = MAX_FOLDED as u64 + 1;
    let read = if v.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(v).take(limit).read_to_end(&mut out)
    } else {
        flate2::read::ZlibDecoder::new(v).take(limit).read_to_end(&mut out)
    };
    read.ok().filter(|_| out.len() <= MAX_FOLDED).map(|_| out)
}

/// Whether decoded bytes read as text (code, a URL, a command), not binary.
pub(crate) fn is_text(v: &[u8]) -> bool {
    if v.len() < 8 {
        return false;
    }
    let Ok(s) = std::str::from_utf8(v) else { return false };
    let printable = s.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')).count();
    printable * 100 >= s.chars().count() * 95
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(expr: &str) -> Option<String> {
        let m = rustpython_parser::parse(expr, rustpython_parser::Mode::Expression, "<t>").unwrap();
        let ast::Mod::Expression(e) = m else { panic!() };
        let consts = HashMap::from([("k".to_owned(), b"aHR0cHM6Ly9".to_vec())]);
        let resolve = |e: &ast::Expr| match e {
            ast::Expr::Name(n) => Some(match n.id.as_str() {
                "b64decode" => "base64.b64decode".to_owned(),
                other => other.to_owned(),
            }),
            ast::Expr::Attribute(a) => match a.value.as_ref() {
                ast::Expr::Name(n) => Some(format!("{}.{}", n.id.as_str(), a.attr.as_str())),
                _ => None,
            },
            _ => None,
        };
        fold(&e.body, &Scope { resolve: &resolve, consts: &consts }).map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    #[test]
    fn decoders_and_joins_fold() {
        assert_eq!(folded("base64.b64decode('aW1wb3J0IG9z')").as_deref(), Some("import os"));
        assert_eq!(folded("b64decode(k + 'leGFtcGxl')").as_deref(), Some("https://example"));
        assert_eq!(folded("bytes.fromhex('6f732e73797374656d').decode()").as_deref(), Some("os.system"));
        assert_eq!(folded("codecs.decode('vzcbeg bf', 'rot13')").as_deref(), Some("import os"));
        assert_eq!(folded("''.join(chr(c) for c in [105, 100])").as_deref(), Some("id"));
        assert_eq!(folded("''.join([chr(c - 1) for c in [106, 101]])").as_deref(), Some("id"));
        assert_eq!(folded("bytes([105, 100]).decode()").as_deref(), Some("id"));
        assert_eq!(folded("'so.tropmi'[::-1]").as_deref(), Some("import.os"));
        let z = {
            use std::io::Write;
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(b"exec('x')").unwrap();
            base64::engine::general_purpose::STANDARD.encode(e.finish().unwrap())
        };
        assert_eq!(folded(&format!("zlib.decompress(base64.b64decode('{z}'))")).as_deref(), Some("exec('x')"));
    }

    #[test]
    fn what_is_not_constant_does_not_fold() {
        assert_eq!(folded("base64.b64decode(user_input)"), None);
        assert_eq!(folded("open('x').read()"), None);
        assert_eq!(folded("''.join(chr(c) for c in data)"), None);
        assert_eq!(folded("base64.b64decode('!!!!')"), None, "not base64");
    }
}
