//! Orders: just enough of Partner Center's order resource to exercise the agreement gate.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::error::ApiResult;
use super::extract::RawJson;
use super::{wire, AppState};
use crate::auth::Caller;
use crate::domain::orders::{order_visible_to, LineItemInput};
use crate::domain::permissions::{authorize, Operation};
use crate::service::{access::customer_for, orders::place_order};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderBody {
    reference_customer_id: Option<String>,
    line_items: Option<Vec<LineItemInput>>,
}

/// `POST /v1/customers/{id}/orders`
pub async fn create_order(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<String>,
    body: RawJson,
) -> ApiResult<(StatusCode, Json<Value>)> {
    authorize(Operation::CreateOrder, &caller.facts())?;
    let body: OrderBody = body.parse()?;
    let order =
        place_order(&ctx, &caller, &customer_id, body.reference_customer_id.as_deref(), body.line_items.as_deref())
            .await?;
    Ok((StatusCode::CREATED, Json(wire::order(&order))))
}

/// `GET /v1/customers/{id}/orders`
pub async fn list_orders(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let customer = customer_for(&ctx, &caller, Operation::ListOrders, &customer_id).await?;
    let related = ctx.store.related_partners(&customer.id).await?;
    let items: Vec<Value> = ctx
        .store
        .orders(&customer.id)
        .await?
        .iter()
        .filter(|o| order_visible_to(o, &caller.partner, &related))
        .map(wire::order)
        .collect();
    Ok(Json(wire::collection(&items, &format!("/customers/{}/orders", customer.id))))
}
