//! The control plane: reset, the request journal, the admin token.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn reset_everything_or_one_partner() {
    let app = TestApp::spawn().await;
    let a = app.persona("DirectBill").await;
    let b = app.persona("DirectBill").await;
    let ca = app.create_customer(&a.token, "resetone").await;
    let cb = app.create_customer(&b.token, "resettwo").await;
    app.confirm(&a.token, ca["id"].as_str().unwrap(), &confirmation("Ana", "a@x.example", "2020-01-01T00:00:00Z"))
        .await;

    let r = app.control(Method::POST, "/_emulator/reset", Some(&json!({"partnerTenantId": a.tenant_id}))).await;
    assert_eq!(r.status(), 200);
    let list: Value = app.get("/v1/customers", &a.token).await.json().await.unwrap();
    assert_eq!(list["totalCount"], 0, "partner a's state is gone, its token still works");
    let list: Value = app.get("/v1/customers", &b.token).await.json().await.unwrap();
    assert_eq!(list["totalCount"], 1);
    let outbox: Value =
        app.control(Method::GET, "/_emulator/outbox?includePending=true", None).await.json().await.unwrap();
    assert_eq!(outbox["totalCount"], 0);
    // the domain is free again
    app.create_customer(&a.token, "resetone").await;

    app.set_clock("2026-01-01T00:00:00Z").await;
    let r = app.request(Method::POST, "/_emulator/reset", None).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_error(app.get("/v1/customers", &b.token).await, 401, 800001).await;
    let clock: Value = app.control(Method::GET, "/_emulator/clock", None).await.json().await.unwrap();
    assert_eq!(clock["frozen"], false);
    let _ = cb;
    let unknown = json!({"partnerTenantId": uuid::Uuid::new_v4().to_string()});
    assert_error(app.control(Method::POST, "/_emulator/reset", Some(&unknown)).await, 404, 990430).await;
}

#[tokio::test]
async fn the_journal_records_requests_without_tokens() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let r = app
        .request(Method::GET, "/v1/customers/00000000-0000-0000-0000-000000000000", Some(&p.token))
        .header("MS-CorrelationId", "c0ffee00-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let journal =
        app.control(Method::GET, "/_emulator/requests?correlationId=c0ffee00-0000-0000-0000-000000000000", None).await;
    let text = journal.text().await.unwrap();
    assert!(!text.contains(&p.token), "tokens are never journaled");
    let journal: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(journal["totalCount"], 1);
    let e = &journal["items"][0];
    assert_eq!(e["status"], 404);
    assert_eq!(e["method"], "GET");
    assert_eq!(e["partnerTenantId"], p.tenant_id.as_str());
    assert_eq!(e["rule"], "TenantNotFound");
    assert!(e["hint"].as_str().unwrap().contains("00000000-0000-0000-0000-000000000000"));
    assert!(e["latencyMs"].as_f64().is_some());
    assert_error(app.control(Method::GET, "/_emulator/requests?status=abc", None).await, 400, 990406).await;
}

#[tokio::test]
async fn an_admin_token_guards_the_control_plane() {
    let app = TestApp::spawn_with(&["--admin-token", "s3cret"]).await;
    let r = app
        .control(Method::POST, "/_emulator/partners", Some(&json!({"name": "x", "partnerType": "DirectBill"})))
        .await;
    assert_error(r, 401, 990432).await;
    assert_error(app.control(Method::GET, "/_emulator/clock", None).await, 401, 990432).await;
    let r = app.request(Method::GET, "/_emulator/clock", Some("wrong")).send().await.unwrap();
    assert_error(r, 401, 990432).await;
    let r = app.request(Method::GET, "/_emulator/clock", Some("s3cret")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
