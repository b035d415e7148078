//! Carts and their checkout (today's purchase path).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::wire;
use crate::app::AppState;
use crate::auth::Caller;
use crate::domain::carts::{CartId, CartLineItemInput};
use crate::domain::ids::CustomerId;
use crate::http::edge::error::ApiResult;
use crate::http::edge::extract::{RawJson, Unit};
use crate::service::access::{ops, permit};
use crate::service::carts;

/// A cart as a request sends it: its line items. What the service sets (`id`, the timestamps,
/// `status`, `lastModifiedUser`, `links`) is ignored, so that a client may send back the cart it
/// read, changed.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartBody {
    line_items: Option<Vec<CartLineItemInput>>,
}

/// `POST /v1/customers/{id}/carts`
pub async fn create_cart(
    State(ctx): State<AppState>,
    caller: Caller,
    Path(customer_id): Path<CustomerId>,
    mut unit: Unit,
    body: RawJson,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let permit = permit::<ops::CreateCart>(&caller)?;
    let body: CartBody = body.parse()?;
    let cart = carts::create_cart(&ctx, &permit, &mut unit, &customer_id, body.line_items.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(wire::cart(&cart))))
}

/// `GET /v1/customers/{id}/carts/{cartId}`
pub async fn get_cart(
    State(ctx): State<AppState>,
    caller: Caller,
    Path((customer_id, cart_id)): Path<(CustomerId, CartId)>,
) -> ApiResult<Json<Value>> {
    let permit = permit::<ops::GetCart>(&caller)?;
    let cart = carts::get_cart(&ctx, &permit, &customer_id, &cart_id).await?;
    Ok(Json(wire::cart(&cart)))
}

/// `PUT /v1/customers/{id}/carts/{cartId}`
pub async fn update_cart(
    State(ctx): State<AppState>,
    caller: Caller,
    Path((customer_id, cart_id)): Path<(CustomerId, CartId)>,
    mut unit: Unit,
    body: RawJson,
) -> ApiResult<Json<Value>> {
    let permit = permit::<ops::UpdateCart>(&caller)?;
    let body: CartBody = body.parse()?;
    let cart = carts::update_cart(&ctx, &permit, &mut unit, &customer_id, &cart_id, body.line_items.as_deref()).await?;
    Ok(Json(wire::cart(&cart)))
}

/// `POST /v1/customers/{id}/carts/{cartId}/checkout` (no body is read).
pub async fn check_out_cart(
    State(ctx): State<AppState>,
    caller: Caller,
    Path((customer_id, cart_id)): Path<(CustomerId, CartId)>,
    mut unit: Unit,
) -> ApiResult<Json<Value>> {
    let permit = permit::<ops::CheckoutCart>(&caller)?;
    let result = carts::check_out_cart(&ctx, &permit, &mut unit, &customer_id, &cart_id).await?;
    Ok(Json(wire::checkout_result(&result)))
}
