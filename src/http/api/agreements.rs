//! Agreement metadata, partner confirmations and the direct-sign status.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::wire;
use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::agreements::{AgreementTypeFilter, ConfirmationInput};
use crate::domain::contact::ContactInput;
use crate::domain::ids::{AttestationId, CustomerId};
use crate::http::edge::error::ApiResult;
use crate::http::edge::extract::{QueryParams, RawJson, Unit};
use crate::service::acceptance::{AttestedAgreementInput, ConfirmationCall};
use crate::service::access::{ops, permit};
use crate::service::{acceptance, agreements, ServiceError};

/// The answers of `GET /v1/agreements`, rendered once per filter: the catalog does not change
/// while the emulator runs, and this is the operation clients call most.
#[derive(Clone, Default)]
pub struct RenderedCatalog(Arc<RwLock<HashMap<AgreementTypeFilter, Bytes>>>);

impl RenderedCatalog {
    fn get(&self, filter: AgreementTypeFilter) -> Option<Bytes> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).get(&filter).cloned()
    }

    fn keep(&self, filter: AgreementTypeFilter, answer: Bytes) {
        self.0.write().unwrap_or_else(|p| p.into_inner()).insert(filter, answer);
    }
}

/// `GET /v1/agreements?agreementType=`
pub async fn agreement_metadata(
    ctx: AppState,
    caller: Caller,
    query: QueryParams,
    rendered: RenderedCatalog,
) -> ApiResult<Response> {
    let permit = permit::<ops::GetAgreementMetadata>(&caller)?;
    let filter = agreements::catalog_filter(query.get("agreementType"))?;
    let answer = match rendered.get(filter) {
        Some(answer) => answer,
        None => {
            let templates = agreements::agreement_metadata(&ctx, &permit, filter).await?;
            let items: Vec<_> = templates.iter().map(wire::agreement_metadata).collect();
            let answer = serde_json::to_vec(&wire::collection(&items, "/agreements"))
                .map_err(|e| ServiceError::Internal(format!("the catalog could not be rendered: {e}")))?;
            let answer = Bytes::from(answer);
            rendered.keep(filter, answer.clone());
            answer
        }
    };
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static(wire::JSON_CONTENT_TYPE))], answer).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmationBody {
    primary_contact: Option<ContactInput>,
    template_id: Option<String>,
    date_agreed: Option<String>,
    #[serde(rename = "type")]
    agreement_type: Option<String>,
}

/// `POST /v1/customers/{id}/agreements`: a body naming an `attestationId` is the enhanced call
/// (App-only); any other body is the 2023 confirmation, whose role is checked before the body is
/// read, and which is retired from the 2026-01-05 milestone on.
pub async fn confirm_acceptance(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<CustomerId>,
    mut unit: Unit,
    body: RawJson,
) -> ApiResult<Response> {
    if body.has_member("attestationId") {
        return create_agreement_with_attestation(&ctx, &caller, &mut unit, &customer_id, &body).await;
    }
    let permit = permit::<ops::ConfirmAcceptance>(&caller)?;
    let body: ConfirmationBody = body.parse()?;
    let input = ConfirmationInput {
        contact_given: body.primary_contact.is_some(),
        contact: body.primary_contact.unwrap_or_default(),
        template_id: body.template_id,
        date_agreed: body.date_agreed,
        agreement_type: body.agreement_type,
    };
    let agreement =
        acceptance::confirm_acceptance(&ctx, &permit, &mut unit, &customer_id, &input, ConfirmationCall::Live).await?;
    Ok((StatusCode::CREATED, Json(wire::agreement(&agreement))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestedAgreementBody {
    attestation_id: AttestationId,
    #[serde(rename = "type")]
    agreement_type: Option<String>,
    /// Optional: the template the customer accepted with the attestation.
    template_id: Option<String>,
    /// Not allowed beside an attestation: it carries the signer and the date.
    primary_contact: Option<Value>,
    date_agreed: Option<Value>,
}

async fn create_agreement_with_attestation(
    ctx: &AppState,
    caller: &Caller,
    unit: &mut Unit,
    customer_id: &CustomerId,
    body: &RawJson,
) -> ApiResult<Response> {
    let permit = permit::<ops::CreateAgreementWithAttestation>(caller)?;
    let body: AttestedAgreementBody = body.parse()?;
    let mixed: Vec<String> =
        [("primaryContact", body.primary_contact.is_some()), ("dateAgreed", body.date_agreed.is_some())]
            .into_iter()
            .filter(|(_, sent)| *sent)
            .map(|(field, _)| {
                format!(
            "{field}: not allowed with attestationId (the attestation carries the signer and the date of acceptance)"
        )
            })
            .collect();
    if !mixed.is_empty() {
        return Err(ServiceError::Validation(mixed).into());
    }
    let input = AttestedAgreementInput {
        attestation_id: body.attestation_id,
        agreement_type: body.agreement_type,
        template_id: body.template_id,
    };
    let agreement = acceptance::create_agreement_with_attestation(ctx, &permit, unit, customer_id, &input).await?;
    Ok((StatusCode::CREATED, Json(wire::agreement(&agreement))).into_response())
}

/// `GET /v1/customers/{id}/agreements?agreementType=`
pub async fn list_customer_agreements(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<CustomerId>,
    query: QueryParams,
) -> ApiResult<Response> {
    let permit = permit::<ops::ListCustomerAgreements>(&caller)?;
    let list = agreements::customer_agreements(&ctx, &permit, &customer_id, query.get("agreementType")).await?;
    let items: Vec<_> = list.items.iter().map(wire::listed_agreement).collect();
    let self_uri = format!("/customers/{}/agreements", list.customer_id);
    Ok(Json(wire::collection(&items, &self_uri)).into_response())
}

/// `GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus`
pub async fn direct_sign_status(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<CustomerId>,
) -> ApiResult<Json<Value>> {
    let permit = permit::<ops::GetDirectSignStatus>(&caller)?;
    let signed = agreements::direct_sign_status(&ctx, &permit, &customer_id).await?;
    Ok(Json(json!({ "isSigned": signed })))
}
