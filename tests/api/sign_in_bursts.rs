//! The sign-in lockout under concurrency: an attempt is counted in the database before its
//! password is checked, so a burst of parallel guesses gets no more failed checks than the
//! threshold — on the token endpoint's password grant, the dashboard and the admin center alike —
//! while concurrent sign-ins with the right password all get in (on the token endpoint, the
//! development user's right password is told AADSTS50076: the user must do MFA, which the
//! password grant cannot; the password was checked and accepted all the same).

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::future::Future;

const DEV_CLIENT: &str = "7e57da7a-0000-4000-8000-00000000a991";
const DEV_USER: &str = "admin@contoso-dev.onmicrosoft.com";
const DEV_PASSWORD: &str = "Pce-Development-Passw0rd";
const SCOPE: &str = "https://api.partnercenter.microsoft.com/.default";
const THRESHOLD: usize = 10;

/// Run every future at once, each on a task of its own; their outputs in order.
async fn join_all<T: Send + 'static, F: Future<Output = T> + Send + 'static>(
    all: impl IntoIterator<Item = F>,
) -> Vec<T> {
    let tasks: Vec<_> = all.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

/// The answer to the development user's right password: accepted, and the user sent to an
/// interactive sign-in for MFA.
const RIGHT_PASSWORD: (u16, u64) = (400, 50076);

/// A password grant for the development user: its status and AADSTS code (0 when granted).
async fn password_grant(http: reqwest::Client, base: String, password: String) -> (u16, u64) {
    password_grant_of(http, base, DEV_USER, password).await
}

/// A user of the development partner who does not do MFA, whose right password gets a token.
const SINGLE_FACTOR_USER: &str = "many@contoso-dev.onmicrosoft.com";
const SINGLE_FACTOR_PASSWORD: &str = "Many-Single-Factor-1";

async fn password_grant_of(http: reqwest::Client, base: String, user: &str, password: String) -> (u16, u64) {
    let form = [
        ("grant_type", "password"),
        ("client_id", DEV_CLIENT),
        ("username", user),
        ("password", password.as_str()),
        ("scope", SCOPE),
    ];
    let r = http.post(format!("{base}/common/oauth2/v2.0/token")).form(&form).send().await.unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    (status, body["error_codes"][0].as_u64().unwrap_or(0))
}

fn count(answers: &[(u16, u64)], code: u64) -> usize {
    answers.iter().filter(|(_, c)| *c == code).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_passwords_gets_no_more_checks_than_the_threshold_on_the_token_endpoint() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    // 100 wrong passwords and the right one, all at once; the right one in the middle.
    let passwords: Vec<String> =
        (0..101).map(|i| if i == 50 { DEV_PASSWORD.to_string() } else { format!("wrong-{i}") }).collect();
    let answers = join_all(passwords.into_iter().map(|p| password_grant(http.clone(), app.base.clone(), p))).await;
    let (granted, wrong, locked) = (count(&answers, RIGHT_PASSWORD.1), count(&answers, 50126), count(&answers, 50053));
    eprintln!("burst of 100 wrong + 1 right: {granted} right (AADSTS50076), {wrong} AADSTS50126, {locked} AADSTS50053");
    assert_eq!(granted + wrong + locked, answers.len(), "{answers:?}");
    assert!(wrong < THRESHOLD, "at most threshold - 1 AADSTS50126 answers (the threshold-th locks): {answers:?}");
    assert!(granted + wrong <= THRESHOLD, "no more checks than the threshold: {answers:?}");
    // The threshold is reached: the right password is refused without a check.
    assert_eq!(password_grant(http, app.base.clone(), DEV_PASSWORD.into()).await, (400, 50053));
    let lockouts = app.control_json(Method::GET, "/_emulator/sign-in-lockouts", None).await;
    assert_eq!(lockouts["items"][0]["userName"], DEV_USER, "{lockouts}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_sign_ins_with_the_right_password_all_get_in() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let answers = join_all((0..50).map(|_| password_grant(http.clone(), app.base.clone(), DEV_PASSWORD.into()))).await;
    assert!(answers.iter().all(|a| *a == RIGHT_PASSWORD), "{answers:?}");
    // A user who does not do MFA gets a token from each of fifty concurrent grants.
    let body = json!({"userName": SINGLE_FACTOR_USER, "password": SINGLE_FACTOR_PASSWORD, "mfa": false});
    let r =
        app.control(Method::POST, "/_emulator/partners/7e57da7a-0000-4000-8000-00000000d001/users", Some(&body)).await;
    assert_eq!(r.status(), 201);
    let granted =
        join_all((0..50).map(|_| {
            password_grant_of(http.clone(), app.base.clone(), SINGLE_FACTOR_USER, SINGLE_FACTOR_PASSWORD.into())
        }))
        .await;
    assert!(granted.iter().all(|a| *a == (200, 0)), "{granted:?}");
    // They counted no failure: the lockout's list is empty.
    let lockouts = app.control_json(Method::GET, "/_emulator/sign-in-lockouts", None).await;
    assert_eq!(lockouts["totalCount"], 0, "{lockouts}");
    // A few wrong passwords among right ones do not lock the right ones out.
    let mixed = join_all((0..40).map(|i| {
        let password = if i % 10 == 0 { format!("wrong-{i}") } else { DEV_PASSWORD.to_string() };
        password_grant(http.clone(), app.base.clone(), password)
    }))
    .await;
    assert_eq!((count(&mixed, RIGHT_PASSWORD.1), count(&mixed, 50126)), (36, 4), "{mixed:?}");
}

/// A visitor of a site with its own cookies, holding the sign-in form's token.
#[derive(Clone)]
struct Visitor {
    http: reqwest::Client,
    csrf: String,
    url: String,
}

impl Visitor {
    async fn at(url: String) -> Visitor {
        let http =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = http.get(&url).send().await.unwrap().text().await.unwrap();
        let marker = "name=\"csrf\" value=\"";
        let start = page.find(marker).expect("csrf field") + marker.len();
        let csrf = page[start..start + page[start..].find('"').unwrap()].to_string();
        Visitor { http, csrf, url }
    }

    async fn sign_in(self, user: String, password: String) -> u16 {
        let form = [("csrf", self.csrf.as_str()), ("userName", &user), ("password", &password)];
        self.http.post(&self.url).form(&form).send().await.unwrap().status().as_u16()
    }
}

/// `burst` wrong passwords and the right one in parallel through a site's sign-in form: at most
/// threshold - 1 are told "incorrect" (401), the rest locked out (429) or signed in (303, when the
/// right one came among the first checks); afterwards the right password is locked out.
async fn burst_on_a_site(app: &TestApp, path: &str, user: &str, password: &str, burst: usize) {
    let visitors = join_all((0..=burst).map(|_| Visitor::at(app.url(path)))).await;
    let answers = join_all(visitors.iter().enumerate().map(|(i, v)| {
        let attempt = if i == burst / 2 { password.to_string() } else { format!("wrong-{i}") };
        v.clone().sign_in(user.to_string(), attempt)
    }))
    .await;
    let of = |status: u16| answers.iter().filter(|s| **s == status).count();
    eprintln!(
        "{path}: burst of {burst} wrong + 1 right: {} signed in, {} incorrect, {} locked",
        of(303),
        of(401),
        of(429)
    );
    assert_eq!(of(303) + of(401) + of(429), answers.len(), "{answers:?}");
    assert!(of(401) < THRESHOLD && of(303) + of(401) <= THRESHOLD, "{answers:?}");
    assert_eq!(visitors[0].clone().sign_in(user.to_string(), password.to_string()).await, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_passwords_locks_the_dashboard_and_the_admin_center_alike() {
    let app = TestApp::spawn().await;
    // The dashboard: a partner user.
    let partner = app.create_partner("DirectBill", None).await;
    let r = app
        .control(
            Method::POST,
            &format!("/_emulator/partners/{partner}/users"),
            Some(&json!({"userName": "burst@partner.example", "roles": ["AdminAgent"]})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let user: Value = r.json().await.unwrap();
    burst_on_a_site(&app, "/dashboard/signin", "burst@partner.example", user["password"].as_str().unwrap(), 40).await;
    // The admin center: a customer's admin.
    let persona = app.persona("DirectBill").await;
    let customer = app.create_customer(&persona.token, "burstadmin").await;
    let credentials = &customer["userCredentials"];
    let (name, password) = (credentials["userName"].as_str().unwrap(), credentials["password"].as_str().unwrap());
    burst_on_a_site(&app, "/AdminPortal/SignIn", name, password, 40).await;
}
