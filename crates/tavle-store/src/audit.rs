//! The audit log: logins, changes, imports and reads of personal data by others.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::{PersonId, TenantId, Timestamp};

use crate::row::{int, opt_text, text};
use crate::{Db, Result};

/// An event to append.
#[derive(Clone, Debug)]
pub struct AuditEvent<'a> {
    pub tenant_id: Option<TenantId>,
    pub at: Timestamp,
    pub actor_id: Option<PersonId>,
    /// Dotted name such as `session.login`, `person.disable`, `person.read`.
    pub action: &'a str,
    /// `ok`, `denied` or `failed`.
    pub outcome: &'a str,
    /// What the event is about (a person id, a group id, a username).
    pub subject: Option<String>,
    /// Client address.
    pub source: Option<&'a str>,
    /// JSON details.
    pub detail: String,
}

/// An event as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: Timestamp,
    pub actor_id: Option<String>,
    pub action: String,
    pub outcome: String,
    pub subject: Option<String>,
    pub source: Option<String>,
    pub detail: String,
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn append_audit(&mut self, e: &AuditEvent<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_event (tenant_id, at, actor_id, action, outcome, subject, source, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(e.tenant_id.map(|t| t.to_string()))
        .bind(e.at.millis())
        .bind(e.actor_id.map(|p| p.to_string()))
        .bind(e.action)
        .bind(e.outcome)
        .bind(e.subject.as_deref())
        .bind(e.source)
        .bind(&e.detail)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// The newest events of a tenant, optionally only those about one subject.
    pub async fn audit_events(
        &mut self,
        tenant: TenantId,
        subject: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor_id, action, outcome, subject, source, detail FROM audit_event \
             WHERE tenant_id = $1 AND ($2 = '' OR subject = $2) ORDER BY seq DESC LIMIT $3",
        )
        .bind(tenant.to_string())
        .bind(subject.unwrap_or(""))
        .bind(limit)
        .fetch_all(self.c())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    seq: int(r, "seq")?,
                    at: Timestamp(int(r, "at")?),
                    actor_id: opt_text(r, "actor_id")?,
                    action: text(r, "action")?,
                    outcome: text(r, "outcome")?,
                    subject: opt_text(r, "subject")?,
                    source: opt_text(r, "source")?,
                    detail: text(r, "detail")?,
                })
            })
            .collect()
    }
}
