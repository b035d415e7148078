//! A unit of work: the writes of one request, in one transaction committed by `commit` (dropped
//! without it, the unit is rolled back). The front door opens it, the use case writes in it, the
//! front door adds the request's kept answer and commits: the request id, the domain write, its
//! notification email and the kept answer are stored together or not at all. A use case reads
//! first and writes last: reads through the store do not see the unit's writes before its commit
//! (and on an in-memory SQLite database they wait for it), and every write of a use case that has
//! a unit goes through it. The writes themselves sit with what they write (`customers.rs`,
//! `agreements.rs`, …), written once for both backends as a statement and its values
//! ([`UnitOfWork::write`], `conn.rs`).
//!
//! On PostgreSQL the API's units are first sent as one statement at their commit
//! (`one_statement.rs`, [`Store::begin_one_statement`](super::Store::begin_one_statement)): a
//! write then answers as if it changed the rows it counts on (it inserted its row, the cart was
//! still `Active`, the attestation unused), and the commit fails with `Changed`, storing nothing,
//! when one did not: a duplicate, a taken domain, or a concurrent request that changed what the
//! unit read. The request then runs again in a unit of the other kind, which learns each write's
//! outcome as it happens and answers exactly (600061, the taken domain, …).

use super::conn::{execute, Expect, Value, WriteConn};
use super::group_commit::SqliteUnit;
use super::postgres::PgUnit;
use super::{RequestLock, StoreResult};

/// Boxed: a unit lives in the futures of requests and use cases, which are moved as they run; the
/// backends' state is large.
pub struct UnitOfWork(Box<Backend>);

enum Backend {
    Postgres(PgUnit),
    Sqlite(SqliteUnit),
}

impl UnitOfWork {
    pub(super) fn postgres(unit: PgUnit) -> Self {
        Self(Box::new(Backend::Postgres(unit)))
    }

    pub(super) fn sqlite(unit: SqliteUnit) -> Self {
        Self(Box::new(Backend::Sqlite(unit)))
    }

    /// Hold request id `request_id` of `partner_tenant_id` for the rest of the unit, and read the
    /// answer kept under it. The hold ends with the unit, however it ends. While another unit
    /// holds it: `Busy` at once, or, with `wait`, once that unit has ended (`Busy` only after
    /// `REQUEST_LOCK_WAIT`).
    pub async fn lock_request(
        &mut self,
        partner_tenant_id: &str,
        request_id: &str,
        wait: bool,
    ) -> StoreResult<RequestLock> {
        match &mut *self.0 {
            Backend::Postgres(unit) => unit.lock_request(partner_tenant_id, request_id, wait).await,
            Backend::Sqlite(unit) => unit.lock_request(partner_tenant_id, request_id, wait).await,
        }
    }

    /// Make every write of the unit durable; when this returns, they are on disk.
    pub async fn commit(self) -> StoreResult<()> {
        match *self.0 {
            Backend::Postgres(unit) => unit.commit().await,
            Backend::Sqlite(unit) => unit.commit().await,
        }
    }

    /// Run a write (one statement, its values in placeholder order); the rows it changed. A unit
    /// sent as one statement keeps it for its commit and answers the rows `expect` counts on.
    pub(super) async fn write(&mut self, sql: &'static str, values: &[Value<'_>], expect: Expect) -> StoreResult<u64> {
        match &mut *self.0 {
            Backend::Postgres(unit) => unit.write(sql, values, expect).await,
            Backend::Sqlite(unit) => execute(&mut unit.conn().await?, sql, values).await,
        }
    }

    /// Whether the unit may fail with `Changed` at its commit or when it keeps its answer (a unit
    /// on PostgreSQL), and so its request run again.
    pub fn may_run_again(&self) -> bool {
        matches!(&*self.0, Backend::Postgres(_))
    }

    /// For a unit sent as one statement, the kept answer its request id had when the unit took
    /// it: `Some(None)` none, `Some(Some(claimed_at_ms))` a stale one. None for other units.
    pub(super) fn seen_answer(&self) -> Option<Option<i64>> {
        match &*self.0 {
            Backend::Postgres(unit) => unit.seen_answer(),
            Backend::Sqlite(_) => None,
        }
    }

    /// The pool a unit sent as one statement reads through; None for other units (they read on
    /// their connection).
    pub(super) fn one_statement_reader(&self) -> Option<&sqlx::PgPool> {
        match &*self.0 {
            Backend::Postgres(unit) => unit.reader(),
            Backend::Sqlite(_) => None,
        }
    }

    /// The unit's connection, inside its transaction (begun at the unit's first write).
    pub(super) async fn conn(&mut self) -> StoreResult<WriteConn<'_>> {
        match &mut *self.0 {
            Backend::Postgres(unit) => unit.conn().await,
            Backend::Sqlite(unit) => unit.conn().await,
        }
    }
}
