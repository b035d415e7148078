//! The emulated Partner Center dashboard: the partner's side of the agreement flows. Partner
//! users sign in (password or one-time link); the kit keeps the session (cookie
//! `pce_partner_session`), checks every form's token and only ever returns to pages of the
//! dashboard. Each page runs as its partner (its own clock and service date, where it has them)
//! and calls the same use cases as the API.

mod pages;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use maud::html;

use crate::app::{AppContext, AppState};
use crate::clock;
use crate::domain::identities::{development, PartnerUser};
use crate::domain::ids::CustomerId;
use crate::domain::orders::McaStanding;
use crate::domain::paging::{Keyset, Position};
use crate::domain::partners::{delegated_admin_asked, NotTrueOrFalse};
use crate::http::edge::extract::QueryParams;
use crate::http::web::kit::forms::{field, form_fields, FieldProblem, FormErrors, RefusedForm};
use crate::http::web::kit::layout::{Account, Brand, Chrome, Content, NavLink};
use crate::http::web::kit::message::{error_page, site_message};
use crate::http::web::kit::page::{site_page, to_home_keeping_query};
use crate::http::web::kit::refusal::{Refusal, Wording};
use crate::http::web::kit::session::{self, signed_in, signed_in_form, SiteSession};
use crate::http::web::kit::sign_in;
use crate::http::web::kit::site::Site;
use crate::service::authentication::check_mfa;
use crate::service::dashboard::{self as board, AgreementChoice, AttestationForm, CustomerForm, EarlierSubmission};
use crate::service::dashboard_sessions::{self as sessions, SignedIn};
use crate::service::sign_in::SignIn;
use crate::service::web_sessions::WebSession;
use crate::service::{ErrorKind, ServiceError, ServiceResult};

const HOME: &str = "/dashboard/customers";
const INVITE: &str = "/dashboard/customers/relationship-request";
const SCRIPT: &str = "/dashboard/assets/dashboard.js";
const ADD_CUSTOMER_ROLES: &str = "Admin agent, Sales agent or Global admin";

pub const SITE: Site = Site {
    brand: Brand { name: "Partner Center", home: HOME, title: "Partner Center (emulated)" },
    prefix: "/dashboard/",
    home_label: "Go to your customers",
    sign_in: "/dashboard/signin",
    sign_out: "/dashboard/signout",
    session_cookie: "pce_partner_session",
    sign_in_cookie: "pce_partner_signin_csrf",
    sign_in_heading: "Sign in to Partner Center",
    sign_in_intro: || {
        html! {
            "Sign in with a partner user of this emulator: the development user ("
            code { (development::USER_NAME) } ", password " code { (development::USER_PASSWORD) }
            ", published because this is a development emulator: a test machine only), or one made with "
            code { "POST /_emulator/partners/{tenantId}/users" } "."
        }
    },
    not_found_note: None,
    script: Some(SCRIPT),
    wording: Wording { labels: LABELS, codes: true },
};

/// The forms' labels for the API's field names.
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
    ("agreement", "Customer agreement"),
    ("form", "Form"),
];

/// The Add customer form's inputs for the API's field names (where its problems show).
const WIZARD_INPUTS: &[(&str, &str)] = &[
    ("companyProfile.domain", "domain"),
    ("companyProfile.companyName", "companyName"),
    ("billingProfile.companyName", "companyName"),
    ("billingProfile.email", "email"),
    ("billingProfile.language", "language"),
    ("billingProfile.culture", "language"),
    ("billingProfile.defaultAddress.firstName", "firstName"),
    ("billingProfile.defaultAddress.lastName", "lastName"),
    ("billingProfile.defaultAddress.addressLine1", "addressLine1"),
    ("billingProfile.defaultAddress.addressLine2", "addressLine2"),
    ("billingProfile.defaultAddress.city", "city"),
    ("billingProfile.defaultAddress.state", "state"),
    ("billingProfile.defaultAddress.postalCode", "postalCode"),
    ("billingProfile.defaultAddress.country", "country"),
    ("billingProfile.defaultAddress.phoneNumber", "phoneNumber"),
    ("primaryContact.firstName", "accepterFirstName"),
    ("primaryContact.lastName", "accepterLastName"),
    ("primaryContact.email", "accepterEmail"),
    ("primaryContact.phoneNumber", "accepterPhone"),
    ("dateAgreed", "dateAgreed"),
    ("agreement", "agreementPartner"),
];

/// The Account page's Update form's inputs for the API's field names, in the form's order.
const UPDATE_INPUTS: &[(&str, &str)] = &[
    ("primaryContact.firstName", "FirstName"),
    ("primaryContact.lastName", "LastName"),
    ("primaryContact.email", "Email"),
    ("primaryContact.phoneNumber", "Phone"),
    ("dateAgreed", "dateAgreed"),
];

/// Refusals as a form's problems, all at once, in the form's order; with the status of the first.
fn form_errors(refused: &[ServiceError], inputs: &[(&str, &str)], order: &[&str]) -> (FormErrors, StatusCode) {
    let refusals: Vec<Refusal> = refused.iter().map(|e| Refusal::of(e, &SITE.wording)).collect();
    let status = refusals.first().map_or(StatusCode::BAD_REQUEST, |r| r.status);
    let problems = refusals.iter().flat_map(|r| r.field_problems(inputs)).collect();
    (FormErrors::new(problems, order), status)
}

/// The side navigation; the second entry only for users who may invite.
const NAV: &[NavLink] =
    &[NavLink { label: "Customers", href: HOME }, NavLink { label: "Request a reseller relationship", href: INVITE }];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(|uri: Uri| async move { to_home_keeping_query(HOME, &uri) }))
        .route("/dashboard/home", get(|uri: Uri| async move { to_home_keeping_query(HOME, &uri) }))
        .route(SITE.sign_in, get(sign_in::form::<SignedIn>).post(sign_in::submit::<SignedIn>))
        .route("/dashboard/signin/link", get(sign_in_with_link))
        .route(SITE.sign_out, post(session::sign_out::<SignedIn>))
        .route(HOME, get(customers))
        .route("/dashboard/customers/new", get(new_customer_form).post(new_customer_step))
        .route("/dashboard/customers/new/{submission}", get(new_customer_draft))
        .route("/dashboard/customers/new/{submission}/review", get(new_customer_review))
        .route("/dashboard/customers/new/{submission}/confirmation", get(new_customer_confirmation))
        .route("/dashboard/customers/{customer_id}/confirmation", get(confirmation_again))
        .route(INVITE, get(relationship_request))
        .route("/dashboard/customers/{customer_id}/account", get(account))
        .route("/dashboard/customers/{customer_id}/account/agreement", post(update_agreement))
        .route(SCRIPT, get(script))
}

async fn script() -> Response {
    let mut response = pages::SCRIPT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

impl SiteSession for SignedIn {
    const SITE: &'static Site = &SITE;
    type Account = PartnerUser;

    async fn find(ctx: &AppContext, cookie: &str, now: DateTime<Utc>) -> ServiceResult<Option<SignedIn>> {
        sessions::session_for(ctx, cookie, now).await
    }

    fn session(&self) -> &WebSession {
        &self.session
    }

    fn chrome(&self, current: Option<&'static str>) -> Chrome<'_> {
        let name = format!("{} · {}", self.user.user_name, self.partner.name);
        let account = Account { name, csrf: &self.session.csrf_token, sign_out: SITE.sign_out };
        let nav = if board::may_invite(self.caller()) { NAV } else { &NAV[..1] };
        Chrome { brand: &SITE.brand, account: Some(account), nav, current, script: SITE.script }
    }

    async fn authenticate(ctx: &AppContext, user_name: &str, password: &str) -> ServiceResult<SignIn<PartnerUser>> {
        sessions::authenticate(ctx, user_name, password).await
    }

    async fn start(ctx: &AppContext, user: &PartnerUser) -> ServiceResult<String> {
        sessions::start_session(ctx, user).await
    }
}

tokio::task_local! {
    /// The service-date banner of the page being made (set by [`as_partner`]).
    static BANNER: Option<maud::Markup>;
}

/// A page of the signed-in user; `current` is its navigation entry. Under [`as_partner`], the
/// service-date banner comes first when there is one.
fn page(signed_in: &SignedIn, status: StatusCode, current: Option<&'static str>, content: Content) -> Response {
    let banner = BANNER.try_with(Clone::clone).ok().flatten();
    let content = match banner {
        Some(banner) => Content { title: content.title, body: html! { (banner) (content.body) } },
        None => content,
    };
    site_page(status, &signed_in.chrome(current), content)
}

/// A failure shown as a page, never as JSON.
fn failed(signed_in: &SignedIn, e: &ServiceError) -> Response {
    error_page(&SITE, Some(&signed_in.chrome(None)), e)
}

/// Run a page's work as the signed-in user's partner (its own clock and service date), its pages
/// under the banner that names a pinned service date or a moved clock.
///
/// A user who does not sign in with MFA gets, from the MFA milestone of the partner's service
/// date on, a page that says so instead of any page's work: nothing the API refuses its token
/// (900421) can be done through the dashboard.
async fn as_partner<F: std::future::Future<Output = Response>>(
    ctx: &AppContext,
    signed_in: &SignedIn,
    work: F,
) -> Response {
    clock::as_partner(signed_in.partner.tenant_id.clone(), async {
        let banner = board::clock_note(ctx).await.ok().flatten().map(|note| pages::clock_banner(&note));
        match check_mfa(ctx, signed_in.caller()).await {
            Ok(()) => BANNER.scope(banner, work).await,
            Err(ServiceError::MfaRequired) => mfa_required(signed_in),
            Err(e) => failed(signed_in, &e),
        }
    })
    .await
}

/// The page a user without MFA gets once MFA is required.
fn mfa_required(signed_in: &SignedIn) -> Response {
    let text = format!(
        "Partner Center requires multi-factor authentication (MFA) from 1 April 2026 on, and {} signs in without it \
         (the user was created with \"mfa\": false). Sign out and sign in as a user who signs in with MFA, or create \
         one (POST /_emulator/partners/{}/users, \"mfa\": true). (The API answers this user's tokens with error \
         900421.)",
        signed_in.user.user_name, signed_in.partner.tenant_id
    );
    site_message(
        &SITE,
        Some(&signed_in.chrome(None)),
        StatusCode::FORBIDDEN,
        "Multi-factor authentication required",
        &text,
    )
}

/// The page that says which role an action needs, and which roles the user has.
fn needs_role(signed_in: &SignedIn, what: &str, roles: &str) -> Response {
    let have: Vec<&str> = signed_in.user.roles.iter().map(|r| r.as_str()).collect();
    let have = if have.is_empty() { "none".to_string() } else { have.join(", ") };
    let text = format!(
        "{what} needs the {roles} role. Your roles: {have}. Ask an administrator of {} to give you the role, \
         or ask a colleague who has it. (The API answers the same request with error 900150.)",
        signed_in.partner.name
    );
    site_message(&SITE, Some(&signed_in.chrome(None)), StatusCode::FORBIDDEN, "You need another role", &text)
}

// --- Sign-in with a one-time link ---------------------------------------------------------------

async fn sign_in_with_link(State(ctx): State<AppState>, headers: HeaderMap, query: QueryParams) -> Response {
    let token = query.get("token").unwrap_or_default();
    match sessions::redeem_sign_in_link(&ctx, token, Utc::now()).await {
        Ok(Some(user)) => session::start::<SignedIn>(&ctx, &headers, &user, HOME).await,
        Ok(None) => site_message(
            &SITE,
            None,
            StatusCode::UNAUTHORIZED,
            "Sign-in link not valid",
            "This sign-in link was already used, has expired, or was never issued. Ask the control plane for a new one \
             (POST /_emulator/partners/{tenantId}/users/{userId}/sign-in-links), or sign in with the user's password.",
        ),
        Err(e) => error_page(&SITE, None, &e),
    }
}

// --- Customers ----------------------------------------------------------------------------------

async fn customers(State(ctx): State<AppState>, headers: HeaderMap, uri: Uri, query: QueryParams) -> Response {
    let signed_in = match signed_in::<SignedIn>(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    // The page's own parameters, each once: `q=Wiz&q=zzz` searched for the first.
    if let Some(name) = query.repeated(&["q", "after", "before"]) {
        return page_link_not_valid(
            &signed_in,
            &format!("The link gives {name} more than once, and which one you meant cannot be told. Go to the first page of your customers, and search or page on from there."),
        );
    }
    let search = query.get("q").unwrap_or_default().to_string();
    // A page is found by position: after the last customer of the page before it, or before the
    // first of the page after it. A link whose position cannot be read, or that gives both, names
    // no page: it is refused rather than shown as the first page, which it is not.
    let read = |name: &'static str| query.get(name).map(|text| Position::from_cursor(text).ok_or(name));
    let (after, before) = match (read("after"), read("before")) {
        (Some(Err(name)), _) | (_, Some(Err(name))) => return page_link_not_valid(&signed_in, &format!(
            "The link's {name} is not a position this page gives. Go to the first page of your customers, and page on from there with Next and Previous."
        )),
        (Some(Ok(_)), Some(Ok(_))) => return page_link_not_valid(&signed_in,
            "The link gives both after and before, and a page is one or the other. Go to the first page of your customers, and page on from there with Next and Previous."),
        (after, before) => (after.and_then(Result::ok), before.and_then(Result::ok)),
    };
    let at = match (&after, &before) {
        (Some(after), _) => Keyset::After(after),
        (None, Some(before)) => Keyset::Before(before),
        (None, None) => Keyset::First,
    };
    as_partner(&ctx, &signed_in, async {
        match board::customers(&ctx, &signed_in, &search, at).await {
            Ok(list) => {
                let may_add = board::may_add_customers(signed_in.caller());
                page(&signed_in, StatusCode::OK, Some(HOME), pages::customers(&list, &search, may_add))
            }
            Err(e) => failed(&signed_in, &e),
        }
    })
    .await
}

/// A customers page link that names no page (400), with the way back to the first.
fn page_link_not_valid(signed_in: &SignedIn, text: &str) -> Response {
    site_message(&SITE, Some(&signed_in.chrome(None)), StatusCode::BAD_REQUEST, "Page link not valid", text)
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
        agreement: match field(fields, "agreement") {
            Some("partner") => Some(AgreementChoice::PartnerConfirms),
            Some("customer") => Some(AgreementChoice::CustomerWillAccept),
            _ => None,
        },
        confirmation: AttestationForm {
            first_name: get("accepterFirstName"),
            last_name: get("accepterLastName"),
            email: get("accepterEmail"),
            phone_number: get("accepterPhone"),
            date_agreed: get("dateAgreed"),
        },
    }
}

struct FormPage<'a> {
    form: &'a CustomerForm,
    errors: &'a FormErrors,
    submission: &'a str,
    status: StatusCode,
}

async fn render_new_customer(ctx: &AppState, signed_in: &SignedIn, p: FormPage<'_>) -> Response {
    let control = match board::attestation_control(ctx, signed_in.caller()).await {
        Ok(c) => c,
        Err(e) => return failed(signed_in, &e),
    };
    let today = match board::today(ctx).await {
        Ok(t) => t,
        Err(e) => return failed(signed_in, &e),
    };
    page(
        signed_in,
        p.status,
        Some(HOME),
        pages::new_customer(&pages::NewCustomerPage {
            csrf: &signed_in.session.csrf_token,
            form: p.form,
            control: &control,
            errors: p.errors,
            submission: p.submission,
            today,
        }),
    )
}

async fn new_customer_form(State(ctx): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let signed_in = match signed_in::<SignedIn>(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !board::may_add_customers(signed_in.caller()) {
        return needs_role(&signed_in, "Adding a customer", ADD_CUSTOMER_ROLES);
    }
    let submission = ctx.ids.secret(32);
    let form = CustomerForm::default();
    as_partner(&ctx, &signed_in, async {
        let p =
            FormPage { form: &form, errors: &FormErrors::default(), submission: &submission, status: StatusCode::OK };
        render_new_customer(&ctx, &signed_in, p).await
    })
    .await
}

/// A submission id as the wizard's addresses carry it.
fn valid_submission(id: &str) -> Option<&str> {
    let id = id.trim();
    (!id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then_some(id)
}

fn see_other(to: String) -> Response {
    Redirect::to(&to).into_response()
}

fn wizard_url(submission: &str, step: &str) -> String {
    match step {
        "" => format!("/dashboard/customers/new/{submission}"),
        _ => format!("/dashboard/customers/new/{submission}/{step}"),
    }
}

/// The wizard's one form target, answered with a redirect (post/redirect/get): `step` is
/// `review` (Next: Review: the form is kept under its submission id, then its Review is shown),
/// `edit` (Back: the kept form) or `submit` (Submit the kept form, then its Confirmation). Back,
/// refresh and a second Submit therefore land on pages, never on a form sent again.
async fn new_customer_step(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    // A NUL in a field is refused at the field by the use case, as the API refuses it.
    let fields = form_fields(&body);
    let back = Uri::from_static("/dashboard/customers/new");
    let signed_in = match signed_in_form::<SignedIn>(&ctx, &headers, &back, &fields).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(submission) = field(&fields, "submission").and_then(valid_submission).map(str::to_string) else {
        return site_message(
            &SITE,
            Some(&signed_in.chrome(Some(HOME))),
            StatusCode::BAD_REQUEST,
            "Form not valid",
            "This form has no submission id. Start again from Add customer.",
        );
    };
    // The buttons' steps; none (a form sent by a script, or Enter in a field) is Next: Review.
    let step = field(&fields, "step").unwrap_or("review").to_string();
    if !WIZARD_STEPS.contains(&step.as_str()) {
        return site_message(
            &SITE,
            Some(&signed_in.chrome(Some(HOME))),
            StatusCode::BAD_REQUEST,
            "Form not valid",
            &format!(
                "This form asks for the step '{step}', which Add customer does not have (review, submit or edit). \
                 Go back to the form and use its buttons."
            ),
        );
    }
    as_partner(&ctx, &signed_in, async {
        match step.as_str() {
            "edit" => see_other(wizard_url(&submission, "")),
            "submit" => {
                // The form kept at Next: Review; a client that skips the Review sends it whole. A
                // Submit that sends another form than the one reviewed has it reviewed first: what is
                // submitted is always what Review showed.
                let sent = customer_form(&fields);
                let form = match board::draft(&ctx, &signed_in, &submission).await {
                    Ok(Some(kept)) if sent == CustomerForm::default() || sent == kept => kept,
                    Ok(Some(_)) => return to_review(&ctx, &signed_in, &submission, &sent).await,
                    Ok(None) => sent,
                    Err(e) => return failed(&signed_in, &e),
                };
                match board::submit_new_customer(&ctx, &signed_in, &submission, &form).await {
                    Ok(_) => see_other(wizard_url(&submission, "confirmation")),
                    // Nothing was kept under this submission: the corrected form is a new one, kept
                    // under a new id, whose Review (a redirect, as every step) shows what is refused
                    // at its fields.
                    // Refused for its id (already used, or still running): that id's Review says so.
                    Err(e) if board::refused_for_its_submission_id(&e) => see_other(wizard_url(&submission, "review")),
                    Err(e) if is_refusal(&e) => {
                        let fresh = ctx.ids.secret(32);
                        match board::save_draft(&ctx, &signed_in, &fresh, &form).await {
                            Ok(()) => see_other(wizard_url(&fresh, "review")),
                            Err(e) => failed(&signed_in, &e),
                        }
                    }
                    Err(e) => failed(&signed_in, &e),
                }
            }
            _ => to_review(&ctx, &signed_in, &submission, &customer_form(&fields)).await,
        }
    })
    .await
}

/// Next: Review of `form`: kept under the submission id, and shown by the Review page. A form
/// already submitted with these values shows its Confirmation; edited after its Submit (Back past
/// the Confirmation, or another form sent with Submit), it is a new customer under a new id.
async fn to_review(ctx: &AppContext, signed_in: &SignedIn, submission: &str, form: &CustomerForm) -> Response {
    let submission = match board::earlier_submission(ctx, signed_in, submission, form).await {
        Ok(EarlierSubmission::Same(_)) => return see_other(wizard_url(submission, "confirmation")),
        Ok(EarlierSubmission::None) => submission.to_string(),
        Ok(EarlierSubmission::OtherValues) => ctx.ids.secret(32),
        Err(e) => return failed(signed_in, &e),
    };
    match board::save_draft(ctx, signed_in, &submission, form).await {
        Ok(()) => see_other(wizard_url(&submission, "review")),
        Err(e) => failed(signed_in, &e),
    }
}

/// The steps of the Add customer wizard's buttons.
const WIZARD_STEPS: [&str; 3] = ["review", "submit", "edit"];

/// The signed-in user, allowed to add customers, and the submission id of a wizard's address.
async fn wizard_page(
    ctx: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    submission: &str,
) -> Result<(SignedIn, String), Response> {
    let signed_in = signed_in::<SignedIn>(ctx, headers, uri).await?;
    if !board::may_add_customers(signed_in.caller()) {
        return Err(needs_role(&signed_in, "Adding a customer", ADD_CUSTOMER_ROLES));
    }
    match valid_submission(submission) {
        Some(id) => Ok((signed_in, id.to_string())),
        None => Err(Redirect::to("/dashboard/customers/new").into_response()),
    }
}

/// The form kept under a submission id (Back from Review), or an empty one.
async fn new_customer_draft(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(submission): Path<String>,
) -> Response {
    let (signed_in, submission) = match wizard_page(&ctx, &headers, &uri, &submission).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    as_partner(&ctx, &signed_in, async {
        let form = match board::draft(&ctx, &signed_in, &submission).await {
            Ok(form) => form.unwrap_or_default(),
            Err(e) => return failed(&signed_in, &e),
        };
        let p =
            FormPage { form: &form, errors: &FormErrors::default(), submission: &submission, status: StatusCode::OK };
        render_new_customer(&ctx, &signed_in, p).await
    })
    .await
}

/// Review of the kept form: every rule checked again; what is refused shows in the form, at its
/// fields. A form already submitted says so and leads to its Confirmation.
async fn new_customer_review(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(submission): Path<String>,
) -> Response {
    let (signed_in, submission) = match wizard_page(&ctx, &headers, &uri, &submission).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    as_partner(&ctx, &signed_in, async {
        match board::submission(&ctx, &signed_in, &submission).await {
            Ok(Some(submitted)) => {
                let content = pages::already_submitted(&submitted, &wizard_url(&submission, "confirmation"));
                return page(&signed_in, StatusCode::OK, Some(HOME), content);
            }
            Ok(None) => {}
            Err(e) => return failed(&signed_in, &e),
        }
        let form = match board::draft(&ctx, &signed_in, &submission).await {
            Ok(Some(form)) => form,
            Ok(None) => return see_other(wizard_url(&submission, "")),
            Err(e) => return failed(&signed_in, &e),
        };
        match board::review_new_customer(&ctx, &signed_in, &form).await {
            Ok(review) => {
                let csrf = &signed_in.session.csrf_token;
                page(&signed_in, StatusCode::OK, Some(HOME), pages::review(csrf, &form, &review, &submission))
            }
            Err(refused) => match refused.iter().find(|e| !is_refusal(e)) {
                Some(failure) => failed(&signed_in, failure),
                None => {
                    let (errors, status) = form_errors(&refused, WIZARD_INPUTS, pages::WIZARD_ORDER);
                    let p = FormPage { form: &form, errors: &errors, submission: &submission, status };
                    render_new_customer(&ctx, &signed_in, p).await
                }
            },
        }
    })
    .await
}

/// The Confirmation of a submission, with the password: as often as it is opened (refresh, a
/// second Submit), under the submission id only its Submit knows.
async fn new_customer_confirmation(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(submission): Path<String>,
) -> Response {
    let (signed_in, submission) = match wizard_page(&ctx, &headers, &uri, &submission).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    as_partner(&ctx, &signed_in, async {
        match board::submission(&ctx, &signed_in, &submission).await {
            Ok(Some(submitted)) => page(&signed_in, StatusCode::OK, Some(HOME), pages::confirmation(&submitted)),
            Ok(None) => see_other(wizard_url(&submission, "")),
            Err(e) => failed(&signed_in, &e),
        }
    })
    .await
}

/// The Confirmation again, from the customer's Account: everything but the password, which was
/// shown once.
async fn confirmation_again(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(customer_id): Path<CustomerId>,
) -> Response {
    let signed_in = match signed_in::<SignedIn>(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    as_partner(&ctx, &signed_in, async {
        let view = match board::account(&ctx, &signed_in, &customer_id).await {
            Ok(view) => view,
            Err(e) => return failed(&signed_in, &e),
        };
        let mine = Some(signed_in.partner.tenant_id.clone());
        let confirmation = view
            .acceptances
            .iter()
            .flatten()
            .find(|entry| entry.agreement.partner_tenant_id == mine && entry.counts)
            .map(|entry| entry.agreement.clone());
        let submitted = board::Submitted {
            customer: view.customer,
            password: None,
            confirmation,
            link: board::admin_center_links(&ctx),
        };
        page(&signed_in, StatusCode::OK, Some(HOME), pages::confirmation(&submitted))
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
    errors: &FormErrors,
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let view = match board::account(ctx, signed_in, customer_id).await {
        Ok(view) => view,
        Err(e) => return failed(signed_in, &e),
    };
    // The Update form opens with no person (whoever is recorded now shows beside it as text: the
    // same person again would be a duplicate, 600061) and the clock's day.
    let update = update.map(|mut values| {
        if values.date_agreed.trim().is_empty() && errors.is_empty() {
            values.date_agreed = view.today.to_string();
        }
        values
    });
    let csrf = &signed_in.session.csrf_token;
    let link = (view.standing == Some(McaStanding::NotAccepted)).then(|| {
        let agreement = board::admin_center_links(ctx).agreement;
        let text = format!(
            "Hello,\n\nBefore {} can buy Microsoft products and services through {}, a Global Administrator of \
             your organization needs to accept the Microsoft Customer Agreement. Sign in to the Microsoft 365 admin \
             center with this link and accept it:\n\n{agreement}\n\nBest regards,\n{}\n{}\n",
            view.customer.company_name, signed_in.partner.name, signed_in.user.display_name, signed_in.partner.name
        );
        let mailto = format!(
            "mailto:?{}",
            serde_urlencoded::to_string([
                ("subject", "Accept the Microsoft Customer Agreement"),
                ("body", text.as_str())
            ])
            .unwrap_or_default()
            .replace('+', "%20")
        );
        pages::AcceptanceLink { agreement, mailto }
    });
    let content = pages::account(&pages::AccountPage {
        csrf,
        view: &view,
        update: update.as_ref(),
        errors,
        notice,
        acceptance_link: link.as_ref(),
    });
    page(signed_in, status, Some(HOME), content)
}

async fn account(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(customer_id): Path<CustomerId>,
    query: QueryParams,
) -> Response {
    let signed_in = match signed_in::<SignedIn>(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let notice = (query.get("saved") == Some("agreement")).then_some("Your confirmation was saved.");
    as_partner(&ctx, &signed_in, async {
        // After a refused Update (post/redirect/get): the form as typed, its problems at its fields.
        let refused = match query.get("update") {
            Some("agreement") => match session::refused_form(&ctx, &signed_in, uri.path(), query.get("form")).await {
                Ok(refused) => refused,
                Err(failed) => return failed,
            },
            _ => None,
        };
        let (update, errors, status) = match refused {
            Some(kept) => {
                let order: Vec<&str> = UPDATE_INPUTS.iter().map(|(_, id)| *id).collect();
                (Some(update_form(&kept.values)), kept.errors(&order), kept.status())
            }
            None => {
                let update = (query.get("update") == Some("agreement")).then(AttestationForm::default);
                (update, FormErrors::default(), StatusCode::OK)
            }
        };
        render_account(&ctx, &signed_in, &customer_id, update, &errors, notice, status).await
    })
    .await
}

/// The Update form's fields as typed.
fn update_form(fields: &[(String, String)]) -> AttestationForm {
    let get = |n: &str| field(fields, n).unwrap_or_default().to_string();
    AttestationForm {
        first_name: get("FirstName"),
        last_name: get("LastName"),
        email: get("Email"),
        phone_number: get("Phone"),
        date_agreed: get("dateAgreed"),
    }
}

async fn update_agreement(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    Path(customer_id): Path<CustomerId>,
    body: Bytes,
) -> Response {
    // A NUL in a field is refused at the field by the use case, as the API refuses it.
    let fields = form_fields(&body);
    let back: Uri = format!("/dashboard/customers/{customer_id}/account")
        .parse()
        .unwrap_or_else(|_| Uri::from_static("/dashboard/customers"));
    let signed_in = match signed_in_form::<SignedIn>(&ctx, &headers, &back, &fields).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = update_form(&fields);
    as_partner(&ctx, &signed_in, async {
        match board::attest(&ctx, &signed_in, &customer_id, &form).await {
            Ok(_) => {
                let target = format!("/dashboard/customers/{customer_id}/account?saved=agreement");
                Redirect::to(&target).into_response()
            }
            Err(e) if is_refusal(&e) && !matches!(e, ServiceError::NoRelationship(_)) => {
                let order: Vec<&str> = UPDATE_INPUTS.iter().map(|(_, id)| *id).collect();
                let (errors, status) = form_errors(&[e], UPDATE_INPUTS, &order);
                let form_page = format!("/dashboard/customers/{customer_id}/account?update=agreement#update");
                session::refused(&ctx, &signed_in, &form_page, &RefusedForm::new(status, &fields, &errors)).await
            }
            Err(e) => failed(&signed_in, &e),
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
    let signed_in = match signed_in::<SignedIn>(&ctx, &headers, &uri).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !board::may_invite(signed_in.caller()) {
        return needs_role(&signed_in, "Requesting a reseller relationship", "Admin agent or Sales agent");
    }
    let edited = query.get("emailText").filter(|t| !t.trim().is_empty());
    if query.repeated(&["dap"]).is_some() {
        let problem = "Include delegated administration privileges: dap is given more than once, and which one you \
                       meant cannot be told. Tick the box to include them or leave it clear, then select Update the link.";
        return dap_refused(&ctx, &signed_in, problem, edited).await;
    }
    let delegated_admin = match delegated_admin_asked(query.get("dap")) {
        Ok(asked) => asked,
        Err(NotTrueOrFalse(dap)) => {
            let problem = format!(
                "Include delegated administration privileges: dap is '{dap}', and it takes true or false. Tick the \
                 box to include them or leave it clear, then select Update the link."
            );
            return dap_refused(&ctx, &signed_in, &problem, edited).await;
        }
    };
    let link = match board::relationship_request(&ctx, &signed_in, delegated_admin) {
        Ok(link) => link,
        Err(e) => return failed(&signed_in, &e),
    };
    // "Update the link" keeps the text as edited, with the link's delegated-admin choice changed.
    let text = match edited {
        Some(edited) => with_dap(edited, delegated_admin),
        None => email_text(&signed_in.partner.name, &signed_in.user.display_name, &link),
    };
    let mailto = format!(
        "mailto:?{}",
        serde_urlencoded::to_string([("subject", "Request for a reseller relationship"), ("body", text.as_str())])
            .unwrap_or_default()
            .replace('+', "%20")
    );
    let content = pages::relationship(&pages::RelationshipPage {
        invitation: Some(pages::InvitationLink { link: &link, mailto: &mailto }),
        delegated_admin,
        email_text: Some(&text),
        errors: &FormErrors::default(),
    });
    as_partner(&ctx, &signed_in, async { page(&signed_in, StatusCode::OK, Some(INVITE), content) }).await
}

/// The relationship page for a `dap` that is neither true nor false: the choice is asked for
/// again at its box, with the text as edited, and no link is offered until it is made.
async fn dap_refused(ctx: &AppContext, signed_in: &SignedIn, problem: &str, edited: Option<&str>) -> Response {
    let errors = FormErrors::new(vec![FieldProblem::at("dap", problem)], &["dap"]);
    let content = pages::relationship(&pages::RelationshipPage {
        invitation: None,
        delegated_admin: false,
        email_text: edited,
        errors: &errors,
    });
    as_partner(ctx, signed_in, async { page(signed_in, StatusCode::BAD_REQUEST, Some(INVITE), content) }).await
}

/// An email text with its invitation link's `DAP=` set to the choice.
fn with_dap(text: &str, delegated_admin: bool) -> String {
    let value = if delegated_admin { "DAP=true" } else { "DAP=false" };
    text.replace("DAP=true", value).replace("DAP=false", value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_urls_stay_in_the_dashboard() {
        assert_eq!(SITE.safe_return_url(Some("/dashboard/customers?q=a")), "/dashboard/customers?q=a");
        for bad in
            ["https://evil.example", "//evil.example", "/\\evil", "/\t/evil", "/AdminPortal/Home", "", "/dashboard"]
        {
            assert_eq!(SITE.safe_return_url(Some(bad)), HOME, "{bad}");
        }
    }

    #[test]
    fn problems_name_the_form_labels() {
        let labelled = |problem: &str| SITE.wording.labelled(problem);
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
        assert_eq!(customer_form(&fields).attestation(), None);
        let typed = vec![("dateAgreed".to_string(), "2025-01-02".to_string())];
        let unchosen = customer_form(&typed);
        assert_eq!((unchosen.agreement, unchosen.confirmation.date_agreed.as_str()), (None, "2025-01-02"));
        let fields = vec![
            ("agreement".to_string(), "partner".to_string()),
            ("dateAgreed".to_string(), "2025-01-02".to_string()),
        ];
        assert_eq!(customer_form(&fields).attestation().map(|a| a.date_agreed.as_str()), Some("2025-01-02"));
    }

    #[test]
    fn a_confirmation_typed_under_the_other_choice_is_refused_at_its_field() {
        let fields = vec![
            ("agreement".to_string(), "customer".to_string()),
            ("accepterLastName".to_string(), "Lee".to_string()),
        ];
        let problems = customer_form(&fields).choice_problems();
        let (errors, _) = form_errors(&[ServiceError::Validation(problems)], WIZARD_INPUTS, pages::WIZARD_ORDER);
        let problem = &errors.problems()[0];
        assert_eq!(problem.field.as_deref(), Some("accepterLastName"));
        assert!(problem.message.contains("choose \"Customer has accepted\" or clear these fields"), "{problem:?}");
    }
}
