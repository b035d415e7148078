//! PostgreSQL: for docker-compose and several replicas sharing one database.

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Transaction;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use super::cache::SharedCache;
use super::conn::WriteConn;
use super::conn::{execute, Expect, Value};
use super::notify::{self, Echoes};
use super::one_statement::OneStatement;
use super::request_ids::{kept_answer, IdsInProgress, InProgress, StoredResponseRow, KEPT_ANSWER};
use super::{RequestLock, StoreError, StoreResult, StoredResponse, REQUEST_LOCK_WAIT};

/// Tell the other replicas that shared state changed (`store::notify`).
const NOTIFY: &str = "SELECT pg_notify($1, $2)";
/// A request id's lock, held by the unit of work's transaction (so it goes with the transaction,
/// however it ends, and holds across replicas).
const LOCK_REQUEST_ID: &str = "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))";
/// The same lock, waited for (within the transaction's lock timeout).
const WAIT_FOR_REQUEST_ID: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
/// How long the transaction's statements wait for a lock ('0': as long as it takes).
const SET_LOCK_TIMEOUT: &str = "SELECT set_config('lock_timeout', $1, true)";

pub(super) struct Postgres {
    pub reader: PgPool,
    /// The connections of units of work (and of the few writes made outside one). A pool of its
    /// own: a unit holds its connection from the request id's lock to the commit and reads through
    /// `reader` meanwhile, so that reads never wait for connections that units hold.
    pub writer: PgPool,
    echoes: Arc<Echoes>,
    /// The request ids this replica's one-statement units are running.
    in_progress: IdsInProgress,
}

/// Connections per pool, per replica: 2 x 10 and the change feed's listener, so that three
/// replicas (docker-compose.yml) stay within PostgreSQL's default of 100 connections.
const POOL_SIZE: u32 = 10;

impl Postgres {
    /// Connect, and start listening for other replicas' changes of shared state, which clear
    /// `cache` (off until the change feed listens).
    pub async fn connect(url: &str, cache: Arc<SharedCache>) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("partner-center-emulator");
        let pool = || {
            PgPoolOptions::new()
                .max_connections(POOL_SIZE)
                // How long a request waits for a connection before it is answered "unavailable"
                // (retryable). With PostgreSQL down every connection attempt is refused and sqlx
                // retries until this deadline: 3 s keeps every answer during an outage well under
                // 10 s (.ci/reliability checks it) while riding out a restart shorter than that.
                .acquire_timeout(Duration::from_secs(3))
        };
        let reader = pool().connect_with(options.clone()).await?;
        let writer = pool().connect_with(options).await?;
        let echoes = Arc::new(Echoes::default());
        notify::spawn_listener(reader.clone(), cache, echoes.clone());
        Ok(Self { reader, writer, echoes, in_progress: IdsInProgress::default() })
    }

    /// Open one connection and close it: the error of a server that cannot be reached, as the
    /// driver tells it.
    pub async fn probe(url: &str) -> anyhow::Result<()> {
        use sqlx::Connection;
        let options = PgConnectOptions::from_str(url)?;
        let connection = tokio::time::timeout(Duration::from_secs(10), sqlx::PgConnection::connect_with(&options))
            .await
            .map_err(|_| anyhow::anyhow!("no answer within 10 s"))??;
        connection.close().await?;
        Ok(())
    }

    /// Tell every replica (this one included) that shared state changed, and wait briefly for
    /// the notification to come back, so that the others have heard before the client does.
    pub async fn announce_change(&self, cache: &SharedCache) -> StoreResult<()> {
        let payload = uuid::Uuid::new_v4().simple().to_string();
        let echo = self.echoes.expect(&payload);
        sqlx::query(NOTIFY).bind(notify::CHANNEL).bind(&payload).execute(&self.writer).await?;
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

impl Postgres {
    pub fn unit(&self) -> PgUnit {
        PgUnit {
            pool: self.writer.clone(),
            tx: None,
            one: None,
            in_progress: self.in_progress.clone(),
            held: None,
            seen_answer: None,
        }
    }

    pub fn one_statement_unit(&self) -> PgUnit {
        let one = OneStatementUnit { reader: self.reader.clone(), writes: OneStatement::default() };
        let mut unit = self.unit();
        unit.one = Some(Box::new(one));
        unit
    }
}

/// A unit of work on PostgreSQL: one transaction on a pooled connection, begun at the unit's
/// first use. A request id is held by an advisory lock of that transaction, so that it is held
/// across replicas, and let go the moment the transaction ends, however it ends.
///
/// Or, for the API's writes, a unit sent as one statement (`one_statement.rs`): its writes are
/// gathered and sent together at its commit, so that a request is one round trip on the writer.
/// It reads through the reader pool meanwhile.
///
/// Both hold a request id in this replica's memory while their request runs, and keep its answer
/// only where the id has none (or only the stale one the unit read): the second of two requests
/// with one id, on two replicas, one of them sent as one statement, stores nothing (`Changed`),
/// runs again and gets the first's answer.
pub(super) struct PgUnit {
    pool: PgPool,
    tx: Option<Transaction<'static, sqlx::Postgres>>,
    one: Option<Box<OneStatementUnit>>,
    in_progress: IdsInProgress,
    held: Option<InProgress>,
    /// The request id's kept answer as the unit read it: `Some(None)` when there was none, and
    /// `Some(Some(claimed_at_ms))` for a stale one (older than 24 hours), which its answer replaces.
    seen_answer: Option<Option<i64>>,
}

pub(super) struct OneStatementUnit {
    reader: PgPool,
    writes: OneStatement,
}

impl PgUnit {
    async fn connection(&mut self) -> StoreResult<&mut sqlx::PgConnection> {
        let tx = match self.tx.take() {
            Some(tx) => tx,
            None => self.pool.begin().await?,
        };
        Ok(&mut **self.tx.insert(tx))
    }

    pub(super) async fn conn(&mut self) -> StoreResult<WriteConn<'_>> {
        Ok(WriteConn::Postgres(self.connection().await?))
    }

    /// Run a write now, or, in a unit sent as one statement, add it to the statement: the rows
    /// `expect` counts on (checked when the statement runs).
    pub(super) async fn write(&mut self, sql: &'static str, values: &[Value<'_>], expect: Expect) -> StoreResult<u64> {
        match &mut self.one {
            Some(one) => {
                one.writes.push(sql, values, expect)?;
                Ok(match expect {
                    Expect::Rows(rows) => rows,
                    Expect::Any => 0,
                })
            }
            None => execute(&mut self.conn().await?, sql, values).await,
        }
    }

    /// The pool a unit sent as one statement reads through (None: the unit reads on its own
    /// transaction's connection).
    pub(super) fn reader(&self) -> Option<&PgPool> {
        self.one.as_ref().map(|one| &one.reader)
    }

    /// The kept answer the unit's request id had when the unit took it (None within: there was
    /// none; else its `claimed_at_ms`); None when the unit took no id.
    pub(super) fn seen_answer(&self) -> Option<Option<i64>> {
        self.seen_answer
    }
}

impl PgUnit {
    pub(super) async fn lock_request(
        &mut self,
        partner_tenant_id: &str,
        request_id: &str,
        wait: bool,
    ) -> StoreResult<RequestLock> {
        let Some(held) = self.in_progress.hold(partner_tenant_id, request_id, wait).await else {
            return Ok(RequestLock::Busy);
        };
        self.held = Some(held);
        let kept = match &self.one {
            Some(one) => {
                let row: Option<StoredResponseRow> = sqlx::query_as(KEPT_ANSWER)
                    .bind(partner_tenant_id)
                    .bind(request_id)
                    .fetch_optional(&one.reader)
                    .await?;
                row.map(StoredResponse::try_from).transpose()?
            }
            None => {
                if !self.lock_in_database(partner_tenant_id, request_id, wait).await? {
                    return Ok(RequestLock::Busy);
                }
                kept_answer(&mut self.conn().await?, partner_tenant_id, request_id).await?
            }
        };
        self.seen_answer = Some(kept.as_ref().map(|k| k.claimed_at_ms));
        Ok(RequestLock::Locked(kept))
    }

    /// The request id's advisory lock, for the rest of the unit's transaction: false when another
    /// unit (on any replica) holds it, at once or, with `wait`, after `REQUEST_LOCK_WAIT`.
    async fn lock_in_database(&mut self, partner_tenant_id: &str, request_id: &str, wait: bool) -> StoreResult<bool> {
        let key = format!("{partner_tenant_id}\u{1f}{request_id}");
        let conn = self.connection().await?;
        if wait {
            // The wait is bounded by the transaction's lock timeout, set back afterwards.
            let patience = format!("{}ms", REQUEST_LOCK_WAIT.as_millis());
            sqlx::query(SET_LOCK_TIMEOUT).bind(&patience).execute(&mut *conn).await?;
            let waited = sqlx::query(WAIT_FOR_REQUEST_ID).bind(&key).execute(&mut *conn).await;
            sqlx::query(SET_LOCK_TIMEOUT).bind("0").execute(&mut *conn).await?;
            match waited {
                Ok(_) => Ok(true),
                // lock_not_available: the other unit held it past the wait.
                Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("55P03") => Ok(false),
                Err(e) => Err(e.into()),
            }
        } else {
            Ok(sqlx::query_scalar(LOCK_REQUEST_ID).bind(&key).fetch_one(&mut *conn).await?)
        }
    }

    pub(super) async fn commit(mut self) -> StoreResult<()> {
        if let Some(one) = self.one.take() {
            return one.writes.run(&self.pool).await;
        }
        match self.tx.take() {
            Some(tx) => Ok(tx.commit().await?),
            None => Ok(()),
        }
    }
}

impl Drop for PgUnit {
    /// Not committed: roll back now, so that the request id's lock goes at once (rather than when
    /// the pool next uses the connection).
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    let _ = tx.rollback().await;
                });
            }
        }
    }
}
