//! A municipality's office server for WOPI and the locks it holds on files (migration 0023).

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::{NodeId, PersonId, TenantId};

use crate::row::{id, int, text};
use crate::{Db, Result};

/// A municipality's office server: where its discovery was read, and what it said (JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeServer {
    pub discovery_url: String,
    pub discovery: String,
    pub fetched_at: i64,
}

/// A WOPI lock on a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WopiLock {
    pub lock_id: String,
    pub person_id: PersonId,
    pub expires_at: i64,
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn office_server(&mut self, tenant: TenantId) -> Result<Option<OfficeServer>> {
        let row = sqlx::query("SELECT discovery_url, discovery, fetched_at FROM office_server WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_optional(self.c())
            .await?;
        row.map(|r| {
            Ok(OfficeServer {
                discovery_url: text(&r, "discovery_url")?,
                discovery: text(&r, "discovery")?,
                fetched_at: int(&r, "fetched_at")?,
            })
        })
        .transpose()
    }

    /// Sets (or replaces) a municipality's office server.
    pub async fn put_office_server(&mut self, tenant: TenantId, s: &OfficeServer, by: Option<PersonId>) -> Result<()> {
        sqlx::query("DELETE FROM office_server WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .execute(self.c())
            .await?;
        sqlx::query(
            "INSERT INTO office_server (tenant_id, discovery_url, discovery, fetched_at, updated_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant.to_string())
        .bind(&s.discovery_url)
        .bind(&s.discovery)
        .bind(s.fetched_at)
        .bind(by.map(|p| p.to_string()))
        .execute(self.c())
        .await?;
        Ok(())
    }

    pub async fn delete_office_server(&mut self, tenant: TenantId) -> Result<()> {
        sqlx::query("DELETE FROM office_server WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .execute(self.c())
            .await?;
        Ok(())
    }

    /// The lock on a file, if one is held (expired or not: the caller compares the time).
    pub async fn wopi_lock(&mut self, tenant: TenantId, node: NodeId) -> Result<Option<WopiLock>> {
        let row =
            sqlx::query("SELECT lock_id, person_id, expires_at FROM wopi_lock WHERE tenant_id = $1 AND node_id = $2")
                .bind(tenant.to_string())
                .bind(node.to_string())
                .fetch_optional(self.c())
                .await?;
        row.map(|r| {
            Ok(WopiLock {
                lock_id: text(&r, "lock_id")?,
                person_id: id(&r, "person_id")?,
                expires_at: int(&r, "expires_at")?,
            })
        })
        .transpose()
    }

    /// Sets the lock on a file (replacing any).
    pub async fn put_wopi_lock(&mut self, tenant: TenantId, node: NodeId, lock: &WopiLock) -> Result<()> {
        self.delete_wopi_lock(tenant, node).await?;
        sqlx::query(
            "INSERT INTO wopi_lock (tenant_id, node_id, lock_id, person_id, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant.to_string())
        .bind(node.to_string())
        .bind(&lock.lock_id)
        .bind(lock.person_id.to_string())
        .bind(lock.expires_at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    pub async fn delete_wopi_lock(&mut self, tenant: TenantId, node: NodeId) -> Result<()> {
        sqlx::query("DELETE FROM wopi_lock WHERE tenant_id = $1 AND node_id = $2")
            .bind(tenant.to_string())
            .bind(node.to_string())
            .execute(self.c())
            .await?;
        Ok(())
    }
}
