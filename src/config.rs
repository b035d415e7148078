//! Configuration: every flag is also an environment variable, and `--help` documents them all.

use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "partner-center-emulator",
    version,
    about = "Local emulator of Microsoft Partner Center's customer-agreement API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Start the emulator (the default when no subcommand is given).
    Serve,
    /// Probe a running emulator's readiness endpoint; exit 0 when ready, 1 otherwise.
    /// Used by the container image's HEALTHCHECK (no curl needed).
    Healthcheck {
        /// URL to probe; defaults to http://127.0.0.1:<port of --listen>/_emulator/ready.
        #[arg(long, env = "PCE_HEALTHCHECK_URL")]
        url: Option<String>,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address and port to listen on: an IP address or a host name (`localhost:8080`), and a port.
    #[arg(long, env = "PCE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: ListenAddr,

    /// Also serve HTTPS on this address and port (e.g. `127.0.0.1:8443`), for clients that insist on
    /// an https authority (Microsoft's authentication libraries). Off by default.
    #[arg(long, env = "PCE_TLS_LISTEN")]
    pub tls_listen: Option<ListenAddr>,

    /// PEM certificate chain for --tls-listen. Default: a self-signed certificate for localhost,
    /// 127.0.0.1, ::1 and the --tls-listen host, made once and kept in the database (so it stays
    /// the same across restarts and replicas); GET /_emulator/tls/certificate exports it.
    #[arg(long, env = "PCE_TLS_CERTIFICATE", requires_all = ["tls_key", "tls_listen"])]
    pub tls_certificate: Option<std::path::PathBuf>,

    /// PEM private key of --tls-certificate.
    #[arg(long, env = "PCE_TLS_KEY", requires_all = ["tls_certificate", "tls_listen"])]
    pub tls_key: Option<std::path::PathBuf>,

    /// Database: a postgres:// URL, a sqlite: URL (sqlite::memory: for a throwaway database) or a file path.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://partner-center-emulator.db", hide_env_values = true)]
    pub database_url: DatabaseUrl,

    /// Public base URL used in links the emulator hands out (document links, relationship
    /// requests). Default: http://<listen address>.
    #[arg(long, env = "PCE_PUBLIC_BASE_URL", value_parser = parse_public_base_url)]
    pub public_base_url: Option<String>,

    /// Key that signs access tokens (HS256). Default: generated on first start and kept in the
    /// database, so tokens survive restarts and every replica shares it.
    #[arg(long, env = "PCE_TOKEN_SIGNING_KEY", hide_env_values = true)]
    pub token_signing_key: Option<Secret>,

    /// When set (and not empty), every /_emulator route but health and ready requires
    /// `Authorization: Bearer <this token>`.
    #[arg(long, env = "PCE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<Secret>,

    /// How far in the future (seconds, by the emulator clock) a dateAgreed may be before it is refused.
    #[arg(long, env = "PCE_DATE_AGREED_SKEW_SECONDS", default_value_t = 300)]
    pub date_agreed_skew_seconds: u32,

    /// The service date: the emulator answers as Partner Center did on this day (YYYY-MM-DD), so
    /// that the clock can run free while the rules stay those of that day (pin a day before
    /// 2026-01-05 for the 2023 attestation flow). Default: the emulator clock's day.
    #[arg(long, env = "PCE_SERVICE_DATE", value_parser = parse_service_date)]
    pub service_date: Option<chrono::NaiveDate>,

    /// Days (of the emulator clock) a pending enhanced attestation waits for the customer before
    /// it expires (1 to 365).
    #[arg(long, env = "PCE_ATTESTATION_EXPIRY_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=365))]
    pub attestation_expiry_days: u32,

    /// Delay (seconds, 0 to 1800) between an attestation and the delivery of its notification email.
    #[arg(long, env = "PCE_NOTIFICATION_DELAY_SECONDS", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1800))]
    pub notification_delay_seconds: u32,

    /// Log format: `text` or `json` (one JSON object per line).
    #[arg(long, env = "PCE_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,

    /// Value of the MS-ServerId response header. Default: derived from the host name.
    #[arg(long, env = "PCE_SERVER_ID")]
    pub server_id: Option<String>,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "PCE_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,

    /// Largest size of a request's headers in all (names and values), in bytes; more is 431.
    #[arg(long, env = "PCE_MAX_HEADER_BYTES", default_value_t = 32 * 1024)]
    pub max_header_bytes: usize,

    /// Open connections served at once (at least 1; lowered at start to stay below the open-file
    /// limit). When all hold running requests, a connection beyond them gets 503 and is closed;
    /// a connection without a complete request gives its place to a newcomer.
    #[arg(long, env = "PCE_MAX_CONNECTIONS", default_value_t = 1000, value_parser = parse_max_connections)]
    pub max_connections: usize,

    /// Seconds a request may take before it is answered with 503.
    #[arg(long, env = "PCE_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    pub request_timeout_seconds: u64,

    /// Seconds a client has, from the first byte of a request, to send all of its headers; a
    /// connection that sends them slower (a slowloris) is closed (1 to 300).
    #[arg(long, env = "PCE_HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub header_read_timeout_seconds: u64,

    /// Seconds a client has, once a request's headers are in, to send all of its body; a request
    /// whose body stalls is answered 408 and its connection closed (1 to 300).
    #[arg(long, env = "PCE_BODY_READ_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub body_read_timeout_seconds: u64,

    /// Seconds a kept-alive connection may wait for its next request before it is closed (1 to 3600).
    #[arg(long, env = "PCE_IDLE_TIMEOUT_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout_seconds: u64,

    /// Failed sign-ins of one user name that lock it (1 to 1000), as Microsoft's sign-in does.
    #[arg(long, env = "PCE_SIGN_IN_LOCKOUT_THRESHOLD", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub sign_in_lockout_threshold: u32,

    /// Seconds (of the emulator clock) a locked user name stays locked (1 to 86400).
    #[arg(long, env = "PCE_SIGN_IN_LOCKOUT_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=86400))]
    pub sign_in_lockout_seconds: u32,

    /// Seed files (JSON or YAML) and folders of them, loaded at start in the order given (a
    /// folder's *.yaml, *.yml and *.json files in the order of their names); the emulator is ready
    /// only after every one loaded. Several: `--seed a.yaml b.yaml`, `--seed seeds/`, repeated
    /// `--seed`, or PCE_SEED with commas (`PCE_SEED=seeds/attested.yaml,seeds/enhanced.yaml`).
    /// An empty value (`PCE_SEED=`, what docker-compose passes for an unset `${PCE_SEED:-}`) names
    /// none; commas are split by `startup::seed_files`.
    #[arg(long, env = "PCE_SEED", num_args = 1..)]
    pub seed: Vec<String>,

    /// Make generated ids, request ids and credentials reproducible from this seed.
    #[arg(long, env = "PCE_DETERMINISTIC_SEED")]
    pub deterministic_seed: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// A configuration for tests and embedding: in-memory SQLite, port 0, defaults elsewhere.
    pub fn for_tests(database_url: &str) -> Self {
        let cli =
            Cli::parse_from(["partner-center-emulator", "--listen", "127.0.0.1:0", "--database-url", database_url]);
        cli.config
    }

    /// The admin token, if one is configured. A blank `PCE_ADMIN_TOKEN=` (what docker-compose
    /// passes for an unset `${PCE_ADMIN_TOKEN:-}`) means none, not "the empty token".
    pub fn admin_token(&self) -> Option<&str> {
        self.admin_token.as_ref().map(|t| t.expose().trim()).filter(|t| !t.is_empty())
    }

    pub fn public_base_url(&self, bound: SocketAddr) -> String {
        match self.public_base_url.as_deref().filter(|url| !url.is_empty()) {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => {
                let host = if bound.ip().is_unspecified() { "127.0.0.1".to_string() } else { bound.ip().to_string() };
                let host = if bound.is_ipv6() && !bound.ip().is_unspecified() { format!("[{host}]") } else { host };
                format!("http://{host}:{}", bound.port())
            }
        }
    }
}

fn parse_max_connections(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("'{value}' is not a number of connections (1 or more)")),
    }
}

/// The base of the links the emulator hands out: an absolute `http` or `https` URL (a path after
/// the host is kept, for a proxy's prefix), as Partner Center's links are absolute. A blank value
/// (what docker-compose passes for an unset variable) means the default.
fn parse_public_base_url(value: &str) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let refused = || {
        format!(
            "'{value}' is not an absolute http or https URL (such as http://localhost:8080 or https://pc.example.com)"
        )
    };
    let uri: axum::http::Uri = trimmed.parse().map_err(|_| refused())?;
    let scheme_ok = matches!(uri.scheme_str().map(str::to_ascii_lowercase).as_deref(), Some("http" | "https"));
    let host_ok = uri.host().is_some_and(|h| !h.is_empty());
    if !scheme_ok || !host_ok || uri.query().is_some() || trimmed.contains('#') {
        return Err(refused());
    }
    // Scheme and host as the links and the cookies' Secure flag compare them: in lower case.
    let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
    let authority = uri.authority().map(|a| a.as_str().to_ascii_lowercase()).unwrap_or_default();
    let path = uri.path().trim_end_matches('/');
    Ok(format!("{scheme}://{authority}{path}"))
}

fn parse_service_date(value: &str) -> Result<chrono::NaiveDate, String> {
    crate::domain::timeline::parse_date(value)
        .ok_or_else(|| format!("'{value}' is not a date YYYY-MM-DD between 1900 and 9999"))
}

/// A setting that must never be printed (the admin token, the signing key): its `Debug` says
/// only that it is redacted, and its value is wiped from memory when it is dropped.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(SecretString::from(value))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The database URL: kept secret (it may hold a password) and shown without its password.
#[derive(Clone)]
pub struct DatabaseUrl {
    url: Secret,
    shown: String,
}

impl DatabaseUrl {
    pub fn expose(&self) -> &str {
        self.url.expose()
    }

    /// The URL with the password, if any, replaced by `***`: safe for logs.
    pub fn redacted(&self) -> &str {
        &self.shown
    }
}

impl From<String> for DatabaseUrl {
    fn from(value: String) -> Self {
        let shown = redact_password(&value);
        Self { url: Secret::from(value), shown }
    }
}

impl From<&str> for DatabaseUrl {
    fn from(value: &str) -> Self {
        Self::from(value.to_string())
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.shown).finish()
    }
}

/// `scheme://user:password@host/db` → `scheme://user:***@host/db`; a `password=` query parameter
/// is masked too. Anything else (a file path) is returned as is.
fn redact_password(url: &str) -> String {
    let mut shown = url.to_string();
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            if let Some(colon) = rest[..at].find(':') {
                shown = format!("{scheme}://{}:***{}", &rest[..colon], &rest[at..]);
            }
        }
    }
    match shown.split_once('?') {
        Some((base, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            format!("{base}?{}", params.join("&"))
        }
        None => shown,
    }
}

/// `PCE_` variables that are not the emulator's settings but are read by what runs around it: the
/// container's entrypoint (`PCE_PORT`), the test suites (`PCE_TEST_BACKEND`,
/// `PCE_TEST_POSTGRES_URL`, `PCE_BASE`), the Python package (`PCE_BIN`) and the Testcontainers
/// example (`PCE_IMAGE`).
const NEIGHBOURS: [&str; 6] =
    ["PCE_PORT", "PCE_TEST_BACKEND", "PCE_TEST_POSTGRES_URL", "PCE_BASE", "PCE_BIN", "PCE_IMAGE"];

/// The `PCE_` variables among `names` that no setting reads (a misspelt `PCE_SERVICE_DAT` would
/// otherwise leave the emulator on its default without a word), each with the setting it most
/// likely meant, when one is close.
pub fn unread_variables<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<(String, Option<String>)> {
    use clap::CommandFactory;
    let command = Cli::command();
    // The subcommands' own settings too (`healthcheck`'s PCE_HEALTHCHECK_URL).
    let arguments = command.get_arguments().chain(command.get_subcommands().flat_map(|c| c.get_arguments()));
    let settings: Vec<String> = arguments
        .filter_map(|a| a.get_env().and_then(|e| e.to_str()).map(str::to_string))
        .filter(|name| name.starts_with("PCE_"))
        .collect();
    names
        .into_iter()
        .filter(|name| name.starts_with("PCE_") && !NEIGHBOURS.contains(name) && !settings.iter().any(|s| s == name))
        .map(|name| {
            let nearest =
                settings.iter().min_by_key(|s| edit_distance(s, name)).filter(|s| edit_distance(s, name) <= 3);
            (name.to_string(), nearest.cloned())
        })
        .collect()
}

/// Levenshtein distance, for the nearest setting's name.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// A configuration the emulator cannot start with (a listen address, a database URL, a seed file):
/// what to change. The binary exits with code 2 for it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigurationError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_public_url() {
        let c = Config::for_tests("sqlite::memory:");
        assert_eq!(c.date_agreed_skew_seconds, 300);
        assert_eq!((c.idle_timeout_seconds, c.body_read_timeout_seconds, c.max_connections), (5, 10, 1000));
        assert!(Cli::try_parse_from(["x", "--max-connections", "0"]).is_err());
        assert!(Cli::try_parse_from(["x", "--body-read-timeout-seconds", "0"]).is_err());
        assert_eq!(c.public_base_url("0.0.0.0:8080".parse().unwrap()), "http://127.0.0.1:8080");
        let c = Cli::parse_from(["x", "--public-base-url", "https://pc.test/"]).config;
        assert_eq!(c.public_base_url("0.0.0.0:8080".parse().unwrap()), "https://pc.test");
        // links are absolute: anything else is refused at start-up, not handed out
        for bad in ["localhost:8080", "pc.test", "ftp://pc.test", "http://", "https://pc.test/?a=1", "/prefix"] {
            assert!(Cli::try_parse_from(["x", "--public-base-url", bad]).is_err(), "{bad}");
        }
        let proxied = Cli::parse_from(["x", "--public-base-url", "http://localhost:8080/pce"]).config;
        assert_eq!(proxied.public_base_url("0.0.0.0:1".parse().unwrap()), "http://localhost:8080/pce");
        let shouted = Cli::parse_from(["x", "--public-base-url", "HTTPS://PC.Test/Prefix/"]).config;
        assert_eq!(shouted.public_base_url("0.0.0.0:1".parse().unwrap()), "https://pc.test/Prefix");
        let blank = Cli::parse_from(["x", "--public-base-url", " "]).config;
        assert_eq!(blank.public_base_url("127.0.0.1:9".parse().unwrap()), "http://127.0.0.1:9");
        assert!(Cli::try_parse_from(["x", "--notification-delay-seconds", "1801"]).is_err());
        assert_eq!(c.service_date, None);
        assert_eq!(c.attestation_expiry_days, 30);
        let pinned = Cli::parse_from(["x", "--service-date", "2025-03-01"]).config.service_date;
        assert_eq!(pinned.map(|d| d.to_string()).as_deref(), Some("2025-03-01"));
        assert!(Cli::try_parse_from(["x", "--service-date", "2025-02-30"]).is_err());
        assert!(Cli::try_parse_from(["x", "--attestation-expiry-days", "0"]).is_err());
        assert_eq!(Cli::parse_from(["x", "--admin-token", " "]).config.admin_token(), None);
        assert_eq!(Cli::parse_from(["x", "--admin-token", "t"]).config.admin_token(), Some("t"));
    }

    #[test]
    fn a_pce_variable_no_setting_reads_is_named_with_the_one_it_likely_meant() {
        let unread = unread_variables(["PCE_SERVICE_DAT", "PCE_LISTEN", "PCE_PORT", "PCE_WHATEVER_ELSE", "HOME"]);
        assert_eq!(
            unread,
            [
                ("PCE_SERVICE_DAT".to_string(), Some("PCE_SERVICE_DATE".to_string())),
                ("PCE_WHATEVER_ELSE".to_string(), None)
            ]
        );
        assert!(unread_variables(["PCE_ADMIN_TOKN"])[0].1.as_deref() == Some("PCE_ADMIN_TOKEN"));
        assert!(unread_variables(["PCE_HEALTHCHECK_URL"]).is_empty(), "a subcommand's setting is read");
    }

    #[test]
    fn secrets_never_print() {
        let c = Cli::parse_from([
            "x",
            "--admin-token",
            "admin-secret-1",
            "--token-signing-key",
            "signing-secret-2",
            "--database-url",
            "postgres://pce:db-secret-3@db:5432/pce?sslmode=disable&password=db-secret-4",
        ])
        .config;
        let printed = format!("{c:?}");
        for secret in ["admin-secret-1", "signing-secret-2", "db-secret-3", "db-secret-4"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("postgres://pce:***@db:5432/pce?sslmode=disable&password=***"), "{printed}");
        assert_eq!(
            c.database_url.expose(),
            "postgres://pce:db-secret-3@db:5432/pce?sslmode=disable&password=db-secret-4"
        );
        assert_eq!(DatabaseUrl::from("sqlite://x.db").redacted(), "sqlite://x.db");
        assert_eq!(DatabaseUrl::from("postgres://u@h/d").redacted(), "postgres://u@h/d");
    }
}

/// Where to listen: a host (an IP address, `[v6]`, or a name to resolve) and a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenAddr {
    pub host: String,
    pub port: u16,
}

impl ListenAddr {
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl std::fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl std::str::FromStr for ListenAddr {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let problem = || format!("'{raw}' is not HOST:PORT (for example 127.0.0.1:8080, localhost:8080 or [::1]:8080)");
        let (host, port) = raw.trim().rsplit_once(':').ok_or_else(problem)?;
        let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        if host.is_empty() || (host.contains(':') && !raw.contains('[')) {
            return Err(problem());
        }
        let port = port.parse::<u16>().map_err(|_| format!("'{raw}': the port must be a number from 0 to 65535"))?;
        Ok(ListenAddr { host: host.to_string(), port })
    }
}

#[cfg(test)]
mod listen_tests {
    use super::ListenAddr;

    #[test]
    fn listen_addresses_take_names_and_both_ip_families() {
        let parse = |raw: &str| raw.parse::<ListenAddr>();
        assert_eq!(parse("localhost:8080").unwrap(), ListenAddr { host: "localhost".into(), port: 8080 });
        assert_eq!(parse("[::1]:0").unwrap().host, "::1");
        assert_eq!(parse("0.0.0.0:80").unwrap().to_string(), "0.0.0.0:80");
        assert!(parse("8080").is_err());
        assert!(parse("localhost:http").unwrap_err().contains("the port must be a number"));
        assert!(parse("::1:80").is_err(), "an IPv6 address needs brackets");
    }
}
