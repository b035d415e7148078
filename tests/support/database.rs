//! A fresh database for one test, on the backend under test: `PCE_TEST_BACKEND=postgres` gives a
//! new PostgreSQL database on `PCE_TEST_POSTGRES_URL` (default
//! postgres://postgres@127.0.0.1:5432/postgres); otherwise a new SQLite file in the temp directory.

use sqlx::Connection;

pub async fn fresh_database_url() -> String {
    if std::env::var("PCE_TEST_BACKEND").as_deref() == Ok("postgres") {
        let admin_url = std::env::var("PCE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        let name = format!("pce_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
        let (prefix, _) = admin_url.rsplit_once('/').expect("database in URL");
        format!("{prefix}/{name}")
    } else {
        let dir = std::env::temp_dir().join("pce-tests");
        std::fs::create_dir_all(&dir).expect("temp dir");
        format!("sqlite://{}/{}.db", dir.display(), uuid::Uuid::new_v4().simple())
    }
}
