//! Accepting connections and keeping them within bounds.
//!
//! A connection costs a file descriptor and a task whether or not it ever sends a request, so
//! every connection is tracked here ([`Registry`]) and held to three rules:
//!
//! | state of the connection | closed when |
//! |---|---|
//! | new, or part-way through a request's headers | its headers are not complete [`Limits::header_timeout`] after the first byte (or after it was accepted) |
//! | idle between requests (keep-alive) | it stays idle for [`Limits::idle_timeout`] |
//! | serving a request | it makes no progress (no byte read or written) for [`Limits::stall_timeout`] |
//!
//! At most [`Limits::max_connections`] are open, a number kept below the process's file
//! descriptor limit. When a new connection would pass it, the connection idle the longest is
//! closed to make room (a connection serving a request is never chosen), so a flood of idle
//! connections cannot keep a health probe or a real client out. When every connection is busy the
//! new one is answered `503` and closed: the service sheds load instead of failing.
//!
//! Hand-written on `hyper-util` rather than through `axum::serve` or `axum-server`: neither has
//! an idle timeout, a connection cap or a timer during hyper's protocol detection, so a peer that
//! connects and sends nothing was held forever.

use crate::delivery::OnDelivery;
use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use std::{
    collections::HashMap,
    convert::Infallible,
    future::Future,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{Notify, watch},
    task::JoinSet,
};
use tower::ServiceExt;

/// Bounds on connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most connections open at once (after [`Limits::within_fd_limit`]).
    pub max_connections: usize,
    /// Longest a request's headers may take to arrive, from its first byte (or, on a new
    /// connection, from the accept); also bounds a TLS handshake.
    pub header_timeout: Duration,
    /// Longest a connection may stay open between requests.
    pub idle_timeout: Duration,
    /// Longest a connection serving a request may go without reading or writing a byte.
    pub stall_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 10_000,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            stall_timeout: Duration::from_secs(60),
        }
    }
}

/// File descriptors kept free for the store, TLS files, logs and the like.
const RESERVED_FDS: u64 = 128;

impl Limits {
    /// Raises the process's soft file-descriptor limit to its hard limit, then lowers
    /// `max_connections` to fit under it with [`RESERVED_FDS`] to spare, so that the cap, not
    /// `accept` failing with "too many open files", is what turns connections away.
    pub fn within_fd_limit(mut self) -> Self {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut limit = getrlimit(Resource::Nofile);
        if limit.current < limit.maximum {
            limit.current = limit.maximum;
            if setrlimit(Resource::Nofile, limit).is_err() {
                limit = getrlimit(Resource::Nofile);
            }
        }
        if let Some(fds) = limit.current {
            let room = fds.saturating_sub(RESERVED_FDS).max(16);
            self.max_connections = self.max_connections.min(usize::try_from(room).unwrap_or(usize::MAX));
        }
        self
    }
}

/// Milliseconds since the registry started, as every timestamp here is kept.
fn millis(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// What is known of one connection, shared by its task, its IO and its requests.
struct ConnState {
    epoch: Instant,
    /// Requests being served (HTTP/2 serves several at once).
    busy: AtomicU32,
    /// Whether a request has completed on it.
    served: AtomicBool,
    /// When it was accepted, or last became idle.
    idle_since: AtomicU64,
    /// One more than when the first byte of a request arrived while idle; 0 for none yet.
    first_byte: AtomicU64,
    /// When a byte was last read or written.
    progress: AtomicU64,
    /// Set when it must close (to make room for a new connection).
    evicted: AtomicBool,
    /// Wakes the connection's task to look at its deadline again.
    wake: Notify,
    /// Responses whose last bytes hyper has taken but not yet written: told they were delivered
    /// at the next flush of the connection, or not delivered if the connection ends first.
    unflushed: Mutex<Vec<OnDelivery>>,
}

impl ConnState {
    fn new(epoch: Instant) -> Self {
        let now = millis(epoch);
        ConnState {
            epoch,
            busy: AtomicU32::new(0),
            served: AtomicBool::new(false),
            idle_since: AtomicU64::new(now),
            first_byte: AtomicU64::new(0),
            progress: AtomicU64::new(now),
            evicted: AtomicBool::new(false),
            wake: Notify::new(),
            unflushed: Mutex::new(Vec::new()),
        }
    }

    /// Everything hyper had buffered is written: the responses waiting for it are delivered.
    fn on_flushed(&self) {
        let delivered = std::mem::take(&mut *self.unflushed.lock().unwrap_or_else(|p| p.into_inner()));
        for hook in delivered {
            hook.fire(true);
        }
    }

    /// The connection ended: responses not yet flushed were not delivered.
    fn on_closed(&self) {
        let lost = std::mem::take(&mut *self.unflushed.lock().unwrap_or_else(|p| p.into_inner()));
        for hook in lost {
            hook.fire(false);
        }
    }

    fn idle(&self) -> bool {
        self.busy.load(Ordering::Acquire) == 0
    }

    /// When the connection must close if nothing changes, and why.
    fn deadline(&self, limits: &Limits) -> (u64, &'static str) {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        if !self.idle() {
            let at = self.progress.load(Ordering::Acquire);
            return (at.saturating_add(ms(limits.stall_timeout)), "no progress serving a request");
        }
        let first = self.first_byte.load(Ordering::Acquire);
        if first > 0 {
            return ((first - 1).saturating_add(ms(limits.header_timeout)), "request headers too slow");
        }
        let since = self.idle_since.load(Ordering::Acquire);
        if self.served.load(Ordering::Acquire) {
            (since.saturating_add(ms(limits.idle_timeout)), "idle")
        } else {
            (since.saturating_add(ms(limits.header_timeout)), "no request")
        }
    }

    /// Notes bytes read: the first byte of a request on an idle connection starts its header
    /// timeout.
    fn on_read(&self) {
        let now = millis(self.epoch);
        self.progress.store(now, Ordering::Release);
        if self.idle() && self.first_byte.load(Ordering::Acquire) == 0 {
            self.first_byte.store(now + 1, Ordering::Release);
            self.wake.notify_one();
        }
    }

    fn on_write(&self) {
        self.progress.store(millis(self.epoch), Ordering::Release);
    }
}

/// Marks a connection busy from the moment a request is dispatched until its response body has
/// been handed to the connection, or dropped.
pub(crate) struct Busy(Arc<ConnState>);

impl Busy {
    fn new(state: Arc<ConnState>) -> Busy {
        state.busy.fetch_add(1, Ordering::AcqRel);
        state.first_byte.store(0, Ordering::Release);
        Busy(state)
    }
}

impl Busy {
    /// The response's body has been handed to hyper whole: once the connection has written it
    /// (its next flush), `hook` learns it was delivered; the connection is no longer busy with it.
    pub(crate) fn body_done(self, hook: Option<OnDelivery>) {
        if let Some(hook) = hook {
            self.0.unflushed.lock().unwrap_or_else(|p| p.into_inner()).push(hook);
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let s = &self.0;
        s.served.store(true, Ordering::Release);
        s.idle_since.store(millis(s.epoch), Ordering::Release);
        if s.busy.fetch_sub(1, Ordering::AcqRel) == 1 {
            s.wake.notify_one();
        }
    }
}

/// The open connections.
struct Registry {
    epoch: Instant,
    max: usize,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<ConnState>>>,
}

impl Registry {
    /// Registers a new connection, closing the longest-idle one first when at the cap; `None`
    /// when at the cap with every connection busy.
    fn admit(&self) -> Option<(u64, Arc<ConnState>)> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.len() >= self.max {
            let victim = open
                .iter()
                .filter(|(_, c)| c.idle())
                .min_by_key(|(_, c)| c.idle_since.load(Ordering::Acquire))
                .map(|(id, _)| *id)?;
            let c = open.remove(&victim).expect("the victim is open");
            c.evicted.store(true, Ordering::Release);
            c.wake.notify_one();
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ConnState::new(self.epoch));
        open.insert(id, state.clone());
        Some((id, state))
    }

    fn remove(&self, id: u64) {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }
}

/// An IO stream that tells its connection's state about every byte that passes.
struct Tracked<S> {
    inner: S,
    state: Arc<ConnState>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.state.on_read();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.state.on_write();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.state.on_write();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_flush(cx);
        // hyper flushes the socket only once it has written everything it buffered before.
        if matches!(r, Poll::Ready(Ok(()))) {
            self.state.on_flushed();
        }
        r
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The answer to a connection turned away at the cap.
const SHED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
Retry-After: 1\r\nConnection: close\r\nContent-Length: 61\r\n\r\n\
unavailable: the server is at its connection limit; retry soon\n";

/// Accepts connections on `listener` and serves `app` on each until `shutdown` completes; then
/// stops accepting, lets open connections finish for `grace` and closes the rest.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: axum::Router,
    limits: Limits,
    grace: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let registry = Arc::new(Registry {
        epoch: Instant::now(),
        max: limits.max_connections.max(1),
        next_id: AtomicU64::new(0),
        open: Mutex::new(HashMap::new()),
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Header and idle timeouts are this module's own (hyper's would close idle keep-alive
    // connections at the header timeout).
    builder.http1().header_read_timeout(None);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    let (stop, stopping) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut last_shed_log: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of descriptors or memory: wait rather than spin; others are per
                        // connection and harmless.
                        if matches!(e.raw_os_error(), Some(23 | 24 | 105 | 12)) {
                            tracing::warn!(error = %e, "cannot accept connections; retrying in 100 ms");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        continue;
                    }
                };
                let Some((id, state)) = registry.admit() else {
                    if last_shed_log.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                        tracing::warn!(max = registry.max, "connection limit reached with every connection busy; answering 503");
                        last_shed_log = Some(Instant::now());
                    }
                    if tls.is_none() {
                        let _ = tcp.try_write(SHED);
                    }
                    continue;
                };
                let _ = tcp.set_nodelay(true);
                let task = Connection {
                    id,
                    state,
                    registry: registry.clone(),
                    peer,
                    app: app.clone(),
                    builder: builder.clone(),
                    limits,
                    stopping: stopping.clone(),
                };
                tasks.spawn(task.run(tcp, tls.clone()));
            }
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(open = tasks.len(), "closing connections still open after the shutdown grace period");
        tasks.shutdown().await;
    }
    Ok(())
}

/// One accepted connection and what it needs.
struct Connection {
    id: u64,
    state: Arc<ConnState>,
    registry: Arc<Registry>,
    peer: SocketAddr,
    app: axum::Router,
    builder: Arc<auto::Builder<TokioExecutor>>,
    limits: Limits,
    stopping: watch::Receiver<bool>,
}

impl Connection {
    async fn run(self, tcp: TcpStream, tls: Option<tokio_rustls::TlsAcceptor>) {
        match tls {
            None => self.http(tcp).await,
            Some(acceptor) => {
                let handshake = tokio::time::timeout(self.limits.header_timeout, acceptor.accept(tcp));
                let evicted = self.state.wake.notified();
                tokio::select! {
                    r = handshake => match r {
                        Ok(Ok(stream)) => self.http(stream).await,
                        Ok(Err(e)) => { tracing::debug!(peer = %self.peer, error = %e, "TLS handshake failed"); self.registry.remove(self.id) }
                        Err(_) => { tracing::debug!(peer = %self.peer, "TLS handshake timed out"); self.registry.remove(self.id) }
                    },
                    () = evicted => self.registry.remove(self.id),
                }
            }
        }
    }

    /// Serves HTTP on `io` until the peer leaves, a deadline passes, the connection is
    /// evicted, or the server stops.
    async fn http<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(mut self, io: S) {
        let io = TokioIo::new(Tracked { inner: io, state: self.state.clone() });
        let (state, peer, app) = (self.state.clone(), self.peer, self.app.clone());
        let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let busy = Busy::new(state.clone());
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move { Ok::<_, Infallible>(respond(app, request, busy).await) }
        });
        let conn = self.builder.serve_connection_with_upgrades(io, service);
        tokio::pin!(conn);
        let mut draining = false;
        loop {
            let (deadline, why) = self.state.deadline(&self.limits);
            let sleep = tokio::time::sleep_until((self.state.epoch + Duration::from_millis(deadline)).into());
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(peer = %self.peer, error = %e, "connection ended with an error");
                    }
                    break;
                }
                () = self.state.wake.notified() => {
                    if self.state.evicted.load(Ordering::Acquire) {
                        tracing::debug!(peer = %self.peer, "closing an idle connection to make room for a new one");
                        break;
                    }
                }
                () = sleep => {
                    if self.state.deadline(&self.limits).0 <= millis(self.state.epoch) {
                        tracing::debug!(peer = %self.peer, reason = why, "closing the connection");
                        break;
                    }
                }
                r = self.stopping.changed(), if !draining => {
                    draining = true;
                    if r.is_ok() {
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        }
        self.state.on_closed();
        self.registry.remove(self.id);
    }
}

/// Serves one request, and keeps the connection busy until the response body has been handed to
/// the connection (see [`crate::delivery`]).
async fn respond(app: axum::Router, request: Request, busy: Busy) -> axum::response::Response {
    let response = match app.oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    crate::delivery::finish(response, busy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(max: usize) -> Registry {
        Registry { epoch: Instant::now(), max, next_id: AtomicU64::new(0), open: Mutex::new(HashMap::new()) }
    }

    #[test]
    fn at_the_cap_the_longest_idle_connection_makes_room_and_busy_ones_never_do() {
        let r = registry(2);
        let (a, first) = r.admit().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let (_, second) = r.admit().unwrap();
        // Both idle: the older goes.
        let (_, third) = r.admit().unwrap();
        assert!(first.evicted.load(Ordering::Acquire) && !second.evicted.load(Ordering::Acquire));
        assert!(!r.open.lock().unwrap().contains_key(&a));
        // Both open ones busy: the newcomer is turned away.
        let _b2 = Busy::new(second.clone());
        let _b3 = Busy::new(third.clone());
        assert!(r.admit().is_none());
        drop(_b2);
        assert!(r.admit().is_some(), "an idle one makes room again");
        assert!(second.evicted.load(Ordering::Acquire) && !third.evicted.load(Ordering::Acquire));
    }

    #[test]
    fn deadlines_follow_the_connection_state() {
        let limits = Limits {
            max_connections: 1,
            header_timeout: Duration::from_secs(2),
            idle_timeout: Duration::from_secs(30),
            stall_timeout: Duration::from_secs(60),
        };
        let c = Arc::new(ConnState::new(Instant::now()));
        assert_eq!(c.deadline(&limits), (2000, "no request"));
        let busy = Busy::new(c.clone());
        assert_eq!(c.deadline(&limits).1, "no progress serving a request");
        drop(busy);
        let (at, why) = c.deadline(&limits);
        assert_eq!(why, "idle");
        assert!(at >= 30_000);
        c.on_read();
        assert_eq!(c.deadline(&limits).1, "request headers too slow");
    }
}
