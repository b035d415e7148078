//! Configuration: every flag is also an environment variable, and `--help` documents them all.

use clap::{Parser, Subcommand};
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
    /// Address and port to listen on.
    #[arg(long, env = "PCE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Database: a postgres:// URL, a sqlite: URL (sqlite::memory: for a throwaway database) or a file path.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://partner-center-emulator.db")]
    pub database_url: String,

    /// Public base URL used in links the emulator hands out (document links, relationship
    /// requests). Default: http://<listen address>.
    #[arg(long, env = "PCE_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,

    /// Key that signs access tokens (HS256). Default: generated on first start and kept in the
    /// database, so tokens survive restarts and every replica shares it.
    #[arg(long, env = "PCE_TOKEN_SIGNING_KEY", hide_env_values = true)]
    pub token_signing_key: Option<String>,

    /// When set (and not empty), every /_emulator route but health and ready requires
    /// `Authorization: Bearer <this token>`.
    #[arg(long, env = "PCE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// How far in the future (seconds, by the emulator clock) a dateAgreed may be before it is refused.
    #[arg(long, env = "PCE_DATE_AGREED_SKEW_SECONDS", default_value_t = 300)]
    pub date_agreed_skew_seconds: u32,

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

    /// Open connections served at once; a connection beyond them gets 503 and is closed.
    #[arg(long, env = "PCE_MAX_CONNECTIONS", default_value_t = 1000)]
    pub max_connections: usize,

    /// Seconds a request may take before it is answered with 503.
    #[arg(long, env = "PCE_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    pub request_timeout_seconds: u64,

    /// Seed file (JSON or YAML) loaded at start; the emulator is ready only after it loaded.
    #[arg(long, env = "PCE_SEED")]
    pub seed: Option<std::path::PathBuf>,

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
        self.admin_token.as_deref().map(str::trim).filter(|t| !t.is_empty())
    }

    pub fn public_base_url(&self, bound: SocketAddr) -> String {
        match &self.public_base_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => {
                let host = if bound.ip().is_unspecified() { "127.0.0.1".to_string() } else { bound.ip().to_string() };
                let host = if bound.is_ipv6() && !bound.ip().is_unspecified() { format!("[{host}]") } else { host };
                format!("http://{host}:{}", bound.port())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_public_url() {
        let c = Config::for_tests("sqlite::memory:");
        assert_eq!(c.date_agreed_skew_seconds, 300);
        assert_eq!(c.public_base_url("0.0.0.0:8080".parse().unwrap()), "http://127.0.0.1:8080");
        let c = Cli::parse_from(["x", "--public-base-url", "https://pc.test/"]).config;
        assert_eq!(c.public_base_url("0.0.0.0:8080".parse().unwrap()), "https://pc.test");
        assert!(Cli::try_parse_from(["x", "--notification-delay-seconds", "1801"]).is_err());
        assert_eq!(Cli::parse_from(["x", "--admin-token", " "]).config.admin_token(), None);
        assert_eq!(Cli::parse_from(["x", "--admin-token", "t"]).config.admin_token(), Some("t"));
    }
}
