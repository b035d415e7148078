//! PostgreSQL's change feed between replicas: a replica that changes shared state (the clock,
//! partners, fault rules, a reset) sends a NOTIFY; every replica LISTENs and clears its cache.
//! The sender waits (briefly) for its own notification to come back, so that by the time it
//! answers its client the other replicas have been told too.

use sqlx::postgres::{PgListener, PgPool};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

use super::cache::SharedCache;

pub const CHANNEL: &str = "pce_shared_state";
/// How long a change waits for its own notification before answering anyway.
const ECHO_WAIT: Duration = Duration::from_secs(1);
const RECONNECT_PAUSE: Duration = Duration::from_millis(500);

/// Senders waiting for their notification to come back, by payload.
#[derive(Default)]
pub struct Echoes {
    waiting: Mutex<HashMap<String, oneshot::Sender<()>>>,
}

impl Echoes {
    fn arrived(&self, payload: &str) {
        if let Some(tx) = self.waiting.lock().unwrap_or_else(|e| e.into_inner()).remove(payload) {
            let _ = tx.send(());
        }
    }

    /// Register `payload` before sending it; await the returned receiver after.
    pub fn expect(&self, payload: &str) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().unwrap_or_else(|e| e.into_inner()).insert(payload.to_string(), tx);
        rx
    }

    pub async fn wait(&self, payload: &str, rx: oneshot::Receiver<()>) {
        let _ = tokio::time::timeout(ECHO_WAIT, rx).await;
        self.waiting.lock().unwrap_or_else(|e| e.into_inner()).remove(payload);
    }
}

/// Listen for changes for as long as the process runs. The cache is on only while listening:
/// a notification missed while the connection was down could leave it stale.
pub fn spawn_listener(pool: PgPool, cache: Arc<SharedCache>, echoes: Arc<Echoes>) {
    tokio::spawn(async move {
        loop {
            if let Ok(mut listener) = PgListener::connect_with(&pool).await {
                if listener.listen(CHANNEL).await.is_ok() {
                    cache.set_enabled(true);
                    // Ok(None): the connection was lost; notifications may have been missed.
                    while let Ok(Some(notification)) = listener.try_recv().await {
                        cache.invalidate();
                        echoes.arrived(notification.payload());
                    }
                    tracing::warn!("change feed from PostgreSQL lost; reading through until it is back");
                }
            }
            cache.set_enabled(false);
            tokio::time::sleep(RECONNECT_PAUSE).await;
        }
    });
}
