//! The ordering gate (§2.8).

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn orders_are_refused_until_the_agreement_is_on_record() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "gate").await;
    let id = c["id"].as_str().unwrap();
    let e = assert_error(app.order(&p.token, id).await, 403, 13605).await;
    assert_eq!(
        e["description"],
        "Either a partner confirmation of the customer acceptance of the Microsoft Customer Agreement must be provided or the customer must accept the Microsoft Customer Agreement in the Microsoft Admin Center before you can complete this purchase"
    );
    assert_eq!(
        app.confirm(&p.token, id, &confirmation("Ana", "a@contoso.example", "2020-01-01T00:00:00Z")).await.status(),
        201
    );
    let r = app.order(&p.token, id).await;
    assert_eq!(r.status(), 201);
    let order: Value = r.json().await.unwrap();
    assert_eq!(order["referenceCustomerId"], id);
    assert_eq!(
        order["lineItems"],
        json!([{"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC", "quantity": 1}])
    );
    assert_eq!(order["attributes"]["objectType"], "Order");
    assert_eq!(order["status"], "completed");
    assert!(order["creationDate"].as_str().unwrap().ends_with('Z'));
    let list: Value = app.get_json(&format!("/v1/customers/{id}/orders"), &p.token).await;
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["items"][0]["id"], order["id"]);
    // GUIDs compare without regard to case, in the body as in the path
    assert_eq!(app.order(&p.token, &id.to_uppercase()).await.status(), 201);
    // What the order is bought with is kept and answered, never dropped.
    let chosen = json!({"referenceCustomerId": id, "billingCycle": "Annual", "lineItems": [
        {"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC", "friendlyName": "Sales seats",
         "quantity": 2, "termDuration": "p1y"}]});
    let placed: Value = app.post(&format!("/v1/customers/{id}/orders"), &p.token, &chosen).await.json().await.unwrap();
    assert_eq!(placed["billingCycle"], "annual");
    assert_eq!(
        placed["lineItems"],
        json!([{"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC", "friendlyName": "Sales seats",
                "quantity": 2, "termDuration": "P1Y"}])
    );
    let read = app.get_json(&format!("/v1/customers/{id}/orders/{}", placed["id"].as_str().unwrap()), &p.token).await;
    assert_eq!(read, placed);

    // A provisioning context is the caller's own dictionary: kept as sent, keys in their case.
    let context = json!({"referenceCustomerId": id, "billingCycle": "monthly", "lineItems": [
        {"offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC", "quantity": 1, "termDuration": "P1M",
         "provisioningContext": {"SubscriptionId": "sub-1", "Scope": "Shared", "emptyOne": null}}]});
    let placed: Value = app.post(&format!("/v1/customers/{id}/orders"), &p.token, &context).await.json().await.unwrap();
    assert_eq!(
        placed["lineItems"][0]["provisioningContext"],
        json!({"SubscriptionId": "sub-1", "Scope": "Shared", "emptyOne": null})
    );

    // ?billingType= lists the orders of one billing cycle, in any spelling of it.
    let of = |cycle: &'static str| {
        let app = &app;
        let token = p.token.clone();
        async move {
            let list: Value = app.get_json(&format!("/v1/customers/{id}/orders?billingType={cycle}"), &token).await;
            list["items"].as_array().unwrap().iter().map(|o| o["billingCycle"].clone()).collect::<Vec<_>>()
        }
    };
    assert_eq!(of("Annual").await, [json!("annual")]);
    assert_eq!(of("monthly").await, [json!("monthly")]);
    assert!(of("OneTime").await.is_empty());
    let all: Value = app.get_json(&format!("/v1/customers/{id}/orders"), &p.token).await;
    assert_eq!(all["totalCount"], 4, "without it, every order");
    let e =
        assert_error(app.get(&format!("/v1/customers/{id}/orders?billingType=weekly"), &p.token).await, 400, 990406)
            .await;
    assert!(e["data"].to_string().contains("billingType: 'weekly'"), "{e}");
}

#[tokio::test]
async fn a_direct_acceptance_opens_the_gate_too() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "direct").await;
    let id = c["id"].as_str().unwrap();
    let r = app
        .control(
            Method::POST,
            &format!("/_emulator/customers/{id}/direct-acceptance"),
            Some(&json!({"firstName": "Cy", "lastName": "Doe", "email": "cy@contoso.example"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(app.order(&p.token, id).await.status(), 201);
}

#[tokio::test]
async fn order_bodies_are_validated() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "badorders").await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/v1/customers/{id}/orders");
    let e = assert_error(app.post(&path, &p.token, &json!({})).await, 400, 990401).await;
    assert_eq!(e["data"], json!(["lineItems: at least one line item is required"]));
    let e = assert_error(
        app.post(
            &path,
            &p.token,
            &json!({"referenceCustomerId": "someone-else", "lineItems": [{"offerId": "x", "quantity": 0}]}),
        )
        .await,
        400,
        990401,
    )
    .await;
    assert_eq!(e["data"].as_array().unwrap().len(), 2);
    let weekly =
        json!({"billingCycle": "weekly", "lineItems": [{"offerId": "x", "quantity": 1, "termDuration": "P2Y"}]});
    let e = assert_error(app.post(&path, &p.token, &weekly).await, 400, 990401).await;
    let data = e["data"].to_string();
    assert!(data.contains("billingCycle: 'weekly'") && data.contains("lineItems[0].termDuration: 'P2Y'"), "{data}");
    let helpdesk = app.mint(&p.tenant_id, &["HelpdeskAgent"], false).await;
    assert_error(app.order(&helpdesk, id).await, 403, 900150).await;
    assert_eq!(app.get(&path, &helpdesk).await.status(), 200);

    // Other partners of record are kept with the line item, and each must be a partner id.
    let blank =
        json!({"lineItems": [{"offerId": "x", "quantity": 1, "additionalPartnerIdsOnRecord": ["517285", " "]}]});
    let e = assert_error(app.post(&path, &p.token, &blank).await, 400, 990401).await;
    assert!(e["data"][0].as_str().unwrap().starts_with("lineItems[0].additionalPartnerIdsOnRecord[1]"), "{e}");
    let control = format!("/_emulator/customers/{id}/direct-acceptance");
    let accepted = json!({"firstName": "Dee", "lastName": "Rect", "email": "dee@x.example"});
    assert_eq!(app.control(reqwest::Method::POST, &control, Some(&accepted)).await.status(), 201);
    let two = json!({"lineItems": [{"offerId": "x", "quantity": 1, "partnerIdOnRecord": "5357564", "additionalPartnerIdsOnRecord": ["517285", "612345"]}]});
    let r = app.post(&path, &p.token, &two).await;
    assert_eq!(r.status(), 201);
    let order: Value = r.json().await.unwrap();
    assert_eq!(order["lineItems"][0]["additionalPartnerIdsOnRecord"], json!(["517285", "612345"]), "{order}");
    let listed = app.get_json(&path, &p.token).await;
    assert_eq!(listed["items"][0]["lineItems"][0]["additionalPartnerIdsOnRecord"], json!(["517285", "612345"]));
}
