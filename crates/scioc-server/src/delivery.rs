//! Knowing when a response has been handed to its connection.
//!
//! A pull moves the caller's cursor, and the events of its page are lost if the response never
//! reaches the client (the connection breaks mid-body, the process dies). So a pull's cursor move
//! is only provisional; the handler puts an [`OnDelivery`] hook in the response's extensions, and
//! [`finish`] (run for every response, outside every other layer, compression included) fires it
//! with `true` once the whole body has been written to the connection (hyper has taken its last
//! frame and then flushed the socket), or with `false` when the body is dropped before its end or
//! the connection closes before that flush.

use crate::connections::Busy;
use axum::{body::Body, response::Response};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use std::{
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
};

type Hook = Box<dyn FnOnce(bool) + Send>;

/// A callback told whether a response's body was delivered whole. It fires exactly once: with
/// `true` from [`finish`]'s body at its end, or with `false` when the last copy is dropped first
/// (also when the response never reached a connection).
#[derive(Clone)]
pub(crate) struct OnDelivery(Arc<Fire>);

struct Fire(Mutex<Option<Hook>>);

impl OnDelivery {
    pub(crate) fn new(hook: impl FnOnce(bool) + Send + 'static) -> Self {
        OnDelivery(Arc::new(Fire(Mutex::new(Some(Box::new(hook))))))
    }

    pub(crate) fn fire(&self, delivered: bool) {
        self.0.fire(delivered);
    }
}

impl Fire {
    fn fire(&self, delivered: bool) {
        let hook = self.0.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(hook) = hook {
            hook(delivered);
        }
    }
}

impl Drop for Fire {
    fn drop(&mut self) {
        self.fire(false);
    }
}

/// Wraps `response`'s body so that its connection stays busy until the body ends, and its
/// [`OnDelivery`] hook, if any, learns whether it ended.
pub(crate) fn finish(mut response: Response, busy: Busy) -> Response {
    let hook = response.extensions_mut().remove::<OnDelivery>();
    response.map(|inner| Body::new(Finish { inner, busy: Some(busy), hook }))
}

/// A body that reports its end.
struct Finish {
    inner: Body,
    busy: Option<Busy>,
    hook: Option<OnDelivery>,
}

impl Finish {
    fn ended(&mut self) {
        if let Some(busy) = self.busy.take() {
            busy.body_done(self.hook.take());
        }
    }
}

impl http_body::Body for Finish {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => self.ended(),
            // hyper stops polling a body that says it has ended, so its last frame is its end.
            Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => self.ended(),
            Poll::Ready(Some(Err(_))) => self.hook = None,
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Counts work running after its request has been answered, so that a shutdown waits for it.
#[derive(Clone, Default)]
pub(crate) struct Background(Arc<BackgroundState>);

#[derive(Default)]
struct BackgroundState {
    running: std::sync::atomic::AtomicUsize,
    idle: tokio::sync::Notify,
}

impl Background {
    /// Runs `work` on the current runtime, counted until it ends. Without a runtime (the
    /// process is ending) the work is not run.
    pub(crate) fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        use std::sync::atomic::Ordering;
        self.0.running.fetch_add(1, Ordering::AcqRel);
        let state = self.0.clone();
        runtime.spawn(async move {
            work.await;
            if state.running.fetch_sub(1, Ordering::AcqRel) == 1 {
                state.idle.notify_waiters();
            }
        });
    }

    /// Waits until no counted work runs, or `limit` passes.
    pub(crate) async fn drain(&self, limit: std::time::Duration) -> bool {
        use std::sync::atomic::Ordering;
        let wait = async {
            loop {
                let idle = self.0.idle.notified();
                if self.0.running.load(Ordering::Acquire) == 0 {
                    return;
                }
                idle.await;
            }
        };
        tokio::time::timeout(limit, wait).await.is_ok()
    }
}
