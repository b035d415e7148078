//! Starting the emulator: raise the open-file limit and fit the connection cap below it, bind the
//! listeners (saying what to change when one cannot be bound), connect and migrate the database, load the seed, tell the person starting it what runs where,
//! serve until a signal, and exit with a code that says whether the configuration was the cause.

use std::net::SocketAddr;
use std::process::ExitCode;
use tokio::net::TcpListener;

use crate::app::{AppContext, AppState, TlsEndpoint};
use crate::config::ConfigurationError;
use crate::config::{Config, ListenAddr};
use crate::server::{serve_with_tls, TlsSetup};
use crate::store::{locate, DatabaseLocation};
use crate::{net, service, telemetry, tls};

/// Say which `PCE_` variables of the environment no setting reads: a misspelt one would otherwise
/// leave its setting at the default without a word.
fn warn_of_unread_variables() {
    let names: Vec<String> = std::env::vars_os().filter_map(|(name, _)| name.into_string().ok()).collect();
    for (name, meant) in crate::config::unread_variables(names.iter().map(String::as_str)) {
        match meant {
            Some(meant) => {
                tracing::warn!("{name} is set, but no setting reads it: did you mean {meant}? It has no effect")
            }
            None => tracing::warn!(
                "{name} is set, but no setting reads it (docs/configuration.md lists them); it has no effect"
            ),
        }
    }
}

/// Run the emulator until it is told to stop; the process's exit code: 0 after a clean stop, 2
/// for a configuration it cannot start with, 1 for any other failure (one line says what).
pub async fn run(config: Config) -> ExitCode {
    match run_until_stopped(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("partner-center-emulator: {e:#}");
            if e.chain().any(|cause| cause.is::<ConfigurationError>()) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

async fn run_until_stopped(mut config: Config) -> anyhow::Result<()> {
    telemetry::init(config.log_format);
    warn_of_unread_variables();
    let files = net::raise_open_file_limit();
    let configured_connections = config.max_connections;
    let file_limit = match &files {
        Some(Ok(files)) => Some(files.now),
        _ => None,
    };
    config.max_connections = net::connection_cap(configured_connections, file_limit);
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
    announce_connections(files, configured_connections, state.config.max_connections);
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

/// The open-file limit as the emulator left it, and the connection budget it allows.
fn announce_connections(files: Option<std::io::Result<net::OpenFiles>>, configured: usize, cap: usize) {
    let reserved = net::reserve_for(cap);
    let limit = files.as_ref().and_then(|f| f.as_ref().ok()).map_or(0, |f| f.now);
    match files {
        Some(Ok(files)) if files.now > files.was => tracing::info!(
            open_files = files.now,
            was = files.was,
            hard = files.hard,
            "open files: soft limit raised from {} to {} (the hard limit)",
            files.was,
            files.now
        ),
        Some(Ok(files)) => tracing::info!(
            open_files = files.now,
            hard = files.hard,
            "open files: soft limit {} (hard limit {})",
            files.now,
            files.hard
        ),
        Some(Err(e)) => tracing::warn!(error = %e, "the open-file limit could not be read or raised"),
        None => {}
    }
    tracing::info!(
        max_connections = cap,
        reserved,
        "connections: {cap} at once, and {reserved} more for health and readiness probes while all hold requests"
    );
    if cap < configured {
        tracing::warn!(
            configured,
            max_connections = cap,
            "--max-connections (PCE_MAX_CONNECTIONS) {configured} lowered to {cap} to stay below the open-file limit \
             of {limit} ({} descriptors are kept for the emulator itself, and some for the probes); raise the limit \
             (ulimit -n, docker run --ulimit nofile=N) to serve more",
            net::FILES_KEPT_BACK
        );
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

/// Connect to the database, migrate it, assemble the shared state for a server bound at `bound`,
/// and load the seed files, if any are configured.
pub async fn build_state(config: Config, bound: SocketAddr) -> anyhow::Result<AppState> {
    let seeds = seed_files(&config.seed)?;
    let state = AppContext::build(config, bound).await?;
    service::identities::ensure_development_identities(&state)
        .await
        .map_err(|e| anyhow::anyhow!("the development identities could not be made: {}", e.summary()))?;
    for path in &seeds {
        load_seed_file(&state, path).await?;
    }
    Ok(state)
}

/// The seed files `--seed` names, in the order given, each value a comma-separated list: a file
/// as it is, a folder as its `*.yaml`, `*.yml` and `*.json` files in the order of their names
/// (not its subfolders). An empty entry (`PCE_SEED=`, as docker-compose passes an unset variable)
/// names nothing. A path that is neither, or a folder without a seed file, stops the start before
/// the database is touched.
pub fn seed_files(given: &[String]) -> Result<Vec<std::path::PathBuf>, ConfigurationError> {
    let mut files = Vec::new();
    let paths = given.iter().flat_map(|value| value.split(',')).map(str::trim).filter(|p| !p.is_empty());
    for path in paths.map(std::path::Path::new) {
        let metadata = std::fs::metadata(path).map_err(|e| {
            ConfigurationError(format!("cannot read the seed file {} (--seed, PCE_SEED): {e}", path.display()))
        })?;
        if !metadata.is_dir() {
            files.push(path.to_path_buf());
            continue;
        }
        let entries = std::fs::read_dir(path).map_err(|e| {
            ConfigurationError(format!("cannot read the seed folder {} (--seed, PCE_SEED): {e}", path.display()))
        })?;
        let mut in_folder: Vec<std::path::PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| p.is_file() && is_seed_file(p))
            .collect();
        if in_folder.is_empty() {
            return Err(ConfigurationError(format!(
                "the seed folder {} holds no seed file (*.yaml, *.yml or *.json) (--seed, PCE_SEED)",
                path.display()
            )));
        }
        in_folder.sort();
        files.extend(in_folder);
    }
    Ok(files)
}

fn is_seed_file(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["yaml", "yml", "json"].iter().any(|known| e.eq_ignore_ascii_case(known)))
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
