//! The control plane behind an admin token: locked on every route.

use super::*;

/// With `PCE_ADMIN_TOKEN` set, every `/_emulator` route of the route table (so routes added
/// later are covered too) answers 401/990432 to a missing or wrong token, changes nothing, and
/// works with the right one; health, readiness, the contract and its reference page stay open;
/// `/v1`, document links and the admin center never need it.
#[tokio::test]
async fn the_control_plane_is_locked_on_every_route_when_an_admin_token_is_set() {
    let admin = format!("admin-{}", uuid::Uuid::new_v4().simple());
    let app = TestApp::spawn_2023_flow_with(&["--admin-token", &admin]).await;
    let authorized = |method: Method, path: &str, body: Option<Value>| {
        let mut r = app.request(method, path, Some(&admin));
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move { r.send().await.unwrap() }
    };
    // state set up with the token
    let r =
        authorized(Method::POST, "/_emulator/partners", Some(json!({"name": "Owner", "partnerType": "DirectBill"})))
            .await;
    assert_eq!(r.status(), 201);
    let tenant = r.json::<Value>().await.unwrap()["tenantId"].as_str().unwrap().to_string();
    let r = authorized(
        Method::POST,
        "/_emulator/tokens",
        Some(json!({"partnerTenantId": tenant, "roles": ["AdminAgent"]})),
    )
    .await;
    let jwt = r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();
    let c = app.create_customer(&jwt, &unique("locked")).await;
    let customer = c["id"].as_str().unwrap().to_string();
    let r = app.confirm(&jwt, &customer, &confirmation("Ana", "ana@contoso.example", "2025-01-01T00:00:00Z")).await;
    assert_eq!(r.status(), 201);
    let frozen = json!({"now": "2026-03-01T12:00:00Z", "frozen": true});
    assert_eq!(authorized(Method::PUT, "/_emulator/clock", Some(frozen)).await.status(), 200);

    let intruder = uuid::Uuid::new_v4().to_string();
    let intruder_seeded = uuid::Uuid::new_v4().to_string();
    let routes: Vec<(Method, String, Option<Value>)> = partner_center_emulator::http::route_table()
        .into_iter()
        .filter(|(_, path)| path.starts_with("/_emulator"))
        .map(|(method, path)| {
            let method: Method = method.parse().unwrap();
            let concrete = path.replace("{tenant_id}", &tenant).replace("{customer_id}", &customer);
            // bodies that would change something if they got through
            let body = match (method.as_str(), path) {
                ("POST", "/_emulator/partners") => {
                    Some(json!({"name": "Intruder", "partnerType": "DirectBill", "tenantId": intruder}))
                }
                ("POST", "/_emulator/tokens") => Some(json!({"partnerTenantId": tenant, "roles": ["AdminAgent"]})),
                ("PUT", "/_emulator/clock") => Some(json!({"now": "2030-01-01T00:00:00Z", "frozen": true})),
                ("POST", "/_emulator/clock/advance") => Some(json!({"seconds": 86400})),
                ("POST", "/_emulator/customers/{customer_id}/direct-acceptance") => {
                    Some(json!({"firstName": "Intruder", "lastName": "X", "email": "x@evil.example"}))
                }
                ("POST", "/_emulator/seed") => Some(json!({"partners": [
                    {"key": "i", "name": "Intruder", "partnerType": "DirectBill", "tenantId": intruder_seeded}]})),
                ("POST", _) | ("PUT", _) => Some(json!({})),
                _ => None,
            };
            (method, concrete, body)
        })
        .collect();
    assert!(routes.len() >= 15, "the route table lists the control plane: {routes:?}");

    let b64_basic = base64::engine::general_purpose::STANDARD.encode(format!("admin:{admin}"));
    let wrong: Vec<(&str, Option<String>)> = vec![
        ("no Authorization", None),
        ("another token", Some("Bearer wrong".into())),
        ("the token with a suffix", Some(format!("Bearer {admin}x"))),
        ("a prefix of the token", Some(format!("Bearer {}", &admin[..admin.len() - 1]))),
        ("the token in upper case", Some(format!("Bearer {}", admin.to_uppercase()))),
        ("Basic scheme", Some(format!("Basic {admin}"))),
        ("Basic credentials", Some(format!("Basic {b64_basic}"))),
        ("no scheme", Some(admin.clone())),
        ("an empty bearer", Some("Bearer ".into())),
        ("a partner's access token", Some(format!("Bearer {jwt}"))),
    ];
    for (method, path, body) in &routes {
        let open = ["/_emulator/health", "/_emulator/ready", "/_emulator/openapi.yaml", "/_emulator/docs"]
            .contains(&path.as_str());
        // The certificate of the HTTPS listener is public: open, and 404 990448 without a listener.
        if path == "/_emulator/tls/certificate" {
            assert_error(app.request(method.clone(), path, None).send().await.unwrap(), 404, 990448).await;
            continue;
        }
        for (what, authorization) in &wrong {
            let mut r = app.request(method.clone(), path, None);
            if let Some(a) = authorization {
                r = r.header("authorization", a);
            }
            if let Some(b) = body {
                r = r.json(b);
            }
            let r = r.send().await.unwrap();
            if open {
                assert_eq!(r.status(), 200, "{method} {path} with {what}");
                continue;
            }
            assert_eq!(r.status(), 401, "{method} {path} with {what}");
            assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"), "{method} {path}");
            assert_error(r, 401, 990432).await;
        }
        // the token in the query string is not the token
        let r = app.request(method.clone(), &format!("{path}?access_token={admin}"), None).send().await.unwrap();
        assert_eq!(r.status(), if open { 200 } else { 401 }, "{method} {path}?access_token=");
    }
    // nothing changed: the partner, customer, clock, outbox and journal are as they were
    let get = |path: String| authorized(Method::GET, &path, None);
    assert_eq!(get(format!("/_emulator/partners/{tenant}")).await.status(), 200);
    assert_error(get(format!("/_emulator/partners/{intruder}")).await, 404, 990430).await;
    assert_error(get(format!("/_emulator/partners/{intruder_seeded}")).await, 404, 990430).await;
    let clock: Value = get("/_emulator/clock".into()).await.json().await.unwrap();
    assert_eq!(clock["now"], "2026-03-01T12:00:00.000Z");
    let outbox: Value = get("/_emulator/outbox?includePending=true".into()).await.json().await.unwrap();
    assert_eq!(outbox["totalCount"], 1);
    let status =
        app.get_json(&format!("/v1/customers/{customer}/directSignedMicrosoftCustomerAgreementStatus"), &jwt).await;
    assert_eq!(status["isSigned"], false);
    let journal: Value = get("/_emulator/requests".into()).await.json().await.unwrap();
    assert!(journal["totalCount"].as_u64().unwrap() > 0);
    assert_eq!(app.get_json("/v1/customers", &jwt).await["totalCount"], 1);

    // /v1, document links and the admin center need no admin token
    let doc = app.get_json(&format!("/v1/agreementtemplates/{MCA_TEMPLATE}/document"), &jwt).await;
    let download = doc["downloadUri"].as_str().unwrap();
    assert_eq!(app.http.get(download).send().await.unwrap().status(), 200);
    assert_eq!(app.http.get(app.url("/AdminPortal/SignIn")).send().await.unwrap().status(), 200);

    // the right token opens every route (whatever each then answers)
    for (method, path, body) in routes {
        let r = authorized(method.clone(), &path, body).await;
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_ne!(status, 401, "{method} {path} with the admin token: {text}");
        let code = serde_json::from_str::<Value>(&text).ok().map(|v| v["code"].clone());
        assert_ne!(code, Some(json!(990432)), "{method} {path}: {text}");
    }
}
