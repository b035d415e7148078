//! The password sign-in page of every site, and its two handlers: the form (with its
//! double-submit token) and its `POST`, which checks the token, the password under the lockout,
//! and starts the session. What differs between sites — who signs in — is their [`SiteSession`].

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use maud::{html, Markup};

use super::cookies;
use super::csrf::{new_sign_in_token, sign_in_cookie, sign_in_token, token_matches};
use super::forms::{field, form_fields, nul_problems, problems, FormErrors};
use super::layout::Content;
use super::message::error_page;
use super::page::site_page;
use super::session::{start, SiteSession};
use super::site::Site;
use crate::app::AppState;
use crate::domain::identities::MAX_USER_NAME;
use crate::domain::sign_in::LOCKED_OUT;
use crate::domain::time::render_timestamp;
use crate::http::edge::error::RefusalNote;
use crate::http::edge::extract::QueryParams;
use crate::service::sign_in::SignIn;

/// What a sign-in page says for a wrong user name or password (the same whether or not the user
/// exists).
pub const SIGN_IN_FAILED: &str = "Your account or password is incorrect.";
const EXPIRED: &str = "Your sign-in page expired. Please try again.";

/// The sign-in form's inputs a person types in: field name (and `id`), label.
const INPUTS: &[(&str, &str)] = &[("userName", "Email or user name"), ("password", "Password")];

/// The user-name field of a sign-in form (`id` and `name` `userName`): text rather than `email`,
/// which browsers refuse for user names Entra ID allows (non-ASCII local parts).
pub fn user_name_field(user_name: &str, errors: &FormErrors) -> Markup {
    html! {
        input type="text" inputmode="email" id="userName" name="userName" autocomplete="username"
            spellcheck="false" autocapitalize="none" required value=(user_name)
            aria-invalid=[errors.invalid("userName")] aria-describedby=[errors.described_by("userName", None)];
    }
}

/// A site's sign-in page: `error` about the whole sign-in (a wrong password, an expired page),
/// `errors` at the fields.
fn sign_in_page(
    site: &Site,
    return_url: &str,
    token: &str,
    user_name: &str,
    error: Option<&str>,
    errors: &FormErrors,
) -> Content {
    let error: Vec<String> = error.map(str::to_string).into_iter().collect();
    Content::new(
        "Sign in",
        html! {
            div.card.narrow {
                h1 { (site.sign_in_heading) }
                p { ((site.sign_in_intro)()) }
                (problems(&error))
                (errors.summary())
                form method="post" action=(site.sign_in) {
                    input type="hidden" name="csrf" value=(token);
                    input type="hidden" name="returnUrl" value=(return_url);
                    label for="userName" { "Email or user name" }
                    (errors.at("userName"))
                    (user_name_field(user_name, errors))
                    label for="password" { "Password" }
                    (errors.at("password"))
                    input type="password" id="password" name="password" autocomplete="current-password" required
                        aria-invalid=[errors.invalid("password")] aria-describedby=[errors.described_by("password", None)];
                    div.actions { button type="submit" { "Sign in" } }
                }
            }
        },
    )
}

fn with_token_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// `GET` of a site's sign-in page.
pub async fn form<S: SiteSession>(State(ctx): State<AppState>, headers: HeaderMap, query: QueryParams) -> Response {
    let site = S::SITE;
    let token = sign_in_token(&ctx, &headers, site);
    let return_url = site.safe_return_url(query.get("returnUrl"));
    let none = FormErrors::default();
    let page = site_page(StatusCode::OK, &site.visitor(), sign_in_page(site, &return_url, &token, "", None, &none));
    with_token_cookie(page, sign_in_cookie(&ctx, site, &token))
}

/// `POST` of a site's sign-in page.
pub async fn submit<S: SiteSession>(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let site = S::SITE;
    let fields = form_fields(&body);
    let return_url = site.safe_return_url(field(&fields, "returnUrl"));
    let user_name = field(&fields, "userName").unwrap_or_default().trim().to_string();
    let none = FormErrors::default();
    let again = |status: StatusCode, token: &str, message: &str| {
        let rule = if status == StatusCode::FORBIDDEN { "FormExpired" } else { "FormNotValid" };
        crate::http::edge::error::note_page_refusal(rule, message);
        site_page(status, &site.visitor(), sign_in_page(site, &return_url, token, &user_name, Some(message), &none))
    };
    let Some(expected) = cookies::read(&headers, site.sign_in_cookie) else {
        let token = new_sign_in_token(&ctx);
        return with_token_cookie(again(StatusCode::FORBIDDEN, &token, EXPIRED), sign_in_cookie(&ctx, site, &token));
    };
    if !token_matches(field(&fields, "csrf"), &expected) {
        return again(StatusCode::FORBIDDEN, &expected, EXPIRED);
    }
    // Before any check of the password (so not counted as a failed sign-in): a user name or a
    // password given twice signed in with the first.
    if let Some(name) = super::forms::repeated_field(&fields) {
        return again(StatusCode::BAD_REQUEST, &expected, &super::forms::repeated_field_text(name));
    }
    // A NUL is refused at its field, before any check of the password (so not counted as a failed
    // sign-in): no account has one, and a NUL dropped would check another password than was typed.
    let nul = nul_problems(&fields, INPUTS);
    if !nul.is_empty() {
        let order: Vec<&str> = INPUTS.iter().map(|(name, _)| *name).collect();
        let errors = FormErrors::new(nul, &order);
        let content = sign_in_page(site, &return_url, &expected, &user_name, None, &errors);
        return site_page(StatusCode::BAD_REQUEST, &site.visitor(), content);
    }
    let password = field(&fields, "password").unwrap_or_default();
    let outcome = match S::authenticate(&ctx, &user_name, password).await {
        Ok(outcome) => outcome,
        Err(e) => return error_page(site, None, &e),
    };
    match signed_in_account(outcome, &user_name, |status, message| again(status, &expected, message)) {
        Ok(account) => start::<S>(&ctx, &headers, &account, &return_url).await,
        Err(refused) => *refused,
    }
}

/// The account a password sign-in let in, or the sign-in page again (drawn by `form` with its
/// status and the message to show): 401 for a wrong user name or password, 429 with `Retry-After`
/// while the user name is locked; either with the request journal's note.
fn signed_in_account<T>(
    outcome: SignIn<T>,
    user_name: &str,
    form: impl Fn(StatusCode, &str) -> Response,
) -> Result<T, Box<Response>> {
    let (mut response, note) = match outcome {
        SignIn::Accepted(account) => return Ok(account),
        SignIn::Refused { failures, threshold } => (
            form(StatusCode::UNAUTHORIZED, SIGN_IN_FAILED),
            RefusalNote {
                rule: "SignInFailed".into(),
                hint: format!("failed sign-in {failures} of {threshold} for '{user_name}' before the lockout"),
            },
        ),
        SignIn::NotAUserName => (
            form(StatusCode::UNAUTHORIZED, SIGN_IN_FAILED),
            RefusalNote {
                rule: "SignInFailed".into(),
                hint: format!("a user name over {MAX_USER_NAME} characters: no account has one; not counted"),
            },
        ),
        SignIn::LockedOut { until, seconds_left } => {
            let mut response = form(StatusCode::TOO_MANY_REQUESTS, LOCKED_OUT);
            if let Ok(value) = HeaderValue::from_str(&seconds_left.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            let hint = format!(
                "'{user_name}' is locked until {} by the emulator clock (AADSTS50053); \
                 DELETE /_emulator/sign-in-lockouts/{{userName}} unlocks it",
                render_timestamp(until)
            );
            (response, RefusalNote { rule: "SignInLockedOut".into(), hint })
        }
    };
    response.extensions_mut().insert(note);
    Err(Box::new(response))
}
