//! Tokens: tampered, forged, and signed with the real key but judged on their claims.

use super::*;

/// The three segments of a JWT, the payload decoded to its exact JSON text.
fn segments(token: &str) -> (String, String, String) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three segments");
    let payload = String::from_utf8(B64.decode(parts[1]).unwrap()).unwrap();
    (parts[0].to_string(), payload, parts[2].to_string())
}

/// The token with its payload text edited (every other byte, header and signature kept).
fn tamper(token: &str, edit: impl FnOnce(&str) -> String) -> String {
    let (header, payload, signature) = segments(token);
    let edited = edit(&payload);
    assert_ne!(edited, payload, "the edit must change the payload");
    format!("{header}.{}.{signature}", B64.encode(edited))
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from} not in {text}");
    text.replacen(from, to, 1)
}

pub(super) fn claims_of(token: &str) -> Value {
    serde_json::from_str(&segments(token).1).unwrap()
}

#[tokio::test]
async fn tampered_tokens_are_401() {
    let app = TestApp::spawn().await;
    let a = app.persona("DirectBill").await;
    let b = app.persona("DirectBill").await;
    let helpdesk = app.mint(&a.tenant_id, &["HelpdeskAgent"], false).await;
    let b_customer = app.create_customer(&b.token, "tamperb").await;
    let b_path = format!("/v1/customers/{}", b_customer["id"].as_str().unwrap());

    // Controls: the untampered tokens work, and each tampering below would pay off if accepted.
    assert_eq!(app.get(&b_path, &b.token).await.status(), 200);
    assert_error(app.get(&b_path, &a.token).await, 403, 20002).await;
    assert_error(app.post("/v1/customers", &helpdesk, &customer_body("tamperh")).await, 403, 900150).await;
    assert_eq!(app.get("/v1/agreements", &a.token).await.status(), 200);

    let claims = claims_of(&a.token);
    let exp = claims["exp"].as_i64().unwrap();
    let (header, payload, signature) = segments(&a.token);
    let (b_header, b_payload, _) = segments(&b.token);
    let flipped_signature = {
        let mut s = signature.clone().into_bytes();
        s[0] = if s[0] == b'A' { b'B' } else { b'A' };
        String::from_utf8(s).unwrap()
    };
    let cases: Vec<(&str, String, String)> = vec![
        (
            "tid changed to another partner",
            tamper(&a.token, |p| replace_once(p, &a.tenant_id, &b.tenant_id)),
            b_path.clone(),
        ),
        (
            "roles raised",
            tamper(&helpdesk, |p| replace_once(p, "\"HelpdeskAgent\"", "\"AdminAgent\"")),
            "/v1/customers".into(),
        ),
        (
            "exp extended",
            tamper(&a.token, |p| replace_once(p, &format!("\"exp\":{exp}"), &format!("\"exp\":{}", exp + 86_400))),
            "/v1/agreements".into(),
        ),
        (
            "idtyp user -> app",
            tamper(&a.token, |p| replace_once(p, "\"idtyp\":\"user\"", "\"idtyp\":\"app\"")),
            "/v1/agreements".into(),
        ),
        (
            "aud changed",
            tamper(&a.token, |p| {
                replace_once(p, "https://api.partnercenter.microsoft.com", "https://graph.microsoft.com")
            }),
            "/v1/agreements".into(),
        ),
        (
            "same claims, re-serialised (other bytes)",
            tamper(&a.token, |p| serde_json::to_string_pretty(&serde_json::from_str::<Value>(p).unwrap()).unwrap()),
            "/v1/agreements".into(),
        ),
        ("an extra claim", tamper(&a.token, |p| replace_once(p, "{", "{\"admin\":true,")), "/v1/agreements".into()),
        (
            "another partner's header and payload with this signature",
            format!("{b_header}.{}.{signature}", B64.encode(&b_payload)),
            b_path.clone(),
        ),
        ("signature removed", format!("{header}.{}.", B64.encode(&payload)), "/v1/agreements".into()),
        ("two segments", format!("{header}.{}", B64.encode(&payload)), "/v1/agreements".into()),
        (
            "signature changed",
            format!("{header}.{}.{flipped_signature}", B64.encode(&payload)),
            "/v1/agreements".into(),
        ),
        (
            "alg none, signature kept",
            format!("{}.{}.{signature}", B64.encode(r#"{"alg":"none","typ":"JWT"}"#), B64.encode(&payload)),
            "/v1/agreements".into(),
        ),
        (
            "alg HS512, signature kept",
            format!("{}.{}.{signature}", B64.encode(r#"{"typ":"JWT","alg":"HS512"}"#), B64.encode(&payload)),
            "/v1/agreements".into(),
        ),
        (
            "payload segment with padding appended",
            format!("{header}.{}==.{signature}", B64.encode(&payload)),
            "/v1/agreements".into(),
        ),
        ("token with trailing garbage", format!("{}x", a.token), "/v1/agreements".into()),
    ];
    for (what, token, path) in cases {
        expect_401(app.get(&path, &token).await, what).await;
    }
    // the exact original still works: nothing above was refused for a reason that is not the tampering
    assert_eq!(app.get(&b_path, &b.token).await.status(), 200);
}

pub(super) fn sign(claims: &Value, key: &str, alg: jsonwebtoken::Algorithm) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

/// With the real signing key known (`--token-signing-key`), a token is judged on its claims:
/// audience, expiry by the emulator clock, algorithm and partner.
#[tokio::test]
async fn tokens_signed_with_the_real_key_are_still_judged_on_their_claims() {
    const KEY: &str = "security-test-signing-key-0123456789";
    let app = TestApp::spawn_with(&["--token-signing-key", KEY]).await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z").unwrap().timestamp();
    let p = app.persona("DirectBill").await;
    let claims = claims_of(&p.token);
    let hs256 = jsonwebtoken::Algorithm::HS256;
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        edit(&mut c);
        c
    };

    // Controls: re-signing the minted claims with the key gives a working token, and so does
    // one that expires a second after the emulator's now.
    assert_eq!(app.get("/v1/agreements", &sign(&claims, KEY, hs256)).await.status(), 200);
    let just_valid = sign(&with(&|c| c["exp"] = json!(now + 1)), KEY, hs256);
    assert_eq!(app.get("/v1/agreements", &just_valid).await.status(), 200);

    let cases: Vec<(&str, String)> = vec![
        ("expired at the emulator's now", sign(&with(&|c| c["exp"] = json!(now)), KEY, hs256)),
        ("expired an hour ago", sign(&with(&|c| c["exp"] = json!(now - 3600)), KEY, hs256)),
        ("wrong audience", sign(&with(&|c| c["aud"] = json!("https://graph.microsoft.com")), KEY, hs256)),
        (
            "audience differing in case",
            sign(&with(&|c| c["aud"] = json!("https://API.partnercenter.microsoft.com")), KEY, hs256),
        ),
        (
            "no audience",
            sign(
                &with(&|c| {
                    c.as_object_mut().unwrap().remove("aud");
                }),
                KEY,
                hs256,
            ),
        ),
        ("unknown partner", sign(&with(&|c| c["tid"] = json!(uuid::Uuid::new_v4().to_string())), KEY, hs256)),
        ("HS384 with the right key", sign(&claims, KEY, jsonwebtoken::Algorithm::HS384)),
        ("HS512 with the right key", sign(&claims, KEY, jsonwebtoken::Algorithm::HS512)),
        ("a key differing in one character", sign(&claims, &KEY.replace('0', "1"), hs256)),
        ("the key's prefix", sign(&claims, &KEY[..KEY.len() - 1], hs256)),
    ];
    for (what, token) in cases {
        expect_401(app.get("/v1/agreements", &token).await, what).await;
    }
    // a critical header extension the emulator does not understand, and an unknown token type
    let head = B64.encode(r#"{"alg":"HS256","typ":"JWT","crit":["exp"],"exp":1}"#);
    let signing_input = format!("{head}.{}", B64.encode(serde_json::to_vec(&claims).unwrap()));
    let signature = jsonwebtoken::crypto::sign(
        signing_input.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(KEY.as_bytes()),
        hs256,
    )
    .unwrap();
    let with_crit = format!("{signing_input}.{signature}");
    let device = sign(&with(&|c| c["idtyp"] = json!("device")), KEY, hs256);
    for (token, reason) in [(&with_crit, "critical extensions (crit)"), (&device, "idtyp is neither app")] {
        expect_401(app.get("/v1/agreements", token).await, reason).await;
        // why, for the developer: in the request journal (a client is told no more than 401 800001)
        let journal = app.control_json(Method::GET, "/_emulator/requests?status=401", None).await;
        let hint = journal["items"][0]["hint"].as_str().unwrap_or_default().to_string();
        assert!(hint.contains(reason), "{hint}");
    }
    // moving the clock back revives the expired token: expiry follows the emulator clock
    let expired = sign(&with(&|c| c["exp"] = json!(now)), KEY, hs256);
    app.set_clock("2026-03-01T11:59:59Z").await;
    assert_eq!(app.get("/v1/agreements", &expired).await.status(), 200);
}

/// The emulator remembers tokens it verified; what can change while a token lives is judged on
/// every use of it all the same: expiry by the emulator clock, the MFA rule of the service date,
/// and whether its partner still exists.
#[tokio::test]
async fn a_token_used_again_is_judged_again_on_the_clock_the_service_date_and_its_partner() {
    let app = TestApp::spawn().await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    let app = &app;
    let service_date = |date: &'static str| async move {
        app.control(Method::PUT, "/_emulator/service-date", Some(&json!({ "date": date }))).await
    };
    assert_eq!(service_date("2026-03-01").await.status(), 200);
    let tenant_id = app.create_partner("DirectBill", None).await;
    let minted = app
        .control_json(
            Method::POST,
            "/_emulator/tokens",
            Some(&json!({"partnerTenantId": tenant_id, "roles": ["AdminAgent"], "mfa": false, "expiresInSeconds": 60})),
        )
        .await;
    let token = minted["access_token"].as_str().unwrap().to_string();
    for _ in 0..3 {
        assert_eq!(app.get("/v1/agreements", &token).await.status(), 200);
    }
    // the MFA requirement of 2026-04-01 applies to the token already verified
    assert_eq!(service_date("2026-04-02").await.status(), 200);
    assert_error(app.get("/v1/agreements", &token).await, 401, 900421).await;
    assert_eq!(service_date("2026-03-01").await.status(), 200);
    assert_eq!(app.get("/v1/agreements", &token).await.status(), 200);
    // expiry follows the emulator clock, forwards and back
    app.control(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 61}))).await;
    expect_401(app.get("/v1/agreements", &token).await, "expired by the moved clock").await;
    app.set_clock("2026-03-01T12:00:30Z").await;
    assert_eq!(app.get("/v1/agreements", &token).await.status(), 200);
    // a reset takes the partner: its token no longer works
    assert_eq!(app.control(Method::POST, "/_emulator/reset", None).await.status(), 200);
    app.set_clock("2026-03-01T12:00:30Z").await;
    expect_401(app.get("/v1/agreements", &token).await, "partner gone after a reset").await;
}
