//! Enhanced attestation, end to end on a fresh emulator (today's service date): create an
//! attestation (App-only), the customer accepts it on the acceptance page, the partner creates
//! the customer's agreement with it; and every refusal on the way.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

/// A partner of `partner_type` with an App-only token, and a customer it created.
struct Setup {
    app: TestApp,
    partner: String,
    app_token: String,
    /// An Admin agent's token: the agreement reads are App+User only, as Microsoft's pages say.
    reader_token: String,
    customer: String,
}

async fn setup(partner_type: &str) -> Setup {
    let app = TestApp::spawn().await;
    let partner = app.create_partner(partner_type, None).await;
    let app_token = app.mint(&partner, &[], true).await;
    let reader_token = app.mint(&partner, &["AdminAgent"], false).await;
    let customer = app.create_customer(&app_token, "fabrikam").await["id"].as_str().unwrap().to_string();
    Setup { app, partner, app_token, reader_token, customer }
}

pub fn attestation_body(first: &str, email: &str) -> Value {
    json!({
        "country": "AT",
        "language": "de-DE",
        "companyName": "Fabrikam GmbH",
        "signatoryFirstName": first,
        "signatoryLastName": "Bowen",
        "signatoryEmail": email,
        "signatoryPhoneNumber": "+43 1 555 0100"
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    let r = app.post("/v1/attestations/enhanced", token, body).await;
    assert_eq!(r.status(), 201, "create attestation");
    r.json().await.unwrap()
}

async fn accept_by_control_plane(app: &TestApp, id: &str) -> Value {
    app.control_json(Method::POST, &format!("/_emulator/attestations/{id}/accept"), None).await
}

async fn agreement_with(app: &TestApp, token: &str, customer: &str, attestation: &str) -> reqwest::Response {
    app.post(&format!("/v1/customers/{customer}/agreements"), token, &json!({"attestationId": attestation})).await
}

/// The hidden form field `name` of an HTML page.
fn form_field(page: &str, name: &str) -> String {
    let at = page.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no field {name} in {page}"));
    let value = &page[at..];
    let start = value.find("value=\"").unwrap() + 7;
    value[start..start + value[start..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn a_partner_completes_an_enhanced_attestation_and_the_customer_can_buy() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    let created = create(app, &s.app_token, &attestation_body("Megan", "megan@fabrikam.example")).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["status"], "pending");
    assert_eq!(created["country"], "AT");
    assert_eq!(created["language"], "de-DE");
    assert_eq!(created["signatoryPhoneNumber"], "+43 1 555 0100");
    assert_eq!(created["attributes"]["objectType"], "EnhancedAttestation");
    assert!(created["acceptedDateTime"].is_null());
    let read = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await;
    assert_eq!(read, created);

    // before the customer accepts, the agreement is refused
    let r = agreement_with(app, &s.app_token, &s.customer, &id).await;
    assert_error(r, 409, 990442).await;

    // the customer accepts on the acceptance page: no sign-in, the link is the key
    let url = created["acceptanceUrl"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/EnhancedAttestation/Accept?attestationId={id}", app.base)), "{url}");
    let page = app.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers().get("x-frame-options").is_none(), "any site may frame it");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("Fabrikam GmbH") && html.contains("Megan Bowen (megan@fabrikam.example)"));
    assert!(html.contains("Austria (AT)") && html.contains("Sprache de-DE"), "the agreement in its locale");
    assert!(html.contains(r#"<html lang="de">"#) && html.contains("Annehmen"), "the page in its language");
    let form = [
        ("attestationId", form_field(&html, "attestationId")),
        ("country", form_field(&html, "country")),
        ("language", form_field(&html, "language")),
        ("token", form_field(&html, "token")),
    ];
    // without the box ticked: told what to do
    let r = app.http.post(app.url("/EnhancedAttestation/Accept")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("Setzen Sie das Häkchen"));
    // with a forged token: refused
    let mut forged = form.to_vec();
    forged[3].1 = "forged".into();
    forged.push(("accept", "true".into()));
    let r = app.http.post(app.url("/EnhancedAttestation/Accept")).form(&forged).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // a NUL is never dropped: in the box's value it is no tick, in the token no token
    let mut nul_tick = form.to_vec();
    nul_tick.push(("accept", "tr\u{0}ue".into()));
    let r = app.http.post(app.url("/EnhancedAttestation/Accept")).form(&nul_tick).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("Setzen Sie das Häkchen"));
    let mut nul_token = form.to_vec();
    nul_token[3].1.push('\u{0}');
    nul_token.push(("accept", "true".into()));
    let r = app.http.post(app.url("/EnhancedAttestation/Accept")).form(&nul_token).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let mut ticked = form.to_vec();
    ticked.push(("accept", "true".into()));
    let r = app.http.post(app.url("/EnhancedAttestation/Accept")).form(&ticked).send().await.unwrap();
    assert_eq!(r.status(), 303, "post/redirect/get");
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/EnhancedAttestation/Accept?") && location.ends_with("&outcome=accepted"),
        "{location}"
    );
    let r = app.http.get(app.url(&location)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let accepted_page = r.text().await.unwrap();
    assert!(accepted_page.contains("Angenommen am"), "{accepted_page}");
    assert!(accepted_page.contains("window.parent.postMessage"), "it tells the page that frames it");
    assert!(accepted_page.contains(r#""event":"accepted""#), "{accepted_page}");
    let read = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await;
    assert_eq!(read["status"], "accepted");
    let accepted_at = read["acceptedDateTime"].as_str().unwrap().to_string();

    // the partner creates the agreement with it
    let r = agreement_with(app, &s.app_token, &s.customer, &id).await;
    assert_eq!(r.status(), 201);
    let agreement: Value = r.json().await.unwrap();
    assert_eq!(
        agreement,
        json!({
            "userId": null,
            "primaryContact": {"firstName": "Megan", "lastName": "Bowen", "email": "megan@fabrikam.example", "phoneNumber": "+43 1 555 0100"},
            "templateId": MCA_TEMPLATE,
            "dateAgreed": accepted_at,
            "type": "MicrosoftCustomerAgreement",
            "language": "de-DE"
        })
    );
    let read = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await;
    assert_eq!((read["status"].as_str(), read["customerId"].as_str()), (Some("completed"), Some(s.customer.as_str())));

    // it shows in the confirmations list, opens the ordering gate and queues the email
    let list_path = format!("/v1/customers/{}/agreements?agreementType=MicrosoftCustomerAgreement", s.customer);
    let list = app.get_json(&list_path, &s.reader_token).await;
    assert_eq!(list["totalCount"], 1);
    // read with an App+User token: the App-only token that made it may not read it
    assert_error(app.get(&list_path, &s.app_token).await, 403, 990420).await;
    assert_eq!(list["items"][0]["agreementLink"], "https://aka.ms/customeragreement");
    assert_eq!(app.order(&s.app_token, &s.customer).await.status(), 201);
    let outbox = app.control_json(Method::GET, &format!("/_emulator/outbox?customerId={}", s.customer), None).await;
    assert_eq!(outbox["totalCount"], 1);
    assert_eq!(outbox["items"][0]["to"], "megan@fabrikam.example");
    let signed = app
        .get_json(
            &format!("/v1/customers/{}/directSignedMicrosoftCustomerAgreementStatus", s.customer),
            &s.reader_token,
        )
        .await;
    assert_eq!(signed["isSigned"], false, "an attestation is no direct acceptance");

    // used once, for good
    assert_error(agreement_with(app, &s.app_token, &s.customer, &id).await, 409, 990444).await;
    // the page now says it was accepted, and accepting again is refused
    let again = app.http.get(url).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("bereits am") && again.contains(r#""event":"alreadyAccepted""#), "{again}");
    let r = app.control(Method::POST, &format!("/_emulator/attestations/{id}/accept"), None).await;
    assert_error(r, 409, 990447).await;
}

#[tokio::test]
async fn a_pending_attestation_expires_by_the_emulator_clock() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    app.set_clock("2026-12-02T12:00:00Z").await;
    let token = app.mint(&s.partner, &[], true).await;
    let created = create(app, &token, &attestation_body("Lee", "lee@fabrikam.example")).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["expirationDateTime"], "2027-01-01T12:00:00.000Z", "30 days by default");
    // tokens follow the emulator clock too: a new one after each move
    app.set_clock("2027-01-01T11:59:59Z").await;
    let token = app.mint(&s.partner, &[], true).await;
    let read = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &token).await;
    assert_eq!(read["status"], "pending");
    app.control_json(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 1}))).await;
    let read = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &token).await;
    assert_eq!(read["status"], "expired");
    let r = app.control(Method::POST, &format!("/_emulator/attestations/{id}/accept"), None).await;
    assert_error(r, 410, 990443).await;
    assert_error(agreement_with(app, &token, &s.customer, id).await, 410, 990443).await;
    let page = app.http.get(read["acceptanceUrl"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("abgelaufen") && page.contains(r#""event":"expired""#), "{page}");
    // an accepted one does not expire
    let other = create(app, &token, &attestation_body("Bo", "bo@fabrikam.example")).await;
    let other = other["id"].as_str().unwrap();
    accept_by_control_plane(app, other).await;
    app.control_json(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 90 * 86400}))).await;
    let token = app.mint(&s.partner, &[], true).await;
    assert_eq!(agreement_with(app, &token, &s.customer, other).await.status(), 201);
}

#[tokio::test]
async fn a_configured_expiry_applies() {
    let app = TestApp::spawn_with(&["--attestation-expiry-days", "2"]).await;
    let partner = app.create_partner("DirectBill", None).await;
    let token = app.mint(&partner, &[], true).await;
    app.set_clock("2026-12-02T00:00:00Z").await;
    let created = create(&app, &token, &attestation_body("Lee", "lee@fabrikam.example")).await;
    assert_eq!(created["expirationDateTime"], "2026-12-04T00:00:00.000Z");
}

#[tokio::test]
async fn only_app_only_callers_of_direct_bill_partners_and_indirect_providers_attest() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    let user_token = app.mint(&s.partner, &["AdminAgent"], false).await;
    let body = attestation_body("Megan", "megan@fabrikam.example");
    assert_error(app.post("/v1/attestations/enhanced", &user_token, &body).await, 403, 990426).await;
    let created = create(app, &s.app_token, &body).await;
    let id = created["id"].as_str().unwrap();
    assert_error(app.get(&format!("/v1/attestations/enhanced/{id}"), &user_token).await, 403, 990426).await;
    accept_by_control_plane(app, id).await;
    // an App+User token naming an attestation is refused before anything else
    assert_error(agreement_with(app, &user_token, &s.customer, id).await, 403, 990426).await;

    let provider = app.create_partner("IndirectProvider", None).await;
    let provider_token = app.mint(&provider, &[], true).await;
    create(app, &provider_token, &body).await;
    let reseller = app.create_partner("IndirectReseller", Some(&provider)).await;
    let reseller_token = app.mint(&reseller, &[], true).await;
    let e = assert_error(app.post("/v1/attestations/enhanced", &reseller_token, &body).await, 403, 990421).await;
    assert!(e["description"].as_str().unwrap().contains("indirect provider"));
}

#[tokio::test]
async fn another_partners_or_an_unknown_attestation_is_refused() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    let created = create(app, &s.app_token, &attestation_body("Megan", "megan@fabrikam.example")).await;
    let id = created["id"].as_str().unwrap();
    accept_by_control_plane(app, id).await;
    let other = app.create_partner("DirectBill", None).await;
    let other_token = app.mint(&other, &[], true).await;
    let other_customer = app.create_customer(&other_token, "othercustomer").await;
    let other_customer = other_customer["id"].as_str().unwrap();
    assert_error(app.get(&format!("/v1/attestations/enhanced/{id}"), &other_token).await, 403, 990446).await;
    assert_error(agreement_with(app, &other_token, other_customer, id).await, 403, 990446).await;
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_error(app.get(&format!("/v1/attestations/enhanced/{unknown}"), &s.app_token).await, 404, 990445).await;
    assert_error(agreement_with(app, &s.app_token, &s.customer, unknown).await, 404, 990445).await;
    // a customer the caller does not serve is refused as on every customer route
    assert_error(agreement_with(app, &s.app_token, other_customer, id).await, 403, 20002).await;
    let page = app.http.get(app.url(&format!("/EnhancedAttestation/Accept?attestationId={unknown}"))).send().await;
    assert_eq!(page.unwrap().status(), 404);
}

#[tokio::test]
async fn the_same_signer_twice_for_a_customer_is_a_duplicate_and_leaves_the_attestation_unused() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    let body = attestation_body("Megan", "megan@fabrikam.example");
    let first = create(app, &s.app_token, &body).await;
    let second = create(app, &s.app_token, &body).await;
    for a in [&first, &second] {
        accept_by_control_plane(app, a["id"].as_str().unwrap()).await;
    }
    assert_eq!(agreement_with(app, &s.app_token, &s.customer, first["id"].as_str().unwrap()).await.status(), 201);
    let second_id = second["id"].as_str().unwrap();
    assert_error(agreement_with(app, &s.app_token, &s.customer, second_id).await, 409, 600061).await;
    let read = app.get_json(&format!("/v1/attestations/enhanced/{second_id}"), &s.app_token).await;
    assert_eq!(read["status"], "accepted", "the refused agreement did not use it");
    let another = app.create_customer(&s.app_token, "anothercustomer").await;
    assert_eq!(agreement_with(app, &s.app_token, another["id"].as_str().unwrap(), second_id).await.status(), 201);
}

#[tokio::test]
async fn bodies_are_checked_and_an_attestation_takes_no_contact_or_date() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    let r = app.post("/v1/attestations/enhanced", &s.app_token, &json!({"country": "XX"})).await;
    let e = assert_error(r, 400, 990401).await;
    let data: Vec<&str> = e["data"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    for field in ["signatoryFirstName", "signatoryLastName", "signatoryEmail", "companyName", "language"] {
        assert!(data.iter().any(|d| d.starts_with(field)), "{field} in {data:?}");
    }
    // PascalCase like the .NET SDK, and a language the country does not offer falls back to en-US
    let pascal = json!({"Country": "AT", "Language": "fr-FR", "CompanyName": "F", "SignatoryFirstName": "A",
        "SignatoryLastName": "B", "SignatoryEmail": "a@b.example", "SignatoryPhoneNumber": null});
    let created = create(app, &s.app_token, &pascal).await;
    assert_eq!(created["language"], "en-US");
    assert!(created.get("signatoryPhoneNumber").is_none());
    let id = created["id"].as_str().unwrap();
    accept_by_control_plane(app, id).await;
    let path = format!("/v1/customers/{}/agreements", s.customer);
    let mixed = json!({"attestationId": id, "primaryContact": {"firstName": "A"}, "dateAgreed": "2026-01-01"});
    let e = assert_error(app.post(&path, &s.app_token, &mixed).await, 400, 990401).await;
    assert_eq!(e["data"].as_array().unwrap().len(), 2, "{e}");
    let cloud = json!({"attestationId": id, "type": "MicrosoftCloudAgreement"});
    assert_error(app.post(&path, &s.app_token, &cloud).await, 400, 990412).await;
    let typed = json!({"AttestationId": id, "Type": "MicrosoftCustomerAgreement", "UserId": null});
    assert_eq!(app.post(&path, &s.app_token, &typed).await.status(), 201);
}

#[tokio::test]
async fn retries_of_both_posts_replay_their_first_answer() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    let send = |path: String, body: Value, request_id: &'static str| {
        app.request(Method::POST, &path, Some(&s.app_token)).header("MS-RequestId", request_id).json(&body).send()
    };
    let body = attestation_body("Megan", "megan@fabrikam.example");
    let first = send("/v1/attestations/enhanced".into(), body.clone(), "0e0e0e0e-0000-4000-8000-000000000001");
    let first = first.await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let retry = send("/v1/attestations/enhanced".into(), body, "0e0e0e0e-0000-4000-8000-000000000001").await.unwrap();
    assert_eq!(retry.headers()["x-pce-replayed"], "true");
    assert_eq!(retry.json::<Value>().await.unwrap(), first, "the same attestation, not a second one");
    let id = first["id"].as_str().unwrap();
    accept_by_control_plane(app, id).await;
    let path = format!("/v1/customers/{}/agreements", s.customer);
    let made = send(path.clone(), json!({"attestationId": id}), "0e0e0e0e-0000-4000-8000-000000000002").await;
    assert_eq!(made.unwrap().status(), 201);
    let retry = send(path, json!({"attestationId": id}), "0e0e0e0e-0000-4000-8000-000000000002").await.unwrap();
    assert_eq!(retry.status(), 201, "replayed, not refused as used");
    assert_eq!(retry.headers()["x-pce-replayed"], "true");
    let outbox = app.control_json(Method::GET, "/_emulator/outbox", None).await;
    assert_eq!(outbox["totalCount"], 1, "one agreement, one email");
}

#[tokio::test]
async fn a_reset_forgets_attestations_and_seeds_make_them() {
    let s = setup("IndirectProvider").await;
    let app = &s.app;
    let created = create(app, &s.app_token, &attestation_body("Megan", "megan@fabrikam.example")).await;
    let id = created["id"].as_str().unwrap();
    app.control_json(Method::POST, "/_emulator/reset", Some(&json!({"partnerTenantId": s.partner}))).await;
    assert_error(app.get(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await, 404, 990445).await;

    app.control_json(Method::POST, "/_emulator/reset", None).await;
    let seeded = app.post_seed("application/yaml", std::fs::read_to_string("seeds/enhanced.yaml").unwrap()).await;
    assert_eq!(seeded.status(), 201);
    let seeded: Value = seeded.json().await.unwrap();
    assert_eq!(seeded["enhancedAttestations"], 2);
    let partner = seeded["ids"]["woodgrove"].as_str().unwrap();
    let token = app.mint(partner, &[], true).await;
    let pending = seeded["ids"]["pending-attestation"].as_str().unwrap();
    let accepted = seeded["ids"]["accepted-attestation"].as_str().unwrap();
    assert_eq!(app.get_json(&format!("/v1/attestations/enhanced/{pending}"), &token).await["status"], "pending");
    assert_eq!(app.get_json(&format!("/v1/attestations/enhanced/{accepted}"), &token).await["status"], "accepted");
    let customer = seeded["ids"]["tailspin"].as_str().unwrap();
    assert_eq!(app.order(&token, customer).await.status(), 403, "not attested yet: the gate holds");
    assert_eq!(agreement_with(app, &token, customer, accepted).await.status(), 201);
    assert_eq!(app.order(&token, customer).await.status(), 201);
}

#[tokio::test]
async fn deterministic_mode_gives_attestations_the_same_ids_run_to_run() {
    async fn ids(seed: &str) -> Vec<String> {
        let app = TestApp::spawn_with(&["--deterministic-seed", seed]).await;
        let partner = app.create_partner("DirectBill", None).await;
        let token = app.mint(&partner, &[], true).await;
        let a = create(&app, &token, &attestation_body("Megan", "megan@fabrikam.example")).await;
        vec![partner, a["id"].as_str().unwrap().to_string()]
    }
    assert_eq!(ids("7").await, ids("7").await);
    assert_ne!(ids("7").await, ids("8").await);
}

/// Year 9999: every date the emulator computes from its clock stops at 9999-12-31T23:59:59.999Z,
/// the end of the documented format, so a new attestation's expiry stays readable and the
/// attestation works to the end on both backends.
#[tokio::test]
async fn an_expiry_past_the_end_of_9999_is_capped_at_its_last_millisecond() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    app.set_clock("9999-12-31T23:50:00Z").await;
    let token = app.mint(&s.partner, &[], true).await;
    let created = create(app, &token, &attestation_body("Lee", "lee@fabrikam.example")).await;
    assert_eq!(created["expirationDateTime"], "9999-12-31T23:59:59.999Z", "{created}");
    let id = created["id"].as_str().unwrap();
    let read = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &token).await;
    assert_eq!(
        (read["status"].as_str(), read["expirationDateTime"].as_str()),
        (Some("pending"), Some("9999-12-31T23:59:59.999Z"))
    );
    let accepted = accept_by_control_plane(app, id).await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    let r = agreement_with(app, &token, &s.customer, id).await;
    assert_eq!(r.status(), 201);
    let agreement: Value = r.json().await.unwrap();
    assert_eq!(agreement["dateAgreed"], "9999-12-31T23:50:00.000Z", "{agreement}");
    // A document link made in the last minutes of 9999 expires at its end too.
    let persona = app.persona("DirectBill").await;
    app.set_clock("9999-12-31T23:59:00Z").await;
    let link = app
        .get_json(&format!("/v1/agreementtemplates/{MCA_TEMPLATE}/document?language=en-US&country=US"), &persona.token)
        .await;
    let text = link.to_string();
    assert!(!text.contains("+10000"), "{text}");
}

/// Attestation ids follow the one rule for GUID ids: any letter case, braces or not, in the path,
/// the body, the control plane and the acceptance page.
#[tokio::test]
async fn attestation_ids_are_guids_in_any_case_and_braces() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    let created = create(app, &s.app_token, &attestation_body("Ana", "ana@fabrikam.example")).await;
    let id = created["id"].as_str().unwrap();
    let upper = id.to_uppercase();
    let braced = format!("{{{upper}}}");
    let read = app.get_json(&format!("/v1/attestations/enhanced/{upper}"), &s.app_token).await;
    assert_eq!(read["id"], id, "answered with the id as issued");
    let read = app.get_json(&format!("/v1/attestations/enhanced/{braced}"), &s.app_token).await;
    assert_eq!(read["id"], id);
    let page = app.http.get(app.url(&format!("/EnhancedAttestation/Accept?attestationId={upper}"))).send().await;
    assert_eq!(page.unwrap().status(), 200);
    let accepted = accept_by_control_plane(app, &upper).await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    let customer = s.customer.to_uppercase();
    let r = agreement_with(app, &s.app_token, &format!("{{{customer}}}"), &braced).await;
    assert_eq!(r.status(), 201);
    // Used once, whatever its spelling.
    assert_error(agreement_with(app, &s.app_token, &s.customer, id).await, 409, 990444).await;
}

/// The `postMessage` an acceptance page sends its embedder, and to whom.
fn posted(page: &str) -> (Value, String) {
    let start = page.find("window.parent.postMessage(").unwrap_or_else(|| panic!("no message in {page}")) + 26;
    let rest = &page[start..];
    let end = rest.find("); }").unwrap();
    let (message, target) = rest[..end].rsplit_once(", ").unwrap();
    (serde_json::from_str(message).unwrap(), serde_json::from_str(target).unwrap())
}

/// The acceptance page's form as the browser would send it, ticked.
fn ticked_form(page: &str) -> Vec<(&'static str, String)> {
    let mut form: Vec<(&'static str, String)> =
        ["attestationId", "country", "language", "token"].into_iter().map(|f| (f, form_field(page, f))).collect();
    form.push(("accept", "true".into()));
    form
}

async fn post_form(app: &TestApp, form: &[(&str, String)]) -> reqwest::Response {
    app.http.post(app.url("/EnhancedAttestation/Accept")).form(form).send().await.unwrap()
}

/// Before its general availability (2025-07-10) enhanced attestation does not exist: not its API,
/// not its acceptance page, not its acceptance by the control plane. An attestation made on a later
/// service date is left pending, and is accepted once the date is moved back.
#[tokio::test]
async fn before_general_availability_the_page_and_the_acceptance_do_not_exist_either() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    let created = create(app, &s.app_token, &attestation_body("Megan", "megan@fabrikam.example")).await;
    let id = created["id"].as_str().unwrap();
    let url = created["acceptanceUrl"].as_str().unwrap();
    let pin = |date: &str| json!({"date": date});
    let r = app.control(Method::PUT, "/_emulator/service-date", Some(&pin("2025-03-01"))).await;
    assert_eq!(r.status(), 200);
    assert_error(app.get(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await, 404, 990440).await;
    let page = app.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 404, "the page");
    let page = page.text().await.unwrap();
    assert!(page.contains("Dieser Annahmelink ist ungültig") && !page.contains("name=\"accept\""), "{page}");
    assert!(page.contains("notFound"), "the embedder hears that nothing awaits acceptance");
    let accepted = app.control(Method::POST, &format!("/_emulator/attestations/{id}/accept"), None).await;
    assert_error(accepted, 404, 990440).await;

    let r = app.control(Method::PUT, "/_emulator/service-date", Some(&json!({"reset": true}))).await;
    assert_eq!(r.status(), 200);
    let still = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await;
    assert_eq!(still["status"], "pending", "{still}");
    assert_eq!(accept_by_control_plane(app, id).await["status"], "accepted");
}

#[tokio::test]
async fn the_page_keeps_the_attestations_country_and_stores_the_language_and_template_accepted() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    let created = create(app, &s.app_token, &attestation_body("Megan", "megan@fabrikam.example")).await;
    let id = created["id"].as_str().unwrap();
    let url = created["acceptanceUrl"].as_str().unwrap();
    assert!(created["acceptedLanguage"].is_null() && created["acceptedTemplateId"].is_null());

    // a link naming another country is refused, and says so to the embedder
    let r = app.http.get(url.replace("country=AT", "country=JP")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("Dieser Link nennt ein anderes Land") && page.contains("Austria (AT)"), "{page}");
    assert!(!page.contains("Japan") && !page.contains(r#"name="token""#), "no agreement of Japan to accept");
    let (message, target) = posted(&page);
    assert_eq!((message["event"].as_str(), message["reason"].as_str()), (Some("refused"), Some("countryMismatch")));
    assert_eq!((message["attestationId"].as_str(), target.as_str()), (Some(id), "*"));

    // the link's language chooses among Austria's languages; one it does not offer reads en-US
    let ja = app.http.get(url.replace("language=de-DE", "language=ja-JP")).send().await.unwrap();
    let ja = ja.text().await.unwrap();
    assert!(ja.contains(r#"<html lang="en">"#) && form_field(&ja, "language") == "en-US", "the table's fallback");
    let en = app.http.get(url.replace("language=de-DE", "language=en-US")).send().await.unwrap();
    let en = en.text().await.unwrap();
    assert!(en.contains(r#"<html lang="en">"#) && en.contains("language en-US") && en.contains("Accept by"));

    // a form whose country was changed is refused too, and accepts nothing
    let mut tampered = ticked_form(&en);
    tampered[1].1 = "JP".into();
    assert_eq!(post_form(app, &tampered).await.status(), 400);
    let read = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await;
    assert_eq!(read["status"], "pending");
    // a form with a field twice (`accept` false, then true): which was meant cannot be told
    let mut twice = ticked_form(&en);
    twice.insert(0, ("accept", "false".into()));
    let r = post_form(app, &twice).await;
    assert_eq!(r.status(), 400);
    let (message, _) = posted(&r.text().await.unwrap());
    assert_eq!((message["event"].as_str(), message["reason"].as_str()), (Some("refused"), Some("repeatedParameter")));
    let read = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await;
    assert_eq!(read["status"], "pending");

    // accepted in English: the language and the template are kept, the country stays Austria
    let r = post_form(app, &ticked_form(&en)).await;
    assert_eq!(r.status(), 303);
    let read = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await;
    assert_eq!(read["status"], "accepted");
    assert_eq!((read["country"].as_str(), read["language"].as_str()), (Some("AT"), Some("de-DE")));
    assert_eq!(read["acceptedLanguage"], "en-US");
    assert_eq!(read["acceptedTemplateId"], MCA_TEMPLATE);

    // the page now shows what was accepted, whatever the link asks
    let again = app.http.get(url).send().await.unwrap().text().await.unwrap();
    assert!(again.contains(r#"<html lang="en">"#) && again.contains("already accepted"), "{again}");
    let (message, _) = posted(&again);
    assert_eq!((message["event"].as_str(), message["language"].as_str()), (Some("alreadyAccepted"), Some("en-US")));
    assert_eq!(message["acceptedDateTime"], read["acceptedDateTime"]);

    // the agreement made from it records the same
    let r = agreement_with(app, &s.app_token, &s.customer, id).await;
    assert_eq!(r.status(), 201);
    let agreement: Value = r.json().await.unwrap();
    assert_eq!((agreement["language"].as_str(), agreement["templateId"].as_str()), (Some("en-US"), Some(MCA_TEMPLATE)));
    let list = format!("/v1/customers/{}/agreements?agreementType=MicrosoftCustomerAgreement", s.customer);
    let list = app.get_json(&list, &s.reader_token).await;
    assert_eq!(list["items"][0]["language"], "en-US", "{list}");
    let read = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await;
    assert_eq!((read["status"].as_str(), read["acceptedLanguage"].as_str()), (Some("completed"), Some("en-US")));

    // accepted without the page (the control plane): the attestation's own language
    let other = create(app, &s.app_token, &attestation_body("Lee", "lee@fabrikam.example")).await;
    let accepted = accept_by_control_plane(app, other["id"].as_str().unwrap()).await;
    assert_eq!(
        (accepted["acceptedLanguage"].as_str(), accepted["acceptedTemplateId"].as_str()),
        (Some("de-DE"), Some(MCA_TEMPLATE))
    );
}

#[tokio::test]
async fn every_outcome_is_told_to_the_embedder_at_its_origin_when_the_link_names_one() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    app.set_clock("2026-12-02T12:00:00Z").await;
    let token = app.mint(&s.partner, &[], true).await;
    let created = create(app, &token, &attestation_body("Megan", "megan@fabrikam.example")).await;
    let url = created["acceptanceUrl"].as_str().unwrap();
    let page_of = |link: String| async move {
        let r = app.http.get(app.url(&link)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };

    // a pending page posts nothing; its form carries the origin it reports to
    let framed = format!("{url}&embedderOrigin=HTTPS://Shop.Example/");
    let pending = app.http.get(&framed).send().await.unwrap().text().await.unwrap();
    assert!(!pending.contains("postMessage"));
    assert_eq!(form_field(&pending, "embedderOrigin"), "https://shop.example");
    assert!(pending.contains(r#"<time datetime="2027-01-01T12:00:00.000Z""#), "the expiry while pending");
    assert!(pending.find("Der Vertrag").unwrap() < pending.find(r#"id="accept""#).unwrap(), "the agreement first");

    // unknown, missing, malformed: clear pages, and the embedder hears of each
    for (link, status, event, reason) in [
        ("/EnhancedAttestation/Accept?attestationId=00000000-0000-4000-8000-000000000000", 404, "notFound", None),
        ("/EnhancedAttestation/Accept", 400, "refused", Some("missingId")),
        ("/EnhancedAttestation/Accept?attestationId=%20", 400, "refused", Some("missingId")),
        ("/EnhancedAttestation/Accept?attestationId=a%01b", 400, "refused", Some("malformedId")),
        (
            "/EnhancedAttestation/Accept?attestationId=x&embedderOrigin=shop.example",
            400,
            "refused",
            Some("invalidEmbedderOrigin"),
        ),
        // An unset variable in the embedder's link: its events would have gone to `*`.
        ("/EnhancedAttestation/Accept?attestationId=x&embedderOrigin=", 400, "refused", Some("invalidEmbedderOrigin")),
        (
            "/EnhancedAttestation/Accept?attestationId=x&embedderOrigin=%20",
            400,
            "refused",
            Some("invalidEmbedderOrigin"),
        ),
    ] {
        let (got, page) = page_of(link.to_string()).await;
        assert_eq!(got, status, "{link}");
        assert!(page.contains("This acceptance link is not valid") || page.contains("not valid"), "{page}");
        assert!(!page.contains("Attestation ''"), "{page}");
        let (message, target) = posted(&page);
        assert_eq!(message["type"], "partner-center-emulator.enhanced-attestation");
        assert_eq!(
            (message["event"].as_str(), message["reason"].as_str(), target.as_str()),
            (Some(event), reason, "*"),
            "{link}"
        );
    }
    // A refused origin beside an id that can be none: the event says null, as the schema says, not
    // the malformed text.
    let long = "a".repeat(300);
    for id in [long.as_str(), "%01bad"] {
        let (got, page) = page_of(format!("/EnhancedAttestation/Accept?attestationId={id}&embedderOrigin=nope")).await;
        assert_eq!(got, 400);
        let (message, _) = posted(&page);
        assert_eq!(
            (message["reason"].as_str(), &message["attestationId"]),
            (Some("invalidEmbedderOrigin"), &Value::Null),
            "{id}"
        );
    }
    let (_, japanese) = page_of("/EnhancedAttestation/Accept?attestationId=nope&language=ja-JP".into()).await;
    assert!(japanese.contains(r#"<html lang="ja">"#) && japanese.contains("この同意リンクは無効です"));

    // a page left open past the expiry, then sent: expired, told to the embedder's origin
    let form = {
        let mut form = ticked_form(&pending);
        form.push(("embedderOrigin", form_field(&pending, "embedderOrigin")));
        form
    };
    app.set_clock("2027-01-01T12:00:00Z").await;
    let r = post_form(app, &form).await;
    assert_eq!(r.status(), 410);
    let (message, target) = posted(&r.text().await.unwrap());
    assert_eq!((message["event"].as_str(), message["status"].as_str()), (Some("expired"), Some("expired")));
    assert_eq!(target, "https://shop.example");
    let (status, expired) = page_of(framed.trim_start_matches(&app.base).to_string()).await;
    assert_eq!((status, posted(&expired).0["event"].as_str()), (200, Some("expired")), "on opening too");

    // a forged token and an unticked box are refusals the embedder hears of
    app.set_clock("2026-12-02T12:00:00Z").await;
    let token = app.mint(&s.partner, &[], true).await;
    let fresh = create(app, &token, &attestation_body("Bo", "bo@fabrikam.example")).await;
    let page = app.http.get(fresh["acceptanceUrl"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
    let mut forged = ticked_form(&page);
    forged[3].1 = "forged".into();
    let r = post_form(app, &forged).await;
    assert_eq!(r.status(), 403);
    assert_eq!(posted(&r.text().await.unwrap()).0["reason"], "formExpired");
    let mut unticked = ticked_form(&page);
    unticked.pop();
    let r = post_form(app, &unticked).await;
    assert_eq!(r.status(), 400);
    assert_eq!(posted(&r.text().await.unwrap()).0["reason"], "notTicked");
    // The request journal says why each page refused, as it does for the API: the event's reason.
    let journal = app.control_json(Method::GET, "/_emulator/requests", None).await;
    let refusals: Vec<(u64, &str)> = journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["method"] == "POST" && e["path"] == "/EnhancedAttestation/Accept")
        .filter(|e| e["status"].as_u64().unwrap() >= 400)
        .map(|e| (e["status"].as_u64().unwrap(), e["rule"].as_str().unwrap_or("<none>")))
        .collect();
    assert!(refusals.contains(&(403, "formExpired")) && refusals.contains(&(400, "notTicked")), "{journal}");
    let pages = journal["items"].as_array().unwrap().iter().filter(|e| e["path"] == "/EnhancedAttestation/Accept");
    assert!(pages.filter(|e| e["status"].as_u64() >= Some(400)).all(|e| e["hint"].is_string()), "{journal}");

    // accepted: the redirect keeps the origin, and the page it leads to posts `accepted` with its time
    let r = post_form(app, &ticked_form(&page)).await;
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (_, accepted) = page_of(location).await;
    let (message, target) = posted(&accepted);
    assert_eq!((message["event"].as_str(), target.as_str()), (Some("accepted"), "*"));
    let read = app.get_json(&format!("/v1/attestations/enhanced/{}", fresh["id"].as_str().unwrap()), &token).await;
    assert_eq!(message["acceptedDateTime"], read["acceptedDateTime"]);
    assert_eq!((message["language"].as_str(), message["templateId"].as_str()), (Some("de-DE"), Some(MCA_TEMPLATE)));
}

#[tokio::test]
async fn a_link_with_a_parameter_the_page_does_not_read_or_one_given_twice_is_refused() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    let created = create(app, &s.app_token, &attestation_body("Megan", "megan@fabrikam.example")).await;
    let id = created["id"].as_str().unwrap();
    let german = created["acceptanceUrl"].as_str().unwrap().to_string();
    let url = german.replace("language=de-DE", "language=en-US");
    let get = |link: String| async move {
        let r = app.http.get(link).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let shop = "https%3A%2F%2Fshop.example";

    // a misspelt embedderOrigin is not left unread (its events would go to `*`): the page says so
    for misspelt in ["embedder_origin", "embedderOrigen", "origin"] {
        let (status, page) = get(format!("{url}&{misspelt}={shop}")).await;
        assert_eq!(status, 400, "{misspelt}");
        let said = format!("This link has a parameter the page does not read: <code>{misspelt}</code>.");
        assert!(page.contains("This acceptance link is not valid") && page.contains(&said), "{page}");
        assert!(page.contains("The page reads attestationId, language, country and embedderOrigin."), "{page}");
        assert!(!page.contains("<form") && !page.contains(r#"name="token""#), "nothing to accept: {page}");
        let (message, target) = posted(&page);
        assert_eq!(
            (message["event"].as_str(), message["reason"].as_str(), target.as_str()),
            (Some("refused"), Some("unknownParameter"), "*"),
            "told to `*`: the link's origin is not to be trusted"
        );
        assert_eq!(message["attestationId"].as_str(), Some(id));
    }
    let (status, page) = get(format!("{german}&utm_source=mail")).await;
    assert_eq!(status, 400);
    assert!(page.contains("Dieser Link enthält einen Parameter, den die Seite nicht liest: <code>utm_source</code>"));

    // one of its parameters twice, in one spelling or two: which one would the page read?
    for (twice, name) in [
        (format!("{url}&embedderOrigin={shop}&embedderOrigin=https%3A%2F%2Fother.example"), "embedderOrigin"),
        (format!("{url}&embedderOrigin={shop}&EmbedderOrigin={shop}"), "EmbedderOrigin"),
        (format!("{url}&attestationId={id}"), "attestationId"),
    ] {
        let (status, page) = get(twice.clone()).await;
        assert_eq!(status, 400, "{twice}");
        let said = format!("This link gives the parameter <code>{name}</code> more than once.");
        assert!(page.contains(&said) && !page.contains(r#"name="token""#), "{page}");
        let (message, target) = posted(&page);
        assert_eq!((message["reason"].as_str(), target.as_str()), (Some("repeatedParameter"), "*"), "{twice}");
        let told = if name == "attestationId" { None } else { Some(id) };
        assert_eq!(message["attestationId"].as_str(), told, "{twice}");
    }
    let read = app.get_json(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await;
    assert_eq!(read["status"], "pending");

    // the link with its four parameters, named in any case, is the page as before
    let (status, page) = get(format!("{url}&embedderOrigin={shop}")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(form_field(&page, "embedderOrigin"), "https://shop.example");
    let (status, other_case) =
        get(format!("{}&EMBEDDERORIGIN={shop}", url.replace("attestationId=", "AttestationId="))).await;
    assert_eq!((status, form_field(&other_case, "embedderOrigin")), (200, "https://shop.example".into()));

    // and the page the form's post/redirect/get leads to (`outcome=accepted`) still answers
    let mut form = ticked_form(&page);
    form.push(("embedderOrigin", form_field(&page, "embedderOrigin")));
    let r = post_form(app, &form).await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("outcome=accepted"), "{location}");
    let (status, accepted) = get(app.url(&location)).await;
    assert_eq!(status, 200, "{accepted}");
    let (message, target) = posted(&accepted);
    assert_eq!((message["event"].as_str(), target.as_str()), (Some("accepted"), "https://shop.example"));
}

#[tokio::test]
async fn the_page_speaks_the_six_languages_and_english_for_the_rest() {
    let s = setup("DirectBill").await;
    let app = &s.app;
    for (country, language, lang, button) in [
        ("US", "en-US", "en", "Accept"),
        ("DE", "de-DE", "de", "Annehmen"),
        ("ES", "es-ES", "es", "Aceptar"),
        ("FR", "fr-FR", "fr", "Accepter"),
        ("IT", "it-IT", "it", "Accetta"),
        ("JP", "ja-JP", "ja", "同意する"),
        ("BR", "pt-BR", "en", "Accept"),
    ] {
        let mut body = attestation_body("Megan", "megan@fabrikam.example");
        body["country"] = json!(country);
        body["language"] = json!(language);
        let created = create(app, &s.app_token, &body).await;
        let page = app.http.get(created["acceptanceUrl"].as_str().unwrap()).send().await.unwrap();
        let page = page.text().await.unwrap();
        assert!(page.contains(&format!(r#"<html lang="{lang}">"#)), "{language}: {page}");
        assert!(page.contains(&format!(r#"<section class="card" aria-labelledby="agreement-title" lang="{lang}">"#)));
        assert!(page.contains(&format!(r#"<button type="submit">{button}</button>"#)), "{language}");
    }
}

#[tokio::test]
async fn a_script_accepts_in_a_language_the_agreement_is_offered_in_and_nothing_else() {
    let s = setup("DirectBill").await;
    let id = create(&s.app, &s.app_token, &attestation_body("Megan", "megan@fabrikam.example")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let accept = |body: Value| {
        let app = &s.app;
        let path = format!("/_emulator/attestations/{id}/accept");
        async move { app.control(Method::POST, &path, Some(&body)).await }
    };
    // a language not offered for Austria, and a misspelt member: refused, the attestation still pending
    let r = accept(json!({"language": "fr-FR"})).await;
    assert_eq!(r.status(), 400);
    let error: Value = r.json().await.unwrap();
    assert_eq!(error["code"], 990401, "{error}");
    assert!(error["data"][0].as_str().unwrap().contains("offered in: en-US, de-DE"), "{error}");
    let r = accept(json!({"languge": "en-US"})).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], 990401);
    let read = s.app.get_json(&format!("/v1/attestations/enhanced/{id}"), &s.app_token).await;
    assert_eq!(read["status"], "pending", "{read}");
    // one it is offered in, any letter case: accepted in it (not the attestation's de-DE)
    let r = accept(json!({"language": "EN-us"})).await;
    assert_eq!(r.status(), 200);
    let accepted: Value = r.json().await.unwrap();
    assert_eq!((accepted["status"].as_str(), accepted["acceptedLanguage"].as_str()), (Some("accepted"), Some("en-US")));
    // accepted already: that is what is said, whatever language is named
    let r = accept(json!({"language": "fr-FR"})).await;
    assert_eq!(r.status(), 409);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], 990447);
}

#[tokio::test]
async fn a_template_id_beside_the_attestation_must_be_the_one_the_customer_accepted() {
    let s = setup("DirectBill").await;
    let id = create(&s.app, &s.app_token, &attestation_body("Megan", "megan@fabrikam.example")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let accepted = accept_by_control_plane(&s.app, &id).await;
    let accepted_template = accepted["acceptedTemplateId"].as_str().unwrap().to_string();
    let with = |template: &str| json!({"attestationId": id, "templateId": template});
    let path = format!("/v1/customers/{}/agreements", s.customer);
    // unknown, the retired Cloud Agreement's, or the accepted one in another letter case: refused
    // as the 2023 body refuses them, and the attestation stays unused
    assert_error(s.app.post(&path, &s.app_token, &with("nope")).await, 400, 990411).await;
    assert_error(s.app.post(&path, &s.app_token, &with("998b88de-aa99-4388-a42c-1b3517d49490")).await, 400, 990413)
        .await;
    let upper = accepted_template.to_uppercase();
    assert_error(s.app.post(&path, &s.app_token, &with(&upper)).await, 400, 990411).await;
    // the template accepted: the agreement, with it
    let r = s.app.post(&path, &s.app_token, &with(&accepted_template)).await;
    assert_eq!(r.status(), 201);
    let agreement: Value = r.json().await.unwrap();
    assert_eq!(agreement["templateId"], accepted_template.as_str());
}
