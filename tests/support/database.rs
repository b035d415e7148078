//! A fresh database for one test, on the backend under test: `PCE_TEST_BACKEND=postgres` gives a
//! new PostgreSQL database on `PCE_TEST_POSTGRES_URL` (default
//! postgres://postgres@127.0.0.1:5432/postgres); otherwise a new SQLite file in the temp directory.
//!
//! The database is the test's to keep while it holds the [`TestDatabase`]: dropping the last
//! handle drops the PostgreSQL database (closing what still uses it) or deletes the SQLite file
//! with its journal, also when the test fails, since a panic drops it on the way out. CI checks
//! that a run leaves nothing behind.

use std::path::PathBuf;
use std::sync::Arc;

use sqlx::Connection;

/// A database made for one test, removed when the last handle to it is dropped.
pub struct TestDatabase {
    pub url: String,
    place: Place,
}

enum Place {
    Postgres { admin_url: String, name: String },
    Sqlite { file: PathBuf },
}

pub async fn fresh_database() -> Arc<TestDatabase> {
    if std::env::var("PCE_TEST_BACKEND").as_deref() == Ok("postgres") {
        let admin_url = std::env::var("PCE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        let name = format!("pce_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
        let (prefix, _) = admin_url.rsplit_once('/').expect("database in URL");
        let url = format!("{prefix}/{name}");
        Arc::new(TestDatabase { url, place: Place::Postgres { admin_url, name } })
    } else {
        let dir = std::env::temp_dir().join("pce-tests");
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
        Arc::new(TestDatabase { url: format!("sqlite://{}", file.display()), place: Place::Sqlite { file } })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.place {
            Place::Sqlite { file } => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut path = file.clone().into_os_string();
                    path.push(suffix);
                    let _ = std::fs::remove_file(path);
                }
            }
            Place::Postgres { admin_url, name } => {
                // Drop runs inside the test's runtime, which cannot be blocked on from within:
                // the statement runs on a thread of its own with a runtime of its own.
                let (admin_url, statement) =
                    (admin_url.clone(), format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                let dropped = std::thread::spawn(move || -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                    runtime.block_on(async {
                        let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
                        sqlx::query(&statement).execute(&mut conn).await?;
                        Ok(())
                    })
                })
                .join();
                if !matches!(dropped, Ok(Ok(()))) {
                    eprintln!("test database {name} could not be dropped: {dropped:?}");
                }
            }
        }
    }
}
