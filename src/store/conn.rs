//! The connection a unit of work writes on, on either backend, and `on_conn!`, which writes a
//! statement once for both. A leaf: the backends (`postgres.rs`, `group_commit.rs`) hand it out and
//! every aggregate writes on it, and it names nothing else of the store.

use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;

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
