//! A unit of work's writes sent to PostgreSQL as one statement, in one round trip: each write
//! becomes a data-modifying CTE (`w1 AS (… RETURNING 1)`), and the statement ends by checking that
//! each changed the rows the unit counted on (`pce_unit_check`, migration 0014). When one did not
//! (a duplicate, a taken domain, a request id answered on another replica, an attestation used or
//! a cart checked out meanwhile), the statement fails whole with a serialization failure (SQLSTATE
//! 40001), nothing of it is stored, and the request runs again in a transaction that learns each
//! write's outcome as it happens.
//!
//! The statement is its own transaction: the writes, the notification email and the kept answer
//! are stored together or not at all, and no connection is held while the request's use case runs.

use sqlx::postgres::{PgArguments, PgPool};

use super::conn::{add_values, Expect, Value};
use super::{StoreError, StoreResult};

/// The writes of a unit, gathered until its commit.
#[derive(Default)]
pub(super) struct OneStatement {
    /// `w1 AS (…), w2 AS (…)`, with their placeholders numbered in one series.
    ctes: String,
    args: PgArguments,
    /// The placeholders used so far.
    params: usize,
    /// The rows each write must change; -1: any number.
    expected: Vec<i64>,
    /// The tables written so far, each with how many rows this statement inserted in it: the
    /// insertion order (`seq`) of a second row counts the first, which the statement cannot see.
    inserted: Vec<(String, usize)>,
}

/// What the statement's last part raises when a write changed other rows than counted on.
const SERIALIZATION_FAILURE: &str = "40001";

impl OneStatement {
    /// Add a write (one `INSERT` or `UPDATE`, with `$1…` placeholders for `values`).
    pub fn push(&mut self, sql: &str, values: &[Value<'_>], expect: Expect) -> StoreResult<()> {
        let sql = self.in_insertion_order(sql);
        let n = self.expected.len() + 1;
        if n > 1 {
            self.ctes.push_str(", ");
        }
        self.ctes.push_str(&format!("w{n} AS ({} RETURNING 1)", renumbered(&sql, self.params)));
        add_values(&mut self.args, values)?;
        self.params += values.len();
        self.expected.push(match expect {
            Expect::Rows(rows) => i64::try_from(rows).unwrap_or(i64::MAX),
            Expect::Any => -1,
        });
        Ok(())
    }

    /// Send the writes in one statement; `Changed` when one changed other rows than counted on.
    pub async fn run(self, pool: &PgPool) -> StoreResult<()> {
        let OneStatement { ctes, mut args, params, expected, .. } = self;
        if expected.is_empty() {
            return Ok(());
        }
        let counts: Vec<String> = (1..=expected.len()).map(|n| format!("(SELECT count(*) FROM w{n})")).collect();
        let sql = format!("WITH {ctes} SELECT pce_unit_check(ARRAY[{}], ${})", counts.join(", "), params + 1);
        {
            use sqlx::Arguments;
            args.add(expected).map_err(|e| StoreError::Corrupt(format!("a value could not be encoded: {e}")))?;
        }
        match sqlx::query_with(&sql, args).execute(pool).await {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some(SERIALIZATION_FAILURE) => {
                Err(StoreError::Changed)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// An insert's `(SELECT COALESCE(MAX(seq), 0) + 1 FROM t)` is `+ 2` for the second row this
    /// statement inserts in `t`, and so on: the statement's subqueries all see the table as it was.
    fn in_insertion_order(&mut self, sql: &str) -> String {
        const NEXT_SEQ: &str = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM ";
        let Some(at) = sql.find(NEXT_SEQ) else { return sql.to_string() };
        let rest = &sql[at + NEXT_SEQ.len()..];
        let table = rest.split(')').next().unwrap_or_default().trim().to_string();
        let earlier = match self.inserted.iter_mut().find(|(t, _)| *t == table) {
            Some((_, rows)) => {
                *rows += 1;
                *rows - 1
            }
            None => {
                self.inserted.push((table.clone(), 1));
                0
            }
        };
        if earlier == 0 {
            return sql.to_string();
        }
        let next = format!("(SELECT COALESCE(MAX(seq), 0) + {} FROM ", earlier + 1);
        format!("{}{next}{rest}", &sql[..at])
    }
}

/// `sql` with each placeholder `$N` written `$(N + offset)`.
fn renumbered(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some((_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        match digits.parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&digits),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_after_the_writes_before() {
        assert_eq!(renumbered("VALUES ($1, $2, $10) WHERE a = $3", 4), "VALUES ($5, $6, $14) WHERE a = $7");
        assert_eq!(renumbered("no placeholders", 3), "no placeholders");
    }

    #[test]
    fn writes_become_ctes_checked_in_order() {
        let mut one = OneStatement::default();
        one.push("INSERT INTO a (x) VALUES ($1)", &[Value::Text("1")], Expect::Rows(1)).unwrap();
        one.push("UPDATE b SET y = $1 WHERE z = $2", &[Value::Int(2), Value::Int4(3)], Expect::Any).unwrap();
        assert_eq!(
            one.ctes,
            "w1 AS (INSERT INTO a (x) VALUES ($1) RETURNING 1), w2 AS (UPDATE b SET y = $2 WHERE z = $3 RETURNING 1)"
        );
        assert_eq!(one.expected, vec![1, -1]);
        assert_eq!(one.params, 3);
    }

    #[test]
    fn a_second_row_in_a_table_comes_after_the_first() {
        let mut one = OneStatement::default();
        let sql = "INSERT INTO r (a, seq) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM r))";
        assert_eq!(one.in_insertion_order(sql), sql);
        assert_eq!(
            one.in_insertion_order(sql),
            "INSERT INTO r (a, seq) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 2 FROM r))"
        );
        let other = "INSERT INTO o (a, seq) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM o))";
        assert_eq!(one.in_insertion_order(other), other);
    }
}
