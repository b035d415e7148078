//! Agreement metadata, partner confirmations and the direct-sign status.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::extract::{QueryParams, RawJson};
use super::{wire, AppState};
use crate::auth::Caller;
use crate::domain::agreements::{AgreementTypeFilter, ConfirmationInput};
use crate::domain::contact::ContactInput;
use crate::domain::orders::mca_signed_directly;
use crate::domain::permissions::{authorize, Operation};
use crate::service::{acceptance, access::customer_for};

fn type_filter(query: &QueryParams) -> ApiResult<AgreementTypeFilter> {
    AgreementTypeFilter::parse(query.get("agreementType")).map_err(ApiError::UnsupportedAgreementType)
}

/// `GET /v1/agreements?agreementType=`
pub async fn agreement_metadata(
    State(ctx): State<AppState>,
    caller: Caller,
    query: QueryParams,
) -> ApiResult<Json<Value>> {
    authorize(Operation::GetAgreementMetadata, &caller.facts())?;
    let filter = type_filter(&query)?;
    let templates = ctx.store.templates().await?;
    let items: Vec<Value> =
        templates.iter().filter(|t| filter.matches(t.agreement_type)).map(wire::agreement_metadata).collect();
    Ok(Json(wire::collection(&items, "/agreements")))
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

/// `POST /v1/customers/{id}/agreements`
pub async fn confirm_acceptance(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<String>,
    body: RawJson,
) -> ApiResult<(StatusCode, Json<Value>)> {
    authorize(Operation::ConfirmAcceptance, &caller.facts())?;
    let body: ConfirmationBody = body.parse()?;
    let input = ConfirmationInput {
        contact_given: body.primary_contact.is_some(),
        contact: body.primary_contact.unwrap_or_default(),
        template_id: body.template_id,
        date_agreed: body.date_agreed,
        agreement_type: body.agreement_type,
    };
    let agreement = acceptance::confirm_acceptance(&ctx, &caller, &customer_id, &input).await?;
    Ok((StatusCode::CREATED, Json(wire::agreement(&agreement))))
}

/// `GET /v1/customers/{id}/agreements?agreementType=`
pub async fn list_customer_agreements(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<String>,
    query: QueryParams,
) -> ApiResult<Json<Value>> {
    let customer = customer_for(&ctx, &caller, Operation::ListCustomerAgreements, &customer_id).await?;
    let filter = type_filter(&query)?;
    let templates = ctx.store.templates().await?;
    let items: Vec<Value> = ctx
        .store
        .agreements(&customer.id)
        .await?
        .iter()
        .filter(|a| filter.matches(a.agreement_type))
        .map(|a| wire::agreement_with_link(a, &templates))
        .collect();
    Ok(Json(wire::collection(&items, &format!("/customers/{}/agreements", customer.id))))
}

/// `GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus`
pub async fn direct_sign_status(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let customer = customer_for(&ctx, &caller, Operation::GetDirectSignStatus, &customer_id).await?;
    let agreements = ctx.store.agreements(&customer.id).await?;
    Ok(Json(json!({ "isSigned": mca_signed_directly(&agreements) })))
}
