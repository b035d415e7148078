//! Security, one topic per module: tampered and forged tokens, tenant isolation under random
//! probing (proptest), injection-shaped text stored and returned byte for byte, the control
//! plane locked by an admin token, no secret in the server's logs, and fuzzed bodies.
//!
//! Case counts are bounded for CI; `PROPTEST_CASES=N` runs the isolation property longer.

use crate::helpers::*;

mod admin_token;
mod fuzzing;
mod injection;
mod logs;
mod tenant_isolation;
mod tokens;

// Shared by several topics.
use injection::{full_customer_body, unique, CUSTOMER_TEXT_FIELDS, INJECTIONS};
use tokens::{claims_of, sign};

use base64::Engine;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::BTreeSet;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn expect_401(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{what}");
    assert!(r.headers().contains_key("www-authenticate"), "{what}: no WWW-Authenticate");
    assert_error(r, 401, 800001).await;
}
