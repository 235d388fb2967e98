//! Server-side sessions, so that any Tavle node can serve any request.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::org::PersonStatus;
use tavle_core::{PersonId, TenantId, Timestamp};

use crate::row::{id, int, parse, text};
use crate::{tuples, Db, Result, ROWS_PER_STATEMENT};

/// A session found by its token hash, with its person's current status.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub token_hash: String,
    pub tenant_id: TenantId,
    pub person_id: PersonId,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub source: String,
    pub user_agent: String,
    pub person_status: PersonStatus,
}

fn session_row(r: &sqlx::any::AnyRow) -> Result<SessionRecord> {
    Ok(SessionRecord {
        token_hash: text(r, "token_hash")?,
        tenant_id: id(r, "tenant_id")?,
        person_id: id(r, "person_id")?,
        csrf_token: text(r, "csrf_token")?,
        created_at: Timestamp(int(r, "created_at")?),
        last_seen_at: Timestamp(int(r, "last_seen_at")?),
        source: text(r, "source")?,
        user_agent: text(r, "user_agent")?,
        person_status: parse("status", &text(r, "status")?, PersonStatus::parse)?,
    })
}

const SESSION_SELECT: &str = "SELECT s.token_hash, s.tenant_id, s.person_id, s.csrf_token, s.created_at, \
     s.last_seen_at, s.source, s.user_agent, p.status FROM session s JOIN person p ON p.id = s.person_id";

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn insert_session(&mut self, s: &SessionRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO session (token_hash, tenant_id, person_id, csrf_token, created_at, last_seen_at, source, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&s.token_hash)
        .bind(s.tenant_id.to_string())
        .bind(s.person_id.to_string())
        .bind(&s.csrf_token)
        .bind(s.created_at.millis())
        .bind(s.last_seen_at.millis())
        .bind(&s.source)
        .bind(&s.user_agent)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Whether `token_hash` is a device cookie this person logged in with before.
    pub async fn known_device(&mut self, tenant: TenantId, person: PersonId, token_hash: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM login_device WHERE tenant_id = $1 AND person_id = $2 AND token_hash = $3",
        )
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(token_hash)
        .fetch_optional(self.c())
        .await?;
        Ok(row.is_some())
    }

    /// Records a device cookie of a person (or that it was used again).
    pub async fn put_device(
        &mut self,
        tenant: TenantId,
        person: PersonId,
        token_hash: &str,
        at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_device (token_hash, tenant_id, person_id, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (token_hash) DO UPDATE SET last_used_at = $4 \
             WHERE login_device.tenant_id = $2 AND login_device.person_id = $3",
        )
        .bind(token_hash)
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(at.millis())
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Instance-level: the session with this token hash, in whatever tenant it is.
    pub async fn session_by_hash(&mut self, token_hash: &str) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(&format!("{SESSION_SELECT} WHERE s.token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(session_row).transpose()
    }

    pub async fn sessions_of(&mut self, tenant: TenantId, person: PersonId) -> Result<Vec<SessionRecord>> {
        let rows = sqlx::query(&format!(
            "{SESSION_SELECT} WHERE s.tenant_id = $1 AND s.person_id = $2 ORDER BY s.last_seen_at DESC"
        ))
        .bind(tenant.to_string())
        .bind(person.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(session_row).collect()
    }

    /// Records many sessions as seen at `at`, in statements of up to 1,000.
    pub async fn touch_sessions(&mut self, token_hashes: &[String], at: Timestamp) -> Result<()> {
        for chunk in token_hashes.chunks(ROWS_PER_STATEMENT) {
            let sql =
                format!("UPDATE session SET last_seen_at = $1 WHERE token_hash IN ({})", tuples(chunk.len(), 1, false));
            let mut q = sqlx::query(&sql).bind(at.millis());
            for h in chunk {
                q = q.bind(h.clone());
            }
            q.execute(self.c()).await?;
        }
        Ok(())
    }

    pub async fn delete_session(&mut self, token_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM session WHERE token_hash = $1").bind(token_hash).execute(self.c()).await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of a person but one (the one they are using).
    pub async fn delete_other_sessions(&mut self, tenant: TenantId, person: PersonId, keep: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM session WHERE tenant_id = $1 AND person_id = $2 AND token_hash <> $3")
            .bind(tenant.to_string())
            .bind(person.to_string())
            .bind(keep)
            .execute(self.c())
            .await?;
        Ok(done.rows_affected())
    }

    /// Ends every session of a person; returns how many there were.
    pub async fn delete_sessions_of(&mut self, tenant: TenantId, person: PersonId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM session WHERE tenant_id = $1 AND person_id = $2")
            .bind(tenant.to_string())
            .bind(person.to_string())
            .execute(self.c())
            .await?;
        Ok(done.rows_affected())
    }

    /// Removes sessions idle since `idle_before` or created before `created_before`.
    pub async fn delete_expired_sessions(&mut self, idle_before: Timestamp, created_before: Timestamp) -> Result<u64> {
        let done = sqlx::query("DELETE FROM session WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before.millis())
            .bind(created_before.millis())
            .execute(self.c())
            .await?;
        Ok(done.rows_affected())
    }
}
