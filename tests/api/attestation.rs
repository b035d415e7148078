//! Confirm acceptance (§2.2), read back (§2.3, §2.5), the notification outbox, and the seed's flows.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn setup() -> (TestApp, Persona, String) {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, &format!("c{}", &uuid::Uuid::new_v4().simple().to_string()[..12])).await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    (app, p, c["id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn attest_for_new_customer_and_verify() {
    let (app, p, customer) = setup().await;
    let user = "7d9a4b0e-0000-4000-8000-000000000001";
    let token = {
        let r = app
            .control(
                Method::POST,
                "/_emulator/tokens",
                Some(&json!({"partnerTenantId": p.tenant_id, "roles": ["SalesAgent"], "userId": user})),
            )
            .await;
        r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string()
    };
    let r = app.confirm(&token, &customer, &confirmation("Ana", "ana@contoso.example", "2026-03-01T09:30:00Z")).await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "userId": user,
            "primaryContact": {"firstName": "Ana", "lastName": "Lee", "email": "ana@contoso.example", "phoneNumber": "+1 425 555 0100"},
            "templateId": MCA_TEMPLATE,
            "dateAgreed": "2026-03-01T09:30:00.000Z",
            "type": "MicrosoftCustomerAgreement"
        })
    );

    // the documented default is the Cloud Agreement: an MCA confirmation does not show there
    let list: Value = app.get_json(&format!("/v1/customers/{customer}/agreements"), &p.token).await;
    assert_eq!(list["totalCount"], 0);
    let list: Value = app
        .get_json(&format!("/v1/customers/{customer}/agreements?agreementType=MicrosoftCustomerAgreement"), &p.token)
        .await;
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["items"][0]["agreementLink"], "https://aka.ms/customeragreement");
    assert_eq!(list["items"][0]["userId"], user);
    assert_eq!(list["attributes"]["objectType"], "Collection");
    let all: Value = app.get_json(&format!("/v1/customers/{customer}/agreements?agreementType=*"), &p.token).await;
    assert_eq!(all["totalCount"], 1);
    assert_error(app.get(&format!("/v1/customers/{customer}/agreements?agreementType=x"), &p.token).await, 400, 990410)
        .await;

    // a partner attestation does not make the customer "signed directly"
    let status: Value =
        app.get_json(&format!("/v1/customers/{customer}/directSignedMicrosoftCustomerAgreementStatus"), &p.token).await;
    assert_eq!(status, json!({"isSigned": false}));
}

#[tokio::test]
async fn future_dates_are_refused_beyond_the_skew() {
    let (app, p, customer) = setup().await;
    let r = app.confirm(&p.token, &customer, &confirmation("Ana", "a@contoso.example", "2026-03-01T12:04:59Z")).await;
    assert_eq!(r.status(), 201);
    let r = app.confirm(&p.token, &customer, &confirmation("Bo", "b@contoso.example", "2026-03-02T00:00:00Z")).await;
    let e = assert_error(r, 400, 600002).await;
    assert_eq!(e["description"], "Date of agreement cannot be greater than the current date.");
    assert_eq!(e["errorName"], "DateAgreedInFuture");
    // the journal explains the refusal
    let journal: Value = app.control_json(Method::GET, "/_emulator/requests?status=400", None).await;
    assert_eq!(
        journal["items"][0]["hint"],
        "dateAgreed 2026-03-02T00:00:00.000Z is after the emulator's now 2026-03-01T12:00:00.000Z; move the clock or send an earlier date"
    );
    // move the clock and the same date is fine
    app.set_clock("2026-03-02T00:00:00Z").await;
    let r = app.confirm(&p.token, &customer, &confirmation("Bo", "b@contoso.example", "2026-03-02T00:00:00Z")).await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn a_configured_skew_applies() {
    let app = TestApp::spawn_2023_flow_with(&["--date-agreed-skew-seconds", "0"]).await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "skew").await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    let id = c["id"].as_str().unwrap();
    let r = app.confirm(&p.token, id, &confirmation("Ana", "a@contoso.example", "2026-03-01T12:00:01Z")).await;
    assert_error(r, 400, 600002).await;
}

#[tokio::test]
async fn template_and_type_rules() {
    let (app, p, customer) = setup().await;
    let mut body = confirmation("Ana", "a@contoso.example", "2026-03-01T10:00:00Z");
    body["templateId"] = json!("00000000-0000-0000-0000-000000000000");
    assert_error(app.confirm(&p.token, &customer, &body).await, 400, 990411).await;
    body["templateId"] = json!(CLOUD_TEMPLATE);
    body["type"] = json!("MicrosoftCloudAgreement");
    let e = assert_error(app.confirm(&p.token, &customer, &body).await, 400, 990413).await;
    assert_eq!(
        e["description"],
        format!("Microsoft Cloud Agreement Template ID '{CLOUD_TEMPLATE}' is no longer supported.")
    );
    body["templateId"] = json!(MCA_TEMPLATE);
    assert_error(app.confirm(&p.token, &customer, &body).await, 400, 990412).await;
    body["type"] = json!("SomethingElse");
    assert_error(app.confirm(&p.token, &customer, &body).await, 400, 990410).await;
    body.as_object_mut().unwrap().remove("type");
    let r = app.confirm(&p.token, &customer, &body).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["type"], "MicrosoftCustomerAgreement", "type derived from template");
}

#[tokio::test]
async fn contact_fields_are_required_and_checked() {
    let (app, p, customer) = setup().await;
    let e = assert_error(app.confirm(&p.token, &customer, &json!({})).await, 400, 990401).await;
    assert_eq!(e["data"], json!(["primaryContact: is required", "templateId: is required", "dateAgreed: is required"]));
    let body = json!({
        "primaryContact": {"firstName": "", "lastName": "Lee", "email": "not-an-email"},
        "templateId": MCA_TEMPLATE, "dateAgreed": "2026-03-01T10:00:00Z"
    });
    let e = assert_error(app.confirm(&p.token, &customer, &body).await, 400, 990401).await;
    assert_eq!(
        e["data"],
        json!(["primaryContact.firstName: is required", "primaryContact.email: not a valid email address"])
    );
    let mut no_phone = confirmation("Ana", "a@contoso.example", "2026-03-01T10:00:00Z");
    no_phone["primaryContact"].as_object_mut().unwrap().remove("phoneNumber");
    let r = app.confirm(&p.token, &customer, &no_phone).await;
    assert_eq!(r.status(), 201);
    assert!(r.json::<Value>().await.unwrap()["primaryContact"].get("phoneNumber").is_none());
}

#[tokio::test]
async fn duplicate_confirmations_conflict_and_any_changed_field_is_new() {
    let (app, p, customer) = setup().await;
    let body = confirmation("Ana", "ana@contoso.example", "2026-03-01T10:00:00Z");
    assert_eq!(app.confirm(&p.token, &customer, &body).await.status(), 201);
    let e = assert_error(app.confirm(&p.token, &customer, &body).await, 409, 600061).await;
    assert_eq!(e["errorName"], "PartnerConfirmedAgreementAlreadyExists");
    assert_eq!(e["description"], "A partner confirmed agreement already exists for the customer.");
    // a different date with the same person is still a duplicate
    let mut later = body.clone();
    later["dateAgreed"] = json!("2026-03-01T11:00:00Z");
    assert_error(app.confirm(&p.token, &customer, &later).await, 409, 600061).await;
    let mut new_phone = body.clone();
    new_phone["primaryContact"]["phoneNumber"] = json!("+1 425 555 0199");
    assert_eq!(app.confirm(&p.token, &customer, &new_phone).await.status(), 201);
    let mut new_email = body.clone();
    new_email["primaryContact"]["email"] = json!("ana.lee@contoso.example");
    assert_eq!(app.confirm(&p.token, &customer, &new_email).await.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_confirmations_store_exactly_one() {
    let (app, p, customer) = setup().await;
    let body = confirmation("Ana", "ana@contoso.example", "2026-03-01T10:00:00Z");
    let url = app.url(&format!("/v1/customers/{customer}/agreements"));
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let request = app.http.post(&url).bearer_auth(&p.token).json(&body);
            tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for a in attempts {
        statuses.push(a.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 7, "{statuses:?}");
    let list: Value = app.get_json(&format!("/v1/customers/{customer}/agreements?agreementType=*"), &p.token).await;
    assert_eq!(list["totalCount"], 1);
}

#[tokio::test]
async fn callers_who_may_not_attest() {
    let (app, p, customer) = setup().await;
    let body = confirmation("Ana", "a@contoso.example", "2026-03-01T10:00:00Z");
    let app_only = app.mint(&p.tenant_id, &[], true).await;
    assert_error(app.confirm(&app_only, &customer, &body).await, 403, 990420).await;
    for role in ["HelpdeskAgent", "GlobalAdmin", "UserManagementAdmin"] {
        let t = app.mint(&p.tenant_id, &[role], false).await;
        let e = assert_error(app.confirm(&t, &customer, &body).await, 403, 900150).await;
        assert_eq!(e["description"], "The supplied role does not have the rights to perform the requested operation.");
    }
    assert_error(app.confirm(&p.token, &uuid::Uuid::new_v4().to_string(), &body).await, 404, 60003).await;
    let stranger = app.persona("DirectBill").await;
    assert_error(app.confirm(&stranger.token, &customer, &body).await, 403, 20002).await;
}

#[tokio::test]
async fn resellers_go_through_their_indirect_provider() {
    let app = TestApp::spawn_2023_flow().await;
    let provider = app.persona("IndirectProvider").await;
    let reseller = app.create_partner("IndirectReseller", Some(&provider.tenant_id)).await;
    let reseller_token = app.mint(&reseller, &["AdminAgent"], false).await;
    let c = app.create_customer(&reseller_token, "resold").await;
    let id = c["id"].as_str().unwrap();
    let body = confirmation("Ana", "a@contoso.example", "2020-01-01T00:00:00Z");
    let e = assert_error(app.confirm(&reseller_token, id, &body).await, 403, 990421).await;
    assert!(e["description"].as_str().unwrap().contains("indirect provider"));
    // the provider attests for its reseller's customer
    assert_eq!(app.confirm(&provider.token, id, &body).await.status(), 201);
    // the reseller sees the confirmation and can now order
    let list: Value = app
        .get_json(&format!("/v1/customers/{id}/agreements?agreementType=MicrosoftCustomerAgreement"), &reseller_token)
        .await;
    assert_eq!(list["totalCount"], 1);
    assert_eq!(app.order(&reseller_token, id).await.status(), 201);
    // a provider cannot attest for another provider's reseller's customer
    let other = app.persona("IndirectProvider").await;
    assert_error(app.confirm(&other.token, id, &body).await, 403, 20002).await;
}

#[tokio::test]
async fn each_attestation_queues_a_notification_and_direct_acceptance_sends_none() {
    let (app, p, customer) = setup().await;
    app.confirm(&p.token, &customer, &confirmation("Ana", "ana@contoso.example", "2026-03-01T10:00:00Z")).await;
    let outbox: Value = app.control_json(Method::GET, "/_emulator/outbox", None).await;
    assert_eq!(outbox["totalCount"], 1);
    let m = &outbox["items"][0];
    assert_eq!(m["to"], "ana@contoso.example");
    assert_eq!(m["customerId"], customer.as_str());
    assert_eq!(m["partnerTenantId"], p.tenant_id.as_str());
    assert_eq!(m["queuedAt"], "2026-03-01T12:00:00.000Z");
    assert_eq!(m["deliverAt"], "2026-03-01T12:00:00.000Z");
    let text = m["body"].as_str().unwrap();
    assert!(text.contains("DirectBill partner") && text.contains("Microsoft Customer Agreement"));
    assert!(text.contains("2026-03-01T10:00:00.000Z") && text.contains("Ltd"));
    assert!(m["subject"].as_str().unwrap().contains("Microsoft Customer Agreement"));
    assert!(m["agreementId"].as_str().is_some());

    let filtered: Value = app.control_json(Method::GET, "/_emulator/outbox?to=someone@else.example", None).await;
    assert_eq!(filtered["totalCount"], 0);
    let by_customer: Value = app
        .control_json(Method::GET, &format!("/_emulator/outbox?customerId={customer}&to=ANA@contoso.example"), None)
        .await;
    assert_eq!(by_customer["totalCount"], 1);

    let r = app
        .control(
            Method::POST,
            &format!("/_emulator/customers/{customer}/direct-acceptance"),
            Some(&json!({"firstName": "Cy", "lastName": "Doe", "email": "cy@contoso.example"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let outbox: Value = app.control_json(Method::GET, "/_emulator/outbox?includePending=true", None).await;
    assert_eq!(outbox["totalCount"], 1, "direct acceptance sends nothing");

    let r = app.control(Method::DELETE, "/_emulator/outbox", None).await;
    assert_eq!(r.status(), 200);
    let outbox: Value = app.control_json(Method::GET, "/_emulator/outbox?includePending=true", None).await;
    assert_eq!(outbox["totalCount"], 0);
    assert_error(app.control(Method::GET, "/_emulator/outbox?includePending=maybe", None).await, 400, 990406).await;
}

#[tokio::test]
async fn notifications_are_delivered_after_the_configured_delay() {
    let app = TestApp::spawn_2023_flow_with(&["--notification-delay-seconds", "1800"]).await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "delayed").await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    let id = c["id"].as_str().unwrap();
    app.confirm(&p.token, id, &confirmation("Ana", "ana@contoso.example", "2026-03-01T10:00:00Z")).await;
    let delivered: Value = app.control_json(Method::GET, "/_emulator/outbox", None).await;
    assert_eq!(delivered["totalCount"], 0);
    let pending: Value = app.control_json(Method::GET, "/_emulator/outbox?includePending=true", None).await;
    assert_eq!(pending["totalCount"], 1);
    assert_eq!(pending["items"][0]["deliverAt"], "2026-03-01T12:30:00.000Z");
    app.control(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 1800}))).await;
    let delivered: Value = app.control_json(Method::GET, "/_emulator/outbox", None).await;
    assert_eq!(delivered["totalCount"], 1);
}

#[tokio::test]
async fn direct_acceptance_sets_the_direct_sign_status_without_user_id() {
    let (app, p, customer) = setup().await;
    let r = app
        .control(
            Method::POST,
            &format!("/_emulator/customers/{customer}/direct-acceptance"),
            Some(&json!({"firstName": "Cy", "lastName": "Doe", "email": "cy@contoso.example", "dateAgreed": "2026-03-01T11:00:00Z"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let status: Value =
        app.get_json(&format!("/v1/customers/{customer}/directsignedmicrosoftcustomeragreementstatus"), &p.token).await;
    assert_eq!(status, json!({"isSigned": true}));
    let list: Value = app
        .get_json(&format!("/v1/customers/{customer}/agreements?agreementType=MicrosoftCustomerAgreement"), &p.token)
        .await;
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["items"][0]["userId"], Value::Null);
    assert_eq!(list["items"][0]["dateAgreed"], "2026-03-01T11:00:00.000Z");
    // once only
    let again = app
        .control(
            Method::POST,
            &format!("/_emulator/customers/{customer}/direct-acceptance"),
            Some(&json!({"firstName": "Cy", "lastName": "Doe", "email": "cy@contoso.example"})),
        )
        .await;
    assert_error(again, 409, 990425).await;
}
