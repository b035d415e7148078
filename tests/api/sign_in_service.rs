//! The emulated sign-in service: the token endpoint's grants and refusals, the development
//! identities, app registrations and users made through the control plane, and the tokens it
//! issues working on the API.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

const DEV_TENANT: &str = "7e57da7a-0000-4000-8000-00000000d001";
const DEV_CLIENT: &str = "7e57da7a-0000-4000-8000-00000000a991";
const DEV_SECRET: &str = "pce-development-client-secret-not-for-production";
const DEV_USER: &str = "admin@contoso-dev.onmicrosoft.com";
const DEV_PASSWORD: &str = "Pce-Development-Passw0rd";
const SCOPE: &str = "https://api.partnercenter.microsoft.com/.default";
/// What a client that keeps a refresh token asks for (Entra gives one only with `offline_access`).
const SCOPE_AND_REFRESH: &str = "https://api.partnercenter.microsoft.com/.default offline_access";
/// A user of the development partner who signs in with a password alone (`"mfa": false`): the
/// password grant's user, made by `single_factor_user`. The development user must do MFA, which
/// the password grant cannot.
const PAT: &str = "pat@contoso-dev.onmicrosoft.com";
const PAT_PASSWORD: &str = "Pat-Single-Factor-1";

/// Make `PAT` (`"mfa": false`, Admin agent); its object id.
async fn single_factor_user(app: &TestApp) -> String {
    let body = json!({"userName": PAT, "password": PAT_PASSWORD, "mfa": false, "displayName": "Pat Single-Factor"});
    let r = app.control(Method::POST, &format!("/_emulator/partners/{DEV_TENANT}/users"), Some(&body)).await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

/// The refresh token an interactive sign-in of the development user (with MFA) leaves, from the
/// control plane.
async fn dev_refresh_token(app: &TestApp) -> String {
    let path = format!("/_emulator/partners/{DEV_TENANT}/users/{DEV_USER_ID}/refresh-tokens");
    let r = app.control(Method::POST, &path, Some(&json!({"clientId": DEV_CLIENT}))).await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["refreshToken"].as_str().unwrap().to_string()
}

const DEV_USER_ID: &str = "7e57da7a-0000-4000-8000-00000000e5e1";

async fn token(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new().post(app.url(path)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    assert_eq!(r.headers()["cache-control"], "no-store, no-cache");
    (status, r.json().await.unwrap())
}

/// A refusal in the sign-in service's shape with this AADSTS code.
fn assert_aadsts(answer: &(u16, Value), status: u16, error: &str, code: u64) {
    let (s, body) = answer;
    assert_eq!((*s, body["error"].as_str()), (status, Some(error)), "{body}");
    assert_eq!(body["error_codes"], json!([code]), "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(description.starts_with(&format!("AADSTS{code}: ")), "{description}");
    assert!(description.contains(body["trace_id"].as_str().unwrap()), "{description}");
    assert!(description.contains(body["correlation_id"].as_str().unwrap()), "{description}");
    assert_eq!(body["error_uri"], format!("https://login.microsoftonline.com/error?code={code}"));
}

#[tokio::test]
async fn the_development_app_gets_an_app_only_token_that_the_api_accepts() {
    let app = TestApp::spawn().await;
    let (status, body) = token(
        &app,
        &format!("/{DEV_TENANT}/oauth2/v2.0/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", DEV_CLIENT),
            ("client_secret", DEV_SECRET),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["token_type"].as_str(), body["expires_in"].as_i64()), (Some("Bearer"), Some(3600)));
    assert!(body.get("refresh_token").is_none(), "client credentials get no refresh token");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(app.post("/v1/customers", access, &customer_body("devapp")).await.status(), 201);
    // App-only: the enhanced attestation route takes it, an App+User-only route does not.
    assert_error(app.get("/v1/customers/relationshiprequests", access).await, 403, 990420).await;

    // The secret in a Basic header (client_secret_basic) works alike.
    let r = reqwest::Client::new()
        .post(app.url(&format!("/{DEV_TENANT}/oauth2/v2.0/token")))
        .basic_auth(DEV_CLIENT, Some(DEV_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", SCOPE)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_development_user_refreshes_the_token_of_an_interactive_sign_in_on_both_versions() {
    let app = TestApp::spawn().await;
    let scope = "https://api.partnercenter.microsoft.com/user_impersonation offline_access";
    let refresh = dev_refresh_token(&app).await;
    let signed_in = token(
        &app,
        "/organizations/oauth2/v2.0/token",
        &[("grant_type", "refresh_token"), ("client_id", DEV_CLIENT), ("refresh_token", &refresh), ("scope", scope)],
    )
    .await;
    assert_eq!(signed_in.0, 200, "{}", signed_in.1);
    let access = signed_in.1["access_token"].as_str().unwrap();
    assert_eq!(jwt_payload(access)["amr"], json!(["pwd", "mfa"]), "the sign-in did MFA");
    // App+User with the user's role and an MFA sign-in: today's service date takes it.
    let r = app.get("/v1/customers/relationshiprequests", access).await;
    assert_eq!(r.status(), 200);
    let created = app.create_customer(access, "devuser").await;
    let id = created["id"].as_str().unwrap();
    // The 2023 confirmation records the user's id: the development user's.
    let app_2023 = TestApp::spawn_2023_flow().await;
    let refresh_2023 = dev_refresh_token(&app_2023).await;
    let (_, t) = token(
        &app_2023,
        "/common/oauth2/v2.0/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", DEV_CLIENT),
            ("refresh_token", &refresh_2023),
            ("scope", SCOPE),
        ],
    )
    .await;
    let c = app_2023.create_customer(t["access_token"].as_str().unwrap(), "devuser2023").await;
    let r = app_2023
        .confirm(
            t["access_token"].as_str().unwrap(),
            c["id"].as_str().unwrap(),
            &confirmation("Megan", "megan@devuser.example", "2025-02-01T00:00:00Z"),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["userId"], DEV_USER_ID);

    // The v1 endpoint refreshes with a resource, and answers in its own shape (strings); the
    // refresh token it got keeps the sign-in's MFA.
    let refresh = signed_in.1["refresh_token"].as_str().unwrap();
    let (status, v1) = token(
        &app,
        &format!("/{DEV_TENANT}/oauth2/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", DEV_CLIENT),
            ("refresh_token", refresh),
            ("resource", "https://api.partnercenter.microsoft.com"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{v1}");
    assert_eq!(
        (v1["expires_in"].as_str(), v1["resource"].as_str()),
        (Some("3600"), Some("https://api.partnercenter.microsoft.com"))
    );
    let refreshed = v1["access_token"].as_str().unwrap();
    assert_eq!(jwt_payload(refreshed)["amr"], json!(["pwd", "mfa"]));
    assert_eq!(app.get(&format!("/v1/customers/{id}"), refreshed).await.status(), 200);
    // A refresh token is no access token.
    assert_error(app.get(&format!("/v1/customers/{id}"), refresh).await, 401, 800001).await;
}

/// A password is one factor: Entra ID refuses the password grant of a user who must do MFA
/// (AADSTS50076, `suberror` `basic_action`: sign in interactively) and Partner Center refuses a
/// token without MFA (900421). The emulator did neither: it signed an MFA user in with a password
/// and wrote `mfa` into the token, so code that passed here failed there.
#[tokio::test]
async fn the_password_grant_cannot_do_mfa_so_an_mfa_user_is_refused_and_others_get_no_mfa() {
    let app = TestApp::spawn().await;
    let dev = |path: &'static str, extra: (&'static str, &'static str)| {
        (
            path,
            vec![
                ("grant_type", "password"),
                ("client_id", DEV_CLIENT),
                ("username", DEV_USER),
                ("password", DEV_PASSWORD),
                extra,
            ],
        )
    };
    for (path, form) in [
        dev("/organizations/oauth2/v2.0/token", ("scope", SCOPE_AND_REFRESH)),
        dev(
            "/7e57da7a-0000-4000-8000-00000000d001/oauth2/token",
            ("resource", "https://api.partnercenter.microsoft.com"),
        ),
    ] {
        let answer = token(&app, path, &form).await;
        assert_aadsts(&answer, 400, "invalid_grant", 50076);
        assert_eq!(answer.1["suberror"], "basic_action", "{}", answer.1);
        let description = answer.1["error_description"].as_str().unwrap();
        assert!(description.contains("you must use multi-factor authentication"), "{description}");
        assert!(description.contains("/refresh-tokens"), "says where a refresh token comes from: {description}");
        assert!(answer.1.get("access_token").is_none() && answer.1.get("refresh_token").is_none());
    }
    // A wrong password is still only wrong: the answer tells nothing of the user's MFA.
    let wrong = dev("/common/oauth2/v2.0/token", ("scope", SCOPE));
    let wrong: Vec<_> =
        wrong.1.into_iter().map(|(k, v)| (k, if k == "password" { "Not-The-Passw0rd" } else { v })).collect();
    assert_aadsts(&token(&app, "/common/oauth2/v2.0/token", &wrong).await, 400, "invalid_grant", 50126);

    // A user without MFA signs in with a password, and the token says so: no `mfa`, nor after a
    // refresh; today's Partner Center refuses it (900421).
    single_factor_user(&app).await;
    let (status, body) = token(&app, "/common/oauth2/v2.0/token", &password_grant(SCOPE_AND_REFRESH)[..5]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(jwt_payload(body["access_token"].as_str().unwrap())["amr"], json!(["pwd"]));
    assert_error(app.get("/v1/customers", body["access_token"].as_str().unwrap()).await, 401, 900421).await;
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", DEV_CLIENT),
        ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ("scope", SCOPE),
    ];
    let (status, refreshed) = token(&app, "/common/oauth2/v2.0/token", &refresh).await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(
        jwt_payload(refreshed["access_token"].as_str().unwrap())["amr"],
        json!(["pwd"]),
        "a refresh adds no MFA"
    );
}

/// `POST /_emulator/partners/{tenantId}/users/{userId}/refresh-tokens`: the refresh token an
/// interactive sign-in leaves — with MFA for a user who does it, without for one who does not —,
/// bound to the app it names; what it cannot issue is refused, naming what to change.
#[tokio::test]
async fn the_control_plane_issues_the_refresh_token_of_an_interactive_sign_in() {
    let app = TestApp::spawn().await;
    let path = format!("/_emulator/partners/{DEV_TENANT}/users/{DEV_USER_ID}/refresh-tokens");
    let r = app.control(Method::POST, &path, Some(&json!({"clientId": DEV_CLIENT.to_uppercase()}))).await;
    assert_eq!(r.status(), 201);
    let issued: Value = r.json().await.unwrap();
    assert_eq!(
        (issued["userId"].as_str(), issued["userName"].as_str(), issued["clientId"].as_str(), issued["mfa"].as_bool()),
        (Some(DEV_USER_ID), Some(DEV_USER), Some(DEV_CLIENT), Some(true)),
        "{issued}"
    );
    assert_eq!(issued["tokenEndpoint"], app.url(&format!("/{DEV_TENANT}/oauth2/v2.0/token")));
    assert!(issued["expiresDateTime"].as_str().is_some_and(|t| t.ends_with('Z')), "{issued}");
    // It is bound to its app: another app's refresh is refused.
    let other_app: Value = app
        .control(Method::POST, &format!("/_emulator/partners/{DEV_TENANT}/applications"), Some(&json!({})))
        .await
        .json()
        .await
        .unwrap();
    let refresh = |client: &str| {
        vec![
            ("grant_type", "refresh_token".to_string()),
            ("client_id", client.to_string()),
            ("refresh_token", issued["refreshToken"].as_str().unwrap().to_string()),
            ("scope", SCOPE.to_string()),
        ]
    };
    let other = refresh(other_app["clientId"].as_str().unwrap());
    let other: Vec<(&str, &str)> = other.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_aadsts(&token(&app, "/common/oauth2/v2.0/token", &other).await, 400, "invalid_grant", 9002313);
    // Through another partner's app (apps are multi-tenant) the refresh works at `organizations`,
    // which `tokenEndpoint` names: the user's tenant path admits only its own apps.
    let elsewhere = app.persona("IndirectProvider").await;
    let foreign_app: Value = app
        .control(Method::POST, &format!("/_emulator/partners/{}/applications", elsewhere.tenant_id), Some(&json!({})))
        .await
        .json()
        .await
        .unwrap();
    let foreign_client = foreign_app["clientId"].as_str().unwrap();
    let issued_foreign: Value =
        app.control(Method::POST, &path, Some(&json!({"clientId": foreign_client}))).await.json().await.unwrap();
    assert_eq!(issued_foreign["tokenEndpoint"], app.url("/organizations/oauth2/v2.0/token"));
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", foreign_client),
        ("refresh_token", issued_foreign["refreshToken"].as_str().unwrap()),
        ("scope", SCOPE),
    ];
    let endpoint = issued_foreign["tokenEndpoint"].as_str().unwrap().replace(&app.url(""), "");
    assert_eq!(token(&app, &endpoint, &form).await.0, 200, "the endpoint it names works");
    // A single-factor user's interactive sign-in does no MFA.
    let pat = single_factor_user(&app).await;
    let r = app
        .control(
            Method::POST,
            &format!("/_emulator/partners/{DEV_TENANT}/users/{pat}/refresh-tokens"),
            Some(&json!({"clientId": DEV_CLIENT})),
        )
        .await;
    let pat_token: Value = r.json().await.unwrap();
    assert_eq!(pat_token["mfa"], false, "{pat_token}");
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", DEV_CLIENT),
        ("refresh_token", pat_token["refreshToken"].as_str().unwrap()),
        ("scope", SCOPE),
    ];
    let (_, t) = token(&app, "/common/oauth2/v2.0/token", &form).await;
    assert_eq!(jwt_payload(t["access_token"].as_str().unwrap())["amr"], json!(["pwd"]));

    // Refusals: no app, an unknown app, a user of another partner, an unknown partner.
    let no_app = assert_error(app.control(Method::POST, &path, Some(&json!({}))).await, 400, 990401).await;
    assert!(no_app["data"][0].as_str().unwrap().starts_with("clientId: is required"), "{no_app}");
    let unknown = json!({"clientId": "00000000-0000-4000-8000-000000000001"});
    let e = assert_error(app.control(Method::POST, &path, Some(&unknown)).await, 400, 990401).await;
    assert!(e["data"][0].as_str().unwrap().contains("no application"), "{e}");
    assert_error(
        app.control(Method::POST, &path, Some(&json!({"clientId": DEV_CLIENT, "scope": "x"}))).await,
        400,
        990401,
    )
    .await;
    let other = app.persona("DirectBill").await;
    let elsewhere = format!("/_emulator/partners/{}/users/{DEV_USER_ID}/refresh-tokens", other.tenant_id);
    assert_error(app.control(Method::POST, &elsewhere, Some(&json!({"clientId": DEV_CLIENT}))).await, 404, 990449)
        .await;
    let nowhere =
        format!("/_emulator/partners/00000000-0000-4000-8000-0000000000ff/users/{DEV_USER_ID}/refresh-tokens");
    let r = app.control(Method::POST, &nowhere, Some(&json!({"clientId": DEV_CLIENT}))).await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn control_plane_apps_and_users_sign_in_and_their_secrets_are_shown_once() {
    let app = TestApp::spawn().await;
    let p = app.persona("IndirectProvider").await;
    let r = app
        .control(
            Method::POST,
            &format!("/_emulator/partners/{}/applications", p.tenant_id),
            Some(&json!({"displayName": "Billing sync"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let (client, secret) = (created["clientId"].as_str().unwrap(), created["clientSecret"].as_str().unwrap());
    assert_eq!(created["tokenEndpoint"], app.url(&format!("/{}/oauth2/v2.0/token", p.tenant_id)));
    let listed =
        app.control_json(Method::GET, &format!("/_emulator/partners/{}/applications", p.tenant_id), None).await;
    assert_eq!(listed["totalCount"], 1);
    assert!(listed["items"][0].get("clientSecret").is_none(), "the secret is shown once");

    let body = json!({"userName": "Sam@Provider.onmicrosoft.com", "roles": ["SalesAgent"], "mfa": false});
    let r = app.control(Method::POST, &format!("/_emulator/partners/{}/users", p.tenant_id), Some(&body)).await;
    assert_eq!(r.status(), 201);
    let user: Value = r.json().await.unwrap();
    assert_eq!(
        (user["userName"].as_str(), user["roles"].clone()),
        (Some("sam@provider.onmicrosoft.com"), json!(["SalesAgent"]))
    );
    let password = user["password"].as_str().unwrap();
    let again = app.control(Method::POST, &format!("/_emulator/partners/{}/users", p.tenant_id), Some(&body)).await;
    assert_error(again, 409, 990439).await;
    let listed = app.control_json(Method::GET, &format!("/_emulator/partners/{}/users", p.tenant_id), None).await;
    assert!(listed["items"][0].get("password").is_none());

    // The user signs in through the partner's app, in the partner's tenant.
    let (status, t) = token(
        &app,
        &format!("/{}/oauth2/v2.0/token", p.tenant_id),
        &[
            ("grant_type", "password"),
            ("client_id", client),
            ("client_secret", secret),
            ("username", "SAM@provider.onmicrosoft.com"),
            ("password", password),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(status, 200, "{t}");
    // mfa: false — today's service date wants MFA on App+User calls.
    assert_error(app.get("/v1/customers", t["access_token"].as_str().unwrap()).await, 401, 900421).await;
    // …and not in another partner's tenant.
    let other = app.persona("DirectBill").await;
    let wrong_tenant = token(
        &app,
        &format!("/{}/oauth2/v2.0/token", other.tenant_id),
        &[
            ("grant_type", "password"),
            ("client_id", DEV_CLIENT),
            ("username", "sam@provider.onmicrosoft.com"),
            ("password", password),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_aadsts(&wrong_tenant, 400, "unauthorized_client", 700016);

    // Bad users are named.
    let bad = json!({"userName": "not a name", "password": "short", "roles": ["Owner"]});
    let e = assert_error(
        app.control(Method::POST, &format!("/_emulator/partners/{}/users", p.tenant_id), Some(&bad)).await,
        400,
        990401,
    )
    .await;
    assert_eq!(e["data"].as_array().unwrap().len(), 3, "{e}");
}

#[tokio::test]
async fn refusals_speak_the_sign_in_services_language() {
    let app = TestApp::spawn().await;
    let v2 = format!("/{DEV_TENANT}/oauth2/v2.0/token");
    let cc = |extra: &'static [(&'static str, &'static str)]| {
        let mut form = vec![("grant_type", "client_credentials"), ("client_id", DEV_CLIENT), ("scope", SCOPE)];
        form.extend_from_slice(extra);
        form
    };
    assert_aadsts(&token(&app, &v2, &cc(&[("client_secret", "wrong")])).await, 401, "invalid_client", 7000215);
    assert_aadsts(&token(&app, &v2, &cc(&[])).await, 401, "invalid_client", 7000216);
    assert_aadsts(&token(&app, &v2, &[("client_id", DEV_CLIENT)]).await, 400, "invalid_request", 900144);
    assert_aadsts(
        &token(&app, &v2, &[("grant_type", "authorization_code"), ("client_id", DEV_CLIENT), ("scope", SCOPE)]).await,
        400,
        "unsupported_grant_type",
        70003,
    );
    assert_aadsts(
        &token(
            &app,
            &v2,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", DEV_CLIENT),
                ("client_secret", DEV_SECRET),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await,
        400,
        "invalid_scope",
        70011,
    );
    assert_aadsts(
        &token(
            &app,
            &format!("/{DEV_TENANT}/oauth2/token"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", DEV_CLIENT),
                ("client_secret", DEV_SECRET),
                ("resource", "https://graph.windows.net"),
            ],
        )
        .await,
        400,
        "invalid_resource",
        500011,
    );
    let unknown_tenant = "/0f0f0f0f-0000-4000-8000-000000000000/oauth2/v2.0/token";
    assert_aadsts(
        &token(&app, unknown_tenant, &cc(&[("client_secret", DEV_SECRET)])).await,
        400,
        "invalid_tenant",
        90002,
    );
    let unknown_app = [
        ("grant_type", "client_credentials"),
        ("client_id", "0f0f0f0f-0000-4000-8000-000000000001"),
        ("client_secret", "x"),
        ("scope", SCOPE),
    ];
    assert_aadsts(&token(&app, &v2, &unknown_app).await, 400, "unauthorized_client", 700016);
    let forged = [
        ("grant_type", "refresh_token"),
        ("client_id", DEV_CLIENT),
        ("refresh_token", "eyJhbGciOiJIUzI1NiJ9.e30.x"),
        ("scope", SCOPE),
    ];
    assert_aadsts(&token(&app, &v2, &forged).await, 400, "invalid_grant", 9002313);
    // A JSON body is no form: every parameter is missing.
    let r = reqwest::Client::new()
        .post(app.url(&v2))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_aadsts(&(r.status().as_u16(), r.json().await.unwrap()), 400, "invalid_request", 900144);
}

#[tokio::test]
async fn a_client_credentials_scope_is_the_apis_default_and_v2_takes_no_resource() {
    let app = TestApp::spawn().await;
    let v2 = format!("/{DEV_TENANT}/oauth2/v2.0/token");
    let cc = |scope: &'static str| {
        [
            ("grant_type", "client_credentials"),
            ("client_id", DEV_CLIENT),
            ("client_secret", DEV_SECRET),
            ("scope", scope),
        ]
    };
    // OpenID Connect's scopes beside it, in either order (MSAL for Java sends them), are passed over
    for scope in [
        "openid profile offline_access https://api.partnercenter.microsoft.com/.default",
        "https://api.partnercenter.microsoft.com/.default openid profile offline_access",
    ] {
        let (status, body) = token(&app, &v2, &cc(scope)).await;
        assert_eq!(status, 200, "{scope}: {body}");
        assert!(body["access_token"].is_string());
    }
    // a delegated permission, alone or beside the default, or another API's default: refused,
    // nothing issued
    for scope in [
        "https://api.partnercenter.microsoft.com/user_impersonation",
        "https://api.partnercenter.microsoft.com/user_impersonation https://api.partnercenter.microsoft.com/.default",
    ] {
        let answer = token(&app, &v2, &cc(scope)).await;
        assert_aadsts(&answer, 400, "invalid_scope", 1002012);
        assert!(answer.1["error_description"].as_str().unwrap().contains(scope), "{}", answer.1);
        assert!(answer.1.get("access_token").is_none());
    }
    // another API's scope beside it is another API's (as for every grant)
    let other = cc("https://api.partnercenter.microsoft.com/.default https://graph.microsoft.com/.default");
    assert_aadsts(&token(&app, &v2, &other).await, 400, "invalid_scope", 70011);
    // `resource` is the v1 endpoint's: the v2 endpoint refuses it rather than pass it over, for
    // every grant
    let mut with_resource = cc(SCOPE).to_vec();
    with_resource.push(("resource", "https://graph.microsoft.com"));
    assert_aadsts(&token(&app, &v2, &with_resource).await, 400, "invalid_request", 901002);
    let password = [
        ("grant_type", "password"),
        ("client_id", DEV_CLIENT),
        ("username", DEV_USER),
        ("password", DEV_PASSWORD),
        ("scope", SCOPE),
        ("resource", "https://api.partnercenter.microsoft.com"),
    ];
    assert_aadsts(&token(&app, &v2, &password).await, 400, "invalid_request", 901002);
    // the v1 endpoint reads it as before
    let v1 = [
        ("grant_type", "client_credentials"),
        ("client_id", DEV_CLIENT),
        ("client_secret", DEV_SECRET),
        ("resource", "https://api.partnercenter.microsoft.com"),
    ];
    assert_eq!(token(&app, &format!("/{DEV_TENANT}/oauth2/token"), &v1).await.0, 200);
}

#[tokio::test]
async fn wrong_passwords_lock_the_user_out_with_aadsts50053_and_reveal_no_account() {
    let app = TestApp::spawn_with(&["--sign-in-lockout-threshold", "2"]).await;
    let v2 = "/common/oauth2/v2.0/token";
    let attempt = |user: &'static str, password: &'static str| {
        [
            ("grant_type", "password"),
            ("client_id", DEV_CLIENT),
            ("username", user),
            ("password", password),
            ("scope", SCOPE),
        ]
    };
    let unknown = token(&app, v2, &attempt("nobody@contoso-dev.onmicrosoft.com", "whatever1")).await;
    let wrong = token(&app, v2, &attempt(DEV_USER, "whatever1")).await;
    assert_aadsts(&unknown, 400, "invalid_grant", 50126);
    assert_aadsts(&wrong, 400, "invalid_grant", 50126);
    assert_aadsts(&token(&app, v2, &attempt(DEV_USER, "whatever2")).await, 400, "invalid_grant", 50053);
    assert_aadsts(&token(&app, v2, &attempt(DEV_USER, DEV_PASSWORD)).await, 400, "invalid_grant", 50053);
    let journal = app.control_json(Method::GET, "/_emulator/requests", None).await;
    let rules: Vec<&str> = journal["items"].as_array().unwrap().iter().filter_map(|e| e["rule"].as_str()).collect();
    assert!(rules.contains(&"invalid_grant"), "{rules:?}");
    // The control plane unlocks; then the right password is accepted (and the user, who must do
    // MFA, sent to an interactive sign-in).
    app.control(Method::DELETE, "/_emulator/sign-in-lockouts", None).await;
    assert_aadsts(&token(&app, v2, &attempt(DEV_USER, DEV_PASSWORD)).await, 400, "invalid_grant", 50076);

    // A user name longer than any account's is refused like a wrong password, and counts nothing.
    let long = format!("{}@contoso-dev.onmicrosoft.com", "u".repeat(100));
    let form = [
        ("grant_type", "password"),
        ("client_id", DEV_CLIENT),
        ("username", long.as_str()),
        ("password", "whatever1"),
        ("scope", SCOPE),
    ];
    for _ in 0..3 {
        assert_aadsts(&token(&app, v2, &form).await, 400, "invalid_grant", 50126);
    }
    let lockouts = app.control_json(Method::GET, "/_emulator/sign-in-lockouts", None).await;
    assert_eq!(lockouts["totalCount"], 0, "{lockouts}");
}

#[tokio::test]
async fn a_reset_restores_the_development_identities_and_voids_other_users_refresh_tokens() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let user: Value = app
        .control(
            Method::POST,
            &format!("/_emulator/partners/{}/users", p.tenant_id),
            Some(&json!({"userName": "kim@direct.onmicrosoft.com", "password": "Kim-passw0rd", "mfa": false})),
        )
        .await
        .json()
        .await
        .unwrap();
    let (_, t) = token(
        &app,
        "/common/oauth2/v2.0/token",
        &[
            ("grant_type", "password"),
            ("client_id", DEV_CLIENT),
            ("username", "kim@direct.onmicrosoft.com"),
            ("password", "Kim-passw0rd"),
            ("scope", SCOPE_AND_REFRESH),
        ],
    )
    .await;
    assert_eq!(user["roles"], json!(["AdminAgent"]));
    assert_eq!(app.control(Method::POST, "/_emulator/reset", None).await.status(), 200);
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", DEV_CLIENT),
        ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ("scope", SCOPE),
    ];
    assert_aadsts(&token(&app, "/common/oauth2/v2.0/token", &refresh).await, 400, "invalid_grant", 9002313);
    let dev = [
        ("grant_type", "client_credentials"),
        ("client_id", DEV_CLIENT),
        ("client_secret", DEV_SECRET),
        ("scope", SCOPE),
    ];
    assert_eq!(token(&app, &format!("/{DEV_TENANT}/oauth2/v2.0/token"), &dev).await.0, 200);
    let discovery: Value = reqwest::get(app.url(&format!("/{DEV_TENANT}/v2.0/.well-known/openid-configuration")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["token_endpoint"], app.url(&format!("/{DEV_TENANT}/oauth2/v2.0/token")));
    assert_eq!(discovery["issuer"], format!("https://login.microsoftonline.com/{DEV_TENANT}/v2.0"));
}

#[tokio::test]
async fn passwords_are_taken_as_sent_and_odd_forms_are_refused_alike_on_both_backends() {
    let app = TestApp::spawn().await;
    let p = app.persona("DirectBill").await;
    let body = json!({"userName": "spaces@direct.onmicrosoft.com", "password": "  Spaced Passw0rd ", "mfa": false});
    assert_eq!(
        app.control(Method::POST, &format!("/_emulator/partners/{}/users", p.tenant_id), Some(&body)).await.status(),
        201
    );
    let sign_in = |password: &'static str| {
        [
            ("grant_type", "password"),
            ("client_id", DEV_CLIENT),
            ("username", "spaces@direct.onmicrosoft.com"),
            ("password", password),
            ("scope", SCOPE_AND_REFRESH),
        ]
    };
    assert_eq!(token(&app, "/common/oauth2/v2.0/token", &sign_in("  Spaced Passw0rd ")).await.0, 200);
    assert_aadsts(
        &token(&app, "/common/oauth2/v2.0/token", &sign_in("Spaced Passw0rd")).await,
        400,
        "invalid_grant",
        50126,
    );
    // A NUL anywhere in the form: the same refusal on SQLite and PostgreSQL, and nothing stored.
    assert_aadsts(&token(&app, "/common/oauth2/v2.0/token", &sign_in("a\u{0}b")).await, 400, "invalid_request", 90100);
    let locks = app.control_json(Method::GET, "/_emulator/sign-in-lockouts", None).await;
    assert_eq!(locks["items"].as_array().unwrap().len(), 1, "only the one wrong password counted: {locks}");
    // A refresh token of a user of one partner, sent through another partner's tenant path.
    let (_, t) = token(&app, "/common/oauth2/v2.0/token", &sign_in("  Spaced Passw0rd ")).await;
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", DEV_CLIENT),
        ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ("scope", SCOPE),
    ];
    assert_aadsts(
        &token(&app, &format!("/{DEV_TENANT}/oauth2/v2.0/token"), &refresh).await,
        400,
        "invalid_grant",
        50034,
    );
}

#[tokio::test]
async fn a_basic_header_secret_is_read_as_written() {
    let app = TestApp::spawn().await;
    // The secret's characters are not form syntax: a wrong secret with & and + stays wrong.
    let r = reqwest::Client::new()
        .post(app.url(&format!("/{DEV_TENANT}/oauth2/v2.0/token")))
        .basic_auth(DEV_CLIENT, Some("x&y+z"))
        .form(&[("grant_type", "client_credentials"), ("scope", SCOPE)])
        .send()
        .await
        .unwrap();
    assert_aadsts(&(r.status().as_u16(), r.json().await.unwrap()), 401, "invalid_client", 7000215);
}

/// The payload of a JWT, or of `client_info`: base64url JSON.
fn decoded(part: &str) -> Value {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn jwt_payload(token: &str) -> Value {
    decoded(token.split('.').nth(1).unwrap())
}

/// A password grant of `PAT` (made by `single_factor_user`).
fn password_grant(scope: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("grant_type", "password"),
        ("client_id", DEV_CLIENT),
        ("username", PAT),
        ("password", PAT_PASSWORD),
        ("scope", scope),
        ("client_info", "1"),
        ("nonce", "n-0S6_WzA2Mj"),
    ]
}

#[tokio::test]
async fn user_grants_that_ask_for_openid_get_an_id_token_and_client_info_as_entra_gives_them() {
    let app = TestApp::spawn().await;
    let pat = single_factor_user(&app).await;
    let asked = "https://api.partnercenter.microsoft.com/.default openid profile offline_access";
    let (status, body) = token(&app, "/organizations/oauth2/v2.0/token", &password_grant(asked)).await;
    assert_eq!(status, 200, "{body}");
    let id = jwt_payload(body["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], DEV_CLIENT);
    assert_eq!(id["iss"], format!("https://login.microsoftonline.com/{DEV_TENANT}/v2.0"));
    assert_eq!((id["tid"].as_str(), id["ver"].as_str()), (Some(DEV_TENANT), Some("2.0")));
    assert_eq!(id["oid"], pat);
    assert_eq!(id["preferred_username"], PAT);
    assert_eq!(id["name"], "Pat Single-Factor");
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(), 3600);
    assert!(id["sub"].as_str().is_some_and(|s| !s.is_empty() && s != id["oid"]), "a pairwise subject: {id}");
    assert_eq!(decoded(body["client_info"].as_str().unwrap()), json!({"uid": pat, "utid": DEV_TENANT}));
    // The access token stays a v1 token for the Partner Center API, and the id_token is no access token.
    let access = jwt_payload(body["access_token"].as_str().unwrap());
    assert_eq!(access["iss"], format!("https://sts.windows.net/{DEV_TENANT}/"));
    let refused = app.get("/v1/customers", body["id_token"].as_str().unwrap()).await;
    assert_eq!(refused.status(), 401);

    // A refresh asking for openid gets a new id_token for the same subject.
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", DEV_CLIENT),
        ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ("scope", asked),
        ("client_info", "1"),
    ];
    let (status, refreshed) = token(&app, &format!("/{DEV_TENANT}/oauth2/v2.0/token"), &refresh).await;
    assert_eq!(status, 200, "{refreshed}");
    let again = jwt_payload(refreshed["id_token"].as_str().unwrap());
    assert_eq!(again["sub"], id["sub"]);
    assert_eq!(again.get("nonce"), None, "no nonce was sent with the refresh");
    assert!(refreshed["client_info"].is_string() && refreshed["refresh_token"].is_string());
}

#[tokio::test]
async fn openid_profile_and_offline_access_change_the_answer_as_they_do_at_entra() {
    let app = TestApp::spawn().await;
    single_factor_user(&app).await;
    let v2 = "/common/oauth2/v2.0/token";
    let (_, bare) = token(&app, v2, &password_grant("https://api.partnercenter.microsoft.com/.default")[..5]).await;
    assert!(bare["access_token"].is_string(), "{bare}");
    for absent in ["id_token", "refresh_token", "client_info"] {
        assert!(bare.get(absent).is_none(), "{absent} without asking: {bare}");
    }
    let (_, openid) = token(&app, v2, &password_grant("https://api.partnercenter.microsoft.com/.default openid")).await;
    let id = jwt_payload(openid["id_token"].as_str().unwrap());
    assert!(id.get("preferred_username").is_none() && id.get("name").is_none(), "no profile asked: {id}");
    assert!(openid.get("refresh_token").is_none(), "no offline_access asked");

    // The v1 endpoint: a refresh token always; an id_token (v1 issuer, user principal name) with openid.
    let v1 = [
        ("grant_type", "password"),
        ("client_id", DEV_CLIENT),
        ("username", PAT),
        ("password", PAT_PASSWORD),
        ("resource", "https://api.partnercenter.microsoft.com"),
        ("scope", "openid"),
    ];
    let (status, body) = token(&app, &format!("/{DEV_TENANT}/oauth2/token"), &v1).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["refresh_token"].is_string());
    let id = jwt_payload(body["id_token"].as_str().unwrap());
    assert_eq!(
        (id["iss"].as_str(), id["ver"].as_str()),
        (Some(format!("https://sts.windows.net/{DEV_TENANT}/").as_str()), Some("1.0"))
    );
    assert_eq!(id["upn"], PAT);
}

#[tokio::test]
async fn tenants_are_ids_domains_common_and_organizations_and_anything_else_is_aadsts90002() {
    let app = TestApp::spawn().await;
    let get = |path: String| {
        let url = app.url(&path);
        async move {
            let r = reqwest::get(url).await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    for version in ["/v2.0", ""] {
        let unknown =
            get(format!("/0f0f0f0f-0000-4000-8000-000000000000{version}/.well-known/openid-configuration")).await;
        assert_aadsts(&unknown, 400, "invalid_tenant", 90002);
        assert_aadsts(
            &get(format!("/contoso.example{version}/.well-known/openid-configuration")).await,
            400,
            "invalid_tenant",
            90002,
        );
        let (status, by_domain) =
            get(format!("/contoso-dev.onmicrosoft.com{version}/.well-known/openid-configuration")).await;
        assert_eq!(status, 200, "{by_domain}");
        assert!(by_domain["issuer"].as_str().unwrap().contains(DEV_TENANT), "the domain's tenant id: {by_domain}");
        let (status, common) = get(format!("/organizations{version}/.well-known/openid-configuration")).await;
        assert_eq!(status, 200);
        assert!(common["issuer"].as_str().unwrap().contains("{tenantid}"), "{common}");
    }
    assert_eq!(
        get(format!("/{DEV_TENANT}/.well-known/openid-configuration")).await.1["issuer"],
        format!("https://sts.windows.net/{DEV_TENANT}/")
    );
    // The token endpoint takes the domain as the tenant it names.
    single_factor_user(&app).await;
    let (status, body) =
        token(&app, "/contoso-dev.onmicrosoft.com/oauth2/v2.0/token", &password_grant(SCOPE)[..5]).await;
    assert_eq!(status, 200, "{body}");
    // The user-realm lookup: unknown tenants refused, unknown domains unknown, known ones managed.
    assert_aadsts(
        &get("/nowhere.example/userrealm/a@b.example?api-version=1.0".into()).await,
        400,
        "invalid_tenant",
        90002,
    );
    let (status, realm) = get(format!("/common/userrealm/{DEV_USER}?api-version=1.0")).await;
    assert_eq!((status, realm["account_type"].as_str()), (200, Some("Managed")));
    let (_, realm) = get("/common/userrealm/someone@elsewhere.example?api-version=1.0".into()).await;
    assert_eq!(realm["account_type"], "Unknown");
}

/// A raw form body to the v2 token endpoint: its status and body.
async fn raw_token(app: &TestApp, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(app.url("/common/oauth2/v2.0/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// RFC 6749 §3.1: parameters must not repeat, so a repeated one is refused rather than its first
/// value taken (AADSTS90100); a body that is no form — a broken percent escape, bytes that are not
/// UTF-8 — is refused whole (AADSTS9002313), on both backends alike.
#[tokio::test]
async fn repeated_parameters_and_malformed_forms_are_refused() {
    let app = TestApp::spawn().await;
    single_factor_user(&app).await;
    let scope = "https%3A%2F%2Fapi.partnercenter.microsoft.com%2F.default";
    let grant = format!("grant_type=password&client_id={DEV_CLIENT}&username={PAT}&scope={scope}");
    let repeated = raw_token(&app, format!("{grant}&password=wrong&password={PAT_PASSWORD}")).await;
    assert_aadsts(&repeated, 400, "invalid_request", 90100);
    assert!(repeated.1["error_description"].as_str().unwrap().contains("'password' is sent more than once"));
    let repeated = raw_token(&app, format!("{grant}&password={PAT_PASSWORD}&grant_type=password")).await;
    assert_aadsts(&repeated, 400, "invalid_request", 90100);
    // Parameters the endpoint does not read are ignored, repeated or not.
    let ignored = raw_token(&app, format!("{grant}&password={PAT_PASSWORD}&x-client-SKU=a&x-client-SKU=b")).await;
    assert_eq!(ignored.0, 200, "{}", ignored.1);
    let broken = raw_token(&app, format!("{grant}&password=Pat-Single-Factor-1%2")).await;
    assert_aadsts(&broken, 400, "invalid_request", 9002313);
    let broken = raw_token(&app, format!("{grant}&password=%zz")).await;
    assert_aadsts(&broken, 400, "invalid_request", 9002313);
    let mut not_utf8 = format!("{grant}&password=").into_bytes();
    not_utf8.extend_from_slice(&[0xff, 0xfe]);
    assert_aadsts(&raw_token(&app, not_utf8).await, 400, "invalid_request", 9002313);
    let escaped_not_utf8 = raw_token(&app, format!("{grant}&password=%FF%FE")).await;
    assert_aadsts(&escaped_not_utf8, 400, "invalid_request", 9002313);
    // Spaces as `+` and escapes are read as ever.
    let fine = raw_token(&app, format!("{grant}+profile&password=Pat%2DSingle%2DFactor%2D1")).await;
    assert_eq!(fine.0, 200, "{}", fine.1);
    // None of these counted as a failed sign-in.
    let lockouts = app.control_json(Method::GET, "/_emulator/sign-in-lockouts", None).await;
    assert_eq!(lockouts["totalCount"], 0, "{lockouts}");
}

/// An App-only token is for one tenant: Entra ID refuses `client_credentials` at a path naming
/// none (AADSTS50059), on both endpoints, and issues nothing; a user grant there still works.
#[tokio::test]
async fn client_credentials_at_a_tenant_less_authority_is_aadsts50059() {
    let app = TestApp::spawn().await;
    let v2 = [
        ("grant_type", "client_credentials"),
        ("client_id", DEV_CLIENT),
        ("client_secret", DEV_SECRET),
        ("scope", SCOPE),
    ];
    let v1 = [
        ("grant_type", "client_credentials"),
        ("client_id", DEV_CLIENT),
        ("client_secret", DEV_SECRET),
        ("resource", "https://api.partnercenter.microsoft.com"),
    ];
    for tenant in ["common", "organizations", "Organizations"] {
        for (path, form) in [(format!("/{tenant}/oauth2/v2.0/token"), &v2), (format!("/{tenant}/oauth2/token"), &v1)] {
            let answer = token(&app, &path, form).await;
            assert_aadsts(&answer, 400, "invalid_request", 50059);
            let description = answer.1["error_description"].as_str().unwrap();
            assert!(
                description.contains("No tenant-identifying information found in either the request or implied by any provided credentials."),
                "{path}: {description}"
            );
            assert!(answer.1.get("access_token").is_none(), "{path}: {}", answer.1);
        }
    }
    // `consumers` is no tenant the emulator knows (Microsoft accounts are not emulated)
    assert_aadsts(&token(&app, "/consumers/oauth2/v2.0/token", &v2).await, 400, "invalid_tenant", 90002);
    // the app's own tenant, by id or by domain, gives the token as before
    assert_eq!(token(&app, &format!("/{DEV_TENANT}/oauth2/v2.0/token"), &v2).await.0, 200);
    assert_eq!(token(&app, &format!("/{DEV_TENANT}/oauth2/token"), &v1).await.0, 200);
    assert_eq!(token(&app, "/contoso-dev.onmicrosoft.com/oauth2/v2.0/token", &v2).await.0, 200);
    // the password grant's tenant rules are unchanged: `organizations` and `common` sign users in
    single_factor_user(&app).await;
    for tenant in ["common", "organizations"] {
        let (status, body) = token(&app, &format!("/{tenant}/oauth2/v2.0/token"), &password_grant(SCOPE)[..5]).await;
        assert_eq!(status, 200, "{tenant}: {body}");
    }
}

/// A user grant's `/.default` stands for every permission of the API: Entra ID refuses one of
/// the API's own permissions beside it (AADSTS70011), for the password and the refresh grant alike;
/// OpenID Connect's scopes beside it stay accepted.
#[tokio::test]
async fn a_user_grant_may_not_put_the_apis_default_beside_its_permissions() {
    let app = TestApp::spawn().await;
    single_factor_user(&app).await;
    let v2 = "/organizations/oauth2/v2.0/token";
    let mixed = [
        "https://api.partnercenter.microsoft.com/.default https://api.partnercenter.microsoft.com/user_impersonation",
        "openid https://api.partnercenter.microsoft.com/user_impersonation offline_access https://api.partnercenter.microsoft.com/.default",
    ];
    for scope in mixed {
        let answer = token(&app, v2, &password_grant(scope)).await;
        assert_aadsts(&answer, 400, "invalid_scope", 70011);
        let description = answer.1["error_description"].as_str().unwrap();
        assert!(
            description.contains(".default scope can't be combined with resource-specific scopes"),
            "{description}"
        );
        assert!(description.contains(scope), "{description}");
        assert!(answer.1.get("access_token").is_none());
    }
    // refused before the password is checked: nothing counted towards the lockout
    let lockouts = app.control_json(Method::GET, "/_emulator/sign-in-lockouts", None).await;
    assert_eq!(lockouts["totalCount"], 0, "{lockouts}");

    // a refresh asking for both is refused alike
    let (status, signed_in) = token(&app, v2, &password_grant(SCOPE_AND_REFRESH)).await;
    assert_eq!(status, 200, "{signed_in}");
    let refresh = |scope: &'static str| {
        vec![
            ("grant_type", "refresh_token"),
            ("client_id", DEV_CLIENT),
            ("refresh_token", signed_in["refresh_token"].as_str().unwrap()),
            ("scope", scope),
        ]
    };
    assert_aadsts(&token(&app, v2, &refresh(mixed[0])).await, 400, "invalid_scope", 70011);

    // either alone, with OpenID Connect's scopes, is granted and echoed
    for scope in [
        "https://api.partnercenter.microsoft.com/.default openid profile offline_access email",
        "openid profile offline_access email https://api.partnercenter.microsoft.com/user_impersonation",
    ] {
        let (status, body) = token(&app, v2, &password_grant(scope)).await;
        assert_eq!((status, body["scope"].as_str()), (200, Some(scope)), "{body}");
        let (status, body) = token(&app, v2, &refresh(scope)).await;
        assert_eq!(status, 200, "{scope}: {body}");
    }
    // client_credentials keeps its own refusal for a user permission beside `/.default`
    let cc = [
        ("grant_type", "client_credentials"),
        ("client_id", DEV_CLIENT),
        ("client_secret", DEV_SECRET),
        ("scope", mixed[0]),
    ];
    assert_aadsts(&token(&app, &format!("/{DEV_TENANT}/oauth2/v2.0/token"), &cc).await, 400, "invalid_scope", 1002012);
}

/// The emulator's apps sign in with their secret: a `client_assertion` (a certificate, a federated
/// credential) is refused as Entra ID refuses an assertion it cannot validate (401
/// AADSTS700027), on every grant, rather than passed over (which made the client a public one).
#[tokio::test]
async fn a_client_assertion_is_refused_rather_than_passed_over() {
    let app = TestApp::spawn().await;
    single_factor_user(&app).await;
    let bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let with = |mut form: Vec<(&'static str, &'static str)>, extra: &[(&'static str, &'static str)]| {
        form.extend_from_slice(extra);
        form
    };
    let password = password_grant(SCOPE)[..5].to_vec();
    let cc = vec![("grant_type", "client_credentials"), ("client_id", DEV_CLIENT), ("scope", SCOPE)];
    let v1 = vec![
        ("grant_type", "password"),
        ("client_id", DEV_CLIENT),
        ("username", PAT),
        ("password", PAT_PASSWORD),
        ("resource", "https://api.partnercenter.microsoft.com"),
    ];
    let dev_v2 = format!("/{DEV_TENANT}/oauth2/v2.0/token");
    let cases: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/common/oauth2/v2.0/token".into(), with(password.clone(), &[("client_assertion", "garbage")])),
        (
            "/common/oauth2/v2.0/token".into(),
            with(password.clone(), &[("client_assertion_type", bearer), ("client_assertion", "garbage")]),
        ),
        ("/common/oauth2/v2.0/token".into(), with(password.clone(), &[("client_assertion_type", bearer)])),
        (dev_v2.clone(), with(cc.clone(), &[("client_assertion_type", bearer), ("client_assertion", "a.b.c")])),
        // beside the right secret too: which credential was meant is not guessed
        (
            dev_v2.clone(),
            with(
                cc.clone(),
                &[("client_secret", DEV_SECRET), ("client_assertion_type", bearer), ("client_assertion", "a.b.c")],
            ),
        ),
        (format!("/{DEV_TENANT}/oauth2/token"), with(v1, &[("client_assertion", "garbage")])),
    ];
    for (path, form) in cases {
        let answer = token(&app, &path, &form).await;
        assert_aadsts(&answer, 401, "invalid_client", 700027);
        let description = answer.1["error_description"].as_str().unwrap();
        assert!(description.contains("client secret") && description.contains("not supported"), "{description}");
        assert!(answer.1.get("access_token").is_none(), "{path}: {form:?}");
    }
    // a refresh carrying one is refused alike
    let (_, signed_in) = token(&app, "/common/oauth2/v2.0/token", &password_grant(SCOPE_AND_REFRESH)).await;
    let refresh = [
        ("grant_type", "refresh_token"),
        ("client_id", DEV_CLIENT),
        ("refresh_token", signed_in["refresh_token"].as_str().unwrap()),
        ("scope", SCOPE),
        ("client_assertion_type", bearer),
        ("client_assertion", "garbage"),
    ];
    assert_aadsts(&token(&app, "/common/oauth2/v2.0/token", &refresh).await, 401, "invalid_client", 700027);
    // the same grants without it are granted as before
    assert_eq!(token(&app, "/common/oauth2/v2.0/token", &password).await.0, 200);
    assert_eq!(token(&app, &dev_v2, &with(cc, &[("client_secret", DEV_SECRET)])).await.0, 200);
}
