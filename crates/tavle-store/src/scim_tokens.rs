//! The bearer tokens of SCIM provisioning (migration 0029): only each token's SHA-256 is kept.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::{PersonId, TenantId};

use crate::row::{id, int, opt_int, text};
use crate::{Db, Result};

/// A municipality's SCIM token, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScimToken {
    pub id: String,
    pub tenant_id: TenantId,
    pub name: String,
    pub created_by: PersonId,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "id, tenant_id, name, created_by, created_at, last_used_at";

fn token_of(r: &sqlx::any::AnyRow) -> Result<ScimToken> {
    Ok(ScimToken {
        id: text(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        name: text(r, "name")?,
        created_by: id(r, "created_by")?,
        created_at: int(r, "created_at")?,
        last_used_at: opt_int(r, "last_used_at")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// A municipality's SCIM tokens, oldest first.
    pub async fn scim_tokens(&mut self, tenant: TenantId) -> Result<Vec<ScimToken>> {
        let rows =
            sqlx::query(&format!("SELECT {COLUMNS} FROM scim_token WHERE tenant_id = $1 ORDER BY created_at, id"))
                .bind(tenant.to_string())
                .fetch_all(self.c())
                .await?;
        rows.iter().map(token_of).collect()
    }

    pub async fn insert_scim_token(&mut self, t: &ScimToken, token_hash: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO scim_token (id, tenant_id, name, token_hash, created_by, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&t.id)
        .bind(t.tenant_id.to_string())
        .bind(&t.name)
        .bind(token_hash)
        .bind(t.created_by.to_string())
        .bind(t.created_at)
        .bind(t.last_used_at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Revokes a municipality's token; false when it has none by that id.
    pub async fn delete_scim_token(&mut self, tenant: TenantId, token_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM scim_token WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(token_id)
            .execute(self.c())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Instance-level: the token a SCIM request presents, by its hash (which names the tenant).
    pub async fn scim_token_by_hash(&mut self, token_hash: &str) -> Result<Option<ScimToken>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM scim_token WHERE token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(token_of).transpose()
    }

    /// Instance-level: notes a token as used at `at` (by its id, unique on the instance).
    pub async fn scim_token_used(&mut self, token_id: &str, at: i64) -> Result<()> {
        sqlx::query("UPDATE scim_token SET last_used_at = $2 WHERE id = $1")
            .bind(token_id)
            .bind(at)
            .execute(self.c())
            .await?;
        Ok(())
    }
}
