//! Connection limits, so slow or idle clients cannot hold every file descriptor: a cap on
//! connections at once (more wait a while for a free slot, and beyond a second cap are
//! closed at once), a TLS handshake timeout, a header-read timeout that also ends idle
//! keep-alive connections (hyper's, set in `serve`), and a write that makes no progress
//! for [`WRITE_STALL`] ends its connection (a client that stopped reading).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Connections at once, unless `serve --max-connections` says otherwise.
pub const MAX_CONNECTIONS: usize = 512;
/// How long a TLS handshake may take.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request's head may take to arrive, and how long a kept-alive connection may
/// sit idle between requests.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection waits for a free slot when all are taken (idle ones free theirs
/// within the timeouts above).
pub const SLOT_WAIT: Duration = Duration::from_secs(15);
/// How long a write to the client may make no progress.
pub const WRITE_STALL: Duration = Duration::from_secs(30);

/// An acceptor that holds a slot for each connection it lets through.
#[derive(Debug, Clone)]
pub struct Limited<A> {
    inner: A,
    slots: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max: usize,
}

impl<A> Limited<A> {
    pub fn new(inner: A, max: usize) -> Self {
        let max = max.max(1);
        Self {
            inner,
            slots: Arc::new(Semaphore::new(max)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }

    async fn slot(&self) -> io::Result<OwnedSemaphorePermit> {
        if let Ok(permit) = Arc::clone(&self.slots).try_acquire_owned() {
            return Ok(permit);
        }
        let refused = || io::Error::new(io::ErrorKind::ConnectionRefused, "too many connections");
        let queued = Waiting::join(&self.waiting, self.max).ok_or_else(|| {
            tracing::warn!(
                max = self.max,
                "connections and waiting connections at their caps: closing one"
            );
            refused()
        })?;
        let got = tokio::time::timeout(SLOT_WAIT, Arc::clone(&self.slots).acquire_owned()).await;
        drop(queued);
        match got {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(refused()),
        }
    }
}

/// One connection waiting for a slot; at most `max` wait.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn join(count: &'a AtomicUsize, max: usize) -> Option<Self> {
        if count.fetch_add(1, Ordering::AcqRel) >= max {
            count.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Self(count))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<A, I, S> Accept<I, S> for Limited<A>
where
    A: Accept<I, S> + Clone + Send + Sync + 'static,
    A::Future: Send,
    I: Send + 'static,
    S: Send + 'static,
{
    type Stream = Counted<A::Stream>;
    type Service = A::Service;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let permit = this.slot().await?;
            let (stream, service) = this.inner.accept(stream, service).await?;
            Ok((
                Counted {
                    inner: stream,
                    _slot: permit,
                    stall: None,
                },
                service,
            ))
        })
    }
}

/// A connection holding its slot until it closes; a write that stalls ends it.
#[derive(Debug)]
pub struct Counted<T> {
    inner: T,
    _slot: OwnedSemaphorePermit,
    stall: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> Counted<T> {
    /// Passes a write's progress through, and fails it once it has made none for
    /// [`WRITE_STALL`].
    fn watch<R>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        if poll.is_ready() {
            self.stall = None;
            return poll;
        }
        let stall = self
            .stall
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(WRITE_STALL)));
        if stall.as_mut().poll(cx).is_ready() {
            tracing::info!("closing a connection whose client stopped reading");
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading",
            )));
        }
        Poll::Pending
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
