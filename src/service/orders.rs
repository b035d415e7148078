//! Placing an order: the Microsoft Customer Agreement gate.

use super::access::customer_for;
use crate::auth::Caller;
use crate::domain::ids::canonical_id;
use crate::domain::orders::{mca_accepted, validate_line_items, LineItemInput, Order};
use crate::domain::permissions::Operation;
use crate::http::error::{ApiError, ApiResult};
use crate::http::AppContext;

pub async fn place_order(
    ctx: &AppContext,
    caller: &Caller,
    customer_id: &str,
    reference_customer_id: Option<&str>,
    line_items: Option<&[LineItemInput]>,
) -> ApiResult<Order> {
    let customer = customer_for(ctx, caller, Operation::CreateOrder, customer_id).await?;
    let mut problems = Vec::new();
    // Ids are GUIDs, compared without regard to case like the id in the path.
    if let Some(reference) = reference_customer_id.filter(|r| !r.is_empty() && canonical_id(r) != customer.id) {
        problems.push(format!("referenceCustomerId: '{reference}' does not match the customer in the path"));
    }
    let items = validate_line_items(line_items).map_err(|p| problems.extend(p)).ok();
    let Some(line_items) = items.filter(|_| problems.is_empty()) else {
        return Err(ApiError::Validation(problems));
    };
    let agreements = ctx.store.agreements(&customer.id).await?;
    if !mca_accepted(&agreements) {
        return Err(ApiError::AgreementRequiredForPurchase(format!(
            "customer {} has neither a partner confirmation nor a direct acceptance of the Microsoft Customer Agreement; \
             POST /v1/customers/{}/agreements first",
            customer.id, customer.id
        )));
    }
    let order = Order {
        id: ctx.ids.guid(),
        customer_id: customer.id,
        partner_tenant_id: caller.partner.tenant_id.clone(),
        line_items,
        creation_date: ctx.clock.now().await?,
        status: "completed".into(),
    };
    ctx.store.insert_order(&order).await?;
    Ok(order)
}
