//! The emulated Microsoft 365 admin center: the customer's side of the agreement flows. A
//! customer's admin signs in; the kit keeps the session (cookie `pce_session`), checks every
//! form's token and only ever returns to pages of this site.

mod pages;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use maud::html;

use crate::app::{AppContext, AppState};
use crate::domain::contact::ContactInput;
use crate::domain::customers::Customer;
use crate::domain::ids::PartnerId;
use crate::domain::partners::{delegated_admin_asked, NotTrueOrFalse};
use crate::http::edge::extract::QueryParams;
use crate::http::web::kit::forms::{field, form_fields, nul_problems, FieldProblem, FormErrors, RefusedForm};
use crate::http::web::kit::layout::{Account, Brand, Chrome, Content, NavLink};
use crate::http::web::kit::message::{error_page, site_message};
use crate::http::web::kit::page::{site_page, to_home_keeping_query};
use crate::http::web::kit::refusal::{Refusal, Wording};
use crate::http::web::kit::session::{self, signed_in, signed_in_form, SiteSession};
use crate::http::web::kit::sign_in;
use crate::http::web::kit::site::Site;
use crate::service::admin_center::{self as center, InvitationOutcome};
use crate::service::sign_in::SignIn;
use crate::service::web_sessions::WebSession;
use crate::service::ServiceResult;
use pages::PersonFields;

const HOME: &str = "/AdminPortal/Home";
const AGREEMENT: &str = "/AdminPortal/Home?ref=/BillingAccounts/agreement";
const PARTNERS: &str = "/AdminPortal/Partners";

pub const SITE: Site = Site {
    brand: Brand { name: "Microsoft 365 admin center", home: HOME, title: "Microsoft 365 admin center (emulated)" },
    prefix: "/AdminPortal/",
    home_label: "Go to the admin center home",
    sign_in: "/AdminPortal/SignIn",
    sign_out: "/AdminPortal/SignOut",
    session_cookie: "pce_session",
    sign_in_cookie: "pce_signin_csrf",
    sign_in_heading: "Sign in",
    sign_in_intro: || {
        html! {
            "Use the credentials your partner gave you when it created your account: the admin user and password "
            "that " code { "POST /v1/customers" } " answers (" code { "userCredentials" } ") and the dashboard's "
            "Confirmation shows. This development emulator has no fixed customer: each customer's admin is made with it."
        }
    },
    not_found_note: Some(
        "Start from the admin center's home page (you are asked to sign in first, with the admin user's \
         credentials returned when the customer was created), or from the emulator's home page.",
    ),
    script: None,
    wording: Wording {
        labels: &[
            ("firstName", "First name"),
            ("lastName", "Last name"),
            ("email", "Email address"),
            ("phoneNumber", "Phone number"),
            ("accept", "Acceptance"),
        ],
        codes: false,
    },
};

const NAV: &[NavLink] = &[
    NavLink { label: "Home", href: HOME },
    NavLink { label: "Agreement", href: AGREEMENT },
    NavLink { label: "Partners", href: PARTNERS },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/AdminPortal", get(|uri: Uri| async move { to_home_keeping_query(HOME, &uri) }))
        .route(HOME, get(home))
        .route(SITE.sign_in, get(sign_in::form::<Admin>).post(sign_in::submit::<Admin>))
        .route(SITE.sign_out, post(session::sign_out::<Admin>))
        .route("/AdminPortal/Agreement/Accept", post(accept_agreement))
        .route("/AdminPortal/Invitation/Accept", post(accept_invitation_form))
        .route(PARTNERS, get(partners))
        .route("/AdminPortal/Partners/{partner_id}", get(partner_details))
}

/// A customer's admin signed in to the admin center.
pub struct Admin {
    session: WebSession,
    customer: Customer,
}

impl SiteSession for Admin {
    const SITE: &'static Site = &SITE;
    type Account = Customer;

    async fn find(ctx: &AppContext, cookie: &str, now: DateTime<Utc>) -> ServiceResult<Option<Admin>> {
        Ok(center::session_for(ctx, cookie, now).await?.map(|(session, customer)| Admin { session, customer }))
    }

    fn session(&self) -> &WebSession {
        &self.session
    }

    fn chrome(&self, current: Option<&'static str>) -> Chrome<'_> {
        let account = Account {
            name: self.customer.admin_user_name.clone(),
            csrf: &self.session.csrf_token,
            sign_out: SITE.sign_out,
        };
        Chrome { brand: &SITE.brand, account: Some(account), nav: NAV, current, script: SITE.script }
    }

    async fn authenticate(ctx: &AppContext, user_name: &str, password: &str) -> ServiceResult<SignIn<Customer>> {
        center::authenticate(ctx, user_name, password).await
    }

    async fn start(ctx: &AppContext, customer: &Customer) -> ServiceResult<String> {
        Ok(center::start_session(ctx, customer).await?.0)
    }
}

impl Admin {
    fn page(&self, status: StatusCode, current: Option<&'static str>, content: Content) -> Response {
        site_page(status, &self.chrome(current), content)
    }

    fn error_page(&self, e: &crate::service::ServiceError) -> Response {
        error_page(&SITE, Some(&self.chrome(None)), e)
    }
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

/// The inputs of the accepting forms for the fields their refusals name (the same names).
const INPUTS: &[(&str, &str)] =
    &[("firstName", "firstName"), ("lastName", "lastName"), ("email", "email"), ("phoneNumber", "phoneNumber")];

/// An accepting form's problems, all at once: a NUL in a field (refused at the field, never
/// dropped), else the person's (when the form asks for one), and the box when it was left unticked.
fn form_problems(fields: &[(String, String)], input: Option<&ContactInput>, tick: &str) -> FormErrors {
    let mut problems = nul_problems(fields, SITE.wording.labels);
    if let (true, Some(input)) = (problems.is_empty(), input) {
        let refused: Vec<crate::service::ServiceError> =
            center::person_problems(input).map(crate::service::ServiceError::Validation).into_iter().collect();
        problems.extend(refused.iter().flat_map(|e| Refusal::of(e, &SITE.wording).field_problems(INPUTS)));
    }
    if field(fields, "accept") != Some("true") {
        problems.push(FieldProblem::at("accept", tick));
    }
    FormErrors::new(problems, pages::ORDER)
}

fn refused(e: &crate::service::ServiceError) -> (FormErrors, StatusCode) {
    let refusal = Refusal::of(e, &SITE.wording);
    (FormErrors::new(refusal.field_problems(INPUTS), pages::ORDER), refusal.status)
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
    let admin = match signed_in::<Admin>(&ctx, &headers, &uri).await {
        Ok(admin) => admin,
        Err(redirect) => return redirect,
    };
    let reference = query.get("ref").unwrap_or_default().to_ascii_lowercase();
    // After a refused Accept (post/redirect/get): the form as typed, its problems at its fields.
    let (person, errors, status) = match session::refused_form(&ctx, &admin, uri.path(), query.get("form")).await {
        Ok(Some(kept)) => (person_from_form(&kept.values).0, kept.errors(pages::ORDER), kept.status()),
        Ok(None) => (person_from_profile(&admin.customer), FormErrors::default(), StatusCode::OK),
        Err(failed) => return failed,
    };
    // Before `invType` is read: `invType=Other&invType=ResellerRelationship` is no invitation to pass over.
    if let Some(name) = query.repeated(&INVITATION_PARAMETERS) {
        return invitation_not_valid(&admin, &given_twice(name));
    }
    if query.get("invType").is_some_and(|t| t.eq_ignore_ascii_case("ResellerRelationship")) {
        let partner_id = query.get("partnerId").unwrap_or_default().to_string();
        let delegated_admin = match delegated_admin_asked(query.get("DAP")) {
            Ok(asked) => asked,
            Err(dap) => return invitation_not_valid(&admin, &not_true_or_false(&dap)),
        };
        let invitation = Invitation { partner_id: &partner_id, delegated_admin };
        return invitation_page(&ctx, &admin, invitation, person, &errors, status).await;
    }
    if reference.trim_end_matches('/') == "/billingaccounts/agreement" {
        return agreement_page(&ctx, &admin, person, &errors, status).await;
    }
    if reference.starts_with("/billingaccounts/partner") {
        return Redirect::to(PARTNERS).into_response();
    }
    admin.page(StatusCode::OK, Some(HOME), pages::home(&admin.customer))
}

async fn agreement_page(
    ctx: &AppContext,
    admin: &Admin,
    person: PersonFields,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    match center::agreement_view(ctx, &admin.customer).await {
        Ok(view) => {
            let csrf = &admin.session.csrf_token;
            let page = pages::AgreementPage { customer: &admin.customer, csrf, view: &view, person, errors };
            admin.page(status, Some(AGREEMENT), pages::agreement(&page))
        }
        Err(e) => admin.error_page(&e),
    }
}

/// The invitation a link names: its partner and whether it asks for delegated admin privileges.
#[derive(Clone, Copy)]
struct Invitation<'a> {
    partner_id: &'a str,
    delegated_admin: bool,
}

/// The parameters an invitation link names, each once: one given twice, in any letter case, leaves
/// what the partner meant untold. (Its form's fields, each once, are every form's rule:
/// `kit::forms::repeated_field`.)
const INVITATION_PARAMETERS: [&str; 4] = ["invType", "partnerId", "msppId", "DAP"];

fn given_twice(name: &str) -> String {
    format!("it gives {name} more than once, and which one the partner meant cannot be told")
}

fn not_true_or_false(dap: &NotTrueOrFalse) -> String {
    format!(
        "its DAP is '{}', and DAP takes true or false (true: the partner asks for delegated admin privileges; \
         false: it does not)",
        dap.0
    )
}

/// The page of an invitation link that cannot be read (`why`): whether the partner asks for
/// delegated admin privileges, or who the partner is, cannot be told, so the link offers nothing
/// to accept.
fn invitation_not_valid(admin: &Admin, why: &str) -> Response {
    let text = format!("This invitation link is not valid: {why}. Ask the partner for the link again.");
    site_message(&SITE, Some(&admin.chrome(None)), StatusCode::BAD_REQUEST, "Invitation not valid", &text)
}

/// The invitation page's address, for the partner and the `DAP` its form names.
fn invitation_uri(partner_id: &str, dap: &str) -> Uri {
    let query = [("invType", "ResellerRelationship"), ("partnerId", partner_id), ("DAP", dap)];
    format!("{HOME}?{}", serde_urlencoded::to_string(query).unwrap_or_default())
        .parse()
        .unwrap_or_else(|_| Uri::from_static(HOME))
}

async fn invitation_page(
    ctx: &AppContext,
    admin: &Admin,
    invitation: Invitation<'_>,
    person: PersonFields,
    errors: &FormErrors,
    status: StatusCode,
) -> Response {
    match center::invitation_view(ctx, &admin.customer, invitation.partner_id).await {
        Ok(Some(view)) => {
            let csrf = &admin.session.csrf_token;
            let delegated_admin = invitation.delegated_admin;
            let page =
                pages::InvitationPage { customer: &admin.customer, csrf, view: &view, person, errors, delegated_admin };
            admin.page(status, None, pages::invitation(&page))
        }
        Ok(None) => site_message(
            &SITE,
            Some(&admin.chrome(None)),
            StatusCode::NOT_FOUND,
            "Invitation not valid",
            "This invitation link is not valid: the partner does not exist.",
        ),
        Err(e) => admin.error_page(&e),
    }
}

async fn accept_agreement(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let back = Uri::from_static(AGREEMENT);
    let admin = match signed_in_form::<Admin>(&ctx, &headers, &back, &fields).await {
        Ok(admin) => admin,
        Err(refused) => return refused,
    };
    let (_, input) = person_from_form(&fields);
    let errors = form_problems(&fields, Some(&input), "Tick the box to accept the Microsoft Customer Agreement.");
    if !errors.is_empty() {
        let kept = RefusedForm::new(StatusCode::BAD_REQUEST, &fields, &errors);
        return session::refused(&ctx, &admin, AGREEMENT, &kept).await;
    }
    match center::accept_agreement(&ctx, &admin.customer, &input).await {
        Ok(_) => Redirect::to(AGREEMENT).into_response(),
        Err(e) => {
            let (errors, status) = refused(&e);
            session::refused(&ctx, &admin, AGREEMENT, &RefusedForm::new(status, &fields, &errors)).await
        }
    }
}

async fn accept_invitation_form(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let partner_id = field(&fields, "partnerId").unwrap_or_default().to_string();
    let asked = delegated_admin_asked(field(&fields, "DAP"));
    let dap = match &asked {
        Ok(asked) => asked.to_string(),
        Err(NotTrueOrFalse(sent)) => sent.clone(),
    };
    let back = invitation_uri(&partner_id, &dap);
    let admin = match signed_in_form::<Admin>(&ctx, &headers, &back, &fields).await {
        Ok(admin) => admin,
        Err(refused) => return refused,
    };
    let delegated_admin = match asked {
        Ok(asked) => asked,
        Err(dap) => return invitation_not_valid(&admin, &not_true_or_false(&dap)),
    };
    let (_, input) = person_from_form(&fields);
    let back = back.to_string();
    // A customer that accepted the agreement itself is asked for the relationship only (the page
    // shows no person). A form that names one is the person's acceptance: the service takes it
    // when it is the one on record (the form sent twice) and refuses another.
    let names_person = INPUTS.iter().any(|(input, _)| field(&fields, input).is_some());
    let accepted = !names_person
        && match center::accepted_directly(&ctx, &admin.customer).await {
            Ok(accepted) => accepted.is_some(),
            Err(e) => return admin.error_page(&e),
        };
    let errors = if accepted {
        form_problems(&fields, None, "Tick the box to authorize the partner.")
    } else {
        form_problems(
            &fields,
            Some(&input),
            "Tick the box to authorize the partner and accept the Microsoft Customer Agreement.",
        )
    };
    if !errors.is_empty() {
        let kept = RefusedForm::new(StatusCode::BAD_REQUEST, &fields, &errors);
        return session::refused(&ctx, &admin, &back, &kept).await;
    }
    let person = names_person.then_some(&input);
    match center::accept_invitation(&ctx, &admin.customer, &partner_id, delegated_admin, person).await {
        // The invitation's page says what became of it (accepted, or a partner that does not exist).
        Ok(InvitationOutcome::Accepted | InvitationOutcome::UnknownPartner) => Redirect::to(&back).into_response(),
        Err(e) => {
            let (errors, status) = refused(&e);
            session::refused(&ctx, &admin, &back, &RefusedForm::new(status, &fields, &errors)).await
        }
    }
}

async fn partners(State(ctx): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let admin = match signed_in::<Admin>(&ctx, &headers, &uri).await {
        Ok(admin) => admin,
        Err(redirect) => return redirect,
    };
    match center::partners(&ctx, &admin.customer).await {
        Ok(list) => admin.page(StatusCode::OK, Some(PARTNERS), pages::partners(&list)),
        Err(e) => admin.error_page(&e),
    }
}

async fn partner_details(
    State(ctx): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(partner_id): Path<PartnerId>,
) -> Response {
    let admin = match signed_in::<Admin>(&ctx, &headers, &uri).await {
        Ok(admin) => admin,
        Err(redirect) => return redirect,
    };
    match center::partner_details(&ctx, &admin.customer, &partner_id).await {
        Ok(Some((partner, confirmations))) => {
            admin.page(StatusCode::OK, Some(PARTNERS), pages::partner_details(&partner, &confirmations))
        }
        Ok(None) => site_message(
            &SITE,
            Some(&admin.chrome(None)),
            StatusCode::NOT_FOUND,
            "Partner not found",
            "You don't work with this partner.",
        ),
        Err(e) => admin.error_page(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_urls_stay_on_this_site() {
        assert_eq!(SITE.safe_return_url(Some("/AdminPortal/Home?ref=/x")), "/AdminPortal/Home?ref=/x");
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
            assert_eq!(SITE.safe_return_url(Some(bad)), "/AdminPortal/Home", "{bad}");
        }
        assert_eq!(SITE.safe_return_url(None), "/AdminPortal/Home");
    }
}
