//! Whether the store's writes work, as the last write through this server found.
//!
//! Reads can keep working while writes fail (a full disk), so `/health` reports writes apart:
//! every write a request makes is recorded here, a failure that says the store cannot write
//! marks writes degraded, and the next write that succeeds clears it.

use scioc_model::FeedTime;
use std::sync::Mutex;

/// The last write failure that is still current.
#[derive(Default)]
pub(crate) struct WriteHealth {
    failing: Mutex<Option<(FeedTime, String)>>,
}

impl WriteHealth {
    /// Records the outcome of a write and hands it back.
    pub(crate) fn record<T>(&self, result: scioc_store::Result<T>) -> scioc_store::Result<T> {
        match result {
            Ok(v) => {
                self.succeeded();
                Ok(v)
            }
            Err(e) => Err(self.failed(e)),
        }
    }

    /// Records a write that worked.
    pub(crate) fn succeeded(&self) {
        *self.failing.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Records a write that failed, handing the error back.
    pub(crate) fn failed(&self, error: scioc_store::Error) -> scioc_store::Error {
        if let scioc_store::Error::Unavailable(why) = &error {
            let mut failing = self.failing.lock().unwrap_or_else(|p| p.into_inner());
            if failing.is_none() {
                *failing = Some((FeedTime::now(), why.clone()));
            }
        }
        error
    }

    /// Since when and why writes fail, if they do.
    pub(crate) fn failing(&self) -> Option<(FeedTime, String)> {
        self.failing.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
