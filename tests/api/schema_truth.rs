//! What openapi.yaml says of each input is what the server does: what the schema allows is
//! taken (unknown members whatever they hold, integers written as `843.0`), what it forbids is
//! refused with a Partner Center error (empty typed query values, over-long texts and user
//! names, empty fault-rule conditions).

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn a_nul_in_an_unknown_member_is_ignored_with_it_and_one_in_a_read_member_is_refused() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let mut body = customer_body("nulsdk");
    body["billingProfile"]["Sdk\u{0}Extra"] = json!("x\u{0}");
    body["companyProfile"]["attributes"] = json!({"objectType": "Customer\u{0}", "list": ["\u{0}"]});
    let r = app.post("/v1/customers", &p.token, &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let mut body = customer_body("nulread");
    body["billingProfile"]["companyName"] = json!("Contoso\u{0}");
    let body = assert_error(app.post("/v1/customers", &p.token, &body).await, 400, 990401).await;
    assert!(body["data"][0].as_str().unwrap().contains("NUL character"), "{body}");
    assert_eq!(app.get_json("/v1/customers", &p.token).await["totalCount"], 1);
}

#[tokio::test]
async fn integer_valued_numbers_count_as_integers() {
    let app = TestApp::spawn().await;
    let tenant = app.create_partner("DirectBill", None).await;
    let r = app
        .control(
            Method::POST,
            "/_emulator/tokens",
            Some(&json!({"partnerTenantId": tenant, "roles": ["AdminAgent"], "expiresInSeconds": 843.0})),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["expires_in"], 843);
    // a real fraction is still refused where an integer is wanted
    let r = app
        .control(
            Method::POST,
            "/_emulator/tokens",
            Some(&json!({"partnerTenantId": tenant, "expiresInSeconds": 843.5})),
        )
        .await;
    assert_error(r, 400, 990401).await;
}

#[tokio::test]
async fn customer_profile_texts_are_capped_at_256_characters() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let mut body = customer_body("longname");
    body["companyProfile"]["companyName"] = json!("C".repeat(60_000));
    body["billingProfile"]["defaultAddress"]["city"] = json!("R".repeat(257));
    let body = assert_error(app.post("/v1/customers", &p.token, &body).await, 400, 990401).await;
    assert_eq!(
        body["data"],
        json!([
            "companyProfile.companyName: must be at most 256 characters",
            "billingProfile.defaultAddress.city: must be at most 256 characters"
        ])
    );
    assert_eq!(app.get_json("/v1/customers", &p.token).await["totalCount"], 0, "nothing was stored");
    let mut body = customer_body("longname");
    body["companyProfile"]["companyName"] = json!("C".repeat(256));
    let r = app.post("/v1/customers", &p.token, &body).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["companyProfile"]["companyName"], "C".repeat(256));
}

#[tokio::test]
async fn a_contact_name_is_measured_as_sent() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "measured").await;
    let id = c["id"].as_str().unwrap();
    // 256 letters with a space before them: 257 characters, over openapi.yaml's maxLength
    let name = format!(" {}", "a".repeat(256));
    let body =
        assert_error(app.confirm(&p.token, id, &confirmation(&name, "ana@x.example", "2025-02-01")).await, 400, 990401)
            .await;
    assert_eq!(body["data"][0], "primaryContact.firstName: must be at most 256 characters");
    let r = app.confirm(&p.token, id, &confirmation(&"a".repeat(256), "ana@x.example", "2025-02-01")).await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn an_empty_boolean_or_integer_query_value_is_refused() {
    let app = TestApp::spawn().await;
    for (path, name) in
        [("/_emulator/outbox?includePending=", "includePending"), ("/_emulator/requests?status=", "status")]
    {
        let body = assert_error(app.control(Method::GET, path, None).await, 400, 990406).await;
        assert!(body["data"][0].as_str().unwrap().starts_with(&format!("{name}: ''")), "{body}");
    }
    assert_eq!(app.control(Method::GET, "/_emulator/outbox?includePending=TRUE", None).await.status(), 200);
    assert_eq!(app.control(Method::GET, "/_emulator/requests?status=200", None).await.status(), 200);
}

#[tokio::test]
async fn a_user_name_over_256_characters_is_refused_when_unlocking() {
    let app = TestApp::spawn().await;
    let long = "u".repeat(257);
    let r = app.control(Method::DELETE, &format!("/_emulator/sign-in-lockouts/{long}"), None).await;
    let body = assert_error(r, 400, 990401).await;
    assert!(body["data"][0].as_str().unwrap().starts_with("userName: at most 256 characters"), "{body}");
    let ok = app.control(Method::DELETE, &format!("/_emulator/sign-in-lockouts/{}", "u".repeat(256)), None).await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn an_empty_fault_condition_is_refused_rather_than_widened_to_everything() {
    let app = TestApp::spawn().await;
    let r = app
        .control(
            Method::POST,
            "/_emulator/faults",
            Some(&json!({"effect": "internalError", "path": "", "partnerTenantId": " ", "operation": ""})),
        )
        .await;
    let body = assert_error(r, 400, 990401).await;
    assert_eq!(
        body["data"],
        json!([
            "operation is empty: leave it out (or send null) to match every request",
            "path is empty: leave it out (or send null) to match every request",
            "partnerTenantId is empty: leave it out (or send null) to match every request"
        ])
    );
    assert_eq!(app.control_json(Method::GET, "/_emulator/faults", None).await["totalCount"], 0, "no rule was added");
    // null still means "any"
    let r = app
        .control(Method::POST, "/_emulator/faults", Some(&json!({"effect": "internalError", "path": null, "count": 1})))
        .await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn an_empty_document_country_means_the_default_as_documented() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let r = app.get(&format!("/v1/agreementtemplates/{MCA_TEMPLATE}/document?country=&language="), &p.token).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["country"].as_str(), body["language"].as_str()), (Some("US"), Some("en-US")));
}
