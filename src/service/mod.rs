//! Use cases: each one runs the domain rules in order against the store and the clock, and
//! answers with its own error type ([`error::ServiceError`]), which knows nothing of HTTP.
//! Every front door — the API, the admin-center pages, the control plane and seed files — calls
//! these, so all of them obey the same rules.

pub mod acceptance;
pub mod access;
pub mod admin_center;
pub mod agreements;
pub mod attestations;
pub mod authentication;
pub mod carts;
pub mod control;
pub mod customers;
pub mod dashboard;
pub mod dashboard_sessions;
pub mod documents;
pub mod error;
pub mod faults;
pub mod identities;
pub mod notifications;
pub mod oauth;
pub mod orders;
pub mod partners;
pub mod passwords;
pub mod run_once;
pub mod seed;
pub mod sign_in;
pub mod timeline;
pub mod tokens;
pub mod unit;
pub mod web_sessions;

pub use error::{ErrorKind, ServiceError, ServiceResult};
