//! Customers: creating one (profile rules, the associated reseller, credentials,
//! relationships), listing and reading them, and the reseller-relationship invitation.

use super::access::{customer_of_partner, ops, permitted, Permit};
use super::error::{ServiceError, ServiceResult};
use super::passwords::hash_password_off_thread;
use crate::app::AppContext;
use crate::domain::customer_search::CustomerFilter;
use crate::domain::customers::{
    check_associated_partner, validate_customer_profile, AssociatedPartnerError, BillingProfile, CompanyProfileInput,
    Customer, CustomerOfPartner,
};
use crate::domain::ids::{CustomerId, PartnerId};
use crate::domain::paging::{self, Continuation, TokenProblem};
use crate::domain::permissions::Operation;
use crate::ids::IdKind;
use crate::store::{StoreError, UnitOfWork};

pub struct NewCustomer {
    pub company_profile: Option<CompanyProfileInput>,
    pub billing_profile: Option<BillingProfile>,
    pub associated_partner_id: Option<String>,
    /// The first admin's password; generated when None (only seed files choose one).
    pub password: Option<String>,
}

/// The created customer and the first admin's password (returned once, stored only hashed).
pub struct CreatedCustomer {
    pub customer: Customer,
    pub password: String,
}

/// `POST /v1/customers`
pub async fn create_customer(
    ctx: &AppContext,
    permit: &Permit<'_, ops::CreateCustomer>,
    unit: &mut UnitOfWork,
    input: NewCustomer,
) -> ServiceResult<CreatedCustomer> {
    let caller = permit.caller();
    let associated_id =
        input.associated_partner_id.as_deref().map(|id| PartnerId::parse(id).into_string()).filter(|s| !s.is_empty());
    let associated_id = associated_id.as_deref();
    // For a reseller, the token kind is checked before the body, as for any other operation.
    if associated_id.is_some() {
        permitted(Operation::CreateCustomerForReseller, caller)?;
    }
    let profile = validate_customer_profile(input.company_profile.as_ref(), input.billing_profile.as_ref())
        .map_err(ServiceError::Validation)?;
    let associated = match associated_id {
        Some(id) => ctx.store.partner(id).await?,
        None => None,
    };
    check_associated_partner(&caller.partner, associated_id, associated.as_ref()).map_err(|e| {
        ServiceError::InvalidAssociatedPartner(match e {
            AssociatedPartnerError::CallerIsNotIndirectProvider => format!(
                "caller {} is a {}; only indirect providers may send associatedPartnerId",
                caller.partner.tenant_id,
                caller.partner.partner_type.as_str()
            ),
            AssociatedPartnerError::NotOwnReseller(id) => {
                format!("'{id}' is not an indirect reseller of provider {}", caller.partner.tenant_id)
            }
        })
    })?;

    // A taken domain is refused before any id is made (deterministic ids shift only with what was
    // created); the unique index still decides a race.
    check_domain_free(ctx, &profile.domain).await?;
    let now = ctx.clock.now().await?;
    let password = input.password.unwrap_or_else(|| ctx.ids.password());
    let customer = Customer {
        id: ctx.ids.guid(IdKind::Customer),
        commerce_id: ctx.ids.guid(IdKind::CommerceId),
        admin_user_name: format!("admin@{}", profile.domain),
        domain: profile.domain,
        company_name: profile.company_name,
        organization_registration_number: profile.organization_registration_number,
        billing_profile: profile.billing_profile,
        created_by: caller.partner.tenant_id.clone(),
        associated_partner_id: associated_id.map(str::to_string),
        admin_password_hash: hash_password_off_thread(password.clone()).await,
        created_at: now,
    };
    let mut related = vec![caller.partner.tenant_id.clone()];
    related.extend(customer.associated_partner_id.clone());
    match unit.insert_customer(&customer, &related).await {
        Ok(()) => Ok(CreatedCustomer { customer, password }),
        Err(StoreError::Conflict) => Err(ServiceError::DomainAlreadyExists(customer.domain)),
        Err(e) => Err(e.into()),
    }
}

/// A customer's domain must not be in use (its admin's user name is made from it).
pub async fn check_domain_free(ctx: &AppContext, domain: &str) -> ServiceResult<()> {
    if ctx.store.customer_by_admin_user(&format!("admin@{domain}")).await?.is_some() {
        return Err(ServiceError::DomainAlreadyExists(domain.to_string()));
    }
    Ok(())
}

/// Which page of `GET /v1/customers` a request asks for.
#[derive(Debug, Default)]
pub struct PageRequest {
    /// `size`: at most this many customers; every customer when neither this nor a token is sent.
    pub size: Option<u32>,
    /// `MS-ContinuationToken`: go on from where an earlier page ended.
    pub continuation: Option<String>,
    /// `filter`: only the customers this search finds.
    pub filter: Option<CustomerFilter>,
}

/// A page of the partner's customers and, when more remain, the token for the next one.
pub struct CustomersPage {
    pub customers: Vec<Customer>,
    /// The page size in force: asked for, or carried by the continuation token.
    pub size: Option<u32>,
    /// The search in force: asked for, or carried by the continuation token.
    pub filter: Option<CustomerFilter>,
    pub next: Option<String>,
}

/// `GET /v1/customers`: the customers the caller serves, itself or through its resellers, in the
/// order they were created, or those a search finds among them; paged when the request asks for
/// it (`size`, then the continuation token of each page, which goes on with its own search).
pub async fn list_customers(
    ctx: &AppContext,
    permit: &Permit<'_, ops::ListCustomers>,
    page: PageRequest,
) -> ServiceResult<CustomersPage> {
    let partner = &permit.caller().partner.tenant_id;
    let invalid_token = |problem: TokenProblem| ServiceError::InvalidContinuationToken(problem.explain().to_string());
    let continuation = match &page.continuation {
        None => None,
        Some(token) => Some(paging::open(ctx.keys.continuation_key(), partner, token).map_err(invalid_token)?),
    };
    let filter = match (page.filter, &continuation) {
        (filter, None) => filter,
        // A token carries its search: sent without a filter, it goes on with it.
        (None, Some(c)) => c.filter.clone(),
        (Some(asked), Some(c)) => match &c.filter {
            Some(carried) if carried.same_search(&asked) => Some(asked),
            _ => return Err(invalid_token(TokenProblem::OtherSearch)),
        },
    };
    if let Some(c) = &continuation {
        if ctx.store.customer_position(&c.after.id).await?.as_ref() != Some(&c.after) {
            return Err(ServiceError::StaleContinuationToken);
        }
    }
    let Some(size) = page.size.or(continuation.as_ref().map(|c| c.size)) else {
        let all = ctx.store.customers_served_by(partner, None, u32::MAX, filter.as_ref()).await?;
        let customers = all.into_iter().map(|(_, c)| c).collect();
        return Ok(CustomersPage { customers, size: None, filter, next: None });
    };
    // One more than the page holds tells whether another page follows.
    let after = continuation.as_ref().map(|c| &c.after);
    let mut found = ctx.store.customers_served_by(partner, after, size + 1, filter.as_ref()).await?;
    let more = found.len() > size as usize;
    found.truncate(size as usize);
    let next = match found.last() {
        Some((last, _)) if more => {
            let continuation = Continuation { size, after: last.clone(), filter: filter.clone() };
            Some(paging::seal(ctx.keys.continuation_key(), partner, &continuation))
        }
        _ => None,
    };
    Ok(CustomersPage { customers: found.into_iter().map(|(_, c)| c).collect(), size: Some(size), filter, next })
}

/// `GET /v1/customers/{id}`
pub async fn get_customer(
    ctx: &AppContext,
    permit: &Permit<'_, ops::GetCustomer>,
    customer_id: &CustomerId,
) -> ServiceResult<CustomerOfPartner> {
    customer_of_partner(ctx, permit, customer_id).await
}

/// `GET /v1/customers/relationshiprequests`: the invitation link, on this emulator's admin center.
pub fn relationship_request_url(ctx: &AppContext, permit: &Permit<'_, ops::GetRelationshipRequest>) -> String {
    invitation_url(ctx, &permit.caller().partner.tenant_id, false)
}

/// The admin-center link that invites a customer into a reseller relationship with `partner`
/// (and, with `delegated_admin`, asks for delegated admin privileges).
pub fn invitation_url(ctx: &AppContext, partner_tenant_id: &str, delegated_admin: bool) -> String {
    format!(
        "{}/AdminPortal/Home?invType=ResellerRelationship&partnerId={partner_tenant_id}&msppId=0&DAP={delegated_admin}#/BillingAccounts/partner-invitation",
        ctx.public_base_url
    )
}
