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

/// Records older than this are pruned; far longer than any transaction.
pub const KEEP_MS: i64 = 20 * 60 * 1000;

/// How many sequence numbers before the last one seen each poll reads again.
pub const LOOKBACK: i64 = 1000;

/// Changes seen in one poll.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// (tenant, token): a token not seen before means the tenant's organisation changed.
    pub org: Vec<(TenantId, i64)>,
    /// Token hashes of sessions that ended.
    pub revoked: Vec<String>,
    /// The highest sequence numbers read, to poll after next time.
    pub org_seq: i64,
    pub revoked_seq: i64,
}

fn now_ms(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
        Backend::Postgres => "tavle_now_ms()",
    }
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// What changed after the given sequence numbers (minus the lookback). Instance-level:
    /// covers every tenant.
    pub async fn recent_changes(&mut self, backend: Backend, org_seq: i64, revoked_seq: i64) -> Result<Changes> {
        let mut out = Changes { org_seq, revoked_seq, ..Changes::default() };
        let org_sql = match backend {
            // One writer at a time: a counter per tenant, bumped by row triggers.
            Backend::Sqlite => "SELECT id AS tenant_id, org_epoch AS token FROM tenant WHERE $1 = $1",
            Backend::Postgres => "SELECT tenant_id, seq AS token FROM org_change WHERE seq > $1",
        };
        let rows = sqlx::query(org_sql).bind(org_seq - LOOKBACK).fetch_all(self.c()).await?;
        for r in &rows {
            let token = int(r, "token")?;
            out.org.push((id(r, "tenant_id")?, token));
            if backend == Backend::Postgres {
                out.org_seq = out.org_seq.max(token);
            }
        }
        let rows = sqlx::query("SELECT seq, token_hash FROM session_revocation WHERE seq > $1")
            .bind(revoked_seq - LOOKBACK)
            .fetch_all(self.c())
            .await?;
        for r in &rows {
            out.revoked_seq = out.revoked_seq.max(int(r, "seq")?);
            out.revoked.push(text(r, "token_hash")?);
        }
        Ok(out)
    }

    /// The highest sequence numbers of the change records now, to start polling from.
    pub async fn latest_change_seqs(&mut self, backend: Backend) -> Result<(i64, i64)> {
        let org = match backend {
            Backend::Sqlite => 0,
            Backend::Postgres => {
                let r = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS m FROM org_change").fetch_one(self.c()).await?;
                int(&r, "m")?
            }
        };
        let r = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS m FROM session_revocation").fetch_one(self.c()).await?;
        Ok((org, int(&r, "m")?))
    }

    /// Removes records older than twice the window.
    pub async fn prune_changes(&mut self, backend: Backend) -> Result<()> {
        let cutoff = format!("{} - {KEEP_MS}", now_ms(backend));
        sqlx::query(&format!("DELETE FROM session_revocation WHERE at < {cutoff}")).execute(self.c()).await?;
        if backend == Backend::Postgres {
            sqlx::query(&format!("DELETE FROM org_change WHERE at < {cutoff}")).execute(self.c()).await?;
        }
        Ok(())
    }
}
