//! The customer list: the customers a partner serves, searched and paged, each with its agreement
//! at a glance for the roles that may read agreements.

use super::may_read_agreements;
use crate::app::AppContext;
use crate::domain::customers::Customer;
use crate::domain::orders::{mca_standing, McaStanding};
use crate::service::access::{ops, permit};
use crate::service::customers::{list_customers, PageRequest};
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

pub struct CustomerList {
    pub rows: Vec<CustomerRow>,
    /// Customers matching the search, on every page.
    pub matching: usize,
    /// 1-based.
    pub page: usize,
    pub pages: usize,
}

/// The customers the partner serves (itself or through its resellers), newest last, those whose
/// company name, domain or Microsoft ID contains `search` (any letter case), a page at a time.
pub async fn customers(
    ctx: &AppContext,
    signed_in: &SignedIn,
    search: &str,
    page: usize,
) -> ServiceResult<CustomerList> {
    let permit = permit::<ops::ListCustomers>(signed_in.caller())?;
    let all = list_customers(ctx, &permit, PageRequest::default()).await?.customers;
    let needle = search.trim().to_lowercase();
    let matching: Vec<Customer> = all
        .into_iter()
        .filter(|c| {
            needle.is_empty()
                || c.company_name.to_lowercase().contains(&needle)
                || c.domain.contains(&needle)
                || c.id.contains(&needle)
        })
        .collect();
    let pages = matching.len().div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let today = service_date(ctx).await?;
    let shows_standing = may_read_agreements(signed_in.caller());
    let mut rows = Vec::new();
    for customer in matching.iter().skip((page - 1) * PAGE_SIZE).take(PAGE_SIZE) {
        let standing =
            if shows_standing { Some(mca_standing(&ctx.store.agreements(&customer.id).await?, today)) } else { None };
        rows.push(CustomerRow { standing, customer: customer.clone() });
    }
    Ok(CustomerList { rows, matching: matching.len(), page, pages })
}
