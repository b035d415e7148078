//! Running a request once under its id, for every front door that offers safe retries: the API's
//! `MS-RequestId` and the dashboard's Submit alike. The final answer to a request is kept under
//! its partner and id for 24 hours of emulator time, in the request's own unit of work, so that a
//! retry gets it again instead of doing the work twice.
//!
//! A request holds its id for as long as its unit of work lasts (a lock that goes with the
//! transaction; on PostgreSQL across replicas). A second request with the same id meanwhile is
//! refused at once or waits for the first to end, as its front door asks: the API tells a client
//! to retry (`WhileRunning::Refuse`), a page waits to show the first Submit's answer
//! (`WhileRunning::Wait`). The answer and the request's writes are committed together, so after
//! any failure a retry either finds the answer (the request succeeded) or runs anew (nothing of
//! it was stored).
//!
//! What a request is and how its answer is read and rendered is its front door's business: here it
//! is a verb and a target, a digest of what it carries, and an answer as a code and a body.

use chrono::{Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

use super::error::ServiceResult;
use crate::app::AppContext;
use crate::domain::permissions::Operation;
use crate::store::{RequestLock, StoreError, StoredResponse, UnitOfWork};

/// Kept answers are forgotten after this many hours of emulator time.
pub const KEEP_HOURS: i64 = 24;

/// A request to run once.
pub struct OnceRequest {
    pub partner_tenant_id: String,
    /// The request's id, as its front door spells it (compared exactly).
    pub request_id: String,
    /// What the request does (the API: its method) and to what (the API: its path): a retry must
    /// be the same request.
    pub verb: String,
    pub target: String,
    /// SHA-256 of what the request carries (the API: its body), in hex.
    pub digest: String,
}

/// What a second request with the same id does while the first still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhileRunning {
    /// It is told so at once (`Claim::Running`): the API answers 990408 and the client retries.
    Refuse,
    /// It waits for the first to end, then gets its answer, or runs when the first kept none.
    Wait,
}

/// What became of a claim.
pub enum Claim {
    /// The request is new (or its earlier answer was forgotten, or its first run kept none): run
    /// it, then keep its answer with the ticket.
    Run(Ticket),
    /// It was answered before: the kept answer.
    Answered(KeptAnswer),
    /// A request with this id still runs (only with `WhileRunning::Refuse`, or when a wait outlasted
    /// the store's patience).
    Running,
    /// The id was first used by a different request: that one's answer.
    OtherRequest(KeptAnswer),
}

/// The right to keep the answer of a claimed request, in its unit.
pub struct Ticket(StoredResponse);

/// An answer as it was kept.
pub struct KeptAnswer {
    pub verb: String,
    pub target: String,
    /// The front door's code for the answer (the API: the HTTP status it sent).
    pub code: u16,
    pub body: String,
    /// Emulator time of the request that was answered.
    pub created_at: chrono::DateTime<Utc>,
    /// The operations the request was permitted to perform, when its front door names them (the
    /// API): a retry is replayed only to a caller permitted to perform each.
    pub operations: Vec<Operation>,
}

impl From<StoredResponse> for KeptAnswer {
    fn from(kept: StoredResponse) -> Self {
        KeptAnswer {
            verb: kept.method,
            target: kept.path,
            code: kept.status,
            body: kept.body,
            created_at: kept.created_at,
            operations: kept.operation.as_deref().map_or_else(Vec::new, Operation::parse_all),
        }
    }
}

/// The code of an answer kept by a front door that has no codes of its own (a page's submission,
/// whose answer is all in its body). Any code but 0, which the store reads as "not answered".
pub const ANSWERED: u16 = 1;

/// Real time (Unix ms) of this process's last purge of forgotten answers.
static LAST_PURGE_MS: AtomicI64 = AtomicI64::new(0);
const PURGE_EVERY_MS: i64 = 60_000;

/// Forget, at most once a minute per process, the answers and kept states older than their 24
/// hours by every clock: by the one furthest behind (the emulator's or a partner's own), so that
/// nothing still fresh by the clock it was kept under is forgotten. Space only: an answer past its
/// 24 hours is ignored by [`claim`] and [`kept_answer`] whether or not it was purged.
async fn forget_old_answers(ctx: &AppContext) -> ServiceResult<()> {
    let real_ms = Utc::now().timestamp_millis();
    let last = LAST_PURGE_MS.load(Ordering::Relaxed);
    if real_ms - last > PURGE_EVERY_MS
        && LAST_PURGE_MS.compare_exchange(last, real_ms, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    {
        let forget_before = ctx.clock.earliest_now().await? - Duration::hours(KEEP_HOURS);
        ctx.store.forget_responses(forget_before).await?;
    }
    Ok(())
}

/// Claim the request's id in `unit`.
pub async fn claim(
    ctx: &AppContext,
    unit: &mut UnitOfWork,
    request: OnceRequest,
    while_running: WhileRunning,
) -> ServiceResult<Claim> {
    let now = ctx.clock.now().await?;
    let real_ms = Utc::now().timestamp_millis();
    let forget_before = now - Duration::hours(KEEP_HOURS);
    forget_old_answers(ctx).await?;
    let entry = StoredResponse {
        partner_tenant_id: request.partner_tenant_id,
        request_id: request.request_id,
        method: request.verb,
        path: request.target,
        request_hash: request.digest,
        status: 0,
        body: String::new(),
        created_at: now,
        claimed_at_ms: real_ms,
        operation: None,
    };
    let wait = while_running == WhileRunning::Wait;
    Ok(match unit.lock_request(&entry.partner_tenant_id, &entry.request_id, wait).await? {
        RequestLock::Busy => Claim::Running,
        RequestLock::Locked(None) => Claim::Run(Ticket(entry)),
        RequestLock::Locked(Some(kept)) if kept.created_at < forget_before => Claim::Run(Ticket(entry)),
        RequestLock::Locked(Some(kept)) => {
            let same =
                kept.method == entry.method && kept.path == entry.path && kept.request_hash == entry.request_hash;
            if same {
                Claim::Answered(kept.into())
            } else {
                Claim::OtherRequest(kept.into())
            }
        }
    })
}

/// Keep the final answer of a claimed request, in its unit of work (committed with its writes),
/// with the operations it was permitted to perform, if its front door names them.
/// False when another request with the id (on another replica) answered first: the unit is not
/// to be committed, and the request is to run again, into that answer.
pub async fn keep(
    unit: &mut UnitOfWork,
    ticket: Ticket,
    code: u16,
    body: String,
    operations: &[Operation],
) -> ServiceResult<bool> {
    let Ticket(mut entry) = ticket;
    entry.status = code;
    entry.body = body;
    entry.operation = (!operations.is_empty()).then(|| Operation::join(operations));
    match unit.keep_answer(&entry).await {
        Ok(()) => Ok(true),
        Err(StoreError::Changed) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The answer kept under a partner's request id, if it is still remembered and was made by the
/// same kind of request (read outside any unit: a page that shows again what a request made).
pub async fn kept_answer(
    ctx: &AppContext,
    partner_tenant_id: &str,
    request_id: &str,
    verb: &str,
    target: &str,
) -> ServiceResult<Option<(KeptAnswer, String)>> {
    let Some(kept) = ctx.store.kept_answer(partner_tenant_id, request_id).await? else { return Ok(None) };
    let fresh = kept.created_at > ctx.clock.now().await? - Duration::hours(KEEP_HOURS);
    if kept.method != verb || kept.path != target || !fresh {
        return Ok(None);
    }
    let digest = kept.request_hash.clone();
    Ok(Some((kept.into(), digest)))
}

/// Keep `body` under a request id outside any run: a page's state between two of its requests
/// (the Add customer wizard's form between Next: Review and Submit), read back with
/// [`kept_answer`] and forgotten, like answers, after 24 hours. A later write replaces it.
pub async fn put_kept(ctx: &AppContext, request: OnceRequest, body: String) -> ServiceResult<()> {
    forget_old_answers(ctx).await?;
    let entry = StoredResponse {
        partner_tenant_id: request.partner_tenant_id,
        request_id: request.request_id,
        method: request.verb,
        path: request.target,
        request_hash: request.digest,
        status: ANSWERED,
        body,
        created_at: ctx.clock.now().await?,
        claimed_at_ms: Utc::now().timestamp_millis(),
        operation: None,
    };
    crate::service::unit::in_unit!(ctx, |unit| Ok(unit.keep_answer(&entry).await?)).await
}
