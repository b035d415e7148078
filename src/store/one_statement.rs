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
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::conn::{add_values, Expect, Value};
use super::{StoreError, StoreResult};

/// The writes of a unit, gathered until its commit.
#[derive(Default)]
pub(super) struct OneStatement {
    /// Each write's statement.
    writes: Vec<&'static str>,
    /// Each write's values, in placeholder order.
    args: PgArguments,
    /// How many values each write binds.
    params: Vec<usize>,
    /// The rows each write must change; -1: any number.
    expected: Vec<i64>,
}

/// What the statement's last part raises when a write changed other rows than counted on; and,
/// beside it, the refusals of a write whose premise a concurrent request changed (a row inserted
/// or deleted meanwhile: a unique or foreign key violation), which the request's run again in a
/// transaction answers exactly.
const RUN_AGAIN: [&str; 3] = ["40001", "23505", "23503"];

impl OneStatement {
    /// Add a write (one `INSERT` or `UPDATE`, a constant with `$1…` placeholders for `values`).
    pub fn push(&mut self, sql: &'static str, values: &[Value<'_>], expect: Expect) -> StoreResult<()> {
        self.writes.push(sql);
        add_values(&mut self.args, values)?;
        self.params.push(values.len());
        self.expected.push(match expect {
            Expect::Rows(rows) => i64::try_from(rows).unwrap_or(i64::MAX),
            Expect::Any => -1,
        });
        Ok(())
    }

    /// Send the writes in one statement; `Changed` when one changed other rows than counted on.
    pub async fn run(self, pool: &PgPool) -> StoreResult<()> {
        let OneStatement { writes, mut args, params, expected } = self;
        if writes.is_empty() {
            return Ok(());
        }
        let sql = statement(&writes, &params);
        {
            use sqlx::Arguments;
            args.add(expected).map_err(|e| StoreError::Corrupt(format!("a value could not be encoded: {e}")))?;
        }
        match sqlx::query_with(&sql, args).execute(pool).await {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(db)) if db.code().is_some_and(|code| RUN_AGAIN.contains(&code.as_ref())) => {
                Err(StoreError::Changed)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The text of the statement of `writes` (each with its number of values): composed once per
/// sequence of writes, then read from memory. The emulator's writes are constants, so there are a
/// few dozen such sequences.
fn statement(writes: &[&'static str], params: &[usize]) -> Arc<str> {
    type Shape = Vec<usize>;
    static KNOWN: OnceLock<Mutex<HashMap<Shape, Arc<str>>>> = OnceLock::new();
    const MAX_KNOWN: usize = 1024;
    let shape: Shape = writes.iter().map(|sql| sql.as_ptr() as usize).collect();
    let known = KNOWN.get_or_init(Mutex::default);
    if let Some(text) = known.lock().unwrap_or_else(|p| p.into_inner()).get(&shape) {
        return text.clone();
    }
    let text: Arc<str> = compose(writes, params).into();
    let mut known = known.lock().unwrap_or_else(|p| p.into_inner());
    if known.len() < MAX_KNOWN {
        known.insert(shape, text.clone());
    }
    text
}

/// `WITH w1 AS (… RETURNING 1), … SELECT pce_unit_check(ARRAY[(SELECT count(*) FROM w1), …], $N)`,
/// the writes' placeholders numbered in one series and the expected counts the last.
fn compose(writes: &[&'static str], params: &[usize]) -> String {
    let mut ctes = Vec::with_capacity(writes.len());
    let mut offset = 0;
    for (n, (sql, count)) in writes.iter().zip(params).enumerate() {
        // How many rows the writes before this one insert in a table.
        let earlier = |table: &str| writes[..n].iter().filter(|w| seq_table(w) == Some(table)).count();
        let sql = in_insertion_order(sql, &earlier);
        ctes.push(format!("w{} AS ({} RETURNING 1)", n + 1, renumbered(&sql, offset)));
        offset += count;
    }
    let counts: Vec<String> = (1..=writes.len()).map(|n| format!("(SELECT count(*) FROM w{n})")).collect();
    format!("WITH {} SELECT pce_unit_check(ARRAY[{}], ${})", ctes.join(", "), counts.join(", "), offset + 1)
}

/// An insert's `(SELECT COALESCE(MAX(seq), 0) + 1 FROM t)`.
const NEXT_SEQ: &str = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM ";

/// The table whose insertion order (`seq`) `sql` takes, if it takes one: its first
/// `NEXT_SEQ`'s (a later one names the position of a row of another table, as a relationship
/// names its customer's).
fn seq_table(sql: &str) -> Option<&str> {
    let at = sql.find(NEXT_SEQ)?;
    sql[at + NEXT_SEQ.len()..].split(')').next().map(str::trim)
}

/// `sql` in a statement whose writes before it insert `earlier(t)` rows in table `t`, as the
/// statement's subqueries all see the tables as they were before it: its own row's `NEXT_SEQ` (the
/// first) is `+ 2` when one row went in its table before, and so on; a later `NEXT_SEQ`, the
/// position of the row of another table this statement inserted last (a relationship's customer
/// inserted just before), is `+ k` when k rows went in that table before, and stays `+ 1` when
/// none did.
fn in_insertion_order(sql: &str, earlier: &dyn Fn(&str) -> usize) -> String {
    let mut text = String::with_capacity(sql.len() + 4);
    let mut rest = sql;
    let mut own = true;
    while let Some(at) = rest.find(NEXT_SEQ) {
        let after = &rest[at + NEXT_SEQ.len()..];
        let table = after.split(')').next().map_or("", str::trim);
        let n = if own { 1 + earlier(table) } else { earlier(table).max(1) };
        text.push_str(&rest[..at]);
        text.push_str(&format!("(SELECT COALESCE(MAX(seq), 0) + {n} FROM "));
        rest = after;
        own = false;
    }
    text.push_str(rest);
    text
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
        let writes = ["INSERT INTO a (x) VALUES ($1)", "UPDATE b SET y = $1 WHERE z = $2"];
        assert_eq!(
            compose(&writes, &[1, 2]),
            "WITH w1 AS (INSERT INTO a (x) VALUES ($1) RETURNING 1), w2 AS (UPDATE b SET y = $2 WHERE z = $3 \
             RETURNING 1) SELECT pce_unit_check(ARRAY[(SELECT count(*) FROM w1), (SELECT count(*) FROM w2)], $4)"
        );
        let mut one = OneStatement::default();
        one.push(writes[0], &[Value::Text("1")], Expect::Rows(1)).unwrap();
        one.push(writes[1], &[Value::Int(2), Value::Int4(3)], Expect::Any).unwrap();
        assert_eq!((one.expected, one.params), (vec![1, -1], vec![1, 2]));
    }

    #[test]
    fn a_row_that_names_another_tables_new_row_names_the_last_one_inserted_before_it() {
        // A customer and its relationship, twice in one statement: each relationship's
        // `customer_seq` falls back to the position its own customer takes.
        const C: &str = "INSERT INTO c (id, seq) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM c))";
        const R: &str = "INSERT INTO r (c, seq, c_seq) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM r), \
                         COALESCE((SELECT seq FROM c WHERE id = $1), (SELECT COALESCE(MAX(seq), 0) + 1 FROM c)))";
        let text = compose(&[C, R, C, R], &[1, 1, 1, 1]);
        let parts: Vec<&str> = text.split(" RETURNING 1)").collect();
        assert!(parts[0].ends_with("+ 1 FROM c))"), "{text}");
        assert!(parts[1].contains("+ 1 FROM r), COALESCE(") && parts[1].ends_with("+ 1 FROM c)))"), "{text}");
        assert!(parts[2].ends_with("+ 2 FROM c))"), "{text}");
        assert!(parts[3].contains("+ 2 FROM r), COALESCE(") && parts[3].ends_with("+ 2 FROM c)))"), "{text}");
    }

    #[test]
    fn a_second_row_in_a_table_comes_after_the_first() {
        const R: &str = "INSERT INTO r (a, seq) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM r))";
        const O: &str = "INSERT INTO o (a, seq) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM o))";
        let mut one = OneStatement::default();
        for sql in [R, O, R] {
            one.push(sql, &[Value::Text("x")], Expect::Rows(1)).unwrap();
        }
        let text = statement(&one.writes, &one.params);
        assert!(text.contains("+ 1 FROM r)) RETURNING 1), w2") && text.contains("+ 2 FROM r)) RETURNING 1)"), "{text}");
        assert!(text.contains("+ 1 FROM o)) RETURNING 1)"), "{text}");
        assert_eq!(seq_table(R), Some("r"));
        assert_eq!(in_insertion_order(R, &|_| 0), R);
        assert_eq!(
            in_insertion_order(R, &|t| usize::from(t == "r")),
            "INSERT INTO r (a, seq) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 2 FROM r))"
        );
        assert_eq!(statement(&one.writes, &one.params), statement(&one.writes, &one.params), "composed once");
    }
}
