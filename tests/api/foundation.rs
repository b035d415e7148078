//! Contract §1 conventions, tokens and roles, the clock, health, and the read-only operations.

use crate::helpers::*;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn ms_headers_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let r = app
        .request(Method::GET, "/v1/agreements", Some(&p.token))
        .header("MS-RequestId", "11111111-2222-3333-4444-555555555555")
        .header("MS-CorrelationId", "aaaaaaaa-2222-3333-4444-555555555555")
        .header("MS-CV", "abc.1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["ms-requestid"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(h["ms-correlationid"], "aaaaaaaa-2222-3333-4444-555555555555");
    assert_eq!(h["ms-cv"], "abc.1.1");
    assert!(h.contains_key("ms-serverid"));
    assert!(h.contains_key("date"));
    assert_eq!(h["content-type"], "application/json; charset=utf-8");

    let r = app.get("/v1/agreements", &p.token).await;
    let generated = r.headers()["ms-requestid"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok());
    assert!(uuid::Uuid::parse_str(r.headers()["ms-correlationid"].to_str().unwrap()).is_ok());
}

/// `--server-id` names the `MS-ServerId` header; blank means the default (`pce-<hostname>`), as for
/// the public base URL, not an empty header.
#[tokio::test]
async fn a_blank_server_id_is_the_default() {
    for (flags, expected) in [(vec!["--server-id", "replica-7"], Some("replica-7")), (vec!["--server-id", " "], None)] {
        let app = TestApp::spawn_with(&flags).await;
        let r = app.request(reqwest::Method::GET, "/_emulator/health", None).send().await.unwrap();
        let id = r.headers()["ms-serverid"].to_str().unwrap().to_string();
        match expected {
            Some(named) => assert_eq!(id, named),
            None => assert!(id.starts_with("pce-") && id.len() > 4, "the default, not '{id}'"),
        }
    }
}

#[tokio::test]
async fn agreement_metadata_defaults_to_cloud_agreement() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let body: Value = app.get_json("/v1/agreements", &p.token).await;
    assert_eq!(body["totalCount"], 1);
    assert_eq!(body["items"][0]["templateId"], CLOUD_TEMPLATE);
    assert_eq!(body["items"][0]["agreementLink"], "https://docs.microsoft.com/partner-center/agreements");
    assert_eq!(body["attributes"]["objectType"], "Collection");
    assert_eq!(body["links"]["self"]["uri"], "/agreements");
    assert!(body["items"][0].get("attributes").is_none());

    let body: Value = app.get_json("/v1/agreements?agreementType=MicrosoftCustomerAgreement", &p.token).await;
    assert_eq!(
        body["items"],
        json!([{"templateId": MCA_TEMPLATE, "agreementType": "MicrosoftCustomerAgreement", "agreementLink": "https://aka.ms/customeragreement", "versionRank": 0}])
    );
    let body: Value = app.get_json("/v1/agreements?agreementType=*", &p.token).await;
    assert_eq!(body["totalCount"], 2);

    let e = assert_error(app.get("/v1/agreements?agreementType=Other", &p.token).await, 400, 990410).await;
    assert!(e["description"].as_str().unwrap().contains("Other"));
}

#[tokio::test]
async fn literal_path_segments_match_without_case() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    assert_eq!(app.get("/V1/Agreements?agreementType=*", &p.token).await.status(), 200);
    let path = format!("/v1/AgreementTemplates/{MCA_TEMPLATE}/Document");
    assert_eq!(app.get(&path, &p.token).await.status(), 200);
    // template ids are case-sensitive (GUID ids of customers, partners, users and attestations are not)
    let upper = format!("/v1/agreementtemplates/{}/document", MCA_TEMPLATE.to_uppercase());
    assert_error(app.get(&upper, &p.token).await, 404, 990411).await;
}

#[tokio::test]
async fn unknown_route_and_wrong_method_speak_the_error_shape() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    assert_error(app.get("/v1/nothing-here", &p.token).await, 404, 990404).await;
    assert_error(app.control(Method::GET, "/totally/unknown", None).await, 404, 990404).await;
    let r = app.request(Method::DELETE, "/v1/agreements", Some(&p.token)).send().await.unwrap();
    assert_error(r, 405, 990405).await;
}

#[tokio::test]
async fn malformed_json_wrong_content_type_and_oversized_bodies() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let r = app
        .request(Method::POST, "/v1/customers", Some(&p.token))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let e = assert_error(r, 400, 990400).await;
    assert!(e["data"][0].as_str().unwrap().starts_with("body:"));
    let r = app
        .request(Method::POST, "/v1/customers", Some(&p.token))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_error(r, 415, 990402).await;
    let r = app
        .request(Method::POST, "/v1/customers", Some(&p.token))
        .header("content-type", "application/json; charset=utf-8")
        .body(format!("{{\"x\": \"{}\"}}", "a".repeat(200_000)))
        .send()
        .await
        .unwrap();
    assert_error(r, 413, 990403).await;
    let r = app
        .request(Method::POST, "/v1/customers", Some(&p.token))
        .header("content-type", "application/json")
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    assert_error(r, 400, 990400).await;
}

fn forge(claims: &Value, key: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn bad_tokens_are_401_with_www_authenticate() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let claims = claims_of(&p.token);
    assert_eq!(claims["aud"], "https://api.partnercenter.microsoft.com");
    assert_eq!(claims["tid"], p.tenant_id.as_str());
    assert_eq!(claims["idtyp"], "user");
    assert_eq!(claims["roles"], json!(["AdminAgent"]));

    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let alg_none = format!("{}.{}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#), b64.encode(claims.to_string()));
    let mut other_audience = claims.clone();
    other_audience["aud"] = json!("https://graph.microsoft.com");
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("malformed", Some("not-a-jwt".into())),
        ("wrongly signed", Some(forge(&claims, "some other key"))),
        ("alg none", Some(alg_none)),
        ("other audience", Some(forge(&other_audience, "some other key"))),
    ];
    for (what, token) in cases {
        let r = app.request(Method::GET, "/v1/agreements", token.as_deref()).send().await.unwrap();
        let www = r.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_string());
        assert_error(r, 401, 800001).await;
        assert!(www.unwrap().starts_with("OAuth realm="), "{what}");
    }
    let r = app.request(Method::GET, "/v1/agreements", None).header("authorization", "Basic abc").send().await.unwrap();
    assert_error(r, 401, 800001).await;
}

#[tokio::test]
async fn token_expiry_follows_the_emulator_clock() {
    let app = TestApp::spawn().await;
    let tenant = app.create_partner("DirectBill", None).await;
    let r = app
        .control(
            Method::POST,
            "/_emulator/tokens",
            Some(&json!({"partnerTenantId": tenant, "roles": ["SalesAgent"], "expiresInSeconds": 60, "userId": "u-1"})),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 60);
    let token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(claims_of(&token)["oid"], "u-1");
    assert_eq!(app.get("/v1/agreements", &token).await.status(), 200);
    let r = app.control(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 61}))).await;
    assert_eq!(r.status(), 200);
    assert_error(app.get("/v1/agreements", &token).await, 401, 800001).await;
}

#[tokio::test]
async fn token_minting_is_validated() {
    let app = TestApp::spawn().await;
    let tenant = app.create_partner("DirectBill", None).await;
    let r = app
        .control(Method::POST, "/_emulator/tokens", Some(&json!({"partnerTenantId": tenant, "roles": ["Owner"]})))
        .await;
    let e = assert_error(r, 400, 990401).await;
    assert!(e["data"][0].as_str().unwrap().contains("Owner"));
    let r = app.control(Method::POST, "/_emulator/tokens", Some(&json!({"roles": ["AdminAgent"]}))).await;
    assert_error(r, 400, 990401).await;
    let r = app
        .control(Method::POST, "/_emulator/tokens", Some(&json!({"partnerTenantId": uuid::Uuid::new_v4().to_string()})))
        .await;
    assert_error(r, 404, 990430).await;
    let r = app
        .control(Method::POST, "/_emulator/tokens", Some(&json!({"partnerTenantId": tenant, "expiresInSeconds": 0})))
        .await;
    assert_error(r, 400, 990401).await;
}

#[tokio::test]
async fn partner_personas_are_validated() {
    let app = TestApp::spawn().await;
    let provider = app.create_partner("IndirectProvider", None).await;
    let r = app
        .control(
            Method::POST,
            "/_emulator/partners",
            Some(&json!({"name": "R", "partnerType": "IndirectReseller", "indirectProviderId": provider})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["partnerType"], "IndirectReseller");
    assert_eq!(body["indirectProviderId"], provider.as_str());
    for bad in [
        json!({"name": "R", "partnerType": "IndirectReseller"}),
        json!({"name": "R", "partnerType": "DirectBill", "indirectProviderId": provider}),
        json!({"name": "R", "partnerType": "Distributor"}),
        json!({"partnerType": "DirectBill"}),
        json!({"name": "R", "partnerType": "IndirectReseller", "indirectProviderId": body["tenantId"]}),
    ] {
        assert_error(app.control(Method::POST, "/_emulator/partners", Some(&bad)).await, 400, 990401).await;
    }
}

#[tokio::test]
async fn roles_are_checked_per_operation() {
    let app = TestApp::spawn().await;
    let tenant = app.create_partner("DirectBill", None).await;
    let helpdesk = app.mint(&tenant, &["HelpdeskAgent"], false).await;
    let app_only = app.mint(&tenant, &[], true).await;
    let no_roles = app.mint(&tenant, &[], false).await;
    let doc = format!("/v1/agreementtemplates/{MCA_TEMPLATE}/document");
    assert_eq!(app.get("/v1/agreements", &helpdesk).await.status(), 200);
    // The agreement reads are App+User only, as Microsoft's pages for them say.
    assert_error(app.get("/v1/agreements", &app_only).await, 403, 990420).await;
    assert_error(app.get("/v1/agreements", &no_roles).await, 403, 900150).await;
    assert_error(app.get(&doc, &helpdesk).await, 403, 900150).await;
    assert_error(app.get(&doc, &app_only).await, 403, 990420).await;
    let customer = app.create_customer(&app_only, "appreads").await["id"].as_str().unwrap().to_string();
    for path in [
        format!("/v1/customers/{customer}/agreements?agreementType=MicrosoftCustomerAgreement"),
        format!("/v1/customers/{customer}/directSignedMicrosoftCustomerAgreementStatus"),
    ] {
        assert_error(app.get(&path, &app_only).await, 403, 990420).await;
        assert_eq!(app.get(&path, &helpdesk).await.status(), 200, "{path}");
    }
    assert_error(app.get("/v1/customers/relationshiprequests", &app_only).await, 403, 990420).await;
    assert_error(app.get("/v1/customers/relationshiprequests", &helpdesk).await, 403, 900150).await;
    // the role is checked before the body is read: a caller without the role gets its 403 whatever it sent
    for path in ["/v1/customers", "/v1/customers/x/agreements", "/v1/customers/x/orders"] {
        let r = app
            .request(Method::POST, path, Some(&helpdesk))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_error(r, 403, 900150).await;
    }
}

#[tokio::test]
async fn clock_can_be_frozen_run_on_advanced_and_reset() {
    let app = TestApp::spawn().await;
    let body: Value = app.control_json(Method::GET, "/_emulator/clock", None).await;
    assert_eq!(body["frozen"], false);
    let r = app
        .control(Method::PUT, "/_emulator/clock", Some(&json!({"now": "2026-03-01T12:00:00+02:00", "frozen": true})))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"now": "2026-03-01T10:00:00.000Z", "frozen": true}));
    let r = app.control(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 90}))).await;
    assert_eq!(r.json::<Value>().await.unwrap()["now"], "2026-03-01T10:01:30.000Z");
    let r = app
        .control(Method::PUT, "/_emulator/clock", Some(&json!({"now": "2030-01-01T00:00:00Z", "frozen": false})))
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["frozen"], false);
    assert!(body["now"].as_str().unwrap().starts_with("2030-01-01T00:00:0"));
    let body: Value = app.control_json(Method::PUT, "/_emulator/clock", Some(&json!({"reset": true}))).await;
    assert!(body["now"].as_str().unwrap().starts_with("20"));
    assert_eq!(body["frozen"], false);
    assert_error(app.control(Method::PUT, "/_emulator/clock", Some(&json!({"now": "soon"}))).await, 400, 990401).await;
    assert_error(app.control(Method::PUT, "/_emulator/clock", Some(&json!({}))).await, 400, 990401).await;
    let far = json!({"now": "9999-12-31T23:00:00Z", "frozen": true});
    assert_eq!(app.control(Method::PUT, "/_emulator/clock", Some(&far)).await.status(), 200);
    let r = app.control(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 7200}))).await;
    assert_error(r, 400, 990401).await;
    let r = app.control(Method::PUT, "/_emulator/clock", Some(&json!({"now": "1969-07-20T20:17:00Z"}))).await;
    assert_error(r, 400, 990401).await;
    assert_error(
        app.control(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": "x"}))).await,
        400,
        990401,
    )
    .await;
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    assert_eq!(app.control(Method::GET, "/_emulator/health", None).await.status(), 200);
    let body: Value = app.control_json(Method::GET, "/_emulator/ready", None).await;
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn document_link_uses_locale_fallback_and_expires_after_five_minutes() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    let path = format!("/v1/agreementtemplates/{MCA_TEMPLATE}/document");
    let body: Value = app.get_json(&path, &p.token).await;
    assert_eq!((body["country"].as_str(), body["language"].as_str()), (Some("US"), Some("en-US")));
    let first = body["displayUri"].as_str().unwrap().to_string();
    assert!(first.starts_with(&app.base));

    let body: Value = app.get_json(&format!("{path}?country=AT&language=de-DE"), &p.token).await;
    assert_eq!((body["country"].as_str(), body["language"].as_str()), (Some("AT"), Some("de-DE")));
    let body: Value = app.get_json(&format!("{path}?country=AT&language=fr-FR"), &p.token).await;
    assert_eq!(body["language"], "en-US");
    assert_ne!(body["displayUri"].as_str().unwrap(), first, "a different link each call");
    let download = body["downloadUri"].as_str().unwrap().to_string();

    let page = app.http.get(&first).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Microsoft Customer Agreement"));
    let file = app.http.get(&download).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert!(file.headers()["content-disposition"].to_str().unwrap().contains("attachment"));

    app.control(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 299}))).await;
    assert_eq!(app.http.get(&first).send().await.unwrap().status(), 200);
    app.control(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 1}))).await;
    assert_error(app.http.get(&first).send().await.unwrap(), 410, 990416).await;
    assert_error(app.http.get(format!("{}/agreementdocuments/nope", app.base)).send().await.unwrap(), 404, 990417)
        .await;

    assert_error(app.get(&format!("{path}?country=us"), &p.token).await, 400, 990415).await;
    assert_error(app.get(&format!("{path}?country=ZZ"), &p.token).await, 400, 990415).await;
    let cloud = format!("/v1/agreementtemplates/{CLOUD_TEMPLATE}/document");
    assert_error(app.get(&cloud, &p.token).await, 404, 990414).await;
    assert_error(app.get("/v1/agreementtemplates/unknown/document", &p.token).await, 404, 990411).await;
}

#[tokio::test]
async fn relationship_request_is_an_absolute_link_to_this_emulator() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let body: Value = app.get_json("/v1/customers/relationshiprequests", &p.token).await;
    assert_eq!(body["attributes"]["objectType"], "RelationshipRequest");
    assert_eq!(
        body["url"],
        format!(
            "{}/AdminPortal/Home?invType=ResellerRelationship&partnerId={}&msppId=0&DAP=false#/BillingAccounts/partner-invitation",
            app.base, p.tenant_id
        )
    );
    // `dualRoleIndirectRelationship=false` is the same link; the documented parameters that ask for
    // another invitation are refused, not answered with this one (it would name neither party).
    let same = app.get_json("/v1/customers/relationshiprequests?dualRoleIndirectRelationship=False", &p.token).await;
    assert_eq!(same, body);
    let provider = app.persona("IndirectProvider").await;
    let reseller = app.create_partner("IndirectReseller", Some(&provider.tenant_id)).await;
    for (query, names) in [
        (format!("indirectResellerId={reseller}"), "indirectResellerId"),
        (format!("IndirectCloudSolutionProviderId={}", provider.tenant_id), "indirectCloudSolutionProviderId"),
        ("dualRoleIndirectRelationship=true".to_string(), "dualRoleIndirectRelationship"),
        ("dualRoleIndirectRelationship=yes".to_string(), "dualRoleIndirectRelationship"),
    ] {
        let path = format!("/v1/customers/relationshiprequests?{query}");
        let e = assert_error(app.get(&path, &provider.token).await, 400, 990406).await;
        assert!(e["data"][0].as_str().unwrap().starts_with(names), "{query}: {e}");
    }
}

#[tokio::test]
async fn signing_key_and_state_survive_a_restart() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let database = app.database.clone();
    drop(app);
    let again = TestApp::spawn_on(&database, &[]).await;
    assert_eq!(again.get("/v1/agreements", &p.token).await.status(), 200);
}

#[tokio::test]
async fn a_configured_signing_key_signs_tokens() {
    let app = TestApp::spawn_with(&["--token-signing-key", "configured-key"]).await;
    let p = app.persona("DirectBill").await;
    let forged = forge(&claims_of(&p.token), "configured-key");
    assert_eq!(app.get("/v1/agreements", &forged).await.status(), 200);
}

#[tokio::test]
async fn axum_rejections_never_leak_plain_text() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    assert_error(app.get("/v1/customers/%FF", &p.token).await, 400, 990407).await;
    assert_error(app.http.get(app.url("/agreementdocuments/%FF%FE")).send().await.unwrap(), 400, 990407).await;
    let r =
        app.post_seed("application/json", format!("{{\"partners\": [], \"x\": \"{}\"}}", "a".repeat(200_000))).await;
    let e = assert_error(r, 413, 990403).await;
    assert_eq!(e["description"], "The request body is larger than 65536 bytes.");
}

#[tokio::test]
async fn a_duplicate_partner_tenant_id_is_a_conflict() {
    let app = TestApp::spawn().await;
    let body = json!({"tenantId": "4f1c2a10-0000-4000-8000-0000000000aa", "name": "A", "partnerType": "DirectBill"});
    assert_eq!(app.control(Method::POST, "/_emulator/partners", Some(&body)).await.status(), 201);
    assert_error(app.control(Method::POST, "/_emulator/partners", Some(&body)).await, 409, 990431).await;
    let bad = json!({"tenantId": "not-a-guid", "name": "A", "partnerType": "DirectBill"});
    assert_error(app.control(Method::POST, "/_emulator/partners", Some(&bad)).await, 400, 990401).await;
}

#[tokio::test]
async fn nul_characters_are_refused_alike_on_both_backends() {
    let app = TestApp::spawn().await;
    let p = app.persona("IndirectProvider").await;
    let mut body = customer_body("nulcustomer");
    body["associatedPartnerId"] = json!("abc\u{0}def");
    assert_error(app.post("/v1/customers", &p.token, &body).await, 400, 990401).await;
    assert_error(app.get("/v1/customers/abc%00def", &p.token).await, 400, 990407).await;
    assert_error(app.get("/v1/agreements?agreementType=%00", &p.token).await, 400, 990407).await;
    let r = app
        .post_seed("application/yaml", "partners:\n  - key: p\n    name: \"A\\0B\"\n    partnerType: DirectBill\n")
        .await;
    assert_error(r, 400, 990400).await;
}
