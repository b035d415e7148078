//! Tenant isolation: another partner's customer is 403/20002 on every customer route, and never
//! appears in lists.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn a_partner_never_touches_another_partners_customer() {
    let app = TestApp::spawn_2023_flow().await;
    let owner = app.persona("DirectBill").await;
    let stranger = app.persona("DirectBill").await;
    let c = app.create_customer(&owner.token, "isolated").await;
    let id = c["id"].as_str().unwrap();
    app.confirm(&owner.token, id, &confirmation("Ana", "a@contoso.example", "2020-01-01T00:00:00Z")).await;
    app.order(&owner.token, id).await;

    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/customers/{id}"), None),
        (Method::GET, format!("/v1/customers/{id}/agreements?agreementType=*"), None),
        (
            Method::POST,
            format!("/v1/customers/{id}/agreements"),
            Some(confirmation("Eve", "eve@x.example", "2020-01-01T00:00:00Z")),
        ),
        (Method::GET, format!("/v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus"), None),
        (Method::GET, format!("/v1/customers/{id}/orders"), None),
        (
            Method::POST,
            format!("/v1/customers/{id}/orders"),
            Some(json!({"lineItems": [{"offerId": "x", "quantity": 1}]})),
        ),
    ];
    for (method, path, body) in routes {
        let mut r = app.request(method.clone(), &path, Some(&stranger.token));
        if let Some(b) = &body {
            r = r.json(b);
        }
        let e = assert_error(r.send().await.unwrap(), 403, 20002).await;
        let text = e.to_string();
        assert!(!text.contains("Ana") && !text.contains("isolated"), "{method} {path} leaked {text}");
    }
    let list: Value = app.get_json("/v1/customers", &stranger.token).await;
    assert_eq!(list["totalCount"], 0);
    // the stranger's failed attempts changed nothing
    let agreements: Value = app.get_json(&format!("/v1/customers/{id}/agreements?agreementType=*"), &owner.token).await;
    assert_eq!(agreements["totalCount"], 1);
    let orders: Value = app.get_json(&format!("/v1/customers/{id}/orders"), &owner.token).await;
    assert_eq!(orders["totalCount"], 1);
    let outbox: Value =
        app.control_json(Method::GET, &format!("/_emulator/outbox?partnerTenantId={}", stranger.tenant_id), None).await;
    assert_eq!(outbox["totalCount"], 0);
}

#[tokio::test]
async fn a_reseller_does_not_see_its_providers_direct_customers() {
    let app = TestApp::spawn().await;
    let provider = app.persona("IndirectProvider").await;
    let reseller = app.create_partner("IndirectReseller", Some(&provider.tenant_id)).await;
    let reseller_token = app.mint(&reseller, &["AdminAgent"], false).await;
    let c = app.create_customer(&provider.token, "providerown").await;
    let id = c["id"].as_str().unwrap();
    assert_error(app.get(&format!("/v1/customers/{id}"), &reseller_token).await, 403, 20002).await;
    let list: Value = app.get_json("/v1/customers", &reseller_token).await;
    assert_eq!(list["totalCount"], 0);
}
