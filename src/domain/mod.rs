//! Domain rules of the emulated Partner Center: plain types and pure functions,
//! no HTTP and no SQL. Time comes in as an argument, state comes in as values.

pub mod agreements;
pub mod attestations;
pub mod billing;
pub mod carts;
pub mod contact;
pub mod customer_search;
pub mod customers;
pub mod digest;
pub mod documents;
pub mod faults;
pub mod identities;
pub mod ids;
pub mod json;
pub mod locales;
pub mod oauth;
pub mod orders;
pub mod outbox;
pub mod paging;
pub mod partners;
pub mod permissions;
pub mod sign_in;
pub mod text;
pub mod time;
pub mod timeline;
