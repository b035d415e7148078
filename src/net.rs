//! The listening socket: a cap on open connections, and the time a connection may take to send a
//! request.
//!
//! - A connection beyond the cap is still accepted, so that its client hears why (503 990434 with
//!   `Connection: close`) instead of waiting in the kernel's backlog; it is closed after that one
//!   answer.
//! - A connection must send the complete headers of a request within the header-read timeout: of
//!   its first request from the moment it was accepted, of a later one from its first byte. While
//!   no request runs, a kept-alive connection may wait for its next request for the idle timeout.
//!   A connection past either is closed: slow clients (a slowloris) cannot hold places under the
//!   cap. Bodies and answers are bounded by the request timeout instead.

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// The open connections, against the cap.
#[derive(Debug)]
pub struct Connections {
    open: AtomicUsize,
    max: usize,
}

impl Connections {
    /// No new connection would be served: the next one is refused with 503 990434.
    pub fn at_cap(&self) -> bool {
        self.open.load(Ordering::Acquire) >= self.max
    }

    pub fn max(&self) -> usize {
        self.max
    }
}

/// How long a connection may take to send a request's headers, and to start its next request.
#[derive(Debug, Clone, Copy)]
pub struct ReadTimeouts {
    pub headers: Duration,
    pub idle: Duration,
}

pub struct CappedListener {
    inner: TcpListener,
    connections: Arc<Connections>,
    timeouts: ReadTimeouts,
}

impl CappedListener {
    pub fn new(inner: TcpListener, max: usize, timeouts: ReadTimeouts) -> Self {
        Self { inner, connections: Arc::new(Connections { open: AtomicUsize::new(0), max }), timeouts }
    }
}

/// What a connection is waiting for, and until when.
#[derive(Debug, Clone, Copy)]
enum Waiting {
    /// Its first request (from the accept): the header-read timeout.
    FirstRequest,
    /// Its next request, nothing of it received yet: the idle timeout.
    NextRequest,
    /// The rest of a request's headers (from its first byte): the header-read timeout.
    Headers,
    /// Nothing: a request runs.
    Nothing,
}

/// An accepted connection: it frees its place under the cap when it closes, and it is closed when
/// it takes too long to send a request.
pub struct CountedStream {
    stream: TcpStream,
    /// None for a connection over the cap (it holds no place).
    connections: Option<Arc<Connections>>,
    /// Every open connection (for readiness).
    all: Arc<Connections>,
    /// The requests of this connection (shared with them, `ConnectionInfo`).
    requests: Arc<Requests>,
    timeouts: ReadTimeouts,
    waiting: Waiting,
    deadline: Pin<Box<Sleep>>,
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        if let Some(connections) = &self.connections {
            connections.open.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl CountedStream {
    fn wait_for(&mut self, waiting: Waiting, limit: Duration) {
        self.waiting = waiting;
        self.deadline.as_mut().reset(Instant::now() + limit);
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
                    let max = self.connections.max;
                    let placed = self
                        .connections
                        .open
                        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1))
                        .is_ok();
                    let connections = placed.then(|| self.connections.clone());
                    let deadline = Box::pin(tokio::time::sleep(self.timeouts.headers));
                    let io = CountedStream {
                        stream,
                        connections,
                        all: self.connections.clone(),
                        requests: Arc::default(),
                        timeouts: self.timeouts,
                        waiting: Waiting::FirstRequest,
                        deadline,
                    };
                    return (io, addr);
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
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    pub remote: SocketAddr,
    /// The connection arrived while the cap was reached.
    pub over_cap: bool,
    /// Every open connection, for readiness.
    pub connections: Arc<Connections>,
    /// The connection came through the HTTPS listener.
    pub secure: bool,
    requests: Arc<Requests>,
}

/// The requests of one connection, as the connection's reads see them.
#[derive(Debug, Default)]
struct Requests {
    running: AtomicUsize,
    /// A request began since the connection last looked: its wait is over.
    began: AtomicBool,
}

impl ConnectionInfo {
    /// Mark a request of this connection as running until the guard is dropped: meanwhile the
    /// connection is not waiting for a request, and no read timeout applies.
    pub fn request_running(&self) -> RunningRequest {
        self.requests.running.fetch_add(1, Ordering::AcqRel);
        self.requests.began.store(true, Ordering::Release);
        RunningRequest(self.requests.clone())
    }
}

/// A running request of a connection (see `ConnectionInfo::request_running`).
pub struct RunningRequest(Arc<Requests>);

impl Drop for RunningRequest {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::AcqRel);
    }
}

impl CountedStream {
    fn info(&self, remote: SocketAddr, secure: bool) -> ConnectionInfo {
        ConnectionInfo {
            remote,
            over_cap: self.connections.is_none(),
            connections: self.all.clone(),
            secure,
            requests: self.requests.clone(),
        }
    }
}

impl Connected<IncomingStream<'_, CappedListener>> for ConnectionInfo {
    fn connect_info(stream: IncomingStream<'_, CappedListener>) -> Self {
        stream.io().info(*stream.remote_addr(), false)
    }
}

/// The HTTPS listener: a [`CappedListener`] whose connections speak TLS. The handshake runs in
/// the connection's own task, on its first read or write, not in the accept loop, so a slow
/// handshake delays no other client; it is bounded by the header-read timeout like the request
/// it precedes.
pub struct TlsListener {
    inner: CappedListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl TlsListener {
    pub fn new(inner: CappedListener, acceptor: tokio_rustls::TlsAcceptor) -> Self {
        Self { inner, acceptor }
    }
}

/// A TLS connection: handshaking, then streaming.
pub struct TlsStream {
    state: TlsState,
    /// What the connection's requests know of it, taken before the handshake.
    info: ConnectionInfo,
}

enum TlsState {
    Handshaking(Box<tokio_rustls::Accept<CountedStream>>),
    Streaming(Box<tokio_rustls::server::TlsStream<CountedStream>>),
    Failed,
}

impl TlsStream {
    /// Drive the handshake; ready when it is done (or failed).
    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let TlsState::Handshaking(accept) = &mut self.state {
            match Pin::new(accept.as_mut()).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(stream)) => self.state = TlsState::Streaming(Box::new(stream)),
                Poll::Ready(Err(e)) => {
                    self.state = TlsState::Failed;
                    return Poll::Ready(Err(e));
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    /// The stream once the handshake is done (driving it when it is not).
    fn poll_streaming(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Pin<&mut tokio_rustls::server::TlsStream<CountedStream>>>> {
        match self.poll_handshake(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(())) => {}
        }
        match &mut self.state {
            TlsState::Streaming(stream) => Poll::Ready(Ok(Pin::new(stream.as_mut()))),
            _ => Poll::Ready(Err(io::Error::new(io::ErrorKind::ConnectionAborted, "TLS handshake failed"))),
        }
    }
}

impl Listener for TlsListener {
    type Io = TlsStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = self.inner.accept().await;
        let info = stream.info(addr, true);
        (TlsStream { state: TlsState::Handshaking(Box::new(self.acceptor.accept(stream))), info }, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

impl Connected<IncomingStream<'_, TlsListener>> for ConnectionInfo {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        stream.io().info.clone()
    }
}

impl AsyncRead for TlsStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().poll_streaming(cx) {
            Poll::Ready(Ok(stream)) => stream.poll_read(cx, buf),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut().poll_streaming(cx) {
            Poll::Ready(Ok(stream)) => stream.poll_write(cx, buf),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().poll_streaming(cx) {
            Poll::Ready(Ok(stream)) => stream.poll_flush(cx),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match &mut this.state {
            TlsState::Streaming(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
            // Nothing was said over TLS yet: there is nothing to close politely.
            _ => Poll::Ready(Ok(())),
        }
    }
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what.to_string())
}

impl AsyncRead for CountedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let began = this.requests.began.swap(false, Ordering::AcqRel);
        if this.requests.running.load(Ordering::Acquire) > 0 {
            this.waiting = Waiting::Nothing;
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        }
        if began || matches!(this.waiting, Waiting::Nothing) {
            // The last request ended: the next one may take the idle timeout to begin.
            let idle = this.timeouts.idle;
            this.wait_for(Waiting::NextRequest, idle);
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(timed_out(match this.waiting {
                Waiting::NextRequest => "idle connection closed",
                _ => "request headers not received in time",
            })));
        }
        let filled = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Waiting::NextRequest) = (&read, this.waiting) {
            if buf.filled().len() > filled {
                let headers = this.timeouts.headers;
                this.wait_for(Waiting::Headers, headers);
            }
        }
        read
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
