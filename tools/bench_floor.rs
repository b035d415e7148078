//! The framework floor of the benchmark: the smallest axum server that answers every request with
//! the bytes the emulator returns for `GET /v1/agreements?agreementType=*` (captured by `bench/run`
//! from a running emulator). Same framework, same runtime, same response size; no token check, no
//! database. The emulator's requests/s as a fraction of this one's is the cost of its own work.
//!
//!   bench-floor <listen address> <file with the response body>

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::Router;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(listen), Some(body_file)) = (args.next(), args.next()) else {
        eprintln!("usage: bench-floor <listen address> <file with the response body>");
        std::process::exit(2);
    };
    let body = axum::body::Bytes::from(std::fs::read(body_file)?);
    let app = Router::new().fallback(move || {
        let body = body.clone();
        async move { ([(CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response() }
    });
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    axum::serve(listener, app).await
}
