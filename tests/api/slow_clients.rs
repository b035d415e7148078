//! Slow clients: a connection has the header-read timeout to send a request's headers, the
//! body-read timeout to send its body and, kept alive, the idle timeout to start its next request;
//! past any of them it is closed. Connections that hold a place without a complete request
//! (silent, half-sent, idle) give it to a newcomer when the cap is reached, so they cannot keep a
//! client that sends its request out; readiness stays 200 while they try.

use crate::helpers::*;
use crate::reliability::raw_get;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FLAGS: &[&str] = &[
    "--header-read-timeout-seconds",
    "1",
    "--idle-timeout-seconds",
    "3",
    "--body-read-timeout-seconds",
    "1",
    "--max-connections",
    "3",
];

fn addr(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

/// Read until the server closes the connection; how long that took, and what it sent.
async fn closed_after(stream: &mut TcpStream, limit: Duration) -> Option<(Duration, String)> {
    let started = Instant::now();
    let mut sink = Vec::new();
    let read = tokio::time::timeout(limit, stream.read_to_end(&mut sink)).await.ok()?;
    // A reset after the answer is a close too.
    let _ = read;
    Some((started.elapsed(), String::from_utf8_lossy(&sink).into_owned()))
}

/// The headers of a POST announcing `length` bytes of JSON, and the first `sent` of them.
fn stalled_post(path: &str, token: Option<&str>, request_id: Option<&str>, body: &str, sent: usize) -> Vec<u8> {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if let Some(id) = request_id {
        head.push_str(&format!("MS-RequestId: {id}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&body.as_bytes()[..sent]);
    bytes
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
    let closed = if cut_off {
        Some(started.elapsed())
    } else {
        closed_after(&mut slow, Duration::from_secs(3)).await.map(|(_, _)| started.elapsed())
    };
    let closed = closed.expect("the slow connection is closed");
    assert!(closed < Duration::from_millis(2500), "closed after {closed:?}, not at the 1 s header timeout");
}

#[tokio::test]
async fn a_kept_alive_connection_waits_the_idle_timeout_for_its_next_request() {
    let app = TestApp::spawn_with(FLAGS).await;
    let (mut kept, answer) = raw_get(&addr(&app), "/_emulator/health").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (idle, _) = closed_after(&mut kept, Duration::from_secs(6)).await.expect("the idle connection is closed");
    assert!(
        idle > Duration::from_millis(2500) && idle < Duration::from_millis(4500),
        "idle {idle:?}: the idle timeout (3 s) applies, not the header one"
    );
    // a request that runs longer than the header and body timeouts is not cut off
    let p = app.persona("DirectBill").await;
    let delay =
        serde_json::json!({"operation": "getAgreementMetadata", "effect": "delay", "delayMs": 1500, "count": 1});
    app.control_json(reqwest::Method::POST, "/_emulator/faults", Some(&delay)).await;
    assert_eq!(app.get("/v1/agreements", &p.token).await.status(), 200);
}

#[tokio::test]
async fn by_default_one_request_then_idle_holds_a_connection_for_five_seconds_not_sixty() {
    let app = TestApp::spawn().await;
    let (mut kept, answer) = raw_get(&addr(&app), "/_emulator/health").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (idle, _) = closed_after(&mut kept, Duration::from_secs(20)).await.expect("the idle connection is closed");
    assert!(
        idle > Duration::from_millis(4500) && idle < Duration::from_millis(6500),
        "closed after {idle:?}: the default idle timeout is 5 s"
    );
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_at_the_body_read_timeout_and_its_retry_runs() {
    let app = TestApp::spawn_with(FLAGS).await;
    let p = app.persona("DirectBill").await;
    let body = customer_body("stalledbody").to_string();
    let request_id = "5a11ed00-0000-4000-8000-000000000001";
    let mut stalled = TcpStream::connect(addr(&app)).await.unwrap();
    stalled.write_all(&stalled_post("/v1/customers", Some(&p.token), Some(request_id), &body, 20)).await.unwrap();
    let (took, answer) = closed_after(&mut stalled, Duration::from_secs(5)).await.expect("the connection is closed");
    assert!(took > Duration::from_millis(900) && took < Duration::from_millis(2500), "cut after {took:?}, not at 1 s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("990455") && answer.contains("RequestBodyTimeout"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
    // Nothing was kept under the request id: the retry with the whole body runs.
    let retry = app
        .request(reqwest::Method::POST, "/v1/customers", Some(&p.token))
        .header("MS-RequestId", request_id)
        .header("Content-Type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert!(retry.headers().get("x-pce-replayed").is_none());
    assert_eq!(retry.status(), 201, "{}", retry.text().await.unwrap());
    // A body that trickles in, all of it within the timeout, is served; so is a control-plane one.
    let mut trickle = TcpStream::connect(addr(&app)).await.unwrap();
    let rule = r#"{"operation": "listCustomers", "effect": "throttle", "count": 1}"#;
    let whole = stalled_post("/_emulator/faults", None, None, rule, rule.len());
    let (head, rest) = whole.split_at(whole.len() - rule.len());
    trickle.write_all(head).await.unwrap();
    for chunk in rest.chunks(rule.len() / 4 + 1) {
        tokio::time::sleep(Duration::from_millis(150)).await;
        trickle.write_all(chunk).await.unwrap();
    }
    let mut answer = vec![0u8; 2048];
    let n = tokio::time::timeout(Duration::from_secs(5), trickle.read(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    // The control plane's bodies are under the same timeout.
    let mut stalled = TcpStream::connect(addr(&app)).await.unwrap();
    stalled.write_all(&stalled_post("/_emulator/faults", None, None, rule, 5)).await.unwrap();
    let (_, answer) = closed_after(&mut stalled, Duration::from_secs(5)).await.expect("the connection is closed");
    assert!(answer.starts_with("HTTP/1.1 408") && answer.contains("990455"), "{answer}");
}

/// Connect until the server takes `n` connections that sent nothing.
async fn silent_connections(addr: &str, n: usize) -> Vec<TcpStream> {
    let mut streams = Vec::new();
    for _ in 0..n {
        streams.push(TcpStream::connect(addr).await.unwrap());
    }
    // the accept loop has them all
    tokio::time::sleep(Duration::from_millis(100)).await;
    streams
}

/// A client that connects, sends its request and reads the answer, on a new connection; the
/// answer, and how long it took.
async fn served(addr: &str, path: &str) -> (TcpStream, String, Duration) {
    let started = Instant::now();
    let (stream, answer) = raw_get(addr, path).await;
    (stream, answer, started.elapsed())
}

#[tokio::test]
async fn connections_that_send_nothing_give_their_places_to_a_client_that_sends_its_request() {
    let app = TestApp::spawn_with(FLAGS).await;
    let mut silent = silent_connections(&addr(&app), 3).await;
    // Readiness and a client are served at once, on their first attempt: each takes the place of
    // the silent connection accepted first.
    let (_ready, ready, took) = served(&addr(&app), "/_emulator/ready").await;
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(took < Duration::from_millis(900), "{took:?}");
    let (_clock, clock, took) = served(&addr(&app), "/_emulator/clock").await;
    assert!(clock.starts_with("HTTP/1.1 200"), "{clock}");
    assert!(took < Duration::from_millis(900), "{took:?}");
    // The first silent connections were closed for them, long before the 1 s header timeout.
    let (closed, _) = closed_after(&mut silent[0], Duration::from_millis(500)).await.expect("closed");
    assert!(closed < Duration::from_millis(500));
}

#[tokio::test]
async fn stalled_bodies_and_idle_connections_at_the_cap_give_way_too() {
    let app = TestApp::spawn_with(&["--max-connections", "2", "--body-read-timeout-seconds", "20"]).await;
    let addr = addr(&app);
    let rule = r#"{"operation": "listCustomers", "effect": "throttle", "count": 1}"#;
    // One connection idle after a request, one with its body stalled: the cap is reached.
    let (mut idle, answer) = raw_get(&addr, "/_emulator/health").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let mut stalled = TcpStream::connect(&addr).await.unwrap();
    stalled.write_all(&stalled_post("/_emulator/faults", None, None, rule, 5)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A newcomer takes the stalled one's place first (it has no complete request), then the idle
    // one's; neither waits for its timeout (20 s, 5 s).
    let (_first, clock, took) = served(&addr, "/_emulator/clock").await;
    assert!(clock.starts_with("HTTP/1.1 200") && took < Duration::from_millis(900), "{took:?} {clock}");
    let (closed, _) = closed_after(&mut stalled, Duration::from_millis(500)).await.expect("the stalled one closed");
    assert!(closed < Duration::from_millis(500));
    let (_second, clock, took) = served(&addr, "/_emulator/clock").await;
    assert!(clock.starts_with("HTTP/1.1 200") && took < Duration::from_millis(900), "{took:?} {clock}");
    closed_after(&mut idle, Duration::from_millis(1000)).await.expect("the idle one closed");
}
