//! TestApp: the real emulator on 127.0.0.1:0 with a database of its own (`support/database.rs`),
//! and one helper per endpoint. `PCE_TEST_BACKEND=postgres` runs the suite against PostgreSQL.

use partner_center_emulator::config::{Cli, Config};
use partner_center_emulator::{build_state, serve};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{json, Value};
use tokio::net::TcpListener;

#[path = "../support/database.rs"]
mod database;
pub use database::{fresh_database, TestDatabase};

pub const MCA_TEMPLATE: &str = "117a77b0-9360-443b-8795-c6dedc750cf9";

/// A service date on which the 2023 attestation flow is open (before its 2026-01-05 retirement)
/// and enhanced attestation is not yet available (before 2025-07-10): the seed document's world.
pub const SERVICE_DATE_2023_FLOW: &str = "2025-03-01";
pub const CLOUD_TEMPLATE: &str = "998b88de-aa99-4388-a42c-1b3517d49490";

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub database_url: String,
    /// The database, dropped with the last app (and test) that holds it.
    pub database: std::sync::Arc<TestDatabase>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub struct Persona {
    pub tenant_id: String,
    pub token: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// An emulator answering as Partner Center did on [`SERVICE_DATE_2023_FLOW`], for the tests of
    /// the 2023 attestation flow (a fresh emulator is today's, where that flow is retired).
    pub async fn spawn_2023_flow() -> TestApp {
        Self::spawn_2023_flow_with(&[]).await
    }

    pub async fn spawn_2023_flow_with(flags: &[&str]) -> TestApp {
        let mut all = vec!["--service-date", SERVICE_DATE_2023_FLOW];
        all.extend_from_slice(flags);
        Self::spawn_with(&all).await
    }

    /// Start with extra command-line flags (e.g. `["--notification-delay-seconds", "600"]`).
    pub async fn spawn_with(flags: &[&str]) -> TestApp {
        Self::spawn_on(&fresh_database().await, flags).await
    }

    /// Start another server on an existing database (several replicas, restarts).
    pub async fn spawn_on(database: &std::sync::Arc<TestDatabase>, flags: &[&str]) -> TestApp {
        let database_url = database.url.as_str();
        let mut args = vec!["partner-center-emulator", "--listen", "127.0.0.1:0", "--database-url", database_url];
        args.extend_from_slice(flags);
        let config: Config = <Cli as clap::Parser>::parse_from(args).config;
        let listener = TcpListener::bind((config.listen.host.as_str(), config.listen.port)).await.expect("bind");
        let bound = listener.local_addr().unwrap();
        let state = build_state(config, bound).await.expect("build state");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, state, async {
            let _ = rx.await;
        }));
        TestApp {
            base: format!("http://{bound}"),
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            database_url: database_url.to_string(),
            database: database.clone(),
            _shutdown: tx,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let r = self.http.request(method, self.url(path));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(token)).json(body).send().await.unwrap()
    }

    /// GET a `/v1` resource that must succeed, as JSON.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let r = self.get(path, token).await;
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// A control-plane call that must succeed, as JSON.
    pub async fn control_json(&self, method: Method, path: &str, body: Option<&Value>) -> Value {
        let r = self.control(method.clone(), path, body).await;
        assert!(r.status().is_success(), "{method} {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn control(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let r = self.request(method, path, None);
        let r = match body {
            Some(b) => r.json(b),
            None => r,
        };
        r.send().await.unwrap()
    }

    /// `POST /_emulator/seed` with a body as given.
    pub async fn post_seed(&self, content_type: &str, body: impl Into<reqwest::Body>) -> Response {
        let r = self.request(Method::POST, "/_emulator/seed", None).header("content-type", content_type);
        r.body(body).send().await.unwrap()
    }

    pub async fn create_partner(&self, partner_type: &str, provider: Option<&str>) -> String {
        let r = self
            .control(
                Method::POST,
                "/_emulator/partners",
                Some(&json!({"name": format!("{partner_type} partner"), "partnerType": partner_type, "indirectProviderId": provider})),
            )
            .await;
        assert_eq!(r.status(), 201, "create partner");
        r.json::<Value>().await.unwrap()["tenantId"].as_str().unwrap().to_string()
    }

    pub async fn mint(&self, tenant_id: &str, roles: &[&str], app_only: bool) -> String {
        let r = self
            .control(
                Method::POST,
                "/_emulator/tokens",
                Some(&json!({"partnerTenantId": tenant_id, "roles": roles, "appOnly": app_only})),
            )
            .await;
        assert_eq!(r.status(), 200, "mint token");
        r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string()
    }

    /// A partner of the given type with an Admin agent App+User token.
    pub async fn persona(&self, partner_type: &str) -> Persona {
        let tenant_id = self.create_partner(partner_type, None).await;
        let token = self.mint(&tenant_id, &["AdminAgent"], false).await;
        Persona { tenant_id, token }
    }

    pub async fn create_customer(&self, token: &str, domain: &str) -> Value {
        let r = self.post("/v1/customers", token, &customer_body(domain)).await;
        assert_eq!(r.status(), 201, "create customer {domain}");
        r.json().await.unwrap()
    }

    pub async fn confirm(&self, token: &str, customer_id: &str, body: &Value) -> Response {
        self.post(&format!("/v1/customers/{customer_id}/agreements"), token, body).await
    }

    pub async fn set_clock(&self, now: &str) {
        let r = self.control(Method::PUT, "/_emulator/clock", Some(&json!({"now": now, "frozen": true}))).await;
        assert_eq!(r.status(), 200);
    }

    /// The customer accepts the Microsoft Customer Agreement itself (the control plane's stand-in
    /// for the admin center): the purchase gate opens.
    pub async fn accept_directly(&self, customer_id: &str) {
        let body = json!({"firstName": "Cy", "lastName": "Doe", "email": "cy@contoso.example"});
        let path = format!("/_emulator/customers/{customer_id}/direct-acceptance");
        assert_eq!(self.control(Method::POST, &path, Some(&body)).await.status(), 201, "direct acceptance");
    }

    pub async fn order(&self, token: &str, customer_id: &str) -> Response {
        self.post(
            &format!("/v1/customers/{customer_id}/orders"),
            token,
            &json!({"referenceCustomerId": customer_id, "lineItems": [{"lineItemNumber": 0, "offerId": "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC", "quantity": 1}]}),
        )
        .await
    }
}

pub fn customer_body(domain: &str) -> Value {
    json!({
        "companyProfile": {"domain": domain},
        "billingProfile": {
            "email": "ap@contoso.example",
            "culture": "en-US",
            "language": "en",
            "companyName": format!("{domain} Ltd"),
            "defaultAddress": {
                "firstName": "Ana", "lastName": "Lee", "addressLine1": "1 Microsoft Way",
                "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"
            }
        }
    })
}

pub fn confirmation(first: &str, email: &str, date: &str) -> Value {
    json!({
        "primaryContact": {"firstName": first, "lastName": "Lee", "email": email, "phoneNumber": "+1 425 555 0100"},
        "templateId": MCA_TEMPLATE,
        "dateAgreed": date,
        "type": "MicrosoftCustomerAgreement"
    })
}

/// Read an error body and check it is the Partner Center error shape with `code`.
pub async fn assert_error(r: Response, status: u16, code: u64) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    let ct = r.headers().get("content-type").unwrap().to_str().unwrap().to_string();
    assert_eq!(ct, "application/json; charset=utf-8");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], code, "code in {body}");
    for field in ["description", "message", "errorName"] {
        assert!(body[field].as_str().is_some_and(|s| !s.is_empty()), "{field} in {body}");
    }
    assert!(body["data"].is_array());
    assert_eq!(body["source"], "PartnerFD");
    assert_eq!(body["parameters"], json!({}), "parameters in {body}");
    assert_eq!(body["errorMessageExtended"], format!("InternalErrorCode={code}"), "errorMessageExtended in {body}");
    let injected = body["data"][0].as_str().is_some_and(|d| d.contains("fault rule"));
    assert_eq!(body["isRetryable"].as_bool(), Some(status == 503 || status == 429 || code == 990408 || injected));
    body
}

/// A form a page refused, as a browser sees it (post/redirect/get): the POST's answer `r` is a
/// redirect (303) to a page named by an opaque id, with none of the form's `fields` in its URL;
/// that page, opened as the redirect leads and again as a refresh does, shows the same. The
/// refresh's answer.
pub async fn follow_refused(http: &reqwest::Client, base: &str, r: Response, fields: &[&str]) -> Response {
    assert_eq!(r.status(), 303, "a refused form is answered with a redirect");
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains("form="), "the page is named by the kept form's id: {to}");
    for (key, _) in reqwest::Url::parse(&format!("{base}{to}")).unwrap().query_pairs() {
        assert!(!fields.contains(&key.as_ref()), "no form value travels in the URL: {to}");
    }
    let first = http.get(format!("{base}{to}")).send().await.unwrap();
    let (status, page) = (first.status(), first.text().await.unwrap());
    assert!(page.contains("There is a problem") || page.contains("role=\"alert\""), "{page}");
    let again = http.get(format!("{base}{to}")).send().await.unwrap();
    assert_eq!(again.status(), status, "a refresh shows the same page");
    again
}

/// The ids of the customers a burst of identical creations (one `MS-RequestId`) made: each answer
/// is a 201 or a 409 990408 (the first still runs).
pub async fn customers_made_by(
    mut sends: tokio::task::JoinSet<reqwest::Result<Response>>,
) -> std::collections::BTreeSet<String> {
    let mut ids = std::collections::BTreeSet::new();
    while let Some(answer) = sends.join_next().await {
        let answer = answer.unwrap().unwrap();
        match answer.status().as_u16() {
            201 => drop(ids.insert(answer.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string())),
            409 => drop(assert_error(answer, 409, 990408).await),
            other => panic!("unexpected status {other}: {}", answer.text().await.unwrap()),
        }
    }
    ids
}
