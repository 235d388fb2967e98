//! Failed-login counters, kept in the database so every node sees the same counts.
//! A scope is a string such as `account:elev1` or `source:10.0.0.1`.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::Timestamp;

use crate::row::int;
use crate::{Db, Result};

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn record_login_failure(&mut self, scopes: &[&str], at: Timestamp) -> Result<()> {
        for scope in scopes {
            sqlx::query("INSERT INTO login_failure (scope, at) VALUES ($1, $2)")
                .bind(*scope)
                .bind(at.millis())
                .execute(self.c())
                .await?;
        }
        Ok(())
    }

    /// How many failures were recorded for `scope` since `since`.
    pub async fn login_failures_since(&mut self, scope: &str, since: Timestamp) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM login_failure WHERE scope = $1 AND at >= $2")
            .bind(scope)
            .bind(since.millis())
            .fetch_one(self.c())
            .await?;
        int(&row, "n")
    }

    /// Forgets the failures of a scope (after a successful login).
    pub async fn clear_login_failures(&mut self, scope: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failure WHERE scope = $1").bind(scope).execute(self.c()).await?;
        Ok(())
    }

    pub async fn prune_login_failures(&mut self, before: Timestamp) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM login_failure WHERE at < $1").bind(before.millis()).execute(self.c()).await?;
        Ok(done.rows_affected())
    }
}
