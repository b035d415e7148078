//! Storage: one [`Store`], with the same behaviour on PostgreSQL and SQLite. Its queries are
//! grouped by what they are about, one file each; a file holds its statements (written once, in the
//! SQL both databases accept: `$N` placeholders, `ON CONFLICT`, `RETURNING`), the rows they read and
//! how each becomes a domain value, and the methods that run them. A new query is a method (and its
//! row) in one file.
//!
//! - what the store is about: `settings.rs` (the clock, the service date, settings), `partners.rs`
//!   (partners, the template catalog), `identities.rs`, `customers.rs`, `access.rs` (reads that
//!   check the caller's access in the same statement), `agreements.rs`, `attestations.rs`,
//!   `orders.rs`, `carts.rs`, `outbox.rs`, `documents.rs`, `sessions.rs`, `lockouts.rs`, `kept_answers.rs`,
//!   `faults.rs`, `reset.rs`;
//! - how it stores: `unit.rs` (a unit of work: the writes of one request, in one transaction),
//!   `one_statement.rs` (on PostgreSQL, the API's units sent as one statement),
//!   `conn.rs` (the connection it writes on, and the values a write binds), `request_ids.rs` (a request id a unit holds),
//!   `postgres.rs` and `sqlite.rs` (connection, pools, migrations in `migrations/<backend>`),
//!   `group_commit.rs` (SQLite's units committed in groups on the one writer), `cache.rs` and
//!   `notify.rs` (shared state kept in memory, and how replicas clear it), `rows.rs` (decoding
//!   helpers).
//!
//! Tables that lists are read from carry a `seq` column, the insertion order, so that lists keep
//! it even while the emulator clock is frozen: an insert takes `MAX(seq) + 1` (indexed).

use crate::config::ConfigurationError;
use std::sync::Arc;

/// `on_pool!(self, reader|writer, |pool| expression)`: the expression, run with `pool` bound to
/// the backend's pool for reads or for writes.
macro_rules! on_pool {
    ($store:expr, $which:ident, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::store::Db::Postgres(db) => {
                let $pool = &db.$which;
                $body
            }
            $crate::store::Db::Sqlite(db) => {
                let $pool = &db.$which;
                $body
            }
        }
    };
}

/// `in_transaction!(self, |tx| block)`: the block, run in a transaction on the writer and
/// committed when it ends; a `?` inside it returns early and the transaction is rolled back.
macro_rules! in_transaction {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.db {
            $crate::store::Db::Postgres(db) => {
                let mut $tx = db.writer.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::store::Db::Sqlite(db) => {
                let mut $tx = db.writer.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

mod access;
mod agreements;
mod attestations;
mod cache;
mod carts;
mod conn;
mod customers;
mod documents;
mod faults;
mod group_commit;
mod identities;
mod kept_answers;
mod lockouts;
mod notify;
mod one_statement;
mod orders;
mod outbox;
mod partners;
mod postgres;
mod request_ids;
mod reset;
mod rows;
mod sessions;
mod settings;
mod sqlite;
mod unit;

pub use access::Seen;

pub use outbox::OutboxQuery;
pub use request_ids::{RequestLock, StoredResponse, REQUEST_LOCK_WAIT};
pub use sessions::{SignInLink, WebSession};
pub use settings::{PartnerTime, PartnerTimes, StoredClock};
pub use unit::UnitOfWork;

use cache::SharedCache;

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

/// A connected database.
enum Db {
    Postgres(postgres::Postgres),
    Sqlite(sqlite::Sqlite),
}

/// The database, whichever it is, and the shared state kept in memory in front of it.
pub struct Store {
    db: Db,
    /// The shared state every request reads (`cache.rs`).
    cache: Arc<SharedCache>,
}

impl Store {
    fn new(db: Db, cache: Arc<SharedCache>) -> Self {
        Self { db, cache }
    }

    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Postgres(_) => "postgres",
            Db::Sqlite(_) => "sqlite",
        }
    }

    /// Bring the schema up to date, and the data a migration could not (see
    /// `fold_company_names`).
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.db {
            Db::Postgres(db) => db.migrate().await?,
            Db::Sqlite(db) => db.migrate().await?,
        }
        self.fold_company_names().await
    }

    pub async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, reader, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// A unit of work: the writes of one request, committed together, or not at all. Nothing
    /// happens in the database until its first write (or its request-id lock).
    pub fn begin(&self) -> UnitOfWork {
        match &self.db {
            Db::Postgres(db) => UnitOfWork::postgres(db.unit()),
            Db::Sqlite(db) => UnitOfWork::sqlite(db.unit()),
        }
    }

    /// A unit of work for a request that is run again whole when its commit says `Changed`: on
    /// PostgreSQL its writes are sent as one statement at its commit (`one_statement.rs`); on
    /// SQLite it is a unit as any other, in a group commit on the one writer.
    pub fn begin_one_statement(&self) -> UnitOfWork {
        match &self.db {
            Db::Postgres(db) => UnitOfWork::postgres(db.one_statement_unit()),
            Db::Sqlite(db) => UnitOfWork::sqlite(db.unit()),
        }
    }

    /// Shared state changed: clear this replica's cache, and on PostgreSQL tell the others.
    async fn announce_change(&self) -> StoreResult<()> {
        self.cache.invalidate();
        match &self.db {
            Db::Postgres(db) => db.announce_change(&self.cache).await,
            Db::Sqlite(_) => Ok(()),
        }
    }
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
/// what to check; a database that cannot be reached or opened is a `ConfigurationError` (the
/// emulator exits with code 2).
pub async fn connect(database_url: &str) -> anyhow::Result<Arc<Store>> {
    let location = locate(database_url)?;
    let store = match &location {
        DatabaseLocation::Postgres { host, port, database } => {
            // Off until the change feed from the other replicas listens.
            let cache = Arc::new(cache::SharedCache::new(false));
            // The configuration names a database the emulator cannot start with: exit code 2, as
            // for any configuration it cannot start with (`ConfigurationError`).
            let unreachable = |e: &dyn std::fmt::Display| {
                ConfigurationError(format!(
                    "cannot connect to PostgreSQL at {host}:{port}, database '{database}': {e}. Is the server \
                     running and reachable from here, and does the database exist? (DATABASE_URL)"
                ))
            };
            // One connection first: a pool that cannot connect only says that it timed out.
            postgres::Postgres::probe(database_url).await.map_err(|e| unreachable(&e))?;
            let db = postgres::Postgres::connect(database_url, cache.clone())
                .await
                .map_err(|e| unreachable(&format_args!("{e:#}")))?;
            Store::new(Db::Postgres(db), cache)
        }
        DatabaseLocation::SqliteFile(_) | DatabaseLocation::SqliteMemory => {
            // One process per file: only this process changes shared state.
            let cache = Arc::new(cache::SharedCache::new(true));
            let db = sqlite::Sqlite::connect(database_url).await.map_err(|e| {
                ConfigurationError(format!(
                    "cannot open the {location}: {e}. Does its directory exist, and may this user write there? \
                     (DATABASE_URL)"
                ))
            })?;
            Store::new(Db::Sqlite(db), cache)
        }
    };
    Ok(Arc::new(store))
}

/// The two migration trees describe one schema: migrations are written once per dialect, and a
/// test holds the pairs together (`migrations_are_kept_in_step`).
#[cfg(test)]
mod migrations_tests {
    use std::path::Path;

    /// A PostgreSQL migration as SQLite spells it: the types and literals the dialects name
    /// differently, folded; comments and layout dropped; and functions and the dropping of a
    /// column's default dropped, which SQLite has none of (each says in its migration what SQLite
    /// does instead).
    fn as_sqlite(postgres: &str) -> String {
        let folded = without_defaults_dropped(&without_functions(&normalized(postgres)))
            .replace("TIMESTAMPTZ '2023-04-01T00:00:00Z'", "'2023-04-01T00:00:00+00:00'")
            .replace("TIMESTAMPTZ", "TEXT")
            .replace("DOUBLE PRECISION", "REAL")
            .replace("BIGINT", "INTEGER")
            .replace("chr(", "char(")
            // An index a prefix search (LIKE 'abc%') can use: an operator class on PostgreSQL, the
            // NOCASE collation that SQLite's LIKE needs.
            .replace(" text_pattern_ops", " COLLATE NOCASE");
        // Booleans are 0 and 1 in SQLite's inserts; `FALSE` as a column default stays as written.
        folded
            .replace(", TRUE)", ", 1)")
            .replace(", FALSE)", ", 0)")
            .replace(", TRUE, ", ", 1, ")
            .replace(", FALSE, ", ", 0, ")
    }

    /// `sql` without its `ALTER TABLE t ALTER COLUMN c DROP DEFAULT;` statements.
    fn without_defaults_dropped(sql: &str) -> String {
        sql.split_inclusive(';')
            .filter(|statement| {
                let words: Vec<&str> = statement.split_whitespace().collect();
                !matches!(words.as_slice(), ["ALTER", "TABLE", _, "ALTER", "COLUMN", _, "DROP", "DEFAULT;"])
            })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `sql` without its `CREATE FUNCTION … $$ … $$;` statements.
    fn without_functions(sql: &str) -> String {
        let mut rest = sql;
        let mut kept = String::new();
        while let Some(at) = rest.find("CREATE FUNCTION") {
            kept.push_str(&rest[..at]);
            let body = &rest[at..];
            let end = body.match_indices("$$").nth(1).map(|(i, _)| i + 2).unwrap_or(body.len());
            rest = body[end..].trim_start().trim_start_matches(';');
        }
        kept.push_str(rest);
        kept.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn normalized(sql: &str) -> String {
        sql.lines()
            .map(|line| line.split("--").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn migrations_are_kept_in_step() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let (postgres, sqlite) = (root.join("postgres"), root.join("sqlite"));
        assert_eq!(files(&postgres), files(&sqlite), "the same migrations, under the same names");
        for name in files(&postgres) {
            let pg = std::fs::read_to_string(postgres.join(&name)).unwrap();
            let lite = std::fs::read_to_string(sqlite.join(&name)).unwrap();
            // SQLite takes either spelling of an integer type: both are folded alike.
            assert_eq!(as_sqlite(&pg), as_sqlite(&lite), "{name}: the two dialects' statements differ");
        }
    }

    #[test]
    fn a_difference_is_seen() {
        let pg = "CREATE TABLE t (a BIGINT NOT NULL, b TIMESTAMPTZ); -- note";
        assert_eq!(as_sqlite(pg), as_sqlite("CREATE TABLE t (a INTEGER NOT NULL,\n b TEXT);"));
        assert_ne!(as_sqlite(pg), as_sqlite("CREATE TABLE t (a INTEGER, b TEXT);"), "a constraint left out");
        let function = "CREATE FUNCTION f() RETURNS INTEGER LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$; CREATE TABLE u (a TEXT);";
        assert_eq!(as_sqlite(function), as_sqlite("CREATE TABLE u (a TEXT);"), "a function is PostgreSQL's alone");
        let dropped =
            "ALTER TABLE t ADD COLUMN c INTEGER NOT NULL DEFAULT 0; ALTER TABLE t ALTER COLUMN c DROP DEFAULT;";
        assert_eq!(as_sqlite(dropped), as_sqlite("ALTER TABLE t ADD COLUMN c INTEGER NOT NULL DEFAULT 0;"));
    }
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
