//! The emulated Partner Center dashboard: the partner's side of the agreement flows. Partner
//! users sign in (password or one-time link); sessions are HttpOnly, SameSite=Lax cookies; every
//! form carries a CSRF token; redirects only go to pages of the dashboard. Each page runs as its
//! partner (its own clock and service date, where it has them) and calls the same use cases as
//! the API.

mod pages;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;

use crate::app::AppState;
use crate::clock;
use crate::domain::ids::CustomerId;
use crate::http::edge::error::status_of;
use crate::http::edge::extract::QueryParams;
use crate::http::web::kit::{cookie, field, form_fields, page, set_cookie, signed_in_account, tokens_match};
use crate::service::dashboard::{self as board, AttestationForm, CustomerForm, EarlierSubmission};
use crate::service::dashboard_sessions::{self as sessions, SignedIn};
use crate::service::web_sessions::SESSION_HOURS;
use crate::service::{ErrorKind, ServiceError};
use pages::{Chrome, Section};

const SESSION_COOKIE: &str = "pce_partner_session";
const SIGN_IN_CSRF_COOKIE: &str = "pce_partner_signin_csrf";
const HOME: &str = "/dashboard/customers";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(|| async { Redirect::to(HOME) }))
        .route("/dashboard/home", get(|| async { Redirect::to(HOME) }))
        .route("/dashboard/signin", get(sign_in_form).post(sign_in))
        .route("/dashboard/signin/link", get(sign_in_with_link))
        .route("/dashboard/signout", post(sign_out))
        .route("/dashboard/customers", get(customers))
        .route("/dashboard/customers/new", get(new_customer_form).post(new_customer_step))
        .route("/dashboard/customers/relationship-request", get(relationship_request))
        .route("/dashboard/customers/{customer_id}/account", get(account))
        .route("/dashboard/customers/{customer_id}/account/agreement", post(update_agreement))
        .route("/dashboard/assets/dashboard.js", get(script))
}

/// A dashboard page that does not exist: a 404 page with the way back, not JSON.
pub fn page_not_found(path: &str) -> Response {
    page(StatusCode::NOT_FOUND, pages::not_found(path))
}

/// A request the HTTP edge refused before any page ran (a malformed path, a method, a size): a
/// page that says why.
pub fn refusal_page(status: StatusCode, text: &str) -> Response {
    page(status, pages::message("Request refused", None, text))
}

async fn script() -> Response {
    let mut response = pages::SCRIPT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Only pages of the dashboard: `/dashboard/...`, with no control character and no backslash.
fn safe_return_url(candidate: Option<&str>) -> String {
    match candidate {
        Some(url) if url.starts_with("/dashboard/") && !url.contains('\\') && !url.chars().any(char::is_control) => {
            url.to_string()
        }
        _ => HOME.to_string(),
    }
}

/// The sentences a form shows for a refusal: what to change, with the code the API would have
/// sent; a failure of the emulator itself only as an apology (its details go to the log).
fn refusal_text(e: &ServiceError) -> Vec<String> {
    let described = e.describe();
    match (e, described.kind) {
        (_, ErrorKind::Unavailable | ErrorKind::Internal) => {
            tracing::error!(error = %e.hint(), "dashboard page failed");
            vec!["Something went wrong. Try again in a moment.".to_string()]
        }
        (ServiceError::Validation(problems), _) => problems.iter().map(|p| labelled(p)).collect(),
        (ServiceError::DateAgreedInFuture(_), _) => vec![format!(
            "Agreement acceptance date: {} Enter today's date (by the emulator clock) or an earlier one. (Partner Center error {})",
            described.description, described.code
        )],
        (ServiceError::PartnerConfirmedAgreementAlreadyExists, _) => vec![format!(
            "{} This person's acceptance is already on record for the customer; to record another, name the person who accepted. (Partner Center error {})",
            described.description, described.code
        )],
        (ServiceError::DomainAlreadyExists(_), _) => {
            vec![format!("Domain name: {} Choose another domain name.", described.description)]
        }
        _ => vec![format!("{} (error {})", described.description, described.code)],
    }
}

/// A validation problem (`field: problem`, in the API's member names) with the form's label.
fn labelled(problem: &str) -> String {
    const LABELS: &[(&str, &str)] = &[
        ("companyProfile.domain", "Domain name"),
        ("companyProfile.companyName", "Company name"),
        ("billingProfile.companyName", "Company name"),
        ("billingProfile.email", "Email address"),
        ("billingProfile.language", "Language"),
        ("billingProfile.culture", "Language"),
        ("billingProfile.defaultAddress.firstName", "First name"),
        ("billingProfile.defaultAddress.lastName", "Last name"),
        ("billingProfile.defaultAddress.addressLine1", "Address line 1"),
        ("billingProfile.defaultAddress.addressLine2", "Address line 2"),
        ("billingProfile.defaultAddress.city", "City"),
        ("billingProfile.defaultAddress.state", "State or province"),
        ("billingProfile.defaultAddress.postalCode", "ZIP or postal code"),
        ("billingProfile.defaultAddress.country", "Country/region"),
        ("billingProfile.defaultAddress.phoneNumber", "Phone number"),
        ("primaryContact.firstName", "First name of the person who accepted"),
        ("primaryContact.lastName", "Last name of the person who accepted"),
        ("primaryContact.email", "Email address of the person who accepted"),
        ("primaryContact.phoneNumber", "Phone number of the person who accepted"),
        ("dateAgreed", "Agreement acceptance date"),
        ("form", "Form"),
    ];
    match problem.split_once(": ") {
        Some((name, rest)) => match LABELS.iter().find(|(n, _)| *n == name) {
            Some((_, label)) => format!("{label}: {rest}"),
            None => problem.to_string(),
        },
        None => problem.to_string(),
    }
}

fn chrome<'a>(signed_in: &'a SignedIn, current: Section) -> Chrome<'a> {
    Chrome {
        user_name: &signed_in.user.user_name,
        partner_name: &signed_in.partner.name,
        csrf: &signed_in.session.csrf_token,
        may_invite: board::may_invite(signed_in.caller()),
        current,
    }
}

/// A failure shown as a page, never as JSON.
fn error_page(e: ServiceError, signed_in: Option<&SignedIn>) -> Response {
    let text = refusal_text(&e).join(" ");
    let chrome = signed_in.map(|s| chrome(s, Section::None));
    let title = if e.kind() == ErrorKind::NotFound { "Not found" } else { "Something went wrong" };
    page(status_of(&e), pages::message(title, chrome.as_ref(), &text))
}

/// The signed-in user, or a redirect to the sign-in page that comes back to `uri`.
async fn require_user(ctx: &AppState, headers: &HeaderMap, uri: &Uri) -> Result<SignedIn, Response> {
    let found = match cookie(headers, SESSION_COOKIE) {
        Some(value) => sessions::session_for(ctx, &value, Utc::now()).await.map_err(|e| error_page(e, None))?,
        None => None,
    };
    found.ok_or_else(|| {
        let back = uri.path_and_query().map_or(HOME, |pq| pq.as_str());
        let target =
            format!("/dashboard/signin?{}", serde_urlencoded::to_string([("returnUrl", back)]).unwrap_or_default());
        Redirect::to(&target).into_response()
    })
}

/// A signed-in POST: the user and its CSRF token checked, or the page that refuses.
async fn require_form_user(
    ctx: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    fields: &[(String, String)],
) -> Result<SignedIn, Response> {
    let signed_in = require_user(ctx, headers, uri).await?;
    if !tokens_match(field(fields, "csrf"), &signed_in.session.csrf_token) {
        let chrome = chrome(&signed_in, Section::None);
        return Err(page(
            StatusCode::FORBIDDEN,
            pages::message(
                "Request refused",
                Some(&chrome),
                "The form expired. Go back, reload the page and try again.",
            ),
        ));
    }
    Ok(signed_in)
}

/// Run a page's work as the signed-in user's partner (its own clock and service date).
async fn as_partner<F: std::future::Future<Output = Response>>(signed_in: &SignedIn, work: F) -> Response {
    clock::as_partner(signed_in.partner.tenant_id.clone(), work).await
}

// --- Sign-in ------------------------------------------------------------------------------------

/// A sign-in form's CSRF token: the browser's cookie when it holds one of ours, else a new one.
fn sign_in_token(ctx: &AppState, headers: &HeaderMap) -> String {
    cookie(headers, SIGN_IN_CSRF_COOKIE)
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| ctx.ids.secret(32))
}

async fn sign_in_form(State(ctx): State<AppState>, headers: HeaderMap, query: QueryParams) -> Response {
    let csrf = sign_in_token(&ctx, &headers);
    let return_url = safe_return_url(query.get("returnUrl"));
    let mut response = page(StatusCode::OK, pages::sign_in(&return_url, &csrf, "", None));
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&ctx, SIGN_IN_CSRF_COOKIE, &csrf, 3600));
    response
}

/// A new sign-in replaces the session the browser had, if any.
async fn end_earlier_session(ctx: &AppState, headers: &HeaderMap) {
    if let Some(value) = cookie(headers, SESSION_COOKIE) {
        if let Ok(Some(earlier)) = sessions::session_for(ctx, &value, Utc::now()).await {
            if let Err(e) = sessions::end_session(ctx, &earlier).await {
                tracing::warn!(error = %e.hint(), "an earlier dashboard session could not be ended");
            }
        }
    }
}

fn signed_in_response(ctx: &AppState, cookie_value: &str, to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(ctx, SESSION_COOKIE, cookie_value, SESSION_HOURS * 3600));
    response.headers_mut().append(header::SET_COOKIE, set_cookie(ctx, SIGN_IN_CSRF_COOKIE, "", 0));
    response
}

async fn sign_in(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let return_url = safe_return_url(field(&fields, "returnUrl"));
    let user_name = field(&fields, "userName").unwrap_or_default().trim().to_string();
    let expired = "Your sign-in page expired. Please try again.";
    let Some(expected_csrf) = cookie(&headers, SIGN_IN_CSRF_COOKIE) else {
        let csrf = ctx.ids.secret(32);
        let mut response = page(StatusCode::FORBIDDEN, pages::sign_in(&return_url, &csrf, &user_name, Some(expired)));
        response.headers_mut().append(header::SET_COOKIE, set_cookie(&ctx, SIGN_IN_CSRF_COOKIE, &csrf, 3600));
        return response;
    };
    if !tokens_match(field(&fields, "csrf"), &expected_csrf) {
        return page(StatusCode::FORBIDDEN, pages::sign_in(&return_url, &expected_csrf, &user_name, Some(expired)));
    }
    let password = field(&fields, "password").unwrap_or_default();
    let user = match sessions::authenticate(&ctx, &user_name, password).await {
        Ok(outcome) => match signed_in_account(outcome, &user_name, |message| {
            pages::sign_in(&return_url, &expected_csrf, &user_name, Some(message))
        }) {
            Ok(user) => user,
            Err(refused) => return *refused,
        },
        Err(e) => return error_page(e, None),
    };
    end_earlier_session(&ctx, &headers).await;
    match sessions::start_session(&ctx, &user).await {
        Ok(cookie_value) => signed_in_response(&ctx, &cookie_value, &return_url),
        Err(e) => error_page(e, None),
    }
}

async fn sign_in_with_link(State(ctx): State<AppState>, headers: HeaderMap, query: QueryParams) -> Response {
    let token = query.get("token").unwrap_or_default();
    let user = match sessions::redeem_sign_in_link(&ctx, token, Utc::now()).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            return page(
                StatusCode::UNAUTHORIZED,
                pages::message(
                    "Sign-in link not valid",
                    None,
                    "This sign-in link was already used, has expired, or was never issued. Ask the control plane for a new one \
                     (POST /_emulator/partners/{tenantId}/users/{userId}/sign-in-links), or sign in with the user's password.",
                ),
            )
        }
        Err(e) => return error_page(e, None),
    };
    end_earlier_session(&ctx, &headers).await;
    match sessions::start_session(&ctx, &user).await {
        Ok(cookie_value) => signed_in_response(&ctx, &cookie_value, HOME),
        Err(e) => error_page(e, None),
    }
}

async fn sign_out(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(value) = cookie(&headers, SESSION_COOKIE) {
        if let Ok(Some(signed_in)) = sessions::session_for(&ctx, &value, Utc::now()).await {
            if !tokens_match(field(&form_fields(&body), "csrf"), &signed_in.session.csrf_token) {
                return page(
                    StatusCode::FORBIDDEN,
                    pages::message("Request refused", None, "The form expired. Please try again."),
                );
            }
            if let Err(e) = sessions::end_session(&ctx, &signed_in).await {
                return error_page(e, None);
            }
        }
    }
    let mut response = Redirect::to("/dashboard/signin").into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&ctx, SESSION_COOKIE, "", 0));
    response
}

// --- Customers ----------------------------------------------------------------------------------

async fn customers(State(ctx): State<AppState>, headers: HeaderMap, uri: Uri, query: QueryParams) -> Response {
    let signed_in = match require_user(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let search = query.get("q").unwrap_or_default().to_string();
    let page_number = query.get("page").and_then(|p| p.trim().parse::<usize>().ok()).unwrap_or(1);
    as_partner(&signed_in, async {
        match board::customers(&ctx, &signed_in, &search, page_number).await {
            Ok(list) => page(
                StatusCode::OK,
                pages::customers(
                    &chrome(&signed_in, Section::Customers),
                    &list,
                    &search,
                    board::may_add_customers(signed_in.caller()),
                    None,
                ),
            ),
            Err(e) => error_page(e, Some(&signed_in)),
        }
    })
    .await
}

// --- Add customer -------------------------------------------------------------------------------

fn customer_form(fields: &[(String, String)]) -> CustomerForm {
    let get = |n: &str| field(fields, n).unwrap_or_default().to_string();
    CustomerForm {
        company_name: get("companyName"),
        domain: get("domain"),
        first_name: get("firstName"),
        last_name: get("lastName"),
        email: get("email"),
        phone_number: get("phoneNumber"),
        address_line1: get("addressLine1"),
        address_line2: get("addressLine2"),
        city: get("city"),
        state: get("state"),
        postal_code: get("postalCode"),
        country: get("country"),
        language: get("language"),
        attestation: (field(fields, "agreement") == Some("partner")).then(|| AttestationForm {
            first_name: get("accepterFirstName"),
            last_name: get("accepterLastName"),
            email: get("accepterEmail"),
            phone_number: get("accepterPhone"),
            date_agreed: get("dateAgreed"),
        }),
    }
}

struct FormPage<'a> {
    form: &'a CustomerForm,
    problems: &'a [String],
    submission: &'a str,
    status: StatusCode,
}

async fn render_new_customer(ctx: &AppState, signed_in: &SignedIn, p: FormPage<'_>) -> Response {
    let control = match board::attestation_control(ctx, signed_in.caller()).await {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(signed_in)),
    };
    let today = match board::today(ctx).await {
        Ok(t) => t,
        Err(e) => return error_page(e, Some(signed_in)),
    };
    let chrome = chrome(signed_in, Section::Customers);
    page(
        p.status,
        pages::new_customer(&pages::NewCustomerPage {
            chrome: &chrome,
            form: p.form,
            control: &control,
            problems: p.problems,
            submission: p.submission,
            today,
        }),
    )
}

async fn new_customer_form(State(ctx): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let signed_in = match require_user(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !board::may_add_customers(signed_in.caller()) {
        return error_page(
            ServiceError::RoleNotAllowed("adding customers needs an Admin agent, Sales agent or Global admin".into()),
            Some(&signed_in),
        );
    }
    let submission = ctx.ids.secret(32);
    let form = CustomerForm::default();
    as_partner(&signed_in, async {
        let p = FormPage { form: &form, problems: &[], submission: &submission, status: StatusCode::OK };
        render_new_customer(&ctx, &signed_in, p).await
    })
    .await
}

/// The wizard's one form target: `step` is `review` (Next: Review), `edit` (Back) or `submit`.
async fn new_customer_step(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let back = Uri::from_static("/dashboard/customers/new");
    let signed_in = match require_form_user(&ctx, &headers, &back, &fields).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = customer_form(&fields);
    let submission = field(&fields, "submission").map(str::trim).filter(|s| !s.is_empty() && s.len() <= 64);
    let Some(submission) = submission.map(str::to_string) else {
        let chrome = chrome(&signed_in, Section::Customers);
        return page(
            StatusCode::BAD_REQUEST,
            pages::message(
                "Form not valid",
                Some(&chrome),
                "This form has no submission id. Start again from Add customer.",
            ),
        );
    };
    let step = field(&fields, "step").unwrap_or("review").to_string();
    as_partner(&signed_in, async {
        let form_again = |problems: Vec<String>, submission: String, status: StatusCode| {
            let (ctx, signed_in, form) = (&ctx, &signed_in, &form);
            async move {
                let p = FormPage { form, problems: &problems, submission: &submission, status };
                render_new_customer(ctx, signed_in, p).await
            }
        };
        let confirmation = |submitted: &board::Submitted| {
            page(StatusCode::OK, pages::confirmation(&chrome(&signed_in, Section::Customers), submitted))
        };
        match step.as_str() {
            "edit" => form_again(Vec::new(), submission, StatusCode::OK).await,
            "submit" => match board::submit_new_customer(&ctx, &signed_in, &submission, &form).await {
                Ok(submitted) => confirmation(&submitted),
                // Nothing was kept under this submission: the corrected form is a new one.
                Err(e) if is_refusal(&e) => form_again(refusal_text(&e), ctx.ids.secret(32), status_of(&e)).await,
                Err(e) => error_page(e, Some(&signed_in)),
            },
            // Next: Review, or Back to the review after Submit: a form already submitted shows its
            // Confirmation again.
            _ => {
                let submission = match board::earlier_submission(&ctx, &signed_in, &submission, &form).await {
                    Ok(EarlierSubmission::Same(submitted)) => return confirmation(&submitted),
                    Ok(EarlierSubmission::None) => submission,
                    Ok(EarlierSubmission::OtherValues) => ctx.ids.secret(32),
                    Err(e) if is_refusal(&e) => return form_again(refusal_text(&e), submission, status_of(&e)).await,
                    Err(e) => return error_page(e, Some(&signed_in)),
                };
                match board::review_new_customer(&ctx, &signed_in, &form).await {
                    Ok(review) => page(
                        StatusCode::OK,
                        pages::review(&chrome(&signed_in, Section::Customers), &form, &review, &submission),
                    ),
                    Err(e) if is_refusal(&e) => form_again(refusal_text(&e), submission, status_of(&e)).await,
                    Err(e) => error_page(e, Some(&signed_in)),
                }
            }
        }
    })
    .await
}

/// A refusal the user can fix in the form (as opposed to a failure of the emulator).
fn is_refusal(e: &ServiceError) -> bool {
    matches!(e.kind(), ErrorKind::Invalid | ErrorKind::Conflict | ErrorKind::Forbidden)
}

// --- Account ------------------------------------------------------------------------------------

async fn render_account(
    ctx: &AppState,
    signed_in: &SignedIn,
    customer_id: &CustomerId,
    update: Option<AttestationForm>,
    problems: &[String],
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let view = match board::account(ctx, signed_in, customer_id).await {
        Ok(view) => view,
        Err(e) => return error_page(e, Some(signed_in)),
    };
    // The Update form opens with the primary contact and today's date.
    let update = update.map(|values| {
        let mut values = values.or_contact(&view.primary_contact);
        if values.date_agreed.trim().is_empty() && problems.is_empty() {
            values.date_agreed = view.today.to_string();
        }
        values
    });
    let chrome = chrome(signed_in, Section::Customers);
    page(
        status,
        pages::account(&pages::AccountPage { chrome: &chrome, view: &view, update: update.as_ref(), problems, notice }),
    )
}

async fn account(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(customer_id): Path<CustomerId>,
    query: QueryParams,
) -> Response {
    let signed_in = match require_user(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let update = (query.get("update") == Some("agreement")).then(AttestationForm::default);
    let notice = (query.get("saved") == Some("agreement")).then_some("Your confirmation was saved.");
    as_partner(&signed_in, render_account(&ctx, &signed_in, &customer_id, update, &[], notice, StatusCode::OK)).await
}

async fn update_agreement(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    Path(customer_id): Path<CustomerId>,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    let back: Uri = format!("/dashboard/customers/{customer_id}/account")
        .parse()
        .unwrap_or_else(|_| Uri::from_static("/dashboard/customers"));
    let signed_in = match require_form_user(&ctx, &headers, &back, &fields).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let get = |n: &str| field(&fields, n).unwrap_or_default().to_string();
    let form = AttestationForm {
        first_name: get("FirstName"),
        last_name: get("LastName"),
        email: get("Email"),
        phone_number: get("Phone"),
        date_agreed: get("dateAgreed"),
    };
    as_partner(&signed_in, async {
        match board::attest(&ctx, &signed_in, &customer_id, &form).await {
            Ok(_) => {
                let target = format!("/dashboard/customers/{customer_id}/account?saved=agreement");
                Redirect::to(&target).into_response()
            }
            Err(e) if is_refusal(&e) && !matches!(e, ServiceError::NoRelationship(_)) => {
                let problems = refusal_text(&e);
                render_account(&ctx, &signed_in, &customer_id, Some(form.clone()), &problems, None, status_of(&e)).await
            }
            Err(e) => error_page(e, Some(&signed_in)),
        }
    })
    .await
}

// --- Reseller relationship ---------------------------------------------------------------------

fn email_text(partner_name: &str, user_name: &str, link: &str) -> String {
    format!(
        "Dear customer,\n\n{partner_name} would like to become your Cloud Solution Provider partner and resell Microsoft \
         products and services to your organization.\n\nTo accept, a Global Administrator of your organization opens \
         this link, signs in to the Microsoft 365 admin center, and accepts the invitation and the Microsoft Customer \
         Agreement:\n\n{link}\n\nIf you have questions, reply to this email.\n\nBest regards,\n{user_name}\n{partner_name}\n"
    )
}

async fn relationship_request(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    query: QueryParams,
) -> Response {
    let signed_in = match require_user(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let delegated_admin = query.get("dap").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let link = match board::relationship_request(&ctx, &signed_in, delegated_admin) {
        Ok(link) => link,
        Err(e) => return error_page(e, Some(&signed_in)),
    };
    let text = email_text(&signed_in.partner.name, &signed_in.user.display_name, &link);
    let mailto = format!(
        "mailto:?{}",
        serde_urlencoded::to_string([("subject", "Request for a reseller relationship"), ("body", text.as_str())])
            .unwrap_or_default()
            .replace('+', "%20")
    );
    let chrome = chrome(&signed_in, Section::Invite);
    page(
        StatusCode::OK,
        pages::relationship(&pages::RelationshipPage {
            chrome: &chrome,
            link: &link,
            delegated_admin,
            email_text: &text,
            mailto: &mailto,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_urls_stay_in_the_dashboard() {
        assert_eq!(safe_return_url(Some("/dashboard/customers?q=a")), "/dashboard/customers?q=a");
        for bad in
            ["https://evil.example", "//evil.example", "/\\evil", "/\t/evil", "/AdminPortal/Home", "", "/dashboard"]
        {
            assert_eq!(safe_return_url(Some(bad)), HOME, "{bad}");
        }
    }

    #[test]
    fn problems_name_the_form_labels() {
        assert_eq!(labelled("dateAgreed: is required"), "Agreement acceptance date: is required");
        assert_eq!(
            labelled("billingProfile.defaultAddress.postalCode: is required"),
            "ZIP or postal code: is required"
        );
        assert_eq!(labelled("something else"), "something else");
    }

    #[test]
    fn the_attestation_choice_is_read_from_the_form() {
        let fields = vec![("agreement".to_string(), "customer".to_string())];
        assert_eq!(customer_form(&fields).attestation, None);
        let fields = vec![
            ("agreement".to_string(), "partner".to_string()),
            ("dateAgreed".to_string(), "2025-01-02".to_string()),
        ];
        assert_eq!(customer_form(&fields).attestation.map(|a| a.date_agreed), Some("2025-01-02".to_string()));
    }
}
