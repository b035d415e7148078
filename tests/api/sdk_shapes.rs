//! Requests shaped exactly as the official SDKs send them, responses read the way they parse them.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

fn assert_camel_case(v: &Value, path: &str) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let first = k.chars().next().unwrap();
                assert!(first.is_ascii_lowercase(), "key {path}.{k} is not camelCase");
                assert_camel_case(child, &format!("{path}.{k}"));
            }
        }
        Value::Array(items) => items.iter().for_each(|i| assert_camel_case(i, path)),
        _ => {}
    }
}

#[tokio::test]
async fn dotnet_sdk_pascal_case_with_explicit_nulls_and_no_type() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let customer = json!({
        "CompanyProfile": {"Domain": "dotnetcustomer", "CompanyName": null, "Attributes": {"ObjectType": "CustomerCompanyProfile"}},
        "BillingProfile": {
            "Email": "ap@contoso.example", "Culture": "en-US", "Language": "en", "CompanyName": "Dotnet Ltd",
            "FirstName": null, "LastName": null,
            "DefaultAddress": {"FirstName": "Ana", "LastName": "Lee", "AddressLine1": "1 Way", "AddressLine2": null,
                "City": "Redmond", "State": "WA", "PostalCode": "98052", "Country": "US", "PhoneNumber": null}
        },
        "Id": null, "CommerceId": null, "Links": null, "Attributes": {"ObjectType": "Customer"}
    });
    let r = app
        .request(Method::POST, "/v1/customers", Some(&p.token))
        .header("content-type", "application/json; charset=utf-8")
        .header("MS-PartnerCenter-Client", "Partner Center .NET SDK")
        .header("MS-SdkVersion", "3.4.0")
        .header("Expect", "100-continue")
        .body(customer.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_camel_case(&c, "customer");
    let id = c["id"].as_str().unwrap();

    let agreement = json!({
        "PrimaryContact": {"FirstName": "Ana", "LastName": "Lee", "Email": "ana@contoso.example", "PhoneNumber": null},
        "TemplateId": MCA_TEMPLATE,
        "DateAgreed": "2020-05-01T09:30:00.1234567Z",
        "Type": null, "UserId": null, "AgreementLink": null, "Attributes": null
    });
    let r = app.post(&format!("/v1/Customers/{id}/Agreements"), &p.token, &agreement).await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_camel_case(&a, "agreement");
    assert_eq!(a["type"], "MicrosoftCustomerAgreement");
    assert_eq!(a["dateAgreed"], "2020-05-01T09:30:00.123Z");
    assert!(a.get("attributes").is_none());
}

#[tokio::test]
async fn java_sdk_camel_case_with_attributes_and_contract_version() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "javacustomer").await;
    let id = c["id"].as_str().unwrap();
    let agreement = json!({
        "primaryContact": {"firstName": "Ana", "lastName": "Lee", "email": "ana@contoso.example", "phoneNumber": "4255550100"},
        "templateId": MCA_TEMPLATE,
        "dateAgreed": "2020-05-01T09:30:00Z",
        "type": "MicrosoftCustomerAgreement",
        "attributes": {"objectType": "Agreement"}
    });
    let r = app
        .request(Method::POST, &format!("/v1/customers/{id}/agreements"), Some(&p.token))
        .header("MS-Contract-Version", "v1")
        .header("X-Locale", "en-US")
        .header("Accept", "application/json")
        .header("content-type", "application/json; charset=utf-8")
        .body(agreement.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let text = r.text().await.unwrap();
    assert!(!text.is_empty(), "never an empty success body");
    let list = app
        .request(
            Method::GET,
            &format!("/v1/customers/{id}/agreements?agreementType=MicrosoftCustomerAgreement"),
            Some(&p.token),
        )
        .header("MS-Contract-Version", "v1")
        .send()
        .await
        .unwrap();
    let list: Value = list.json().await.unwrap();
    assert_camel_case(&list, "collection");
    assert_eq!(list["totalCount"].as_u64(), Some(list["items"].as_array().unwrap().len() as u64));
}

#[tokio::test]
async fn a_retry_with_the_same_request_id_gets_the_first_answer() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let send = |path: String, body: Value, request_id: &'static str| {
        app.request(Method::POST, &path, Some(&p.token)).header("MS-RequestId", request_id).json(&body).send()
    };
    let first =
        send("/v1/customers".into(), customer_body("retried"), "0f0f0f0f-0000-4000-8000-000000000001").await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("x-pce-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let retry =
        send("/v1/customers".into(), customer_body("retried"), "0f0f0f0f-0000-4000-8000-000000000001").await.unwrap();
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["x-pce-replayed"], "true");
    assert_eq!(retry.headers()["ms-requestid"], "0f0f0f0f-0000-4000-8000-000000000001");
    let retried: Value = retry.json().await.unwrap();
    assert_eq!(retried, first, "the first answer, credentials included");
    let store = partner_center_emulator::store::connect(&app.database_url).await.unwrap();
    let hash = store.customer(first["id"].as_str().unwrap()).await.unwrap().unwrap().admin_password_hash;
    let password = first["userCredentials"]["password"].as_str().unwrap();
    assert!(partner_center_emulator::service::passwords::verify_password(password, &hash), "and they still work");
    let list: Value = app.get_json("/v1/customers", &p.token).await;
    assert_eq!(list["totalCount"], 1);

    let id = first["id"].as_str().unwrap();
    let path = format!("/v1/customers/{id}/agreements");
    let body = confirmation("Ana", "ana@x.example", "2020-01-01T00:00:00Z");
    assert_eq!(send(path.clone(), body.clone(), "0f0f0f0f-0000-4000-8000-000000000002").await.unwrap().status(), 201);
    assert_eq!(send(path.clone(), body.clone(), "0f0f0f0f-0000-4000-8000-000000000002").await.unwrap().status(), 201);
    // a new request id is a new request: the duplicate rule applies
    assert_error(send(path, body, "0f0f0f0f-0000-4000-8000-000000000003").await.unwrap(), 409, 600061).await;
    // another partner reusing the id gets nothing of the first partner's
    let other = app.persona("DirectBill").await;
    let r = app
        .request(Method::POST, "/v1/customers", Some(&other.token))
        .header("MS-RequestId", "0f0f0f0f-0000-4000-8000-000000000001")
        .json(&customer_body("othercustomer"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("x-pce-replayed").is_none());
}

#[tokio::test]
async fn a_different_body_under_a_reused_request_id_is_refused() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let post = |domain: &str| {
        app.request(Method::POST, "/v1/customers", Some(&p.token))
            .header("MS-RequestId", "0f0f0f0f-0000-4000-8000-0000000000aa")
            .json(&customer_body(domain))
            .send()
    };
    assert_eq!(post("reusedone").await.unwrap().status(), 201);
    let r = post("reusedtwo").await.unwrap();
    assert!(r.headers().get("x-pce-replayed").is_none());
    let body = assert_error(r, 409, 990409).await;
    assert!(body["data"][0].as_str().unwrap().contains("POST /v1/customers"), "{body}");
    let list: Value = app.get_json("/v1/customers", &p.token).await;
    assert_eq!(list["totalCount"], 1, "the second body created nothing");
}

/// A retry is the request's: replayed only to a caller permitted to make it. Another user of the
/// partner without the role, or the partner's application where a user is needed, is refused as
/// the request would be (the answer held the first caller's customer password), and nothing is
/// written; a permitted caller still gets the first answer.
#[tokio::test]
async fn a_reused_request_id_is_replayed_only_to_a_caller_permitted_to_make_the_request() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let helpdesk = app.mint(&p.tenant_id, &["HelpdeskAgent"], false).await;
    let application = app.mint(&p.tenant_id, &[], true).await;
    let sales = app.mint(&p.tenant_id, &["SalesAgent"], false).await;
    let post = |path: String, token: String, body: Value, request_id: &'static str| {
        app.request(Method::POST, &path, Some(&token)).header("MS-RequestId", request_id).json(&body).send()
    };
    let created = "0f0f0f0f-0000-4000-8000-0000000000c1";
    let first = post("/v1/customers".into(), p.token.clone(), customer_body("replayrole"), created).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let r = post("/v1/customers".into(), helpdesk.clone(), customer_body("replayrole"), created).await.unwrap();
    assert!(r.headers().get("x-pce-replayed").is_none());
    let refused = assert_error(r, 403, 900150).await;
    assert!(refused.get("userCredentials").is_none(), "{refused}");
    let again = post("/v1/customers".into(), sales, customer_body("replayrole"), created).await.unwrap();
    assert_eq!(again.headers()["x-pce-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first, "a permitted caller gets the first answer");

    let customer = first["id"].as_str().unwrap();
    let path = format!("/v1/customers/{customer}/agreements");
    let body = confirmation("Ana", "ana@x.example", "2020-01-01T00:00:00Z");
    let confirmed = "0f0f0f0f-0000-4000-8000-0000000000c2";
    assert_eq!(post(path.clone(), p.token.clone(), body.clone(), confirmed).await.unwrap().status(), 201);
    assert_error(post(path.clone(), application, body.clone(), confirmed).await.unwrap(), 403, 990420).await;
    assert_error(post(path.clone(), helpdesk, body.clone(), confirmed).await.unwrap(), 403, 900150).await;
    let list: Value = app.get_json(&format!("{path}?agreementType=*"), &p.token).await;
    assert_eq!(list["totalCount"], 1, "{list}");
    let customers: Value = app.get_json("/v1/customers", &p.token).await;
    assert_eq!(customers["totalCount"], 1, "{customers}");

    // A refusal of the caller's permission is the caller's, not the request's: not kept, so the
    // same request by a caller with the role runs under the id.
    let refused_first = "0f0f0f0f-0000-4000-8000-0000000000c3";
    let helpdesk = app.mint(&p.tenant_id, &["HelpdeskAgent"], false).await;
    let r = post("/v1/customers".into(), helpdesk, customer_body("rolefirst"), refused_first).await.unwrap();
    assert_error(r, 403, 900150).await;
    let sales = app.mint(&p.tenant_id, &["SalesAgent"], false).await;
    let r = post("/v1/customers".into(), sales, customer_body("rolefirst"), refused_first).await.unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("x-pce-replayed").is_none(), "it ran");
}

/// A connection of the test's own that keeps the server from writing customers until it rolls
/// back: the server's first request then waits inside its unit of work, holding its id.
enum HeldWrites {
    Postgres(sqlx::PgConnection),
    Sqlite(sqlx::SqliteConnection),
}

impl HeldWrites {
    async fn hold(database_url: &str) -> Self {
        use sqlx::Connection;
        if database_url.starts_with("postgres") {
            let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
            sqlx::raw_sql("BEGIN; LOCK TABLE customers IN SHARE ROW EXCLUSIVE MODE").execute(&mut conn).await.unwrap();
            Self::Postgres(conn)
        } else {
            let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
            sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut conn).await.unwrap();
            Self::Sqlite(conn)
        }
    }

    async fn release(self) {
        match self {
            Self::Postgres(mut c) => sqlx::raw_sql("ROLLBACK").execute(&mut c).await.map(drop),
            Self::Sqlite(mut c) => sqlx::raw_sql("ROLLBACK").execute(&mut c).await.map(drop),
        }
        .unwrap();
    }
}

#[tokio::test]
async fn a_retry_while_the_first_request_still_runs_is_told_to_wait() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let body = customer_body("inflight").to_string();
    let send = || {
        app.request(Method::POST, "/v1/customers", Some(&p.token))
            .header("MS-RequestId", "0f0f0f0f-0000-4000-8000-0000000000bb")
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
    };
    let held = HeldWrites::hold(&app.database_url).await;
    let first = tokio::spawn(send());
    // Whichever of the two claims the id first waits for the database; the other is told to wait.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let retry = send().await.unwrap();
    assert_eq!(retry.headers()["retry-after"], "1");
    assert_error(retry, 409, 990408).await;
    assert!(!first.is_finished(), "the first request still waits for the database");
    held.release().await;
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("x-pce-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    // once the first request is answered, the retry gets its answer
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["x-pce-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
}

#[tokio::test]
async fn a_burst_of_identical_retries_creates_one_customer() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let body = customer_body("burst").to_string();
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..12 {
        sends.spawn(
            app.request(Method::POST, "/v1/customers", Some(&p.token))
                .header("MS-RequestId", "0f0f0f0f-0000-4000-8000-0000000000cc")
                .header("content-type", "application/json")
                .body(body.clone())
                .send(),
        );
    }
    assert_eq!(customers_made_by(sends).await.len(), 1, "every 201 is the same customer");
    let listed = app.get_json("/v1/customers", &p.token).await;
    assert_eq!(listed["totalCount"], 1);
}

/// The Java SDK's request for a `links` entry: `root + "/v1/" + uri` (the URI starts with `/`, so
/// the path has a doubled slash), with the link's headers.
pub fn follow_link(app: &TestApp, link: &Value, token: &str) -> reqwest::RequestBuilder {
    let uri = link["uri"].as_str().unwrap_or_else(|| panic!("a link has a uri: {link}"));
    assert!(uri.starts_with('/'), "links URIs start with '/', as Microsoft's do: {uri}");
    let method = Method::from_bytes(link["method"].as_str().unwrap().as_bytes()).unwrap();
    let mut request = app.request(method, &format!("/v1/{uri}"), Some(token));
    for header in link["headers"].as_array().unwrap() {
        request = request.header(header["key"].as_str().unwrap(), header["value"].as_str().unwrap());
    }
    request
}

#[tokio::test]
async fn the_java_sdk_enumerator_pages_through_a_doubled_slash() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let mut created = Vec::new();
    for i in 0..3 {
        created.push(app.create_customer(&p.token, &format!("enumerated{i}")).await["id"].clone());
    }
    // query(buildIndexedQuery(1)), then getEnumerators().getCustomers() and next() until the end.
    let mut page = app.get_json("/v1/customers?size=1", &p.token).await;
    let mut seen = page["items"].as_array().unwrap().iter().map(|c| c["id"].clone()).collect::<Vec<_>>();
    while page["links"].get("next").is_some() {
        let r = follow_link(&app, &page["links"]["next"], &p.token).send().await.unwrap();
        assert!(r.url().path().starts_with("/v1//customers"), "{}", r.url());
        assert_eq!(r.status(), 200, "GET {}", r.url());
        page = r.json().await.unwrap();
        seen.extend(page["items"].as_array().unwrap().iter().map(|c| c["id"].clone()));
    }
    assert_eq!(seen, created);
    // Every route takes repeated slashes, and they are one in the journal.
    let id = created[0].as_str().unwrap();
    assert_eq!(app.get(&format!("//v1//customers///{id}"), &p.token).await.status(), 200);
    assert_eq!(app.get("/v1//agreements?agreementType=*", &p.token).await.status(), 200);
    assert_eq!(app.control(Method::GET, "/_emulator//clock", None).await.status(), 200);
    let journal = app.control_json(Method::GET, "/_emulator/requests", None).await;
    assert!(
        journal["items"].as_array().unwrap().iter().any(|e| e["path"] == format!("/v1/customers/{id}")),
        "{journal}"
    );
}

/// Every `links` entry of an answer, however deep, by name (`self`, `next`).
fn links_of(answer: &Value, found: &mut Vec<(String, Value)>) {
    match answer {
        Value::Object(members) => {
            if let Some(Value::Object(links)) = members.get("links") {
                found.extend(links.iter().map(|(name, link)| (name.clone(), link.clone())));
            }
            members.values().for_each(|v| links_of(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| links_of(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn every_links_uri_the_emulator_returns_works_joined_to_v1_as_the_java_sdk_joins_it() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    for i in 0..3 {
        app.create_customer(&p.token, &format!("linked{i}")).await;
    }
    let list = app.get_json("/v1/customers", &p.token).await;
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    app.accept_directly(&id).await;
    let order: Value = app.order(&p.token, &id).await.json().await.unwrap();
    let line = json!({"catalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K5BC", "quantity": 1, "billingCycle": "monthly", "termDuration": "P1M"});
    let cart: Value = app
        .post(&format!("/v1/customers/{id}/carts"), &p.token, &json!({"lineItems": [line]}))
        .await
        .json()
        .await
        .unwrap();
    let checkout = format!("/v1/customers/{id}/carts/{}/checkout", cart["id"].as_str().unwrap());
    let mut answers = vec![order, cart, app.post(&checkout, &p.token, &json!({})).await.json().await.unwrap()];
    let filter = "%7B%22Field%22%3A%22Domain%22%2C%22Value%22%3A%22linked%22%2C%22Operator%22%3A%22starts_with%22%7D";
    for path in [
        "/v1/customers".to_string(),
        "/v1/customers?size=1".into(),
        format!("/v1/customers?size=1&filter={filter}"),
        format!("/v1/customers?size=0&filter={filter}"),
        format!("/v1/customers/{id}"),
        format!("/v1/customers/{id}/agreements?agreementType=*"),
        "/v1/agreements?agreementType=*".into(),
        format!("/v1/customers/{id}/orders"),
    ] {
        answers.push(app.get_json(&path, &p.token).await);
    }
    let mut links = Vec::new();
    answers.iter().for_each(|answer| links_of(answer, &mut links));
    for (name, link) in &links {
        let r = follow_link(&app, link, &p.token).send().await.unwrap();
        assert_eq!(r.status(), 200, "links.{name} {link} → GET {}", r.url());
    }
    let names: std::collections::BTreeSet<&str> = links.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["next", "self"].into(), "every kind of link was walked");
    assert!(links.len() >= 20, "{}", links.len());
}
