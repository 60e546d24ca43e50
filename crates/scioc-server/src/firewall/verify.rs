//! Archives judged by their bytes as they stream: every chunk is hashed (MD5, SHA-1, SHA-256,
//! SHA-512) on its way to the client, and the last chunk is held back until the digests are
//! known. When the bytes are refused (a blocked hash, a hash that differs from the upstream's
//! own metadata, an archive that changed since the firewall first delivered it), the held chunk
//! is never sent and the response is aborted: the client gets a truncated body, never a
//! complete, valid download. The same stream ends an upstream that stalls (no byte for the
//! stall timeout) or trickles (slower than the minimum rate once the grace period is over).

use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream::BoxStream};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// The digests of an archive's bytes, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Digests {
    pub(crate) md5: String,
    pub(crate) sha1: String,
    pub(crate) sha256: String,
    pub(crate) sha512: String,
    /// How many bytes were hashed.
    pub(crate) len: u64,
}

impl Digests {
    /// As a verdict query's hashes, the strongest first (a refusal cites the first known).
    pub(crate) fn as_query(&self) -> Vec<(&'static str, String)> {
        vec![
            ("sha256", self.sha256.clone()),
            ("sha512", self.sha512.clone()),
            ("sha1", self.sha1.clone()),
            ("md5", self.md5.clone()),
        ]
    }
}

/// The four hashes, fed as the bytes pass.
#[derive(Default)]
struct Hashers {
    md5: Md5,
    sha1: Sha1,
    sha256: Sha256,
    sha512: Sha512,
    len: u64,
}

impl Hashers {
    fn update(&mut self, chunk: &[u8]) {
        self.md5.update(chunk);
        self.sha1.update(chunk);
        self.sha256.update(chunk);
        self.sha512.update(chunk);
        self.len += chunk.len() as u64;
    }

    fn finish(self) -> Digests {
        Digests {
            md5: hex::encode(self.md5.finalize()),
            sha1: hex::encode(self.sha1.finalize()),
            sha256: hex::encode(self.sha256.finalize()),
            sha512: hex::encode(self.sha512.finalize()),
            len: self.len,
        }
    }
}

/// How long an upstream body may stall, and how slow it may be once the grace period is over.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    /// Longest wait for the next bytes.
    pub(crate) stall: Duration,
    /// Slowest average rate accepted after `grace`, in bytes per second.
    pub(crate) min_rate: u64,
    /// How long a download may take before the rate counts.
    pub(crate) grace: Duration,
}

/// What decides, once the digests are known, whether the bytes may reach the client: `Ok`, or
/// why not (the caller records the refusal).
pub(crate) type Check = Box<dyn FnOnce(Digests) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send>;

struct State {
    body: BoxStream<'static, reqwest::Result<Bytes>>,
    hashers: Hashers,
    held: Option<Bytes>,
    started: Instant,
    pace: Pace,
    check: Option<Check>,
    what: String,
    done: bool,
}

fn abort(why: String) -> std::io::Error {
    std::io::Error::other(why)
}

/// The upstream's body, hashed as it passes, its last chunk held until `check` admits the
/// digests; an error ends the stream (the response is aborted) when it does not, or when the
/// upstream stalls or trickles. `what` names the download in messages.
pub(crate) fn verified(
    response: reqwest::Response,
    pace: Pace,
    what: String,
    check: Check,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let state = State {
        body: response.bytes_stream().boxed(),
        hashers: Hashers::default(),
        held: None,
        started: Instant::now(),
        pace,
        check: Some(check),
        what,
        done: false,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        loop {
            let next = match tokio::time::timeout(s.pace.stall, s.body.next()).await {
                Ok(next) => next,
                Err(_) => {
                    s.done = true;
                    let why = format!("the upstream sent nothing for {} s", s.pace.stall.as_secs());
                    tracing::warn!(download = %s.what, "{why}; download aborted");
                    return Some((Err(abort(why)), s));
                }
            };
            match next {
                Some(Ok(chunk)) => {
                    s.hashers.update(&chunk);
                    let elapsed = s.started.elapsed();
                    if elapsed > s.pace.grace && (s.hashers.len as f64) < s.pace.min_rate as f64 * elapsed.as_secs_f64()
                    {
                        s.done = true;
                        let why = format!(
                            "the upstream sent {} bytes in {} s, slower than {} bytes a second",
                            s.hashers.len,
                            elapsed.as_secs(),
                            s.pace.min_rate
                        );
                        tracing::warn!(download = %s.what, "{why}; download aborted");
                        return Some((Err(abort(why)), s));
                    }
                    if let Some(previous) = s.held.replace(chunk) {
                        return Some((Ok(previous), s));
                    }
                }
                Some(Err(e)) => {
                    s.done = true;
                    return Some((Err(abort(format!("the upstream broke off: {e}"))), s));
                }
                None => {
                    s.done = true;
                    let digests = std::mem::take(&mut s.hashers).finish();
                    let check = s.check.take().expect("checked once, at the end");
                    return match check(digests).await {
                        Ok(()) => s.held.take().map(|last| (Ok(last), s)),
                        Err(why) => Some((Err(abort(why)), s)),
                    };
                }
            }
        }
    })
}

/// The hex digest an npm `integrity` (`sha512-<base64>`, or `sha1-`, `sha256-`) names, by
/// algorithm; several may be listed, separated by spaces.
pub(crate) fn sri(integrity: &str) -> Vec<(&'static str, String)> {
    use base64::Engine as _;
    integrity
        .split_whitespace()
        .filter_map(|part| {
            let (algo, b64) = part.split_once('-')?;
            let algo = match algo {
                "sha512" => "sha512",
                "sha256" => "sha256",
                "sha1" => "sha1",
                _ => return None,
            };
            let b64 = b64.split('?').next()?;
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            Some((algo, hex::encode(bytes)))
        })
        .collect()
}

/// Which of `expected` (algorithm, lower-case hex) the digests contradict, if any.
pub(crate) fn mismatch(digests: &Digests, expected: &[(&'static str, String)]) -> Option<String> {
    expected.iter().find_map(|(algo, want)| {
        let got = match *algo {
            "md5" => &digests.md5,
            "sha1" => &digests.sha1,
            "sha256" => &digests.sha256,
            "sha512" => &digests.sha512,
            _ => return None,
        };
        (!got.eq_ignore_ascii_case(want))
            .then(|| format!("its {algo} is {got}, not {want} as the upstream's metadata says"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrity_strings_and_mismatches() {
        let mut h = Hashers::default();
        h.update(b"hello ");
        h.update(b"world");
        let d = h.finish();
        assert_eq!(d.sha256, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
        assert_eq!(d.len, 11);
        use base64::Engine as _;
        let sri_512 =
            format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(Sha512::digest(b"hello world")));
        let expected = sri(&sri_512);
        assert_eq!(expected[0].0, "sha512");
        assert_eq!(mismatch(&d, &expected), None);
        let wrong = sri("sha512-AAAA sha1-bogus");
        assert!(mismatch(&d, &wrong).unwrap().contains("not 000000"), "{wrong:?}");
        assert_eq!(mismatch(&d, &[("sha1", d.sha1.to_uppercase())]), None, "case does not matter");
    }
}
