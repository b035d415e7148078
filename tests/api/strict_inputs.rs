//! Inputs a mainstream client could not represent or would not expect to be taken: a leap second,
//! an over-long MS-RequestId, a body member given twice. And one a client may well send: the same
//! id in other letter case.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn a_leap_second_is_refused_in_a_body_and_in_a_clock_setting() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "leapsecond").await;
    let id = c["id"].as_str().unwrap();
    for date in ["2016-12-31T23:59:60Z", "2016-12-31T23:59:60.500+00:00", "2017-01-01T00:59:60+01:00"] {
        let r = app.confirm(&p.token, id, &confirmation("Ana", "ana@x.example", date)).await;
        let body = assert_error(r, 400, 990401).await;
        assert!(
            body["data"][0].as_str().unwrap().contains("second 60, a leap second, is not accepted"),
            "{date}: {body}"
        );
    }
    let r = app.control(Method::PUT, "/_emulator/clock", Some(&json!({"now": "2016-12-31T23:59:60Z"}))).await;
    let body: Value = r.json().await.unwrap();
    assert!(body.to_string().contains("now: '2016-12-31T23:59:60Z'"), "{body}");
    // the second before is fine, and what comes back parses everywhere
    let r = app.confirm(&p.token, id, &confirmation("Ana", "ana@x.example", "2016-12-31T23:59:59.999Z")).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["dateAgreed"], "2016-12-31T23:59:59.999Z");
}

#[tokio::test]
async fn an_ms_request_id_over_128_characters_is_refused_and_one_of_128_is_kept() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let send = |id: String, domain: &'static str| {
        app.request(Method::POST, "/v1/customers", Some(&p.token))
            .header("MS-RequestId", id)
            .json(&customer_body(domain))
            .send()
    };
    let r = send("x".repeat(129), "longid").await.unwrap();
    let body = assert_error(r, 400, 990407).await;
    assert!(body["data"][0].as_str().unwrap().starts_with("MS-RequestId: at most 128 characters"), "{body}");
    assert_eq!(app.get_json("/v1/customers", &p.token).await["totalCount"], 0, "nothing was created");
    let first = send("y".repeat(128), "longid").await.unwrap();
    assert_eq!(first.status(), 201);
    let again = send("y".repeat(128), "longid").await.unwrap();
    assert_eq!(again.headers()["x-pce-replayed"], "true");
}

#[tokio::test]
async fn the_same_request_id_in_other_letter_case_replays() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let send = |id: &'static str| {
        app.request(Method::POST, "/v1/customers", Some(&p.token))
            .header("MS-RequestId", id)
            .json(&customer_body("casedid"))
            .send()
    };
    let first = send("0a1b2c3d-0000-4000-8000-00000000abcd").await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send("0A1B2C3D-0000-4000-8000-00000000ABCD").await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["x-pce-replayed"], "true");
    assert_eq!(again.headers()["ms-requestid"], "0A1B2C3D-0000-4000-8000-00000000ABCD", "echoed as sent");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
}

/// `POST {path}` with `body` sent byte for byte (a JSON library cannot write a member twice).
async fn post_raw(app: &TestApp, path: &str, token: Option<&str>, body: String) -> reqwest::Response {
    let r = app.request(Method::POST, path, token).header("content-type", "application/json");
    r.body(body).send().await.unwrap()
}

#[tokio::test]
async fn a_body_member_given_twice_is_refused_not_merged() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("DirectBill", None).await;
    // Exactly twice, or in two spellings of one member (camelCase and PascalCase): neither wins.
    for (body, member) in [
        (format!(r#"{{"partnerTenantId":"{partner}","appOnly":true,"appOnly":false}}"#), "appOnly"),
        (format!(r#"{{"partnerTenantId":"{partner}","appOnly":true,"AppOnly":false}}"#), "appOnly"),
        (format!(r#"{{"PartnerTenantId":"{partner}","partnerTenantId":"{partner}"}}"#), "partnerTenantId"),
    ] {
        let e = assert_error(post_raw(&app, "/_emulator/tokens", None, body.clone()).await, 400, 990401).await;
        let problem = e["data"][0].as_str().unwrap();
        assert!(problem.starts_with(&format!("body: {member} is given more than once")), "{body}: {e}");
    }
    let token = app.mint(&partner, &[], true).await;
    let attestation = |country: &str| {
        format!(
            r#"{{"country":"US",{country}"language":"en-US","companyName":"Fabrikam","signatoryFirstName":"Ana",
                "signatoryLastName":"Lee","signatoryEmail":"ana@fabrikam.example"}}"#
        )
    };
    for twice in [r#""Country":"DE","#, r#""country":"DE","#] {
        let r = post_raw(&app, "/v1/attestations/enhanced", Some(&token), attestation(twice)).await;
        let e = assert_error(r, 400, 990401).await;
        assert!(e["data"][0].as_str().unwrap().starts_with("body: country is given more than once"), "{twice}: {e}");
    }
    // At any depth, named by its path; nothing is created.
    let customer = customer_body("twice").to_string();
    for city in ["city", "City"] {
        let twice = format!(r#""defaultAddress":{{"{city}":"Paris","#);
        let nested = customer.replacen(r#""defaultAddress":{"#, &twice, 1);
        assert_ne!(nested, customer);
        let e = assert_error(post_raw(&app, "/v1/customers", Some(&token), nested).await, 400, 990401).await;
        let problem = e["data"][0].as_str().unwrap();
        assert!(problem.starts_with("body: billingProfile.defaultAddress.city is given more"), "{city}: {e}");
    }
    assert_eq!(app.get_json("/v1/customers", &token).await["totalCount"], 0, "nothing was created");
    // The same body with each member once is taken.
    assert_eq!(post_raw(&app, "/v1/attestations/enhanced", Some(&token), attestation("")).await.status(), 201);
}
