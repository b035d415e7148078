//! SQLite: the embedded default, a file in the working directory or `sqlite::memory:`.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// `url` is a `sqlite:` URL or a plain file path.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let options = options.create_if_missing(true).foreign_keys(true).busy_timeout(Duration::from_secs(10));
        let options = if in_memory { options } else { options.journal_mode(SqliteJournalMode::Wal) };
        // An in-memory database lives as long as its one connection.
        let pool = if in_memory {
            SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(8)
        }
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
        Ok(Self { pool })
    }

    async fn run_migrations(&self) -> super::StoreResult<()> {
        sqlx::migrate!("./migrations/sqlite").run(&self.pool).await.map_err(|e| super::StoreError::Other(e.into()))
    }
}

super::queries::sql_store!(SqliteStore, sqlx::Sqlite, "sqlite");
