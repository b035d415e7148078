//! Black-box tests over real HTTP against the emulator bound to port 0.
//! Run against SQLite by default and against PostgreSQL with PCE_TEST_BACKEND=postgres.

mod helpers;

mod admin_center;
mod attestation;
mod carts;
mod control_plane;
mod customer_lists;
mod customer_search;
mod customers;
mod enhanced_attestation;
mod foundation;
mod isolation;
mod landing_and_docs;
mod orders;
mod pages;
mod partner_dashboard;
mod reliability;
mod schema_truth;
mod sdk_shapes;
mod security;
mod service_date;
mod shared_environments;
mod sign_in_bursts;
mod sign_in_service;
mod slow_clients;
mod spec;
mod startup;
mod strict_inputs;
