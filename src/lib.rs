//! Partner Center emulator: a local stand-in for Microsoft Partner Center's customer-agreement
//! API, with a control plane for tests (clock, outbox, personas, tokens).
//!
//! The layers point one way: `http` (the API, the control plane and the admin-center pages) →
//! `service` (use cases) → `domain` (pure rules) and `store` (the database). `app` holds what
//! they share.

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod domain;
pub mod http;
pub mod ids;
pub mod journal;
pub mod net;
pub mod service;
pub mod store;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;

use axum::ServiceExt;
use tokio::net::TcpListener;
use tower::Layer;

pub use app::{AppContext, AppState};
use config::Config;

/// Connect to the database, migrate it, assemble the shared state for a server bound at `bound`,
/// and load the seed file, if one is configured.
pub async fn build_state(config: Config, bound: SocketAddr) -> anyhow::Result<AppState> {
    let seed_path = config.seed.clone();
    let state = AppContext::build(config, bound).await?;
    if let Some(path) = seed_path {
        load_seed_file(&state, &path).await?;
    }
    Ok(state)
}

/// Load a seed file at start (`--seed`): a bad file stops the emulator with a clear message.
async fn load_seed_file(state: &AppContext, path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    let text = std::fs::read_to_string(path).with_context(|| format!("reading seed file {}", path.display()))?;
    let seed = service::seed::parse_seed(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let summary = service::seed::apply_seed(state, seed)
        .await
        .map_err(|e| anyhow::anyhow!("{}: seed refused: {}", path.display(), e.summary()))?;
    tracing::info!(file = %path.display(), ids = ?summary.ids, "seed loaded");
    Ok(())
}

/// Serve `state` on `listener` until `shutdown` completes; in-flight requests are drained.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let timeouts = net::ReadTimeouts {
        headers: std::time::Duration::from_secs(state.config.header_read_timeout_seconds),
        idle: std::time::Duration::from_secs(state.config.idle_timeout_seconds),
    };
    let listener = net::CappedListener::new(listener, state.config.max_connections, timeouts);
    let router = http::router(state);
    let app = tower::util::MapRequestLayer::new(http::middleware::rewrite_request_path).layer(router);
    axum::serve(
        listener,
        ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<net::ConnectionInfo>(app),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
