//! Slow clients: a connection has the header-read timeout to send a request's headers and, kept
//! alive, the idle timeout to start its next request; past either it is closed, so that slow
//! clients cannot hold the places under the connection cap. Readiness says when the cap is held.

use crate::helpers::*;
use crate::reliability::raw_get;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FLAGS: &[&str] = &["--header-read-timeout-seconds", "1", "--idle-timeout-seconds", "3", "--max-connections", "3"];

fn addr(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

/// Read until the server closes the connection; how long that took.
async fn closed_after(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut sink = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut sink)).await.ok().map(|_| started.elapsed())
}

#[tokio::test]
async fn headers_sent_a_byte_at_a_time_are_cut_off_at_the_header_timeout() {
    let app = TestApp::spawn_with(FLAGS).await;
    let mut slow = TcpStream::connect(addr(&app)).await.unwrap();
    let started = Instant::now();
    let request = b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nX-Slow: 1111111111111111111111111\r\n\r\n";
    let mut cut_off = false;
    for byte in request.iter() {
        if slow.write_all(&[*byte]).await.is_err() {
            cut_off = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        if started.elapsed() > Duration::from_secs(4) {
            break;
        }
    }
    let closed = if cut_off { Some(started.elapsed()) } else { closed_after(&mut slow, Duration::from_secs(3)).await };
    let closed = closed.expect("the slow connection is closed");
    assert!(closed < Duration::from_millis(2500), "closed after {closed:?}, not at the 1 s header timeout");
}

#[tokio::test]
async fn a_kept_alive_connection_waits_the_idle_timeout_for_its_next_request() {
    let app = TestApp::spawn_with(FLAGS).await;
    let (mut kept, answer) = raw_get(&addr(&app), "/_emulator/health").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let idle = closed_after(&mut kept, Duration::from_secs(6)).await.expect("the idle connection is closed");
    assert!(idle > Duration::from_millis(2000), "idle {idle:?}: the idle timeout (3 s) applies, not the header one");
    // a request that runs longer than the header timeout is not cut off
    let p = app.persona("DirectBill").await;
    let delay =
        serde_json::json!({"operation": "getAgreementMetadata", "effect": "delay", "delayMs": 1500, "count": 1});
    app.control_json(reqwest::Method::POST, "/_emulator/faults", Some(&delay)).await;
    assert_eq!(app.get("/v1/agreements", &p.token).await.status(), 200);
}

#[tokio::test]
async fn connections_that_send_nothing_cannot_hold_the_cap_and_readiness_tells_while_they_do() {
    let app = TestApp::spawn_with(FLAGS).await;
    let silent: Vec<TcpStream> = futures_connect(&addr(&app), 3).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, ready) = raw_get(&addr(&app), "/_emulator/ready").await;
    assert!(ready.starts_with("HTTP/1.1 503") && ready.contains("990434"), "{ready}");
    let (_, refused) = raw_get(&addr(&app), "/_emulator/clock").await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    // within the header timeout the silent ones are gone, and a client that retries gets through
    let started = Instant::now();
    loop {
        let (_, answer) = raw_get(&addr(&app), "/_emulator/clock").await;
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(3), "still refused after {:?}", started.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, ready) = raw_get(&addr(&app), "/_emulator/ready").await;
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    drop(silent);
}

async fn futures_connect(addr: &str, n: usize) -> Vec<TcpStream> {
    let mut streams = Vec::new();
    for _ in 0..n {
        streams.push(TcpStream::connect(addr).await.unwrap());
    }
    streams
}
