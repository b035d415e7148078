//! Orders: placing one behind the Microsoft Customer Agreement gate, and listing them.

use super::access::{agreements_for, ops, orders_for, Permit};
use super::error::{ServiceError, ServiceResult};
use super::timeline::service_date;
use crate::app::AppContext;
use crate::domain::agreements::Agreement;
use crate::domain::ids::CustomerId;
use crate::domain::orders::{mca_accepted, validate_order, LineItemInput, Order};
use crate::ids::IdKind;
use crate::store::UnitOfWork;

/// An order as it is asked for.
pub struct NewOrder<'a> {
    /// The order's id when the caller names it (a seed does); generated otherwise.
    pub id: Option<String>,
    pub reference_customer_id: Option<&'a str>,
    /// `monthly`, `annual`, …; None when the order names none.
    pub billing_cycle: Option<&'a str>,
    pub line_items: Option<&'a [LineItemInput]>,
}

/// `POST /v1/customers/{id}/orders`
pub async fn place_order(
    ctx: &AppContext,
    permit: &Permit<'_, ops::CreateOrder>,
    unit: &mut UnitOfWork,
    customer_id: &CustomerId,
    order: NewOrder<'_>,
) -> ServiceResult<Order> {
    place_order_as(ctx, permit, unit, customer_id, NewOrder { id: None, ..order }).await
}

/// Place an order (see `place_order`), with the id the caller names, if any.
pub async fn place_order_as(
    ctx: &AppContext,
    permit: &Permit<'_, ops::CreateOrder>,
    unit: &mut UnitOfWork,
    customer_id: &CustomerId,
    new: NewOrder<'_>,
) -> ServiceResult<Order> {
    let NewOrder { id, reference_customer_id, billing_cycle, line_items } = new;
    let agreements = agreements_for(ctx, permit, customer_id).await?;
    let mut problems = Vec::new();
    // Ids are GUIDs, compared without regard to case like the id in the path.
    if let Some(reference) = reference_customer_id.filter(|r| !r.is_empty() && CustomerId::parse(r) != *customer_id) {
        problems.push(format!("referenceCustomerId: '{reference}' does not match the customer in the path"));
    }
    let now = ctx.clock.now().await?;
    let valid = validate_order(billing_cycle, line_items, now).map_err(|p| problems.extend(p)).ok();
    let Some((billing_cycle, line_items)) = valid.filter(|_| problems.is_empty()) else {
        return Err(ServiceError::Validation(problems));
    };
    purchase_gate(ctx, &agreements, customer_id).await?;
    let id = id.unwrap_or_else(|| ctx.ids.guid(IdKind::Order));
    let partner = &permit.caller().partner.tenant_id;
    let placed = Order::completed(id, customer_id.as_str(), partner, line_items, now);
    let order = Order { billing_cycle, ..placed };
    unit.insert_order(&order).await?;
    Ok(order)
}

/// The Microsoft Customer Agreement gate of every purchase (an order, a cart's checkout): the
/// customer's acceptance must be on record and count on the service date, else 403 13605.
pub async fn purchase_gate(ctx: &AppContext, agreements: &[Agreement], customer_id: &CustomerId) -> ServiceResult<()> {
    if mca_accepted(agreements, service_date(ctx).await?) {
        return Ok(());
    }
    Err(ServiceError::AgreementRequiredForPurchase(format!(
        "customer {customer_id} has neither a partner confirmation nor a direct acceptance of the Microsoft Customer \
         Agreement that counts on the service date (once the 2023 attestation is retired, acceptances from before \
         2023-04-01 do not); POST /v1/customers/{customer_id}/agreements first"
    )))
}

/// The orders of a customer that the caller placed (or, for an indirect provider, its
/// resellers placed).
pub struct CustomerOrders {
    pub customer_id: String,
    pub orders: Vec<Order>,
}

/// `GET /v1/customers/{id}/orders`: the orders the partner may see; with a billing cycle (as
/// `domain::billing` spells it), only those billed on it.
pub async fn list_orders(
    ctx: &AppContext,
    permit: &Permit<'_, ops::ListOrders>,
    customer_id: &CustomerId,
    billing_cycle: Option<&str>,
) -> ServiceResult<CustomerOrders> {
    let mut orders = orders_for(ctx, permit, customer_id).await?;
    if let Some(cycle) = billing_cycle {
        orders.retain(|o| o.billing_cycle.as_deref() == Some(cycle));
    }
    Ok(CustomerOrders { customer_id: customer_id.to_string(), orders })
}

/// `GET /v1/customers/{id}/orders/{orderId}`: one of the orders `list_orders` shows.
pub async fn get_order(
    ctx: &AppContext,
    permit: &Permit<'_, ops::GetOrder>,
    customer_id: &CustomerId,
    order_id: &str,
) -> ServiceResult<Order> {
    let orders = orders_for(ctx, permit, customer_id).await?;
    orders
        .into_iter()
        .find(|o| o.id.eq_ignore_ascii_case(order_id.trim()))
        .ok_or_else(|| ServiceError::OrderNotFound(order_id.to_string()))
}
