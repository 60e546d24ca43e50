//! Hex digests of fixed length: MD5, SHA-1, SHA-256 and SHA-512.
//!
//! A digest is stored in lower case; input in either case is accepted.

use crate::{ValueError, ValueKind};
use serde::{Serialize, Serializer};
use std::{fmt, str::FromStr};

macro_rules! digest {
    ($(#[$doc:meta])* $name:ident, $algo:literal, $hex_len:literal, $bytes:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Number of hex digits in this digest.
            pub const HEX_LEN: usize = $hex_len;

            /// The digest of raw bytes, as a hasher gives it: always valid, never parsed.
            pub fn from_bytes(bytes: [u8; $bytes]) -> Self {
                $name(hex::encode(bytes))
            }

            /// The digest as lower-case hex.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = ValueError;

            /// Parses a hex digest in either case, refusing a wrong length or a non-hex digit.
            fn from_str(s: &str) -> Result<Self, ValueError> {
                let err = |m: String| ValueError::new(ValueKind::Digest, m);
                if s.len() != $hex_len {
                    return Err(err(format!(
                        "expected {} hex digits of {}, got {} characters",
                        $hex_len,
                        $algo,
                        s.chars().count()
                    )));
                }
                if let Some(c) = s.chars().find(|c| !c.is_ascii_hexdigit()) {
                    return Err(err(format!("expected a hex digest of {}, found {:?}", $algo, c)));
                }
                Ok($name(s.to_ascii_lowercase()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}

digest!(
    /// An MD5 digest (32 hex digits).
    Md5, "MD5", 32, 16
);
digest!(
    /// A SHA-1 digest (40 hex digits).
    Sha1, "SHA-1", 40, 20
);
digest!(
    /// A SHA-256 digest (64 hex digits).
    Sha256, "SHA-256", 64, 32
);
digest!(
    /// A SHA-512 digest (128 hex digits).
    Sha512, "SHA-512", 128, 64
);

impl Sha512 {
    /// The SHA-512 of an npm integrity string (`sha512-<base64>`, alone or among other
    /// space-separated hashes, as Subresource Integrity allows).
    pub fn from_sri(sri: &str) -> Result<Sha512, ValueError> {
        use base64::Engine as _;
        let err = |m: String| ValueError::new(ValueKind::Digest, m);
        let b64 = sri
            .split_whitespace()
            .find_map(|part| part.strip_prefix("sha512-"))
            .ok_or_else(|| err(format!("expected sha512-<base64>, got {sri:?}")))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| err(format!("sha512 SRI {sri:?} is not base64: {e}")))?;
        let bytes: [u8; 64] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| err(format!("sha512 SRI {sri:?} decodes to {} bytes, expected 64", b.len())))?;
        Ok(Sha512::from_bytes(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_either_case_and_stores_lower() {
        let d = Md5::from_str("99D1BDAAA2E4A198521BC12DF599EAD0").unwrap();
        assert_eq!(d.as_str(), "99d1bdaaa2e4a198521bc12df599ead0");
    }

    #[test]
    fn sha512_from_integrity_strings() {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode([1u8; 64]);
        assert_eq!(Sha512::from_sri(&format!("sha1-abc sha512-{b64}")).unwrap().as_str(), "01".repeat(64));
        assert!(Sha512::from_sri("sha512-AAAA").is_err());
        assert!(Sha512::from_sri("sha512-!!!").is_err());
        assert!(Sha512::from_sri("sha1-abc").is_err());
    }

    #[test]
    fn refuses_wrong_length_and_non_hex() {
        assert!(Sha1::from_str("abc").unwrap_err().message.contains("40 hex digits"));
        let bad = "g".repeat(64);
        assert!(Sha256::from_str(&bad).unwrap_err().message.contains("'g'"));
        assert!(Sha512::from_str(&"a".repeat(127)).is_err());
        assert!(Sha512::from_str(&"a".repeat(128)).is_ok());
    }
}
