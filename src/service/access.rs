//! Which customers a caller may see: unknown → 60003, not related → 20002.

use crate::auth::Caller;
use crate::domain::customers::{partner_serves_customer, Customer};
use crate::domain::ids::canonical_id;
use crate::domain::permissions::{authorize, Operation};
use crate::http::error::{ApiError, ApiResult};
use crate::http::AppContext;

/// Check the caller may perform `op` at all, then load a customer it serves.
pub async fn customer_for(ctx: &AppContext, caller: &Caller, op: Operation, customer_id: &str) -> ApiResult<Customer> {
    authorize(op, &caller.facts())?;
    let customer = ctx
        .store
        .customer(&canonical_id(customer_id))
        .await?
        .ok_or_else(|| ApiError::TenantNotFound(format!("no customer has tenant id '{customer_id}'")))?;
    let related = ctx.store.related_partners(&customer.id).await?;
    if !partner_serves_customer(&caller.partner, &related) {
        return Err(ApiError::NoRelationship(format!(
            "partner {} has no relationship with customer {customer_id}",
            caller.partner.tenant_id
        )));
    }
    Ok(customer)
}
