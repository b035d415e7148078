//! One emulator shared by several test suites (a compose stack): each suite's partner persona may
//! have its own clock and service date, and its own reset, without touching the others'.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn json_of(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status);
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_partner_runs_on_its_own_clock_and_service_date_and_the_others_do_not_notice() {
    let app = TestApp::spawn().await;
    let a = app.create_partner("DirectBill", None).await;
    let b = app.persona("DirectBill").await;

    // Suite A pins the 2023 flow for itself and freezes its own clock.
    let clock = json_of(
        app.control(
            Method::PUT,
            &format!("/_emulator/clock?partnerTenantId={a}"),
            Some(&json!({"now": "2026-03-01T12:00:00Z", "frozen": true})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(clock, json!({"now": "2026-03-01T12:00:00.000Z", "frozen": true, "partnerTenantId": a}));
    let date = json_of(
        app.control(
            Method::PUT,
            &format!("/_emulator/service-date?partnerTenantId={}", a.to_uppercase()),
            Some(&json!({"date": "2025-03-01"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!((date["serviceDate"].as_str(), date["source"].as_str()), (Some("2025-03-01"), Some("partner")));
    assert_eq!(date["partnerTenantId"], a);

    // The emulator's clock and service date are untouched.
    let global = app.control_json(Method::GET, "/_emulator/clock", None).await;
    assert_eq!((global["frozen"].as_bool(), global.get("partnerTenantId")), (Some(false), None));
    let global_date = app.control_json(Method::GET, "/_emulator/service-date", None).await;
    assert_eq!(global_date["source"], "default");

    // A's token, minted on A's clock, works; A confirms as in 2023, dated on its clock.
    let a_token = app.mint(&a, &["AdminAgent"], false).await;
    let customer = app.create_customer(&a_token, "ownclock").await;
    let id = customer["id"].as_str().unwrap();
    let r = app.confirm(&a_token, id, &confirmation("Megan", "megan@ownclock.example", "2026-03-01T09:00:00Z")).await;
    assert_eq!(r.status(), 201);
    // A date after A's now is in the future for A, though not for the emulator's clock.
    let future =
        app.confirm(&a_token, id, &confirmation("Alex", "alex@ownclock.example", "2026-03-02T00:00:00Z")).await;
    assert_error(future, 400, 600002).await;

    // B lives on today's service date: the 2023 confirmation is retired for B.
    let b_customer = app.create_customer(&b.token, "sharedclock").await;
    let refused = app
        .confirm(
            &b.token,
            b_customer["id"].as_str().unwrap(),
            &confirmation("Ana", "ana@shared.example", "2026-03-01T09:00:00Z"),
        )
        .await;
    assert_error(refused, 400, 990441).await;

    // A moves its clock on; a partner reset gives it back the emulator's clock and date.
    let moved = app
        .control_json(
            Method::POST,
            &format!("/_emulator/clock/advance?partnerTenantId={a}"),
            Some(&json!({"seconds": 3600})),
        )
        .await;
    assert_eq!(moved["now"], "2026-03-01T13:00:00.000Z");
    app.control(Method::POST, "/_emulator/reset", Some(&json!({"partnerTenantId": a}))).await;
    let after = app.control_json(Method::GET, &format!("/_emulator/clock?partnerTenantId={a}"), None).await;
    assert_eq!((after["frozen"].as_bool(), after.get("partnerTenantId")), (Some(false), None), "{after}");
    let after_date = app.control_json(Method::GET, &format!("/_emulator/service-date?partnerTenantId={a}"), None).await;
    assert_eq!(after_date["source"], "default");
}

#[tokio::test]
async fn a_partners_emails_are_delivered_by_its_own_clock() {
    let app = TestApp::spawn_2023_flow_with(&["--notification-delay-seconds", "600"]).await;
    let a = app.create_partner("DirectBill", None).await;
    // A's clock stands still long before the emulator's: by the emulator's clock every email A's
    // confirmations queue would be delivered at once; by A's, ten minutes after.
    app.control_json(
        Method::PUT,
        &format!("/_emulator/clock?partnerTenantId={a}"),
        Some(&json!({"now": "2026-03-01T12:00:00Z", "frozen": true})),
    )
    .await;
    let token = app.mint(&a, &["AdminAgent"], false).await;
    let id = app.create_customer(&token, "ownoutbox").await["id"].as_str().unwrap().to_string();
    let r = app.confirm(&token, &id, &confirmation("Megan", "megan@ownoutbox.example", "2026-03-01T09:00:00Z")).await;
    assert_eq!(r.status(), 201);
    let outbox = |query: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            app.control_json(Method::GET, &format!("/_emulator/outbox?customerId={id}{query}"), None).await
                ["totalCount"]
                .clone()
        }
    };
    assert_eq!(outbox("").await, 0, "not yet delivered by A's clock");
    assert_eq!(outbox("&includePending=true").await, 1);
    app.control_json(
        Method::POST,
        &format!("/_emulator/clock/advance?partnerTenantId={a}"),
        Some(&json!({"seconds": 600})),
    )
    .await;
    assert_eq!(outbox("").await, 1, "delivered once A's clock says so");
}

#[tokio::test]
async fn a_clock_of_its_own_judges_a_partners_tokens_and_unknown_partners_are_named() {
    let app = TestApp::spawn().await;
    let a = app.create_partner("DirectBill", None).await;
    // Frozen in the past: tokens minted now on A's clock expire an hour later on A's clock, and
    // are judged by it although the emulator's clock is long past that.
    app.control(
        Method::PUT,
        &format!("/_emulator/clock?partnerTenantId={a}"),
        Some(&json!({"now": "2025-02-01T08:00:00Z"})),
    )
    .await;
    let app_only = app.mint(&a, &[], true).await;
    assert_eq!(app.get("/v1/customers", &app_only).await.status(), 200);
    app.control(
        Method::POST,
        &format!("/_emulator/clock/advance?partnerTenantId={a}"),
        Some(&json!({"seconds": 3601})),
    )
    .await;
    assert_error(app.get("/v1/customers", &app_only).await, 401, 800001).await;

    let unknown =
        app.control(Method::GET, "/_emulator/clock?partnerTenantId=0f0f0f0f-0000-4000-8000-000000000000", None).await;
    assert_error(unknown, 404, 990430).await;
    assert_error(app.control(Method::GET, "/_emulator/service-date?partnerTenantId=", None).await, 400, 990406).await;
}

#[tokio::test]
async fn an_attestation_lives_on_its_partners_clock_wherever_it_is_accepted() {
    let app = TestApp::spawn().await;
    let a = app.create_partner("DirectBill", None).await;
    // A's clock stands in 2025 (its service date follows it: enhanced attestation exists). The
    // attestation expires 30 days later by A's clock, long before the emulator's now.
    app.control(
        Method::PUT,
        &format!("/_emulator/clock?partnerTenantId={a}"),
        Some(&json!({"now": "2025-09-01T00:00:00Z"})),
    )
    .await;
    let app_only = app.mint(&a, &[], true).await;
    let created = json_of(
        app.post(
            "/v1/attestations/enhanced",
            &app_only,
            &crate::enhanced_attestation::attestation_body("Megan", "megan@own.example"),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(created["expirationDateTime"], "2025-10-01T00:00:00.000Z");
    let id = created["id"].as_str().unwrap();
    // Accepted without a token (the control plane, as the acceptance page does): by A's clock.
    let accepted =
        json_of(app.control(Method::POST, &format!("/_emulator/attestations/{id}/accept"), None).await, 200).await;
    assert_eq!(
        (accepted["status"].as_str(), accepted["acceptedDateTime"].as_str()),
        (Some("accepted"), Some("2025-09-01T00:00:00.000Z"))
    );
}

#[tokio::test]
async fn a_partner_named_in_the_other_place_still_scopes_the_change_and_a_misspelt_member_is_refused() {
    let app = TestApp::spawn().await;
    let a = app.create_partner("DirectBill", None).await;
    let b = app.persona("DirectBill").await;

    // The partner in the body of a clock change, as the reset's body names it: A's clock only.
    let own = json!({"partnerTenantId": a, "now": "2026-02-01T00:00:00Z", "frozen": true});
    let clock = json_of(app.control(Method::PUT, "/_emulator/clock", Some(&own)).await, 200).await;
    assert_eq!(clock["partnerTenantId"], a);
    let global = app.control_json(Method::GET, "/_emulator/clock", None).await;
    assert_eq!(global["frozen"], false, "the emulator's clock is untouched");
    let pinned = json!({"partnerTenantId": a, "date": "2025-03-01"});
    let date = json_of(app.control(Method::PUT, "/_emulator/service-date", Some(&pinned)).await, 200).await;
    assert_eq!((date["source"].as_str(), date["partnerTenantId"].as_str()), (Some("partner"), Some(a.as_str())));
    let advance = json!({"partnerTenantId": a, "seconds": 60});
    let moved = json_of(app.control(Method::POST, "/_emulator/clock/advance", Some(&advance)).await, 200).await;
    assert_eq!(moved["now"], "2026-02-01T00:01:00.000Z");
    // Named twice, differently: refused, nothing changed.
    let twice =
        app.control(Method::PUT, &format!("/_emulator/clock?partnerTenantId={}", b.tenant_id), Some(&own)).await;
    assert_eq!(twice.status(), 400);

    // The partner in the query of a reset, as the clock's routes name it: A's data only.
    let b_customer = app.create_customer(&b.token, "keptbyreset").await;
    let reset =
        json_of(app.control(Method::POST, &format!("/_emulator/reset?partnerTenantId={a}"), None).await, 200).await;
    assert_eq!(reset["reset"], format!("partner {a}"));
    let still = app.get(&format!("/v1/customers/{}", b_customer["id"].as_str().unwrap()), &b.token).await;
    assert_eq!(still.status(), 200, "the other partner's customer is still there");
    // A blank partner is refused, never read as "everything".
    let blank = app.control(Method::POST, "/_emulator/reset", Some(&json!({"partnerTenantId": " "}))).await;
    assert_eq!(blank.status(), 400);
    let still = app.get(&format!("/v1/customers/{}", b_customer["id"].as_str().unwrap()), &b.token).await;
    assert_eq!(still.status(), 200, "nothing was reset");
    // A null partner (an unset variable) names none: refused, never read as "everything".
    for (method, path, body) in [
        (Method::POST, "/_emulator/reset", json!({"partnerTenantId": null})),
        (Method::PUT, "/_emulator/clock", json!({"partnerTenantId": null, "now": "2026-03-01T00:00:00Z"})),
        (Method::POST, "/_emulator/clock/advance", json!({"partnerTenantId": null, "seconds": 60})),
        (Method::PUT, "/_emulator/service-date", json!({"partnerTenantId": null, "date": "2025-03-01"})),
    ] {
        let r = app.control(method, path, Some(&body)).await;
        let e = assert_error(r, 400, 990401).await;
        assert!(e.to_string().contains("null names no partner"), "{path}: {e}");
    }
    let still = app.get(&format!("/v1/customers/{}", b_customer["id"].as_str().unwrap()), &b.token).await;
    assert_eq!(still.status(), 200, "nothing was reset");
    let global = app.control_json(Method::GET, "/_emulator/clock", None).await;
    assert_eq!(global["frozen"], false, "the emulator's clock is untouched");

    // A misspelt member of the control plane's own bodies is refused, naming it, not dropped.
    for (path, body, member) in [
        ("/_emulator/tokens", json!({"partnerTenantId": b.tenant_id, "roles": ["AdminAgent"], "MFA": false}), "mFA"),
        ("/_emulator/tokens", json!({"partnerTenantId": b.tenant_id, "expiresIn": 60}), "expiresIn"),
        ("/_emulator/tokens", json!({"partnerTenantId": b.tenant_id, "roles": ["AdminAgent"], "userId": ""}), "userId"),
        ("/_emulator/faults", json!({"operation": "listCustomers", "effect": "throttle", "maxHits": 1}), "maxHits"),
        ("/_emulator/clock", json!({"now": "2026-02-01T00:00:00Z", "frozn": true}), "frozn"),
        (
            &format!("/_emulator/customers/{}/direct-acceptance", b_customer["id"].as_str().unwrap()),
            json!({"firstName": "Dee", "lastName": "Rect", "email": "dee@x.example", "dateAgred": "2025-02-01T00:00:00Z"}),
            "dateAgred",
        ),
    ] {
        let method = if path == "/_emulator/clock" { Method::PUT } else { Method::POST };
        let r = app.control(method, path, Some(&body)).await;
        assert_eq!(r.status(), 400, "{path} {body}");
        let text = r.text().await.unwrap();
        assert!(text.contains(member), "{path}: the answer names {member}: {text}");
    }
    let rules = app.control_json(Method::GET, "/_emulator/faults", None).await;
    assert_eq!(rules["items"].as_array().unwrap().len(), 0, "the misspelt rule was not stored");
}
