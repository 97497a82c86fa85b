//! The HTTP connection loop: accepts TCP connections and serves each with
//! hyper's HTTP/1 (with upgrades, for the live websockets), under three
//! limits that keep idle and half-sent connections from using up the
//! process's file descriptors:
//!
//! * a request's headers must arrive within the header timeout, counted
//!   from when the server starts waiting for them (on connecting, and after
//!   each response on a kept-alive connection);
//! * a connection with no bytes read or written for the idle timeout is
//!   closed, after the response to any request in progress;
//! * one client address holds at most [`Limits::per_address`] connections
//!   at once (websockets included); more are closed as soon as accepted.
//!
//! Shutdown: when the token is cancelled the loop stops accepting, every
//! connection finishes its request in progress and closes, and [`serve`]
//! returns once they have. Upgraded websockets are not connections of this
//! loop any more; they run on the application's own task tracker.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;

/// Connection limits; see the module documentation.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest wait for a request's complete headers.
    pub header_timeout: Duration,
    /// Longest a connection may pass without a byte in either direction.
    pub idle_timeout: Duration,
    /// Most connections open at once from one IP address.
    pub per_address: usize,
}

/// Serves `app` on `listener` until `shutdown` is cancelled, then lets
/// every connection finish its request in progress.
///
/// # Errors
/// None so far: failed accepts are logged and retried.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let counts = Arc::new(AddressCounts::default());
    let connections = TaskTracker::new();
    loop {
        let (tcp, remote) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        let Some(slot) = AddressCounts::take(&counts, remote.ip(), limits.per_address) else {
            tracing::debug!(%remote, "too many connections from this address; closed");
            continue;
        };
        // Live messages are small and must leave at once: without
        // TCP_NODELAY a message written while the previous one is
        // unacknowledged waits for the peer's delayed ACK (up to 40 ms).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "setting TCP_NODELAY");
        }
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Tracked {
            inner: tcp,
            activity: Arc::clone(&activity),
            _slot: slot,
        });
        let service = TowerToHyperService::new(app.clone().map_request(
            move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(remote));
                req.map(Body::new)
            },
        ));
        connections.spawn(serve_connection(
            io,
            service,
            activity,
            limits,
            shutdown.clone(),
        ));
    }
    connections.close();
    connections.wait().await;
    Ok(())
}

async fn serve_connection<S>(
    io: TokioIo<Tracked>,
    service: TowerToHyperService<S>,
    activity: Arc<Activity>,
    limits: Limits,
    shutdown: CancellationToken,
) where
    S: tower::Service<hyper::Request<Incoming>, Response = axum::response::Response>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service).with_upgrades();
    let mut conn = std::pin::pin!(conn);
    let mut closing = false;
    let idle_check = tokio::time::sleep(limits.idle_timeout);
    let mut idle_check = std::pin::pin!(idle_check);
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = shutdown.cancelled(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            () = idle_check.as_mut(), if !closing => {
                let idle = activity.idle_for();
                if idle >= limits.idle_timeout {
                    tracing::debug!(?idle, "closing an idle connection");
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                } else {
                    idle_check
                        .as_mut()
                        .reset(tokio::time::Instant::now() + (limits.idle_timeout - idle));
                }
            }
        }
    }
}

/// Accept failures: a client that gave up before being accepted is no
/// failure; anything else (EMFILE: out of file descriptors) is logged,
/// and accepting pauses briefly so that the loop does not spin while
/// connections close.
async fn accept_failed(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Open connections per client IP address.
#[derive(Default)]
struct AddressCounts {
    /// Count per address; an address leaves the map with its last
    /// connection. Locked briefly on accept and on close.
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl AddressCounts {
    /// A slot for one more connection from `ip`, or `None` at the cap.
    fn take(counts: &Arc<AddressCounts>, ip: IpAddr, cap: usize) -> Option<Slot> {
        let mut open = counts.open.lock().expect("address counts lock poisoned");
        let n = open.entry(ip).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(Slot {
            counts: Arc::clone(counts),
            ip,
        })
    }
}

/// One connection's place in [`AddressCounts`], given back on drop (when
/// the socket closes, also after a websocket upgrade).
struct Slot {
    counts: Arc<AddressCounts>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .counts
            .open
            .lock()
            .expect("address counts lock poisoned");
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// When a connection last moved a byte.
struct Activity {
    start: Instant,
    /// Milliseconds after `start` of the last read or write. Written by
    /// the socket's reads and writes, read by the idle check.
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        self.start
            .elapsed()
            .saturating_sub(Duration::from_millis(self.last_ms.load(Ordering::Relaxed)))
    }
}

/// A TCP stream that records its activity and holds its address slot.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
    _slot: Slot,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_slots_are_capped_and_given_back() {
        let counts = Arc::new(AddressCounts::default());
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.3".parse().unwrap();
        let first = AddressCounts::take(&counts, a, 2).unwrap();
        let _second = AddressCounts::take(&counts, a, 2).unwrap();
        assert!(AddressCounts::take(&counts, a, 2).is_none());
        let _other = AddressCounts::take(&counts, b, 2).unwrap();
        drop(first);
        assert!(AddressCounts::take(&counts, a, 2).is_some());
    }
}
