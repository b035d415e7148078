//! Who is calling: a bearer token verified by the emulator clock, the partner it names, and,
//! from the 2026-04-01 milestone of the service date, an MFA sign-in for App+User calls.

use super::error::{ServiceError, ServiceResult};
use super::timeline::service_date;
use crate::app::AppContext;
use crate::auth::{self, Caller, Claims, TokenError};
use crate::clock;
use crate::domain::permissions::meets_mfa_requirement;

/// Verify `token` (signature, audience, expiry by the emulator clock), load its partner, and
/// apply the MFA requirement in force on the service date.
pub async fn authenticate(ctx: &AppContext, token: &str) -> ServiceResult<Caller> {
    let claims = auth::verify_signature(&ctx.keys, token).map_err(ServiceError::Unauthenticated)?;
    // The token's partner's clock and service date judge it (its own, when it has them).
    clock::as_partner(claims.tid.clone(), judge(ctx, &claims)).await
}

async fn judge(ctx: &AppContext, claims: &Claims) -> ServiceResult<Caller> {
    auth::check_expiry(claims, ctx.clock.now().await?).map_err(ServiceError::Unauthenticated)?;
    let partner =
        ctx.store.partner(&claims.tid).await?.ok_or(ServiceError::Unauthenticated(TokenError::UnknownPartner))?;
    let caller = Caller {
        roles: claims.roles(),
        app_only: claims.app_only(),
        mfa: claims.mfa(),
        user_id: claims.oid.clone(),
        partner,
    };
    check_mfa(ctx, &caller).await?;
    Ok(caller)
}

/// The MFA requirement in force on the service date (of the caller's partner, when run as it):
/// from the 2026-04-01 milestone an App+User caller must have signed in with MFA. The one rule for
/// the API's tokens and the dashboard's users alike.
pub async fn check_mfa(ctx: &AppContext, caller: &Caller) -> ServiceResult<()> {
    if !meets_mfa_requirement(caller.app_only, caller.mfa) && service_date(ctx).await?.mfa_required() {
        return Err(ServiceError::MfaRequired);
    }
    Ok(())
}
