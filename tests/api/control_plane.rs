//! The control plane: reset, the request journal, the admin token.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn a_misspelt_scope_in_the_query_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let clock_before: Value = app.control_json(Method::GET, "/_emulator/clock", None).await;
    let set = json!({"now": "2030-01-01T00:00:00Z", "frozen": true});
    for (method, path, body) in [
        (Method::POST, format!("/_emulator/reset?tenantId={}", p.tenant_id), None),
        (Method::POST, format!("/_emulator/reset?partner={}", p.tenant_id), None),
        (Method::PUT, format!("/_emulator/clock?partnerId={}", p.tenant_id), Some(&set)),
        (Method::DELETE, format!("/_emulator/outbox?customerId={}", p.tenant_id), None),
        (Method::DELETE, format!("/_emulator/faults?partner={}", p.tenant_id), None),
    ] {
        let r = app.control(method.clone(), &path, body).await;
        assert_eq!(r.status(), 400, "{method} {path}");
        let error: Value = r.json().await.unwrap();
        assert_eq!(error["code"], 990406, "{method} {path}: {error}");
        assert!(error["data"][0].as_str().unwrap_or_default().contains("reads no such query parameter"), "{error}");
    }
    // Nothing happened: the partner is still there and the clock still runs as it did.
    assert_eq!(app.control(Method::GET, &format!("/_emulator/partners/{}", p.tenant_id), None).await.status(), 200);
    let clock_after: Value = app.control_json(Method::GET, "/_emulator/clock", None).await;
    assert_eq!(clock_after["frozen"], clock_before["frozen"], "{clock_after}");
    // The documented spelling is read as before, in any letter case; a probe answers whatever its query.
    let r = app.control(Method::POST, &format!("/_emulator/reset?PartnerTenantId={}", p.tenant_id), None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.control(Method::GET, "/_emulator/health?verbose=1", None).await.status(), 200);
}

#[tokio::test]
async fn reset_everything_or_one_partner() {
    let app = TestApp::spawn().await;
    let a = app.persona("DirectBill").await;
    let b = app.persona("DirectBill").await;
    let ca = app.create_customer(&a.token, "resetone").await;
    let cb = app.create_customer(&b.token, "resettwo").await;
    app.confirm(&a.token, ca["id"].as_str().unwrap(), &confirmation("Ana", "a@x.example", "2020-01-01T00:00:00Z"))
        .await;

    let r = app.control(Method::POST, "/_emulator/reset", Some(&json!({"partnerTenantId": a.tenant_id}))).await;
    assert_eq!(r.status(), 200);
    let list: Value = app.get_json("/v1/customers", &a.token).await;
    assert_eq!(list["totalCount"], 0, "partner a's state is gone, its token still works");
    let list: Value = app.get_json("/v1/customers", &b.token).await;
    assert_eq!(list["totalCount"], 1);
    let outbox: Value = app.control_json(Method::GET, "/_emulator/outbox?includePending=true", None).await;
    assert_eq!(outbox["totalCount"], 0);
    // the domain is free again
    app.create_customer(&a.token, "resetone").await;

    app.set_clock("2026-01-01T00:00:00Z").await;
    let r = app.request(Method::POST, "/_emulator/reset", None).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_error(app.get("/v1/customers", &b.token).await, 401, 800001).await;
    let clock: Value = app.control_json(Method::GET, "/_emulator/clock", None).await;
    assert_eq!(clock["frozen"], false);
    let _ = cb;
    let unknown = json!({"partnerTenantId": uuid::Uuid::new_v4().to_string()});
    assert_error(app.control(Method::POST, "/_emulator/reset", Some(&unknown)).await, 404, 990430).await;
}

#[tokio::test]
async fn the_journal_records_requests_without_tokens() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let r = app
        .request(Method::GET, "/v1/customers/00000000-0000-0000-0000-000000000000", Some(&p.token))
        .header("MS-CorrelationId", "c0ffee00-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let journal =
        app.control(Method::GET, "/_emulator/requests?correlationId=c0ffee00-0000-0000-0000-000000000000", None).await;
    let text = journal.text().await.unwrap();
    assert!(!text.contains(&p.token), "tokens are never journaled");
    let journal: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(journal["totalCount"], 1);
    let e = &journal["items"][0];
    assert_eq!(e["status"], 404);
    assert_eq!(e["method"], "GET");
    assert_eq!(e["partnerTenantId"], p.tenant_id.as_str());
    assert_eq!(e["rule"], "TenantNotFound");
    assert!(e["hint"].as_str().unwrap().contains("00000000-0000-0000-0000-000000000000"));
    assert!(e["latencyMs"].as_f64().is_some());
    assert_error(app.control(Method::GET, "/_emulator/requests?status=abc", None).await, 400, 990406).await;
}

/// Each entry carries the emulator clock beside the real time: the time its request was judged
/// by, a partner's own clock where the request acted for a partner that has one.
#[tokio::test]
async fn the_journal_gives_the_emulator_time_beside_the_real_one() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let q = app.persona("DirectBill").await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    let own = json!({"now": "2025-01-15T08:00:00Z", "frozen": true});
    app.control_json(Method::PUT, &format!("/_emulator/clock?partnerTenantId={}", q.tenant_id), Some(&own)).await;
    assert_eq!(app.get("/v1/customers", &p.token).await.status(), 200);
    assert_eq!(app.get("/v1/customers", &q.token).await.status(), 200);
    let journal = app.control_json(Method::GET, "/_emulator/requests", None).await;
    let entry = |tenant: &str| {
        journal["items"].as_array().unwrap().iter().find(|e| e["partnerTenantId"] == tenant).cloned().unwrap()
    };
    let e = entry(&p.tenant_id);
    assert_eq!(e["emulatorAt"], "2026-03-01T12:00:00.000Z", "{e}");
    let real = chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).unwrap();
    assert!((chrono::Utc::now() - real.to_utc()).num_seconds().abs() < 60, "at is real time: {e}");
    assert_eq!(entry(&q.tenant_id)["emulatorAt"], "2025-01-15T08:00:00.000Z", "the partner's own clock");
    // A control-plane request has the emulator's clock too.
    let clock_entry = journal["items"].as_array().unwrap().iter().find(|e| e["path"] == "/_emulator/clock").unwrap();
    assert_eq!(clock_entry["emulatorAt"], "2026-03-01T12:00:00.000Z", "{clock_entry}");
}

/// `GET /_emulator/partners`: every persona, the development partner's included.
#[tokio::test]
async fn the_partners_are_listed() {
    let app = TestApp::spawn().await;
    let listed = app.control_json(Method::GET, "/_emulator/partners", None).await;
    assert_eq!(listed["totalCount"], 1);
    assert_eq!(
        listed["items"][0],
        json!({"tenantId": "7e57da7a-0000-4000-8000-00000000d001", "name": "Contoso development partner",
               "partnerType": "DirectBill", "indirectProviderId": null})
    );
    let provider = app.create_partner("IndirectProvider", None).await;
    let reseller = app.create_partner("IndirectReseller", Some(&provider)).await;
    let listed = app.control_json(Method::GET, "/_emulator/partners", None).await;
    assert_eq!(listed["totalCount"], 3);
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let r = items.iter().find(|p| p["tenantId"] == reseller.as_str()).unwrap();
    assert_eq!(r["partnerType"], "IndirectReseller");
    assert_eq!(r["indirectProviderId"], provider.as_str());
    assert_error(app.control(Method::DELETE, "/_emulator/partners", None).await, 405, 990405).await;

    let guarded = TestApp::spawn_with(&["--admin-token", "s3cret"]).await;
    assert_error(guarded.control(Method::GET, "/_emulator/partners", None).await, 401, 990432).await;
    let r = guarded.request(Method::GET, "/_emulator/partners", Some("s3cret")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn an_admin_token_guards_the_control_plane() {
    let app = TestApp::spawn_with(&["--admin-token", "s3cret"]).await;
    let r = app
        .control(Method::POST, "/_emulator/partners", Some(&json!({"name": "x", "partnerType": "DirectBill"})))
        .await;
    assert_error(r, 401, 990432).await;
    assert_error(app.control(Method::GET, "/_emulator/clock", None).await, 401, 990432).await;
    let r = app.request(Method::GET, "/_emulator/clock", Some("wrong")).send().await.unwrap();
    let www = r.headers()["www-authenticate"].to_str().unwrap().to_string();
    assert!(www.starts_with("Bearer"), "{www}");
    assert_error(r, 401, 990432).await;
    let r = app.request(Method::GET, "/_emulator/clock", Some("s3cret")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // probes stay open for orchestrators
    assert_eq!(app.control(Method::GET, "/_emulator/health", None).await.status(), 200);
    assert_eq!(app.control(Method::GET, "/_emulator/ready", None).await.status(), 200);
}

async fn seed_file(app: &TestApp, path: &str) -> Value {
    let content_type = if path.ends_with(".json") { "application/json" } else { "application/yaml" };
    let r = app.post_seed(content_type, std::fs::read_to_string(path).unwrap()).await;
    assert_eq!(r.status(), 201, "{path}");
    r.json().await.unwrap()
}

#[tokio::test]
async fn shipped_scenarios_load_and_mean_what_they_say() {
    let app = TestApp::spawn_2023_flow().await;
    let status = |id: &str| format!("/v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus");

    let s = seed_file(&app, "seeds/no-acceptance.yaml").await;
    let t = app.mint(s["ids"]["contoso-partner"].as_str().unwrap(), &["AdminAgent"], false).await;
    let id = s["ids"]["fabrikam"].as_str().unwrap();
    assert_error(app.order(&t, id).await, 403, 13605).await;
    assert_eq!(s["credentials"]["fabrikam"]["password"], "Fabrikam-Pass-1!");

    let s = seed_file(&app, "seeds/attested.yaml").await;
    let t = app.mint(s["ids"]["contoso-partner"].as_str().unwrap(), &["AdminAgent"], false).await;
    let id = s["ids"]["northwind"].as_str().unwrap();
    assert_eq!(app.order(&t, id).await.status(), 201);
    assert_eq!(app.get(&status(id), &t).await.json::<Value>().await.unwrap()["isSigned"], false);
    let outbox: Value = app.control_json(Method::GET, &format!("/_emulator/outbox?customerId={id}"), None).await;
    assert_eq!(outbox["totalCount"], 1);

    let s = seed_file(&app, "seeds/direct-signed.yaml").await;
    let t = app.mint(s["ids"]["contoso-partner"].as_str().unwrap(), &["AdminAgent"], false).await;
    let id = s["ids"]["adatum"].as_str().unwrap();
    assert_eq!(app.get(&status(id), &t).await.json::<Value>().await.unwrap()["isSigned"], true);
    assert_eq!(app.order(&t, id).await.status(), 201);

    let s = seed_file(&app, "seeds/indirect.yaml").await;
    let reseller = app.mint(s["ids"]["reseller"].as_str().unwrap(), &["AdminAgent"], false).await;
    let provider = app.mint(s["ids"]["provider"].as_str().unwrap(), &["AdminAgent"], false).await;
    let id = s["ids"]["litware"].as_str().unwrap();
    let body = confirmation("Lee", "lee@litware.example", "2020-01-01T00:00:00Z");
    assert_error(app.confirm(&reseller, id, &body).await, 403, 990421).await;
    assert_eq!(app.confirm(&provider, id, &body).await.status(), 201);

    let s = seed_file(&app, "seeds/troubleshoot.yaml").await;
    let t = app.mint(s["ids"]["contoso-partner"].as_str().unwrap(), &["AdminAgent"], false).await;
    let id = s["ids"]["woodgrove"].as_str().unwrap();
    let orders: Value = app.get_json(&format!("/v1/customers/{id}/orders"), &t).await;
    assert_eq!(orders["totalCount"], 1, "the legacy purchase");
    assert_error(app.order(&t, id).await, 403, 13605).await;
}

#[tokio::test]
async fn bad_seeds_are_refused_before_anything_is_written() {
    let app = TestApp::spawn().await;
    let r = app
        .control(
            Method::POST,
            "/_emulator/seed",
            Some(&json!({"partners": [{"key": "p", "name": "P", "partnerType": "DirectBill"}], "customers": [{"key": "c", "partner": "typo", "domain": "x"}]})),
        )
        .await;
    let e = assert_error(r, 400, 990401).await;
    assert_eq!(e["data"], json!(["customers.c: partner 'typo' is not a partner key"]));
    let r = app.post_seed("application/yaml", "partners: [").await;
    assert_error(r, 400, 990400).await;
    let r = app.post_seed("text/plain", "{}").await;
    assert_error(r, 415, 990402).await;
    let r = app
        .control(
            Method::POST,
            "/_emulator/seed",
            Some(&json!({"partners": [{"key": "p", "name": "P", "partnerType": "Nope"}]})),
        )
        .await;
    let e = assert_error(r, 400, 990401).await;
    assert!(e["data"][0].as_str().unwrap().starts_with("partners.p: partnerType"));
}

/// `bypassAgreementGate` passes over the agreement gate, not the partner's relationship with the
/// customer: an order by a partner that does not serve the customer (a mistyped partner key) is
/// refused as the API refuses it, and nothing is bought.
#[tokio::test]
async fn a_seeded_order_past_the_gate_is_still_the_partners_own_customers() {
    let app = TestApp::spawn().await;
    let seed = |partner: &str| {
        json!({
            "partners": [{"key": "pa", "name": "A", "partnerType": "DirectBill"}, {"key": "pb", "name": "B", "partnerType": "DirectBill"}],
            "customers": [{"key": "ca", "partner": "pa", "domain": "bypassed"}],
            "orders": [{"key": "x", "customer": "ca", "partner": partner, "offerId": "CFQ7TTC0LH18:0001", "bypassAgreementGate": true}]
        })
    };
    let r = app.control(Method::POST, "/_emulator/seed", Some(&seed("pb"))).await;
    let e = assert_error(r, 403, 20002).await;
    assert!(e["data"][0].as_str().unwrap().starts_with("orders.x"), "{e}");
    let loaded = app.control(Method::POST, "/_emulator/seed", Some(&seed("pa"))).await;
    assert_eq!(loaded.status(), 201);
    assert_eq!(loaded.json::<Value>().await.unwrap()["orders"], 1);
}

/// A YAML seed with a key twice in one mapping is refused, naming the key (the last one no longer
/// wins silently); a YAML bomb (aliases of aliases) and a deeply nested document are refused at
/// once, before they grow.
#[tokio::test]
async fn yaml_seeds_refuse_duplicate_keys_by_name_and_bombs_at_once() {
    let app = TestApp::spawn().await;
    let duplicate = "partners:\n  - key: p\n    name: P\n    partnerType: DirectBill\n    name: Q\n";
    let e = assert_error(app.post_seed("application/yaml", duplicate).await, 400, 990400).await;
    let message = e.to_string();
    assert_eq!(e["data"], json!(["seed (YAML): line 5 column 5: duplicate mapping key: name"]), "{message}");
    let mut bomb = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (name, previous) in
        ["b", "c", "d", "e", "f", "g", "h", "i"].iter().zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!("{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n"));
    }
    let started = std::time::Instant::now();
    assert_error(app.post_seed("application/yaml", bomb).await, 400, 990400).await;
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_error(app.post_seed("application/yaml", format!("partners: {deep}")).await, 400, 990400).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "refused in {:?}", started.elapsed());
    // The partners of the refused seeds were not written.
    assert!(app.post_seed("application/yaml", "partners: []\n").await.status().is_success());
}

/// Every shipped scenario, applied twice: the second run changes nothing and says so.
#[tokio::test]
async fn a_seed_applied_again_leaves_the_same_state() {
    let app = TestApp::spawn_2023_flow().await;
    for path in ["seeds/attested.yaml", "seeds/direct-signed.yaml", "seeds/indirect.yaml", "seeds/troubleshoot.yaml"] {
        let first = seed_file(&app, path).await;
        let outbox = app.control_json(Method::GET, "/_emulator/outbox?includePending=true", None).await;
        let second = seed_file(&app, path).await;
        assert_eq!(first["ids"], second["ids"], "{path}: the same ids");
        let entries: u64 =
            ["partners", "customers", "agreements", "directAcceptances", "orders", "enhancedAttestations"]
                .iter()
                .map(|section| second[section].as_u64().unwrap())
                .sum();
        let unchanged: u64 = second["unchanged"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(unchanged, entries, "{path}: every entry found as it is: {second}");
        let again = app.control_json(Method::GET, "/_emulator/outbox?includePending=true", None).await;
        assert_eq!(outbox["totalCount"], again["totalCount"], "{path}: no new email");
    }
    let t = app.mint("4f1c2a10-0000-4000-8000-000000000007", &["AdminAgent"], false).await;
    let customers = app.get_json("/v1/customers", &t).await;
    assert_eq!(customers["totalCount"], 1);
    let orders =
        app.get_json(&format!("/v1/customers/{}/orders", customers["items"][0]["id"].as_str().unwrap()), &t).await;
    assert_eq!(orders["totalCount"], 1, "the order was not placed twice");
}

#[tokio::test]
async fn a_seed_entry_that_differs_from_what_is_stored_is_refused_by_name() {
    let app = TestApp::spawn_2023_flow().await;
    let seed = |company: &str, quantity: u32, date: &str| {
        json!({
            "partners": [{"key": "p", "name": "P", "partnerType": "DirectBill"}],
            "customers": [{"key": "c", "partner": "p", "domain": "seedagain", "companyName": company, "password": "Seed-Again-1!"}],
            "agreements": [{"customer": "c", "partner": "p", "firstName": "A", "lastName": "B", "email": "a@b.example", "dateAgreed": date}],
            "orders": [{"key": "first", "customer": "c", "partner": "p", "offerId": "o", "quantity": quantity}]
        })
    };
    let first =
        app.control(Method::POST, "/_emulator/seed", Some(&seed("Seed Again", 1, "2024-01-01T00:00:00Z"))).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let same =
        app.control_json(Method::POST, "/_emulator/seed", Some(&seed("Seed Again", 1, "2024-01-01T00:00:00Z"))).await;
    assert_eq!(same["credentials"]["c"]["password"], "Seed-Again-1!");
    assert_eq!(same["ids"], first["ids"]);
    let r = app.control(Method::POST, "/_emulator/seed", Some(&seed("Another Name", 1, "2024-01-01T00:00:00Z"))).await;
    let e = assert_error(r, 409, 990436).await;
    assert!(
        e["data"][0].as_str().unwrap().starts_with("customers.c: the stored customer's company name is 'Seed Again'"),
        "{e}"
    );
    let r = app.control(Method::POST, "/_emulator/seed", Some(&seed("Seed Again", 1, "2024-02-01T00:00:00Z"))).await;
    let e = assert_error(r, 409, 990436).await;
    assert!(e["data"][0].as_str().unwrap().starts_with("agreements[0]: it was accepted on 2024-01-01"), "{e}");
    let r = app.control(Method::POST, "/_emulator/seed", Some(&seed("Seed Again", 3, "2024-01-01T00:00:00Z"))).await;
    let e = assert_error(r, 409, 990436).await;
    assert!(e["data"][0].as_str().unwrap().starts_with("orders.first: its quantity is 1"), "{e}");
    // a refusal by a rule names the entry too, with the rule's code
    let future = json!({
        "partners": [{"key": "p", "name": "P", "partnerType": "DirectBill"}],
        "customers": [{"key": "c", "partner": "p", "domain": "seedagain", "companyName": "Seed Again"}],
        "agreements": [{"customer": "c", "partner": "p", "firstName": "Z", "lastName": "Z", "email": "z@b.example", "dateAgreed": "2099-01-01T00:00:00Z"}]
    });
    let r = app.control(Method::POST, "/_emulator/seed", Some(&future)).await;
    let e: Value = r.json().await.unwrap();
    assert!(e["data"][0].as_str().unwrap().starts_with("agreements[0]: "), "{e}");
    // YAML by its media types; an empty body is refused with a hint
    assert_eq!(app.post_seed("text/yaml", "partners: []").await.status(), 201);
    let e = assert_error(app.post_seed("application/yaml", "  ").await, 400, 990400).await;
    assert!(e["data"][0].as_str().unwrap().contains("the seed is empty"), "{e}");
}

#[tokio::test]
async fn a_seed_applied_again_is_compared_on_every_value_it_names_as_the_api_stored_it() {
    let app = TestApp::spawn().await;
    let seed = |email: &str, country: &str, phone: &str| {
        json!({
            "partners": [{"key": "p", "name": "P", "partnerType": "DirectBill"}],
            "customers": [{"key": "c", "partner": "p", "domain": "seedvalues", "email": email, "country": country}],
            "enhancedAttestations": [{"key": "a", "partner": "p", "country": "US", "language": "fr-FR",
                "companyName": "Seed Values", "signatoryFirstName": "Ana", "signatoryLastName": "Lee",
                "signatoryEmail": "ana@seed.example", "signatoryPhoneNumber": phone}]
        })
    };
    let first = seed("old@seed.example", "US", "+1 425 555 0100");
    assert_eq!(app.control(Method::POST, "/_emulator/seed", Some(&first)).await.status(), 201);
    // The same entries again: the language the country does not offer fell back (en-US) as it did
    // the first time, and an email in another letter case is the same address.
    let again = app
        .control_json(Method::POST, "/_emulator/seed", Some(&seed("Old@Seed.example", "us", "+1 425 555 0100")))
        .await;
    assert_eq!(again["unchanged"], json!({"customers": 1, "enhancedAttestations": 1, "partners": 1}), "{again}");
    for (changed, says) in [
        (seed("new@seed.example", "US", "+1 425 555 0100"), "customers.c: its billing email is 'old@seed.example'"),
        (seed("old@seed.example", "DE", "+1 425 555 0100"), "customers.c: its country is 'US'"),
        (seed("old@seed.example", "US", "+49 30 1234"), "enhancedAttestations.a: its signatory's phone number"),
    ] {
        let e = assert_error(app.control(Method::POST, "/_emulator/seed", Some(&changed)).await, 409, 990436).await;
        assert!(e["data"][0].as_str().unwrap().starts_with(says), "{says}: {e}");
    }
}

#[tokio::test]
async fn a_seed_file_at_start_can_be_given_again_on_the_next_start() {
    let database = fresh_database().await;
    let first = TestApp::spawn_on(&database, &["--seed", "seeds/attested.yaml"]).await;
    drop(first);
    let second = TestApp::spawn_on(&database, &["--seed", "seeds/attested.yaml"]).await;
    let t = second.mint("4f1c2a10-0000-4000-8000-000000000002", &["AdminAgent"], false).await;
    assert_eq!(second.get_json("/v1/customers", &t).await["totalCount"], 1);
}

#[tokio::test]
async fn a_seed_file_given_at_start_is_loaded_before_the_emulator_is_ready() {
    let app = TestApp::spawn_with(&["--seed", "seeds/attested.yaml"]).await;
    let t = app.mint("4f1c2a10-0000-4000-8000-000000000002", &["AdminAgent"], false).await;
    let list: Value = app.get_json("/v1/customers", &t).await;
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["items"][0]["companyProfile"]["domain"], "northwindattested.onmicrosoft.com");
}

/// The tenant ids the shipped scenarios name, file by file.
fn shipped_seed_tenants() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir("seeds").unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut tenants = Vec::new();
    for file in files {
        let seed: serde_json::Value = serde_saphyr::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for partner in seed["partners"].as_array().unwrap() {
            let tenant = partner["tenantId"].as_str().expect("every shipped partner names its tenant");
            tenants.push((file.display().to_string(), tenant.to_string()));
        }
    }
    tenants
}

/// Every shipped scenario loads into one database, the folder at once (`--seed seeds`): no two
/// name one tenant, domain or key differently, so any of them can be combined.
#[tokio::test]
async fn every_shipped_seed_loads_together_into_one_database() {
    let tenants = shipped_seed_tenants();
    let mut distinct: Vec<&str> = tenants.iter().map(|(_, t)| t.as_str()).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), tenants.len(), "one tenant id per partner across the shipped seeds: {tenants:?}");
    assert!(tenants.len() >= 7, "{tenants:?}");

    let app = TestApp::spawn_with(&["--seed", "seeds"]).await;
    let listed = app.control_json(Method::GET, "/_emulator/partners", None).await;
    let listed: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|p| p["tenantId"].as_str().unwrap()).collect();
    for (file, tenant) in &tenants {
        assert!(listed.contains(&tenant.as_str()), "{file}: partner {tenant} was not loaded: {listed:?}");
    }
    // Each scenario still means what it says beside the others.
    let legacy = app.mint("4f1c2a10-0000-4000-8000-000000000007", &["AdminAgent"], false).await;
    let customers = app.get_json("/v1/customers", &legacy).await;
    assert_eq!(customers["totalCount"], 1);
    assert_eq!(customers["items"][0]["companyProfile"]["companyName"], "Woodgrove Bank");
    let enhanced = app.mint("4f1c2a10-0000-4000-8000-000000000006", &[], true).await;
    let customers = app.get_json("/v1/customers", &enhanced).await;
    assert_eq!(customers["items"][0]["companyProfile"]["companyName"], "Tailspin Toys");

    // The same files through the control plane, one after the other, into one more database.
    let app = TestApp::spawn().await;
    let mut files: Vec<_> = std::fs::read_dir("seeds").unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in files {
        seed_file(&app, file.to_str().unwrap()).await;
    }
}

/// `--seed` takes several files and folders, in the order given, and so does PCE_SEED, with commas.
#[tokio::test]
async fn several_seed_files_and_folders_at_start() {
    let attested = "4f1c2a10-0000-4000-8000-000000000002";
    let enhanced = "4f1c2a10-0000-4000-8000-000000000006";
    let has =
        |listed: &Value, tenant: &str| listed["items"].as_array().unwrap().iter().any(|p| p["tenantId"] == tenant);
    let app = TestApp::spawn_with(&["--seed", "seeds/attested.yaml", "seeds/enhanced.yaml"]).await;
    let listed = app.control_json(Method::GET, "/_emulator/partners", None).await;
    assert!(has(&listed, attested) && has(&listed, enhanced), "{listed}");
    assert_eq!(listed["totalCount"], 3, "the development partner and the two seeded: {listed}");
    let app = TestApp::spawn_with(&["--seed", "seeds/attested.yaml,seeds/enhanced.yaml"]).await;
    let listed = app.control_json(Method::GET, "/_emulator/partners", None).await;
    assert!(has(&listed, attested) && has(&listed, enhanced), "{listed}");
    let app = TestApp::spawn_with(&["--seed", "seeds/attested.yaml", "--seed", "seeds"]).await;
    let listed = app.control_json(Method::GET, "/_emulator/partners", None).await;
    assert_eq!(listed["totalCount"].as_u64().unwrap(), shipped_seed_tenants().len() as u64 + 1, "{listed}");

    // A folder without a seed file, or a path that does not exist, stops the start by name.
    let empty = std::env::temp_dir().join(format!("pce-empty-seeds-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("README.md"), "not a seed").unwrap();
    let given = ["seeds".to_string(), empty.display().to_string()];
    let err = partner_center_emulator::startup::seed_files(&given).unwrap_err().to_string();
    assert!(err.contains("holds no seed file") && err.contains(&empty.display().to_string()), "{err}");
    std::fs::remove_dir_all(&empty).ok();
    let err = partner_center_emulator::startup::seed_files(&["seeds/nope.yaml".to_string()]).unwrap_err().to_string();
    assert!(err.contains("cannot read the seed file seeds/nope.yaml"), "{err}");
    // Folders expand to their seed files in name order; an empty entry names nothing.
    let files = partner_center_emulator::startup::seed_files(&[String::new(), " seeds ,".to_string()]).unwrap();
    let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap().to_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.contains(&"troubleshoot.yaml"), "{names:?}");
}

#[tokio::test]
async fn a_bad_seed_file_stops_the_start_with_a_clear_message() {
    let database = fresh_database().await;
    let url = database.url.clone();
    let config = partner_center_emulator::config::Config {
        seed: vec!["seeds/does-not-exist.yaml".to_string()],
        ..partner_center_emulator::config::Config::for_tests(&url)
    };
    let err = partner_center_emulator::build_state(config, "127.0.0.1:1".parse().unwrap()).await.err().unwrap();
    assert!(format!("{err:#}").contains("seeds/does-not-exist.yaml"));
}

/// The ids a fixed sequence of calls produces.
async fn generated_ids(app: &TestApp) -> Vec<String> {
    let tenant = app.create_partner("DirectBill", None).await;
    let token = app.mint(&tenant, &["AdminAgent"], false).await;
    let r = app.post("/v1/customers", &token, &customer_body("deterministic")).await;
    let request_id = r.headers()["ms-requestid"].to_str().unwrap().to_string();
    let c: Value = r.json().await.unwrap();
    let registered =
        app.control_json(Method::POST, &format!("/_emulator/partners/{tenant}/applications"), Some(&json!({}))).await;
    let rule = json!({"operation": "listCustomers", "effect": "delay", "delayMs": 1});
    let rule = app.control_json(Method::POST, "/_emulator/faults", Some(&rule)).await;
    let application = app.mint(&tenant, &[], true).await;
    let attestation = crate::enhanced_attestation::attestation_body("Megan", "megan@fabrikam.example");
    let attestation: Value =
        app.post("/v1/attestations/enhanced", &application, &attestation).await.json().await.unwrap();
    vec![
        tenant,
        c["id"].as_str().unwrap().into(),
        c["commerceId"].as_str().unwrap().into(),
        c["userCredentials"]["password"].as_str().unwrap().into(),
        registered["clientId"].as_str().unwrap().into(),
        registered["clientSecret"].as_str().unwrap().into(),
        rule["id"].as_str().unwrap().into(),
        attestation["id"].as_str().unwrap().into(),
        request_id,
    ]
}

#[tokio::test]
async fn deterministic_ids_do_not_shift_with_probes_reads_or_refusals() {
    let quiet = generated_ids(&TestApp::spawn_with(&["--deterministic-seed", "42"]).await).await;
    let busy = TestApp::spawn_with(&["--deterministic-seed", "42"]).await;
    for _ in 0..3 {
        busy.control(Method::GET, "/_emulator/health", None).await;
        busy.control(Method::GET, "/_emulator/ready", None).await;
        busy.control(Method::GET, "/_emulator/clock", None).await;
    }
    // a partner whose id the request names takes none from the stream
    let named =
        json!({"tenantId": "0a0b0c0d-0000-4000-8000-000000000001", "name": "Named", "partnerType": "DirectBill"});
    busy.control_json(Method::POST, "/_emulator/partners", Some(&named)).await;
    let token = busy.mint("0a0b0c0d-0000-4000-8000-000000000001", &["AdminAgent"], false).await;
    busy.get("/v1/agreements", &token).await;
    busy.get("/v1/customers", &token).await;
    assert_eq!(busy.post("/v1/customers", &token, &json!({"companyProfile": {}})).await.status(), 400);
    // refusals take no id either: a partner, a fault rule and an attestation refused for their body
    let no_name = json!({"name": "", "partnerType": "DirectBill"});
    assert_eq!(busy.control(Method::POST, "/_emulator/partners", Some(&no_name)).await.status(), 400);
    let no_effect = json!({"operation": "listCustomers", "effect": "explode"});
    assert_eq!(busy.control(Method::POST, "/_emulator/faults", Some(&no_effect)).await.status(), 400);
    let unknown_partner = json!({"effect": "throttle", "partnerTenantId": "0a0b0c0d-0000-4000-8000-0000000000ff"});
    assert_eq!(busy.control(Method::POST, "/_emulator/faults", Some(&unknown_partner)).await.status(), 404);
    let application = busy.mint("0a0b0c0d-0000-4000-8000-000000000001", &[], true).await;
    let mut nowhere = crate::enhanced_attestation::attestation_body("Megan", "megan@fabrikam.example");
    nowhere["country"] = json!("ZZ");
    assert_eq!(busy.post("/v1/attestations/enhanced", &application, &nowhere).await.status(), 400);
    let after = generated_ids(&busy).await;
    let last = quiet.len() - 1;
    assert_eq!(
        quiet[..last],
        after[..last],
        "partner, customer, commerce id, password, client id and secret, fault rule and attestation are the same"
    );
    assert_ne!(quiet[last], after[last], "request ids have their own stream");
}

#[tokio::test]
async fn deterministic_mode_reproduces_ids_run_to_run() {
    let a = generated_ids(&TestApp::spawn_with(&["--deterministic-seed", "42"]).await).await;
    let b = generated_ids(&TestApp::spawn_with(&["--deterministic-seed", "42"]).await).await;
    let c = generated_ids(&TestApp::spawn_with(&["--deterministic-seed", "43"]).await).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[tokio::test]
async fn two_replicas_on_one_postgres_database_behave_as_one_emulator() {
    // Replicas share PostgreSQL; an SQLite file belongs to one process (its cache of the clock,
    // partners and fault rules is cleared by that process's own changes only).
    if std::env::var("PCE_TEST_BACKEND").as_deref() != Ok("postgres") {
        return;
    }
    let one = TestApp::spawn_2023_flow().await;
    let two = TestApp::spawn_on(&one.database, &["--service-date", SERVICE_DATE_2023_FLOW]).await;
    // a token minted on one replica works on the other: the signing key is shared
    let p = one.persona("DirectBill").await;
    let c = two.create_customer(&p.token, "replicas").await;
    let id = c["id"].as_str().unwrap();
    // the clock is shared
    one.set_clock("2026-03-01T12:00:00Z").await;
    let clock: Value = two.control_json(Method::GET, "/_emulator/clock", None).await;
    assert_eq!(clock["now"], "2026-03-01T12:00:00.000Z");
    let r = two.confirm(&p.token, id, &confirmation("Ana", "a@x.example", "2026-03-02T00:00:00Z")).await;
    assert_error(r, 400, 600002).await;
    two.control(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 86400}))).await;
    assert_eq!(
        one.confirm(&p.token, id, &confirmation("Ana", "a@x.example", "2026-03-02T00:00:00Z")).await.status(),
        201
    );
    // the duplicate rule holds across replicas
    assert_error(
        two.confirm(&p.token, id, &confirmation("Ana", "a@x.example", "2026-03-02T00:00:00Z")).await,
        409,
        600061,
    )
    .await;
    // a fault rule added on one is applied by the other, and its count is shared
    let rule = json!({"operation": "listCustomers", "effect": "throttle", "count": 1});
    one.control_json(Method::POST, "/_emulator/faults", Some(&rule)).await;
    assert_error(two.get("/v1/customers", &p.token).await, 429, 990429).await;
    assert_eq!(one.get("/v1/customers", &p.token).await.status(), 200, "the one hit was used on the other replica");
    let rules: Value = one.control_json(Method::GET, "/_emulator/faults", None).await;
    assert_eq!(rules["items"][0]["hits"], 1);
    // seeds loaded on one are seen on the other, and a reset on one clears both
    let s = seed_file(&two, "seeds/no-acceptance.yaml").await;
    assert!(one
        .control(Method::GET, &format!("/_emulator/partners/{}", s["ids"]["contoso-partner"].as_str().unwrap()), None)
        .await
        .status()
        .is_success());
    // a service date pinned on one is the other's too
    let pinned = json!({"date": "2026-01-05"});
    one.control_json(Method::PUT, "/_emulator/service-date", Some(&pinned)).await;
    let state: Value = two.control_json(Method::GET, "/_emulator/service-date", None).await;
    assert_eq!(state["serviceDate"], "2026-01-05");
    let r = two.confirm(&p.token, id, &confirmation("Bo", "b@x.example", "2026-03-02T00:00:00Z")).await;
    assert_error(r, 400, 990441).await;
    one.request(Method::POST, "/_emulator/reset", None).send().await.unwrap();
    assert_error(two.get("/v1/customers", &p.token).await, 401, 800001).await;
    let clock: Value = two.control_json(Method::GET, "/_emulator/clock", None).await;
    assert_eq!(clock["frozen"], false);
    let state: Value = two.control_json(Method::GET, "/_emulator/service-date", None).await;
    assert_eq!(state["serviceDate"], SERVICE_DATE_2023_FLOW, "the reset restored the configured date");
}

#[tokio::test]
async fn one_request_id_sent_to_two_replicas_at_once_runs_once() {
    // On PostgreSQL a replica holds a request id in its own memory while the request runs, and its
    // writes and its kept answer go in as one statement: of two replicas running the same id, the
    // second's statement finds the first's answer, stores nothing and runs again into the replay.
    if std::env::var("PCE_TEST_BACKEND").as_deref() != Ok("postgres") {
        return;
    }
    let one = TestApp::spawn_2023_flow().await;
    let two = TestApp::spawn_on(&one.database, &["--service-date", SERVICE_DATE_2023_FLOW]).await;
    let p = one.persona("DirectBill").await;
    let body = customer_body("tworeplicas").to_string();
    let mut sends = tokio::task::JoinSet::new();
    for n in 0..16 {
        let app = if n % 2 == 0 { &one } else { &two };
        sends.spawn(
            app.request(Method::POST, "/v1/customers", Some(&p.token))
                .header("MS-RequestId", "0f0f0f0f-0000-4000-8000-0000000000dd")
                .header("content-type", "application/json")
                .body(body.clone())
                .send(),
        );
    }
    assert_eq!(customers_made_by(sends).await.len(), 1, "every 201 is the same customer");
    let listed = two.get_json("/v1/customers", &p.token).await;
    assert_eq!(listed["totalCount"], 1);
}

#[tokio::test]
async fn a_blank_admin_token_means_none() {
    // docker-compose passes an unset ${PCE_ADMIN_TOKEN:-} as an empty value
    let app = TestApp::spawn_with(&["--admin-token", ""]).await;
    assert_eq!(app.control(Method::GET, "/_emulator/clock", None).await.status(), 200);
}

#[tokio::test]
async fn a_partner_reset_leaves_other_partners_data_alone() {
    let app = TestApp::spawn_2023_flow().await;
    let creator = app.persona("DirectBill").await;
    let other = app.persona("DirectBill").await;
    let c = app.create_customer(&creator.token, "sharedreset").await;
    let id = c["id"].as_str().unwrap();
    assert_eq!(
        app.confirm(&creator.token, id, &confirmation("Zed", "zed@x.example", "2020-01-01T00:00:00Z")).await.status(),
        201
    );
    assert_eq!(app.order(&creator.token, id).await.status(), 201);
    // the other partner gains a relationship through the customer's direct acceptance of its invitation
    let seeded = app
        .control_json(
            Method::POST,
            &format!("/_emulator/customers/{id}/direct-acceptance"),
            Some(&json!({"firstName": "Cy", "lastName": "Doe", "email": "cy@x.example"})),
        )
        .await;
    assert!(seeded["dateAgreed"].is_string());
    let store = partner_center_emulator::store::connect(&app.database_url).await.unwrap();
    let mut unit = store.begin();
    unit.add_relationship(id, &other.tenant_id, chrono::Utc::now(), false).await.unwrap();
    unit.commit().await.unwrap();
    assert_eq!(
        app.confirm(&other.token, id, &confirmation("Bo", "bo@x.example", "2020-01-01T00:00:00Z")).await.status(),
        201
    );
    assert_eq!(app.order(&other.token, id).await.status(), 201);
    // each partner sees only its own orders of the shared customer
    assert_eq!(app.get_json(&format!("/v1/customers/{id}/orders"), &other.token).await["totalCount"], 1);
    assert_eq!(app.get_json(&format!("/v1/customers/{id}/orders"), &creator.token).await["totalCount"], 1);
    assert_eq!(
        app.confirm(&creator.token, id, &confirmation("Al", "al@x.example", "2020-01-01T00:00:00Z")).await.status(),
        201
    );

    app.control_json(Method::POST, "/_emulator/reset", Some(&json!({"partnerTenantId": creator.tenant_id}))).await;
    // the creator lost its relationship and its confirmation
    assert_error(app.get(&format!("/v1/customers/{id}"), &creator.token).await, 403, 20002).await;
    // the other partner keeps the customer, its confirmation, its order and the direct acceptance
    let agreements = app.get_json(&format!("/v1/customers/{id}/agreements?agreementType=*"), &other.token).await;
    let people: Vec<&str> = agreements["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["primaryContact"]["firstName"].as_str().unwrap())
        .collect();
    assert_eq!(people, vec!["Cy", "Bo"]);
    assert_eq!(app.get_json(&format!("/v1/customers/{id}/orders"), &other.token).await["totalCount"], 1);
}

#[tokio::test]
async fn an_empty_filter_a_repeated_parameter_and_a_body_no_route_reads_are_refused() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let customer = app.create_customer(&p.token, "emptyfilter").await;
    let id = customer["id"].as_str().unwrap();
    let r = app.confirm(&p.token, id, &confirmation("Ana", "ana@x.example", "2026-03-01T10:00:00Z")).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let all: Value = app.control_json(Method::GET, "/_emulator/outbox?includePending=true", None).await;
    assert_eq!(all["totalCount"], 1, "{all}");
    // a filter sent empty (an unset variable) would otherwise list every email or entry
    for path in [
        "/_emulator/outbox?includePending=true&to=",
        "/_emulator/outbox?customerId=",
        "/_emulator/outbox?partnerTenantId=%20",
        "/_emulator/requests?partnerTenantId=",
        "/_emulator/requests?correlationId=",
    ] {
        let r = app.control(Method::GET, path, None).await;
        assert_eq!(r.status(), 400, "{path}");
        let error: Value = r.json().await.unwrap();
        assert_eq!(error["code"], 990406, "{path}: {error}");
        assert!(error["data"][0].as_str().unwrap().contains("is empty"), "{error}");
    }
    // a parameter twice: which one was meant is not guessed, and nothing is changed
    let twice = format!("/_emulator/reset?partnerTenantId={}&PARTNERTENANTID={}", p.tenant_id, p.tenant_id);
    let r = app.control(Method::POST, &twice, None).await;
    assert_eq!(r.status(), 400);
    let error: Value = r.json().await.unwrap();
    assert!(error["data"][0].as_str().unwrap().contains("more than once"), "{error}");
    assert_eq!(app.get_json("/v1/customers", &p.token).await["totalCount"], 1, "nothing was reset");
    let r = app.control(Method::GET, "/_emulator/outbox?to=ana@x.example&to=bob@x.example", None).await;
    assert_eq!(r.status(), 400);
    // a body on a route that reads none: refused, no link issued
    let user: Value = app
        .control_json(
            Method::POST,
            &format!("/_emulator/partners/{}/users", p.tenant_id),
            Some(&json!({"userName": "bodyless@x.example", "roles": ["AdminAgent"]})),
        )
        .await;
    let links = format!("/_emulator/partners/{}/users/{}/sign-in-links", p.tenant_id, user["id"].as_str().unwrap());
    let r = app.control(Method::POST, &links, Some(&json!({"expiresInSeconds": 60}))).await;
    assert_eq!(r.status(), 400);
    let error: Value = r.json().await.unwrap();
    assert_eq!(error["code"], 990401, "{error}");
    assert!(error["data"][0].as_str().unwrap().contains("reads no body"), "{error}");
    assert_eq!(app.control(Method::POST, &links, None).await.status(), 201, "without a body, as documented");
}

#[tokio::test]
async fn a_clock_reset_with_a_time_beside_it_is_refused() {
    let app = TestApp::spawn().await;
    app.set_clock("2030-01-01T00:00:00Z").await;
    let body = json!({"now": "2026-12-01T00:00:00Z", "frozen": true, "reset": true});
    let r = app.control(Method::PUT, "/_emulator/clock", Some(&body)).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], 990401);
    let clock: Value = app.control_json(Method::GET, "/_emulator/clock", None).await;
    assert_eq!(
        (clock["frozen"].as_bool(), clock["now"].as_str().map(|n| n.starts_with("2030-01-01"))),
        (Some(true), Some(true))
    );
    let r = app.control(Method::PUT, "/_emulator/clock", Some(&json!({"reset": true}))).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_fault_rule_that_could_never_hit_is_refused_and_not_stored() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    for (rule, code) in [
        (json!({"effect": "throttle", "partnerTenantId": "00000000-0000-4000-8000-000000000009"}), 990430),
        (json!({"effect": "throttle", "partnerTenantId": "not-a-guid"}), 990401),
        (json!({"effect": "throttle", "path": "/_emulator/*"}), 990401),
        (json!({"effect": "throttle", "path": "/AdminPortal*"}), 990401),
        (json!({"effect": "throttle", "path": "/v1/customers/{customerId}/agreements"}), 990401),
        (json!({"effect": "throttle", "operation": "GET /v1/agreements", "path": "/v1/customers*"}), 990401),
        (json!({"effect": "throttle", "delayMs": 100}), 990401),
        (json!({"effect": "delay", "delayMs": 100, "retryAfterSeconds": 5}), 990401),
    ] {
        let r = app.control(Method::POST, "/_emulator/faults", Some(&rule)).await;
        let error: Value = r.json().await.unwrap();
        assert_eq!(error["code"], code, "{rule}: {error}");
    }
    let rules: Value = app.control_json(Method::GET, "/_emulator/faults", None).await;
    assert_eq!(rules["items"].as_array().map(Vec::len), Some(0), "{rules}");
    // the same rules, able to hit: stored, and they hit
    let rule = json!({"effect": "throttle", "partnerTenantId": p.tenant_id, "operation": "GET /v1/customers", "path": "/v1/customers", "count": 1});
    assert_eq!(app.control(Method::POST, "/_emulator/faults", Some(&rule)).await.status(), 201);
    assert_eq!(app.get("/v1/customers", &p.token).await.status(), 429);
}

/// One request written by hand on a fresh connection (`Connection: close`): its status line.
async fn raw_status(app: &TestApp, request: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_chunked_body_is_read_to_tell_whether_a_route_that_reads_none_got_one() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let user: Value = app
        .control_json(
            Method::POST,
            &format!("/_emulator/partners/{}/users", p.tenant_id),
            Some(&json!({"userName": "chunked@x.example", "roles": ["AdminAgent"]})),
        )
        .await;
    let path = format!("/_emulator/partners/{}/users/{}/sign-in-links", p.tenant_id, user["id"].as_str().unwrap());
    let chunked = |body: &str| {
        let chunk = if body.is_empty() { String::new() } else { format!("{:x}\r\n{body}\r\n", body.len()) };
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{chunk}0\r\n\r\n"
        )
    };
    // an empty chunked body is no body (a client streaming nothing); a chunked one with bytes is refused
    assert!(raw_status(&app, chunked("")).await.contains(" 201 "), "empty chunked body");
    assert!(raw_status(&app, chunked("{\"expiresInSeconds\":60}")).await.contains(" 400 "), "chunked body");
    let zero = format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert!(raw_status(&app, zero).await.contains(" 201 "), "Content-Length: 0");
}
