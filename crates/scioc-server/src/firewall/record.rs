//! Recording the firewall's refusals: a structured log line at once, a store row soon after.
//!
//! Rows are written in batches by one task, through a bounded queue, so a flood of refused
//! requests costs the store one transaction per batch and never holds a request. A refusal
//! of the same thing to the same client within [`REPEAT_WINDOW`] is logged but not stored
//! again: a package manager asks for the same packument several times in one install.

use scioc_store::{BlockRecord, Store};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Refusals waiting to be stored; more are logged and counted, not stored.
const QUEUE: usize = 4096;
/// Most rows written in one transaction.
const BATCH: usize = 512;
/// How long a repeated refusal is not stored again.
const REPEAT_WINDOW: Duration = Duration::from_secs(60);

/// Sends refusals to the store.
pub(crate) struct Recorder {
    queue: mpsc::Sender<BlockRecord>,
    recent: Mutex<HashMap<(String, String), Instant>>,
}

impl Recorder {
    /// A recorder writing to `store` from a task of its own.
    pub(crate) fn start(store: Arc<dyn Store>) -> Recorder {
        let (queue, mut rx) = mpsc::channel::<BlockRecord>(QUEUE);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            while rx.recv_many(&mut batch, BATCH).await > 0 {
                let n = batch.len();
                if let Err(e) = store.record_blocks(std::mem::take(&mut batch)).await {
                    tracing::error!(error = %e, rows = n, "firewall refusals could not be stored");
                }
            }
        });
        Recorder { queue, recent: Mutex::new(HashMap::new()) }
    }

    /// Logs a refusal and queues it for the store.
    pub(crate) fn record(&self, block: BlockRecord) {
        crate::metrics::blocked(&block.ecosystem, &block.rule);
        tracing::warn!(
            target: "scioc::firewall",
            client = %block.client,
            ecosystem = %block.ecosystem,
            package = %block.package,
            version = block.version.as_deref().unwrap_or(""),
            rule = %block.rule,
            reference = block.reference.as_deref().unwrap_or(""),
            what = %block.what,
            "blocked"
        );
        {
            let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            if recent.len() > 10_000 {
                recent.retain(|_, at| at.elapsed() < REPEAT_WINDOW);
            }
            let key = (block.client.clone(), format!("{} {} {}", block.ecosystem, block.what, block.rule));
            if recent.get(&key).is_some_and(|at| at.elapsed() < REPEAT_WINDOW) {
                return;
            }
            recent.insert(key, Instant::now());
        }
        if self.queue.try_send(block).is_err() {
            tracing::warn!("firewall refusal queue is full; this refusal is logged but not stored");
        }
    }
}
