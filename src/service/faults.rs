//! Fault injection rules: kept in the database so every replica applies them, with hits counted
//! atomically. Which rule hits a request is decided here; what the hit does to the request
//! (an error answer, a delay, a hang) is the HTTP edge's business.

use std::sync::Arc;

use super::error::{ServiceError, ServiceResult};
use crate::app::AppContext;
use crate::domain::faults::{validate_rule, FaultRule, FaultRuleInput, FaultTarget, Operation};
use crate::ids::IdKind;

/// Check and store a rule; `resolve_operation` turns an operation name into (method, route).
pub async fn add_rule(
    ctx: &AppContext,
    input: &FaultRuleInput,
    resolve_operation: impl Fn(&str) -> Option<Operation>,
) -> ServiceResult<FaultRule> {
    let mut rule = validate_rule(input, String::new(), resolve_operation).map_err(ServiceError::Validation)?;
    // A rule for a partner that does not exist would never hit, as a reset or clock of one is refused.
    if let Some(partner) = &rule.partner_tenant_id {
        ctx.store.partner(partner).await?.ok_or_else(|| ServiceError::PartnerNotFound(partner.clone()))?;
    }
    // Its id once nothing can refuse it: in deterministic mode a refused rule takes none.
    rule.id = ctx.ids.guid(IdKind::FaultRule);
    ctx.store.insert_fault_rule(&rule, ctx.clock.now().await?).await?;
    Ok(rule)
}

/// Every rule, in the order they are tried.
pub async fn rules(ctx: &AppContext) -> ServiceResult<Arc<Vec<FaultRule>>> {
    Ok(ctx.store.fault_rules().await?)
}

/// Delete every rule; returns how many went.
pub async fn clear_rules(ctx: &AppContext) -> ServiceResult<u64> {
    Ok(ctx.store.delete_fault_rules(None).await?)
}

pub async fn delete_rule(ctx: &AppContext, rule_id: &str) -> ServiceResult<()> {
    match ctx.store.delete_fault_rules(Some(rule_id)).await? {
        0 => Err(ServiceError::FaultRuleNotFound(rule_id.to_string())),
        _ => Ok(()),
    }
}

/// The rule that hits this request, if any: the first whose conditions hold, that has hits left
/// and that wins its roll of the dice. Its hit is counted before it is returned.
pub async fn rule_hitting(ctx: &AppContext, target: &FaultTarget<'_>) -> ServiceResult<Option<FaultRule>> {
    let rules = ctx.store.fault_rules().await?;
    for rule in rules.iter().filter(|r| !r.exhausted() && r.matches(target)) {
        if rule.probability < 1.0 && rand::random::<f64>() >= rule.probability {
            continue;
        }
        // False: used up by another request in the meantime. Boxed: only a request a rule hits
        // waits on the database here; every other request's future stays small.
        if Box::pin(ctx.store.record_fault_hit(&rule.id)).await? {
            return Ok(Some(rule.clone()));
        }
    }
    Ok(None)
}
