//! Package-name normalization per ecosystem, so that `Requests`, `requests` and `requests_`
//! spellings meet.

/// The form names are compared in.
pub fn normalize(ecosystem: &str, name: &str) -> String {
    match ecosystem {
        // PEP 503: lower-case, runs of `-`, `_` and `.` become one `-`.
        "PyPI" => {
            let mut out = String::with_capacity(name.len());
            let mut sep = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    sep = true;
                } else {
                    if sep && !out.is_empty() {
                        out.push('-');
                    }
                    sep = false;
                    out.extend(c.to_lowercase());
                }
            }
            out
        }
        // crates.io treats `-` and `_` alike, and names case-insensitively.
        "crates.io" => name.to_lowercase().replace('_', "-"),
        // npm names are lower-case today; old mixed-case ones compare case-insensitively. A
        // purl-encoded scope (`%40scope/x`) is the same as `@scope/x`.
        _ if !name.contains('%') && !name.bytes().any(|b| b.is_ascii_uppercase()) && name.is_ascii() => name.to_owned(),
        _ => name.replace("%40", "@").to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn names_normalize_per_ecosystem() {
        assert_eq!(normalize("PyPI", "Requests__Oauth.lib"), "requests-oauth-lib");
        assert_eq!(normalize("crates.io", "Rust_Decimal"), "rust-decimal");
        assert_eq!(normalize("npm", "%40Evil/Pkg"), "@evil/pkg");
    }
}
