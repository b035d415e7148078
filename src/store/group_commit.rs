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
//! emulator process. A unit that waits for an id waits for its holder to let it go.

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use std::sync::Arc;
use tokio::sync::{oneshot, Notify, OwnedMutexGuard};

use super::conn::WriteConn;
use super::request_ids::{kept_answer, IdsInProgress, InProgress};
use super::{RequestLock, StoreError, StoreResult};

const BEGIN_IMMEDIATE: &str = "BEGIN IMMEDIATE";
const COMMIT: &str = "COMMIT";
const ROLLBACK: &str = "ROLLBACK";
const SAVEPOINT: &str = "SAVEPOINT unit";
const RELEASE: &str = "RELEASE SAVEPOINT unit";
const ROLLBACK_UNIT: &str = "ROLLBACK TO SAVEPOINT unit";

/// The transaction the units of the current group write in.
///
/// Requests can be cancelled at any await (a client that hangs up, the request timeout), and a
/// statement sent to SQLite runs even when the future that sent it is dropped. So the group never
/// lets its connection go while a transaction may be open on it: the connection enters the group
/// before `BEGIN` is sent and leaves it only after `COMMIT` or `ROLLBACK`, and what SQLite says
/// settles what the flags cannot know (a `BEGIN` sent by a cancelled unit, a `COMMIT` with
/// nothing begun).
#[derive(Default)]
struct Group {
    /// The writer connection, from the group's first write to its end.
    conn: Option<PoolConnection<Sqlite>>,
    /// `BEGIN` ran on `conn`.
    begun: bool,
    /// A unit was dropped in the middle of its writes: its savepoint is still open.
    dangling: bool,
    /// The units that finished their writes and wait for the commit.
    waiting: Vec<oneshot::Sender<StoreResult<()>>>,
}

/// SQLite's refusals that say the transaction is already in the state asked for.
fn already(e: &sqlx::Error) -> bool {
    let message = match e {
        sqlx::Error::Database(db) => db.message(),
        _ => return false,
    };
    message.contains("within a transaction") || message.contains("no transaction is active")
}

impl Group {
    /// The writer connection with the group's transaction open on it.
    async fn open(&mut self, writer: &SqlitePool) -> StoreResult<&mut SqliteConnection> {
        if self.conn.is_none() {
            self.conn = Some(writer.acquire().await?);
            self.begun = false;
        }
        let conn = self.conn.as_mut().ok_or(StoreError::Corrupt("no writer connection".into()))?;
        if !self.begun {
            match sqlx::query(BEGIN_IMMEDIATE).execute(&mut **conn).await {
                Err(e) if !already(&e) => return Err(e.into()),
                _ => self.begun = true,
            }
        }
        Ok(&mut **conn)
    }

    /// Roll back what a dropped unit left; the transaction is then as the last finished unit left it.
    async fn settle(&mut self) -> StoreResult<()> {
        if let (true, Some(conn)) = (self.dangling, self.conn.as_mut()) {
            sqlx::query(ROLLBACK_UNIT).execute(&mut **conn).await?;
            sqlx::query(RELEASE).execute(&mut **conn).await?;
        }
        self.dangling = false;
        Ok(())
    }

    /// Commit the group (or roll it back when no unit finished), tell the waiting units, and give
    /// the connection back.
    async fn close(&mut self) {
        if self.conn.is_none() {
            return;
        }
        let committing = !self.waiting.is_empty();
        let outcome: StoreResult<()> = async {
            self.settle().await?;
            let conn = self.conn.as_mut().ok_or(StoreError::Corrupt("no writer connection".into()))?;
            let end = if committing { COMMIT } else { ROLLBACK };
            match sqlx::query(end).execute(&mut **conn).await {
                // Nothing was begun: each write committed on its own (a savepoint outside a
                // transaction is one).
                Err(e) if !already(&e) => Err(e.into()),
                _ => Ok(()),
            }
        }
        .await;
        if outcome.is_err() {
            if let Some(conn) = self.conn.as_mut() {
                if sqlx::query(ROLLBACK).execute(&mut **conn).await.is_err() {
                    // In a state nobody can vouch for: the pool opens a new connection instead.
                    conn.close_on_drop();
                }
            }
        }
        self.conn = None;
        self.begun = false;
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
    in_progress: IdsInProgress,
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
        Self { writer, reader, group, wake, in_progress: IdsInProgress::default() }
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

pub(super) struct SqliteUnit {
    writer: SqlitePool,
    reader: SqlitePool,
    group: Arc<tokio::sync::Mutex<Group>>,
    wake: Arc<Notify>,
    in_progress: IdsInProgress,
    /// The group, from the unit's first write to its end.
    held: Option<OwnedMutexGuard<Group>>,
    request: Option<InProgress>,
    finished: bool,
}

impl SqliteUnit {
    /// The writer connection, inside this unit's savepoint of the group's transaction.
    pub(super) async fn conn(&mut self) -> StoreResult<WriteConn<'_>> {
        if self.held.is_none() {
            let mut group = self.group.clone().lock_owned().await;
            group.settle().await?;
            let conn = group.open(&self.writer).await?;
            sqlx::query(SAVEPOINT).execute(&mut *conn).await?;
            self.held = Some(group);
        }
        let group = self.held.as_mut().ok_or(StoreError::Corrupt("no group".into()))?;
        let conn: &mut SqliteConnection =
            group.conn.as_mut().ok_or(StoreError::Corrupt("no writer connection".into()))?;
        Ok(WriteConn::Sqlite(conn))
    }
}

impl SqliteUnit {
    pub(super) async fn lock_request(
        &mut self,
        partner_tenant_id: &str,
        request_id: &str,
        wait: bool,
    ) -> StoreResult<RequestLock> {
        let Some(held) = self.in_progress.hold(partner_tenant_id, request_id, wait).await else {
            return Ok(RequestLock::Busy);
        };
        self.request = Some(held);
        // A unit that held this id committed before letting it go: its answer is there to read.
        let mut reader = self.reader.acquire().await?;
        let kept = kept_answer(&mut WriteConn::Sqlite(&mut reader), partner_tenant_id, request_id).await?;
        Ok(RequestLock::Locked(kept))
    }

    pub(super) async fn commit(mut self) -> StoreResult<()> {
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
    /// Not committed: its savepoint is rolled back by the next user of the group. The committer is
    /// woken in any case, so that a group left open by a unit cancelled half-way through opening
    /// it gives its connection back.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Some(mut group) = self.held.take() {
            group.dangling = true;
        }
        self.wake.notify_one();
    }
}
