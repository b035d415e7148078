//! The customer's side, as the emulated Microsoft 365 admin center sees it: signing in, what the
//! agreement and invitation pages show, and accepting the reseller relationship together with
//! the agreement.

use chrono::{DateTime, Utc};

use super::acceptance::accept_directly;
use super::documents::{customer_document_link, document_uris};
use super::error::{ServiceError, ServiceResult};
use super::passwords::{decoy_hash, off_thread, verify_password};
use super::sign_in::{sign_in, SignIn};
use super::timeline::service_date;
use super::unit::in_unit;
use super::web_sessions::{self, Signer, WebSession};
use crate::app::AppContext;
use crate::domain::agreements::{Agreement, AgreementSource, AgreementType, DirectAcceptanceInput};
use crate::domain::contact::ContactInput;
use crate::domain::customers::Customer;
use crate::domain::ids::PartnerId;
use crate::domain::orders::mca_signed_directly;
use crate::domain::partners::{Partner, RelatedPartner};
use crate::store::UnitOfWork;

/// Check the customer admin's credentials, under the sign-in lockout. Unknown users are checked
/// against a decoy hash, so the answer (and its timing) does not reveal whether the user exists.
pub async fn authenticate(ctx: &AppContext, user_name: &str, password: &str) -> ServiceResult<SignIn<Customer>> {
    sign_in(ctx, user_name, async {
        let customer = ctx.store.customer_by_admin_user(user_name).await?;
        // The decoy is made on first use, as any hash is: off the async workers, in its turn.
        let hash = customer.as_ref().map(|c| c.admin_password_hash.clone());
        let password = password.to_string();
        let matches = off_thread(move || match &hash {
            Some(hash) => verify_password(&password, hash),
            None => verify_password(&password, decoy_hash()),
        })
        .await;
        Ok(customer.filter(|_| matches))
    })
    .await
}

/// Start a session for the customer's admin; returns the cookie value and the session.
pub async fn start_session(ctx: &AppContext, customer: &Customer) -> ServiceResult<(String, WebSession)> {
    web_sessions::start(ctx, Signer::CustomerAdmin(customer.id.clone())).await
}

/// The live session and its customer for a cookie value, if any (none for a session of another
/// site's signer, or of a customer a reset removed).
pub async fn session_for(
    ctx: &AppContext,
    cookie: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Option<(WebSession, Customer)>> {
    let Some(session) = web_sessions::live(ctx, cookie, now).await? else { return Ok(None) };
    let Signer::CustomerAdmin(customer_id) = &session.signer else { return Ok(None) };
    Ok(ctx.store.customer(customer_id).await?.map(|c| (session, c)))
}

/// What the agreement page shows: the document, the customer's own acceptance (one that still
/// counts on the service date), and the partners' confirmations with the name of each partner.
pub struct AgreementView {
    pub document_uri: String,
    pub direct: Option<Agreement>,
    pub confirmations: Vec<(Agreement, String)>,
}

pub async fn agreement_view(ctx: &AppContext, customer: &Customer) -> ServiceResult<AgreementView> {
    let agreements = ctx.store.agreements(&customer.id).await?;
    let document_uri = document_uris(ctx, &customer_document_link(ctx, customer).await?).display;
    let is_mca = |a: &Agreement| a.agreement_type == AgreementType::MicrosoftCustomerAgreement;
    let mut confirmations = Vec::new();
    for a in agreements.iter().filter(|a| is_mca(a) && a.source == AgreementSource::PartnerConfirmation) {
        let name = match &a.partner_tenant_id {
            Some(id) => ctx.store.partner(id).await?.map_or_else(|| id.clone(), |p| p.name),
            None => "your partner".into(),
        };
        confirmations.push((a.clone(), name));
    }
    let direct = mca_signed_directly(&agreements, service_date(ctx).await?).cloned();
    Ok(AgreementView { document_uri, direct, confirmations })
}

/// Whether the customer's own acceptance on record is `person`'s (the same name, email and phone,
/// as the duplicate rule compares them).
async fn accepted_by(ctx: &AppContext, customer: &Customer, person: &ContactInput) -> ServiceResult<bool> {
    let Ok(person) = crate::domain::contact::Contact::parse(person, "") else { return Ok(false) };
    let accepted = accepted_directly(ctx, customer).await?;
    Ok(accepted.is_some_and(|a| a.contact.identity_key() == person.identity_key()))
}

/// The customer's own acceptance of the agreement that counts on the service date, if it made one.
pub async fn accepted_directly(ctx: &AppContext, customer: &Customer) -> ServiceResult<Option<Agreement>> {
    let agreements = ctx.store.agreements(&customer.id).await?;
    Ok(mca_signed_directly(&agreements, service_date(ctx).await?).cloned())
}

/// What the invitation page shows: the inviting partner, whether the customer already works with
/// it, and the document.
pub struct InvitationView {
    pub partner: Partner,
    pub already_related: bool,
    /// The relationship the customer already has with the partner holds delegated admin privileges.
    pub holds_delegated_admin: bool,
    pub document_uri: String,
    /// The customer's own acceptance of the agreement, when it made one: the invitation then asks
    /// for the relationship only, not for a person to accept again.
    pub accepted_directly: Option<Agreement>,
}

/// `None` when the invitation names no existing partner.
pub async fn invitation_view(
    ctx: &AppContext,
    customer: &Customer,
    partner_id: &str,
) -> ServiceResult<Option<InvitationView>> {
    let Some(partner) = ctx.store.partner(partner_id).await? else { return Ok(None) };
    let related = ctx.store.related_partners(&customer.id).await?;
    let relationship = related.iter().find(|r| r.partner.tenant_id == partner.tenant_id);
    let (already_related, holds_delegated_admin) =
        (relationship.is_some(), relationship.is_some_and(|r| r.delegated_admin));
    let document_uri = document_uris(ctx, &customer_document_link(ctx, customer).await?).display;
    let accepted_directly = accepted_directly(ctx, customer).await?;
    Ok(Some(InvitationView { partner, already_related, holds_delegated_admin, document_uri, accepted_directly }))
}

/// The partners the customer works with, each with what the customer granted it.
pub async fn partners(ctx: &AppContext, customer: &Customer) -> ServiceResult<Vec<RelatedPartner>> {
    Ok(ctx.store.related_partners(&customer.id).await?)
}

/// One partner the customer works with and its confirmations; `None` when it does not work with it.
pub async fn partner_details(
    ctx: &AppContext,
    customer: &Customer,
    partner_id: &PartnerId,
) -> ServiceResult<Option<(RelatedPartner, Vec<Agreement>)>> {
    let related = ctx.store.related_partners(&customer.id).await?;
    let Some(related) = related.into_iter().find(|r| r.partner.tenant_id == partner_id.as_str()) else {
        return Ok(None);
    };
    let partner = &related.partner;
    let confirmations = ctx
        .store
        .agreements(&customer.id)
        .await?
        .into_iter()
        .filter(|a| a.partner_tenant_id.as_deref() == Some(partner.tenant_id.as_str()))
        .collect();
    Ok(Some((related, confirmations)))
}

/// The customer accepts the agreement on its agreement page.
/// What is wrong with the person a form names as accepting (the direct acceptance's rule), to
/// say beside the form's other problems; None when nothing is.
pub fn person_problems(person: &ContactInput) -> Option<Vec<String>> {
    crate::domain::contact::Contact::parse(person, "").err()
}

pub async fn accept_agreement(
    ctx: &AppContext,
    customer: &Customer,
    person: &ContactInput,
) -> ServiceResult<Agreement> {
    in_unit!(ctx, |unit| accept_now(ctx, unit, customer, person).await).await
}

async fn accept_now(
    ctx: &AppContext,
    unit: &mut UnitOfWork,
    customer: &Customer,
    person: &ContactInput,
) -> ServiceResult<Agreement> {
    accept_directly(ctx, unit, customer, DirectAcceptanceInput { person, date_agreed: None }).await
}

/// What became of an invitation the customer accepted.
pub enum InvitationOutcome {
    /// The relationship exists, and the customer's acceptance of the agreement (made now, or
    /// earlier by the customer itself).
    Accepted,
    /// The invitation names no existing partner.
    UnknownPartner,
}

/// Accept a partner's reseller-relationship invitation together with the Microsoft Customer
/// Agreement. The agreement rules run first: when they refuse, no relationship is created.
/// A customer that already accepted directly just gains the relationship, and names no person
/// (`person` None): one named then is refused, as it would be recorded nowhere, unless it is the
/// person on record (the same form sent twice). With
/// `delegated_admin` (the invitation's `DAP=true`), the partner also gains delegated admin
/// privileges; without, the relationship is a reseller's only (an existing one keeps what it had).
pub async fn accept_invitation(
    ctx: &AppContext,
    customer: &Customer,
    partner_id: &str,
    delegated_admin: bool,
    person: Option<&ContactInput>,
) -> ServiceResult<InvitationOutcome> {
    let Some(partner) = ctx.store.partner(partner_id).await? else { return Ok(InvitationOutcome::UnknownPartner) };
    let now = ctx.clock.now().await?;
    in_unit!(ctx, |unit| {
        match person {
            // A person named for an agreement already accepted would be recorded nowhere: refused
            // (`AlreadyAcceptedDirectly`), as the agreement page refuses a second acceptance.
            Some(person) => match accept_now(ctx, unit, customer, person).await {
                Ok(_) => {}
                // The same person's acceptance is on record (this form sent twice): what is left
                // to make is the relationship. Another person's is refused.
                Err(ServiceError::AlreadyAcceptedDirectly) if accepted_by(ctx, customer, person).await? => {}
                Err(e) => return Err(e),
            },
            None if accepted_directly(ctx, customer).await?.is_some() => {}
            None => {
                return Err(ServiceError::Validation(vec![
                    "the person accepting the Microsoft Customer Agreement is required".into(),
                ]))
            }
        }
        unit.add_relationship(&customer.id, &partner.tenant_id, now, delegated_admin).await?;
        Ok(InvitationOutcome::Accepted)
    })
    .await
}
