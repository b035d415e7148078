//! Partner Center emulator: a local stand-in for Microsoft Partner Center's customer-agreement
//! API, with a control plane for tests (clock, outbox, personas, tokens).
//!
//! The layers point one way: `http` (the front doors: the API, the control plane, the sign-in
//! service and the pages) → `service` (use cases) → `domain` (pure rules) and `store` (the
//! database). `app` holds what they share; `startup` and `server` start and serve it.

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
pub mod probe;
pub mod process;
pub mod server;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tls;

pub use app::{AppContext, AppState};
pub use config::ConfigurationError;
pub use server::{serve, serve_with_tls, TlsSetup};
pub use startup::build_state;
