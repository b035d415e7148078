//! The emulator's own controls, for tests and scripts: the clock, the outbox, readiness, reset
//! and a customer's acceptance without a browser.

use chrono::{DateTime, Duration, Utc};

use super::acceptance::accept_directly;
use super::error::{ServiceError, ServiceResult};
use super::unit::in_unit;
use crate::app::AppContext;
use crate::clock::{in_supported_range, ClockScope};
use crate::domain::agreements::{Agreement, DirectAcceptanceInput};
use crate::domain::ids::{CustomerId, PartnerId};
use crate::domain::outbox::OutboxMessage;
use crate::domain::sign_in::lockout_key;
use crate::domain::time::{parse_timestamp, render_timestamp, TIMESTAMP_FORM};
use crate::store::{OutboxQuery, StoreError};

/// The emulator clock: its instant and whether it is frozen.
pub struct ClockReading {
    pub now: DateTime<Utc>,
    pub frozen: bool,
    /// The partner whose own clock this is; None for the emulator's.
    pub partner_tenant_id: Option<String>,
}

pub async fn read_clock(ctx: &AppContext) -> ServiceResult<ClockReading> {
    let (now, frozen, scope) = ctx.clock.read().await?;
    let partner_tenant_id = match scope {
        ClockScope::Partner(partner) => Some(partner),
        ClockScope::Emulator => None,
    };
    Ok(ClockReading { now, frozen, partner_tenant_id })
}

/// What a client asks of the clock.
pub enum ClockChange {
    /// Back to real time.
    Reset,
    /// Read `now` (an RFC 3339 instant, absent when the client forgot it) and freeze there or
    /// run on from there.
    Set { now: Option<String>, frozen: bool },
}

pub async fn set_clock(ctx: &AppContext, change: ClockChange) -> ServiceResult<ClockReading> {
    match change {
        ClockChange::Reset => ctx.clock.reset().await?,
        ClockChange::Set { now, frozen } => {
            let Some(raw) = now else {
                return Err(ServiceError::Validation(vec![
                    "now: is required (an RFC 3339 instant), unless {\"reset\": true} is sent".into(),
                ]));
            };
            let now = parse_timestamp(&raw)
                .ok_or_else(|| ServiceError::Validation(vec![format!("now: '{raw}' is not {TIMESTAMP_FORM}")]))?;
            if !in_supported_range(now) {
                return Err(ServiceError::Validation(vec![format!(
                    "now: '{raw}' is outside 1970-01-01 to 9999-12-31"
                )]));
            }
            ctx.clock.set(now, frozen).await?;
        }
    }
    read_clock(ctx).await
}

const MAX_ADVANCE_SECONDS: f64 = 100.0 * 365.0 * 86400.0;

/// Move the clock by `seconds` (frozen or running; may be negative).
pub async fn advance_clock(ctx: &AppContext, seconds: Option<f64>) -> ServiceResult<ClockReading> {
    let seconds = seconds.filter(|s| s.is_finite() && s.abs() <= MAX_ADVANCE_SECONDS).ok_or_else(|| {
        ServiceError::Validation(vec!["seconds: is required, a number of seconds within 100 years".into()])
    })?;
    let by = Duration::milliseconds((seconds * 1000.0).round() as i64);
    let target = ctx.clock.now().await?.checked_add_signed(by);
    if !target.is_some_and(in_supported_range) {
        return Err(ServiceError::Validation(vec![format!(
            "seconds: advancing by {seconds} would leave the clock outside 1970-01-01 to 9999-12-31"
        )]));
    }
    ctx.clock.advance(by).await?;
    read_clock(ctx).await
}

/// Which emails to list; ids in any spelling.
pub struct OutboxFilter {
    pub to: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub partner_tenant_id: Option<PartnerId>,
    /// Emails whose delivery time has not come yet (by the emulator clock) too.
    pub include_pending: bool,
}

pub async fn outbox(ctx: &AppContext, filter: OutboxFilter) -> ServiceResult<Vec<OutboxMessage>> {
    let query = OutboxQuery {
        recipient: filter.to,
        customer_id: filter.customer_id.map(CustomerId::into_string),
        partner_tenant_id: filter.partner_tenant_id.map(PartnerId::into_string),
    };
    let messages = ctx.store.outbox(&query).await?;
    if filter.include_pending {
        return Ok(messages);
    }
    // Each email is delivered by the clock of the partner that queued it: a partner whose own
    // clock runs ahead sees its emails when that clock says so, not the emulator's.
    let now_of = ctx.clock.now_by_partner().await?;
    Ok(messages.into_iter().filter(|m| m.delivered_by(now_of(&m.partner_tenant_id))).collect())
}

/// Empty the outbox; returns how many emails went.
pub async fn clear_outbox(ctx: &AppContext) -> ServiceResult<u64> {
    Ok(ctx.store.clear_outbox().await?)
}

/// What an earlier run left in the database that changes how the emulator answers, in words, for
/// the start-up log: a moved or frozen clock, a pinned service date, fault rules, locked sign-ins.
pub async fn carried_over(ctx: &AppContext) -> ServiceResult<Vec<String>> {
    let mut found = Vec::new();
    let clock = ctx.store.clock().await?;
    if let Some(ms) = clock.frozen_at_ms {
        let at = DateTime::from_timestamp_millis(ms).map_or_else(|| ms.to_string(), render_timestamp);
        found.push(format!("the emulator clock is frozen at {at} (PUT /_emulator/clock {{\"reset\": true}} runs it with real time again)"));
    } else if clock.offset_ms != 0 {
        let (direction, ms) =
            if clock.offset_ms > 0 { ("ahead of", clock.offset_ms) } else { ("behind", -clock.offset_ms) };
        found.push(format!(
            "the emulator clock runs {} s {direction} real time (PUT /_emulator/clock {{\"reset\": true}} resets it)",
            ms / 1000
        ));
    }
    if let Some(setting) = ctx.store.service_date_setting().await? {
        found.push(format!(
            "the service date was set to '{setting}' through the control plane (PUT /_emulator/service-date {{\"reset\": true}} goes back to the configured one)"
        ));
    }
    let times = ctx.store.partner_times().await?;
    let (clocks, dates) = (
        times.values().filter(|t| t.clock.is_some()).count(),
        times.values().filter(|t| t.service_date.is_some()).count(),
    );
    if clocks + dates > 0 {
        found.push(format!(
            "{clocks} partner persona(s) have a clock of their own and {dates} a service date of their own \
             (GET /_emulator/clock?partnerTenantId=…; a reset of the partner or of everything removes them)"
        ));
    }
    let rules = ctx.store.fault_rules().await?.len();
    if rules > 0 {
        found.push(format!(
            "{rules} fault rule(s) are active (GET /_emulator/faults; DELETE /_emulator/faults removes them)"
        ));
    }
    let now = ctx.clock.now().await?;
    let locked = ctx.store.all_sign_in_failures(now).await?.iter().filter(|(_, f)| f.locked_at(now).is_some()).count();
    if locked > 0 {
        found.push(format!(
            "{locked} user name(s) are locked out of sign-in (DELETE /_emulator/sign-in-lockouts unlocks them)"
        ));
    }
    Ok(found)
}

/// A user name's failed sign-ins and lock, as the control plane shows them.
pub struct SignInLockout {
    pub user_name: String,
    pub failures: u32,
    /// Until when it is locked, if it is now (by the emulator clock).
    pub locked_until: Option<DateTime<Utc>>,
}

/// Every user name with failed sign-ins or a lock.
pub async fn sign_in_lockouts(ctx: &AppContext) -> ServiceResult<Vec<SignInLockout>> {
    let now = ctx.clock.now().await?;
    let all = ctx.store.all_sign_in_failures(now).await?;
    Ok(all
        .into_iter()
        .map(|(user_name, f)| SignInLockout { user_name, failures: f.failures, locked_until: f.locked_at(now) })
        .collect())
}

/// Unlock one user name (any spelling of it), or every one; how many were unlocked.
/// The longest user name a sign-in lockout can be asked about.
pub const MAX_USER_NAME_LEN: usize = 256;

pub async fn unlock_sign_ins(ctx: &AppContext, user_name: Option<&str>) -> ServiceResult<u64> {
    // No user name is longer (an email address is at most 256 characters): a longer one is a mistake.
    if let Some(name) = user_name.filter(|n| n.chars().count() > MAX_USER_NAME_LEN) {
        return Err(ServiceError::Validation(vec![format!(
            "userName: at most {MAX_USER_NAME_LEN} characters (this one has {})",
            name.chars().count()
        )]));
    }
    let key = user_name.map(lockout_key);
    Ok(ctx.store.clear_sign_in_failures(key.as_deref()).await?)
}

/// The customer accepts the agreement itself, without a browser.
pub async fn accept_for_customer(
    ctx: &AppContext,
    customer_id: &CustomerId,
    input: DirectAcceptanceInput<'_>,
) -> ServiceResult<Agreement> {
    let customer = ctx
        .store
        .customer(customer_id.as_str())
        .await?
        .ok_or_else(|| ServiceError::TenantNotFound(format!("no customer has tenant id '{customer_id}'")))?;
    in_unit!(ctx, |unit| accept_directly(ctx, unit, &customer, input).await).await
}

/// What a reset forgot.
pub enum ResetScope {
    Everything,
    Partner(String),
}

/// Forget everything (and start the deterministic id sequence again), or one partner's state.
pub async fn reset(ctx: &AppContext, partner_tenant_id: Option<&PartnerId>) -> ServiceResult<ResetScope> {
    if partner_tenant_id.is_some_and(|p| p.as_str().trim().is_empty()) {
        // Never read as "everything".
        return Err(ServiceError::Validation(
            vec!["partnerTenantId: empty; send a partner persona's tenant id".into()],
        ));
    }
    let partner = partner_tenant_id.map(|p| p.to_string());
    if let Some(p) = &partner {
        ctx.store.partner(p).await?.ok_or_else(|| ServiceError::PartnerNotFound(p.clone()))?;
    }
    ctx.store.reset(partner.as_deref()).await?;
    Ok(match partner {
        Some(p) => ResetScope::Partner(p),
        None => {
            ctx.journal.clear();
            ctx.ids.restart();
            super::identities::ensure_development_identities(ctx).await?;
            ResetScope::Everything
        }
    })
}

/// How long readiness may take before it counts as "not ready".
const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// Ready when the database answers, migrated, within 2 s: which database it is. Otherwise the
/// store is unavailable at once rather than after the pool's acquire timeout: within the
/// healthcheck subcommand's 3 s read budget and an orchestrator's probe timeout, so a probe sees
/// "not ready", not a timeout.
pub async fn check_ready(ctx: &AppContext) -> ServiceResult<&'static str> {
    let checks = async {
        ctx.store.ping().await?;
        ctx.store.templates().await
    };
    tokio::time::timeout(READY_WITHIN, checks).await.map_err(|_| StoreError::timed_out())??;
    Ok(ctx.store.backend())
}
