//! Tenants (municipalities). Looking a tenant up by code is an instance-level operation used
//! by the CLI and the roster import to find which tenant a file is for.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::org::Tenant;
use tavle_core::{TenantId, Timestamp};

use crate::row::{id, text};
use crate::{Db, Result};

fn tenant_row(r: &sqlx::any::AnyRow) -> Result<Tenant> {
    Ok(Tenant { id: id(r, "id")?, code: text(r, "code")?, name: text(r, "name")? })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn insert_tenant(&mut self, t: &Tenant, now: Timestamp) -> Result<()> {
        sqlx::query("INSERT INTO tenant (id, code, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(t.id.to_string())
            .bind(&t.code)
            .bind(&t.name)
            .bind(now.millis())
            .execute(self.c())
            .await?;
        Ok(())
    }

    pub async fn tenant(&mut self, tenant: TenantId) -> Result<Option<Tenant>> {
        let row = sqlx::query("SELECT id, code, name FROM tenant WHERE id = $1")
            .bind(tenant.to_string())
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(tenant_row).transpose()
    }

    /// Instance-level: finds a tenant by its code.
    pub async fn tenant_by_code(&mut self, code: &str) -> Result<Option<Tenant>> {
        let row = sqlx::query("SELECT id, code, name FROM tenant WHERE code = $1")
            .bind(code)
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(tenant_row).transpose()
    }

    /// Instance-level: every tenant, for operators.
    pub async fn tenants(&mut self) -> Result<Vec<Tenant>> {
        let rows = sqlx::query("SELECT id, code, name FROM tenant ORDER BY code").fetch_all(self.c()).await?;
        rows.iter().map(tenant_row).collect()
    }
}
