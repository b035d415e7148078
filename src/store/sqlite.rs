//! SQLite: the embedded default, a file in the working directory or `sqlite::memory:`.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use super::group_commit::{GroupCommit, SqliteUnit};
use super::{StoreError, StoreResult};

/// One emulator process per database file: the cache of shared state is cleared by this
/// process's own changes only (use PostgreSQL for several replicas).
pub(super) struct Sqlite {
    pub reader: SqlitePool,
    /// One connection for every write: writers queue here, in order, instead of retrying
    /// against SQLite's write lock (busy_timeout sleeps that made p99 latency jump).
    pub writer: SqlitePool,
    /// The units of work of concurrent requests, committed in groups on the writer.
    group_commit: GroupCommit,
}

impl Sqlite {
    /// `url` is a `sqlite:` URL or a plain file path.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        // Durability: synchronous=FULL (SQLite's own default, stated here so that no build flag or
        // library default can change it). In WAL mode every commit syncs the WAL to disk before
        // the emulator answers, so a write acknowledged with a 2xx survives a crash of the emulator
        // (kill -9) and of the machine (power loss), as it does on PostgreSQL with its defaults
        // (fsync, synchronous_commit=on). NORMAL would survive only the former.
        let options = options
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .synchronous(SqliteSynchronous::Full);
        let options = if in_memory { options } else { options.journal_mode(SqliteJournalMode::Wal) };
        // An in-memory database lives as long as its one connection.
        let reader = if in_memory {
            SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(4)
        }
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options.clone())
        .await?;
        let writer = if in_memory {
            reader.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?
        };
        // As the writer connection runs: every write goes through it.
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&writer).await?;
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&writer).await?;
        let synchronous = ["OFF", "NORMAL", "FULL", "EXTRA"].get(synchronous as usize).copied().unwrap_or("?");
        tracing::info!(synchronous, journal_mode, "sqlite durability");
        let group_commit = GroupCommit::start(writer.clone(), reader.clone());
        Ok(Self { reader, writer, group_commit })
    }

    pub fn unit(&self) -> SqliteUnit {
        self.group_commit.unit()
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations/sqlite").run(&self.writer).await.map_err(|e| StoreError::Other(Arc::new(e.into())))
    }
}
