//! Customers and the reseller relationship request.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiResult;
use super::extract::{RawJson, Unit};
use super::wire;
use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::customers::{BillingProfile, CompanyProfileInput};
use crate::service::access::{ops, permit};
use crate::service::customers::{self, NewCustomer};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerBody {
    company_profile: Option<CompanyProfileInput>,
    billing_profile: Option<BillingProfile>,
    associated_partner_id: Option<String>,
}

/// `POST /v1/customers`
pub async fn create_customer(
    State(ctx): State<AppState>,
    caller: Caller,
    mut unit: Unit,
    body: RawJson,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let permit = permit::<ops::CreateCustomer>(&caller)?;
    let body: CustomerBody = body.parse()?;
    let input = NewCustomer {
        company_profile: body.company_profile,
        billing_profile: body.billing_profile,
        associated_partner_id: body.associated_partner_id,
        password: None,
    };
    let created = customers::create_customer(&ctx, &permit, &mut *unit, input).await?;
    let credentials = (created.customer.admin_user_name.as_str(), created.password.as_str());
    Ok((StatusCode::CREATED, Json(wire::customer(&created.customer, Some(credentials)))))
}

/// `GET /v1/customers`
pub async fn list_customers(State(ctx): State<AppState>, caller: Caller) -> ApiResult<Response> {
    let permit = permit::<ops::ListCustomers>(&caller)?;
    let items: Vec<Value> =
        customers::list_customers(&ctx, &permit).await?.iter().map(|c| wire::customer(c, None)).collect();
    Ok(Json(wire::collection(&items, "/customers")).into_response())
}

/// `GET /v1/customers/{id}`
pub async fn get_customer(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let permit = permit::<ops::GetCustomer>(&caller)?;
    let customer = customers::get_customer(&ctx, &permit, &customer_id).await?;
    Ok(Json(wire::customer(&customer, None)))
}

/// `GET /v1/customers/relationshiprequests`: the invitation link, on this emulator's admin center.
pub async fn relationship_request(State(ctx): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let permit = permit::<ops::GetRelationshipRequest>(&caller)?;
    let url = customers::relationship_request_url(&ctx, &permit);
    Ok(Json(json!({ "url": url, "attributes": {"objectType": "RelationshipRequest"} })))
}
