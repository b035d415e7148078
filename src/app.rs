//! The application context: what every front door (the API, the admin center, the control plane,
//! seed files) hands to the use cases. It knows nothing of HTTP.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::auth::TokenKeys;
use crate::clock::Clock;
use crate::config::Config;
use crate::ids::Ids;
use crate::journal::Journal;
use crate::store::Store;

/// How many requests the journal keeps.
pub const JOURNAL_CAPACITY: usize = 1000;
const SIGNING_KEY_SETTING: &str = "token_signing_key";

/// The store, the clock, the keys and the settings shared by every request.
pub struct AppContext {
    pub store: Arc<Store>,
    pub clock: Clock,
    pub keys: TokenKeys,
    pub ids: Ids,
    pub config: Config,
    /// The root of every link the emulator hands out (document links, invitations).
    pub public_base_url: String,
    /// The value of the `MS-ServerId` response header.
    pub server_id: String,
    pub journal: Journal,
    /// The HTTPS listener, when one runs (`--tls-listen`): set once it is bound.
    pub tls: std::sync::OnceLock<TlsEndpoint>,
}

/// What the emulator tells of its HTTPS listener.
#[derive(Debug, Clone)]
pub struct TlsEndpoint {
    /// The certificate (chain) it serves, PEM: what a client must trust.
    pub certificate_pem: String,
    /// `https://<host>:<port>`: the root of links given to clients that came over HTTPS.
    pub base_url: String,
}

pub type AppState = Arc<AppContext>;

impl AppContext {
    /// Connect to the database, migrate it, and assemble the context for a server bound at `bound`.
    pub async fn build(config: Config, bound: SocketAddr) -> anyhow::Result<AppState> {
        let store = crate::store::connect(config.database_url.expose()).await?;
        store.migrate().await?;
        let ids = Ids::new(config.deterministic_seed);
        let signing_key = match &config.token_signing_key {
            Some(key) => key.expose().to_string(),
            None => store.setting_or_insert(SIGNING_KEY_SETTING, &ids.secret(64)).await?,
        };
        Ok(Arc::new(AppContext {
            clock: Clock::new(store.clone()),
            keys: TokenKeys::from_secret(&signing_key),
            public_base_url: config.public_base_url(bound),
            journal: Journal::new(JOURNAL_CAPACITY),
            tls: std::sync::OnceLock::new(),
            // Blank means the default, as for the public base URL: an empty `MS-ServerId` is no id.
            server_id: config.server_id.clone().filter(|id| !id.trim().is_empty()).unwrap_or_else(default_server_id),
            ids,
            store,
            config,
        }))
    }
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
