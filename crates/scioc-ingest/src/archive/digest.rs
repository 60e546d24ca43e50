//! One way to hash a stream: MD5, SHA-1, SHA-256 and, for whole archives, SHA-512, with the
//! byte count, finished straight into the model's digest types (no hex round trip to parse).

use md5::Md5 as Md5Hasher;
use scioc_model::{Md5, Sha1, Sha256, Sha512};
use sha1::Sha1 as Sha1Hasher;
use sha2::{Digest, Sha256 as Sha256Hasher, Sha512 as Sha512Hasher};
use std::io::Read;

/// Hashers running over a stream.
pub(crate) struct Digests {
    md5: Md5Hasher,
    sha1: Sha1Hasher,
    sha256: Sha256Hasher,
    sha512: Option<Sha512Hasher>,
    size: u64,
}

/// What [`Digests`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Digested {
    pub(crate) size: u64,
    pub(crate) md5: Md5,
    pub(crate) sha1: Sha1,
    pub(crate) sha256: Sha256,
    pub(crate) sha512: Option<Sha512>,
}

impl Digests {
    /// MD5, SHA-1 and SHA-256; SHA-512 too when `sha512` is set.
    pub(crate) fn new(sha512: bool) -> Self {
        Digests {
            md5: Md5Hasher::new(),
            sha1: Sha1Hasher::new(),
            sha256: Sha256Hasher::new(),
            sha512: sha512.then(Sha512Hasher::new),
            size: 0,
        }
    }

    pub(crate) fn update(&mut self, buf: &[u8]) {
        self.md5.update(buf);
        self.sha1.update(buf);
        self.sha256.update(buf);
        if let Some(h) = &mut self.sha512 {
            h.update(buf);
        }
        self.size += buf.len() as u64;
    }

    pub(crate) fn finish(self) -> Digested {
        Digested {
            size: self.size,
            md5: Md5::from_bytes(self.md5.finalize().into()),
            sha1: Sha1::from_bytes(self.sha1.finalize().into()),
            sha256: Sha256::from_bytes(self.sha256.finalize().into()),
            sha512: self.sha512.map(|h| Sha512::from_bytes(h.finalize().into())),
        }
    }
}

/// A reader that hashes what passes through it.
pub(crate) struct Tee<R> {
    pub(crate) inner: R,
    pub(crate) digests: Digests,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digests.update(&buf[..n]);
        Ok(n)
    }
}
