//! The partner's side, as the emulated Partner Center dashboard sees it: the customer list
//! (`customers`), a customer's Account page with its agreement section (`account`), the Add
//! customer wizard (`add_customer`), and the reseller-relationship invitation. Every action goes
//! through the same use cases, permission rules and units of work as the API; what a page may offer
//! follows from the same decisions, made here.

mod account;
mod add_customer;
mod customers;

pub use account::{account, attest, AcceptanceEntry, AccountView, AttestationForm};
pub use add_customer::{
    admin_center_links, draft, earlier_submission, refused_for_its_submission_id, review_new_customer, save_draft,
    submission, submit_new_customer, AdminCenterLinks, AgreementChoice, CustomerForm, EarlierSubmission, Review,
    Submitted, CUSTOMER_WILL_ACCEPT, LANGUAGES, PARTNER_CONFIRMS,
};
pub use customers::{customers, CustomerList, CustomerRow, PAGE_SIZE};

use chrono::NaiveDate;

use super::acceptance::live_confirmation_open;
use super::access::{ops, permit};
use super::customers::invitation_url;
use super::dashboard_sessions::SignedIn;
use super::error::{ServiceError, ServiceResult};
use crate::app::AppContext;
use crate::auth::Caller;

/// What the signed-in user may do about a customer's agreement: one decision, from the same
/// permission rule as the API's 2023 confirmation and the service date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttestationControl {
    /// The user may attest (the wizard's first choice, the Account page's Update).
    Open,
    /// The user's roles don't include Admin agent or Sales agent.
    NotForRole,
    /// Indirect resellers can't attest: their indirect provider (named) must.
    IndirectReseller { provider: String },
    /// On this service date the 2023 attestation is retired: attestation goes through the
    /// enhanced attestation API.
    Retired { service_date: String },
}

pub async fn attestation_control(ctx: &AppContext, caller: &Caller) -> ServiceResult<AttestationControl> {
    match permit::<ops::ConfirmAcceptance>(caller) {
        Ok(_) => {}
        Err(ServiceError::IndirectResellerCannotAttest) => {
            let provider = match &caller.partner.indirect_provider_id {
                Some(id) => ctx.store.partner(id).await?.map_or_else(|| id.clone(), |p| p.name),
                None => "your indirect provider".to_string(),
            };
            return Ok(AttestationControl::IndirectReseller { provider });
        }
        Err(ServiceError::RoleNotAllowed(_) | ServiceError::AppUserTokenRequired) => {
            return Ok(AttestationControl::NotForRole)
        }
        Err(e) => return Err(e),
    }
    match live_confirmation_open(ctx).await {
        Ok(()) => Ok(AttestationControl::Open),
        Err(ServiceError::LegacyAttestationRetired { service_date }) => {
            Ok(AttestationControl::Retired { service_date })
        }
        Err(e) => Err(e),
    }
}

/// Why the dates on a page may surprise: a pinned service date, a partner's own setting, or an
/// emulator clock moved away from real time. None when the service date is the clock's day and
/// the clock is real time.
pub struct ClockNote {
    /// The day whose rules are in force.
    pub service_date: NaiveDate,
    /// The emulator clock's today (what "not later than today" means).
    pub today: NaiveDate,
    pub pinned: bool,
    /// The partner's own setting (shared environments).
    pub partner_setting: bool,
    /// The clock is not real time (moved, frozen, or the partner's own).
    pub clock_moved: bool,
}

pub async fn clock_note(ctx: &AppContext) -> ServiceResult<Option<ClockNote>> {
    let timeline = super::timeline::timeline(ctx).await?;
    let now = ctx.clock.now().await?;
    let pinned = matches!(timeline.setting, crate::domain::timeline::ServiceDateSetting::Pinned(_));
    let partner_setting = timeline.source == super::timeline::SettingSource::Partner;
    let clock_moved = (now - chrono::Utc::now()).num_seconds().abs() > 60;
    if !(pinned || partner_setting || clock_moved) {
        return Ok(None);
    }
    let service_date = timeline.service_date.date();
    Ok(Some(ClockNote { service_date, today: now.date_naive(), pinned, partner_setting, clock_moved }))
}

/// The emulator clock's today (for the date fields' hints).
pub async fn today(ctx: &AppContext) -> ServiceResult<NaiveDate> {
    Ok(ctx.clock.now().await?.date_naive())
}

/// Whether the user may add customers (the API's customer-creation rule).
pub fn may_add_customers(caller: &Caller) -> bool {
    permit::<ops::CreateCustomer>(caller).is_ok()
}

/// Whether the user may read customers' agreements (the API's rule for their list): what the API
/// refuses a user, the pages do not show either, the agreement's state at a glance included.
pub fn may_read_agreements(caller: &Caller) -> bool {
    permit::<ops::ListCustomerAgreements>(caller).is_ok()
}

/// Whether the user may send reseller-relationship invitations (the API's rule for the link).
pub fn may_invite(caller: &Caller) -> bool {
    permit::<ops::GetRelationshipRequest>(caller).is_ok()
}

/// The invitation link of **Request a reseller relationship** (the API's
/// `GET /v1/customers/relationshiprequests`, with the delegated-admin choice).
pub fn relationship_request(ctx: &AppContext, signed_in: &SignedIn, delegated_admin: bool) -> ServiceResult<String> {
    let permit = permit::<ops::GetRelationshipRequest>(signed_in.caller())?;
    Ok(invitation_url(ctx, &permit.caller().partner.tenant_id, delegated_admin))
}

/// The API's field name of each text a dashboard form holds (its member, as the form serializes),
/// so that a refusal is worded at the field's label.
const FORM_FIELDS: &[(&str, &str)] = &[
    ("company_name", "companyProfile.companyName"),
    ("domain", "companyProfile.domain"),
    ("first_name", "billingProfile.defaultAddress.firstName"),
    ("last_name", "billingProfile.defaultAddress.lastName"),
    ("email", "billingProfile.email"),
    ("phone_number", "billingProfile.defaultAddress.phoneNumber"),
    ("address_line1", "billingProfile.defaultAddress.addressLine1"),
    ("address_line2", "billingProfile.defaultAddress.addressLine2"),
    ("city", "billingProfile.defaultAddress.city"),
    ("state", "billingProfile.defaultAddress.state"),
    ("postal_code", "billingProfile.defaultAddress.postalCode"),
    ("country", "billingProfile.defaultAddress.country"),
    ("language", "billingProfile.language"),
    ("attestation.first_name", "primaryContact.firstName"),
    ("attestation.last_name", "primaryContact.lastName"),
    ("attestation.email", "primaryContact.email"),
    ("attestation.phone_number", "primaryContact.phoneNumber"),
    ("attestation.date_agreed", "dateAgreed"),
];

/// A form's texts holding a NUL character are refused, each named, as the API refuses them in a
/// body (no stored text may hold one); `within` prefixes the members of a nested form.
fn refuse_nul<T: serde::Serialize>(form: &T, within: &str) -> ServiceResult<()> {
    let Ok(serde_json::Value::Object(members)) = serde_json::to_value(form) else { return Ok(()) };
    let mut problems = Vec::new();
    let mut visit = |path: String, value: &serde_json::Value| {
        if value.as_str().is_some_and(|text| text.contains('\0')) {
            let field = FORM_FIELDS.iter().find(|(member, _)| *member == path).map_or(path.as_str(), |(_, api)| api);
            problems.push(format!("{field}: {}", crate::domain::text::NUL_PROBLEM));
        }
    };
    for (name, value) in &members {
        match value {
            serde_json::Value::Object(nested) => {
                for (inner, value) in nested {
                    visit(format!("{within}{name}.{inner}"), value);
                }
            }
            value => visit(format!("{within}{name}"), value),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Validation(problems))
    }
}
