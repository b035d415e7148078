//! Storage: one trait, with one implementation that behaves the same on PostgreSQL and SQLite.
//!
//! - `sql.rs`: every statement, written once in the SQL both databases accept;
//! - `rows.rs`: the rows they read, and how each becomes a domain value;
//! - `sql_store.rs`: the `Store` implementation, each method written once for both backends;
//! - `writes.rs`: the writes of a unit of work (`UnitOfWork`), written once for both backends;
//! - `postgres.rs`, `sqlite.rs`: what differs per backend — connection, pool settings, the
//!   migrations in `migrations/<backend>` and, on PostgreSQL, the change feed between replicas;
//! - `group_commit.rs`: SQLite's units of work, committed in groups on the one writer;
//! - `cache.rs`, `notify.rs`: shared state kept in memory, and how replicas clear it.

mod cache;
mod group_commit;
mod notify;
mod postgres;
mod rows;
mod sql;
mod sql_store;
mod sqlite;
mod writes;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

use crate::domain::agreements::{Agreement, AgreementTemplate};
use crate::domain::attestations::EnhancedAttestation;
use crate::domain::customers::Customer;
use crate::domain::faults::FaultRule;
use crate::domain::identities::{AppRegistration, PartnerUser};
use crate::domain::orders::Order;
use crate::domain::paging::Position;
use crate::domain::partners::Partner;
use crate::domain::sign_in::{SignInFailures, Signer};

pub use sql_store::SqlStore;

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule held by the database refused the write.
    #[error("conflict with an existing record")]
    Conflict,
    /// The database could not be reached or refused to work.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] Arc<sqlx::Error>),
    /// Anything else: a bug or corrupt data.
    #[error("database error: {0}")]
    Other(#[source] Arc<sqlx::Error>),
    #[error("text the database cannot store")]
    UnstorableText,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A conditional write found its row no longer in the state it requires (someone else
    /// changed it in between).
    #[error("the record changed in the meantime")]
    Changed,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            // PostgreSQL refuses text it cannot store (a NUL character): the request was bad.
            sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("22021" | "22P05")) => {
                StoreError::UnstorableText
            }
            // SQLite still busy or locked after its busy timeout, PostgreSQL shutting down or starting
            // (57P01-57P03): retryable, like an unreachable server.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("5" | "6" | "261" | "517" | "57P01" | "57P02" | "57P03")) =>
            {
                StoreError::Unavailable(Arc::new(e))
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(Arc::new(e))
            }
            _ => StoreError::Other(Arc::new(e)),
        }
    }
}

impl StoreError {
    /// The database did not answer in time.
    pub fn timed_out() -> Self {
        StoreError::Unavailable(Arc::new(sqlx::Error::PoolTimedOut))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A short-lived link to the agreement document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentLink {
    pub id: String,
    pub template_id: String,
    pub country: String,
    pub language: String,
    pub expires_at: DateTime<Utc>,
}

/// An email that Partner Center would have sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub partner_tenant_id: String,
    pub customer_id: String,
    pub agreement_id: String,
    pub queued_at: DateTime<Utc>,
    pub deliver_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct OutboxQuery {
    pub recipient: Option<String>,
    pub customer_id: Option<String>,
    pub partner_tenant_id: Option<String>,
    /// Only messages whose delivery time has come by this instant; None lists pending ones too.
    pub delivered_by: Option<DateTime<Utc>>,
}

/// The partner personas that have a clock or service date of their own, by tenant id (read on
/// every request: a fast hasher).
pub type PartnerTimes = foldhash::HashMap<String, PartnerTime>;

/// What a partner persona has of its own (`partner_time`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnerTime {
    pub clock: Option<StoredClock>,
    pub service_date: Option<String>,
}

/// The emulator clock as stored: frozen at an instant, or running with an offset from real time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredClock {
    pub frozen_at_ms: Option<i64>,
    pub offset_ms: i64,
}

/// A session of a site people sign in to (the admin center, the dashboard).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    /// SHA-256 of the cookie value, hex.
    pub id: String,
    pub signer: Signer,
    /// The token every form of the session carries.
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// A one-time link that signs a partner user in to the dashboard (for browser tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInLink {
    /// SHA-256 of the link's token, hex.
    pub id: String,
    pub user_id: String,
    pub expires_at: DateTime<Utc>,
}

/// The first answer to a POST, replayed when the caller retries with the same MS-RequestId.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub partner_tenant_id: String,
    pub request_id: String,
    pub method: String,
    pub path: String,
    /// SHA-256 of the request body: only an identical retry is replayed.
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    /// Emulator time of the request: kept answers are forgotten 24 hours after it.
    pub created_at: DateTime<Utc>,
    /// Real time of the request (Unix ms).
    pub claimed_at_ms: i64,
}

/// A customer's data as a partner asked for it: read with the access check, in one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen<T> {
    NoSuchCustomer,
    /// The customer exists; the partner does not serve it.
    NotServed,
    Served(T),
}

/// How long a unit waits for another to let a request id go, at most.
pub const REQUEST_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// What a unit of work found when it locked a request id.
#[derive(Debug)]
pub enum RequestLock {
    /// The unit holds the id until it ends; the answer kept under it, if any.
    Locked(Option<StoredResponse>),
    /// Another unit (on any replica) holds it: the first request with this id still runs.
    Busy,
}

/// The writes of one request, in one transaction committed by `commit` (dropped without it, the
/// unit is rolled back). The HTTP edge opens it, the use case writes in it, the edge adds the
/// rendered answer and commits: the request id, the domain write, its notification email and the
/// kept answer are stored together or not at all. A use case reads first and writes last: reads
/// through the store do not see the unit's writes before its commit (and on an in-memory SQLite
/// database they wait for it), and every write of a use case that has a unit goes through it.
#[async_trait]
pub trait UnitOfWork: Send {
    /// Hold request id `request_id` of `partner_tenant_id` for the rest of the unit, and read the
    /// answer kept under it. The hold ends with the unit, however it ends. While another unit
    /// holds it: `Busy` at once, or, with `wait`, once that unit has ended (`Busy` only after
    /// `REQUEST_LOCK_WAIT`).
    async fn lock_request(&mut self, partner_tenant_id: &str, request_id: &str, wait: bool)
        -> StoreResult<RequestLock>;
    /// A customer and its relationships with `related_partners`; a taken domain is a `Conflict`.
    async fn insert_customer(&mut self, customer: &Customer, related_partners: &[String]) -> StoreResult<()>;
    /// An agreement and the notification it triggers; a duplicate (same customer, type, source and
    /// duplicate key) is a `Conflict`. An agreement made with an enhanced attestation binds it to
    /// the customer: `Changed` when the attestation is no longer accepted and unused. A refused
    /// agreement writes nothing, and the unit goes on.
    async fn insert_agreement(&mut self, agreement: &Agreement, notice: Option<&OutboxMessage>) -> StoreResult<()>;
    async fn insert_order(&mut self, order: &Order) -> StoreResult<()>;
    async fn insert_attestation(&mut self, attestation: &EnhancedAttestation) -> StoreResult<()>;
    /// Record a relationship; recording an existing one again changes nothing.
    async fn add_relationship(
        &mut self,
        customer_id: &str,
        partner_tenant_id: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Keep the request's final answer under its id.
    async fn keep_answer(&mut self, answer: &StoredResponse) -> StoreResult<()>;
    /// Make every write of the unit durable; when this returns, they are on disk.
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> &'static str;
    async fn migrate(&self) -> StoreResult<()>;
    async fn ping(&self) -> StoreResult<()>;

    /// The stored value of `key`, inserting `proposed` first when there is none (race-free:
    /// every replica ends up with the same value).
    async fn setting_or_insert(&self, key: &str, proposed: &str) -> StoreResult<String>;

    async fn clock(&self) -> StoreResult<StoredClock>;
    async fn set_clock(&self, clock: StoredClock) -> StoreResult<()>;
    /// Move the clock forward (or back) atomically, whether frozen or running.
    async fn advance_clock(&self, by_ms: i64) -> StoreResult<()>;

    /// The stored service-date setting (`clock` or an ISO date); None: the configured default.
    async fn service_date_setting(&self) -> StoreResult<Option<String>>;
    /// Every partner's own clock and service-date setting (`partner_time`), by tenant id.
    async fn partner_times(&self) -> StoreResult<Arc<PartnerTimes>>;
    /// Give a partner its own clock (None: back to the emulator's).
    async fn set_partner_clock(&self, partner_tenant_id: &str, clock: Option<StoredClock>) -> StoreResult<()>;
    /// Give a partner its own service-date setting (None: back to the emulator's).
    async fn set_partner_service_date(&self, partner_tenant_id: &str, setting: Option<&str>) -> StoreResult<()>;
    /// Store the service-date setting (None: back to the configured default); the clock stays.
    async fn set_service_date_setting(&self, setting: Option<&str>) -> StoreResult<()>;

    async fn insert_partner(&self, partner: &Partner, at: DateTime<Utc>) -> StoreResult<()>;
    async fn partner(&self, tenant_id: &str) -> StoreResult<Option<Partner>>;
    /// The first `limit` partners in the order they were created, and how many there are.
    async fn partners(&self, limit: u32) -> StoreResult<(Vec<Partner>, u64)>;

    async fn templates(&self) -> StoreResult<Arc<[AgreementTemplate]>>;

    /// Conflict when the client id is taken.
    async fn insert_app_registration(&self, app: &AppRegistration) -> StoreResult<()>;
    async fn app_registration(&self, client_id: &str) -> StoreResult<Option<AppRegistration>>;
    async fn app_registrations(&self, partner_tenant_id: &str) -> StoreResult<Vec<AppRegistration>>;
    /// Conflict when the id or the user name is taken.
    async fn insert_partner_user(&self, user: &PartnerUser) -> StoreResult<()>;
    /// The user with this (normalized) user name.
    async fn partner_user_by_name(&self, user_name: &str) -> StoreResult<Option<PartnerUser>>;
    async fn partner_user(&self, id: &str) -> StoreResult<Option<PartnerUser>>;
    async fn partner_users(&self, partner_tenant_id: &str) -> StoreResult<Vec<PartnerUser>>;

    async fn insert_document_link(&self, link: &DocumentLink) -> StoreResult<()>;
    async fn document_link(&self, id: &str) -> StoreResult<Option<DocumentLink>>;

    async fn customer(&self, id: &str) -> StoreResult<Option<Customer>>;
    async fn customer_by_admin_user(&self, user_name: &str) -> StoreResult<Option<Customer>>;
    /// The partners that have a relationship with the customer.
    async fn related_partners(&self, customer_id: &str) -> StoreResult<Vec<Partner>>;
    /// Customers the partner has a relationship with, or that one of its indirect resellers has,
    /// in the order they were created: at most `limit`, those after `after` when given, each with
    /// its position in that order.
    async fn customers_served_by(
        &self,
        partner_tenant_id: &str,
        after: Option<&Position>,
        limit: u32,
    ) -> StoreResult<Vec<(Position, Customer)>>;
    /// Where customer `id` stands in the order of creation, if it exists.
    async fn customer_position(&self, id: &str) -> StoreResult<Option<Position>>;
    /// Customer `id`, if partner `partner_tenant_id` serves it (see `customers_served_by`).
    async fn customer_seen_by(&self, id: &str, partner_tenant_id: &str) -> StoreResult<Seen<Customer>>;
    /// The agreements of customer `id`, in the order recorded, if the partner serves it.
    async fn agreements_seen_by(&self, id: &str, partner_tenant_id: &str) -> StoreResult<Seen<Vec<Agreement>>>;
    /// The orders of customer `id` the partner may see — the ones it placed and, for an indirect
    /// provider, the ones its related resellers placed — if it serves the customer.
    async fn orders_seen_by(&self, id: &str, partner_tenant_id: &str) -> StoreResult<Seen<Vec<Order>>>;

    async fn attestation(&self, id: &str) -> StoreResult<Option<EnhancedAttestation>>;
    /// Record the customer's acceptance at `at`; false when it is no longer pending or has expired.
    async fn accept_attestation(&self, id: &str, at: DateTime<Utc>) -> StoreResult<bool>;
    async fn agreements(&self, customer_id: &str) -> StoreResult<Vec<Agreement>>;

    async fn outbox(&self, query: &OutboxQuery) -> StoreResult<Vec<OutboxMessage>>;
    async fn clear_outbox(&self) -> StoreResult<u64>;

    async fn orders(&self, customer_id: &str) -> StoreResult<Vec<Order>>;

    /// The failed sign-ins of a user name (`domain::sign_in::lockout_key`).
    async fn sign_in_failures(&self, user_name: &str) -> StoreResult<SignInFailures>;
    /// Count a failed sign-in of a user name: the `threshold`-th locks it until `lock_until`, and the
    /// count starts again. Returns the count and lock as they are now.
    async fn record_sign_in_failure(
        &self,
        user_name: &str,
        threshold: u32,
        lock_until: DateTime<Utc>,
    ) -> StoreResult<SignInFailures>;
    /// Forget the failures (and lock) of one user name, or of every one; how many were forgotten.
    async fn clear_sign_in_failures(&self, user_name: Option<&str>) -> StoreResult<u64>;
    async fn all_sign_in_failures(&self) -> StoreResult<Vec<(String, SignInFailures)>>;

    async fn insert_web_session(&self, session: &WebSession) -> StoreResult<()>;
    async fn web_session(&self, id: &str) -> StoreResult<Option<WebSession>>;
    async fn delete_web_session(&self, id: &str) -> StoreResult<()>;
    async fn insert_sign_in_link(&self, link: &SignInLink) -> StoreResult<()>;
    /// The link with this id, removed in the same statement: a link signs in once.
    async fn take_sign_in_link(&self, id: &str) -> StoreResult<Option<SignInLink>>;
    /// Drop the sessions (admin center and dashboard) and sign-in links that ended at or before
    /// `now`; returns how many.
    async fn forget_expired_sign_ins(&self, now: DateTime<Utc>) -> StoreResult<u64>;

    /// The answer kept under a partner's request id, if any (read outside any unit: a page that
    /// shows what an earlier request made).
    async fn kept_answer(&self, partner_tenant_id: &str, request_id: &str) -> StoreResult<Option<StoredResponse>>;

    /// Drop kept answers made before `before` (emulator time); returns how many.
    async fn forget_responses(&self, before: DateTime<Utc>) -> StoreResult<u64>;

    /// A unit of work: the writes of one request, committed together, or not at all. Nothing
    /// happens in the database until its first write (or its request-id lock).
    fn begin(&self) -> Box<dyn UnitOfWork>;
    async fn insert_fault_rule(&self, rule: &FaultRule, at: DateTime<Utc>) -> StoreResult<()>;
    /// Every fault rule, in the order they were added.
    async fn fault_rules(&self) -> StoreResult<Arc<Vec<FaultRule>>>;
    /// Count a hit; false when the rule is gone or has used up its count (atomic across replicas).
    async fn record_fault_hit(&self, id: &str) -> StoreResult<bool>;
    /// Delete one rule, or all of them; returns how many went.
    async fn delete_fault_rules(&self, id: Option<&str>) -> StoreResult<u64>;

    /// Forget everything partners and customers did (templates, signing key stay), or only what
    /// belongs to one partner. Atomic.
    async fn reset(&self, partner_tenant_id: Option<&str>) -> StoreResult<()>;
}

/// A database URL the emulator cannot use as given: what to change.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DatabaseUrlError(pub String);

/// Which database a URL names, for people (never with a password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    Postgres { host: String, port: u16, database: String },
    SqliteFile(std::path::PathBuf),
    SqliteMemory,
}

impl std::fmt::Display for DatabaseLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Postgres { host, port, database } => write!(f, "PostgreSQL at {host}:{port}, database '{database}'"),
            Self::SqliteFile(path) => write!(f, "SQLite file {}", path.display()),
            Self::SqliteMemory => write!(f, "SQLite in memory (nothing is kept after the process ends)"),
        }
    }
}

/// Read a database URL: `postgres://` or `postgresql://` for PostgreSQL, `sqlite:` or a plain file
/// path for SQLite; any other scheme is refused.
pub fn locate(database_url: &str) -> Result<DatabaseLocation, DatabaseUrlError> {
    let url = database_url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(url).map_err(|e| {
            DatabaseUrlError(format!("DATABASE_URL is not a PostgreSQL URL the emulator can read: {e}"))
        })?;
        return Ok(DatabaseLocation::Postgres {
            host: options.get_host().to_string(),
            port: options.get_port(),
            database: options.get_database().unwrap_or("postgres").to_string(),
        });
    }
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(DatabaseLocation::SqliteMemory);
    }
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let path = path.split('?').next().unwrap_or_default();
        return Ok(DatabaseLocation::SqliteFile(absolute(path)));
    }
    if let Some((scheme, _)) = url.split_once("://") {
        return Err(DatabaseUrlError(format!(
            "DATABASE_URL names a '{scheme}' database, which the emulator does not support: use \
             postgres://USER@HOST:PORT/DATABASE, sqlite:PATH (sqlite::memory: for a throwaway database) or a file path"
        )));
    }
    Ok(DatabaseLocation::SqliteFile(absolute(url)))
}

fn absolute(path: &str) -> std::path::PathBuf {
    let path = std::path::Path::new(path);
    std::env::current_dir().map(|dir| dir.join(path)).unwrap_or_else(|_| path.to_path_buf())
}

/// Open the store that `database_url` names (see `locate`). A failure says which database, and
/// what to check.
pub async fn connect(database_url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let location = locate(database_url)?;
    let store = match &location {
        DatabaseLocation::Postgres { host, port, database } => {
            // Off until the change feed from the other replicas listens.
            let cache = Arc::new(cache::SharedCache::new(false));
            let unreachable = |e: &dyn std::fmt::Display| {
                anyhow::anyhow!(
                    "cannot connect to PostgreSQL at {host}:{port}, database '{database}': {e}. Is the server \
                     running and reachable from here, and does the database exist? (DATABASE_URL)"
                )
            };
            // One connection first: a pool that cannot connect only says that it timed out.
            postgres::Postgres::probe(database_url).await.map_err(|e| unreachable(&e))?;
            let db = postgres::Postgres::connect(database_url, cache.clone()).await.map_err(|e| {
                anyhow::anyhow!(
                    "cannot connect to PostgreSQL at {host}:{port}, database '{database}': {e:#}. Is the server \
                     running and reachable from here, and does the database exist? (DATABASE_URL)"
                )
            })?;
            SqlStore::new(sql_store::Db::Postgres(db), cache)
        }
        DatabaseLocation::SqliteFile(_) | DatabaseLocation::SqliteMemory => {
            // One process per file: only this process changes shared state.
            let cache = Arc::new(cache::SharedCache::new(true));
            let db = sqlite::Sqlite::connect(database_url).await.map_err(|e| {
                anyhow::anyhow!(
                    "cannot open the {location}: {e}. Does its directory exist, and may this user write there? \
                     (DATABASE_URL)"
                )
            })?;
            SqlStore::new(sql_store::Db::Sqlite(db), cache)
        }
    };
    Ok(Arc::new(store))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_read_or_refused_with_what_to_use() {
        let pg = locate("postgres://app:secret@db.example:5433/emulator").unwrap();
        assert_eq!(pg.to_string(), "PostgreSQL at db.example:5433, database 'emulator'");
        assert!(matches!(locate("sqlite::memory:").unwrap(), DatabaseLocation::SqliteMemory));
        assert!(locate("sqlite://data/pce.db").unwrap().to_string().ends_with("data/pce.db"));
        assert!(locate("pce.db").unwrap().to_string().starts_with("SQLite file /"));
        let refused = locate("mysql://root@localhost/pce").unwrap_err().to_string();
        assert!(refused.contains("'mysql'") && refused.contains("postgres://"), "{refused}");
    }
}
