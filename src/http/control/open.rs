//! The control plane's open routes: the contract as a file, and the HTTPS listener's certificate
//! to trust. Neither holds state or a secret.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::contract::OPENAPI_YAML;
use crate::http::edge::error::ApiError;
use crate::http::edge::RouteEntry;

pub fn routes() -> Vec<RouteEntry> {
    vec![
        ("GET", "/_emulator/openapi.yaml", get(openapi_yaml)),
        ("GET", "/_emulator/tls/certificate", get(tls_certificate)),
    ]
}

async fn openapi_yaml() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml; charset=utf-8")], OPENAPI_YAML).into_response()
}

/// `GET /_emulator/tls/certificate`: the certificate the HTTPS listener serves, to trust.
async fn tls_certificate(State(ctx): State<AppState>) -> Response {
    match ctx.tls.get() {
        Some(tls) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("application/x-pem-file"))], tls.certificate_pem.clone())
                .into_response()
        }
        None => ApiError::HttpsListenerNotRunning.into_response(),
    }
}
