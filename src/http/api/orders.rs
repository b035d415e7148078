//! Orders: just enough of Partner Center's order resource to exercise the agreement gate.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::wire;
use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::billing::billing_type;
use crate::domain::ids::CustomerId;
use crate::domain::orders::LineItemInput;
use crate::http::edge::error::{ApiError, ApiResult};
use crate::http::edge::extract::{QueryParams, RawJson, Unit};
use crate::service::access::{ops, permit};
use crate::service::orders::{self, NewOrder};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderBody {
    reference_customer_id: Option<String>,
    billing_cycle: Option<String>,
    line_items: Option<Vec<LineItemInput>>,
}

/// `POST /v1/customers/{id}/orders`
pub async fn create_order(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<CustomerId>,
    mut unit: Unit,
    body: RawJson,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let permit = permit::<ops::CreateOrder>(&caller)?;
    let body: OrderBody = body.parse()?;
    let order = NewOrder {
        id: None,
        reference_customer_id: body.reference_customer_id.as_deref(),
        billing_cycle: body.billing_cycle.as_deref(),
        line_items: body.line_items.as_deref(),
    };
    let order = orders::place_order(&ctx, &permit, &mut unit, &customer_id, order).await?;
    Ok((StatusCode::CREATED, Json(wire::order(&order))))
}

/// `GET /v1/customers/{id}/orders`, and `?billingType=` for the orders of one billing cycle.
pub async fn list_orders(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<CustomerId>,
    query: QueryParams,
) -> ApiResult<Response> {
    let permit = permit::<ops::ListOrders>(&caller)?;
    // A value names a billing cycle exactly (any letter case, `one_time` with or without its
    // underscore); anything else, an empty value included, is refused rather than read as none.
    let billing_type = match query.get("billingType") {
        None => None,
        Some(raw) => Some(billing_type(raw).map_err(|p| ApiError::InvalidQueryParameter(format!("billingType: {p}")))?),
    };
    let list = orders::list_orders(&ctx, &permit, &customer_id, billing_type).await?;
    let items: Vec<Value> = list.orders.iter().map(wire::order).collect();
    let self_uri = format!("/customers/{}/orders", list.customer_id);
    Ok(Json(wire::collection(&items, &self_uri)).into_response())
}

/// `GET /v1/customers/{id}/orders/{orderId}`
pub async fn get_order(
    State(ctx): State<AppState>,
    caller: Caller,
    Path((customer_id, order_id)): Path<(CustomerId, String)>,
) -> ApiResult<Json<Value>> {
    let permit = permit::<ops::GetOrder>(&caller)?;
    let order = orders::get_order(&ctx, &permit, &customer_id, &order_id).await?;
    Ok(Json(wire::order(&order)))
}
