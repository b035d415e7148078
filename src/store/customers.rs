//! Customers and their relationships with partners.

use chrono::{DateTime, Utc};

use super::conn::{Expect, Value};
use super::partners::PartnerRow;
use super::rows::{corrupt, to_json};
use super::{Store, StoreError, StoreResult, UnitOfWork};
use crate::domain::customer_search::fold;
use crate::domain::customers::Customer;
use crate::domain::paging::Position;
use crate::domain::partners::{Partner, RelatedPartner};

/// The position in creation order of the next customer stored (its `seq`).
macro_rules! next_customer_seq {
    () => {
        "(SELECT COALESCE(MAX(seq), 0) + 1 FROM customers)"
    };
}

/// A taken domain or admin user name inserts nothing (a conflict, reported by the row count). The
/// company name is stored as given and folded for searches (`$12`).
const INSERT_CUSTOMER: &str = concat!(
    "INSERT INTO customers (id, commerce_id, domain, company_name, \
     organization_registration_number, billing_profile, created_by, associated_partner_id, admin_user_name, \
     admin_password_hash, created_at, company_name_folded, seq) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ",
    next_customer_seq!(),
    ") ON CONFLICT DO NOTHING"
);

/// The company names of customers stored before searches were (migration 0010), to fold.
const UNFOLDED_COMPANY_NAMES: &str = "SELECT id, company_name FROM customers WHERE company_name_folded IS NULL";
const FOLD_COMPANY_NAME: &str = "UPDATE customers SET company_name_folded = $2 WHERE id = $1";

const CUSTOMER: &str = "SELECT id, commerce_id, domain, company_name, organization_registration_number, \
     billing_profile, created_by, associated_partner_id, admin_user_name, admin_password_hash, created_at \
     FROM customers WHERE id = $1";

/// `$1` is the user name in lower case.
const CUSTOMER_BY_ADMIN_USER: &str = "SELECT id, commerce_id, domain, company_name, \
     organization_registration_number, billing_profile, created_by, associated_partner_id, admin_user_name, \
     admin_password_hash, created_at FROM customers WHERE admin_user_name = $1";

/// Where customer `$1` stands in creation order.
const CUSTOMER_POSITION: &str = "SELECT seq FROM customers WHERE id = $1";

/// Customer `$1`'s position in creation order, for its relationships (`customer_seq`): its seq;
/// or, while the customer is inserted by the same statement (a unit sent as one statement on
/// PostgreSQL, whose parts do not see each other's rows), the seq `INSERT_CUSTOMER` gives it,
/// computed from the same snapshot (`one_statement.rs` counts the customers the statement inserts
/// before it, so the relationships of a second customer name the second's).
macro_rules! customer_seq_of_1 {
    () => {
        concat!("COALESCE((SELECT seq FROM customers WHERE id = $1), ", next_customer_seq!(), ")")
    };
}

/// A relationship of the partner that created the customer: it holds delegated admin privileges.
const INSERT_RELATIONSHIP: &str = concat!(
    "INSERT INTO customer_relationships (customer_id, partner_tenant_id, created_at, delegated_admin, seq, \
     customer_seq) VALUES ($1, $2, $3, TRUE, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customer_relationships), ",
    customer_seq_of_1!(),
    ")"
);

/// A relationship the customer accepted, with delegated admin privileges when `$4`. Accepting an
/// existing one again can grant them, never take them away (only the customer's admin center
/// could, and it does not offer to).
const ACCEPT_RELATIONSHIP: &str = concat!(
    "INSERT INTO customer_relationships \
     (customer_id, partner_tenant_id, created_at, delegated_admin, seq, customer_seq) \
     VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customer_relationships), ",
    customer_seq_of_1!(),
    ") \
     ON CONFLICT (customer_id, partner_tenant_id) DO UPDATE \
     SET delegated_admin = customer_relationships.delegated_admin OR excluded.delegated_admin"
);

const RELATED_PARTNERS: &str = "SELECT p.tenant_id, p.name, p.partner_type, p.indirect_provider_id, \
     r.delegated_admin FROM partners p JOIN customer_relationships r ON r.partner_tenant_id = p.tenant_id \
     WHERE r.customer_id = $1 ORDER BY r.seq, p.tenant_id";

#[derive(sqlx::FromRow)]
pub(super) struct CustomerRow {
    id: String,
    commerce_id: String,
    domain: String,
    company_name: String,
    organization_registration_number: Option<String>,
    /// The billing profile as JSON text.
    billing_profile: String,
    created_by: String,
    associated_partner_id: Option<String>,
    admin_user_name: String,
    admin_password_hash: String,
    created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct RelatedPartnerRow {
    #[sqlx(flatten)]
    partner: PartnerRow,
    delegated_admin: bool,
}

impl TryFrom<CustomerRow> for Customer {
    type Error = StoreError;

    fn try_from(row: CustomerRow) -> StoreResult<Self> {
        Ok(Customer {
            billing_profile: serde_json::from_str(&row.billing_profile)
                .map_err(|e| corrupt("billing_profile", &e.to_string()))?,
            id: row.id,
            commerce_id: row.commerce_id,
            domain: row.domain,
            company_name: row.company_name,
            organization_registration_number: row.organization_registration_number,
            created_by: row.created_by,
            associated_partner_id: row.associated_partner_id,
            admin_user_name: row.admin_user_name,
            admin_password_hash: row.admin_password_hash,
            created_at: row.created_at,
        })
    }
}

impl Store {
    pub async fn customer(&self, id: &str) -> StoreResult<Option<Customer>> {
        let row: Option<CustomerRow> =
            on_pool!(self, reader, |pool| sqlx::query_as(CUSTOMER).bind(id).fetch_optional(pool).await)?;
        row.map(Customer::try_from).transpose()
    }

    pub async fn customer_by_admin_user(&self, user_name: &str) -> StoreResult<Option<Customer>> {
        let user_name = user_name.trim().to_lowercase();
        let row: Option<CustomerRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(CUSTOMER_BY_ADMIN_USER).bind(&user_name).fetch_optional(pool).await
        })?;
        row.map(Customer::try_from).transpose()
    }

    /// The partners that have a relationship with the customer, each with what the customer granted it.
    pub async fn related_partners(&self, customer_id: &str) -> StoreResult<Vec<RelatedPartner>> {
        let rows: Vec<RelatedPartnerRow> = on_pool!(self, reader, |pool| {
            sqlx::query_as(RELATED_PARTNERS).bind(customer_id).fetch_all(pool).await
        })?;
        rows.into_iter()
            .map(|row| {
                Ok(RelatedPartner { partner: Partner::try_from(row.partner)?, delegated_admin: row.delegated_admin })
            })
            .collect()
    }

    /// Fold the company names that no search could find yet: those of customers stored before
    /// searches were. Run at start-up, after the migrations; a second run finds none.
    pub(super) async fn fold_company_names(&self) -> StoreResult<()> {
        let unfolded: Vec<(String, String)> =
            on_pool!(self, writer, |pool| sqlx::query_as(UNFOLDED_COMPANY_NAMES).fetch_all(pool).await)?;
        for (id, company_name) in unfolded {
            let folded = fold(&company_name);
            on_pool!(self, writer, |pool| {
                sqlx::query(FOLD_COMPANY_NAME).bind(&id).bind(&folded).execute(pool).await?;
            });
        }
        Ok(())
    }

    /// Where customer `id` stands in the order of creation, if it exists.
    pub async fn customer_position(&self, id: &str) -> StoreResult<Option<Position>> {
        let seq: Option<i64> = on_pool!(self, reader, |pool| {
            sqlx::query_scalar(CUSTOMER_POSITION).bind(id).fetch_optional(pool).await
        })?;
        Ok(seq.map(|seq| Position { seq, id: id.to_string() }))
    }
}

impl UnitOfWork {
    /// A customer and its relationships with `related_partners`; a taken domain is a `Conflict`.
    pub async fn insert_customer(&mut self, customer: &Customer, related_partners: &[String]) -> StoreResult<()> {
        let billing = to_json("billing_profile", &customer.billing_profile)?;
        let folded = fold(&customer.company_name);
        let values = [
            Value::Text(&customer.id),
            Value::Text(&customer.commerce_id),
            Value::Text(&customer.domain),
            Value::Text(&customer.company_name),
            Value::MaybeText(customer.organization_registration_number.as_deref()),
            Value::Text(&billing),
            Value::Text(&customer.created_by),
            Value::MaybeText(customer.associated_partner_id.as_deref()),
            Value::Text(&customer.admin_user_name),
            Value::Text(&customer.admin_password_hash),
            Value::Time(customer.created_at),
            Value::Text(&folded),
        ];
        if self.write(INSERT_CUSTOMER, &values, Expect::Rows(1)).await? == 0 {
            return Err(StoreError::Conflict);
        }
        for partner in related_partners {
            let values = [Value::Text(&customer.id), Value::Text(partner), Value::Time(customer.created_at)];
            self.write(INSERT_RELATIONSHIP, &values, Expect::Rows(1)).await?;
        }
        Ok(())
    }

    /// Record a relationship the customer accepted, with delegated admin privileges when
    /// `delegated_admin`; recording an existing one again only ever adds them.
    pub async fn add_relationship(
        &mut self,
        customer_id: &str,
        partner_tenant_id: &str,
        at: chrono::DateTime<chrono::Utc>,
        delegated_admin: bool,
    ) -> StoreResult<()> {
        let values =
            [Value::Text(customer_id), Value::Text(partner_tenant_id), Value::Time(at), Value::Bool(delegated_admin)];
        self.write(ACCEPT_RELATIONSHIP, &values, Expect::Any).await?;
        Ok(())
    }
}
