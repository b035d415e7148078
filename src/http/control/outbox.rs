//! The outbox: the notification emails Partner Center would have sent.

use axum::extract::State;
use axum::routing::{delete, get};
use axum::Json;
use serde_json::{json, Value};

use crate::app::AppState;
use crate::domain::ids::{CustomerId, PartnerId};
use crate::domain::outbox::OutboxMessage;
use crate::domain::time::render_timestamp;
use crate::http::edge::error::ApiResult;
use crate::http::edge::extract::QueryParams;
use crate::http::edge::RouteEntry;
use crate::service::control::{self, OutboxFilter};

pub fn routes() -> Vec<RouteEntry> {
    vec![("GET", "/_emulator/outbox", get(list_outbox)), ("DELETE", "/_emulator/outbox", delete(clear_outbox))]
}

fn outbox_json(m: &OutboxMessage) -> Value {
    json!({
        "id": m.id,
        "to": m.recipient,
        "subject": m.subject,
        "body": m.body,
        "partnerTenantId": m.partner_tenant_id,
        "customerId": m.customer_id,
        "agreementId": m.agreement_id,
        "queuedAt": render_timestamp(m.queued_at),
        "deliverAt": render_timestamp(m.deliver_at),
    })
}

async fn list_outbox(State(ctx): State<AppState>, query: QueryParams) -> ApiResult<Json<Value>> {
    let filter = OutboxFilter {
        include_pending: query.bool("includePending")?.unwrap_or(false),
        to: query.filter("to")?.map(str::to_string),
        customer_id: query.filter("customerId")?.map(CustomerId::parse),
        partner_tenant_id: query.filter("partnerTenantId")?.map(PartnerId::parse),
    };
    let items: Vec<Value> = control::outbox(&ctx, filter).await?.iter().map(outbox_json).collect();
    Ok(Json(json!({"totalCount": items.len(), "items": items})))
}

async fn clear_outbox(State(ctx): State<AppState>) -> ApiResult<Json<Value>> {
    let deleted = control::clear_outbox(&ctx).await?;
    Ok(Json(json!({"deleted": deleted})))
}
