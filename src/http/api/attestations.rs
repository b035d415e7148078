//! Enhanced attestation: create one and read it back (App-only). The customer's acceptance page
//! is `web/acceptance.rs`; the agreement made with an attestation is `agreements.rs`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::wire;
use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::attestations::AttestationInput;
use crate::domain::ids::AttestationId;
use crate::http::edge::error::ApiResult;
use crate::http::edge::extract::{RawJson, Unit};
use crate::service::access::{ops, permit};
use crate::service::attestations;

/// `POST /v1/attestations/enhanced`
pub async fn create_attestation(
    State(ctx): State<AppState>,
    caller: Caller,
    mut unit: Unit,
    body: RawJson,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let permit = permit::<ops::CreateEnhancedAttestation>(&caller)?;
    let input: AttestationInput = body.parse()?;
    let created = attestations::create_attestation(&ctx, &permit, &mut unit, &input).await?;
    Ok((StatusCode::CREATED, Json(wire::attestation(&created))))
}

/// `GET /v1/attestations/enhanced/{attestationId}`
pub async fn get_attestation(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(attestation_id): Path<AttestationId>,
) -> ApiResult<Json<serde_json::Value>> {
    let permit = permit::<ops::GetEnhancedAttestation>(&caller)?;
    let attestation = attestations::get_attestation(&ctx, &permit, &attestation_id).await?;
    Ok(Json(wire::attestation(&attestation)))
}
