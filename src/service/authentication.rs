//! Who is calling: a bearer token verified by the emulator clock, and the partner it names.

use super::error::{ServiceError, ServiceResult};
use crate::app::AppContext;
use crate::auth::{self, Caller, TokenError};

/// Verify `token` (signature, audience, expiry by the emulator clock) and load its partner.
pub async fn authenticate(ctx: &AppContext, token: &str) -> ServiceResult<Caller> {
    let now = ctx.clock.now().await?;
    let claims = auth::verify(&ctx.keys, token, now).map_err(ServiceError::Unauthenticated)?;
    let partner =
        ctx.store.partner(&claims.tid).await?.ok_or(ServiceError::Unauthenticated(TokenError::UnknownPartner))?;
    Ok(Caller { roles: claims.roles(), app_only: claims.app_only(), user_id: claims.oid, partner })
}
