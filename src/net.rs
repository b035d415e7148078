//! The listening sockets: a budget of open connections that a misbehaving client cannot hoard, and
//! the time a connection may take to send a request.
//!
//! - **One budget** for both listeners (plain and HTTPS): `--max-connections` places, and a small
//!   reserved slice ([`Budget::reserve`]) for the connections that arrive while every place holds
//!   a request that is running. A connection in the slice is answered and closed: 503 990434 with
//!   `Connection: close`, or, for the health and readiness probes, their answer (so a container's
//!   HEALTHCHECK still answers while the emulator is full).
//! - **Admission prefers complete requests.** A place is the connection's for as long as it has
//!   sent a whole request and waits for its answer. A connection that has not (nothing sent yet,
//!   headers or a body part-way: *arriving*) or that sits idle between requests gives its place to
//!   a newcomer when the budget is full: the arriving one that has been arriving the longest first,
//!   an idle one only when none is arriving, and none before [`DISPLACE_AFTER`] (meanwhile the
//!   newcomer waits in the kernel's backlog). So connections that only hold a place (silent,
//!   half-sent, idle) never keep a client that sends its request out.
//! - **Timeouts** close a connection that takes too long: the complete headers of a request within
//!   the header-read timeout (of its first request from the moment it was accepted, of a later one
//!   from its first byte); its next request within the idle timeout; a request's body within the
//!   body-read timeout of its headers ([`TimedBody`]; the edge answers 408 990455 and closes).
//!   Answers are bounded by the request timeout.
//! - The budget stays below the process's open-file limit, which the emulator raises to its hard
//!   limit at start ([`raise_open_file_limit`], [`connection_cap`]): a socket the emulator accepts
//!   never fails for want of a descriptor.

use axum::body::{Body, Bytes};
use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// How long a connection keeps its place, however idle, before a newcomer may take it: long enough
/// for any client to send a request once connected, short enough that a newcomer waits little.
pub const DISPLACE_AFTER: Duration = Duration::from_millis(250);

/// Descriptors the emulator keeps for itself, outside the connection budget: the listeners, the
/// database (SQLite's files, PostgreSQL's pools), standard streams, the runtime's own, and the
/// sockets being closed at any moment.
pub const FILES_KEPT_BACK: u64 = 96;

/// The places reserved, beyond the cap, for connections that arrive while it is full of running
/// requests (answered and closed at once): 1 in 100, at least 2 and at most 16.
pub fn reserve_for(max: usize) -> usize {
    (max / 100).clamp(2, 16)
}

/// The connection cap the emulator runs with: the one configured, lowered when the open-file
/// limit could not hold it, its reserve and [`FILES_KEPT_BACK`] (but not below 8, or the one
/// configured when it is smaller).
pub fn connection_cap(configured: usize, open_files: Option<u64>) -> usize {
    let Some(limit) = open_files else { return configured };
    let room = limit.saturating_sub(FILES_KEPT_BACK + reserve_for(configured) as u64);
    configured.min(usize::try_from(room).unwrap_or(usize::MAX)).max(configured.min(8))
}

/// The process's open-file limit, before and after [`raise_open_file_limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    pub was: u64,
    pub now: u64,
    pub hard: u64,
}

/// Raise the soft limit of open files to the hard one (an unprivileged process may), so that the
/// connection cap is not cut short by a distribution's default of 1,024. None where there is no
/// such limit or it cannot be read.
pub fn raise_open_file_limit() -> Option<io::Result<OpenFiles>> {
    #[cfg(unix)]
    {
        let (was, hard) = match rlimit::Resource::NOFILE.get() {
            Ok(limits) => limits,
            Err(e) => return Some(Err(e)),
        };
        Some(rlimit::increase_nofile_limit(hard).map(|now| OpenFiles { was, now, hard }))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// What a connection is doing, as the budget sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Activity {
    /// No complete request yet: nothing sent, or headers or a body part-way.
    Arriving = 0,
    /// Between requests.
    Idle = 1,
    /// A complete request is being answered: the place is not given away.
    Running = 2,
}

/// One connection's place in the budget, shared by the connection, its requests and the budget.
#[derive(Debug)]
pub struct Place {
    id: u64,
    /// In the reserved slice: the connection arrived while every place held a running request.
    over_cap: bool,
    activity: AtomicU8,
    /// When the connection began its current activity (µs since `epoch`).
    since: AtomicU64,
    epoch: std::time::Instant,
    /// Given to a newcomer: the connection closes at its next read.
    displaced: AtomicBool,
    /// The connection's task, to wake when it is displaced.
    waker: Mutex<Option<Waker>>,
    running: AtomicUsize,
    /// A request began since the connection last looked: its wait is over.
    began: AtomicBool,
    /// The connection's last read waited: it armed no timeout for the time after the request
    /// that runs, so the request's end wakes it.
    parked: AtomicBool,
}

impl Place {
    fn now_us(&self) -> u64 {
        micros(self.epoch.elapsed())
    }

    fn set(&self, activity: Activity, since: u64) {
        self.since.store(since, Ordering::Release);
        self.activity.store(activity as u8, Ordering::Release);
    }

    fn activity(&self) -> Activity {
        match self.activity.load(Ordering::Acquire) {
            0 => Activity::Arriving,
            1 => Activity::Idle,
            _ => Activity::Running,
        }
    }

    fn park(&self, waker: &Waker) {
        self.parked.store(true, Ordering::Release);
        if let Ok(mut parked) = self.waker.lock() {
            if !parked.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *parked = Some(waker.clone());
            }
        }
    }

    /// Wake the connection's task: it looks at its place again at its next read.
    fn wake(&self) {
        if let Some(waker) = self.waker.lock().ok().and_then(|w| w.clone()) {
            waker.wake();
        }
    }

    fn displace(&self) {
        self.displaced.store(true, Ordering::Release);
        self.wake();
    }

    fn is_displaced(&self) -> bool {
        self.displaced.load(Ordering::Acquire)
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[derive(Debug, Default)]
struct Places {
    general: HashMap<u64, Arc<Place>>,
    reserved: HashMap<u64, Arc<Place>>,
}

/// Whom a newcomer may take a place from.
enum Victim {
    Now(u64),
    /// Someone, once they have held their place for [`DISPLACE_AFTER`]: in this long.
    Soon(Duration),
    /// No one: every place holds a running request.
    None,
}

/// The place a connection that has not sent a whole request, or sits idle, gives up first.
fn victim(places: &HashMap<u64, Arc<Place>>, now: u64) -> Victim {
    let oldest = |wanted: Activity| {
        places
            .values()
            .filter(|p| p.activity() == wanted && !p.is_displaced())
            .min_by_key(|p| p.since.load(Ordering::Acquire))
    };
    let Some(place) = oldest(Activity::Arriving).or_else(|| oldest(Activity::Idle)) else { return Victim::None };
    let held = now.saturating_sub(place.since.load(Ordering::Acquire));
    let after = micros(DISPLACE_AFTER);
    if held >= after {
        Victim::Now(place.id)
    } else {
        // It may send its request sooner (and an idle one be the one to go): look again soon.
        Victim::Soon(Duration::from_micros(after - held).min(LOOK_AGAIN))
    }
}

/// How often a newcomer waiting for a place looks again at the ones it may take.
const LOOK_AGAIN: Duration = Duration::from_millis(10);

/// The open connections of both listeners, against the cap and its reserved slice.
#[derive(Debug)]
pub struct Budget {
    max: usize,
    reserve: usize,
    places: Mutex<Places>,
    /// A place was freed.
    freed: tokio::sync::Notify,
    epoch: std::time::Instant,
    next_id: AtomicU64,
}

impl Budget {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max: max.max(1),
            reserve: reserve_for(max),
            places: Mutex::default(),
            freed: tokio::sync::Notify::new(),
            epoch: std::time::Instant::now(),
            next_id: AtomicU64::new(0),
        })
    }

    /// No new connection would get a place: every one holds a running request. The next one is
    /// answered 503 990434 (readiness says so too).
    pub fn at_cap(&self) -> bool {
        let Ok(places) = self.places.lock() else { return false };
        places.general.len() >= self.max && matches!(victim(&places.general, 0), Victim::None)
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// The places reserved beyond the cap.
    pub fn reserve(&self) -> usize {
        self.reserve
    }

    /// Open connections: with a place under the cap, and in the reserved slice.
    pub fn open(&self) -> (usize, usize) {
        self.places.lock().map(|p| (p.general.len(), p.reserved.len())).unwrap_or_default()
    }

    /// A place for a connection just accepted, taken from one that holds its place without a
    /// request when the budget is full; waits while no place can be had.
    async fn admit(&self) -> Arc<Place> {
        loop {
            let wait = match self.try_admit() {
                Ok(place) => return place,
                Err(wait) => wait,
            };
            tokio::select! {
                () = self.freed.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    fn try_admit(&self) -> Result<Arc<Place>, Duration> {
        let mut places = self.places.lock().map_err(|_| Duration::from_millis(50))?;
        let now = micros(self.epoch.elapsed());
        let Places { general, reserved } = &mut *places;
        let (map, over_cap) = if general.len() < self.max {
            (general, false)
        } else {
            match victim(general, now) {
                Victim::Now(id) => {
                    take_from(general, id);
                    (general, false)
                }
                Victim::Soon(wait) => return Err(wait),
                Victim::None if reserved.len() < self.reserve => (reserved, true),
                Victim::None => match victim(reserved, now) {
                    Victim::Now(id) => {
                        take_from(reserved, id);
                        (reserved, true)
                    }
                    Victim::Soon(wait) => return Err(wait),
                    Victim::None => return Err(Duration::from_millis(50)),
                },
            }
        };
        let place = Arc::new(Place {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            over_cap,
            activity: AtomicU8::new(Activity::Arriving as u8),
            since: AtomicU64::new(now),
            epoch: self.epoch,
            displaced: AtomicBool::new(false),
            waker: Mutex::new(None),
            running: AtomicUsize::new(0),
            began: AtomicBool::new(false),
            parked: AtomicBool::new(false),
        });
        map.insert(place.id, place.clone());
        Ok(place)
    }

    fn release(&self, place: &Place) {
        if let Ok(mut places) = self.places.lock() {
            let map = if place.over_cap { &mut places.reserved } else { &mut places.general };
            map.remove(&place.id);
        }
        self.freed.notify_one();
    }
}

fn take_from(map: &mut HashMap<u64, Arc<Place>>, id: u64) {
    if let Some(victim) = map.remove(&id) {
        victim.displace();
    }
}

/// How long a connection may take to send a request's headers, to start its next request, and to
/// send a request's body.
#[derive(Debug, Clone, Copy)]
pub struct ReadTimeouts {
    pub headers: Duration,
    pub idle: Duration,
    pub body: Duration,
}

pub struct CappedListener {
    inner: TcpListener,
    budget: Arc<Budget>,
    timeouts: ReadTimeouts,
}

impl CappedListener {
    /// A listener whose connections take places in `budget` (which another listener may share).
    pub fn new(inner: TcpListener, budget: Arc<Budget>, timeouts: ReadTimeouts) -> Self {
        Self { inner, budget, timeouts }
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

/// An accepted connection: it holds its place in the budget until it closes, and it is closed
/// when it takes too long to send a request or gives its place to a newcomer.
pub struct CountedStream {
    stream: TcpStream,
    place: Arc<Place>,
    budget: Arc<Budget>,
    timeouts: ReadTimeouts,
    waiting: Waiting,
    deadline: Pin<Box<Sleep>>,
}

impl Drop for CountedStream {
    fn drop(&mut self) {
        self.budget.release(&self.place);
    }
}

impl CountedStream {
    fn wait_for(&mut self, waiting: Waiting, limit: Duration) {
        self.waiting = waiting;
        self.deadline.as_mut().reset(Instant::now() + limit);
        let activity = if matches!(waiting, Waiting::NextRequest) { Activity::Idle } else { Activity::Arriving };
        self.place.set(activity, self.place.now_us());
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
                    // Waits, the socket in hand, while every place is held and none can be had yet:
                    // the connections behind it wait in the kernel's backlog.
                    let place = self.budget.admit().await;
                    let deadline = Box::pin(tokio::time::sleep(self.timeouts.headers));
                    let io = CountedStream {
                        stream,
                        place,
                        budget: self.budget.clone(),
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
    /// The connection holds a place of the reserved slice: it arrived while every place under the
    /// cap held a running request. It is answered (503 990434, or a probe's answer) and closed.
    pub over_cap: bool,
    /// The connection budget, for readiness.
    pub connections: Arc<Budget>,
    /// The connection came through the HTTPS listener.
    pub secure: bool,
    place: Arc<Place>,
}

impl ConnectionInfo {
    /// Mark a request of this connection as running until the guard is dropped: meanwhile the
    /// connection is not waiting for a request, no read timeout applies (its body has its own,
    /// [`TimedBody`]) and its place is not given away.
    pub fn request_running(&self) -> RunningRequest {
        self.place.running.fetch_add(1, Ordering::AcqRel);
        self.place.began.store(true, Ordering::Release);
        self.place.set(Activity::Running, self.place.now_us());
        RunningRequest(self.place.clone())
    }

    /// `body` with the body-read timeout, counted from now (the headers have arrived): a body still
    /// incomplete `limit` after them is cut, and `cut` says so. While the body is awaited the
    /// connection counts as arriving, and a newcomer may take its place.
    pub fn timed_body(&self, body: Body, limit: Duration, cut: Arc<AtomicBool>) -> Body {
        Body::new(TimedBody::new(body, limit, cut, Some(self.place.clone())))
    }
}

/// A running request of a connection (see `ConnectionInfo::request_running`).
pub struct RunningRequest(Arc<Place>);

impl Drop for RunningRequest {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.set(Activity::Idle, self.0.now_us());
            // A read that waited during the request armed no timeout: the next one arms the idle
            // timeout, whether or not the client ever sends anything again.
            if self.0.parked.load(Ordering::Acquire) {
                self.0.wake();
            }
        }
    }
}

impl CountedStream {
    fn info(&self, remote: SocketAddr, secure: bool) -> ConnectionInfo {
        ConnectionInfo {
            remote,
            over_cap: self.place.over_cap,
            connections: self.budget.clone(),
            secure,
            place: self.place.clone(),
        }
    }
}

impl Connected<IncomingStream<'_, CappedListener>> for ConnectionInfo {
    fn connect_info(stream: IncomingStream<'_, CappedListener>) -> Self {
        stream.io().info(*stream.remote_addr(), false)
    }
}

/// A request's body under the body-read timeout: once its headers are in, a request has that long
/// for its body. Data already received is always handed on; only a body that stalls past the
/// deadline is cut (an error to whoever reads it, and `cut` set for the edge to answer 408), and so
/// is the body of a connection whose place was given away.
pub struct TimedBody {
    inner: Body,
    deadline: Instant,
    timer: Option<Pin<Box<Sleep>>>,
    cut: Arc<AtomicBool>,
    place: Option<Arc<Place>>,
    /// When the request's headers were in (µs of the budget's clock): while it waits for its body
    /// the connection counts as arriving since then.
    started: u64,
}

impl TimedBody {
    pub fn new(inner: Body, limit: Duration, cut: Arc<AtomicBool>, place: Option<Arc<Place>>) -> Self {
        let started = place.as_ref().map_or(0, |p| p.now_us());
        Self { inner, deadline: Instant::now() + limit, timer: None, cut, place, started }
    }

    fn cut_off(&mut self, why: &str) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        self.cut.store(true, Ordering::Release);
        Poll::Ready(Some(Err(axum::Error::new(timed_out(why)))))
    }
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if this.place.as_ref().is_some_and(|p| p.is_displaced()) {
            return this.cut_off("the connection gave its place to another");
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => {}
            ready => {
                if let Some(place) = &this.place {
                    place.set(Activity::Running, place.now_us());
                }
                return ready;
            }
        }
        if let Some(place) = &this.place {
            if place.activity() != Activity::Arriving {
                place.set(Activity::Arriving, this.started);
            }
        }
        let deadline = this.deadline;
        let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.as_mut().poll(cx).is_ready() {
            return this.cut_off("request body not received in time");
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
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
        if this.place.is_displaced() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection gave its place to another",
            )));
        }
        let began = this.place.began.swap(false, Ordering::AcqRel);
        if this.place.running.load(Ordering::Acquire) > 0 {
            this.waiting = Waiting::Nothing;
            let read = Pin::new(&mut this.stream).poll_read(cx, buf);
            match read {
                Poll::Pending => this.place.park(cx.waker()),
                Poll::Ready(_) => this.place.parked.store(false, Ordering::Release),
            }
            return read;
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
        if read.is_ready() {
            this.place.parked.store(false, Ordering::Release);
        }
        match (&read, this.waiting) {
            (Poll::Pending, _) => this.place.park(cx.waker()),
            (Poll::Ready(Ok(())), Waiting::NextRequest) if buf.filled().len() > filled => {
                let headers = this.timeouts.headers;
                this.wait_for(Waiting::Headers, headers);
            }
            _ => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_open_file_limit() {
        assert_eq!((reserve_for(1000), reserve_for(50), reserve_for(100_000)), (10, 2, 16));
        assert_eq!(connection_cap(1000, None), 1000);
        assert_eq!(connection_cap(1000, Some(1_048_576)), 1000);
        // The usual soft limit of 1,024: the default cap of 1,000 would not fit.
        assert_eq!(connection_cap(1000, Some(1024)), 1024 - 96 - 10);
        assert_eq!(connection_cap(50, Some(1024)), 50);
        assert_eq!(connection_cap(1000, Some(64)), 8);
        assert_eq!(connection_cap(3, Some(64)), 3);
        assert_eq!(connection_cap(3, Some(1_048_576)), 3);
    }

    /// A budget whose clock has run for a minute, so that places can be made old.
    fn budget(max: usize) -> Budget {
        Budget {
            max,
            reserve: reserve_for(max),
            places: Mutex::default(),
            freed: tokio::sync::Notify::new(),
            epoch: std::time::Instant::now() - Duration::from_secs(60),
            next_id: AtomicU64::new(0),
        }
    }

    fn age(place: &Place, activity: Activity, seconds_ago: u64) {
        place.set(activity, place.now_us() - seconds_ago * 1_000_000);
    }

    #[test]
    fn a_newcomer_takes_the_place_of_the_longest_arriving_then_of_the_longest_idle_never_of_a_running_request() {
        let budget = budget(3);
        let places: Vec<_> = (0..3).map(|_| budget.try_admit().unwrap()).collect();
        // All three just arrived: the newcomer waits until one has had its chance.
        let wait = budget.try_admit().unwrap_err();
        assert!(wait <= DISPLACE_AFTER, "{wait:?}");
        age(&places[0], Activity::Idle, 30);
        age(&places[1], Activity::Arriving, 2);
        age(&places[2], Activity::Arriving, 5);
        let fourth = budget.try_admit().unwrap();
        assert!(!fourth.over_cap);
        assert!(places[2].is_displaced() && !places[1].is_displaced() && !places[0].is_displaced());
        age(&fourth, Activity::Running, 9);
        let fifth = budget.try_admit().unwrap();
        assert!(places[1].is_displaced() && !places[0].is_displaced(), "arriving before idle");
        age(&fifth, Activity::Running, 9);
        let sixth = budget.try_admit().unwrap();
        assert!(places[0].is_displaced(), "then the idle one");
        assert!(!budget.at_cap());
        age(&sixth, Activity::Running, 9);
        assert!(budget.at_cap(), "three running requests");
        assert_eq!(budget.open(), (3, 0));
    }

    #[test]
    fn while_every_place_runs_a_request_newcomers_get_the_reserved_slice_and_then_wait() {
        let budget = budget(2);
        for _ in 0..2 {
            age(&budget.try_admit().unwrap(), Activity::Running, 1);
        }
        let reserved: Vec<_> = (0..2).map(|_| budget.try_admit().unwrap()).collect();
        assert!(reserved.iter().all(|p| p.over_cap));
        assert_eq!(budget.open(), (2, 2));
        assert!(budget.try_admit().is_err(), "the slice is full of connections that just came");
        age(&reserved[0], Activity::Arriving, 1);
        let taken = budget.try_admit().unwrap();
        assert!(taken.over_cap && reserved[0].is_displaced());
        // A place freed is a place for the next one.
        budget.release(&reserved[1]);
        assert!(budget.try_admit().unwrap().over_cap);
    }
}
