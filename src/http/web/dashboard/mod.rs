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
use crate::domain::identities::PartnerUser;
use crate::domain::ids::CustomerId;
use crate::http::edge::extract::QueryParams;
use crate::http::web::kit::forms::{field, form_fields, FormErrors};
use crate::http::web::kit::layout::{Account, Brand, Chrome, Content, NavLink};
use crate::http::web::kit::message::{error_page, site_message};
use crate::http::web::kit::page::site_page;
use crate::http::web::kit::refusal::{Refusal, Wording};
use crate::http::web::kit::session::{self, signed_in, signed_in_form, SiteSession};
use crate::http::web::kit::sign_in;
use crate::http::web::kit::site::Site;
use crate::service::dashboard::{self as board, AgreementChoice, AttestationForm, CustomerForm, EarlierSubmission};
use crate::service::dashboard_sessions::{self as sessions, SignedIn};
use crate::service::sign_in::SignIn;
use crate::service::web_sessions::WebSession;
use crate::service::{ErrorKind, ServiceError, ServiceResult};

const HOME: &str = "/dashboard/customers";
const INVITE: &str = "/dashboard/customers/relationship-request";
const SCRIPT: &str = "/dashboard/assets/dashboard.js";

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
            "Sign in with a partner user of this emulator: the development user, or one made with "
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
        .route("/dashboard", get(|| async { Redirect::to(HOME) }))
        .route("/dashboard/home", get(|| async { Redirect::to(HOME) }))
        .route(SITE.sign_in, get(sign_in::form::<SignedIn>).post(sign_in::submit::<SignedIn>))
        .route("/dashboard/signin/link", get(sign_in_with_link))
        .route(SITE.sign_out, post(session::sign_out::<SignedIn>))
        .route(HOME, get(customers))
        .route("/dashboard/customers/new", get(new_customer_form).post(new_customer_step))
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

/// A page of the signed-in user; `current` is its navigation entry.
fn page(signed_in: &SignedIn, status: StatusCode, current: Option<&'static str>, content: Content) -> Response {
    site_page(status, &signed_in.chrome(current), content)
}

/// A failure shown as a page, never as JSON.
fn failed(signed_in: &SignedIn, e: &ServiceError) -> Response {
    error_page(&SITE, Some(&signed_in.chrome(None)), e)
}

/// Run a page's work as the signed-in user's partner (its own clock and service date).
async fn as_partner<F: std::future::Future<Output = Response>>(signed_in: &SignedIn, work: F) -> Response {
    clock::as_partner(signed_in.partner.tenant_id.clone(), work).await
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
    let search = query.get("q").unwrap_or_default().to_string();
    let page_number = query.get("page").and_then(|p| p.trim().parse::<usize>().ok()).unwrap_or(1);
    as_partner(&signed_in, async {
        match board::customers(&ctx, &signed_in, &search, page_number).await {
            Ok(list) => {
                let may_add = board::may_add_customers(signed_in.caller());
                page(&signed_in, StatusCode::OK, Some(HOME), pages::customers(&list, &search, may_add))
            }
            Err(e) => failed(&signed_in, &e),
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
        let refused =
            ServiceError::RoleNotAllowed("adding customers needs an Admin agent, Sales agent or Global admin".into());
        return failed(&signed_in, &refused);
    }
    let submission = ctx.ids.secret(32);
    let form = CustomerForm::default();
    as_partner(&signed_in, async {
        let p =
            FormPage { form: &form, errors: &FormErrors::default(), submission: &submission, status: StatusCode::OK };
        render_new_customer(&ctx, &signed_in, p).await
    })
    .await
}

/// The wizard's one form target: `step` is `review` (Next: Review), `edit` (Back) or `submit`.
async fn new_customer_step(State(ctx): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let back = Uri::from_static("/dashboard/customers/new");
    let signed_in = match signed_in_form::<SignedIn>(&ctx, &headers, &back, &fields).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = customer_form(&fields);
    let submission = field(&fields, "submission").map(str::trim).filter(|s| !s.is_empty() && s.len() <= 64);
    let Some(submission) = submission.map(str::to_string) else {
        return site_message(
            &SITE,
            Some(&signed_in.chrome(Some(HOME))),
            StatusCode::BAD_REQUEST,
            "Form not valid",
            "This form has no submission id. Start again from Add customer.",
        );
    };
    let step = field(&fields, "step").unwrap_or("review").to_string();
    as_partner(&signed_in, async {
        // The form again, with what was refused in it.
        let form_again = |refused: &[ServiceError], submission: String| {
            let (ctx, signed_in, form) = (&ctx, &signed_in, &form);
            let (errors, status) = match refused {
                [] => (FormErrors::default(), StatusCode::OK),
                _ => form_errors(refused, WIZARD_INPUTS, pages::WIZARD_ORDER),
            };
            async move {
                let p = FormPage { form, errors: &errors, submission: &submission, status };
                render_new_customer(ctx, signed_in, p).await
            }
        };
        let confirmation =
            |submitted: &board::Submitted| page(&signed_in, StatusCode::OK, Some(HOME), pages::confirmation(submitted));
        match step.as_str() {
            "edit" => form_again(&[], submission).await,
            "submit" => match board::submit_new_customer(&ctx, &signed_in, &submission, &form).await {
                Ok(submitted) => confirmation(&submitted),
                // Nothing was kept under this submission: the corrected form is a new one.
                Err(e) if is_refusal(&e) => form_again(&[e], ctx.ids.secret(32)).await,
                Err(e) => failed(&signed_in, &e),
            },
            // Next: Review, or Back to the review after Submit: a form already submitted shows its
            // Confirmation again.
            _ => {
                let submission = match board::earlier_submission(&ctx, &signed_in, &submission, &form).await {
                    Ok(EarlierSubmission::Same(submitted)) => return confirmation(&submitted),
                    Ok(EarlierSubmission::None) => submission,
                    Ok(EarlierSubmission::OtherValues) => ctx.ids.secret(32),
                    Err(e) if is_refusal(&e) => return form_again(&[e], submission).await,
                    Err(e) => return failed(&signed_in, &e),
                };
                match board::review_new_customer(&ctx, &signed_in, &form).await {
                    Ok(review) => {
                        let csrf = &signed_in.session.csrf_token;
                        let content = pages::review(csrf, &form, &review, &submission);
                        page(&signed_in, StatusCode::OK, Some(HOME), content)
                    }
                    Err(refused) => match refused.iter().find(|e| !is_refusal(e)) {
                        Some(failure) => failed(&signed_in, failure),
                        None => form_again(&refused, submission).await,
                    },
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
    errors: &FormErrors,
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let view = match board::account(ctx, signed_in, customer_id).await {
        Ok(view) => view,
        Err(e) => return failed(signed_in, &e),
    };
    // The Update form opens with the primary contact and today's date.
    let update = update.map(|values| {
        let mut values = values.or_contact(&view.primary_contact);
        if values.date_agreed.trim().is_empty() && errors.is_empty() {
            values.date_agreed = view.today.to_string();
        }
        values
    });
    let csrf = &signed_in.session.csrf_token;
    let content = pages::account(&pages::AccountPage { csrf, view: &view, update: update.as_ref(), errors, notice });
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
    let update = (query.get("update") == Some("agreement")).then(AttestationForm::default);
    let notice = (query.get("saved") == Some("agreement")).then_some("Your confirmation was saved.");
    let none = FormErrors::default();
    as_partner(&signed_in, render_account(&ctx, &signed_in, &customer_id, update, &none, notice, StatusCode::OK)).await
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
    let signed_in = match signed_in_form::<SignedIn>(&ctx, &headers, &back, &fields).await {
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
                let order: Vec<&str> = UPDATE_INPUTS.iter().map(|(_, id)| *id).collect();
                let (errors, status) = form_errors(&[e], UPDATE_INPUTS, &order);
                render_account(&ctx, &signed_in, &customer_id, Some(form.clone()), &errors, None, status).await
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
    let delegated_admin = query.get("dap").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let link = match board::relationship_request(&ctx, &signed_in, delegated_admin) {
        Ok(link) => link,
        Err(e) => return failed(&signed_in, &e),
    };
    let text = email_text(&signed_in.partner.name, &signed_in.user.display_name, &link);
    let mailto = format!(
        "mailto:?{}",
        serde_urlencoded::to_string([("subject", "Request for a reseller relationship"), ("body", text.as_str())])
            .unwrap_or_default()
            .replace('+', "%20")
    );
    let content = pages::relationship(&pages::RelationshipPage {
        link: &link,
        delegated_admin,
        email_text: &text,
        mailto: &mailto,
    });
    page(&signed_in, StatusCode::OK, Some(INVITE), content)
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
