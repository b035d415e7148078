//! PostgreSQL: for docker-compose and several replicas sharing one database.

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("partner-center-emulator");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    /// sqlx holds a PostgreSQL advisory lock while migrating, so replicas starting together
    /// apply each migration once.
    async fn run_migrations(&self) -> super::StoreResult<()> {
        sqlx::migrate!("./migrations/postgres").run(&self.pool).await.map_err(|e| super::StoreError::Other(e.into()))
    }
}

super::queries::sql_store!(PostgresStore, sqlx::Postgres, "postgres");
