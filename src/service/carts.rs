//! Carts and their checkout, today's purchase path: creating a cart for a customer, reading and
//! changing it while it is `Active`, and checking it out, which places its orders behind the same
//! Microsoft Customer Agreement gate as an order (`orders::purchase_gate`).

use super::access::{agreements_for, cart_for, customer_for, ops, Permit};
use super::error::{ServiceError, ServiceResult};
use super::orders::purchase_gate;
use crate::app::AppContext;
use crate::domain::carts::{lifetime, validate_line_items, Cart, CartId, CartLineItemInput, CartStatus};
use crate::domain::ids::CustomerId;
use crate::domain::orders::Order;
use crate::domain::time::{later, render_timestamp};
use crate::ids::IdKind;
use crate::store::UnitOfWork;

/// `POST /v1/customers/{id}/carts`: a new `Active` cart, expiring 7 days from now.
pub async fn create_cart(
    ctx: &AppContext,
    permit: &Permit<'_, ops::CreateCart>,
    unit: &mut UnitOfWork,
    customer_id: &CustomerId,
    line_items: Option<&[CartLineItemInput]>,
) -> ServiceResult<Cart> {
    let customer = customer_for(ctx, permit, customer_id).await?;
    let now = ctx.clock.now().await?;
    let line_items = validate_line_items(line_items, now).map_err(ServiceError::Validation)?;
    let caller = permit.caller();
    let cart = Cart {
        id: ctx.ids.guid(IdKind::Cart),
        customer_id: customer.id,
        partner_tenant_id: caller.partner.tenant_id.clone(),
        line_items,
        status: CartStatus::Active,
        created_at: now,
        last_modified_at: now,
        last_modified_user: caller.user_id.clone(),
        expires_at: later(now, lifetime()),
    };
    unit.insert_cart(&cart).await?;
    Ok(cart)
}

/// `GET /v1/customers/{id}/carts/{cartId}`: the cart, whatever its state (an expired one too).
pub async fn get_cart(
    ctx: &AppContext,
    permit: &Permit<'_, ops::GetCart>,
    customer_id: &CustomerId,
    cart_id: &CartId,
) -> ServiceResult<Cart> {
    cart_for(ctx, permit, customer_id, cart_id).await
}

/// `PUT /v1/customers/{id}/carts/{cartId}`: the cart's line items replaced by the request's, while
/// it is `Active` and has not expired.
pub async fn update_cart(
    ctx: &AppContext,
    permit: &Permit<'_, ops::UpdateCart>,
    unit: &mut UnitOfWork,
    customer_id: &CustomerId,
    cart_id: &CartId,
    line_items: Option<&[CartLineItemInput]>,
) -> ServiceResult<Cart> {
    let cart = cart_for(ctx, permit, customer_id, cart_id).await?;
    let now = ctx.clock.now().await?;
    let line_items = validate_line_items(line_items, now).map_err(ServiceError::Validation)?;
    open_to_change(&cart, now)?;
    let updated =
        Cart { line_items, last_modified_at: now, last_modified_user: permit.caller().user_id.clone(), ..cart };
    // Checked out since it was read: it changes no more.
    if !unit.update_active_cart(&updated).await? {
        return Err(ServiceError::CartAlreadyOrdered(updated.id));
    }
    Ok(updated)
}

/// What a checkout answers: the orders placed, and the order groups that failed (none in the
/// emulator: a checkout that cannot place every order is refused whole, with an HTTP error).
pub struct CheckoutResult {
    pub orders: Vec<Order>,
    pub order_errors: Vec<OrderError>,
}

/// An order group that could not be ordered.
pub struct OrderError {
    pub order_group_id: String,
    pub code: u32,
    pub description: String,
}

/// `POST /v1/customers/{id}/carts/{cartId}/checkout`: the cart's orders placed, one per order group,
/// behind the Microsoft Customer Agreement gate (refused whole, 403 13605, the cart left `Active`
/// to be checked out once the agreement is on record). A cart that was checked out answers the
/// orders of its checkout again and places none, as Partner Center documents (checkout is
/// idempotent): of two checkouts at once, one places the orders, and both answer them.
pub async fn check_out_cart(
    ctx: &AppContext,
    permit: &Permit<'_, ops::CheckoutCart>,
    unit: &mut UnitOfWork,
    customer_id: &CustomerId,
    cart_id: &CartId,
) -> ServiceResult<CheckoutResult> {
    let cart = cart_for(ctx, permit, customer_id, cart_id).await?;
    let placed = |orders| CheckoutResult { orders, order_errors: Vec::new() };
    if cart.status == CartStatus::Ordered {
        return Ok(placed(unit.orders_of_cart(&cart.id).await?));
    }
    let now = ctx.clock.now().await?;
    open_to_change(&cart, now)?;
    let agreements = agreements_for(ctx, permit, customer_id).await?;
    purchase_gate(ctx, &agreements, customer_id).await?;
    let caller = permit.caller();
    if !unit.claim_checkout(&cart.id, now, &caller.user_id).await? {
        // Another checkout was first: what it placed.
        return Ok(placed(unit.orders_of_cart(&cart.id).await?));
    }
    let mut orders = Vec::new();
    for placed in cart.orders() {
        let id = ctx.ids.guid(IdKind::Order);
        let order = Order {
            billing_cycle: Some(placed.billing_cycle),
            currency_code: placed.currency_code,
            ..Order::completed(id, &cart.customer_id, &caller.partner.tenant_id, placed.line_items, now)
        };
        unit.insert_order_of_cart(&order, &cart.id).await?;
        orders.push(order);
    }
    Ok(placed(orders))
}

/// A cart can be changed or checked out while it is `Active` and has not expired.
fn open_to_change(cart: &Cart, now: chrono::DateTime<chrono::Utc>) -> ServiceResult<()> {
    if cart.status == CartStatus::Ordered {
        return Err(ServiceError::CartAlreadyOrdered(cart.id.clone()));
    }
    if cart.is_expired(now) {
        return Err(ServiceError::CartExpired { id: cart.id.clone(), expired_at: render_timestamp(cart.expires_at) });
    }
    Ok(())
}
