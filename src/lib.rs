//! Partner Center emulator: a local stand-in for Microsoft Partner Center's customer-agreement
//! API, with a control plane for tests (clock, outbox, personas, tokens).

pub mod auth;
pub mod clock;
pub mod config;
pub mod domain;
pub mod http;
pub mod ids;
pub mod net;
pub mod service;
pub mod store;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::ServiceExt;
use tokio::net::TcpListener;
use tower::Layer;

use crate::auth::TokenKeys;
use crate::clock::Clock;
use crate::config::Config;
use crate::http::journal::Journal;
use crate::http::{AppContext, AppState};
use crate::ids::Ids;

pub const JOURNAL_CAPACITY: usize = 1000;
const SIGNING_KEY_SETTING: &str = "token_signing_key";

/// Connect to the database, migrate it, and assemble the shared state for a server bound at `bound`.
pub async fn build_state(config: Config, bound: SocketAddr) -> anyhow::Result<AppState> {
    let store = store::connect(config.database_url.expose()).await?;
    store.migrate().await?;
    let ids = Ids::new(config.deterministic_seed);
    let signing_key = match &config.token_signing_key {
        Some(key) => key.expose().to_string(),
        None => store.setting_or_insert(SIGNING_KEY_SETTING, &ids.secret(64)).await?,
    };
    let server_id = config.server_id.clone().unwrap_or_else(default_server_id);
    let seed_path = config.seed.clone();
    let state = Arc::new(AppContext {
        clock: Clock::new(store.clone()),
        keys: TokenKeys::from_secret(&signing_key),
        public_base_url: config.public_base_url(bound),
        journal: Journal::new(JOURNAL_CAPACITY),
        server_id,
        ids,
        store,
        config,
    });
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
        .map_err(|e| anyhow::anyhow!("{}: seed refused: {}", path.display(), http::error::describe(&e)))?;
    tracing::info!(file = %path.display(), ids = %summary["ids"], "seed loaded");
    Ok(())
}

fn default_server_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".into());
    format!("pce-{host}")
}

/// Serve `state` on `listener` until `shutdown` completes; in-flight requests are drained.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = net::CappedListener::new(listener, state.config.max_connections);
    let router = http::router(state);
    let app = tower::util::MapRequestLayer::new(http::middleware::rewrite_request_path).layer(router);
    axum::serve(
        listener,
        ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<net::ConnectionInfo>(app),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
