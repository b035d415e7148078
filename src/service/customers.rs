//! Creating a customer: profile rules, the associated reseller, credentials, relationships.

use crate::auth::Caller;
use crate::domain::customers::{
    check_associated_partner, validate_customer_profile, AssociatedPartnerError, BillingProfile, CompanyProfileInput,
    Customer,
};
use crate::domain::ids::canonical_id;
use crate::domain::permissions::{authorize, Operation};
use crate::http::error::{ApiError, ApiResult};
use crate::http::AppContext;
use crate::store::StoreError;

use super::passwords::hash_password_off_thread;

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

pub async fn create_customer(ctx: &AppContext, caller: &Caller, input: NewCustomer) -> ApiResult<CreatedCustomer> {
    authorize(Operation::CreateCustomer, &caller.facts())?;
    let profile = validate_customer_profile(input.company_profile.as_ref(), input.billing_profile.as_ref())
        .map_err(ApiError::Validation)?;
    let associated_id = input.associated_partner_id.as_deref().map(canonical_id).filter(|s| !s.is_empty());
    let associated_id = associated_id.as_deref();
    let associated = match associated_id {
        Some(id) => ctx.store.partner(id).await?,
        None => None,
    };
    check_associated_partner(&caller.partner, associated_id, associated.as_ref()).map_err(|e| {
        ApiError::InvalidAssociatedPartner(match e {
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

    let now = ctx.clock.now().await?;
    let password = input.password.unwrap_or_else(|| ctx.ids.password());
    let customer = Customer {
        id: ctx.ids.guid(),
        commerce_id: ctx.ids.guid(),
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
    match ctx.store.insert_customer(&customer, &related).await {
        Ok(()) => Ok(CreatedCustomer { customer, password }),
        Err(StoreError::Conflict) => Err(ApiError::DomainAlreadyExists(customer.domain)),
        Err(e) => Err(e.into()),
    }
}
