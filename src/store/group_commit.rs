//! SQLite's writes, committed in groups. SQLite takes one writer at a time and every durable
//! commit waits for the disk (`synchronous=FULL`), so the units of work of concurrent requests
//! share a transaction on the one writer connection: each unit runs its writes inside a savepoint
//! of the open transaction, then waits; a committer commits everything that finished meanwhile in
//! one go and tells each unit — so no answer leaves before its writes are on disk. A unit that is
//! dropped half-way (its request failed) leaves its savepoint to be rolled back by whoever uses the
//! connection next, before anything else: a refused or failed unit never takes the others of its
//! group down with it.
//!
//! Request ids in progress are held in this process's memory: an SQLite file belongs to one
//! emulator process.

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::{oneshot, Notify, OwnedMutexGuard};

use super::writes::{self, WriteConn};
use super::{sql, OutboxMessage, RequestLock, StoreError, StoreResult, StoredResponse, UnitOfWork};
use crate::domain::agreements::Agreement;
use crate::domain::attestations::EnhancedAttestation;
use crate::domain::customers::Customer;
use crate::domain::orders::Order;

const SAVEPOINT: &str = "SAVEPOINT unit";
const RELEASE: &str = "RELEASE SAVEPOINT unit";
const ROLLBACK_UNIT: &str = "ROLLBACK TO SAVEPOINT unit";

/// The transaction the units of the current group write in.
#[derive(Default)]
struct Group {
    /// The writer connection, while a transaction is open on it.
    conn: Option<PoolConnection<Sqlite>>,
    /// A unit was dropped in the middle of its writes: its savepoint is still open.
    dangling: bool,
    /// The units that finished their writes and wait for the commit.
    waiting: Vec<oneshot::Sender<StoreResult<()>>>,
}

impl Group {
    /// Roll back what a dropped unit left; the transaction is then as the last finished unit left it.
    async fn settle(&mut self) -> StoreResult<()> {
        if let (true, Some(conn)) = (self.dangling, self.conn.as_mut()) {
            sqlx::query(ROLLBACK_UNIT).execute(&mut **conn).await?;
            sqlx::query(RELEASE).execute(&mut **conn).await?;
        }
        self.dangling = false;
        Ok(())
    }

    /// Commit the group (or roll it back when no unit finished) and tell the waiting units.
    async fn close(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        let outcome: StoreResult<()> = async {
            self.settle().await?;
            let end = if self.waiting.is_empty() { sql::ROLLBACK } else { sql::COMMIT };
            sqlx::query(end).execute(&mut *conn).await?;
            Ok(())
        }
        .await;
        if outcome.is_err() {
            let _ = sqlx::query(sql::ROLLBACK).execute(&mut *conn).await;
        }
        self.dangling = false;
        for unit in self.waiting.drain(..) {
            let _ = unit.send(outcome.clone());
        }
    }
}

/// The writer side of an SQLite store.
pub(super) struct GroupCommit {
    writer: SqlitePool,
    reader: SqlitePool,
    group: Arc<tokio::sync::Mutex<Group>>,
    wake: Arc<Notify>,
    in_progress: Arc<Mutex<HashSet<String>>>,
}

impl GroupCommit {
    /// Start the committer for `writer` (a pool of one connection).
    pub fn start(writer: SqlitePool, reader: SqlitePool) -> Self {
        let group = Arc::new(tokio::sync::Mutex::new(Group::default()));
        let wake = Arc::new(Notify::new());
        let (committer_group, committer_wake) = (Arc::downgrade(&group), wake.clone());
        tokio::spawn(async move {
            loop {
                committer_wake.notified().await;
                // The lock is fair: the units already queued for the connection write first and join
                // this group; the ones that come later write in the next.
                let Some(group) = committer_group.upgrade() else { break };
                group.lock().await.close().await;
            }
        });
        Self { writer, reader, group, wake, in_progress: Arc::default() }
    }

    pub fn unit(&self) -> SqliteUnit {
        SqliteUnit {
            writer: self.writer.clone(),
            reader: self.reader.clone(),
            group: self.group.clone(),
            wake: self.wake.clone(),
            in_progress: self.in_progress.clone(),
            held: None,
            request: None,
            finished: false,
        }
    }
}

/// A request id this process is running; let go when the unit ends.
struct InProgress {
    ids: Arc<Mutex<HashSet<String>>>,
    key: String,
}

impl Drop for InProgress {
    fn drop(&mut self) {
        self.ids.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.key);
    }
}

pub(super) struct SqliteUnit {
    writer: SqlitePool,
    reader: SqlitePool,
    group: Arc<tokio::sync::Mutex<Group>>,
    wake: Arc<Notify>,
    in_progress: Arc<Mutex<HashSet<String>>>,
    /// The group, from the unit's first write to its end.
    held: Option<OwnedMutexGuard<Group>>,
    request: Option<InProgress>,
    finished: bool,
}

impl SqliteUnit {
    /// The writer connection, inside this unit's savepoint of the group's transaction.
    async fn conn(&mut self) -> StoreResult<WriteConn<'_>> {
        if self.held.is_none() {
            let mut group = self.group.clone().lock_owned().await;
            group.settle().await?;
            if group.conn.is_none() {
                let mut conn = self.writer.acquire().await?;
                sqlx::query(sql::BEGIN_IMMEDIATE).execute(&mut *conn).await?;
                group.conn = Some(conn);
            }
            let conn = group.conn.as_mut().ok_or(StoreError::Corrupt("no writer connection".into()))?;
            sqlx::query(SAVEPOINT).execute(&mut **conn).await?;
            self.held = Some(group);
        }
        let group = self.held.as_mut().ok_or(StoreError::Corrupt("no group".into()))?;
        let conn: &mut SqliteConnection =
            group.conn.as_mut().ok_or(StoreError::Corrupt("no writer connection".into()))?;
        Ok(WriteConn::Sqlite(conn))
    }
}

#[async_trait]
impl UnitOfWork for SqliteUnit {
    async fn lock_request(&mut self, partner_tenant_id: &str, request_id: &str) -> StoreResult<RequestLock> {
        let key = format!("{partner_tenant_id}\u{1f}{request_id}");
        if !self.in_progress.lock().unwrap_or_else(|p| p.into_inner()).insert(key.clone()) {
            return Ok(RequestLock::Busy);
        }
        self.request = Some(InProgress { ids: self.in_progress.clone(), key });
        // A unit that held this id committed before letting it go: its answer is there to read.
        let mut reader = self.reader.acquire().await?;
        let kept = writes::kept_answer(&mut WriteConn::Sqlite(&mut reader), partner_tenant_id, request_id).await?;
        Ok(RequestLock::Locked(kept))
    }

    async fn insert_customer(&mut self, customer: &Customer, related: &[String]) -> StoreResult<()> {
        writes::insert_customer(&mut self.conn().await?, customer, related).await
    }

    async fn insert_agreement(&mut self, agreement: &Agreement, notice: Option<&OutboxMessage>) -> StoreResult<()> {
        writes::insert_agreement(&mut self.conn().await?, agreement, notice).await
    }

    async fn insert_order(&mut self, order: &Order) -> StoreResult<()> {
        writes::insert_order(&mut self.conn().await?, order).await
    }

    async fn insert_attestation(&mut self, attestation: &EnhancedAttestation) -> StoreResult<()> {
        writes::insert_attestation(&mut self.conn().await?, attestation).await
    }

    async fn add_relationship(
        &mut self,
        customer_id: &str,
        partner_tenant_id: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        writes::add_relationship(&mut self.conn().await?, customer_id, partner_tenant_id, at).await
    }

    async fn keep_answer(&mut self, answer: &StoredResponse) -> StoreResult<()> {
        writes::keep_answer(&mut self.conn().await?, answer).await
    }

    async fn commit(mut self: Box<Self>) -> StoreResult<()> {
        self.finished = true;
        let Some(mut group) = self.held.take() else { return Ok(()) };
        let released = match group.conn.as_mut() {
            Some(conn) => sqlx::query(RELEASE).execute(&mut **conn).await.map(|_| ()),
            None => Ok(()),
        };
        if let Err(e) = released {
            group.dangling = true;
            return Err(e.into());
        }
        let (done, committed) = oneshot::channel();
        group.waiting.push(done);
        drop(group);
        self.wake.notify_one();
        committed.await.unwrap_or_else(|_| Err(StoreError::Corrupt("the committer stopped".into())))
    }
}

impl Drop for SqliteUnit {
    fn drop(&mut self) {
        if let (false, Some(mut group)) = (self.finished, self.held.take()) {
            group.dangling = true;
            drop(group);
            self.wake.notify_one();
        }
    }
}
