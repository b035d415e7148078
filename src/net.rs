//! The listening socket with a cap on open connections. A connection beyond the cap is still
//! accepted, so that its client hears why (503 990434 with `Connection: close`) instead of
//! waiting in the kernel's backlog; it is closed after that one answer.

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

pub struct CappedListener {
    inner: TcpListener,
    open: Arc<AtomicUsize>,
    max: usize,
}

impl CappedListener {
    pub fn new(inner: TcpListener, max: usize) -> Self {
        Self { inner, open: Arc::new(AtomicUsize::new(0)), max }
    }
}

/// An accepted connection; it frees its place under the cap when it closes.
pub struct CountedStream {
    stream: TcpStream,
    /// None for a connection over the cap (it holds no place).
    open: Option<Arc<AtomicUsize>>,
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        if let Some(open) = &self.open {
            open.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Listener for CappedListener {
    type Io = CountedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let placed = self
                        .open
                        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.max).then_some(n + 1))
                        .is_ok();
                    let open = placed.then(|| self.open.clone());
                    return (CountedStream { stream, open }, addr);
                }
                // Out of file descriptors and the like: wait instead of spinning.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// What a request knows of its connection.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionInfo {
    pub remote: SocketAddr,
    /// The connection arrived while the cap was reached.
    pub over_cap: bool,
}

impl Connected<IncomingStream<'_, CappedListener>> for ConnectionInfo {
    fn connect_info(stream: IncomingStream<'_, CappedListener>) -> Self {
        ConnectionInfo { remote: *stream.remote_addr(), over_cap: stream.io().open.is_none() }
    }
}

impl AsyncRead for CountedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
