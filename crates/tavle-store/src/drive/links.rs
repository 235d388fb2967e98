//! Share links: a file or folder opened by anyone who has the link, or a folder that takes
//! uploads from anyone who has it (a drop box).

use tavle_core::drive::Link;

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::drive::LinkKind;
use tavle_core::{NodeId, TenantId};

use crate::row::{id, int, opt_int, opt_text, parse, text};
use crate::{Db, Result};

const LINK_COLS: &str = "id, tenant_id, node_id, token, kind, password_hash, expires_at, created_by, created_at";

fn link_row(r: &sqlx::any::AnyRow) -> Result<Link> {
    Ok(Link {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        node_id: id(r, "node_id")?,
        token: text(r, "token")?,
        kind: parse("kind", &text(r, "kind")?, LinkKind::parse)?,
        password_hash: opt_text(r, "password_hash")?,
        expires_at: opt_int(r, "expires_at")?,
        created_by: id(r, "created_by")?,
        created_at: int(r, "created_at")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn insert_link(&mut self, l: &Link) -> Result<()> {
        sqlx::query(&format!("INSERT INTO share_link ({LINK_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
            .bind(l.id.to_string())
            .bind(l.tenant_id.to_string())
            .bind(l.node_id.to_string())
            .bind(&l.token)
            .bind(l.kind.code())
            .bind(l.password_hash.clone())
            .bind(l.expires_at)
            .bind(l.created_by.to_string())
            .bind(l.created_at)
            .execute(self.c())
            .await?;
        Ok(())
    }

    /// The link with this token, in whichever tenant it is (the token names the tenant).
    pub async fn link_by_token(&mut self, token: &str) -> Result<Option<Link>> {
        let row = sqlx::query(&format!("SELECT {LINK_COLS} FROM share_link WHERE token = $1"))
            .bind(token)
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(link_row).transpose()
    }

    pub async fn link(&mut self, tenant: TenantId, link: uuid::Uuid) -> Result<Option<Link>> {
        let row = sqlx::query(&format!("SELECT {LINK_COLS} FROM share_link WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.to_string())
            .bind(link.to_string())
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(link_row).transpose()
    }

    /// The links of a node, newest first, expired ones included (their owner sees them end).
    pub async fn links_on(&mut self, tenant: TenantId, node: NodeId) -> Result<Vec<Link>> {
        let rows = sqlx::query(&format!(
            "SELECT {LINK_COLS} FROM share_link WHERE tenant_id = $1 AND node_id = $2 ORDER BY created_at DESC, id DESC"
        ))
        .bind(tenant.to_string())
        .bind(node.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(link_row).collect()
    }

    pub async fn delete_link(&mut self, tenant: TenantId, link: uuid::Uuid) -> Result<()> {
        sqlx::query("DELETE FROM share_link WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(link.to_string())
            .execute(self.c())
            .await?;
        Ok(())
    }
}
