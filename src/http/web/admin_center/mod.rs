//! The emulated Microsoft 365 admin center: the customer's side of the agreement flows.
//! Sessions are HttpOnly, SameSite=Lax cookies; every form carries a CSRF token; redirects only
//! go to paths on this site.

mod pages;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;

use crate::app::AppState;
use crate::domain::contact::ContactInput;
use crate::domain::customers::Customer;
use crate::http::edge::error::status_of;
use crate::http::edge::extract::QueryParams;
use crate::http::web::kit::{cookie, field, form_fields, page, set_cookie, signed_in_account, tokens_match};
use crate::service::admin_center::{self as center, InvitationOutcome};
use crate::service::web_sessions::{self, WebSession, SESSION_HOURS};
use crate::service::{ErrorKind, ServiceError};
use pages::PersonFields;

const SESSION_COOKIE: &str = "pce_session";
const SIGN_IN_CSRF_COOKIE: &str = "pce_signin_csrf";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/AdminPortal", get(|| async { Redirect::to("/AdminPortal/Home") }))
        .route("/AdminPortal/Home", get(home))
        .route("/AdminPortal/SignIn", get(sign_in_form).post(sign_in))
        .route("/AdminPortal/SignOut", post(sign_out))
        .route("/AdminPortal/Agreement/Accept", post(accept_agreement))
        .route("/AdminPortal/Invitation/Accept", post(accept_invitation_form))
        .route("/AdminPortal/Partners", get(partners))
        .route("/AdminPortal/Partners/{partner_id}", get(partner_details))
}

/// An admin-center page that does not exist: a 404 page with the way back, not JSON.
pub fn page_not_found(path: &str) -> Response {
    page(StatusCode::NOT_FOUND, pages::not_found(path))
}

/// A request the HTTP edge refused before any page ran (a malformed path, a method, a size): a
/// page that says why.
pub fn refusal_page(status: StatusCode, text: &str) -> Response {
    page(status, pages::message("Request refused", None, text))
}

/// The status and the sentence a page shows for a refusal: the description the API would have
/// sent, or a plain apology for a failure of the emulator (whose details only go to the log).
fn refusal(e: ServiceError) -> (StatusCode, String) {
    let text = match e.kind() {
        ErrorKind::Unavailable | ErrorKind::Internal => {
            tracing::error!(error = %e.hint(), "admin-center page failed");
            "Something went wrong. Try again in a moment.".to_string()
        }
        _ => e.describe().description,
    };
    (status_of(&e), text)
}

/// A failure shown as a page, never as JSON.
fn error_page(e: ServiceError, signed_in: Option<(&Customer, &str)>) -> Response {
    let (status, text) = refusal(e);
    page(status, pages::message("Something went wrong", signed_in, &text))
}

/// Only pages of this admin center: `/AdminPortal/...`, with no control character and no
/// backslash (browsers drop tabs and newlines, so `/\t/evil` would become `//evil`).
pub fn safe_return_url(candidate: Option<&str>) -> String {
    match candidate {
        Some(url) if url.starts_with("/AdminPortal/") && !url.contains('\\') && !url.chars().any(char::is_control) => {
            url.to_string()
        }
        _ => "/AdminPortal/Home".to_string(),
    }
}

/// The signed-in customer, or a redirect to the sign-in page that comes back to `uri`.
async fn require_session(ctx: &AppState, headers: &HeaderMap, uri: &Uri) -> Result<(WebSession, Customer), Response> {
    let found = match cookie(headers, SESSION_COOKIE) {
        Some(value) => center::session_for(ctx, &value, Utc::now()).await.map_err(|e| error_page(e, None))?,
        None => None,
    };
    found.ok_or_else(|| {
        let back = uri.path_and_query().map_or("/AdminPortal/Home", |pq| pq.as_str());
        let target =
            format!("/AdminPortal/SignIn?{}", serde_urlencoded::to_string([("returnUrl", back)]).unwrap_or_default());
        Redirect::to(&target).into_response()
    })
}

fn person_from_profile(customer: &Customer) -> PersonFields {
    let contact = customer.primary_contact();
    PersonFields {
        first_name: contact.first_name.unwrap_or_default(),
        last_name: contact.last_name.unwrap_or_default(),
        email: contact.email.unwrap_or_default(),
        phone_number: contact.phone_number.unwrap_or_default(),
    }
}

fn person_from_form(fields: &[(String, String)]) -> (PersonFields, ContactInput) {
    let get = |n: &str| field(fields, n).unwrap_or_default().to_string();
    let person = PersonFields {
        first_name: get("firstName"),
        last_name: get("lastName"),
        email: get("email"),
        phone_number: get("phoneNumber"),
    };
    let input = ContactInput {
        first_name: Some(person.first_name.clone()),
        last_name: Some(person.last_name.clone()),
        email: Some(person.email.clone()),
        phone_number: Some(person.phone_number.clone()),
    };
    (person, input)
}

async fn home(State(ctx): State<AppState>, headers: HeaderMap, uri: Uri, query: QueryParams) -> Response {
    let (session, customer) = match require_session(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(redirect) => return redirect,
    };
    let reference = query.get("ref").unwrap_or_default().to_ascii_lowercase();
    if query.get("invType").is_some_and(|t| t.eq_ignore_ascii_case("ResellerRelationship")) {
        let partner_id = query.get("partnerId").unwrap_or_default().to_string();
        return invitation_page(
            &ctx,
            &session,
            &customer,
            &partner_id,
            person_from_profile(&customer),
            None,
            StatusCode::OK,
        )
        .await;
    }
    if reference.trim_end_matches('/') == "/billingaccounts/agreement" {
        return agreement_page(&ctx, &session, &customer, person_from_profile(&customer), None, StatusCode::OK).await;
    }
    if reference.starts_with("/billingaccounts/partner") {
        return Redirect::to("/AdminPortal/Partners").into_response();
    }
    page(StatusCode::OK, pages::home(&customer, &session.csrf_token))
}

async fn agreement_page(
    ctx: &AppState,
    session: &WebSession,
    customer: &Customer,
    person: PersonFields,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    match center::agreement_view(ctx, customer).await {
        Ok(view) => page(
            status,
            pages::agreement(&pages::AgreementPage { customer, csrf: &session.csrf_token, view: &view, person, error }),
        ),
        Err(e) => error_page(e, Some((customer, session.csrf_token.as_str()))),
    }
}

async fn invitation_page(
    ctx: &AppState,
    session: &WebSession,
    customer: &Customer,
    partner_id: &str,
    person: PersonFields,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let signed_in = Some((customer, session.csrf_token.as_str()));
    match center::invitation_view(ctx, customer, partner_id).await {
        Ok(Some(view)) => page(
            status,
            pages::invitation(&pages::InvitationPage {
                customer,
                csrf: &session.csrf_token,
                view: &view,
                person,
                error,
            }),
        ),
        Ok(None) => page(
            StatusCode::NOT_FOUND,
            pages::message(
                "Invitation not valid",
                signed_in,
                "This invitation link is not valid: the partner does not exist.",
            ),
        ),
        Err(e) => error_page(e, signed_in),
    }
}

async fn sign_in_form(State(ctx): State<AppState>, headers: HeaderMap, query: QueryParams) -> Response {
    let csrf = cookie(&headers, SIGN_IN_CSRF_COOKIE).unwrap_or_else(|| ctx.ids.secret(32));
    let return_url = safe_return_url(query.get("returnUrl"));
    let mut response = page(StatusCode::OK, pages::sign_in(&return_url, &csrf, "", None));
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&ctx, SIGN_IN_CSRF_COOKIE, &csrf, 3600));
    response
}

async fn sign_in(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let return_url = safe_return_url(field(&fields, "returnUrl"));
    let user_name = field(&fields, "userName").unwrap_or_default().trim().to_string();
    let Some(expected_csrf) = cookie(&headers, SIGN_IN_CSRF_COOKIE) else {
        let csrf = ctx.ids.secret(32);
        let mut response = page(
            StatusCode::FORBIDDEN,
            pages::sign_in(&return_url, &csrf, &user_name, Some("Your sign-in page expired. Please try again.")),
        );
        response.headers_mut().append(header::SET_COOKIE, set_cookie(&ctx, SIGN_IN_CSRF_COOKIE, &csrf, 3600));
        return response;
    };
    if !tokens_match(field(&fields, "csrf"), &expected_csrf) {
        return page(
            StatusCode::FORBIDDEN,
            pages::sign_in(
                &return_url,
                &expected_csrf,
                &user_name,
                Some("Your sign-in page expired. Please try again."),
            ),
        );
    }
    let password = field(&fields, "password").unwrap_or_default();
    let customer = match center::authenticate(&ctx, &user_name, password).await {
        Ok(outcome) => match signed_in_account(outcome, &user_name, |message| {
            pages::sign_in(&return_url, &expected_csrf, &user_name, Some(message))
        }) {
            Ok(customer) => customer,
            Err(refused) => return *refused,
        },
        Err(e) => return error_page(e, None),
    };
    let (cookie_value, _) = match center::start_session(&ctx, &customer).await {
        Ok(s) => s,
        Err(e) => return error_page(e, None),
    };
    let mut response = Redirect::to(&return_url).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(&ctx, SESSION_COOKIE, &cookie_value, SESSION_HOURS * 3600));
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&ctx, SIGN_IN_CSRF_COOKIE, "", 0));
    response
}

async fn sign_out(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(value) = cookie(&headers, SESSION_COOKIE) {
        if let Ok(Some((session, _))) = center::session_for(&ctx, &value, Utc::now()).await {
            if tokens_match(field(&form_fields(&body), "csrf"), &session.csrf_token) {
                let _ = web_sessions::end(&ctx, &session).await;
            } else {
                return page(
                    StatusCode::FORBIDDEN,
                    pages::message("Request refused", None, "The form expired. Please try again."),
                );
            }
        }
    }
    let mut response = Redirect::to("/AdminPortal/SignIn").into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&ctx, SESSION_COOKIE, "", 0));
    response
}

/// A signed-in POST: the session and its CSRF token, or the page that refuses.
async fn form_session(
    ctx: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    fields: &[(String, String)],
) -> Result<(WebSession, Customer), Response> {
    let (session, customer) = require_session(ctx, headers, uri).await?;
    if !tokens_match(field(fields, "csrf"), &session.csrf_token) {
        return Err(page(
            StatusCode::FORBIDDEN,
            pages::message(
                "Request refused",
                Some((&customer, &session.csrf_token)),
                "The form expired. Please reload the page and try again.",
            ),
        ));
    }
    Ok((session, customer))
}

const TICK_THE_BOX: &str = "Tick the box to accept the Microsoft Customer Agreement.";

async fn accept_agreement(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let back: Uri = "/AdminPortal/Home?ref=/BillingAccounts/agreement".parse().expect("static URI");
    let (session, customer) = match form_session(&ctx, &headers, &back, &fields).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (person, input) = person_from_form(&fields);
    if field(&fields, "accept") != Some("true") {
        return agreement_page(&ctx, &session, &customer, person, Some(TICK_THE_BOX), StatusCode::BAD_REQUEST).await;
    }
    match center::accept_agreement(&ctx, &customer, &input).await {
        Ok(_) => Redirect::to("/AdminPortal/Home?ref=/BillingAccounts/agreement").into_response(),
        Err(e) => {
            let (status, text) = refusal(e);
            agreement_page(&ctx, &session, &customer, person, Some(&text), status).await
        }
    }
}

async fn accept_invitation_form(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let partner_id = field(&fields, "partnerId").unwrap_or_default().to_string();
    let back: Uri = format!(
        "/AdminPortal/Home?{}",
        serde_urlencoded::to_string([("invType", "ResellerRelationship"), ("partnerId", partner_id.as_str())])
            .unwrap_or_default()
    )
    .parse()
    .unwrap_or_else(|_| Uri::from_static("/AdminPortal/Home"));
    let (session, customer) = match form_session(&ctx, &headers, &back, &fields).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (person, input) = person_from_form(&fields);
    if field(&fields, "accept") != Some("true") {
        let msg = "Tick the box to authorize the partner and accept the Microsoft Customer Agreement.";
        return invitation_page(&ctx, &session, &customer, &partner_id, person, Some(msg), StatusCode::BAD_REQUEST)
            .await;
    }
    match center::accept_invitation(&ctx, &customer, &partner_id, &input).await {
        Ok(InvitationOutcome::Accepted) => Redirect::to(back.to_string().as_str()).into_response(),
        Ok(InvitationOutcome::UnknownPartner) => {
            invitation_page(&ctx, &session, &customer, &partner_id, person, None, StatusCode::NOT_FOUND).await
        }
        Err(e) => {
            let (status, text) = refusal(e);
            invitation_page(&ctx, &session, &customer, &partner_id, person, Some(&text), status).await
        }
    }
}

async fn partners(State(ctx): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (session, customer) = match require_session(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match center::partners(&ctx, &customer).await {
        Ok(list) => page(StatusCode::OK, pages::partners(&customer, &session.csrf_token, &list)),
        Err(e) => error_page(e, Some((&customer, &session.csrf_token))),
    }
}

async fn partner_details(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(partner_id): Path<String>,
) -> Response {
    let (session, customer) = match require_session(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let signed_in = Some((&customer, session.csrf_token.as_str()));
    match center::partner_details(&ctx, &customer, &partner_id).await {
        Ok(Some((partner, confirmations))) => {
            page(StatusCode::OK, pages::partner_details(&customer, &session.csrf_token, &partner, &confirmations))
        }
        Ok(None) => page(
            StatusCode::NOT_FOUND,
            pages::message("Partner not found", signed_in, "You don't work with this partner."),
        ),
        Err(e) => error_page(e, signed_in),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_urls_stay_on_this_site() {
        assert_eq!(safe_return_url(Some("/AdminPortal/Home?ref=/x")), "/AdminPortal/Home?ref=/x");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/AdminPortal/\u{1}",
            "/AdminPortal/..\\..\\x",
            "/other",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_return_url(Some(bad)), "/AdminPortal/Home", "{bad}");
        }
        assert_eq!(safe_return_url(None), "/AdminPortal/Home");
    }
}
