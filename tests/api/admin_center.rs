//! The emulated admin center over HTTP (a cookie-keeping client, no JavaScript): sign-in,
//! CSRF, redirects, direct acceptance, invitations and the troubleshoot rule.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

struct Visitor {
    http: reqwest::Client,
    base: String,
}

fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("csrf field") + "name=\"csrf\" value=\"".len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

impl Visitor {
    fn new(app: &TestApp) -> Visitor {
        let http =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Visitor { http, base: app.base.clone() }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base)).form(form).send().await.unwrap()
    }

    /// Post a form the page refuses; the page the redirect leads to (post/redirect/get).
    async fn post_refused(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let r = self.post(path, form).await;
        // The invitation's own address carries its partner and DAP choice; nothing else typed.
        let names: Vec<&str> = form.iter().map(|(k, _)| *k).filter(|k| !["partnerId", "DAP"].contains(k)).collect();
        follow_refused(&self.http, &self.base, r, &names).await
    }

    /// Sign in through the form; returns the sign-in response.
    async fn sign_in(&self, user: &str, password: &str, return_url: &str) -> reqwest::Response {
        let page =
            self.get(&format!("/AdminPortal/SignIn?returnUrl={}", urlencode(return_url))).await.text().await.unwrap();
        let csrf = csrf_of(&page);
        self.post(
            "/AdminPortal/SignIn",
            &[("csrf", &csrf), ("returnUrl", return_url), ("userName", user), ("password", password)],
        )
        .await
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

const AGREEMENT_PAGE: &str = "/AdminPortal/Home?ref=/BillingAccounts/agreement";

async fn customer_with_credentials(app: &TestApp, token: &str, domain: &str) -> (String, String, String) {
    let c = app.create_customer(token, domain).await;
    (
        c["id"].as_str().unwrap().to_string(),
        c["userCredentials"]["userName"].as_str().unwrap().to_string(),
        c["userCredentials"]["password"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn customer_signs_in_and_accepts_the_agreement_directly() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let (id, user, password) = customer_with_credentials(&app, &p.token, "directpage").await;
    let v = Visitor::new(&app);

    let r = v.get(AGREEMENT_PAGE).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/AdminPortal/SignIn?returnUrl="));

    let r = v.sign_in(&user, &password, AGREEMENT_PAGE).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), AGREEMENT_PAGE);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .find(|c| c.starts_with("pce_session="))
        .unwrap()
        .to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

    let page = v.get(AGREEMENT_PAGE).await.text().await.unwrap();
    assert!(page.contains("Microsoft Customer Agreement"));
    assert!(page.contains("/agreementdocuments/"), "links to the document");
    assert!(page.contains("<label") && page.contains("for=\"accept\""));
    let csrf = csrf_of(&page);

    // without ticking the box
    let r = v
        .post_refused(
            "/AdminPortal/Agreement/Accept",
            &[("csrf", &csrf), ("firstName", "Ana"), ("lastName", "Lee"), ("email", "ana@x.example")],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("Tick the box"));
    // without the CSRF token
    let r = v
        .post(
            "/AdminPortal/Agreement/Accept",
            &[("firstName", "Ana"), ("lastName", "Lee"), ("email", "ana@x.example"), ("accept", "true")],
        )
        .await;
    assert_eq!(r.status(), 403);
    // a field sent twice (a form made by hand): which one was meant cannot be told, nothing is done
    let twice = [
        ("csrf", csrf.as_str()),
        ("firstName", "Alex"),
        ("firstName", "Mallory"),
        ("lastName", "Lee"),
        ("email", "ana@x.example"),
        ("accept", "true"),
    ];
    let r = v.post("/AdminPortal/Agreement/Accept", &twice).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("firstName more than once"));
    let status =
        app.get_json(&format!("/v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus"), &p.token).await;
    assert_eq!(status["isSigned"], false, "nothing was accepted");
    // a bad email is shown on the page, not as JSON
    let r = v
        .post_refused(
            "/AdminPortal/Agreement/Accept",
            &[("csrf", &csrf), ("firstName", "Ana"), ("lastName", "Lee"), ("email", "nope"), ("accept", "true")],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(page.contains("There is a problem") && page.contains("href=\"#email\""), "the summary links to the field");
    assert!(page.contains("value=\"nope\""), "what was typed is shown again: {page}");
    assert!(
        page.contains("id=\"emailError\"") && page.contains("aria-invalid=\"true\""),
        "the field is marked: {page}"
    );
    // every problem at once, in the form's order: the person's and the unticked box
    let r = v
        .post_refused(
            "/AdminPortal/Agreement/Accept",
            &[("csrf", &csrf), ("firstName", ""), ("lastName", "Lee"), ("email", "nope")],
        )
        .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    let (first, email, tick) =
        (page.find("href=\"#firstName\""), page.find("href=\"#email\""), page.find("href=\"#accept\""));
    assert!(first.is_some() && first < email && email < tick, "{page}");

    let r = v
        .post(
            "/AdminPortal/Agreement/Accept",
            &[
                ("csrf", &csrf),
                ("firstName", "Ana"),
                ("lastName", "Lee"),
                ("email", "ana@x.example"),
                ("phoneNumber", "+33 9 99 00 00 00"),
                ("accept", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = v.get(AGREEMENT_PAGE).await.text().await.unwrap();
    assert!(page.contains("You accepted the Microsoft Customer Agreement"));
    // what was recorded is shown back, the phone number too
    assert!(page.contains("(Ana Lee, ana@x.example, +33 9 99 00 00 00)"), "{page}");

    let status: Value =
        app.get_json(&format!("/v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus"), &p.token).await;
    assert_eq!(status["isSigned"], true);
    let list: Value = app
        .get_json(&format!("/v1/customers/{id}/agreements?agreementType=MicrosoftCustomerAgreement"), &p.token)
        .await;
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["items"][0]["userId"], Value::Null);
    let outbox: Value = app.control_json(Method::GET, "/_emulator/outbox?includePending=true", None).await;
    assert_eq!(outbox["totalCount"], 0, "no notification for a direct acceptance");

    // A second acceptance (the form of a page opened before the first) is refused, and the page
    // says why rather than only showing the first acceptance.
    let second = [
        ("csrf", csrf.as_str()),
        ("firstName", "Eve"),
        ("lastName", "Other"),
        ("email", "eve@x.example"),
        ("accept", "true"),
    ];
    let r = v.post_refused("/AdminPortal/Agreement/Accept", &second).await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(page.contains("There is a problem") && page.contains("already accepted"), "{page}");
    assert!(!page.contains("Eve Other"), "Eve is not recorded: {page}");
}

#[tokio::test]
async fn sign_in_failures_do_not_reveal_whether_the_user_exists() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let (_, user, _) = customer_with_credentials(&app, &p.token, "signinfail").await;
    let v = Visitor::new(&app);
    let wrong_password = v.sign_in(&user, "wrong", "/AdminPortal/Home").await;
    assert_eq!(wrong_password.status(), 401);
    let a = wrong_password.text().await.unwrap();
    let unknown_user = v.sign_in("nobody@nowhere.onmicrosoft.com", "wrong", "/AdminPortal/Home").await;
    assert_eq!(unknown_user.status(), 401);
    let b = unknown_user.text().await.unwrap();
    assert!(a.contains("Your account or password is incorrect."));
    assert_eq!(a.replace(&user, ""), b.replace("nobody@nowhere.onmicrosoft.com", ""), "same page either way");
    // a sign-in POST without the form's CSRF cookie/token is refused
    let fresh = Visitor::new(&app);
    let r = fresh.post("/AdminPortal/SignIn", &[("userName", &user), ("password", "x"), ("csrf", "forged")]).await;
    assert_eq!(r.status(), 403);
    // a password given twice, the right one first: which was typed cannot be told, and no one is
    // signed in (nor a failure counted)
    let (_, user, password) = customer_with_credentials(&app, &p.token, "signintwice").await;
    let page = fresh.get("/AdminPortal/SignIn").await.text().await.unwrap();
    let csrf = csrf_of(&page);
    let twice = [("csrf", csrf.as_str()), ("userName", &user), ("password", &password), ("password", "wrong")];
    let r = fresh.post("/AdminPortal/SignIn", &twice).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("password more than once"));
    assert_eq!(fresh.get("/AdminPortal/Home").await.status(), 303, "not signed in");
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let (_, user, password) = customer_with_credentials(&app, &p.token, "redirects").await;
    for target in ["https://evil.example/", "//evil.example", "/\\evil.example"] {
        let v = Visitor::new(&app);
        let r = v.sign_in(&user, &password, target).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/AdminPortal/Home", "{target}");
    }
}

#[tokio::test]
async fn reseller_invitation_accepts_relationship_and_agreement_together() {
    let app = TestApp::spawn().await;
    let creator = app.persona("DirectBill").await;
    let inviter = app.persona("DirectBill").await;
    let (id, user, password) = customer_with_credentials(&app, &creator.token, "invited").await;
    let url = app.get("/v1/customers/relationshiprequests", &inviter.token).await.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let path = url.strip_prefix(&app.base).unwrap().split('#').next().unwrap().to_string();
    assert_error(app.get(&format!("/v1/customers/{id}"), &inviter.token).await, 403, 20002).await;

    let v = Visitor::new(&app);
    let r = v.get(&path).await;
    assert_eq!(r.status(), 303);
    let back = location(&r);
    let r = v.sign_in(&user, &password, &path).await;
    assert_eq!(location(&r), path, "back to the invitation after sign-in ({back})");
    let page = v.get(&path).await.text().await.unwrap();
    assert!(page.contains("DirectBill partner") && page.contains("would like to be your reseller"));
    assert!(!page.contains("id=\"dapRequest\""), "no delegated-admin request without DAP=true");
    let dap = v.get(&path.replace("DAP=false", "DAP=true")).await.text().await.unwrap();
    assert!(dap.contains("id=\"dapRequest\"") && dap.contains("Microsoft Entra ID"), "the DAP request is shown");
    let csrf = csrf_of(&page);
    // refused (the box unticked): redirected back to the invitation, which shows it at its fields
    let r = v
        .post_refused(
            "/AdminPortal/Invitation/Accept",
            &[("csrf", &csrf), ("partnerId", &inviter.tenant_id), ("DAP", "false"), ("firstName", "Ana")],
        )
        .await;
    assert_eq!(r.status(), 400);
    let refused = r.text().await.unwrap();
    assert!(refused.contains("would like to be your reseller") && refused.contains("Tick the box"), "{refused}");
    assert!(refused.contains("value=\"Ana\"") && refused.contains("href=\"#accept\""), "{refused}");
    let r = v
        .post(
            "/AdminPortal/Invitation/Accept",
            &[
                ("csrf", &csrf),
                ("partnerId", &inviter.tenant_id),
                ("firstName", "Ana"),
                ("lastName", "Lee"),
                ("email", "ana@x.example"),
                ("accept", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(v.get(&path).await.text().await.unwrap().contains("You work with"));

    // the inviting partner now has the relationship, sees the direct acceptance and isSigned
    let list: Value = app.get_json("/v1/customers", &inviter.token).await;
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["items"][0]["id"], id.as_str());
    let status: Value =
        app.get_json(&format!("/v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus"), &inviter.token).await;
    assert_eq!(status["isSigned"], true);

    // the partner list shows both partners, each with a details page
    let partners = v.get("/AdminPortal/Partners").await.text().await.unwrap();
    assert!(partners.contains(&format!("/AdminPortal/Partners/{}", inviter.tenant_id)));
    assert!(partners.contains(&format!("/AdminPortal/Partners/{}", creator.tenant_id)));
    let details = v.get(&format!("/AdminPortal/Partners/{}", inviter.tenant_id)).await;
    assert_eq!(details.status(), 200);
    assert!(details.text().await.unwrap().contains(&inviter.tenant_id));
    let stranger = app.persona("DirectBill").await;
    assert_eq!(v.get(&format!("/AdminPortal/Partners/{}", stranger.tenant_id)).await.status(), 404);
    let bad = v.get("/AdminPortal/Home?invType=ResellerRelationship&partnerId=nope").await;
    assert_eq!(bad.status(), 404);
}

#[tokio::test]
async fn an_invitation_grants_delegated_admin_privileges_only_when_it_asks_for_them() {
    let app = TestApp::spawn().await;
    let creator = app.persona("DirectBill").await;
    let reseller_only = app.persona("DirectBill").await;
    let with_dap = app.persona("DirectBill").await;
    let (id, user, password) = customer_with_credentials(&app, &creator.token, "delegated").await;
    let v = Visitor::new(&app);
    v.sign_in(&user, &password, "/AdminPortal/Home").await;
    // Accept the invitation as a person does: through the form its link's page shows.
    let accept = |partner: String, dap: &'static str| {
        let v = &v;
        async move {
            let path = format!("/AdminPortal/Home?invType=ResellerRelationship&partnerId={partner}&DAP={dap}");
            let page = v.get(&path).await.text().await.unwrap();
            assert!(page.contains("action=\"/AdminPortal/Invitation/Accept\""), "a form to accept: {page}");
            assert!(page.contains(&format!("name=\"DAP\" value=\"{dap}\"")), "{page}");
            let csrf = csrf_of(&page);
            let mut form =
                vec![("csrf", csrf.as_str()), ("partnerId", partner.as_str()), ("DAP", dap), ("accept", "true")];
            // the person accepting, while the agreement is still to accept
            if page.contains("name=\"firstName\"") {
                form.extend([("firstName", "Ana"), ("lastName", "Lee"), ("email", "ana@x.example")]);
            }
            assert_eq!(v.post("/AdminPortal/Invitation/Accept", &form).await.status(), 303);
        }
    };
    let granted = |token: String| {
        let app = &app;
        let id = id.clone();
        async move { app.get_json(&format!("/v1/customers/{id}"), &token).await["allowDelegatedAccess"].clone() }
    };

    // The API's own link (DAP=false) makes a reseller relationship only; a DAP=true one grants.
    accept(reseller_only.tenant_id.clone(), "false").await;
    accept(with_dap.tenant_id.clone(), "true").await;
    assert_eq!(granted(creator.token.clone()).await, true, "the creating partner holds them");
    assert_eq!(granted(reseller_only.token.clone()).await, false, "DAP=false grants none");
    assert_eq!(granted(with_dap.token.clone()).await, true, "DAP=true grants them");
    // The customer's side: its partners page names each relationship's roles.
    let page = v.get("/AdminPortal/Partners").await.text().await.unwrap();
    let row_of = |partner: &str| {
        let at = page.find(&format!("/AdminPortal/Partners/{partner}")).unwrap();
        page[at..].split("</tr>").next().unwrap().to_string()
    };
    assert!(row_of(&with_dap.tenant_id).contains("Reseller, delegated admin"), "{page}");
    assert!(row_of(&creator.tenant_id).contains("Reseller, delegated admin"), "{page}");
    let reseller_row = row_of(&reseller_only.tenant_id);
    assert!(reseller_row.contains("Reseller") && !reseller_row.contains("delegated admin"), "{reseller_row}");
    let details = v.get(&format!("/AdminPortal/Partners/{}", reseller_only.tenant_id)).await.text().await.unwrap();
    assert!(!details.contains("delegated admin"), "{details}");

    // A link that asks for nothing more than the relationship holds has nothing to accept; one
    // that asks for the grant a reseller relationship lacks offers it.
    let again = |partner: &str, dap: &str| {
        format!("/AdminPortal/Home?invType=ResellerRelationship&partnerId={partner}&DAP={dap}")
    };
    for (partner, dap) in
        [(&with_dap.tenant_id, "false"), (&with_dap.tenant_id, "true"), (&reseller_only.tenant_id, "false")]
    {
        let page = v.get(&again(partner, dap)).await.text().await.unwrap();
        assert!(page.contains("id=\"accepted\"") && !page.contains("name=\"partnerId\""), "{partner} {dap}: {page}");
    }
    // Accepting again never takes the grant away (a hand-made form asking for none)...
    let csrf = csrf_of(&v.get(&again(&with_dap.tenant_id, "false")).await.text().await.unwrap());
    let form =
        [("csrf", csrf.as_str()), ("partnerId", with_dap.tenant_id.as_str()), ("DAP", "false"), ("accept", "true")];
    assert_eq!(v.post("/AdminPortal/Invitation/Accept", &form).await.status(), 303);
    assert_eq!(granted(with_dap.token.clone()).await, true, "a second acceptance takes nothing away");
    // ...and a DAP=true link to a reseller relationship grants it, through its form.
    let offer = v.get(&again(&reseller_only.tenant_id, "true")).await.text().await.unwrap();
    assert!(offer.contains("I grant") && offer.contains("id=\"dapRequest\""), "{offer}");
    accept(reseller_only.tenant_id.clone(), "true").await;
    assert_eq!(granted(reseller_only.token.clone()).await, true, "a second acceptance with DAP=true grants them");

    // Partner Center answers it for one customer only, never in a list.
    let list: Value = app.get_json("/v1/customers", &with_dap.token).await;
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert!(list["items"][0].get("allowDelegatedAccess").is_none(), "{list}");
}

#[tokio::test]
async fn an_invitation_whose_dap_is_not_true_or_false_or_given_twice_is_not_valid_and_accepts_nothing() {
    let app = TestApp::spawn().await;
    let creator = app.persona("DirectBill").await;
    let inviter = app.persona("DirectBill").await;
    let (id, user, password) = customer_with_credentials(&app, &creator.token, "dapnotvalid").await;
    let v = Visitor::new(&app);
    v.sign_in(&user, &password, "/AdminPortal/Home").await;
    let link =
        |dap: &str| format!("/AdminPortal/Home?invType=ResellerRelationship&partnerId={}{dap}", inviter.tenant_id);
    // `1` or `yes` asked for delegated admin privileges as meant; the page offered none.
    for dap in ["&DAP=1", "&DAP=yes", "&dap=no", "&DAP="] {
        let r = v.get(&link(dap)).await;
        assert_eq!(r.status(), 400, "{dap}");
        let page = r.text().await.unwrap();
        assert!(page.contains("Invitation not valid") && page.contains("true or false"), "{dap}: {page}");
        assert!(!page.contains("action=\"/AdminPortal/Invitation/Accept\""), "nothing to accept: {page}");
    }
    // The site's short address keeps the invitation's query.
    let short = v.get(&link("&DAP=true").replace("/AdminPortal/Home", "/AdminPortal")).await;
    assert_eq!(location(&short), link("&DAP=true"), "the invitation, not the plain Home page");
    // Its letter case and an absent DAP keep their meaning.
    let csrf = csrf_of(&v.get(&link("&DAP=TRUE")).await.text().await.unwrap());
    let page = v.get(&link("")).await.text().await.unwrap();
    assert!(page.contains("name=\"DAP\" value=\"false\""), "no DAP asks for none: {page}");
    // The form with such a DAP (made by hand) is refused alike, and makes no relationship.
    let person = [("firstName", "Ana"), ("lastName", "Lee"), ("email", "ana@x.example"), ("accept", "true")];
    let mut form = vec![("csrf", csrf.as_str()), ("partnerId", inviter.tenant_id.as_str()), ("DAP", "yes")];
    form.extend(person);
    let r = v.post("/AdminPortal/Invitation/Accept", &form).await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("Invitation not valid") && page.contains("DAP"), "{page}");
    assert_error(app.get(&format!("/v1/customers/{id}"), &inviter.token).await, 403, 20002).await;
    // The journal names the page's refusal and says why, as for the API.
    let journal = app.control_json(Method::GET, "/_emulator/requests?status=400", None).await;
    let entry = journal["items"].as_array().unwrap().iter().find(|e| e["path"] == "/AdminPortal/Invitation/Accept");
    let entry = entry.expect("the refused form");
    assert_eq!(entry["rule"], "InvitationNotValid", "{entry}");
    assert!(entry["hint"].as_str().is_some_and(|h| h.contains("DAP")), "{entry}");
    // A DAP or a partner given twice, in the link or in the form: which one was meant cannot be
    // told (the first was read), so nothing is offered and nothing is made.
    for twice in
        ["&DAP=true&DAP=false", "&DAP=false&dap=true", "&DAP=true&partnerId=x", "&msppId=0&MsppId=1", "&invType=Other"]
    {
        let r = v.get(&link(twice)).await;
        assert_eq!(r.status(), 400, "{twice}");
        let page = r.text().await.unwrap();
        assert!(page.contains("Invitation not valid") && page.contains("more than once"), "{twice}: {page}");
        assert!(!page.contains("action=\"/AdminPortal/Invitation/Accept\""), "nothing to accept: {page}");
    }
    // Which kind of link it is was read from the first `invType`: the home page, not an invitation.
    let other_first =
        format!("/AdminPortal/Home?invType=Other&invType=ResellerRelationship&partnerId={}", inviter.tenant_id);
    assert_eq!(v.get(&other_first).await.status(), 400);
    let mut twice = form.clone();
    twice[2] = ("DAP", "true");
    twice.push(("DAP", "false"));
    let r = v.post("/AdminPortal/Invitation/Accept", &twice).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("DAP more than once"));
    assert_error(app.get(&format!("/v1/customers/{id}"), &inviter.token).await, 403, 20002).await;
    form[2] = ("DAP", "True");
    assert_eq!(v.post("/AdminPortal/Invitation/Accept", &form).await.status(), 303);
    let granted = app.get_json(&format!("/v1/customers/{id}"), &inviter.token).await;
    assert_eq!(granted["allowDelegatedAccess"], true, "{granted}");
}

#[tokio::test]
async fn an_invitation_after_the_customer_accepted_itself_asks_for_the_relationship_only() {
    let app = TestApp::spawn().await;
    let creator = app.persona("DirectBill").await;
    let inviter = app.persona("DirectBill").await;
    let (id, user, password) = customer_with_credentials(&app, &creator.token, "selfaccepted").await;
    let v = Visitor::new(&app);
    v.sign_in(&user, &password, "/AdminPortal/Home").await;
    // the customer accepts the agreement itself
    let csrf = csrf_of(&v.get(AGREEMENT_PAGE).await.text().await.unwrap());
    let own = [
        ("csrf", csrf.as_str()),
        ("firstName", "Tom"),
        ("lastName", "Lo"),
        ("email", "tom@x.example"),
        ("accept", "true"),
    ];
    assert_eq!(v.post("/AdminPortal/Agreement/Accept", &own).await.status(), 303);
    let agreements = || {
        let (app, token, id) = (&app, creator.token.clone(), id.clone());
        async move {
            app.get_json(&format!("/v1/customers/{id}/agreements?agreementType=*"), &token).await["totalCount"].clone()
        }
    };
    assert_eq!(agreements().await, 1);

    // the invitation says so, and asks for nobody
    let path = format!("/AdminPortal/Home?invType=ResellerRelationship&partnerId={}&DAP=false", inviter.tenant_id);
    let page = v.get(&path).await.text().await.unwrap();
    assert!(page.contains("id=\"acceptedDirectly\"") && page.contains("Tom Lo"), "{page}");
    assert!(!page.contains("name=\"firstName\""), "no person to fill in: {page}");
    assert!(page.contains("as my reseller.</span>"), "the box authorizes the reseller only: {page}");
    let csrf = csrf_of(&page);
    // a form naming another person (a page opened before the customer accepted): refused, nothing made
    let stale = [
        ("csrf", csrf.as_str()),
        ("partnerId", inviter.tenant_id.as_str()),
        ("DAP", "false"),
        ("firstName", "Zed"),
        ("lastName", "Zulu"),
        ("email", "zed@x.example"),
        ("accept", "true"),
    ];
    let r = v.post_refused("/AdminPortal/Invitation/Accept", &stale).await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(page.contains("already accepted the Microsoft Customer Agreement"), "{page}");
    assert!(!page.contains("name=\"firstName\""), "the page shown again asks for nobody: {page}");
    assert_error(app.get(&format!("/v1/customers/{id}"), &inviter.token).await, 403, 20002).await;
    // the box unticked: refused at the box
    let unticked = [("csrf", csrf.as_str()), ("partnerId", inviter.tenant_id.as_str()), ("DAP", "false")];
    let r = v.post_refused("/AdminPortal/Invitation/Accept", &unticked).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("Tick the box to authorize the partner."));
    // the form as shown: the relationship, and no second acceptance
    let shown =
        [("csrf", csrf.as_str()), ("partnerId", inviter.tenant_id.as_str()), ("DAP", "false"), ("accept", "true")];
    assert_eq!(v.post("/AdminPortal/Invitation/Accept", &shown).await.status(), 303);
    assert_eq!(app.get(&format!("/v1/customers/{id}"), &inviter.token).await.status(), 200);
    assert_eq!(agreements().await, 1, "nobody accepted again");
}

#[tokio::test]
async fn an_invitation_form_sent_twice_is_taken_once_and_another_person_is_refused() {
    let app = TestApp::spawn().await;
    let creator = app.persona("DirectBill").await;
    let inviter = app.persona("DirectBill").await;
    let late = app.persona("DirectBill").await;
    let (id, user, password) = customer_with_credentials(&app, &creator.token, "twice").await;
    let v = Visitor::new(&app);
    v.sign_in(&user, &password, "/AdminPortal/Home").await;
    let path = |partner: &str| format!("/AdminPortal/Home?invType=ResellerRelationship&partnerId={partner}&DAP=false");
    let csrf = csrf_of(&v.get(&path(&inviter.tenant_id)).await.text().await.unwrap());
    let form = |partner: &'static str, first: &'static str| {
        let csrf = csrf.clone();
        move |tenant: String| {
            vec![
                ("csrf", csrf.clone()),
                ("partnerId", tenant),
                ("DAP", "false".to_string()),
                ("firstName", first.to_string()),
                ("lastName", "Lee".to_string()),
                ("email", format!("{}@x.example", partner)),
                ("accept", "true".to_string()),
            ]
        }
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let v = &v;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, val)| (*k, val.as_str())).collect();
            let r = v.post("/AdminPortal/Invitation/Accept", &fields).await;
            assert_eq!(r.status(), 303);
            // taken: back to the invitation; refused: to the refused form's page
            if location(&r).contains("form=") {
                400
            } else {
                303
            }
        }
    };
    // the same form twice (a double click, a resend): taken once, answered alike
    let ana = form("ana", "Ana");
    assert_eq!(send(ana(inviter.tenant_id.clone())).await, 303);
    assert_eq!(send(ana(inviter.tenant_id.clone())).await, 303, "the same form again");
    let agreements = app.get_json(&format!("/v1/customers/{id}/agreements?agreementType=*"), &creator.token).await;
    assert_eq!(agreements["totalCount"], 1, "{agreements}");
    // another person on a page opened before the acceptance: refused, nothing made
    let bob = form("bob", "Bob");
    assert_eq!(send(bob(late.tenant_id.clone())).await, 400);
    assert_error(app.get(&format!("/v1/customers/{id}"), &late.token).await, 403, 20002).await;
}

#[tokio::test]
async fn a_customer_that_bought_without_acceptance_must_go_through_its_partner() {
    let app = TestApp::spawn_2023_flow().await;
    let seeded = app.post_seed("application/yaml", std::fs::read_to_string("seeds/troubleshoot.yaml").unwrap()).await;
    assert_eq!(seeded.status(), 201);
    let seeded: Value = seeded.json().await.unwrap();
    let id = seeded["ids"]["woodgrove"].as_str().unwrap().to_string();
    let partner = seeded["ids"]["contoso-partner"].as_str().unwrap().to_string();
    let token = app.mint(&partner, &["AdminAgent"], false).await;

    let v = Visitor::new(&app);
    v.sign_in("admin@woodgrovelegacy.onmicrosoft.com", "Woodgrove-Pass-1!", AGREEMENT_PAGE).await;
    let csrf = csrf_of(&v.get(AGREEMENT_PAGE).await.text().await.unwrap());
    let r = v
        .post_refused(
            "/AdminPortal/Agreement/Accept",
            &[
                ("csrf", &csrf),
                ("firstName", "Wo"),
                ("lastName", "Bank"),
                ("email", "it@woodgrove.example"),
                ("accept", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Please reach out to your Partner to confirm your acceptance of the Microsoft Customer Agreement."));
    let direct = app
        .control(
            Method::POST,
            &format!("/_emulator/customers/{id}/direct-acceptance"),
            Some(&json!({"firstName": "Wo", "lastName": "Bank", "email": "it@woodgrove.example"})),
        )
        .await;
    let e = assert_error(direct, 403, 990424).await;
    assert_eq!(
        e["description"],
        "Please reach out to your Partner to confirm your acceptance of the Microsoft Customer Agreement."
    );

    assert_error(app.order(&token, &id).await, 403, 13605).await;
    assert_eq!(
        app.confirm(&token, &id, &confirmation("Wo", "it@woodgrove.example", "2020-01-01T00:00:00Z")).await.status(),
        201
    );
    assert_eq!(app.order(&token, &id).await.status(), 201);
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let (_, user, password) = customer_with_credentials(&app, &p.token, "signout").await;
    let v = Visitor::new(&app);
    v.sign_in(&user, &password, "/AdminPortal/Home").await;
    let home = v.get("/AdminPortal/Home").await.text().await.unwrap();
    assert!(home.contains("Welcome"));
    let r = v.post("/AdminPortal/SignOut", &[("csrf", &csrf_of(&home))]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(v.get("/AdminPortal/Home").await.status(), 303);
}

#[tokio::test]
async fn repeated_failed_sign_ins_lock_the_user_name_for_a_while_by_the_emulator_clock() {
    let app = TestApp::spawn_with(&["--sign-in-lockout-threshold", "3", "--sign-in-lockout-seconds", "120"]).await;
    app.set_clock("2026-03-01T12:00:00Z").await;
    let p = app.persona("DirectBill").await;
    let (_, user, password) = customer_with_credentials(&app, &p.token, "lockout").await;
    let v = Visitor::new(&app);
    for _ in 0..2 {
        assert_eq!(v.sign_in(&user, "wrong", "/AdminPortal/Home").await.status(), 401);
    }
    // the third failure locks the name; the right password does not get in while it is locked
    let locked = v.sign_in(&user.to_uppercase(), "wrong", "/AdminPortal/Home").await;
    assert_eq!(locked.status(), 429, "any spelling of the name counts");
    assert_eq!(locked.headers()["retry-after"], "120");
    assert!(locked.text().await.unwrap().contains("AADSTS50053"));
    let still = v.sign_in(&user, &password, "/AdminPortal/Home").await;
    assert_eq!(still.status(), 429);
    // the journal tells each attempt and the lockout
    let journal = app.control_json(Method::GET, "/_emulator/requests", None).await;
    let sign_ins: Vec<&Value> =
        journal["items"].as_array().unwrap().iter().filter(|e| e["path"] == "/AdminPortal/SignIn").collect();
    let rules: Vec<&str> = sign_ins.iter().filter_map(|e| e["rule"].as_str()).collect();
    assert!(rules.contains(&"SignInFailed") && rules.contains(&"SignInLockedOut"), "{rules:?}");
    let hints: Vec<&str> = sign_ins.iter().filter_map(|e| e["hint"].as_str()).collect();
    assert!(hints.iter().any(|h| h.contains("failed sign-in 2 of 3")), "{hints:?}");
    let lockouts = app.control_json(Method::GET, "/_emulator/sign-in-lockouts", None).await;
    assert_eq!(lockouts["items"][0]["userName"], user.to_lowercase());
    assert_eq!(lockouts["items"][0]["lockedUntil"], "2026-03-01T12:02:00.000Z");
    // the lock ends with the emulator clock
    app.control(Method::POST, "/_emulator/clock/advance", Some(&json!({"seconds": 121}))).await;
    let r = v.sign_in(&user, &password, "/AdminPortal/Home").await;
    assert_eq!(r.status(), 303, "signed in once the lock is over");
}

#[tokio::test]
async fn unknown_user_names_lock_out_alike_and_the_control_plane_unlocks() {
    let app = TestApp::spawn_with(&["--sign-in-lockout-threshold", "2"]).await;
    let p = app.persona("DirectBill").await;
    let (_, user, password) = customer_with_credentials(&app, &p.token, "unlockme").await;
    let v = Visitor::new(&app);
    let nobody = "nobody@nowhere.onmicrosoft.com";
    for name in [nobody, &user] {
        assert_eq!(v.sign_in(name, "wrong", "/AdminPortal/Home").await.status(), 401);
        assert_eq!(v.sign_in(name, "wrong", "/AdminPortal/Home").await.status(), 429, "{name}");
    }
    let a = v.sign_in(nobody, "wrong", "/AdminPortal/Home").await.text().await.unwrap();
    let b = v.sign_in(&user, "wrong", "/AdminPortal/Home").await.text().await.unwrap();
    assert_eq!(a.replace(nobody, ""), b.replace(&user, ""), "the lockout reveals no account");
    let unlocked =
        app.control_json(Method::DELETE, &format!("/_emulator/sign-in-lockouts/{}", user.to_uppercase()), None).await;
    assert_eq!(unlocked["unlocked"], 1);
    assert_eq!(v.sign_in(&user, &password, "/AdminPortal/Home").await.status(), 303);
    assert_eq!(v.sign_in(nobody, "x", "/AdminPortal/Home").await.status(), 429, "the other name stays locked");
    assert_eq!(app.control_json(Method::DELETE, "/_emulator/sign-in-lockouts", None).await["unlocked"], 1);
    assert_eq!(v.sign_in(nobody, "x", "/AdminPortal/Home").await.status(), 401);
}

#[tokio::test]
async fn every_page_says_nosniff_and_keeps_its_address_to_itself() {
    let app = TestApp::spawn().await;
    let v = Visitor::new(&app);
    for path in ["/AdminPortal/SignIn", "/_emulator/docs", "/AdminPortal/Home"] {
        let r = v.get(path).await;
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        if r.headers().get("content-type").is_some_and(|t| t.to_str().unwrap().starts_with("text/html")) {
            assert_eq!(r.headers()["referrer-policy"], "same-origin", "{path}");
        }
    }
}

#[tokio::test]
async fn a_customer_whose_partner_confirmed_sees_that_state_not_a_second_accept() {
    let app = TestApp::spawn_2023_flow().await;
    let p = app.persona("DirectBill").await;
    let (id, user, password) = customer_with_credentials(&app, &p.token, "confirmedpage").await;
    let r = app.confirm(&p.token, &id, &confirmation("Ana", "ana@confirmedpage.example", "2025-02-20T00:00:00Z")).await;
    assert_eq!(r.status(), 201);
    let v = Visitor::new(&app);
    v.sign_in(&user, &password, AGREEMENT_PAGE).await;
    let page = v.get(AGREEMENT_PAGE).await.text().await.unwrap();
    assert!(page.contains("id=\"confirmedByPartner\"") && page.contains("Ana Lee"), "{page}");
    assert!(
        page.contains("20 February 2025") && !page.contains("2025-02-20T00:00:00.000Z</"),
        "dates as people read them"
    );
    assert!(page.contains("<details id=\"acceptYourself\">"), "accepting too is offered, closed, and explained");
}

/// A NUL character is refused at its field on every form of the admin center and on both sites'
/// sign-in pages (one rule in the web kit), never dropped: nothing is signed in or accepted.
#[tokio::test]
async fn a_nul_character_is_refused_at_its_field_on_sign_in_and_accept() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let (id, user, password) = customer_with_credentials(&app, &p.token, "nulpage").await;
    let nul = "text values must not contain the NUL character (U+0000)";
    for (page, user_name) in
        [("/AdminPortal/SignIn", user.clone()), ("/dashboard/signin", "dev@partner.example".into())]
    {
        let v = Visitor::new(&app);
        let csrf = csrf_of(&v.get(page).await.text().await.unwrap());
        let typed = format!("{user_name}\u{0}");
        let r = v.post(page, &[("csrf", &csrf), ("userName", &typed), ("password", &password)]).await;
        assert_eq!(r.status(), 400, "{page}");
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("Email or user name: {nul}")), "{page}: {html}");
        assert!(html.contains("id=\"userNameError\"") && html.contains("href=\"#userName\""), "at its field: {html}");
        let r = v.post(page, &[("csrf", &csrf), ("userName", &user_name), ("password", "pass\u{0}word")]).await;
        assert_eq!(r.status(), 400, "{page}");
        assert!(r.text().await.unwrap().contains(&format!("Password: {nul}")), "{page}");
    }

    let v = Visitor::new(&app);
    v.sign_in(&user, &password, AGREEMENT_PAGE).await;
    let csrf = csrf_of(&v.get(AGREEMENT_PAGE).await.text().await.unwrap());
    let r = v
        .post_refused(
            "/AdminPortal/Agreement/Accept",
            &[
                ("csrf", &csrf),
                ("firstName", "A\u{0}na"),
                ("lastName", "Lee"),
                ("email", "ana@x.example"),
                ("accept", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("First name: {nul}")) && html.contains("id=\"firstNameError\""), "{html}");
    let status: Value =
        app.get_json(&format!("/v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus"), &p.token).await;
    assert_eq!(status["isSigned"], false, "nothing accepted");
}
