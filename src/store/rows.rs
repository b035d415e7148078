//! What the rows of every table share: how a value the domain does not know (an agreement type,
//! a source, a fault effect) is reported (the data is corrupt), numbers between the database's
//! and the domain's types, and JSON columns. Each row type sits with its queries.

use super::{StoreError, StoreResult};
use crate::domain::agreements::AgreementType;

pub fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value}"))
}

pub fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub fn agreement_type(value: &str) -> StoreResult<AgreementType> {
    AgreementType::parse(value).ok_or_else(|| corrupt("agreement_type", value))
}

/// A JSON column's text.
pub fn to_json<T: serde::Serialize>(what: &str, value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Rows as domain values; the first corrupt one fails the list.
pub fn to_vec<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> StoreResult<Vec<T>> {
    rows.into_iter().map(T::try_from).collect()
}
