//! Serving the router on the listeners: the plain one and, when configured, the HTTPS one, each
//! under one connection budget and the read timeouts, until shutdown, draining what is in flight.

use std::future::Future;

use axum::ServiceExt;
use tokio::net::TcpListener;

use crate::app::AppState;
use crate::{http, net};

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
/// the same connection budget), until `shutdown` completes; both drain their in-flight requests.
pub async fn serve_with_tls(
    listener: TcpListener,
    tls: Option<TlsSetup>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let timeouts = net::ReadTimeouts {
        headers: std::time::Duration::from_secs(state.config.header_read_timeout_seconds),
        idle: std::time::Duration::from_secs(state.config.idle_timeout_seconds),
        body: std::time::Duration::from_secs(state.config.body_read_timeout_seconds),
    };
    // One budget for both listeners: they share the process's descriptors.
    let budget = net::Budget::new(state.config.max_connections);
    let max_body = state.config.max_body_bytes;
    let app = tower::ServiceBuilder::new()
        .map_request(http::edge::layers::rewrite_request_path)
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .service(http::router(state));
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
            net::TlsListener::new(net::CappedListener::new(tls.listener, budget.clone(), timeouts), tls.acceptor);
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
    let listener = net::CappedListener::new(listener, budget, timeouts);
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
