//! Customers (§2.6): create, list, read; validation, domains, roles, associated resellers.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn create_returns_the_customer_and_its_first_admin_credentials() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "Contoso").await;
    let id = c["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok());
    assert_eq!(c["companyProfile"]["tenantId"], id);
    assert_eq!(c["companyProfile"]["domain"], "contoso.onmicrosoft.com");
    assert_eq!(c["companyProfile"]["companyName"], "Contoso Ltd");
    assert_eq!(c["billingProfile"]["defaultAddress"]["city"], "Redmond");
    assert_eq!(c["relationshipToPartner"], "reseller");
    assert_eq!(c["attributes"]["objectType"], "Customer");
    assert_eq!(c["userCredentials"]["userName"], "admin@contoso.onmicrosoft.com");
    assert!(c["userCredentials"]["password"].as_str().unwrap().len() >= 12);
    assert!(c.get("agreement").is_none());

    let read: Value = app.get_json(&format!("/v1/customers/{id}"), &p.token).await;
    assert_eq!(read["id"], id);
    assert!(read.get("userCredentials").is_none(), "the password is returned once");
    let list: Value = app.get_json("/v1/customers", &p.token).await;
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["items"][0]["id"], id);
}

#[tokio::test]
async fn the_password_is_stored_only_as_a_hash() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "hashed").await;
    let password = c["userCredentials"]["password"].as_str().unwrap();
    let store = partner_center_emulator::store::connect(&app.database_url).await.unwrap();
    let stored = store.customer(c["id"].as_str().unwrap()).await.unwrap().unwrap();
    assert!(stored.admin_password_hash.starts_with("$argon2id$"));
    assert!(!stored.admin_password_hash.contains(password));
}

#[tokio::test]
async fn validation_names_every_missing_field() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let e = assert_error(app.post("/v1/customers", &p.token, &json!({})).await, 400, 990401).await;
    assert_eq!(e["data"], json!(["companyProfile.domain: is required", "billingProfile: is required"]));
    let mut body = customer_body("valid");
    body["billingProfile"]["email"] = json!("nope");
    body["billingProfile"]["defaultAddress"]["postalCode"] = json!("");
    body["companyProfile"]["domain"] = json!("in valid");
    let e = assert_error(app.post("/v1/customers", &p.token, &body).await, 400, 990401).await;
    let data: Vec<String> = serde_json::from_value(e["data"].clone()).unwrap();
    assert!(data.iter().any(|d| d.starts_with("companyProfile.domain:")), "{data:?}");
    assert!(data.contains(&"billingProfile.email: not a valid email address".to_string()));
    assert!(data.contains(&"billingProfile.defaultAddress.postalCode: is required".to_string()));

    // A culture and a language that can be no culture or language were stored as sent.
    let mut body = customer_body("nonsense");
    body["billingProfile"]["culture"] = json!("not a culture");
    body["billingProfile"]["language"] = json!("!!");
    let e = assert_error(app.post("/v1/customers", &p.token, &body).await, 400, 990401).await;
    let data: Vec<String> = serde_json::from_value(e["data"].clone()).unwrap();
    assert!(data.iter().any(|d| d.starts_with("billingProfile.culture: 'not a culture' is not a culture")), "{data:?}");
    assert!(data.iter().any(|d| d.starts_with("billingProfile.language: '!!' is not a language")), "{data:?}");
    body["billingProfile"]["culture"] = json!("fr-CA");
    body["billingProfile"]["language"] = json!("fr");
    assert_eq!(app.post("/v1/customers", &p.token, &body).await.status(), 201);
}

#[tokio::test]
async fn a_taken_domain_is_a_conflict() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let other = app.persona("DirectBill").await;
    app.create_customer(&p.token, "fabrikam").await;
    let r = app.post("/v1/customers", &other.token, &customer_body("Fabrikam.onmicrosoft.com")).await;
    assert_error(r, 409, 990422).await;
}

#[tokio::test]
async fn customer_roles_and_app_only() {
    let app = TestApp::spawn().await;
    let tenant = app.create_partner("DirectBill", None).await;
    for (i, roles) in [["GlobalAdmin"], ["UserManagementAdmin"], ["SalesAgent"]].iter().enumerate() {
        let t = app.mint(&tenant, roles, false).await;
        assert_eq!(app.post("/v1/customers", &t, &customer_body(&format!("roles{i}"))).await.status(), 201);
    }
    let app_only = app.mint(&tenant, &[], true).await;
    assert_eq!(app.post("/v1/customers", &app_only, &customer_body("apponly")).await.status(), 201);
    let helpdesk = app.mint(&tenant, &["HelpdeskAgent"], false).await;
    assert_error(app.post("/v1/customers", &helpdesk, &customer_body("helpdesk")).await, 403, 900150).await;
}

#[tokio::test]
async fn indirect_provider_creates_customers_for_its_own_resellers_only() {
    let app = TestApp::spawn().await;
    let provider = app.persona("IndirectProvider").await;
    let reseller_id = app.create_partner("IndirectReseller", Some(&provider.tenant_id)).await;
    let reseller_token = app.mint(&reseller_id, &["AdminAgent"], false).await;
    let other_provider = app.create_partner("IndirectProvider", None).await;
    let foreign_reseller = app.create_partner("IndirectReseller", Some(&other_provider)).await;
    let direct = app.persona("DirectBill").await;

    let mut body = customer_body("resellercustomer");
    body["associatedPartnerId"] = json!(reseller_id);
    let r = app.post("/v1/customers", &provider.token, &body).await;
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["associatedPartnerId"], reseller_id.as_str());
    // both the provider and the reseller see the customer
    let id = c["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/v1/customers/{id}"), &reseller_token).await.status(), 200);
    assert_eq!(app.get(&format!("/v1/customers/{id}"), &provider.token).await.status(), 200);

    body["companyProfile"]["domain"] = json!("foreign");
    body["associatedPartnerId"] = json!(foreign_reseller);
    assert_error(app.post("/v1/customers", &provider.token, &body).await, 400, 990423).await;
    body["associatedPartnerId"] = json!(reseller_id);
    assert_error(app.post("/v1/customers", &direct.token, &body).await, 400, 990423).await;
    assert_error(app.post("/v1/customers", &reseller_token, &body).await, 400, 990423).await;
}

/// "This scenario supports authentication with App+User credentials only": a provider's
/// application creating a customer for a reseller is refused before the rest of its body is checked,
/// and nothing is created; without `associatedPartnerId` the same application may create customers.
#[tokio::test]
async fn a_customer_for_a_reseller_needs_an_app_and_user_token() {
    let app = TestApp::spawn().await;
    let provider = app.persona("IndirectProvider").await;
    let reseller_id = app.create_partner("IndirectReseller", Some(&provider.tenant_id)).await;
    let application = app.mint(&provider.tenant_id, &[], true).await;
    let mut body = customer_body("forreseller");
    body["associatedPartnerId"] = json!(reseller_id);
    assert_error(app.post("/v1/customers", &application, &body).await, 403, 990420).await;
    body["billingProfile"]["email"] = json!("not an address");
    assert_error(app.post("/v1/customers", &application, &body).await, 403, 990420).await;
    let list: Value = app.get("/v1/customers", &provider.token).await.json().await.unwrap();
    assert_eq!(list["totalCount"], 0, "{list}");
    assert_eq!(app.post("/v1/customers", &application, &customer_body("ownapp")).await.status(), 201);
}

#[tokio::test]
async fn unknown_and_unrelated_customers() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let other = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "mine").await;
    let id = c["id"].as_str().unwrap();
    let e = assert_error(app.get(&format!("/v1/customers/{}", uuid::Uuid::new_v4()), &p.token).await, 404, 60003).await;
    assert_eq!(e["description"], "Tenant not found");
    let e = assert_error(app.get(&format!("/v1/customers/{id}"), &other.token).await, 403, 20002).await;
    assert_eq!(e["description"], "No relationship between caller and account.");
}

#[tokio::test]
async fn lists_keep_creation_order_when_the_clock_is_frozen() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    let mut created = Vec::new();
    for i in 0..6 {
        created.push(app.create_customer(&p.token, &format!("frozen{i}")).await["id"].as_str().unwrap().to_string());
    }
    let list = app.get_json("/v1/customers", &p.token).await;
    let listed: Vec<String> =
        list["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(listed, created);
    let id = &created[0];
    for name in ["Ann", "Bob", "Cat", "Dan"] {
        let r =
            app.confirm(&p.token, id, &confirmation(name, &format!("{name}@x.example"), "2020-01-01T00:00:00Z")).await;
        assert_eq!(r.status(), 201);
    }
    let agreements = app.get_json(&format!("/v1/customers/{id}/agreements?agreementType=*"), &p.token).await;
    let names: Vec<&str> = agreements["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["primaryContact"]["firstName"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Ann", "Bob", "Cat", "Dan"]);
}

/// The ids of a page and the continuation token it hands out, checking the envelope on the way.
fn page_ids(page: &Value, size: u64) -> (Vec<String>, Option<String>) {
    let ids: Vec<String> = page["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().into()).collect();
    assert_eq!(page["totalCount"], ids.len(), "totalCount counts the page's items: {page}");
    assert_eq!(page["attributes"]["objectType"], "Collection");
    assert_eq!(page["links"]["self"]["uri"], format!("/customers?size={size}"));
    let token = page["continuationToken"].as_str().map(str::to_string);
    match &token {
        Some(token) => {
            let next = &page["links"]["next"];
            assert_eq!(
                (next["method"].as_str(), next["uri"].as_str()),
                (Some("GET"), Some(&*format!("/customers?size={size}")))
            );
            assert_eq!(next["headers"], json!([{"key": "MS-ContinuationToken", "value": token}]));
        }
        None => assert!(page["links"].get("next").is_none(), "no next link on the last page: {page}"),
    }
    (ids, token)
}

#[tokio::test]
async fn customers_are_paged_with_size_and_continuation_tokens_in_creation_order() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(app.create_customer(&p.token, &format!("paged{i}")).await["id"].as_str().unwrap().to_string());
    }
    // The Java SDK's query(buildIndexedQuery(2)): ?size=2, then the token of each page, same path.
    let first = app.get_json("/v1/customers?size=2", &p.token).await;
    let (mut seen, mut token) = page_ids(&first, 2);
    let mut pages = 1;
    while let Some(t) = token {
        let r = app
            .request(Method::GET, "/v1/customers?size=2", Some(&p.token))
            .header("MS-ContinuationToken", &t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let (ids, next) = page_ids(&r.json().await.unwrap(), 2);
        assert!(!ids.is_empty(), "a token is handed out only when more remain");
        seen.extend(ids);
        token = next;
        pages += 1;
    }
    assert_eq!((pages, &seen), (3, &created), "every customer once, in creation order");

    // The token carries the size: the next link's path without ?size works too.
    let r = app
        .request(Method::GET, "/v1/customers", Some(&p.token))
        .header("MS-ContinuationToken", first["continuationToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(page_ids(&body, 2).0, created[2..4]);

    // Without size, every customer at once, as before.
    let all = app.get_json("/v1/customers", &p.token).await;
    assert_eq!((all["totalCount"].as_u64(), all.get("continuationToken")), (Some(5), None));
    // A size as large as the list: one page, no token.
    assert_eq!(page_ids(&app.get_json("/v1/customers?size=5", &p.token).await, 5).1, None);
}

#[tokio::test]
async fn bad_sizes_and_bad_stale_or_foreign_continuation_tokens_are_refused_clearly() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let other = app.persona("DirectBill").await;
    for i in 0..3 {
        app.create_customer(&p.token, &format!("tokens{i}")).await;
    }
    for size in ["501", "-1", "", "two", "1.5"] {
        let e = assert_error(app.get(&format!("/v1/customers?size={size}"), &p.token).await, 400, 990406).await;
        assert!(e["data"][0].as_str().unwrap().contains("size"), "{e}");
    }
    let token = app.get_json("/v1/customers?size=1", &p.token).await["continuationToken"].as_str().unwrap().to_string();
    let with_token = |token: String, bearer: String| {
        app.request(Method::GET, "/v1/customers", Some(&bearer)).header("MS-ContinuationToken", token).send()
    };
    // Altered, made up, or issued to another partner.
    let mut altered = token.clone().into_bytes();
    altered[3] ^= 1;
    for bad in [String::from_utf8(altered).unwrap(), "abc".into(), format!("{token}x")] {
        let e = assert_error(with_token(bad, p.token.clone()).await.unwrap(), 400, 990437).await;
        assert!(e["data"][0].as_str().unwrap().contains("not one this emulator issued"), "{e}");
    }
    let e = assert_error(with_token(token.clone(), other.token.clone()).await.unwrap(), 400, 990437).await;
    assert!(e["data"][0].as_str().unwrap().contains("another partner"), "{e}");

    // After a reset the customer a page ended on no longer exists, even for a partner of the same
    // tenant id: the token is stale.
    let tenant = "6f0c2a53-3d1e-4b7a-9c55-2e8f3a9b7d10";
    async fn fixed_partner(app: &TestApp, tenant: &str) -> String {
        let partner = json!({"tenantId": tenant, "name": "Stable", "partnerType": "DirectBill"});
        assert_eq!(app.control(Method::POST, "/_emulator/partners", Some(&partner)).await.status(), 201);
        app.mint(tenant, &["AdminAgent"], false).await
    }
    let bearer = fixed_partner(&app, tenant).await;
    for i in 0..2 {
        app.create_customer(&bearer, &format!("stale{i}")).await;
    }
    let token = app.get_json("/v1/customers?size=1", &bearer).await["continuationToken"].as_str().unwrap().to_string();
    assert_eq!(app.control(Method::POST, "/_emulator/reset", None).await.status(), 200);
    let bearer = fixed_partner(&app, tenant).await;
    for i in 0..2 {
        app.create_customer(&bearer, &format!("fresh{i}")).await;
    }
    let e = assert_error(with_token(token, bearer).await.unwrap(), 400, 990438).await;
    assert!(e["description"].as_str().unwrap().contains("Start again from the first page"), "{e}");
}
