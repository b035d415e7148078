use clap::Parser;
use partner_center_emulator::app::TlsEndpoint;
use partner_center_emulator::config::{Cli, Command, Config, ListenAddr};
use partner_center_emulator::store::{locate, DatabaseLocation};
use partner_center_emulator::{
    build_state, serve_with_tls, service, telemetry, tls, AppState, ConfigurationError, TlsSetup,
};
use std::net::SocketAddr;
use std::process::ExitCode;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Healthcheck { url }) => healthcheck(&cli.config, url).await,
        Some(Command::Serve) | None => match run(cli.config).await {
            Ok(()) => ExitCode::SUCCESS,
            // One line that says what failed and what to do; 2 when the configuration is the cause.
            Err(e) => {
                eprintln!("partner-center-emulator: {e:#}");
                if e.chain().any(|cause| cause.is::<ConfigurationError>()) {
                    ExitCode::from(2)
                } else {
                    ExitCode::FAILURE
                }
            }
        },
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    telemetry::init(config.log_format);
    let location = locate(config.database_url.expose()).map_err(|e| ConfigurationError(e.to_string()))?;
    let listener = bind(&config.listen, "--listen, PCE_LISTEN").await?;
    let bound = listener.local_addr()?;
    let tls_listen = config.tls_listen.clone();
    let tls_listener = match &tls_listen {
        Some(listen) => Some(bind(listen, "--tls-listen, PCE_TLS_LISTEN").await?),
        None => None,
    };
    let state = build_state(config, bound).await?;
    let tls = match (tls_listen, tls_listener) {
        (Some(listen), Some(listener)) => Some(secure(&state, &listen, listener).await?),
        _ => None,
    };
    announce(&state, &location, bound).await;
    serve_with_tls(listener, tls, state, shutdown_signal()).await?;
    tracing::info!("emulator stopped");
    Ok(())
}

/// The HTTPS listener's certificate and acceptor; the emulator then tells of it (`state.tls`).
async fn secure(state: &AppState, listen: &ListenAddr, listener: TcpListener) -> anyhow::Result<TlsSetup> {
    let material = tls::load(&state.config, listen, state.store.as_ref()).await?;
    let acceptor = tls::acceptor(&material)?;
    let port = listener.local_addr()?.port();
    let host = match listen.host.as_str() {
        "0.0.0.0" | "::" | "[::]" => "localhost".to_string(),
        host if host.contains(':') && !host.starts_with('[') => format!("[{host}]"),
        host => host.to_string(),
    };
    let _ = state
        .tls
        .set(TlsEndpoint { certificate_pem: material.certificate_pem, base_url: format!("https://{host}:{port}") });
    Ok(TlsSetup { listener, acceptor })
}

/// Listen on `listen` (a host name is resolved, and each of its addresses tried); `setting` names
/// the flag and variable that chose it.
async fn bind(listen: &ListenAddr, setting: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind((listen.host.as_str(), listen.port)).await.map_err(|e| {
        use std::io::ErrorKind;
        let what_to_do = match e.kind() {
            ErrorKind::AddrInUse => "another process listens there: stop it, or choose another port",
            ErrorKind::PermissionDenied => "this user may not listen there (ports below 1024 need privileges)",
            ErrorKind::AddrNotAvailable => {
                "that address is not one of this machine's: use 127.0.0.1, 0.0.0.0 or localhost"
            }
            _ => "check the host name and the port",
        };
        ConfigurationError(format!("cannot listen on {listen}: {e}; {what_to_do} ({setting})")).into()
    })
}

/// What a person starting the emulator needs to know: what runs where, and what an earlier run
/// left that changes how it answers.
async fn announce(state: &AppState, location: &DatabaseLocation, bound: SocketAddr) {
    let base = &state.public_base_url;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        address = %bound,
        database = %location,
        "partner-center-emulator listening"
    );
    tracing::info!("landing page: {base}/");
    tracing::info!("API and control plane: {base}/v1, {base}/_emulator");
    tracing::info!("API reference: {base}/_emulator/docs (openapi.yaml: {base}/_emulator/openapi.yaml)");
    tracing::info!("partner's Partner Center dashboard: {base}/dashboard/customers");
    tracing::info!("customer's Microsoft 365 admin center: {base}/AdminPortal/Home");
    tracing::info!("sign-in service (token endpoint): {base}/{{tenant}}/oauth2/v2.0/token");
    if let Some(tls) = state.tls.get() {
        tracing::info!("HTTPS: {} (certificate to trust: {base}/_emulator/tls/certificate)", tls.base_url);
    }
    match service::control::carried_over(state).await {
        Ok(found) => {
            for what in found {
                tracing::warn!("carried over from an earlier run: {what}");
            }
        }
        Err(e) => tracing::warn!(error = %e, "the state carried over could not be read"),
    }
    match service::timeline::timeline(state).await {
        Ok(t) => tracing::info!(
            "service date {} ({}): Partner Center as it was on that day",
            t.service_date.date(),
            t.source.as_str()
        ),
        Err(e) => tracing::warn!(error = %e, "the service date could not be read"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received, draining requests");
}

/// `partner-center-emulator healthcheck`: exit 0 when the emulator answers ready.
async fn healthcheck(config: &Config, url: Option<String>) -> ExitCode {
    let url = url.unwrap_or_else(|| format!("http://127.0.0.1:{}/_emulator/ready", config.listen.port()));
    match probe(&url, config.admin_token()).await {
        Ok(200) => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("not ready: {url} answered {status}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("not ready: {url}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A minimal HTTP/1.1 GET over a plain TCP socket: the container image has no curl.
async fn probe(url: &str, admin_token: Option<&str>) -> std::io::Result<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let invalid = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, m.to_string());
    let rest = url.strip_prefix("http://").ok_or_else(|| invalid("only http:// URLs are supported"))?;
    let (host_port, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let connect = tokio::net::TcpStream::connect(host_port);
    let mut stream = tokio::time::timeout(std::time::Duration::from_secs(3), connect)
        .await
        .map_err(|_| invalid("connect timed out"))??;
    let auth = admin_token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host_port}\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut head = vec![0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(3), stream.read(&mut head))
        .await
        .map_err(|_| invalid("read timed out"))??;
    let line = String::from_utf8_lossy(&head[..n]);
    line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| invalid("not an HTTP response"))
}
