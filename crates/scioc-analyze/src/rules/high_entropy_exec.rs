//! `SA-017` executed blob (threat). Finds a long, dense string literal (base64, hex or
//! compressed text) in a file that evaluates code.
//!
//! Why: a second stage carried inside the package as a blob is decoded and run; a blob beside
//! an evaluator is how droppers pack it. Example: a 4 KB base64 string and `exec(…)`. Known
//! false positives: bundled fonts or images as data URIs, which sit beside no evaluator.

use super::{Ctx, EVAL, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-017", name: "executed blob", kind: Kind::Threat, behaviour: Behaviour::Downloader, weight: 5 };

const LONG: usize = 1000;

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    // Vendored bundles carry blobs and evaluators both; what runs at install or import counts.
    if !(ctx.place.install || ctx.place.import) {
        return;
    }
    let Some(eval) = ctx.facts.calls_to(EVAL).find(|c| c.first.is_none()) else { return };
    if let Some((s, line)) =
        ctx.facts.strings.iter().find(|(s, _)| {
            s.len() >= LONG && !s.contains(' ') && entropy(s.as_bytes()) > 4.5 && !s.starts_with("data:")
        })
    {
        out.push(Hit::new(
            &RULE,
            *line,
            format!("{}-byte dense string beside {}() at line {}", s.len(), eval.name, eval.line),
        ));
    }
}

/// Shannon entropy in bits per byte.
pub(crate) fn entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0usize; 256];
    for b in bytes {
        counts[*b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    fn blob() -> String {
        let mut x: u64 = 7;
        (0..3000)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(x >> 58) as usize] as char
            })
            .collect()
    }

    #[test]
    fn fires_on_a_blob_beside_an_evaluator() {
        assert!(fired("a.py", &format!("p = '{}'\nexec(d(p))\n", blob()), INSTALL).contains(&"SA-017"));
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.py", &format!("p = '{}'\nprint(p)\n", blob()), LIBRARY).contains(&"SA-017"));
    }
}
