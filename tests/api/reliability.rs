//! Reliability: retries with MS-RequestId, concurrency, injected faults and the server's limits.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn request_id(n: u32) -> String {
    format!("0f0f0f0f-0000-4000-8000-{n:012}")
}

async fn post_with_id(app: &TestApp, token: &str, path: &str, body: &Value, id: &str) -> (u16, String, bool) {
    let r = app.request(Method::POST, path, Some(token)).header("MS-RequestId", id).json(body).send().await.unwrap();
    let replayed = r.headers().get("x-pce-replayed").is_some();
    (r.status().as_u16(), r.text().await.unwrap(), replayed)
}

async fn count(app: &TestApp, token: &str, path: &str) -> u64 {
    app.get_json(path, token).await["totalCount"].as_u64().unwrap()
}

#[tokio::test]
async fn every_post_replays_its_first_answer_and_writes_nothing_new() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let customer = customer_body("replayed");
    let (status, first, replayed) = post_with_id(&app, &p.token, "/v1/customers", &customer, &request_id(1)).await;
    assert_eq!((status, replayed), (201, false));
    let id = serde_json::from_str::<Value>(&first).unwrap()["id"].as_str().unwrap().to_string();
    let agreements = format!("/v1/customers/{id}/agreements");
    let orders = format!("/v1/customers/{id}/orders");
    let confirm = confirmation("Ana", "ana@x.example", "2020-01-01T00:00:00Z");
    let order =
        json!({"lineItems": [{"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC", "quantity": 1}]});

    // The order before any acceptance is refused (403 13605): a final answer, kept too.
    let (status, refused, _) = post_with_id(&app, &p.token, &orders, &order, &request_id(2)).await;
    assert_eq!(status, 403);
    let (_, confirmed, _) = post_with_id(&app, &p.token, &agreements, &confirm, &request_id(3)).await;
    let (status, ordered, _) = post_with_id(&app, &p.token, &orders, &order, &request_id(4)).await;
    assert_eq!(status, 201);

    // The Java SDK's five retries of each: the same status and bytes, marked as replayed.
    for _ in 0..5 {
        for (path, body, n, expected, status) in [
            ("/v1/customers", &customer, 1, &first, 201),
            (orders.as_str(), &order, 2, &refused, 403),
            (agreements.as_str(), &confirm, 3, &confirmed, 201),
            (orders.as_str(), &order, 4, &ordered, 201),
        ] {
            let (s, body, replayed) = post_with_id(&app, &p.token, path, body, &request_id(n)).await;
            assert_eq!((s, replayed), (status, true), "{path}");
            assert_eq!(&body, expected, "{path}: byte for byte");
        }
    }
    assert_eq!(count(&app, &p.token, "/v1/customers").await, 1);
    assert_eq!(count(&app, &p.token, &format!("{agreements}?agreementType=*")).await, 1);
    assert_eq!(count(&app, &p.token, &orders).await, 1);
    let outbox = app.control_json(Method::GET, "/_emulator/outbox", None).await;
    assert_eq!(outbox["totalCount"], 1, "one notification email, not six");
}

#[tokio::test]
async fn a_kept_answer_is_forgotten_after_24_hours_of_emulator_time() {
    let app = TestApp::spawn_2023_flow().await;
    app.set_clock("2030-01-01T00:00:00Z").await;
    let mut p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "forgotten").await;
    let path = format!("/v1/customers/{}/agreements", c["id"].as_str().unwrap());
    let body = confirmation("Ana", "ana@x.example", "2029-12-31T00:00:00Z");
    assert_eq!(post_with_id(&app, &p.token, &path, &body, &request_id(9)).await.0, 201);
    app.control_json(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 23 * 3600}))).await;
    p.token = app.mint(&p.tenant_id, &["AdminAgent"], false).await; // the first token has expired
    assert_eq!(post_with_id(&app, &p.token, &path, &body, &request_id(9)).await.0, 201, "still kept at 23 h");
    app.control_json(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 2 * 3600}))).await;
    p.token = app.mint(&p.tenant_id, &["AdminAgent"], false).await;
    let (status, body, replayed) = post_with_id(&app, &p.token, &path, &body, &request_id(9)).await;
    assert_eq!((status, replayed), (409, false), "runs again after 24 h: the duplicate rule answers: {body}");
    assert!(body.contains("600061"));
}

#[tokio::test]
async fn a_retryable_failure_is_not_kept_and_the_retry_runs() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "retryable").await;
    let path = format!("/v1/customers/{}/agreements", c["id"].as_str().unwrap());
    let rule =
        json!({"operation": "confirmCustomerAcceptance", "effect": "unavailable", "count": 1, "retryAfterSeconds": 2});
    app.control_json(Method::POST, "/_emulator/faults", Some(&rule)).await;
    let body = confirmation("Ana", "ana@x.example", "2020-01-01T00:00:00Z");
    let first =
        app.request(Method::POST, &path, Some(&p.token)).header("MS-RequestId", request_id(5)).json(&body).send().await;
    let first = first.unwrap();
    assert_eq!(first.headers()["retry-after"], "2");
    assert_error(first, 503, 990503).await;
    let (status, _, replayed) = post_with_id(&app, &p.token, &path, &body, &request_id(5)).await;
    assert_eq!((status, replayed), (201, false));
    assert_eq!(count(&app, &p.token, &format!("{path}?agreementType=*")).await, 1);
}

/// Fire `n` requests at once; the statuses, sorted.
async fn burst(n: usize, make: impl Fn(usize) -> reqwest::RequestBuilder) -> Vec<u16> {
    let sends: Vec<_> = (0..n).map(|i| tokio::spawn(make(i).send())).collect();
    let mut statuses = Vec::with_capacity(n);
    for send in sends {
        statuses.push(send.await.unwrap().expect("answered").status().as_u16());
    }
    statuses.sort_unstable();
    statuses
}

#[tokio::test]
async fn two_hundred_concurrent_confirmations_with_distinct_contacts_and_request_ids_are_all_stored() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "concurrent").await;
    let path = format!("/v1/customers/{}/agreements", c["id"].as_str().unwrap());
    let statuses = burst(200, |i| {
        let body = confirmation(&format!("Ana{i}"), &format!("ana{i}@x.example"), "2020-01-01T00:00:00Z");
        // Each holds its request id from the start: more requests than the pool has connections.
        let request_id = format!("00000000-0000-4000-8000-{i:012}");
        app.request(Method::POST, &path, Some(&p.token)).header("MS-RequestId", request_id).json(&body)
    })
    .await;
    assert_eq!(statuses, vec![201; 200], "no 'database is locked', no connection starved, no 5xx");
    assert_eq!(count(&app, &p.token, &format!("{path}?agreementType=MicrosoftCustomerAgreement")).await, 200);
}

#[tokio::test]
async fn fifty_concurrent_identical_confirmations_store_exactly_one() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "identical").await;
    let path = format!("/v1/customers/{}/agreements", c["id"].as_str().unwrap());
    let body = confirmation("Ana", "ana@x.example", "2020-01-01T00:00:00Z");
    let statuses = burst(50, |_| app.request(Method::POST, &path, Some(&p.token)).json(&body)).await;
    let mut expected = vec![201];
    expected.extend([409; 49]);
    assert_eq!(statuses, expected);
    assert_eq!(count(&app, &p.token, &format!("{path}?agreementType=*")).await, 1);
}

#[tokio::test]
async fn fifty_concurrent_creations_of_one_domain_create_one_customer() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let statuses =
        burst(50, |_| app.request(Method::POST, "/v1/customers", Some(&p.token)).json(&customer_body("samedomain")))
            .await;
    let mut expected = vec![201];
    expected.extend([409; 49]);
    assert_eq!(statuses, expected);
    assert_eq!(count(&app, &p.token, "/v1/customers").await, 1);
}

#[tokio::test]
async fn fault_rules_throttle_fail_and_count_their_hits() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let other = app.persona("DirectBill").await;
    let rule = app
        .control_json(
            Method::POST,
            "/_emulator/faults",
            Some(&json!({"operation": "GET /v1/agreements", "partnerTenantId": p.tenant_id, "effect": "throttle", "count": 2, "retryAfterSeconds": 7})),
        )
        .await;
    assert_eq!(rule["hits"], 0);
    for _ in 0..2 {
        let r = app.get("/v1/agreements", &p.token).await;
        assert_eq!(r.headers()["retry-after"], "7");
        assert_error(r, 429, 990429).await;
    }
    assert_eq!(app.get("/v1/agreements", &p.token).await.status(), 200, "the count is used up");
    assert_eq!(app.get("/v1/agreements", &other.token).await.status(), 200, "another partner is not hit");
    assert_eq!(app.get("/v1/customers", &p.token).await.status(), 200, "another operation is not hit");

    let path_rule = json!({"path": "/v1/customers*", "effect": "internalError"});
    app.control_json(Method::POST, "/_emulator/faults", Some(&path_rule)).await;
    assert_error(app.get("/v1/customers", &other.token).await, 500, 990500).await;
    // A rule that could never hit is refused rather than stored: probability 0.
    let never = json!({"path": "/v1/agreements", "effect": "unavailable", "probability": 0.0});
    let e = assert_error(app.control(Method::POST, "/_emulator/faults", Some(&never)).await, 400, 990401).await;
    assert!(e["data"][0].as_str().unwrap().contains("never hit"), "{e}");
    // A rule for a partner that makes no request is not hit.
    let quiet = app.persona("DirectBill").await;
    let never = json!({"path": "/v1/agreements", "effect": "unavailable", "partnerTenantId": quiet.tenant_id});
    let never = app.control_json(Method::POST, "/_emulator/faults", Some(&never)).await;
    for _ in 0..5 {
        assert_eq!(app.get("/v1/agreements", &other.token).await.status(), 200);
    }
    assert_eq!(app.get("/_emulator/health", "").await.status(), 200, "the control plane is never faulted");

    let list = app.control_json(Method::GET, "/_emulator/faults", None).await;
    assert_eq!(list["totalCount"], 3);
    assert_eq!(list["items"][0]["hits"], 2);
    assert_eq!(list["items"][0]["exhausted"], true);
    assert_eq!(list["items"][1]["hits"], 1);
    assert_eq!(list["items"][2]["hits"], 0);

    let id = never["id"].as_str().unwrap();
    assert_eq!(app.control(Method::DELETE, &format!("/_emulator/faults/{id}"), None).await.status(), 204);
    assert_error(app.control(Method::DELETE, &format!("/_emulator/faults/{id}"), None).await, 404, 990435).await;
    assert_eq!(app.control_json(Method::DELETE, "/_emulator/faults", None).await["deleted"], 2);
    assert_eq!(app.get("/v1/customers", &other.token).await.status(), 200);
}

#[tokio::test]
async fn fault_rules_add_latency_and_hang_until_the_client_gives_up() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let delay = json!({"operation": "getAgreementMetadata", "effect": "delay", "delayMs": 300, "count": 1});
    app.control_json(Method::POST, "/_emulator/faults", Some(&delay)).await;
    let started = Instant::now();
    assert_eq!(app.get("/v1/agreements", &p.token).await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300), "delayed by the rule");

    let hang = json!({"operation": "listCustomers", "effect": "hang"});
    app.control_json(Method::POST, "/_emulator/faults", Some(&hang)).await;
    let r = app.request(Method::GET, "/v1/customers", Some(&p.token)).timeout(Duration::from_millis(500)).send().await;
    assert!(r.is_err_and(|e| e.is_timeout()), "no answer before the client's timeout");
    // A reset clears every rule.
    app.control_json(Method::POST, "/_emulator/reset", None).await;
    assert_eq!(app.control_json(Method::GET, "/_emulator/faults", None).await["totalCount"], 0);
}

#[tokio::test]
async fn a_hang_is_ended_by_the_request_timeout() {
    let app = TestApp::spawn_with(&["--request-timeout-seconds", "1"]).await;
    let p = app.persona("DirectBill").await;
    app.control_json(Method::POST, "/_emulator/faults", Some(&json!({"effect": "hang"}))).await;
    assert_error(app.get("/v1/agreements", &p.token).await, 503, 990504).await;
}

#[tokio::test]
async fn invalid_fault_rules_are_refused_with_every_problem() {
    let app = TestApp::spawn().await;
    let bad = json!({"operation": "reset", "effect": "explode", "probability": 2, "count": 0});
    let body = assert_error(app.control(Method::POST, "/_emulator/faults", Some(&bad)).await, 400, 990401).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 4, "{body}");
}

#[tokio::test]
async fn oversized_headers_get_431_in_the_error_shape() {
    let app = TestApp::spawn_with(&["--max-header-bytes", "2048"]).await;
    let p = app.persona("DirectBill").await;
    let r = app.request(Method::GET, "/v1/agreements", Some(&p.token)).header("x-padding", "a".repeat(4096)).send();
    assert_error(r.await.unwrap(), 431, 990433).await;
    assert_eq!(app.get("/v1/agreements", &p.token).await.status(), 200);
}

pub(crate) async fn raw_get(addr: &str, path: &str) -> (tokio::net::TcpStream, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await.unwrap().unwrap();
    (stream, String::from_utf8_lossy(&buf[..n]).into_owned())
}

#[tokio::test]
async fn connections_beyond_the_cap_are_told_to_retry_and_closed() {
    let app = TestApp::spawn_with(&["--max-connections", "2"]).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let p = app.persona("DirectBill").await;
    // Both places hold a request that runs (and hangs): none can be given away.
    app.control_json(Method::POST, "/_emulator/faults", Some(&json!({"effect": "hang"}))).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let request = format!("GET /v1/agreements HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n", p.token);
        stream.write_all(request.as_bytes()).await.unwrap();
        held.push(stream);
    }
    // (the test client's own kept-alive connection gives its place to the second: up to 250 ms)
    tokio::time::sleep(Duration::from_millis(700)).await;
    // The probes are answered in the reserved slice, and their connection closed after the answer.
    let (mut probe, health) = raw_get(&addr, "/_emulator/health").await;
    assert!(health.starts_with("HTTP/1.1 200"), "probes are answered over the cap: {health}");
    assert!(health.to_ascii_lowercase().contains("connection: close"), "{health}");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), probe.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "a probe's place in the reserved slice is not kept");
    let (_, ready) = raw_get(&addr, "/_emulator/ready").await;
    assert!(ready.starts_with("HTTP/1.1 503") && ready.contains("990434"), "not ready at the cap: {ready}");
    let (mut third, c) = raw_get(&addr, "/_emulator/clock").await;
    assert!(c.starts_with("HTTP/1.1 503"), "{c}");
    assert!(c.contains("990434") && c.to_ascii_lowercase().contains("retry-after: 1"), "{c}");
    let closed = tokio::time::timeout(Duration::from_secs(5), third.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the server closes the over-cap connection");
    // Places free up when connections close.
    drop(held);
    let started = Instant::now();
    loop {
        let (_, d) = raw_get(&addr, "/_emulator/clock").await;
        if d.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(3), "still refused: {d}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_partner_reset_clears_that_partners_fault_rules_however_the_id_was_spelled() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let other = app.persona("DirectBill").await;
    for partner in [p.tenant_id.to_uppercase(), other.tenant_id.clone()] {
        let rule = json!({"partnerTenantId": partner, "effect": "throttle"});
        app.control_json(Method::POST, "/_emulator/faults", Some(&rule)).await;
    }
    assert_error(app.get("/v1/agreements", &p.token).await, 429, 990429).await;
    app.control_json(Method::POST, "/_emulator/reset", Some(&json!({"partnerTenantId": p.tenant_id}))).await;
    let rules = app.control_json(Method::GET, "/_emulator/faults", None).await;
    assert_eq!(rules["totalCount"], 1);
    assert_eq!(rules["items"][0]["partnerTenantId"], other.tenant_id.as_str());
}
