//! The customer list: the customers a partner serves, searched and paged in the database, each
//! with its agreement at a glance for the roles that may read agreements.

use super::may_read_agreements;
use crate::app::AppContext;
use crate::domain::customer_search::QuickSearch;
use crate::domain::customers::Customer;
use crate::domain::orders::{mca_standing, McaStanding};
use crate::domain::paging::{Keyset, Position};
use crate::service::access::{ops, permit};
use crate::service::dashboard_sessions::SignedIn;
use crate::service::error::ServiceResult;
use crate::service::timeline::service_date;

/// Customers per page of the list.
pub const PAGE_SIZE: usize = 20;

pub struct CustomerRow {
    pub customer: Customer,
    /// None when the user's roles may not read the customer's agreements (as in the API).
    pub standing: Option<McaStanding>,
}

/// A page of the list. Pages are found by position (keyset), not counted: the page knows whether
/// customers come before and after it, not how many.
pub struct CustomerList {
    pub rows: Vec<CustomerRow>,
    /// Where the previous page ends (the page before this position), when there is one.
    pub previous: Option<Position>,
    /// Where the next page starts (the page after this position), when there is one.
    pub next: Option<Position>,
}

/// The customers the partner serves (itself or through its resellers), newest last, those whose
/// company name or domain starts with `search` or whose Microsoft ID it is (any letter case; the
/// API's search rules), a page at a time from where `at` says.
pub async fn customers(
    ctx: &AppContext,
    signed_in: &SignedIn,
    search: &str,
    at: Keyset<'_>,
) -> ServiceResult<CustomerList> {
    let permit = permit::<ops::ListCustomers>(signed_in.caller())?;
    let partner = &permit.caller().partner.tenant_id;
    let search = QuickSearch::new(search);
    // One more than a page tells whether another follows in the direction read.
    let limit = PAGE_SIZE as u32 + 1;
    let mut found = ctx.store.customers_page(partner, at, limit, search.as_ref()).await?;
    let more = found.len() > PAGE_SIZE;
    let (previous, next) = match at {
        Keyset::Before(_) if !more => {
            // Nothing before this page: it is the first one, read as such (full, whatever was
            // added or removed since the page that linked here).
            found = ctx.store.customers_page(partner, Keyset::First, limit, search.as_ref()).await?;
            let more = found.len() > PAGE_SIZE;
            found.truncate(PAGE_SIZE);
            (None, more)
        }
        Keyset::Before(_) => {
            found.remove(0);
            (found.first().map(|(p, _)| p.clone()), true)
        }
        Keyset::First => {
            found.truncate(PAGE_SIZE);
            (None, more)
        }
        Keyset::After(after) => {
            found.truncate(PAGE_SIZE);
            // The page before this one ends where this one starts (or, past the end, at the
            // position it was asked after).
            (Some(found.first().map_or_else(|| after.clone(), |(p, _)| p.clone())), more)
        }
    };
    let next = if next { found.last().map(|(p, _)| p.clone()) } else { None };
    let today = service_date(ctx).await?;
    let shows_standing = may_read_agreements(signed_in.caller());
    let mut rows = Vec::with_capacity(found.len());
    for (_, customer) in found {
        let standing =
            if shows_standing { Some(mca_standing(&ctx.store.agreements(&customer.id).await?, today)) } else { None };
        rows.push(CustomerRow { standing, customer });
    }
    Ok(CustomerList { rows, previous, next })
}
