//! Who may do what, checked once per use case. A use case of an operation asks for a
//! [`Permit`] of that operation, and the only way to get one is [`permit`], which applies the
//! operation's permission rule (`domain::permissions`). A front door gets the permit first —
//! the API before it even parses the body, so that a caller without the role is refused for
//! its role whatever it sent — and hands it on; the use case cannot run without it, and checks
//! nothing again.

use std::marker::PhantomData;

use super::error::{ServiceError, ServiceResult};
use crate::app::AppContext;
use crate::auth::Caller;
use crate::domain::agreements::Agreement;
use crate::domain::carts::{Cart, CartId};
use crate::domain::customers::{Customer, CustomerOfPartner};
use crate::domain::ids::CustomerId;
use crate::domain::orders::Order;
use crate::domain::permissions::authorize;
pub use crate::domain::permissions::{ops, Guarded};
use crate::store::Seen;

/// Proof that `caller` may perform `O`.
pub struct Permit<'a, O: Guarded> {
    caller: &'a Caller,
    operation: PhantomData<O>,
}

impl<'a, O: Guarded> Permit<'a, O> {
    pub fn caller(&self) -> &'a Caller {
        self.caller
    }
}

/// Apply `O`'s permission rule to the caller.
pub fn permit<O: Guarded>(caller: &Caller) -> ServiceResult<Permit<'_, O>> {
    authorize(O::OPERATION, &caller.facts())?;
    Ok(Permit { caller, operation: PhantomData })
}

/// The customer `customer_id` names, if the permitted caller serves it: unknown → 60003,
/// not related → 20002.
pub async fn customer_for<O: Guarded>(
    ctx: &AppContext,
    permit: &Permit<'_, O>,
    customer_id: &CustomerId,
) -> ServiceResult<Customer> {
    Ok(customer_of_partner(ctx, permit, customer_id).await?.customer)
}

/// The customer `customer_id` names, as `customer_for` reads it, with what the customer granted
/// the caller's partner (delegated admin privileges or not).
pub async fn customer_of_partner<O: Guarded>(
    ctx: &AppContext,
    permit: &Permit<'_, O>,
    customer_id: &CustomerId,
) -> ServiceResult<CustomerOfPartner> {
    let partner = &permit.caller().partner.tenant_id;
    served(permit, customer_id, ctx.store.customer_seen_by(customer_id.as_str(), partner).await?)
}

/// The agreements of the customer `customer_id` names, in the order recorded, if the permitted
/// caller serves it (as `customer_for`).
pub async fn agreements_for<O: Guarded>(
    ctx: &AppContext,
    permit: &Permit<'_, O>,
    customer_id: &CustomerId,
) -> ServiceResult<Vec<Agreement>> {
    let partner = &permit.caller().partner.tenant_id;
    served(permit, customer_id, ctx.store.agreements_seen_by(customer_id.as_str(), partner).await?)
}

/// The orders of the customer `customer_id` names that the permitted caller may see, if it
/// serves the customer (as `customer_for`).
pub async fn orders_for<O: Guarded>(
    ctx: &AppContext,
    permit: &Permit<'_, O>,
    customer_id: &CustomerId,
) -> ServiceResult<Vec<Order>> {
    let partner = &permit.caller().partner.tenant_id;
    served(permit, customer_id, ctx.store.orders_seen_by(customer_id.as_str(), partner).await?)
}

/// The cart `cart_id` names, of the customer `customer_id` names, if the permitted caller serves
/// the customer (as `customer_for`) and may see the cart (its own, or, for an indirect provider, its
/// resellers'): else 404 `CartNotFound`, as if there were none.
pub async fn cart_for<O: Guarded>(
    ctx: &AppContext,
    permit: &Permit<'_, O>,
    customer_id: &CustomerId,
    cart_id: &CartId,
) -> ServiceResult<Cart> {
    let partner = &permit.caller().partner.tenant_id;
    let seen = ctx.store.cart_seen_by(customer_id.as_str(), partner, cart_id.as_str()).await?;
    served(permit, customer_id, seen)?.ok_or_else(|| ServiceError::CartNotFound(cart_id.to_string()))
}

/// What the store saw, as the caller is told it.
fn served<T, O: Guarded>(permit: &Permit<'_, O>, customer_id: &CustomerId, seen: Seen<T>) -> ServiceResult<T> {
    match seen {
        Seen::Served(value) => Ok(value),
        Seen::NoSuchCustomer => Err(ServiceError::TenantNotFound(format!("no customer has tenant id '{customer_id}'"))),
        Seen::NotServed => Err(ServiceError::NoRelationship(format!(
            "partner {} has no relationship with customer {customer_id}",
            permit.caller().partner.tenant_id
        ))),
    }
}
