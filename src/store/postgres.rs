//! PostgreSQL: for docker-compose and several replicas sharing one database.

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use super::cache::SharedCache;
use super::notify::{self, Echoes};
use super::{sql, StoreError, StoreResult};

pub(super) struct Postgres {
    pub reader: PgPool,
    /// The same pool: PostgreSQL takes concurrent writers.
    pub writer: PgPool,
    echoes: Arc<Echoes>,
}

impl Postgres {
    /// Connect, and start listening for other replicas' changes of shared state, which clear
    /// `cache` (off until the change feed listens).
    pub async fn connect(url: &str, cache: Arc<SharedCache>) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("partner-center-emulator");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // How long a request waits for a connection before it is answered "unavailable" (retryable).
            // With PostgreSQL down every connection attempt is refused and sqlx retries until
            // this deadline; a request that fails and then releases its MS-RequestId claim
            // waits twice, so 3 s keeps every answer during an outage under 10 s
            // (.ci/reliability checks it) while riding out a restart shorter than that.
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await?;
        let echoes = Arc::new(Echoes::default());
        notify::spawn_listener(pool.clone(), cache, echoes.clone());
        Ok(Self { writer: pool.clone(), reader: pool, echoes })
    }

    /// Tell every replica (this one included) that shared state changed, and wait briefly for
    /// the notification to come back, so that the others have heard before the client does.
    pub async fn announce_change(&self, cache: &SharedCache) -> StoreResult<()> {
        let payload = uuid::Uuid::new_v4().simple().to_string();
        let echo = self.echoes.expect(&payload);
        sqlx::query(sql::NOTIFY).bind(notify::CHANNEL).bind(&payload).execute(&self.writer).await?;
        if cache.is_enabled() {
            self.echoes.wait(&payload, echo).await;
        }
        Ok(())
    }

    /// sqlx holds a PostgreSQL advisory lock while migrating, so replicas starting together
    /// apply each migration once.
    pub async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.writer)
            .await
            .map_err(|e| StoreError::Other(Arc::new(e.into())))
    }
}
