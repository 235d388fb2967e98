//! Helpers for tests that need a database of their own: a fresh SQLite file, or a fresh
//! PostgreSQL database created beside the one named by `TAVLE_TEST_POSTGRES_URL`.

use sqlx::{AnyConnection, Connection, Executor};

use crate::{Result, StoreError};

/// The environment variable that turns on the PostgreSQL half of the test suite.
pub const POSTGRES_ENV: &str = "TAVLE_TEST_POSTGRES_URL";

/// The PostgreSQL URL tests should use, if one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_ENV).ok().filter(|s| !s.trim().is_empty())
}

/// Creates an empty database with a unique name on the server of `admin_url` and returns its
/// URL. Databases are named `tavle_test_<uuid>`; `drop_postgres_database` removes one.
pub async fn create_postgres_database(admin_url: &str) -> Result<String> {
    sqlx::any::install_default_drivers();
    let name = format!("tavle_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = AnyConnection::connect(admin_url).await.map_err(StoreError::Database)?;
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await.map_err(StoreError::Database)?;
    conn.close().await.map_err(StoreError::Database)?;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let prefix = base.rsplit_once('/').map(|(p, _)| p).unwrap_or(base);
    Ok(format!("{prefix}/{name}{query}"))
}

/// Drops a database made by [`create_postgres_database`].
pub async fn drop_postgres_database(admin_url: &str, url: &str) -> Result<()> {
    let name = url.split('?').next().unwrap_or(url).rsplit('/').next().unwrap_or_default().to_string();
    if !name.starts_with("tavle_test_") {
        return Err(StoreError::Config(format!("refusing to drop {name:?}: not a test database")));
    }
    let mut conn = AnyConnection::connect(admin_url).await.map_err(StoreError::Database)?;
    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await
        .map_err(StoreError::Database)?;
    conn.close().await.map_err(StoreError::Database)?;
    Ok(())
}
