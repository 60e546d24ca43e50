//! Archives judged by their bytes as they stream: every chunk is hashed (SHA-256, and SHA-512,
//! SHA-1 or MD5 when the metadata or the verdict engine needs them) on its way to the client, and the last chunk is held back until the digests are
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

/// The digests of an archive's bytes, lower-case hex: SHA-256 always, the others when they
/// were asked for ([`Algorithms`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Digests {
    pub(crate) sha256: String,
    pub(crate) sha512: Option<String>,
    pub(crate) sha1: Option<String>,
    pub(crate) md5: Option<String>,
    /// How many bytes were hashed.
    pub(crate) len: u64,
}

impl Digests {
    /// As a verdict query's hashes, the strongest first (a refusal cites the first known).
    pub(crate) fn as_query(&self) -> Vec<(&'static str, String)> {
        let mut hashes = vec![("sha256", self.sha256.clone())];
        hashes.extend(self.sha512.clone().map(|h| ("sha512", h)));
        hashes.extend(self.sha1.clone().map(|h| ("sha1", h)));
        hashes.extend(self.md5.clone().map(|h| ("md5", h)));
        hashes
    }

    fn get(&self, algorithm: &str) -> Option<&str> {
        match algorithm {
            "sha256" => Some(&self.sha256),
            "sha512" => self.sha512.as_deref(),
            "sha1" => self.sha1.as_deref(),
            "md5" => self.md5.as_deref(),
            _ => None,
        }
    }
}

/// Which digests to compute besides SHA-256: each costs CPU on every byte, so only those the
/// verdict engine needs (`Engine::hash_algorithms`) and the strongest the upstream's metadata
/// gives, to check the bytes against it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Algorithms {
    pub(crate) sha512: bool,
    pub(crate) sha1: bool,
    pub(crate) md5: bool,
}

impl Algorithms {
    /// All four, for when the engine cannot say which it needs.
    pub(crate) const ALL: Algorithms = Algorithms { sha512: true, sha1: true, md5: true };

    /// The engine's `needed` algorithms, and the strongest of `expected`.
    pub(crate) fn for_check(needed: &[&str], expected: &[(&'static str, String)]) -> Algorithms {
        let strongest = ["sha512", "sha256", "sha1", "md5"].into_iter().find(|a| expected.iter().any(|(e, _)| e == a));
        let wants = |a: &str| needed.contains(&a) || strongest == Some(a);
        Algorithms { sha512: wants("sha512"), sha1: wants("sha1"), md5: wants("md5") }
    }
}

/// One hash being computed.
enum One {
    Sha256(Sha256),
    Sha512(Sha512),
    Sha1(Sha1),
    Md5(Md5),
}

impl One {
    fn update(&mut self, chunk: &[u8]) {
        match self {
            One::Sha256(h) => h.update(chunk),
            One::Sha512(h) => h.update(chunk),
            One::Sha1(h) => h.update(chunk),
            One::Md5(h) => h.update(chunk),
        }
    }

    fn finish(self) -> (&'static str, String) {
        match self {
            One::Sha256(h) => ("sha256", hex::encode(h.finalize())),
            One::Sha512(h) => ("sha512", hex::encode(h.finalize())),
            One::Sha1(h) => ("sha1", hex::encode(h.finalize())),
            One::Md5(h) => ("md5", hex::encode(h.finalize())),
        }
    }
}

/// The hashes asked for, SHA-256 first.
fn hashes(algorithms: Algorithms) -> Vec<One> {
    let mut all = vec![One::Sha256(Sha256::new())];
    all.extend(algorithms.sha512.then(|| One::Sha512(Sha512::new())));
    all.extend(algorithms.sha1.then(|| One::Sha1(Sha1::new())));
    all.extend(algorithms.md5.then(|| One::Md5(Md5::new())));
    all
}

/// The digests from finished hashes.
fn digests(finished: impl IntoIterator<Item = (&'static str, String)>, len: u64) -> Option<Digests> {
    let mut d = Digests { sha256: String::new(), sha512: None, sha1: None, md5: None, len };
    for (algorithm, hex) in finished {
        match algorithm {
            "sha256" => d.sha256 = hex,
            "sha512" => d.sha512 = Some(hex),
            "sha1" => d.sha1 = Some(hex),
            _ => d.md5 = Some(hex),
        }
    }
    (!d.sha256.is_empty()).then_some(d)
}

/// Bodies larger than this (or of unknown length) are hashed on threads of their own, one per
/// algorithm, beside the task that forwards them, so a download goes as fast as the slowest of
/// them rather than their sum; smaller ones are hashed in place, where threads would cost more
/// than they save.
const HASH_APART_ABOVE: u64 = 1 << 20;

/// How many bytes of chunks go to the hashing threads at once: one hand-over (and wake-up)
/// per batch rather than per chunk the upstream's socket yields.
const BATCH: usize = 256 * 1024;

/// A hash on its own thread: the batches of chunks it is sent, and its digest when they end.
struct Apart {
    chunks: tokio::sync::mpsc::Sender<std::sync::Arc<Vec<Bytes>>>,
    digest: tokio::sync::oneshot::Receiver<(&'static str, String)>,
}

/// Hands one batch to every hashing thread.
async fn send(threads: &mut [Apart], batch: Vec<Bytes>) {
    let batch = std::sync::Arc::new(batch);
    for a in threads {
        // A thread only stops when its sender is dropped.
        a.chunks.send(batch.clone()).await.unwrap_or(());
    }
}

/// Where the hashing happens.
enum Digester {
    Here(Vec<One>),
    Apart { threads: Vec<Apart>, batch: Vec<Bytes>, batched: usize },
}

impl Digester {
    fn new(algorithms: Algorithms, length: Option<u64>) -> Digester {
        let hashes = hashes(algorithms);
        if length.is_some_and(|l| l <= HASH_APART_ABOVE) {
            return Digester::Here(hashes);
        }
        let apart = hashes
            .into_iter()
            .map(|mut one| {
                // A few batches in flight (a megabyte): the forwarding task waits when a hash
                // falls behind.
                let (chunks, mut rx) = tokio::sync::mpsc::channel::<std::sync::Arc<Vec<Bytes>>>(4);
                let (tx, digest) = tokio::sync::oneshot::channel();
                tokio::task::spawn_blocking(move || {
                    while let Some(batch) = rx.blocking_recv() {
                        batch.iter().for_each(|chunk| one.update(chunk));
                    }
                    let _ = tx.send(one.finish());
                });
                Apart { chunks, digest }
            })
            .collect();
        Digester::Apart { threads: apart, batch: Vec::new(), batched: 0 }
    }

    async fn update(&mut self, chunk: &Bytes) {
        match self {
            Digester::Here(hashes) => hashes.iter_mut().for_each(|h| h.update(chunk)),
            Digester::Apart { threads, batch, batched } => {
                batch.push(chunk.clone());
                *batched += chunk.len();
                if *batched >= BATCH {
                    *batched = 0;
                    send(threads, std::mem::take(batch)).await;
                }
            }
        }
    }

    async fn finish(self, len: u64) -> Option<Digests> {
        match self {
            Digester::Here(hashes) => digests(hashes.into_iter().map(One::finish), len),
            Digester::Apart { mut threads, batch, .. } => {
                send(&mut threads, batch).await;
                let mut finished = Vec::with_capacity(threads.len());
                for Apart { chunks, digest } in threads {
                    drop(chunks);
                    finished.push(digest.await.ok()?);
                }
                digests(finished, len)
            }
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
    digester: Option<Digester>,
    len: u64,
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
    algorithms: Algorithms,
    pace: Pace,
    what: String,
    check: Check,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let digester = Digester::new(algorithms, response.content_length());
    let state = State {
        body: response.bytes_stream().boxed(),
        digester: Some(digester),
        len: 0,
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
                    if let Some(d) = &mut s.digester {
                        d.update(&chunk).await;
                    }
                    s.len += chunk.len() as u64;
                    let elapsed = s.started.elapsed();
                    if elapsed > s.pace.grace && (s.len as f64) < s.pace.min_rate as f64 * elapsed.as_secs_f64() {
                        s.done = true;
                        let why = format!(
                            "the upstream sent {} bytes in {} s, slower than {} bytes a second",
                            s.len,
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
                    let digests = match s.digester.take() {
                        Some(d) => d.finish(s.len).await,
                        None => None,
                    };
                    let Some(digests) = digests else {
                        return Some((Err(abort("the archive's hashes could not be computed".to_owned())), s));
                    };
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

/// Which of `expected` (algorithm, lower-case hex) the digests contradict, if any; an
/// algorithm that was not computed is not compared.
pub(crate) fn mismatch(digests: &Digests, expected: &[(&'static str, String)]) -> Option<String> {
    expected.iter().find_map(|(algo, want)| {
        let got = digests.get(algo)?;
        (!got.eq_ignore_ascii_case(want))
            .then(|| format!("its {algo} is {got}, not {want} as the upstream's metadata says"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrity_strings_and_mismatches() {
        let in_place = |algorithms, chunks: &[&[u8]]| {
            let mut hashes = hashes(algorithms);
            for c in chunks {
                hashes.iter_mut().for_each(|h| h.update(c));
            }
            digests(hashes.into_iter().map(One::finish), chunks.iter().map(|c| c.len() as u64).sum()).unwrap()
        };
        let d = in_place(Algorithms::ALL, &[b"hello ", b"world"]);
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
        assert_eq!(mismatch(&d, &[("sha1", d.sha1.clone().unwrap().to_uppercase())]), None, "case does not matter");

        // Only what is needed is computed: the strongest the metadata gives, and what the
        // engine asks for; what was not computed is not compared.
        let only = Algorithms::for_check(&["sha256"], &sri(&sri_512));
        assert_eq!(only, Algorithms { sha512: true, ..Algorithms::default() });
        let d = in_place(only, &[b"hello world"]);
        assert_eq!((d.sha1.as_deref(), d.md5.as_deref()), (None, None));
        assert_eq!(mismatch(&d, &expected), None);
        assert_eq!(mismatch(&d, &[("md5", "00".into())]), None);
        assert_eq!(d.as_query().len(), 2);
        let weak = Algorithms::for_check(&["sha256", "md5"], &[("sha1", "x".into())]);
        assert_eq!(weak, Algorithms { sha1: true, md5: true, sha512: false });
    }

    /// A large body is hashed on its own thread; what it forwards, and what the check sees, are
    /// the same as in place, and a refusal still withholds the last chunk.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn large_bodies_are_hashed_apart_and_still_refused_before_their_end() {
        let body: Vec<u8> = (0..3 * HASH_APART_ABOVE).map(|i| (i % 251) as u8).collect();
        let want = hex::encode(Sha256::digest(&body));
        let pace = Pace { stall: Duration::from_secs(5), min_rate: 1, grace: Duration::from_secs(5) };
        let run = |admit: bool| {
            let response = reqwest::Response::from(axum::http::Response::new(body.clone()));
            let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
            let seen2 = seen.clone();
            let check: Check = Box::new(move |d: Digests| {
                Box::pin(async move {
                    *seen2.lock().unwrap() = Some(d);
                    if admit { Ok(()) } else { Err("blocked".to_owned()) }
                })
            });
            let stream =
                verified(response, Algorithms { sha512: true, ..Algorithms::default() }, pace, "big".into(), check);
            async move {
                let items: Vec<_> = stream.collect().await;
                let ok: usize = items.iter().filter_map(|i| i.as_ref().ok()).map(|b| b.len()).sum();
                let err = items.iter().find_map(|i| i.as_ref().err().map(ToString::to_string));
                let digests = seen.lock().unwrap().clone().expect("checked");
                (ok, err, digests)
            }
        };
        let (sent, err, d) = run(true).await;
        assert_eq!((sent as u64, err, d.len), (3 * HASH_APART_ABOVE, None, 3 * HASH_APART_ABOVE));
        assert_eq!(d.sha256, want);
        assert_eq!(d.sha512, Some(hex::encode(Sha512::digest(&body))));
        assert_eq!((d.sha1, d.md5), (None, None), "only SHA-256 and SHA-512 were asked for");
        let (sent, err, _) = run(false).await;
        assert!((sent as u64) < 3 * HASH_APART_ABOVE, "the last chunk was held back");
        assert_eq!(err.as_deref(), Some("blocked"));
    }
}
