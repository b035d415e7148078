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
pub mod contract;
pub mod domain;
pub mod http;
pub mod ids;
pub mod journal;
pub mod net;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;

use axum::ServiceExt;
use tokio::net::TcpListener;
use tower::Layer;

pub use app::{AppContext, AppState};

/// A configuration the emulator cannot start with (a listen address, a database URL, a seed file):
/// what to change. The binary exits with code 2 for it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigurationError(pub String);
use config::Config;

/// Connect to the database, migrate it, assemble the shared state for a server bound at `bound`,
/// and load the seed file, if one is configured.
pub async fn build_state(config: Config, bound: SocketAddr) -> anyhow::Result<AppState> {
    let seed_path = config.seed.clone();
    let state = AppContext::build(config, bound).await?;
    service::identities::ensure_development_identities(&state)
        .await
        .map_err(|e| anyhow::anyhow!("the development identities could not be made: {}", e.summary()))?;
    if let Some(path) = seed_path {
        load_seed_file(&state, &path).await?;
    }
    Ok(state)
}

/// Load a seed file at start (`--seed`): a bad file stops the emulator with a clear message.
async fn load_seed_file(state: &AppContext, path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    let text = std::fs::read_to_string(path)
        .map_err(|e| {
            ConfigurationError(format!("cannot read the seed file {} (--seed, PCE_SEED): {e}", path.display()))
        })
        .context("starting")?;
    let seed = service::seed::parse_seed(&text).map_err(|e| ConfigurationError(format!("{}: {e}", path.display())))?;
    let summary = service::seed::apply_seed(state, seed).await.map_err(|e| match e.kind() {
        service::ErrorKind::Internal | service::ErrorKind::Unavailable => {
            anyhow::anyhow!("{}: the seed could not be applied: {}", path.display(), e.summary())
        }
        _ => ConfigurationError(format!("{}: seed refused: {}", path.display(), e.summary())).into(),
    })?;
    tracing::info!(file = %path.display(), ids = ?summary.ids, "seed loaded");
    Ok(())
}

/// Serve `state` on `listener` until `shutdown` completes; in-flight requests are drained.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_tls(listener, None, state, shutdown).await
}

/// The HTTPS listener: its socket and the acceptor with its certificate.
pub struct TlsSetup {
    pub listener: TcpListener,
    pub acceptor: tokio_rustls::TlsAcceptor,
}

/// Serve `state` on `listener` and, when given, over HTTPS on the TLS listener (the same routes,
/// its own connection cap), until `shutdown` completes; both drain their in-flight requests.
pub async fn serve_with_tls(
    listener: TcpListener,
    tls: Option<TlsSetup>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let timeouts = net::ReadTimeouts {
        headers: std::time::Duration::from_secs(state.config.header_read_timeout_seconds),
        idle: std::time::Duration::from_secs(state.config.idle_timeout_seconds),
    };
    let max_connections = state.config.max_connections;
    let router = http::router(state);
    let app = tower::util::MapRequestLayer::new(http::edge::layers::rewrite_request_path).layer(router);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|s| *s).await;
    };
    let secure = tls.map(|tls| {
        let listener =
            net::TlsListener::new(net::CappedListener::new(tls.listener, max_connections, timeouts), tls.acceptor);
        let app = app.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            axum::serve(
                listener,
                ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<net::ConnectionInfo>(app),
            )
            .with_graceful_shutdown(until_stopped(stopped))
            .await
        })
    });
    let listener = net::CappedListener::new(listener, max_connections, timeouts);
    let plain = axum::serve(
        listener,
        ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<net::ConnectionInfo>(app),
    )
    .with_graceful_shutdown(until_stopped(stopped))
    .await;
    if let Some(secure) = secure {
        secure.await.map_err(std::io::Error::other)??;
    }
    plain
}
