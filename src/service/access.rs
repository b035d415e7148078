//! Who may do what, checked once per use case. A use case of an operation asks for a
//! [`Permit`] of that operation, and the only way to get one is [`permit`], which applies the
//! operation's permission rule (`domain::permissions`). A front door gets the permit first —
//! the API before it even parses the body, so that a caller without the role is refused for
//! its role whatever it sent — and hands it on; the use case cannot run without it, and checks
//! nothing again.

use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;

use super::error::{ServiceError, ServiceResult};
use crate::app::AppContext;
use crate::auth::Caller;
use crate::domain::agreements::Agreement;
use crate::domain::carts::{Cart, CartId};
use crate::domain::customers::{Customer, CustomerOfPartner};
use crate::domain::ids::CustomerId;
use crate::domain::orders::Order;
use crate::domain::permissions::{authorize, Operation};
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
    permitted(O::OPERATION, caller)?;
    Ok(Permit { caller, operation: PhantomData })
}

/// Apply `op`'s permission rule to the caller of a use case that already holds a permit, where
/// what the call carries makes it another operation too (a customer for a reseller).
pub fn permitted(op: Operation, caller: &Caller) -> ServiceResult<()> {
    let decided = authorize(op, &caller.facts());
    let _ = PERMITS.try_with(|permits| {
        let mut permits = permits.borrow_mut();
        match decided {
            Ok(()) => permits.granted.push(op),
            Err(_) => permits.refused = true,
        }
    });
    Ok(decided?)
}

/// What a request was permitted to do: the operations it was granted, and whether it was refused
/// one (its answer is then its caller's, not the request's).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Permits {
    pub granted: Vec<Operation>,
    pub refused: bool,
}

tokio::task_local! {
    /// The permits of the current request, within [`noting_permits`].
    static PERMITS: RefCell<Permits>;
}

/// Run `work` (a request of a front door that keeps answers), and say what it was permitted to
/// do: a retry's kept answer is replayed only to a caller granted every operation the request was
/// ([`may_replay`]), and the answer of a request refused a permit is not kept at all: it is its
/// caller's, and a retry by another caller runs as its own request.
pub async fn noting_permits<T>(work: impl Future<Output = T>) -> (T, Permits) {
    PERMITS
        .scope(RefCell::new(Permits::default()), async {
            let out = work.await;
            (out, PERMITS.with(|permits| permits.take()))
        })
        .await
}

/// Whether `caller` may be given again the answer to a request that was granted `granted`: each
/// operation's rule, applied to the caller of the retry. An answer kept by an earlier version
/// names none and is given again to any caller of its partner.
pub fn may_replay(granted: &[Operation], caller: &Caller) -> ServiceResult<()> {
    for op in granted {
        authorize(*op, &caller.facts())?;
    }
    Ok(())
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
