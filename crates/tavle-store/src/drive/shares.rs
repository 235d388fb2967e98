//! Shares of files and folders with people, groups and schools.

use tavle_core::drive::Share;

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::drive::{Access, Grantee};
use tavle_core::{NodeId, TenantId};

use crate::row::{id, int, opt_int, parse, placeholders, text};
use crate::{Db, Result, StoreError};

const SHARE_COLS: &str = "id, tenant_id, node_id, grantee_kind, grantee_id, access, created_by, created_at, expires_at";

fn share_row(r: &sqlx::any::AnyRow) -> Result<Share> {
    let (kind, gid) = (text(r, "grantee_kind")?, text(r, "grantee_id")?);
    Ok(Share {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        node_id: id(r, "node_id")?,
        grantee: Grantee::parse(&kind, &gid)
            .ok_or_else(|| StoreError::Corrupt(format!("share grantee {kind:?} {gid:?}")))?,
        access: parse("access", &text(r, "access")?, Access::parse)?,
        created_by: id(r, "created_by")?,
        created_at: int(r, "created_at")?,
        expires_at: opt_int(r, "expires_at")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Shares a node; sharing it again with the same grantee changes the access and expiry.
    pub async fn put_share(&mut self, s: &Share) -> Result<Share> {
        let done = sqlx::query(&format!(
            "INSERT INTO share ({SHARE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (node_id, grantee_kind, grantee_id) DO UPDATE SET access = excluded.access, \
             expires_at = excluded.expires_at WHERE share.tenant_id = excluded.tenant_id"
        ))
        .bind(s.id.to_string())
        .bind(s.tenant_id.to_string())
        .bind(s.node_id.to_string())
        .bind(s.grantee.kind())
        .bind(s.grantee.id())
        .bind(s.access.code())
        .bind(s.created_by.to_string())
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(self.c())
        .await?;
        crate::other_tenant(done.rows_affected(), "share")?;
        let row = sqlx::query(&format!(
            "SELECT {SHARE_COLS} FROM share WHERE tenant_id = $1 AND node_id = $2 AND grantee_kind = $3 AND grantee_id = $4"
        ))
        .bind(s.tenant_id.to_string())
        .bind(s.node_id.to_string())
        .bind(s.grantee.kind())
        .bind(s.grantee.id())
        .fetch_one(self.c())
        .await?;
        share_row(&row)
    }

    pub async fn share(&mut self, tenant: TenantId, share: uuid::Uuid) -> Result<Option<Share>> {
        let row = sqlx::query(&format!("SELECT {SHARE_COLS} FROM share WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.to_string())
            .bind(share.to_string())
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(share_row).transpose()
    }

    pub async fn delete_share(&mut self, tenant: TenantId, share: uuid::Uuid) -> Result<()> {
        sqlx::query("DELETE FROM share WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(share.to_string())
            .execute(self.c())
            .await?;
        Ok(())
    }

    /// The live shares on any of these nodes (a node and the folders above it).
    pub async fn shares_on(&mut self, tenant: TenantId, nodes: &[NodeId], now: i64) -> Result<Vec<Share>> {
        if nodes.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT {SHARE_COLS} FROM share WHERE tenant_id = $1 AND (expires_at IS NULL OR expires_at > $2) \
             AND node_id IN ({}) ORDER BY created_at",
            placeholders(3, nodes.len())
        );
        let mut q = sqlx::query(&sql).bind(tenant.to_string()).bind(now);
        for n in nodes {
            q = q.bind(n.to_string());
        }
        let rows = q.fetch_all(self.c()).await?;
        rows.iter().map(share_row).collect()
    }

    /// The kinds of live shares and links on a folder and on each node directly in it (what
    /// the sync clients show as `oc:share-types`): `person`, `group`, `school` or `link` per
    /// node id. Two index lookups per kind, whatever the size of the folder.
    pub async fn share_kinds_in_folder(
        &mut self,
        tenant: TenantId,
        folder: NodeId,
        now: i64,
    ) -> Result<Vec<(NodeId, String)>> {
        let rows = sqlx::query(
            "SELECT s.node_id AS node_id, s.grantee_kind AS kind FROM share s JOIN node n ON n.id = s.node_id \
               WHERE n.tenant_id = $1 AND n.parent_id = $2 AND s.tenant_id = $1 \
               AND (s.expires_at IS NULL OR s.expires_at > $3) \
             UNION ALL SELECT node_id, grantee_kind AS kind FROM share \
               WHERE tenant_id = $1 AND node_id = $2 AND (expires_at IS NULL OR expires_at > $3) \
             UNION ALL SELECT l.node_id AS node_id, 'link' AS kind FROM share_link l JOIN node n ON n.id = l.node_id \
               WHERE n.tenant_id = $1 AND n.parent_id = $2 AND l.tenant_id = $1 \
               AND (l.expires_at IS NULL OR l.expires_at > $3) \
             UNION ALL SELECT node_id, 'link' AS kind FROM share_link \
               WHERE tenant_id = $1 AND node_id = $2 AND (expires_at IS NULL OR expires_at > $3)",
        )
        .bind(tenant.to_string())
        .bind(folder.to_string())
        .bind(now)
        .fetch_all(self.c())
        .await?;
        rows.iter().map(|r| Ok((id(r, "node_id")?, text(r, "kind")?))).collect()
    }

    /// The live shares with any of these grantees (a person, their groups and schools): what
    /// is shared with them. One query, however large the groups.
    pub async fn shares_with(&mut self, tenant: TenantId, grantees: &[Grantee], now: i64) -> Result<Vec<Share>> {
        if grantees.is_empty() {
            return Ok(vec![]);
        }
        let sql = format!(
            "SELECT {SHARE_COLS} FROM share WHERE tenant_id = $1 AND (expires_at IS NULL OR expires_at > $2) \
             AND grantee_id IN ({}) ORDER BY created_at DESC",
            placeholders(3, grantees.len())
        );
        let mut q = sqlx::query(&sql).bind(tenant.to_string()).bind(now);
        for g in grantees {
            q = q.bind(g.id());
        }
        let rows = q.fetch_all(self.c()).await?;
        let shares: Vec<Share> = rows.iter().map(share_row).collect::<Result<_>>()?;
        Ok(shares.into_iter().filter(|s| grantees.contains(&s.grantee)).collect())
    }
}
