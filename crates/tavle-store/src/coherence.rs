//! What other nodes and processes changed, for the session cache: organisation changes per
//! tenant and ended sessions. Both are recorded by triggers (migration 0002), so every write
//! path is covered, including `tavle import roster` run beside a server on the same SQLite
//! file. The records are read over a window of recent time on the database's clock, so a
//! change that commits late (a long transaction) is still seen.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::TenantId;

use crate::row::{id, int, text};
use crate::{Backend, Db, Result};

/// Records older than this are read no more and pruned; longer than any transaction.
pub const WINDOW_MS: i64 = 10 * 60 * 1000;

/// Changes seen in one poll.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// (tenant, token): a token not seen before means the tenant's organisation changed.
    pub org: Vec<(TenantId, i64)>,
    /// Token hashes of sessions that ended.
    pub revoked: Vec<String>,
}

fn now_ms(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
        Backend::Postgres => "tavle_now_ms()",
    }
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Everything changed within the window. Instance-level: covers every tenant.
    pub async fn recent_changes(&mut self, backend: Backend) -> Result<Changes> {
        let org_sql = match backend {
            // One writer at a time: a counter per tenant, bumped by row triggers.
            Backend::Sqlite => "SELECT id AS tenant_id, org_epoch AS token FROM tenant".to_string(),
            Backend::Postgres => {
                format!("SELECT tenant_id, seq AS token FROM org_change WHERE at > {} - {WINDOW_MS}", now_ms(backend))
            }
        };
        let rows = sqlx::query(&org_sql).fetch_all(self.c()).await?;
        let org = rows.iter().map(|r| Ok((id(r, "tenant_id")?, int(r, "token")?))).collect::<Result<_>>()?;
        let sql = format!("SELECT token_hash FROM session_revocation WHERE at > {} - {WINDOW_MS}", now_ms(backend));
        let rows = sqlx::query(&sql).fetch_all(self.c()).await?;
        let revoked = rows.iter().map(|r| text(r, "token_hash")).collect::<Result<_>>()?;
        Ok(Changes { org, revoked })
    }

    /// Removes records older than twice the window.
    pub async fn prune_changes(&mut self, backend: Backend) -> Result<()> {
        let cutoff = format!("{} - {}", now_ms(backend), 2 * WINDOW_MS);
        sqlx::query(&format!("DELETE FROM session_revocation WHERE at < {cutoff}")).execute(self.c()).await?;
        if backend == Backend::Postgres {
            sqlx::query(&format!("DELETE FROM org_change WHERE at < {cutoff}")).execute(self.c()).await?;
        }
        Ok(())
    }
}
