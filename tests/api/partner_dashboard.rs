//! The emulated Partner Center dashboard over HTTP (a cookie-keeping client, no JavaScript):
//! sign-in by password and by one-time link, CSRF, the Add customer wizard (once however often
//! Submit is sent), the Account page's Update, the same refusals as the API, and the read-only
//! view on today's service date. The browser walk-through (`tests/browser/dashboard.mjs`) clicks
//! the same flows.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

pub(crate) struct PartnerUser {
    http: reqwest::Client,
    base: String,
}

fn csrf_of(html: &str) -> String {
    hidden(html, "csrf")
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("{name} field in {html}")) + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

impl PartnerUser {
    fn new(app: &TestApp) -> PartnerUser {
        let http =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        PartnerUser { http, base: app.base.clone() }
    }

    /// A user of `tenant_id` with `roles`, signed in through a one-time link.
    pub(crate) async fn signed_in(app: &TestApp, tenant_id: &str, roles: &[&str]) -> PartnerUser {
        let user = create_user(app, tenant_id, roles).await;
        let link = sign_in_link(app, tenant_id, user["id"].as_str().unwrap()).await;
        let visitor = PartnerUser::new(app);
        let r = visitor.http.get(link["url"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(r.status(), 303);
        visitor
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub(crate) async fn page(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        r.text().await.unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base)).form(form).send().await.unwrap()
    }
}

async fn create_user(app: &TestApp, tenant_id: &str, roles: &[&str]) -> Value {
    let r = app
        .control(
            Method::POST,
            &format!("/_emulator/partners/{tenant_id}/users"),
            Some(&json!({"userName": format!("u{}@partner.example", rand_suffix()), "roles": roles})),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn sign_in_link(app: &TestApp, tenant_id: &str, user_id: &str) -> Value {
    let r = app
        .control(Method::POST, &format!("/_emulator/partners/{tenant_id}/users/{user_id}/sign-in-links"), None)
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn rand_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

/// The Add customer form's fields for `domain`; with `attest`, the partner attests on that date.
fn wizard(domain: &str, attest: Option<&str>) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("companyName", format!("{domain} Ltd")),
        ("domain", domain.to_string()),
        ("firstName", "Megan".into()),
        ("lastName", "Bowen".into()),
        ("email", format!("megan@{domain}.example")),
        ("phoneNumber", String::new()),
        ("language", "en".into()),
        ("country", "US".into()),
        ("addressLine1", "1 Microsoft Way".into()),
        ("addressLine2", String::new()),
        ("city", "Redmond".into()),
        ("state", "WA".into()),
        ("postalCode", "98052".into()),
    ];
    match attest {
        Some(date) => {
            fields.push(("agreement", "partner".into()));
            fields.push(("dateAgreed", date.into()));
        }
        None => fields.push(("agreement", "customer".into())),
    }
    fields
}

async fn wizard_step(
    user: &PartnerUser,
    state: &[(&str, String)],
    fields: &[(&str, String)],
    step: &str,
) -> reqwest::Response {
    let mut all: Vec<(&str, &str)> = state.iter().map(|(k, v)| (*k, v.as_str())).collect();
    all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
    all.push(("step", step));
    let r = user.post("/dashboard/customers/new", &all).await;
    // Post/redirect/get: every step answers with a redirect to the page it leads to.
    if r.status() == 303 {
        return user.get(&location(&r)).await;
    }
    r
}

/// The wizard's hidden state (CSRF token and submission id) from its first page.
async fn open_wizard(user: &PartnerUser) -> Vec<(&'static str, String)> {
    let page = user.page("/dashboard/customers/new").await;
    vec![("csrf", csrf_of(&page)), ("submission", hidden(&page, "submission"))]
}

async fn customer_ids(app: &TestApp, token: &str) -> Vec<String> {
    let list = app.get_json("/v1/customers", token).await;
    list["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_sign_in_link_signs_in_once_into_an_http_only_session() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("DirectBill", None).await;
    let user = create_user(&app, &partner, &["AdminAgent"]).await;
    let link = sign_in_link(&app, &partner, user["id"].as_str().unwrap()).await;
    assert_eq!(link["userName"], user["userName"]);
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/dashboard/signin/link?token=", app.base)), "{url}");

    let visitor = PartnerUser::new(&app);
    let r = visitor.get("/dashboard/customers").await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/dashboard/signin?returnUrl="));

    let r = visitor.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/dashboard/customers");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .find(|c| c.starts_with("pce_partner_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let page = visitor.page("/dashboard/customers").await;
    assert!(page.contains("You have no customers yet."));
    assert!(page.contains("Emulated"), "marked as emulated");

    // The link works once.
    let again = PartnerUser::new(&app);
    let r = again.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("already used"));

    // Another partner's user is not this partner's.
    let other = app.create_partner("DirectBill", None).await;
    let r = app
        .control(
            Method::POST,
            &format!("/_emulator/partners/{other}/users/{}/sign-in-links", user["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_error(r, 404, 990449).await;

    // Signing out needs the form's token, then ends the session.
    let page = visitor.page("/dashboard/customers").await;
    assert_eq!(visitor.post("/dashboard/signout", &[("csrf", "wrong")]).await.status(), 403);
    let r = visitor.post("/dashboard/signout", &[("csrf", &csrf_of(&page))]).await;
    assert_eq!(location(&r), "/dashboard/signin");
    assert_eq!(visitor.get("/dashboard/customers").await.status(), 303);
}

#[tokio::test]
async fn a_user_without_mfa_can_do_nothing_once_mfa_is_required_as_its_tokens_cannot() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("DirectBill", None).await;
    let body =
        json!({"userName": format!("nomfa{}@partner.example", rand_suffix()), "roles": ["AdminAgent"], "mfa": false});
    let user = app.control_json(Method::POST, &format!("/_emulator/partners/{partner}/users"), Some(&body)).await;
    let link = sign_in_link(&app, &partner, user["id"].as_str().unwrap()).await;
    let visitor = PartnerUser::new(&app);
    assert_eq!(visitor.http.get(link["url"].as_str().unwrap()).send().await.unwrap().status(), 303);
    let token = app.mint(&partner, &["AdminAgent"], false).await;

    // Today's service date requires MFA: every page says so, and the wizard stores nothing.
    for path in ["/dashboard/customers", "/dashboard/customers/new", "/dashboard/customers/relationship-request"] {
        let r = visitor.get(path).await;
        assert_eq!(r.status(), 403, "{path}");
        let text = r.text().await.unwrap();
        assert!(text.contains("Multi-factor authentication required") && text.contains("900421"), "{path}: {text}");
    }
    // A form sent with the session's own token (as the page's sign-out form carries it) gets the
    // same page, and stores nothing.
    let csrf = csrf_of(&visitor.get("/dashboard/customers").await.text().await.unwrap());
    let mut form: Vec<(&str, String)> = vec![("csrf", csrf), ("submission", rand_suffix())];
    form.extend(wizard("nomfaco", Some("2026-01-10")));
    form.push(("step", "submit".into()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let submitted = visitor.post("/dashboard/customers/new", &form).await;
    assert_eq!(submitted.status(), 403);
    assert!(submitted.text().await.unwrap().contains("Multi-factor authentication required"));
    assert!(customer_ids(&app, &token).await.is_empty(), "nothing was created");

    // Before the milestone (the partner's own service date), the same user works as before.
    app.control_json(
        Method::PUT,
        &format!("/_emulator/service-date?partnerTenantId={partner}"),
        Some(&json!({"date": "2026-03-31"})),
    )
    .await;
    assert_eq!(visitor.get("/dashboard/customers").await.status(), 200);
}

#[tokio::test]
async fn partner_users_sign_in_with_their_password() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("DirectBill", None).await;
    let user = create_user(&app, &partner, &["SalesAgent"]).await;
    let (name, password) = (user["userName"].as_str().unwrap(), user["password"].as_str().unwrap());
    let visitor = PartnerUser::new(&app);
    let form = visitor.page("/dashboard/signin?returnUrl=/dashboard/customers/new").await;
    let csrf = csrf_of(&form);
    let fields = |password: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("returnUrl", "/dashboard/customers/new".to_string()),
            ("userName", name.to_string()),
            ("password", password.to_string()),
        ]
    };
    let wrong: Vec<(&str, String)> = fields("not-the-password");
    let r = visitor.post("/dashboard/signin", &wrong.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("Your account or password is incorrect."));
    let mut right = fields("");
    right[3].1 = password.to_string();
    let r = visitor.post("/dashboard/signin", &right.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/dashboard/customers/new");
    assert!(visitor.page("/dashboard/customers/new").await.contains("Add customer"));

    // Without the sign-in page's token, nothing is checked.
    let stranger = PartnerUser::new(&app);
    let r = stranger.post("/dashboard/signin", &[("userName", name), ("password", password)]).await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn adding_a_customer_with_attestation_creates_it_once_and_it_can_buy() {
    let app = TestApp::spawn_2023_flow().await;
    let partner = app.create_partner("DirectBill", None).await;
    let user = PartnerUser::signed_in(&app, &partner, &["AdminAgent"]).await;
    let token = app.mint(&partner, &["AdminAgent"], false).await;
    let form = user.page("/dashboard/customers/new").await;
    assert!(form.contains("value=\"partner\""), "an Admin agent may attest in the wizard");
    let state = open_wizard(&user).await;
    let fields = wizard("dashattest", Some("2025-02-10"));
    let no_csrf: Vec<(&str, String)> = state.iter().filter(|(k, _)| *k != "csrf").cloned().collect();
    assert_eq!(wizard_step(&user, &no_csrf, &fields, "submit").await.status(), 403, "no form token, no customer");

    let review = wizard_step(&user, &state, &fields, "review").await;
    assert_eq!(review.status(), 200);
    let review = review.text().await.unwrap();
    assert!(review.contains("<h1>Review</h1>") && review.contains("dashattest.onmicrosoft.com"));
    assert!(review.contains("Megan Bowen"), "the primary contact by default");
    assert!(
        review.contains(
            r#"<time datetime="2025-02-10T00:00:00.000Z" title="2025-02-10T00:00:00.000Z">10 February 2025</time>"#
        ),
        "the date as people read it, the exact UTC time in <time> and its title: {review}"
    );
    assert!(customer_ids(&app, &token).await.is_empty(), "Review stores nothing");

    let first = wizard_step(&user, &state, &fields, "submit").await;
    assert_eq!(first.status(), 200);
    let first = first.text().await.unwrap();
    assert!(first.contains("<h1>Confirmation</h1>"));
    let again = wizard_step(&user, &state, &fields, "submit").await.text().await.unwrap();
    let ids = customer_ids(&app, &token).await;
    assert_eq!(ids.len(), 1, "a second Submit makes no second customer");
    let id = &ids[0];
    for page in [&first, &again] {
        assert!(page.contains(id.as_str()));
        assert!(page.contains("admin@dashattest.onmicrosoft.com"));
    }
    assert_eq!(between(&first, "id=\"adminPassword\">", "<"), between(&again, "id=\"adminPassword\">", "<"));
    // Back to the review after Submit shows the Confirmation again, not "domain in use".
    let back = wizard_step(&user, &state, &fields, "review").await.text().await.unwrap();
    assert!(back.contains("<h1>Confirmation</h1>") && back.contains(id.as_str()), "{back}");

    // What the page did shows in the API: the confirmation, its user, the email; and the order goes through.
    let agreements =
        app.get_json(&format!("/v1/customers/{id}/agreements?agreementType=MicrosoftCustomerAgreement"), &token).await;
    assert_eq!(agreements["totalCount"], 1);
    assert_eq!(agreements["items"][0]["primaryContact"]["email"], "megan@dashattest.example");
    assert!(agreements["items"][0]["dateAgreed"].as_str().unwrap().starts_with("2025-02-10"));
    let outbox: Value = app.control_json(Method::GET, "/_emulator/outbox?includePending=true", None).await;
    assert_eq!(outbox["totalCount"], 1, "the customer's notification is queued");
    assert_eq!(app.order(&token, id).await.status(), 201);

    // The account page shows how and by whom.
    let account = user.page(&format!("/dashboard/customers/{id}/account")).await;
    assert!(account.contains("Confirmed by partner") && account.contains("Megan Bowen"));
    assert!(account.contains("10 February 2025</time>"), "dates as people read them, the exact time in <time>");
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap() + start.len();
    &text[from..from + text[from..].find(end).unwrap()]
}

#[tokio::test]
async fn the_wizard_refuses_what_the_api_refuses_in_words() {
    let app = TestApp::spawn_2023_flow().await;
    let partner = app.create_partner("DirectBill", None).await;
    let user = PartnerUser::signed_in(&app, &partner, &["AdminAgent"]).await;
    let state = open_wizard(&user).await;

    let future = wizard("dashfuture", Some("2999-01-01"));
    let r = wizard_step(&user, &state, &future, "review").await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Agreement acceptance date: Date of agreement cannot be greater than the current date."),
        "{page}"
    );
    assert!(page.contains("value=\"dashfuture\""), "the form keeps what was typed");

    let mut missing = wizard("dashmissing", None);
    missing.retain(|(k, _)| *k != "city");
    let page = wizard_step(&user, &state, &missing, "review").await.text().await.unwrap();
    assert!(page.contains("City: is required"), "{page}");

    let mut partial = wizard("dashpartial", Some("2025-02-10"));
    partial.push(("accepterFirstName", "Ana".into()));
    let page = wizard_step(&user, &state, &partial, "review").await.text().await.unwrap();
    assert!(
        page.contains("Last name of the person who accepted"),
        "a partly typed person is not mixed with the contact: {page}"
    );

    let no_submission: Vec<(&str, String)> = state.iter().filter(|(k, _)| *k != "submission").cloned().collect();
    let r = wizard_step(&user, &no_submission, &wizard("dashnosub", None), "review").await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("Start again from Add customer"));

    // A language the form does not offer (a form made by hand) is refused at its field, on Review
    // and on Submit alike: it was stored with the culture en-US.
    let mut klingon = wizard("dashklingon", None);
    klingon.retain(|(k, _)| *k != "language");
    klingon.push(("language", "xx-klingon".into()));
    for step in ["review", "submit"] {
        let r = wizard_step(&user, &state, &klingon, step).await;
        assert_eq!(r.status(), 400, "{step}");
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"languageError\"") && page.contains("not one of the languages offered"), "{page}");
        assert!(!page.contains("is not a language") && !page.contains("is required"), "said once: {page}");
    }
    let owner = app.mint(&partner, &["AdminAgent"], false).await;
    assert_eq!(app.get_json("/v1/customers", &owner).await["totalCount"], 0, "nothing was stored");
    // One of the list's, with spaces around it, is that language.
    let mut spaced = wizard("dashspaced", None);
    spaced.retain(|(k, _)| *k != "language");
    spaced.push(("language", " de ".into()));
    assert_eq!(wizard_step(&user, &state, &spaced, "review").await.status(), 200);

    // A step the wizard does not have is refused, not read as Next: Review.
    for step in ["bogus", "Submit"] {
        let r = wizard_step(&user, &state, &wizard("dashstep", None), step).await;
        assert_eq!(r.status(), 400, "{step}");
        assert!(r.text().await.unwrap().contains("which Add customer does not have"), "{step}");
    }
    // A Submit that sends another form than the one reviewed shows that form's Review: what is
    // submitted is what Review showed.
    let reviewed = wizard_step(&user, &state, &wizard("dashreviewed", None), "review").await;
    assert_eq!(reviewed.status(), 200);
    let changed = wizard_step(&user, &state, &wizard("dashchanged", None), "submit").await.text().await.unwrap();
    assert!(changed.contains("dashchanged") && !changed.contains("<h1>Confirmation</h1>"), "{changed}");
    assert_eq!(app.get_json("/v1/customers", &owner).await["totalCount"], 0, "nothing was submitted");

    let mut bad_date = wizard("dashbaddate", Some("10/02/2025"));
    bad_date.push(("accepterEmail", "not-an-email".into()));
    let page = wizard_step(&user, &state, &bad_date, "review").await.text().await.unwrap();
    assert!(page.contains("enter it as YYYY-MM-DD"), "{page}");
}

#[tokio::test]
async fn update_records_a_new_confirmation_and_refuses_a_duplicate() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let customer = app.create_customer(&p.token, "dashupdate").await;
    let id = customer["id"].as_str().unwrap();
    let user = PartnerUser::signed_in(&app, &p.tenant_id, &["SalesAgent"]).await;
    assert_eq!(app.order(&p.token, id).await.status(), 403, "no acceptance yet: 13605");

    let account = user.page(&format!("/dashboard/customers/{id}/account")).await;
    assert!(account.contains("Not accepted: can&#39;t purchase") || account.contains("Not accepted: can't purchase"));
    assert!(account.contains("?update=agreement"), "Update is offered to a Sales agent");
    let form = user.page(&format!("/dashboard/customers/{id}/account?update=agreement")).await;
    assert!(!form.contains("value=\"Ana\""), "no person is typed in for the user (the same one is a duplicate)");
    assert!(
        form.contains("id=\"recordedNow\"") && form.contains("<strong>Ana Lee</strong>"),
        "who is on record shows as text"
    );
    let csrf = csrf_of(&form);
    let save = |date: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("FirstName", "Ana".into()),
            ("LastName", "Lee".into()),
            ("Email", "ana@contoso.example".into()),
            ("Phone", String::new()),
            ("dateAgreed", date.to_string()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let user = &user;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            user.post(&format!("/dashboard/customers/{id}/account/agreement"), &fields).await
        }
    };
    let mut forged = save("2025-01-15");
    forged[0].1 = "forged".into();
    assert_eq!(post(forged).await.status(), 403, "Update needs the form's token");
    let r = post(save("2025-01-15")).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("/account?saved=agreement"));
    assert_eq!(app.order(&p.token, id).await.status(), 201);

    let form = user.page(&format!("/dashboard/customers/{id}/account?update=agreement")).await;
    assert!(!form.contains("value=\"Ana\""), "{form}");
    assert!(form.contains("Recorded now: <strong>Ana Lee</strong>"), "{form}");
    let names = ["csrf", "FirstName", "LastName", "Email", "Phone", "dateAgreed"];
    let r = follow_refused(&user.http, &user.base, post(save("2025-01-15")).await, &names).await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(page.contains("600061") && page.contains("already exists"), "{page}");
    assert!(page.contains("value=\"Ana\"") && page.contains("value=\"2025-01-15\""), "as typed: {page}");
    let r = follow_refused(&user.http, &user.base, post(save("2999-12-31")).await, &names).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("Date of agreement cannot be greater than the current date."));
    assert!(page.contains("aria-invalid=\"true\"") && page.contains("href=\"#dateAgreed\""), "at its field: {page}");
    // an id that names no kept form (or another session's) opens the form as it opens
    let to = format!("/dashboard/customers/{id}/account?update=agreement&form=nosuchform");
    assert!(!user.page(&to).await.contains("There is a problem"));

    let mut another = save("2025-01-16");
    another[3].1 = "it@contoso.example".into();
    another[4].1 = "+49 30 555 0100".into();
    let r = post(another).await;
    assert_eq!(r.status(), 303, "another person is another confirmation");
    let agreements = app.get_json(&format!("/v1/customers/{id}/agreements?agreementType=*"), &p.token).await;
    assert_eq!(agreements["totalCount"], 2, "earlier confirmations stay");
    // what was recorded is shown back, the phone number too
    let account = user.page(&format!("/dashboard/customers/{id}/account")).await;
    assert!(account.contains("it@contoso.example<br>+49 30 555 0100"), "{account}");
    let form = user.page(&format!("/dashboard/customers/{id}/account?update=agreement")).await;
    assert!(form.contains("(it@contoso.example, +49 30 555 0100)"), "{form}");
}

#[tokio::test]
async fn helpdesk_agents_and_indirect_resellers_see_no_attestation_control() {
    let app = TestApp::spawn_2023_flow().await;
    let provider = app.create_partner("IndirectProvider", None).await;
    let reseller = app.create_partner("IndirectReseller", Some(&provider)).await;
    let reseller_token = app.mint(&reseller, &["AdminAgent"], false).await;
    let customer = app.create_customer(&reseller_token, "dashreseller").await;
    let id = customer["id"].as_str().unwrap();

    let agent = PartnerUser::signed_in(&app, &reseller, &["AdminAgent"]).await;
    let account = agent.page(&format!("/dashboard/customers/{id}/account")).await;
    assert!(
        account.contains("Indirect resellers can") && account.contains("IndirectProvider partner"),
        "names the provider"
    );
    assert!(!account.contains("?update=agreement"));
    let wizard_page = agent.page("/dashboard/customers/new").await;
    assert!(!wizard_page.contains("value=\"partner\""), "no attestation choice in the wizard");
    let r = agent
        .post(
            &format!("/dashboard/customers/{id}/account/agreement"),
            &[
                ("csrf", &csrf_of(&account)),
                ("FirstName", "A"),
                ("LastName", "B"),
                ("Email", "a@b.example"),
                ("dateAgreed", "2025-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "refused, then shown by a GET (post/redirect/get)");
    let r = agent.get(&location(&r)).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Indirect resellers can"));

    let direct = app.persona("DirectBill").await;
    let c = app.create_customer(&direct.token, "dashhelpdesk").await;
    let helpdesk = PartnerUser::signed_in(&app, &direct.tenant_id, &["HelpdeskAgent"]).await;
    let account = helpdesk.page(&format!("/dashboard/customers/{}/account", c["id"].as_str().unwrap())).await;
    assert!(account.contains("Only Admin agents and Sales agents"));
    assert!(!account.contains("?update=agreement"));
    let list = helpdesk.page("/dashboard/customers").await;
    assert!(list.contains("dashhelpdesk") && !list.contains("Add customer"), "Helpdesk agents can't add customers");
}

#[tokio::test]
async fn on_todays_service_date_the_agreement_section_is_read_only() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "dashtoday").await;
    let user = PartnerUser::signed_in(&app, &p.tenant_id, &["AdminAgent"]).await;
    let account = user.page(&format!("/dashboard/customers/{}/account", c["id"].as_str().unwrap())).await;
    assert!(account.contains("enhanced attestation") && account.contains("/v1/attestations/enhanced"));
    assert!(!account.contains("?update=agreement"));
    assert!(
        account.contains("id=\"acceptanceLink\"")
            && account.contains("/AdminPortal/Home?ref=/BillingAccounts/agreement"),
        "a customer not accepted gets the admin-center link to send: {account}"
    );
    assert!(account.contains("Copy link") && account.contains("mailto:?subject=Accept%20the%20Microsoft"));
    let wizard_page = user.page("/dashboard/customers/new").await;
    assert!(!wizard_page.contains("value=\"partner\""));
    assert!(wizard_page
        .contains("Customer will be asked to accept Microsoft Customer Agreement in Microsoft 365 Admin Center"));
}

#[tokio::test]
async fn customers_are_searched_and_paged_and_unknown_pages_are_html() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    for n in 0..23 {
        app.create_customer(&p.token, &format!("dashlist{n:02}")).await;
    }
    let user = PartnerUser::signed_in(&app, &p.tenant_id, &["HelpdeskAgent"]).await;
    let first = user.page("/dashboard/customers").await;
    assert!(first.contains("dashlist00") && !first.contains("dashlist22") && !first.contains("Previous page"));
    let next = crate::customer_lists::pager_link(&first, "next").expect("a next page");
    let second = user.page(&next).await;
    assert!(second.contains("dashlist22") && !second.contains("dashlist00.onmicrosoft.com"));
    // The site's short addresses keep their query: the search is still the search.
    let short = user.get("/dashboard?q=DASHLIST07").await;
    assert_eq!(location(&short), "/dashboard/customers?q=DASHLIST07");
    let found = user.page("/dashboard/customers?q=DASHLIST07").await;
    assert!(found.contains("dashlist07") && !found.contains("dashlist08") && !found.contains("Next page"));
    let inside = user.page("/dashboard/customers?q=LIST07").await;
    assert!(!inside.contains("dashlist07"), "a search is a prefix, not a part of the name");

    for (path, status) in
        [("/dashboard/nowhere", 404), ("/dashboard/customers/%FF/account", 400), ("/dashboard/customers?q=%00", 400)]
    {
        let r = user.get(path).await;
        assert_eq!(r.status(), status, "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path} answers a page");
    }
    let r = user.get("/dashboard/signout").await;
    assert_eq!(r.status(), 405);
    assert!(r.text().await.unwrap().contains("Request refused"), "a method a page does not take is a page too");
    let r = user.get(&format!("/dashboard/customers/{}/account", "00000000-0000-4000-8000-000000000000")).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Tenant not found"));
    // A bookmark of the numbered pages of old is the first page; a position the page cannot read,
    // or both positions, name no page and are refused rather than shown as the first.
    let shown = user.page("/dashboard/customers?page=99999999999999999999").await;
    assert!(shown.contains("dashlist00") && shown.contains("Next page"), "page=: the first page");
    let both = format!("{next}&before=0.a");
    let after_twice = format!("{next}&AFTER=zzzz");
    for unreadable in [
        "/dashboard/customers?after=x",
        "/dashboard/customers?before=99999999999999999999.a",
        &both,
        &after_twice,
        "/dashboard/customers?q=dash&q=zzz",
    ] {
        let r = user.get(unreadable).await;
        assert_eq!(r.status(), 400, "{unreadable}");
        let page = r.text().await.unwrap();
        assert!(page.contains("Page link not valid") && !page.contains("dashlist00"), "{unreadable}: {page}");
    }
    assert_eq!(user.get("/dashboard/customers/relationship-request").await.status(), 403, "not for a Helpdesk agent");
    let agent = PartnerUser::signed_in(&app, &p.tenant_id, &["SalesAgent"]).await;
    let invite = agent.page("/dashboard/customers/relationship-request?dap=true").await;
    let link = format!("partnerId={}&amp;msppId=0&amp;DAP=true", p.tenant_id);
    assert!(invite.contains(&link) && invite.contains("mailto:?subject="), "{invite}");
    assert!(agent.page("/dashboard/customers/relationship-request").await.contains("DAP=false"));
}

#[tokio::test]
async fn a_delegated_admin_choice_other_than_true_or_false_is_refused_at_its_field() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let agent = PartnerUser::signed_in(&app, &p.tenant_id, &["SalesAgent"]).await;
    for dap in ["1", "yes", ""] {
        let r = agent.get(&format!("/dashboard/customers/relationship-request?dap={dap}")).await;
        assert_eq!(r.status(), 400, "dap={dap}");
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"dapError\"") && page.contains("true or false"), "dap={dap}: {page}");
        assert!(page.contains("href=\"#dap\""), "the summary links to the field: {page}");
        assert!(!page.contains("msppId=0"), "no invitation link to send: {page}");
    }
    for twice in ["dap=true&dap=false", "dap=false&DAP=true"] {
        let r = agent.get(&format!("/dashboard/customers/relationship-request?{twice}")).await;
        assert_eq!(r.status(), 400, "{twice}");
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"dapError\"") && page.contains("more than once"), "{twice}: {page}");
        assert!(!page.contains("msppId=0"), "no invitation link to send: {page}");
    }
    let page = agent.page("/dashboard/customers/relationship-request?dap=TRUE").await;
    assert!(page.contains("DAP=true") && !page.contains("id=\"dapError\""), "{page}");
}

#[tokio::test]
async fn enhanced_attestations_made_through_the_api_show_on_the_account_page() {
    let app = TestApp::spawn().await;
    let partner = app.create_partner("DirectBill", None).await;
    let app_token = app.mint(&partner, &[], true).await;
    let customer = app.create_customer(&app_token, "dashenhanced").await;
    let id = customer["id"].as_str().unwrap();
    let body = json!({
        "country": "US", "language": "en-US", "companyName": "dashenhanced Ltd",
        "signatoryFirstName": "Chloe", "signatoryLastName": "Martin", "signatoryEmail": "chloe@dashenhanced.example"
    });
    let r = app.post("/v1/attestations/enhanced", &app_token, &body).await;
    assert_eq!(r.status(), 201);
    let attestation: Value = r.json().await.unwrap();
    let attestation_id = attestation["id"].as_str().unwrap();
    app.control_json(Method::POST, &format!("/_emulator/attestations/{attestation_id}/accept"), None).await;
    let r = app
        .post(&format!("/v1/customers/{id}/agreements"), &app_token, &json!({"attestationId": attestation_id}))
        .await;
    assert_eq!(r.status(), 201);

    // a second one, still pending, for the same company
    let r = app.post("/v1/attestations/enhanced", &app_token, &body).await;
    assert_eq!(r.status(), 201);

    let user = PartnerUser::signed_in(&app, &partner, &["HelpdeskAgent"]).await;
    let account = user.page(&format!("/dashboard/customers/{id}/account")).await;
    assert!(account.contains("Enhanced attestation by DirectBill partner"), "{account}");
    let listed = between(&account, "id=\"attestations\"", "</table>");
    assert!(listed.contains("Completed") && listed.contains("Pending"), "each with its status: {listed}");
    assert!(listed.contains("/EnhancedAttestation/Accept?attestationId="), "the pending one's acceptance page");
    assert!(account.contains("Chloe Martin") && account.contains("Confirmed by partner"));
    let list = user.page("/dashboard/customers?q=dashenhanced").await;
    assert!(list.contains("Confirmed by partner"));
}

#[tokio::test]
async fn two_submits_at_once_make_one_customer_and_the_same_confirmation() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let user = PartnerUser::signed_in(&app, &p.tenant_id, &["AdminAgent"]).await;
    let state = open_wizard(&user).await;
    let fields = wizard("dashtwice", Some("2025-02-10"));
    let (a, b) =
        tokio::join!(wizard_step(&user, &state, &fields, "submit"), wizard_step(&user, &state, &fields, "submit"));
    let statuses = (a.status(), b.status());
    let (a, b) = (a.text().await.unwrap(), b.text().await.unwrap());
    assert_eq!(statuses, (reqwest::StatusCode::OK, reqwest::StatusCode::OK), "{a}\n{b}");
    let ids = customer_ids(&app, &p.token).await;
    assert_eq!(ids.len(), 1, "one customer");
    assert_eq!(between(&a, "id=\"customerId\">", "<"), ids[0]);
    assert_eq!(between(&a, "id=\"adminPassword\">", "<"), between(&b, "id=\"adminPassword\">", "<"));
    let agreements = app.get_json(&format!("/v1/customers/{}/agreements?agreementType=*", ids[0]), &p.token).await;
    assert_eq!(agreements["totalCount"], 1, "one confirmation");
}

#[tokio::test]
async fn roles_that_may_not_read_agreements_see_no_agreement_state() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let c = app.create_customer(&p.token, "dashglobal").await;
    let id = c["id"].as_str().unwrap();
    // The API refuses a Global admin the customer's agreements ...
    let global_token = app.mint(&p.tenant_id, &["GlobalAdmin"], false).await;
    let r = app.get(&format!("/v1/customers/{id}/agreements?agreementType=*"), &global_token).await;
    assert_eq!(r.status(), 403);
    // ... so the pages show no state for them, in the list or on the Account page.
    let global = PartnerUser::signed_in(&app, &p.tenant_id, &["GlobalAdmin"]).await;
    let list = global.page("/dashboard/customers").await;
    assert!(list.contains("dashglobal") && list.contains("Not shown to your roles"), "{list}");
    assert!(!list.contains("Not accepted"));
    let account = global.page(&format!("/dashboard/customers/{id}/account")).await;
    assert!(!account.contains("id=\"mcaState\"") && !account.contains("Not accepted"), "{account}");
    assert!(account.contains("Your roles can't see this customer's agreements"));
    // A Helpdesk agent may read them, and sees the state.
    let helpdesk = PartnerUser::signed_in(&app, &p.tenant_id, &["HelpdeskAgent"]).await;
    assert!(helpdesk.page("/dashboard/customers").await.contains("Not accepted: can't purchase"));
}

#[tokio::test]
async fn a_form_edited_after_its_submission_is_a_new_customer_not_the_old_confirmation() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let user = PartnerUser::signed_in(&app, &p.tenant_id, &["AdminAgent"]).await;
    let state = open_wizard(&user).await;
    let first = wizard("dashfirst", None);
    assert_eq!(wizard_step(&user, &state, &first, "submit").await.status(), 200);
    // The browser's Back past the Confirmation re-sends the form with its used submission id;
    // the user types another customer and asks for its review.
    let second = wizard("dashsecond", None);
    let review = wizard_step(&user, &state, &second, "review").await.text().await.unwrap();
    assert!(review.contains("<h1>Review</h1>") && review.contains("dashsecond.onmicrosoft.com"), "{review}");
    assert!(!review.contains("<h1>Confirmation</h1>"), "not the first customer's Confirmation");
    let fresh = hidden(&review, "submission");
    assert_ne!(fresh, state[1].1, "the edited form goes on under a new submission id");
    let next = vec![("csrf", state[0].1.clone()), ("submission", fresh)];
    let done = wizard_step(&user, &next, &second, "submit").await.text().await.unwrap();
    assert!(done.contains("<h1>Confirmation</h1>") && done.contains("admin@dashsecond.onmicrosoft.com"), "{done}");
    assert_eq!(customer_ids(&app, &p.token).await.len(), 2);
    // The same values again under the first id still show the first Confirmation.
    let again = wizard_step(&user, &state, &first, "review").await.text().await.unwrap();
    assert!(again.contains("<h1>Confirmation</h1>") && again.contains("admin@dashfirst.onmicrosoft.com"));
    // Other values submitted straight under the used id (no Review first): that id's Review says
    // it was submitted and leads to its Confirmation; nothing new is made.
    let third = wizard("dashthird", None);
    let used = wizard_step(&user, &state, &third, "submit").await.text().await.unwrap();
    assert!(used.contains("already") && used.contains("confirmation"), "{used}");
    assert!(!used.contains("dashthird"), "no Review of the other values under the used id: {used}");
    assert_eq!(customer_ids(&app, &p.token).await.len(), 2);
}

#[tokio::test]
async fn a_user_name_longer_than_any_account_is_refused_without_a_count() {
    let app = TestApp::spawn().await;
    let visitor = PartnerUser::new(&app);
    let csrf = csrf_of(&visitor.page("/dashboard/signin").await);
    let long = format!("{}@partner.example", "u".repeat(200));
    for _ in 0..3 {
        let r = visitor.post("/dashboard/signin", &[("csrf", &csrf), ("userName", &long), ("password", "x")]).await;
        assert_eq!(r.status(), 401);
        assert!(r.text().await.unwrap().contains("Your account or password is incorrect."));
    }
    let lockouts = app.control_json(Method::GET, "/_emulator/sign-in-lockouts", None).await;
    assert_eq!(lockouts["totalCount"], 0, "{lockouts}");
}

/// A NUL character in a field is refused at the field, as the API refuses it in a body, rather
/// than dropped (which stored less than was typed); nothing is created, on both backends.
#[tokio::test]
async fn a_nul_character_in_a_field_is_refused_by_its_label() {
    let app = TestApp::spawn_2023_flow().await;
    let partner = app.create_partner("DirectBill", None).await;
    let user = PartnerUser::signed_in(&app, &partner, &["AdminAgent"]).await;
    let token = app.mint(&partner, &["AdminAgent"], false).await;
    let state = open_wizard(&user).await;
    let mut fields = wizard("dashnul", Some("2025-02-10"));
    fields[0].1 = "Nul\u{0} Ltd".into();
    fields[3].1 = "Bo\u{0}wen".into();
    for step in ["review", "submit"] {
        let r = wizard_step(&user, &state, &fields, step).await;
        assert_eq!(r.status(), 400, "{step}");
        let page = r.text().await.unwrap();
        assert!(page.contains("Company name: text values must not contain the NUL character (U+0000)"), "{page}");
        assert!(page.contains("Last name: text values must not contain the NUL character (U+0000)"), "{page}");
    }
    assert!(customer_ids(&app, &token).await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn the_wizard_never_drops_a_confirmation_typed_under_the_other_choice() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let user = PartnerUser::signed_in(&app, &p.tenant_id, &["AdminAgent"]).await;
    let state = open_wizard(&user).await;
    let form = user.page("/dashboard/customers/new").await;
    assert!(!form.contains("checked"), "no choice is made for the user: {form}");

    // No choice made, a date typed: the choice is asked for, the date kept.
    let mut unchosen = wizard("dashunchosen", Some("2025-02-10"));
    unchosen.retain(|(k, _)| *k != "agreement");
    let r = wizard_step(&user, &state, &unchosen, "review").await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("choose whether the customer has accepted") && page.contains("href=\"#agreementPartner\""));
    assert!(page.contains("value=\"2025-02-10\""), "the date is kept");

    // "Customer will be asked" with a confirmation typed in: refused at its field, on Review and on Submit.
    let mut stray = wizard("dashstray", None);
    stray.push(("accepterLastName", "Lee".into()));
    let r = wizard_step(&user, &state, &stray, "review").await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"accepterLastNameError\"") && page.contains("or clear these fields"), "{page}");
    assert!(page.contains("href=\"#accepterLastName\""));
    assert_eq!(wizard_step(&user, &state, &stray, "submit").await.status(), 400);
    // a refused Submit is a redirect too (refresh sends nothing): to the Review of the form kept
    // under a new submission id, which shows the refusal at its fields
    let mut sent: Vec<(&str, &str)> = state.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sent.extend(stray.iter().map(|(k, v)| (*k, v.as_str())));
    sent.push(("step", "submit"));
    let r = user.post("/dashboard/customers/new", &sent).await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(to.ends_with("/review") && !to.contains(state[1].1.as_str()), "{to}");
    assert!(customer_ids(&app, &p.token).await.is_empty(), "nothing is made without the choice being clear");

    // Review says plainly which choice is submitted, with names rather than codes.
    let review = wizard_step(&user, &state, &wizard("dashchosen", Some("2025-02-10")), "review").await;
    let review = review.text().await.unwrap();
    assert!(review.contains("Your choice: <strong>Customer has accepted the Microsoft Customer Agreement"), "{review}");
    assert!(review.contains("United States") && review.contains("English"), "names, not codes");
    let review = wizard_step(&user, &state, &wizard("dashasked", None), "review").await.text().await.unwrap();
    assert!(
        review.contains("Your choice: <strong>Customer will be asked")
            && review.contains("No confirmation is submitted")
    );
}

#[tokio::test]
async fn a_form_says_all_its_problems_at_once_each_at_its_field_in_the_forms_order() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    app.create_customer(&p.token, "dashtaken").await;
    let user = PartnerUser::signed_in(&app, &p.tenant_id, &["AdminAgent"]).await;
    let state = open_wizard(&user).await;
    let mut fields = wizard("dashtaken", Some("2999-01-01"));
    fields.retain(|(k, _)| *k != "city");
    fields.push(("accepterFirstName", "Ana".into()));
    let r = wizard_step(&user, &state, &fields, "review").await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    let at = |id: &str| page.find(&format!("href=\"#{id}\"")).unwrap_or_else(|| panic!("{id} in {page}"));
    // the domain in use, the missing city, the future date and the half-typed person, in form order
    assert!(at("domain") < at("city") && at("city") < at("dateAgreed") && at("dateAgreed") < at("accepterLastName"));
    for id in ["domain", "city", "dateAgreed", "accepterLastName"] {
        assert!(page.contains(&format!("id=\"{id}Error\"")), "{id} is described at its field");
    }
    assert!(page.contains("autofocus") && page.contains("There is a problem"), "the summary takes the focus");
}

#[tokio::test]
async fn every_wizard_step_is_post_redirect_get_with_the_form_kept_on_the_server() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let user = PartnerUser::signed_in(&app, &p.tenant_id, &["AdminAgent"]).await;
    let state = open_wizard(&user).await;
    let submission = state[1].1.clone();
    let mut all: Vec<(&str, String)> = state.clone();
    all.extend(wizard("dashprg", Some("2025-02-10")));
    all.push(("step", "review".into()));
    let fields: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = user.post("/dashboard/customers/new", &fields).await;
    assert_eq!(r.status(), 303);
    let review_url = location(&r);
    assert_eq!(review_url, format!("/dashboard/customers/new/{submission}/review"), "no form value in the URL");
    let review = user.page(&review_url).await;
    assert!(review.contains("dashprg.onmicrosoft.com"), "a refresh of the Review reads the kept form");
    assert!(!review.contains("name=\"companyName\""), "the Review's Submit carries no form values");

    // Back from the Review: the kept form.
    let r = user
        .post("/dashboard/customers/new", &[("csrf", &state[0].1), ("submission", &submission), ("step", "edit")])
        .await;
    assert_eq!(location(&r), format!("/dashboard/customers/new/{submission}"));
    assert!(user.page(&location(&r)).await.contains("value=\"dashprg Ltd\""));

    // Submit only names the submission; twice is one customer, and the Confirmation is a page of its own.
    let submit = [("csrf", state[0].1.as_str()), ("submission", submission.as_str()), ("step", "submit")];
    let r = user.post("/dashboard/customers/new", &submit).await;
    assert_eq!(r.status(), 303);
    let confirmation_url = location(&r);
    assert_eq!(confirmation_url, format!("/dashboard/customers/new/{submission}/confirmation"));
    assert_eq!(location(&user.post("/dashboard/customers/new", &submit).await), confirmation_url);
    let confirmation = user.page(&confirmation_url).await;
    assert!(confirmation.contains("id=\"adminPassword\"") && confirmation.contains("Copy password"));
    let ids = customer_ids(&app, &p.token).await;
    assert_eq!(ids.len(), 1);

    // Back from the Confirmation: the Review says it was submitted, and offers no Submit.
    let back = user.page(&review_url).await;
    assert!(back.contains("This form was submitted") && !back.contains("value=\"submit\""), "{back}");

    // From the customer's Account, the Confirmation again, without the password.
    let account = user.page(&format!("/dashboard/customers/{}/account", ids[0])).await;
    assert!(account.contains(&format!("/dashboard/customers/{}/confirmation", ids[0])));
    let again = user.page(&format!("/dashboard/customers/{}/confirmation", ids[0])).await;
    assert!(again.contains("<h1>Confirmation</h1>") && again.contains("admin@dashprg.onmicrosoft.com"));
    assert!(!again.contains("id=\"adminPassword\"") && again.contains("Shown once"), "{again}");
    assert!(again.contains("You confirmed that Megan Bowen accepted"), "{again}");
}

#[tokio::test]
async fn pages_name_the_role_they_need_the_service_date_in_force_and_keep_edited_email_text() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let helpdesk = PartnerUser::signed_in(&app, &p.tenant_id, &["HelpdeskAgent"]).await;
    for (path, what) in [
        ("/dashboard/customers/new", "Adding a customer needs the Admin agent, Sales agent or Global admin role"),
        (
            "/dashboard/customers/relationship-request",
            "Requesting a reseller relationship needs the Admin agent or Sales agent role",
        ),
    ] {
        let r = helpdesk.get(path).await;
        assert_eq!(r.status(), 403, "{path}");
        let page = r.text().await.unwrap();
        assert!(page.contains(what) && page.contains("Your roles: HelpdeskAgent"), "{page}");
        assert!(!page.contains("Something went wrong"));
    }
    // The 2023 flow's pinned service date is named on every page, beside the clock's today.
    let list = helpdesk.page("/dashboard/customers").await;
    assert!(list.contains("id=\"serviceDateBanner\"") && list.contains("(pinned)"), "{list}");
    assert!(list.contains(r#"Service date <time datetime="2025-03-01">1 March 2025</time>"#), "in words: {list}");

    let agent = PartnerUser::signed_in(&app, &p.tenant_id, &["SalesAgent"]).await;
    let page = agent
        .page("/dashboard/customers/relationship-request?dap=true&emailText=Dear%20team%0Ahttp%3A%2F%2Fx%3FDAP%3Dfalse")
        .await;
    assert!(page.contains("Dear team\nhttp://x?DAP=true"), "Update the link keeps the edited text: {page}");
    assert!(page.contains("Microsoft Entra ID") && !page.contains("Azure Active Directory"));
}
