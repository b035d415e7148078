//! The service date: the emulator answers as Partner Center did on it. Each milestone is tested
//! the day before and the day of; the date follows the clock, or is pinned by the flag or the
//! control plane; MFA on every App+User operation of openapi.yaml.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn pin(app: &TestApp, date: &str) -> Value {
    app.control_json(Method::PUT, "/_emulator/service-date", Some(&json!({"date": date}))).await
}

async fn mint_with(app: &TestApp, body: Value) -> String {
    let r = app.control(Method::POST, "/_emulator/tokens", Some(&body)).await;
    assert_eq!(r.status(), 200, "mint {body}");
    r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string()
}

/// The status of a GET with `ValidateMfa: true`, and the `isMfaCompliant` it reported.
async fn with_validate_mfa(app: &TestApp, path: &str, token: &str) -> (u16, Option<String>) {
    let r = app.request(Method::GET, path, Some(token)).header("ValidateMfa", "true").send().await.unwrap();
    (r.status().as_u16(), r.headers().get("ismfacompliant").map(|v| v.to_str().unwrap().to_string()))
}

async fn accept_directly(app: &TestApp, customer: &str, date: Option<&str>) -> reqwest::Response {
    let mut body = json!({"firstName": "Cy", "lastName": "Doe", "email": "cy@x.example"});
    if let Some(d) = date {
        body["dateAgreed"] = json!(d);
    }
    app.control(Method::POST, &format!("/_emulator/customers/{customer}/direct-acceptance"), Some(&body)).await
}

async fn is_signed(app: &TestApp, token: &str, customer: &str) -> bool {
    let path = format!("/v1/customers/{customer}/directSignedMicrosoftCustomerAgreementStatus");
    app.get_json(&path, token).await["isSigned"].as_bool().unwrap()
}

/// A direct-bill partner (Admin agent token) with a customer.
async fn partner_with_customer(app: &TestApp, domain: &str) -> (Persona, String) {
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, domain).await;
    (p, c["id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_fresh_emulator_is_todays_service_and_refuses_the_2023_call_naming_the_new_flow() {
    let app = TestApp::spawn().await;
    let state = app.control_json(Method::GET, "/_emulator/service-date", None).await;
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(state["serviceDate"], today.as_str());
    assert_eq!((state["pinned"].as_bool(), state["source"].as_str()), (Some(false), Some("default")));
    let names: Vec<&str> =
        state["milestones"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["McaRefreshed", "EnhancedAttestationAvailable", "LegacyAttestationRetired", "MfaRequired"]);
    assert!(state["milestones"].as_array().unwrap().iter().all(|m| m["inForce"] == true));
    let (p, customer) = partner_with_customer(&app, "retired").await;
    let r = app.confirm(&p.token, &customer, &confirmation("Ana", "ana@x.example", "2026-11-01T00:00:00Z")).await;
    let e = assert_error(r, 400, 990441).await;
    assert!(e["description"].as_str().unwrap().contains("POST /v1/attestations/enhanced"), "{e}");
    // the journal explains it
    let journal = app.control_json(Method::GET, "/_emulator/requests?status=400", None).await;
    assert_eq!(journal["items"][0]["rule"], "LegacyAttestationRetired");
    assert!(journal["items"][0]["hint"].as_str().unwrap().contains("PUT /_emulator/service-date"));
}

#[tokio::test]
async fn the_2023_call_is_open_the_day_before_its_retirement_and_refused_the_day_of() {
    let app = TestApp::spawn().await;
    let (p, customer) = partner_with_customer(&app, "boundary").await;
    pin(&app, "2026-01-04").await;
    let r = app.confirm(&p.token, &customer, &confirmation("Ana", "ana@x.example", "2025-06-01T00:00:00Z")).await;
    assert_eq!(r.status(), 201);
    pin(&app, "2026-01-05").await;
    let r = app.confirm(&p.token, &customer, &confirmation("Bo", "bo@x.example", "2025-06-01T00:00:00Z")).await;
    assert_error(r, 400, 990441).await;
    // earlier confirmations stay valid and visible
    let list = app
        .get_json(&format!("/v1/customers/{customer}/agreements?agreementType=MicrosoftCustomerAgreement"), &p.token)
        .await;
    assert_eq!(list["totalCount"], 1);
    assert_eq!(app.order(&p.token, &customer).await.status(), 201);
}

#[tokio::test]
async fn enhanced_attestation_exists_from_its_general_availability() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("DirectBill", None).await;
    let token = app.mint(&partner, &[], true).await;
    let customer = app.create_customer(&token, "ga").await["id"].as_str().unwrap().to_string();
    let body = json!({"country": "US", "language": "en-US", "companyName": "GA", "signatoryFirstName": "A",
        "signatoryLastName": "B", "signatoryEmail": "a@ga.example"});
    pin(&app, "2025-07-09").await;
    let e = assert_error(app.post("/v1/attestations/enhanced", &token, &body).await, 404, 990440).await;
    assert!(e["description"].as_str().unwrap().contains("2025-07-09"));
    let agreement = json!({"attestationId": "00000000-0000-4000-8000-000000000000"});
    let path = format!("/v1/customers/{customer}/agreements");
    assert_error(app.post(&path, &token, &agreement).await, 400, 990440).await;
    pin(&app, "2025-07-10").await;
    let created = app.post("/v1/attestations/enhanced", &token, &body).await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    assert_eq!(app.get(&format!("/v1/attestations/enhanced/{id}"), &token).await.status(), 200);
    pin(&app, "2025-07-09").await;
    assert_error(app.get(&format!("/v1/attestations/enhanced/{id}"), &token).await, 404, 990440).await;
}

#[tokio::test]
async fn app_user_calls_need_mfa_from_2026_04_01_and_app_only_calls_never_do() {
    let app = TestApp::spawn().await;
    let (p, customer) = partner_with_customer(&app, "mfa").await;
    let no_mfa = mint_with(&app, json!({"partnerTenantId": p.tenant_id, "roles": ["AdminAgent"], "mfa": false})).await;
    let with_mfa = mint_with(&app, json!({"partnerTenantId": p.tenant_id, "roles": ["AdminAgent"], "mfa": true})).await;
    let app_only = mint_with(&app, json!({"partnerTenantId": p.tenant_id, "appOnly": true})).await;
    let r = app
        .control(
            Method::POST,
            "/_emulator/tokens",
            Some(&json!({"partnerTenantId": p.tenant_id, "appOnly": true, "mfa": true})),
        )
        .await;
    assert_error(r, 400, 990401).await;
    let path = format!("/v1/customers/{customer}");
    pin(&app, "2026-03-31").await;
    assert_eq!(app.get(&path, &no_mfa).await.status(), 200);
    pin(&app, "2026-04-01").await;
    let r = app.get(&path, &no_mfa).await;
    assert!(r.headers()["www-authenticate"].to_str().unwrap().contains("insufficient_claims"));
    assert_error(r, 401, 900421).await;
    assert_eq!(app.get(&path, &with_mfa).await.status(), 200);
    assert_eq!(app.get(&path, &app_only).await.status(), 200);
    assert_eq!(app.get(&path, &p.token).await.status(), 200, "minted tokens carry MFA by default");

    // ValidateMfa reports compliance and never refuses on its own
    assert_eq!(with_validate_mfa(&app, &path, &with_mfa).await, (200, Some("true".into())));
    assert_eq!(with_validate_mfa(&app, &path, &app_only).await, (200, Some("true".into())), "App-only is exempt");
    assert_eq!(with_validate_mfa(&app, &path, &no_mfa).await, (401, Some("false".into())));
    pin(&app, "2026-03-31").await;
    assert_eq!(with_validate_mfa(&app, &path, &no_mfa).await, (200, Some("false".into())), "reported, not refused");
    let plain = app.get(&path, &with_mfa).await;
    assert!(plain.headers().get("ismfacompliant").is_none(), "only when asked");
}

/// Every `/v1` operation of openapi.yaml, with its path parameters filled in.
fn v1_operations() -> Vec<(Method, String)> {
    let spec: serde_json::Value = serde_saphyr::from_str(&std::fs::read_to_string("openapi.yaml").unwrap()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let path = path.as_str();
        if !path.starts_with("/v1/") {
            continue;
        }
        let concrete: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "00000000-0000-4000-8000-000000000000" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for method in ["get", "post"] {
            if item.get(method).is_some() {
                ops.push((Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), concrete.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn every_app_user_operation_of_the_contract_refuses_a_token_without_mfa() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let no_mfa = mint_with(&app, json!({"partnerTenantId": p.tenant_id, "roles": ["AdminAgent"], "mfa": false})).await;
    let ops = v1_operations();
    assert!(ops.len() >= 13, "{ops:?}");
    for (date, refused) in [("2026-03-31", false), ("2026-04-01", true)] {
        pin(&app, date).await;
        for (method, path) in &ops {
            let r = app.request(method.clone(), path, Some(&no_mfa)).json(&json!({})).send().await.unwrap();
            let status = r.status().as_u16();
            let code = r.json::<Value>().await.ok().and_then(|b| b["code"].as_u64());
            if refused {
                assert_eq!((status, code), (401, Some(900421)), "{method} {path} on {date}");
            } else {
                assert_ne!(code, Some(900421), "{method} {path} on {date}");
            }
        }
    }
}

#[tokio::test]
async fn the_service_date_follows_the_clock_unless_pinned_and_a_reset_restores_the_configured_one() {
    let app = TestApp::spawn_with(&["--service-date", "2025-03-01"]).await;
    let state = app.control_json(Method::GET, "/_emulator/service-date", None).await;
    assert_eq!(
        (state["serviceDate"].as_str(), state["source"].as_str(), state["configured"].as_str()),
        (Some("2025-03-01"), Some("configuration"), Some("2025-03-01"))
    );
    let in_force: Vec<bool> =
        state["milestones"].as_array().unwrap().iter().map(|m| m["inForce"].as_bool().unwrap()).collect();
    assert_eq!(in_force, [true, false, false, false]);
    // following the clock: the clock's UTC day, moving with it
    let follow = json!({"followClock": true});
    let state = app.control_json(Method::PUT, "/_emulator/service-date", Some(&follow)).await;
    assert_eq!(state["source"], "controlPlane");
    app.set_clock("2026-01-04T23:59:59Z").await;
    let (p, customer) = partner_with_customer(&app, "clockfollow").await;
    let r = app.confirm(&p.token, &customer, &confirmation("Ana", "ana@x.example", "2026-01-04T00:00:00Z")).await;
    assert_eq!(r.status(), 201);
    app.control_json(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 1}))).await;
    let state = app.control_json(Method::GET, "/_emulator/service-date", None).await;
    assert_eq!(state["serviceDate"], "2026-01-05");
    let r = app.confirm(&p.token, &customer, &confirmation("Bo", "bo@x.example", "2026-01-04T00:00:00Z")).await;
    assert_error(r, 400, 990441).await;
    // a pinned date survives clock changes
    pin(&app, "2025-12-01").await;
    app.control_json(Method::PUT, "/_emulator/clock", Some(&json!({"reset": true}))).await;
    let state = app.control_json(Method::GET, "/_emulator/service-date", None).await;
    assert_eq!((state["serviceDate"].as_str(), state["pinned"].as_bool()), (Some("2025-12-01"), Some(true)));
    // a full reset restores the configured value; {"reset": true} does the same alone
    app.control_json(Method::POST, "/_emulator/reset", None).await;
    let state = app.control_json(Method::GET, "/_emulator/service-date", None).await;
    assert_eq!((state["serviceDate"].as_str(), state["source"].as_str()), (Some("2025-03-01"), Some("configuration")));
    pin(&app, "2026-06-01").await;
    let state = app.control_json(Method::PUT, "/_emulator/service-date", Some(&json!({"reset": true}))).await;
    assert_eq!(state["serviceDate"], "2025-03-01");
    // bad requests say what to send
    for bad in [json!({"date": "2025-02-30"}), json!({}), json!({"date": "2025-01-01", "reset": true})] {
        let r = app.control(Method::PUT, "/_emulator/service-date", Some(&bad)).await;
        assert_error(r, 400, 990401).await;
    }
}

#[tokio::test]
async fn acceptances_from_before_the_2023_refresh_stop_counting_once_the_2023_flow_is_retired() {
    let app = TestApp::spawn().await;
    let (p, customer) = partner_with_customer(&app, "refresh").await;
    let id_of = |c: Value| c["id"].as_str().unwrap().to_string();
    let ordered_before = id_of(app.create_customer(&p.token, "refreshordered").await);
    let refreshed = id_of(app.create_customer(&p.token, "refreshtwo").await);
    pin(&app, "2025-03-01").await;
    let old = confirmation("Ana", "ana@x.example", "2023-03-31T23:59:59Z");
    assert_eq!(app.confirm(&p.token, &customer, &old).await.status(), 201);
    assert_eq!(app.confirm(&p.token, &ordered_before, &old).await.status(), 201);
    let new = confirmation("Ana", "ana@x.example", "2023-04-01T00:00:00Z");
    assert_eq!(app.confirm(&p.token, &refreshed, &new).await.status(), 201);
    pin(&app, "2026-01-04").await;
    assert_eq!(app.order(&p.token, &ordered_before).await.status(), 201, "it counts the day before the retirement");
    pin(&app, "2026-01-05").await;
    assert_error(app.order(&p.token, &customer).await, 403, 13605).await;
    assert_error(app.order(&p.token, &ordered_before).await, 403, 13605).await;
    assert_eq!(app.order(&p.token, &refreshed).await.status(), 201, "an acceptance of the refreshed agreement counts");
    // the customer may accept again, directly; nothing calls it a duplicate or already accepted
    assert_eq!(accept_directly(&app, &customer, None).await.status(), 201);
    assert_eq!(app.order(&p.token, &customer).await.status(), 201);
    // one that bought on the old acceptance goes through its partner, as any customer that bought
    // without an acceptance on record
    assert_error(accept_directly(&app, &ordered_before, None).await, 403, 990424).await;
    // and the partner may attest the same person again: the old acceptance is no duplicate
    let app_token = app.mint(&p.tenant_id, &[], true).await;
    let att = json!({"country": "US", "language": "en-US", "companyName": "Refresh", "signatoryFirstName": "Ana",
        "signatoryLastName": "Lee", "signatoryEmail": "ana@x.example", "signatoryPhoneNumber": "+1 425 555 0100"});
    let created = app.post("/v1/attestations/enhanced", &app_token, &att).await.json::<Value>().await.unwrap();
    let id = created["id"].as_str().unwrap();
    app.control_json(Method::POST, &format!("/_emulator/attestations/{id}/accept"), None).await;
    let r = app
        .post(&format!("/v1/customers/{ordered_before}/agreements"), &app_token, &json!({"attestationId": id}))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(app.order(&p.token, &ordered_before).await.status(), 201);
}

#[tokio::test]
async fn a_pre_refresh_direct_acceptance_can_be_renewed_and_is_not_signed_any_more() {
    let app = TestApp::spawn().await;
    let (p, customer) = partner_with_customer(&app, "oldsigned").await;
    assert_eq!(accept_directly(&app, &customer, Some("2022-05-01T00:00:00Z")).await.status(), 201);
    pin(&app, "2026-01-04").await;
    assert!(is_signed(&app, &p.token, &customer).await);
    assert_error(accept_directly(&app, &customer, None).await, 409, 990425).await;
    pin(&app, "2026-01-05").await;
    assert!(!is_signed(&app, &p.token, &customer).await);
    assert_eq!(accept_directly(&app, &customer, None).await.status(), 201, "accepted again");
    assert!(is_signed(&app, &p.token, &customer).await);
}

#[tokio::test]
async fn seed_agreements_are_historical_records_of_the_2023_flow() {
    let app = TestApp::spawn().await;
    let seed = |date: &str| {
        format!(
            "partners: [{{key: p, name: P, partnerType: DirectBill}}]\ncustomers: [{{key: c, partner: p, domain: hist{}}}]\n\
             agreements: [{{customer: c, partner: p, firstName: A, lastName: B, email: a@b.example, dateAgreed: \"{date}\"}}]\n",
            &date[..4]
        )
    };
    let r = app.post_seed("application/yaml", seed("2025-12-31T00:00:00Z")).await;
    assert_eq!(r.status(), 201, "accepted on today's service date: a record of the past");
    let r = app.post_seed("application/yaml", seed("2026-01-05T00:00:00Z")).await;
    let e = assert_error(r, 400, 990401).await;
    assert!(e["data"][0].as_str().unwrap().starts_with("agreements[0]: dateAgreed"), "{e}");
}
