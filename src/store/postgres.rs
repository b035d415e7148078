//! PostgreSQL: for docker-compose and several replicas sharing one database.

use super::cache::SharedCache;
use super::notify::{self, Echoes};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub struct PostgresStore {
    pool: PgPool,
    /// The same pool: PostgreSQL takes concurrent writers.
    writer: PgPool,
    cache: Arc<SharedCache>,
    echoes: Arc<Echoes>,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("partner-center-emulator");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // How long a request waits for a connection before it is answered 503 (retryable).
            // With PostgreSQL down every connection attempt is refused and sqlx retries until
            // this deadline; a request that fails and then releases its MS-RequestId claim
            // waits twice, so 3 s keeps every answer during an outage under 10 s
            // (.ci/reliability checks it) while riding out a restart shorter than that.
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await?;
        // Off until the change feed listens.
        let cache = Arc::new(SharedCache::new(false));
        let echoes = Arc::new(Echoes::default());
        notify::spawn_listener(pool.clone(), cache.clone(), echoes.clone());
        Ok(Self { writer: pool.clone(), pool, cache, echoes })
    }

    /// Shared state changed: clear this replica's cache and tell the others.
    async fn announce_change(&self) -> super::StoreResult<()> {
        self.cache.invalidate();
        let payload = uuid::Uuid::new_v4().simple().to_string();
        let echo = self.echoes.expect(&payload);
        sqlx::query("SELECT pg_notify($1, $2)").bind(notify::CHANNEL).bind(&payload).execute(&self.writer).await?;
        if self.cache.is_enabled() {
            self.echoes.wait(&payload, echo).await;
        }
        Ok(())
    }

    /// sqlx holds a PostgreSQL advisory lock while migrating, so replicas starting together
    /// apply each migration once.
    async fn run_migrations(&self) -> super::StoreResult<()> {
        sqlx::migrate!("./migrations/postgres").run(&self.pool).await.map_err(|e| super::StoreError::Other(e.into()))
    }
}

super::queries::sql_store!(PostgresStore, sqlx::Postgres, "postgres");
