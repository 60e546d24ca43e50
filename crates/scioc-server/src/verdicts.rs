//! The verdict engine of the firewall and the OSV routes, kept current from the store while
//! the server runs.
//!
//! A background task reads what the store holds beyond the engine's position every
//! [`REFRESH_EVERY`] ([`scioc_verdict::Update::read`], without the lock) and applies it under a
//! write lock held only for the apply, so a new event, FP or indicator takes effect within a
//! second and a slow store never stalls a request. When a read fails or takes longer than
//! [`READ_TIMEOUT`], the engine is marked unavailable with the reason; requests then fail
//! closed (503) unless the operator chose to fail open.

use scioc_store::Store;
use scioc_verdict::{Engine, Sources, Update};
use std::sync::{
    Arc, Mutex, RwLock, RwLockReadGuard,
    atomic::{AtomicU64, Ordering},
};
use std::time::Duration;

/// How often the store is asked for what is new.
pub(crate) const REFRESH_EVERY: Duration = Duration::from_millis(500);
/// Longest a refresh may take before the verdicts count as unavailable.
const READ_TIMEOUT: Duration = Duration::from_secs(3);

/// The engine, its generation and whether it is current.
pub(crate) struct Verdicts {
    engine: RwLock<Engine>,
    /// Bumped whenever the engine changes, so filtered answers cached under an older
    /// generation are filtered again.
    generation: AtomicU64,
    /// Why the verdicts cannot be evaluated now, if they cannot.
    unavailable: Mutex<Option<String>>,
}

/// Why the verdicts cannot be trusted now: the reason the last refresh failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Unavailable(pub(crate) String);

impl Verdicts {
    /// Loads the engine from `store`.
    pub(crate) async fn load(store: &dyn Store) -> Result<Arc<Verdicts>, scioc_verdict::LoadError> {
        let engine = Engine::load(Sources { store: Some(store), ..Sources::default() }).await?;
        let sizes = engine.sizes();
        tracing::info!(
            packages = sizes.packages,
            hashes = sizes.hashes,
            rules = sizes.rules,
            indicators = sizes.indicators,
            "verdict engine loaded"
        );
        Ok(Arc::new(Verdicts {
            engine: RwLock::new(engine),
            generation: AtomicU64::new(1),
            unavailable: Mutex::new(None),
        }))
    }

    /// The engine to judge with, or why there is none to trust: the reason the last refresh
    /// failed.
    pub(crate) fn engine(&self) -> Result<RwLockReadGuard<'_, Engine>, Unavailable> {
        if let Some(why) = self.unavailable.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Err(Unavailable(why));
        }
        Ok(self.current())
    }

    /// The engine as it is, current or not (for failing open).
    pub(crate) fn current(&self) -> RwLockReadGuard<'_, Engine> {
        self.engine.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The engine's generation: changes whenever a verdict may have changed.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// One refresh: reads what is new and applies it.
    async fn refresh(&self, store: &dyn Store) {
        let from = self.current().position();
        let read = tokio::time::timeout(READ_TIMEOUT, Update::read(&from, store)).await;
        let outcome = match read {
            Ok(Ok(update)) => {
                if !update.is_empty() {
                    let mut engine = self.engine.write().unwrap_or_else(|p| p.into_inner());
                    if engine.position() == from && engine.apply(update) {
                        self.generation.fetch_add(1, Ordering::AcqRel);
                    }
                }
                None
            }
            Ok(Err(e)) => Some(format!("the verdicts cannot be read from the store: {e}")),
            Err(_) => Some(format!("the store did not answer within {} s", READ_TIMEOUT.as_secs())),
        };
        let mut unavailable = self.unavailable.lock().unwrap_or_else(|p| p.into_inner());
        match (&*unavailable, &outcome) {
            (None, Some(why)) => tracing::error!(reason = %why, "verdicts unavailable"),
            (Some(_), None) => tracing::info!("verdicts available again"),
            _ => {}
        }
        if unavailable.is_some() != outcome.is_some() {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        *unavailable = outcome;
    }

    /// Keeps the engine current until the returned task is aborted.
    pub(crate) fn keep_current(self: &Arc<Self>, store: Arc<dyn Store>) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REFRESH_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                this.refresh(store.as_ref()).await;
            }
        })
    }
}
