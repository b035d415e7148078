//! The connection a unit of work writes on, on either backend, the values a write binds, and
//! `on_conn!`, which writes a statement once for both. A leaf: the backends (`postgres.rs`,
//! `group_commit.rs`) hand it out and every aggregate writes on it, and it names nothing else of
//! the store.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;

use super::StoreResult;

/// The connection of a unit of work, on either backend.
pub(super) enum WriteConn<'a> {
    Postgres(&'a mut PgConnection),
    Sqlite(&'a mut SqliteConnection),
}

/// `on_conn!(conn, |c| expression)`: the expression, with `c` the backend's connection.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::conn::WriteConn::Postgres($c) => $body,
            $crate::store::conn::WriteConn::Sqlite($c) => $body,
        }
    };
}
pub(super) use on_conn;

/// A value a write binds to one of its `$N` placeholders, in order: the writes of a unit are
/// written as a statement and a list of these, so that a unit can run each at once or send them
/// all together (`one_statement.rs`).
#[derive(Debug, Clone, Copy)]
pub(super) enum Value<'a> {
    Text(&'a str),
    MaybeText(Option<&'a str>),
    Time(DateTime<Utc>),
    Int(i64),
    Int4(i32),
    Bool(bool),
}

/// How many rows a write of a unit changes when what the unit read still holds: a unit that sends
/// its writes together at its commit counts on it, and fails whole when a write changed other rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    Rows(u64),
    /// Any number: a write that may find its work already done (`ON CONFLICT DO NOTHING`).
    Any,
}

/// `bind_values!(query, values)`: the query with each value bound, in order.
macro_rules! bind_values {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match *value {
                $crate::store::conn::Value::Text(v) => query.bind(v),
                $crate::store::conn::Value::MaybeText(v) => query.bind(v),
                $crate::store::conn::Value::Time(v) => query.bind(v),
                $crate::store::conn::Value::Int(v) => query.bind(v),
                $crate::store::conn::Value::Int4(v) => query.bind(v),
                $crate::store::conn::Value::Bool(v) => query.bind(v),
            };
        }
        query
    }};
}

/// Run one write on `conn` now; the rows it changed.
pub(super) async fn execute(conn: &mut WriteConn<'_>, sql: &str, values: &[Value<'_>]) -> StoreResult<u64> {
    Ok(on_conn!(conn, |c| bind_values!(sqlx::query(sql), values).execute(&mut **c).await?.rows_affected()))
}

/// `values` added, in order, to arguments that other writes' values come before.
pub(super) fn add_values(args: &mut sqlx::postgres::PgArguments, values: &[Value<'_>]) -> StoreResult<()> {
    use sqlx::Arguments;
    for value in values {
        let added = match *value {
            Value::Text(v) => args.add(v),
            Value::MaybeText(v) => args.add(v),
            Value::Time(v) => args.add(v),
            Value::Int(v) => args.add(v),
            Value::Int4(v) => args.add(v),
            Value::Bool(v) => args.add(v),
        };
        added.map_err(|e| super::StoreError::Corrupt(format!("a value could not be encoded: {e}")))?;
    }
    Ok(())
}
