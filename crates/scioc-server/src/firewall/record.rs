//! Recording the firewall's refusals: a structured log line at once, a store row soon after.
//!
//! | what | stored |
//! |---|---|
//! | a refused download (403, or aborted because of its bytes) | every one, as it happens |
//! | a version withheld from metadata | the first at once; repeats of it to the same client within [`FOLD_WINDOW`] folded into one more row whose `count` says how many |
//!
//! Rows are written in batches by one task, through a bounded queue, so a flood of refused
//! requests costs the store one transaction per batch and never holds a request. The same task
//! deletes rows older than the retention period, hourly. On shutdown, [`Recorder::flush`]
//! writes what is queued and the folded repeats not yet written.

use scioc_store::{BlockKind, BlockRecord, Store};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Refusals waiting to be stored; more are logged and counted, not stored.
const QUEUE: usize = 4096;
/// Most rows written in one transaction.
const BATCH: usize = 512;
/// How long repeats of one withheld version to one client are folded into one row: a package
/// manager asks for the same packument several times in one install.
pub(crate) const FOLD_WINDOW: Duration = Duration::from_secs(60);
/// How often folded repeats are written and old rows deleted.
const TICK: Duration = Duration::from_secs(5);
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Withheld versions seen recently: when first, how many repeats since, and the row to write.
type Folded = HashMap<(String, String), (Instant, u32, BlockRecord)>;

/// What the writing task is sent.
enum Message {
    Row(BlockRecord),
    /// Write everything now, folded repeats included, then answer.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// Sends refusals to the store.
pub(crate) struct Recorder {
    queue: mpsc::Sender<Message>,
    folded: Arc<Mutex<Folded>>,
}

impl Recorder {
    /// A recorder writing to `store` from a task of its own, keeping rows for `retention`.
    pub(crate) fn start(store: Arc<dyn Store>, retention: Duration) -> Recorder {
        let (queue, mut rx) = mpsc::channel::<Message>(QUEUE);
        let folded: Arc<Mutex<Folded>> = Arc::default();
        let flushing = folded.clone();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            let mut received = Vec::with_capacity(BATCH);
            let mut tick = tokio::time::interval(TICK);
            let mut pruned: Option<Instant> = None;
            loop {
                let mut flushed = None;
                tokio::select! {
                    n = rx.recv_many(&mut received, BATCH) => {
                        if n == 0 {
                            break;
                        }
                        for m in received.drain(..) {
                            match m {
                                Message::Row(row) => batch.push(row),
                                Message::Flush(done) => {
                                    batch.extend(take_expired(&flushing, true));
                                    flushed = Some(done);
                                }
                            }
                        }
                    },
                    _ = tick.tick() => {
                        batch.extend(take_expired(&flushing, false));
                        if pruned.is_none_or(|at| at.elapsed() > PRUNE_EVERY) {
                            pruned = Some(Instant::now());
                            let before = scioc_model::FeedTime::now().add_secs(-(retention.as_secs() as i64));
                            match store.prune_blocks(before).await {
                                Ok(0) => {}
                                Ok(n) => tracing::info!(rows = n, "firewall refusals past their retention deleted"),
                                Err(e) => tracing::warn!(error = %e, "firewall refusals past their retention could not be deleted"),
                            }
                        }
                    }
                }
                if !batch.is_empty() {
                    let n = batch.len();
                    if let Err(e) = store.record_blocks(std::mem::take(&mut batch)).await {
                        tracing::error!(error = %e, rows = n, "firewall refusals could not be stored");
                    }
                }
                if let Some(done) = flushed {
                    let _ = done.send(());
                }
            }
        });
        Recorder { queue, folded }
    }

    /// Writes every refusal queued and every folded repeat, waiting at most `limit`.
    pub(crate) async fn flush(&self, limit: Duration) {
        let (done, written) = tokio::sync::oneshot::channel();
        let sent = tokio::time::timeout(limit, self.queue.send(Message::Flush(done))).await;
        if !matches!(sent, Ok(Ok(()))) || tokio::time::timeout(limit, written).await.is_err() {
            tracing::warn!("firewall refusals still queued at shutdown were not all stored");
        }
    }

    /// Logs a refusal and queues it for the store (a repeated withheld version is folded).
    pub(crate) fn record(&self, block: BlockRecord) {
        crate::metrics::blocked(&block.ecosystem, &block.rule, block.kind);
        tracing::warn!(
            target: "scioc::firewall",
            kind = block.kind.as_str(),
            client = %block.client,
            ecosystem = %block.ecosystem,
            package = %block.package,
            version = block.version.as_deref().unwrap_or(""),
            rule = %block.rule,
            reference = block.reference.as_deref().unwrap_or(""),
            reason = %block.reason,
            what = %block.what,
            "blocked"
        );
        if block.kind == BlockKind::Withheld {
            let mut folded = self.folded.lock().unwrap_or_else(|p| p.into_inner());
            let key = (
                block.client.clone(),
                format!("{} {} {} {}", block.ecosystem, block.what, block.rule, block.version.as_deref().unwrap_or("")),
            );
            if let Some((first, repeats, _)) = folded.get_mut(&key)
                && first.elapsed() < FOLD_WINDOW
            {
                *repeats += 1;
                return;
            }
            if folded.len() >= 10_000 {
                drop(folded);
                for row in take_expired(&self.folded, true) {
                    self.send(row);
                }
                folded = self.folded.lock().unwrap_or_else(|p| p.into_inner());
            }
            folded.insert(key, (Instant::now(), 0, block.clone()));
        }
        self.send(block);
    }

    fn send(&self, block: BlockRecord) {
        if self.queue.try_send(Message::Row(block)).is_err() {
            tracing::warn!("firewall refusal queue is full; this refusal is logged but not stored");
        }
    }
}

/// The folded repeats whose window closed (all of them with `all`), as rows whose `count` is
/// the number of repeats, forgotten from the map.
fn take_expired(folded: &Mutex<Folded>, all: bool) -> Vec<BlockRecord> {
    let mut folded = folded.lock().unwrap_or_else(|p| p.into_inner());
    let mut out = Vec::new();
    folded.retain(|_, (first, repeats, row)| {
        if !all && first.elapsed() < FOLD_WINDOW {
            return true;
        }
        if *repeats > 0 {
            out.push(BlockRecord {
                time: scioc_model::FeedTime::now(),
                count: *repeats,
                reason: format!(
                    "{} (the same client asked again {} time(s) within {} s)",
                    row.reason,
                    repeats,
                    FOLD_WINDOW.as_secs()
                ),
                ..row.clone()
            });
        }
        false
    });
    out
}
