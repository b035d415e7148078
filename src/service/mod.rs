//! Use cases: each one runs the domain rules in order against the store and the clock.
//! Handlers and the admin-center pages call these, so both paths obey the same rules.

pub mod acceptance;
pub mod access;
pub mod admin_center;
pub mod customers;
pub mod documents;
pub mod notifications;
pub mod orders;
pub mod partners;
pub mod passwords;
pub mod seed;
pub mod tokens;
