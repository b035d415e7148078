//! Reads that check the caller's access in the statement that reads the data: a customer, its
//! agreements or its orders, as a partner may see them, and the customers a partner serves. The rule
//! "a partner serves a customer" is written once here, in `served_by!`, and once in PostgreSQL's
//! `pce_customers_page` (migration 0017), which reads it from the partner's side.

use sqlx::Row;

use super::agreements::AgreementRow;
use super::carts::CartRow;
use super::customers::CustomerRow;
use super::orders::OrderRow;
use super::{Store, StoreError, StoreResult};
use crate::domain::agreements::Agreement;
use crate::domain::carts::Cart;
use crate::domain::customer_search::{CustomerFilter, QuickSearch, SearchField};
use crate::domain::customers::{Customer, CustomerOfPartner};
use crate::domain::orders::Order;
use crate::domain::paging::{Keyset, Position};

/// A customer's data as a partner asked for it: read with the access check, in one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen<T> {
    NoSuchCustomer,
    /// The customer exists; the partner does not serve it.
    NotServed,
    Served(T),
}

/// Whether the partner `$partner` serves the customer `$customer` (SQL expressions): it has a
/// relationship with it, or one of its indirect resellers has. The one place of this rule in the
/// statements here (reads check access in the statement that reads the data); PostgreSQL's
/// `pce_customers_page` (migration 0017) reads it from the partner's side.
macro_rules! served_by {
    ($customer:literal, $partner:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM customer_relationships r JOIN partners p ON p.tenant_id = r.partner_tenant_id \
             WHERE r.customer_id = ",
            $customer,
            " AND (p.tenant_id = ",
            $partner,
            " OR p.indirect_provider_id = ",
            $partner,
            "))"
        )
    };
}

/// Partner `$1`'s customers after position (`$2` seq, `$3` id), `$4` at most, in creation order;
/// with a search, only those it finds (a condition on `$5`, a `LIKE` prefix pattern with `\` as
/// its escape character, that an index serves). The position is a row value, which the index on
/// (seq, id) serves as a range: a page deep in the list reads no more than the first one.
/// `before` instead: the customers just before the position, the nearest first.
macro_rules! customers_served_by {
    (@ $keyset:literal, $order:literal $(, $search:expr)?) => {
        concat!(
            "SELECT c.seq AS position_seq, c.id, c.commerce_id, c.domain, c.company_name, \
             c.organization_registration_number, c.billing_profile, c.created_by, c.associated_partner_id, \
             c.admin_user_name, c.admin_password_hash, c.created_at FROM customers c WHERE ",
            served_by!("c.id", "$1"),
            " AND ",
            $keyset,
            $($search,)?
            " ORDER BY ",
            $order,
            " LIMIT $4"
        )
    };
    // A search on SQLite: its planner, without statistics (the emulator runs no ANALYZE) and
    // with the search's pattern a bound parameter, prefers walking the whole list in order on the
    // position index to the search's own indexes; `+` keeps the position out of index use, so the
    // prefix indexes find the matches, which are then sorted. (PostgreSQL, with statistics,
    // picks between the two itself: it takes the position index for a search that finds most of
    // the list.)
    (unindexed before $search:expr) => {
        customers_served_by!(@ "(+c.seq, +c.id) < ($2, $3)", "+c.seq DESC, +c.id DESC", $search)
    };
    (unindexed $search:expr) => {
        customers_served_by!(@ "(+c.seq, +c.id) > ($2, $3)", "+c.seq, +c.id", $search)
    };
    (before $($search:expr)?) => {
        customers_served_by!(@ "(c.seq, c.id) < ($2, $3)", "c.seq DESC, c.id DESC" $(, $search)?)
    };
    ($($search:expr)?) => {
        customers_served_by!(@ "(c.seq, c.id) > ($2, $3)", "c.seq, c.id" $(, $search)?)
    };
}

/// The dashboard's search (`QuickSearch`): the folded company name or the domain matches `$5` (a
/// `LIKE` prefix pattern), or the id is `$6`.
macro_rules! quick_search {
    () => {
        " AND (c.company_name_folded LIKE $5 ESCAPE '\\' OR c.domain LIKE $5 ESCAPE '\\' OR c.id = $6)"
    };
}

/// A page of the whole list on PostgreSQL (`customers_served_by!` without a search, forward or
/// `$backwards`), read from the partner's side by `pce_customers_page` (migration 0017): a range of
/// each of its partners' relationships in the customers' order, so that a page reads the same few
/// index entries for a partner with 100,000 customers as for one with 5 among 100,000 others
/// (walking the customers and checking each reads every customer of the others first), with a plan
/// made once per connection.
macro_rules! page_from_relationships {
    ($backwards:literal, $order:literal) => {
        concat!(
            "SELECT seq AS position_seq, id, commerce_id, domain, company_name, organization_registration_number, \
             billing_profile, created_by, associated_partner_id, admin_user_name, admin_password_hash, created_at \
             FROM pce_customers_page($1, $2, $3, $4, ",
            $backwards,
            ") ORDER BY ",
            $order
        )
    };
}

/// The statements of a page of the whole list, on PostgreSQL (`[0]`) or SQLite (`[1]`): forward
/// or backward.
const LIST_AFTER: [&str; 2] = [page_from_relationships!("FALSE", "seq, id"), customers_served_by!()];
const LIST_BEFORE: [&str; 2] = [page_from_relationships!("TRUE", "seq DESC, id DESC"), customers_served_by!(before)];
const QUICK_SEARCH_AFTER: [&str; 2] =
    [customers_served_by!(quick_search!()), customers_served_by!(unindexed quick_search!())];
const QUICK_SEARCH_BEFORE: [&str; 2] =
    [customers_served_by!(before quick_search!()), customers_served_by!(unindexed before quick_search!())];

/// The customers related to a partner of type `$type` whose tenant id matches `$5`.
macro_rules! related_to_partner_like {
    ($type:literal) => {
        concat!(
            " AND c.id IN (SELECT f.customer_id FROM customer_relationships f \
             JOIN partners fp ON fp.tenant_id = f.partner_tenant_id \
             WHERE f.partner_tenant_id LIKE $5 ESCAPE '\\' AND fp.partner_type = '",
            $type,
            "')"
        )
    };
}

/// The statement of a search by `field` (see `customers_served_by!`), on PostgreSQL (`[0]`) or
/// SQLite (`[1]`).
fn customer_search(field: SearchField) -> [&'static str; 2] {
    macro_rules! both {
        ($search:expr) => {
            [customers_served_by!($search), customers_served_by!(unindexed $search)]
        };
    }
    match field {
        SearchField::CompanyName => both!(" AND c.company_name_folded LIKE $5 ESCAPE '\\'"),
        // Domains are stored in lower case.
        SearchField::Domain => both!(" AND c.domain LIKE $5 ESCAPE '\\'"),
        SearchField::IndirectReseller => both!(related_to_partner_like!("IndirectReseller")),
        SearchField::IndirectCloudSolutionProvider => both!(related_to_partner_like!("IndirectProvider")),
    }
}

/// Which of a pair of statements (`[PostgreSQL, SQLite]`) this store's database runs.
fn dialect(db: &super::Db) -> usize {
    usize::from(matches!(db, super::Db::Sqlite(_)))
}

/// The statement of a page of the dashboard's list and its position's binds (`$2`, `$3`).
fn page_statement<'a>(db: &super::Db, at: Keyset<'a>, search: Option<&QuickSearch>) -> (&'static str, i64, &'a str) {
    let on = dialect(db);
    match (at, search.is_some()) {
        (Keyset::First, false) => (LIST_AFTER[on], i64::MIN, ""),
        (Keyset::First, true) => (QUICK_SEARCH_AFTER[on], i64::MIN, ""),
        (Keyset::After(p), false) => (LIST_AFTER[on], p.seq, &p.id),
        (Keyset::After(p), true) => (QUICK_SEARCH_AFTER[on], p.seq, &p.id),
        (Keyset::Before(p), false) => (LIST_BEFORE[on], p.seq, &p.id),
        (Keyset::Before(p), true) => (QUICK_SEARCH_BEFORE[on], p.seq, &p.id),
    }
}

/// The statement of a search by `field` on this store's database.
fn search_statement(db: &super::Db, field: SearchField) -> &'static str {
    customer_search(field)[dialect(db)]
}

/// Customer `$1`, whether partner `$2` serves it, and whether the customer granted `$2` itself
/// delegated admin privileges (a partner that serves it through a reseller holds none).
const CUSTOMER_SEEN_BY: &str = concat!(
    "SELECT c.id, c.commerce_id, c.domain, c.company_name, c.organization_registration_number, c.billing_profile, \
     c.created_by, c.associated_partner_id, c.admin_user_name, c.admin_password_hash, c.created_at, ",
    served_by!("c.id", "$2"),
    " AS served, COALESCE((SELECT d.delegated_admin FROM customer_relationships d \
     WHERE d.customer_id = c.id AND d.partner_tenant_id = $2), FALSE) AS delegated_admin \
     FROM customers c WHERE c.id = $1"
);

/// The agreements of customer `$1` if partner `$2` serves it, in the order recorded: one row per
/// agreement, each with whether the customer is served (`seen_served`), or a single row
/// without an agreement when there is none to show; no row when there is no such customer.
const AGREEMENTS_SEEN_BY: &str = concat!(
    "WITH seen AS MATERIALIZED (SELECT c.id, ",
    served_by!("c.id", "$2"),
    " AS served FROM customers c WHERE c.id = $1) \
     SELECT seen.served AS seen_served, a.id, a.customer_id, a.partner_tenant_id, \
     a.user_id, a.first_name, a.last_name, a.email, a.phone_number, a.template_id, a.agreement_type, a.date_agreed, \
     a.source, a.created_at, a.attestation_id, a.language \
     FROM seen LEFT JOIN agreements a ON a.customer_id = seen.id AND seen.served ORDER BY a.seq, a.id"
);

/// The orders of customer `$1` that partner `$2` may see, as `AGREEMENTS_SEEN_BY` reads agreements:
/// the orders it placed and, for an indirect provider, those its related resellers placed.
const ORDERS_SEEN_BY: &str = concat!(
    "WITH seen AS MATERIALIZED (SELECT c.id, ",
    served_by!("c.id", "$2"),
    " AS served FROM customers c WHERE c.id = $1) \
     SELECT seen.served AS seen_served, o.id, o.customer_id, o.partner_tenant_id, \
     o.line_items, o.creation_date, o.status, o.billing_cycle, o.currency_code \
     FROM seen LEFT JOIN orders o ON o.customer_id = seen.id AND seen.served AND (o.partner_tenant_id = $2 \
       OR EXISTS (SELECT 1 FROM customer_relationships r JOIN partners p ON p.tenant_id = r.partner_tenant_id \
         WHERE r.customer_id = o.customer_id AND r.partner_tenant_id = o.partner_tenant_id \
         AND p.indirect_provider_id = $2)) \
     ORDER BY o.seq, o.id"
);

/// Cart `$3` of customer `$1` if partner `$2` may see it, as `ORDERS_SEEN_BY` reads orders: the
/// customer must be served by the partner, and the cart be the partner's own or, for an indirect
/// provider, one of its resellers'. One row, with the cart or without (none to show); no row when
/// there is no such customer.
const CART_SEEN_BY: &str = concat!(
    "WITH seen AS MATERIALIZED (SELECT c.id, ",
    served_by!("c.id", "$2"),
    " AS served FROM customers c WHERE c.id = $1) \
     SELECT seen.served AS seen_served, k.id, k.customer_id, k.partner_tenant_id, k.line_items, k.status, \
     k.created_at, k.last_modified_at, k.last_modified_user, k.expires_at \
     FROM seen LEFT JOIN carts k ON k.customer_id = seen.id AND seen.served AND k.id = $3 AND (k.partner_tenant_id = $2 \
       OR EXISTS (SELECT 1 FROM partners p WHERE p.tenant_id = k.partner_tenant_id AND p.indirect_provider_id = $2))"
);

/// A customer with its position in creation order.
#[derive(sqlx::FromRow)]
pub struct PositionedCustomerRow {
    position_seq: i64,
    #[sqlx(flatten)]
    customer: CustomerRow,
}

impl PositionedCustomerRow {
    pub fn into_pair(self) -> StoreResult<(Position, Customer)> {
        let customer = Customer::try_from(self.customer)?;
        Ok((Position { seq: self.position_seq, id: customer.id.clone() }, customer))
    }
}

#[derive(sqlx::FromRow)]
pub struct SeenCustomerRow {
    #[sqlx(flatten)]
    pub customer: CustomerRow,
    pub served: bool,
    pub delegated_admin: bool,
}

/// A row of a list read with its access check (`AGREEMENTS_SEEN_BY`, `ORDERS_SEEN_BY`):
/// whether the caller serves the customer, and an item unless the row stands for none.
pub struct SeenRow<T> {
    pub served: bool,
    pub item: Option<T>,
}

impl<'r, R, T> sqlx::FromRow<'r, R> for SeenRow<T>
where
    R: sqlx::Row,
    T: sqlx::FromRow<'r, R>,
    &'static str: sqlx::ColumnIndex<R>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        let item_id: Option<String> = row.try_get("id")?;
        Ok(SeenRow { served: row.try_get("seen_served")?, item: item_id.map(|_| T::from_row(row)).transpose()? })
    }
}

/// The rows of a list read with its access check, as the store answers it.
pub fn seen_list<R, T>(rows: Vec<SeenRow<R>>) -> StoreResult<Seen<Vec<T>>>
where
    T: TryFrom<R, Error = StoreError>,
{
    let Some(first) = rows.first() else { return Ok(Seen::NoSuchCustomer) };
    if !first.served {
        return Ok(Seen::NotServed);
    }
    let items = rows.into_iter().filter_map(|r| r.item).map(T::try_from).collect::<StoreResult<Vec<T>>>()?;
    Ok(Seen::Served(items))
}

impl Store {
    /// Customers the partner has a relationship with, or that one of its indirect resellers has,
    /// in the order they were created: at most `limit`, those after `after` when given, those the
    /// search finds when there is one, each with its position in that order.
    pub async fn customers_served_by(
        &self,
        partner_tenant_id: &str,
        after: Option<&Position>,
        limit: u32,
        search: Option<&CustomerFilter>,
    ) -> StoreResult<Vec<(Position, Customer)>> {
        let (after_seq, after_id) = after.map_or((i64::MIN, ""), |p| (p.seq, p.id.as_str()));
        let statement = search.map_or(LIST_AFTER[dialect(&self.db)], |s| search_statement(&self.db, s.field));
        let pattern = search.map(CustomerFilter::like_pattern);
        let rows: Vec<PositionedCustomerRow> = on_pool!(self, reader, |pool| {
            let query =
                sqlx::query_as(statement).bind(partner_tenant_id).bind(after_seq).bind(after_id).bind(i64::from(limit));
            match &pattern {
                Some(pattern) => query.bind(pattern).fetch_all(pool).await,
                None => query.fetch_all(pool).await,
            }
        })?;
        rows.into_iter().map(PositionedCustomerRow::into_pair).collect()
    }

    /// A page of the customers the partner serves (as `customers_served_by`), for the dashboard:
    /// at most `limit`, from where `at` says (the first ones, those after a position, or those just
    /// before one), those `search` finds when there is one; in creation order whichever way the
    /// page was read, each with its position. An index serves each page: no count, no scan.
    pub async fn customers_page(
        &self,
        partner_tenant_id: &str,
        at: Keyset<'_>,
        limit: u32,
        search: Option<&QuickSearch>,
    ) -> StoreResult<Vec<(Position, Customer)>> {
        let (statement, seq, id) = page_statement(&self.db, at, search);
        let pattern = search.map(QuickSearch::like_pattern);
        let tenant_id = search.and_then(QuickSearch::tenant_id);
        let rows: Vec<PositionedCustomerRow> = on_pool!(self, reader, |pool| {
            let query = sqlx::query_as(statement).bind(partner_tenant_id).bind(seq).bind(id).bind(i64::from(limit));
            match &pattern {
                Some(pattern) => query.bind(pattern).bind(&tenant_id).fetch_all(pool).await,
                None => query.fetch_all(pool).await,
            }
        })?;
        let mut page = rows.into_iter().map(PositionedCustomerRow::into_pair).collect::<StoreResult<Vec<_>>>()?;
        if matches!(at, Keyset::Before(_)) {
            page.reverse();
        }
        Ok(page)
    }

    /// How the database runs `customers_page` (its plan, one line per step): for the store's tests
    /// and the benchmark, which check that a page, however deep, and a search are index lookups.
    pub async fn customers_page_plan(
        &self,
        partner_tenant_id: &str,
        at: Keyset<'_>,
        search: Option<&QuickSearch>,
    ) -> StoreResult<Vec<String>> {
        let (statement, seq, id) = page_statement(&self.db, at, search);
        let explain = self.explain(statement);
        let pattern = search.map(QuickSearch::like_pattern);
        let tenant_id = search.and_then(QuickSearch::tenant_id);
        let lines: Vec<String> = on_pool!(self, reader, |pool| {
            let query = sqlx::query(&explain).bind(partner_tenant_id).bind(seq).bind(id).bind(20_i64);
            let rows = match &pattern {
                Some(pattern) => query.bind(pattern).bind(&tenant_id).fetch_all(pool).await?,
                None => query.fetch_all(pool).await?,
            };
            rows.iter().map(|row| row.try_get::<String, _>(row.len() - 1)).collect::<Result<_, _>>()?
        });
        Ok(lines)
    }

    /// `statement` prefixed to answer its plan: PostgreSQL's `EXPLAIN`, SQLite's `EXPLAIN QUERY PLAN`.
    fn explain(&self, statement: &str) -> String {
        match &self.db {
            super::Db::Postgres(_) => format!("EXPLAIN {statement}"),
            super::Db::Sqlite(_) => format!("EXPLAIN QUERY PLAN {statement}"),
        }
    }

    /// How the database runs a search of partner `partner_tenant_id`'s customers (its plan, one
    /// line per step): for the store's tests and the benchmark, which check that a search is an
    /// index lookup, not a scan.
    pub async fn customer_search_plan(
        &self,
        partner_tenant_id: &str,
        search: &CustomerFilter,
    ) -> StoreResult<Vec<String>> {
        let statement = search_statement(&self.db, search.field);
        let explain = self.explain(statement);
        let pattern = search.like_pattern();
        let lines: Vec<String> = on_pool!(self, reader, |pool| {
            let rows = sqlx::query(&explain)
                .bind(partner_tenant_id)
                .bind(i64::MIN)
                .bind("")
                .bind(100_i64)
                .bind(&pattern)
                .fetch_all(pool)
                .await?;
            // A step's text is the last column: PostgreSQL's only one, SQLite's `detail`.
            rows.iter().map(|row| row.try_get::<String, _>(row.len() - 1)).collect::<Result<_, _>>()?
        });
        Ok(lines)
    }

    /// Customer `id`, if partner `partner_tenant_id` serves it (see `customers_served_by`).
    pub async fn customer_seen_by(&self, id: &str, partner_tenant_id: &str) -> StoreResult<Seen<CustomerOfPartner>> {
        let row: Option<SeenCustomerRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(CUSTOMER_SEEN_BY).bind(id).bind(partner_tenant_id).fetch_optional(pool).await
        })?;
        Ok(match row {
            None => Seen::NoSuchCustomer,
            Some(row) if !row.served => Seen::NotServed,
            Some(row) => Seen::Served(CustomerOfPartner {
                customer: Customer::try_from(row.customer)?,
                delegated_admin: row.delegated_admin,
            }),
        })
    }

    /// The agreements of customer `id`, in the order recorded, if the partner serves it.
    pub async fn agreements_seen_by(&self, id: &str, partner_tenant_id: &str) -> StoreResult<Seen<Vec<Agreement>>> {
        let rows: Vec<SeenRow<AgreementRow>> = on_pool!(self, reader, |pool| {
            sqlx::query_as(AGREEMENTS_SEEN_BY).bind(id).bind(partner_tenant_id).fetch_all(pool).await
        })?;
        seen_list(rows)
    }

    /// Cart `cart_id` of customer `id`, if the partner serves the customer and may see the cart
    /// (its own, or one of its resellers'): `Served(None)` when it may not, or there is none.
    pub async fn cart_seen_by(
        &self,
        id: &str,
        partner_tenant_id: &str,
        cart_id: &str,
    ) -> StoreResult<Seen<Option<Cart>>> {
        let rows: Vec<SeenRow<CartRow>> = on_pool!(self, reader, |pool| {
            sqlx::query_as(CART_SEEN_BY).bind(id).bind(partner_tenant_id).bind(cart_id).fetch_all(pool).await
        })?;
        Ok(match seen_list(rows)? {
            Seen::Served(carts) => Seen::Served(carts.into_iter().next()),
            Seen::NotServed => Seen::NotServed,
            Seen::NoSuchCustomer => Seen::NoSuchCustomer,
        })
    }

    /// The orders of customer `id` the partner may see — the ones it placed and, for an indirect
    /// provider, the ones its related resellers placed — if it serves the customer.
    pub async fn orders_seen_by(&self, id: &str, partner_tenant_id: &str) -> StoreResult<Seen<Vec<Order>>> {
        let rows: Vec<SeenRow<OrderRow>> = on_pool!(self, reader, |pool| {
            sqlx::query_as(ORDERS_SEEN_BY).bind(id).bind(partner_tenant_id).fetch_all(pool).await
        })?;
        seen_list(rows)
    }
}
