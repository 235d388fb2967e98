//! Files and folders: lookups by id and by name, paths, listings, search, and the changes
//! (create, new content, rename/move, trash, restore, purge).

use tavle_core::drive::Node;

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::drive::NodeKind;
use tavle_core::{NodeId, SpaceId, TenantId};

use crate::row::{id, int, opt_id, opt_int, opt_text, parse, placeholders, text};
use crate::{Db, Result};

const NODE_COLS: &str = "n.id, n.tenant_id, n.space_id, n.parent_id, n.name, n.kind, n.blob_id, n.size, n.sha256, \
     n.etag, n.created_at, n.created_by, n.modified_at, n.modified_by, n.trashed_at, n.trashed_by";

fn node_row(r: &sqlx::any::AnyRow) -> Result<Node> {
    Ok(Node {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        space_id: id(r, "space_id")?,
        parent_id: opt_id(r, "parent_id")?,
        name: text(r, "name")?,
        kind: parse("kind", &text(r, "kind")?, NodeKind::parse)?,
        blob_id: opt_id(r, "blob_id")?,
        size: int(r, "size")?,
        sha256: opt_text(r, "sha256")?,
        etag: text(r, "etag")?,
        created_at: int(r, "created_at")?,
        created_by: opt_id(r, "created_by")?,
        modified_at: int(r, "modified_at")?,
        modified_by: opt_id(r, "modified_by")?,
        trashed_at: opt_int(r, "trashed_at")?,
        trashed_by: opt_id(r, "trashed_by")?,
    })
}

fn opt_str<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|v| v.to_string())
}

/// The ids of a node and everything below it, trashed or not.
const SUBTREE: &str = "WITH RECURSIVE down(id) AS ( \
       SELECT id FROM node WHERE tenant_id = $1 AND id = $2 \
       UNION ALL SELECT c.id FROM node c JOIN down ON c.parent_id = down.id WHERE c.tenant_id = $1)";

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    pub async fn node(&mut self, tenant: TenantId, node: NodeId) -> Result<Option<Node>> {
        let row = sqlx::query(&format!("SELECT {NODE_COLS} FROM node n WHERE n.tenant_id = $1 AND n.id = $2"))
            .bind(tenant.to_string())
            .bind(node.to_string())
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(node_row).transpose()
    }

    /// The live (not trashed) child of `parent` whose name has this key.
    pub async fn child(&mut self, tenant: TenantId, parent: NodeId, name_key: &str) -> Result<Option<Node>> {
        let row = sqlx::query(&format!(
            "SELECT {NODE_COLS} FROM node n \
             WHERE n.tenant_id = $1 AND n.parent_id = $2 AND n.name_key = $3 AND n.trashed_at IS NULL"
        ))
        .bind(tenant.to_string())
        .bind(parent.to_string())
        .bind(name_key)
        .fetch_optional(self.c())
        .await?;
        row.as_ref().map(node_row).transpose()
    }

    /// The live children of a folder, folders first, then by name.
    pub async fn children(&mut self, tenant: TenantId, parent: NodeId) -> Result<Vec<Node>> {
        let rows = sqlx::query(&format!(
            "SELECT {NODE_COLS} FROM node n WHERE n.tenant_id = $1 AND n.parent_id = $2 AND n.trashed_at IS NULL \
             ORDER BY n.kind DESC, n.name_key"
        ))
        .bind(tenant.to_string())
        .bind(parent.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(node_row).collect()
    }

    /// The path from the space's root folder down to `node`, both included.
    pub async fn path_to(&mut self, tenant: TenantId, node: NodeId) -> Result<Vec<Node>> {
        let rows = sqlx::query(&format!(
            "WITH RECURSIVE up(id, depth) AS ( \
               SELECT id, 0 FROM node WHERE tenant_id = $1 AND id = $2 \
               UNION ALL SELECT p.parent_id, up.depth + 1 FROM node p JOIN up ON p.id = up.id \
               WHERE p.tenant_id = $1 AND p.parent_id IS NOT NULL) \
             SELECT {NODE_COLS} FROM node n JOIN up ON n.id = up.id WHERE n.tenant_id = $1 ORDER BY up.depth DESC"
        ))
        .bind(tenant.to_string())
        .bind(node.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(node_row).collect()
    }

    /// A node and everything below it, trashed or not, parents before their children.
    pub async fn subtree(&mut self, tenant: TenantId, node: NodeId) -> Result<Vec<Node>> {
        let rows = sqlx::query(&format!(
            "WITH RECURSIVE down(id, depth) AS ( \
               SELECT id, 0 FROM node WHERE tenant_id = $1 AND id = $2 \
               UNION ALL SELECT c.id, down.depth + 1 FROM node c JOIN down ON c.parent_id = down.id \
               WHERE c.tenant_id = $1) \
             SELECT {NODE_COLS} FROM node n JOIN down ON n.id = down.id WHERE n.tenant_id = $1 \
             ORDER BY down.depth"
        ))
        .bind(tenant.to_string())
        .bind(node.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(node_row).collect()
    }

    /// Live files and folders below the given folders whose names contain `text` (compared
    /// in lower case), at most `limit`. Nothing in or below the trash is found.
    pub async fn search_nodes(
        &mut self,
        tenant: TenantId,
        roots: &[NodeId],
        text: &str,
        limit: i64,
    ) -> Result<Vec<Node>> {
        if roots.is_empty() {
            return Ok(vec![]);
        }
        let list = placeholders(4, roots.len());
        let sql = format!(
            "WITH RECURSIVE down(id) AS ( \
               SELECT id FROM node WHERE tenant_id = $1 AND id IN ({}) AND trashed_at IS NULL \
               UNION ALL SELECT c.id FROM node c JOIN down ON c.parent_id = down.id \
               WHERE c.tenant_id = $1 AND c.trashed_at IS NULL) \
             SELECT {NODE_COLS} FROM node n JOIN down ON n.id = down.id \
             WHERE n.tenant_id = $1 AND n.parent_id IS NOT NULL AND n.name_key LIKE $2 ESCAPE '\\' \
             ORDER BY n.name_key LIMIT $3",
            list
        );
        let mut q = sqlx::query(&sql)
            .bind(tenant.to_string())
            .bind(format!("%{}%", super::like_escape(&tavle_core::drive::name_key(text))))
            .bind(limit);
        for r in roots {
            q = q.bind(r.to_string());
        }
        let rows = q.fetch_all(self.c()).await?;
        rows.iter().map(node_row).collect()
    }

    /// The files a person changed last, newest first (not in the trash themselves; a folder
    /// above may be, which the caller checks when it reaches them).
    pub async fn recently_changed_by(
        &mut self,
        tenant: TenantId,
        person: tavle_core::PersonId,
        limit: i64,
    ) -> Result<Vec<Node>> {
        let rows = sqlx::query(&format!(
            "SELECT {NODE_COLS} FROM node n WHERE n.tenant_id = $1 AND n.modified_by = $2 AND n.trashed_at IS NULL \
             AND n.kind = 'file' ORDER BY n.modified_at DESC LIMIT $3"
        ))
        .bind(tenant.to_string())
        .bind(person.to_string())
        .bind(limit)
        .fetch_all(self.c())
        .await?;
        rows.iter().map(node_row).collect()
    }

    /// Files and folders in a space's trash (each the top of what was deleted), newest first.
    pub async fn trash(&mut self, tenant: TenantId, space: SpaceId) -> Result<Vec<Node>> {
        let rows = sqlx::query(&format!(
            "SELECT {NODE_COLS} FROM node n WHERE n.tenant_id = $1 AND n.space_id = $2 AND n.trashed_at IS NOT NULL \
             ORDER BY n.trashed_at DESC"
        ))
        .bind(tenant.to_string())
        .bind(space.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(node_row).collect()
    }

    /// Trashed nodes of a tenant deleted before `before` (for purging).
    pub async fn trashed_before(&mut self, tenant: TenantId, before: i64) -> Result<Vec<Node>> {
        let rows = sqlx::query(&format!(
            "SELECT {NODE_COLS} FROM node n WHERE n.tenant_id = $1 AND n.trashed_at IS NOT NULL AND n.trashed_at < $2"
        ))
        .bind(tenant.to_string())
        .bind(before)
        .fetch_all(self.c())
        .await?;
        rows.iter().map(node_row).collect()
    }

    /// Inserts a node; a live sibling with the same name key is a `Conflict`.
    pub async fn insert_node(&mut self, n: &Node) -> Result<()> {
        sqlx::query(
            "INSERT INTO node (id, tenant_id, space_id, parent_id, name, name_key, kind, blob_id, size, sha256, etag, \
             created_at, created_by, modified_at, modified_by, trashed_at, trashed_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(n.id.to_string())
        .bind(n.tenant_id.to_string())
        .bind(n.space_id.to_string())
        .bind(opt_str(n.parent_id))
        .bind(&n.name)
        .bind(tavle_core::drive::name_key(&n.name))
        .bind(n.kind.code())
        .bind(opt_str(n.blob_id))
        .bind(n.size)
        .bind(n.sha256.as_deref())
        .bind(&n.etag)
        .bind(n.created_at)
        .bind(opt_str(n.created_by))
        .bind(n.modified_at)
        .bind(opt_str(n.modified_by))
        .bind(n.trashed_at)
        .bind(opt_str(n.trashed_by))
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Writes a node's content, name, place, times and trash state as given.
    pub async fn update_node(&mut self, n: &Node) -> Result<()> {
        sqlx::query(
            "UPDATE node SET parent_id = $3, name = $4, name_key = $5, blob_id = $6, size = $7, sha256 = $8, \
             etag = $9, modified_at = $10, modified_by = $11, trashed_at = $12, trashed_by = $13 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(n.tenant_id.to_string())
        .bind(n.id.to_string())
        .bind(opt_str(n.parent_id))
        .bind(&n.name)
        .bind(tavle_core::drive::name_key(&n.name))
        .bind(opt_str(n.blob_id))
        .bind(n.size)
        .bind(n.sha256.as_deref())
        .bind(&n.etag)
        .bind(n.modified_at)
        .bind(opt_str(n.modified_by))
        .bind(n.trashed_at)
        .bind(opt_str(n.trashed_by))
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Gives `folder` and every folder above it a new ETag, so that a sync client that
    /// compares the root's ETag sees that something below changed.
    pub async fn touch_folders(&mut self, tenant: TenantId, folder: NodeId, etag: &str) -> Result<()> {
        sqlx::query(
            "WITH RECURSIVE up(id) AS ( \
               SELECT id FROM node WHERE tenant_id = $1 AND id = $2 \
               UNION ALL SELECT p.parent_id FROM node p JOIN up ON p.id = up.id \
               WHERE p.tenant_id = $1 AND p.parent_id IS NOT NULL) \
             UPDATE node SET etag = $3 WHERE tenant_id = $1 AND id IN (SELECT id FROM up)",
        )
        .bind(tenant.to_string())
        .bind(folder.to_string())
        .bind(etag)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Moves a node and everything below it into another space (the caller moves the bytes
    /// between the spaces' usage).
    pub async fn move_subtree_to_space(&mut self, tenant: TenantId, node: NodeId, space: SpaceId) -> Result<()> {
        sqlx::query(&format!(
            "{SUBTREE} UPDATE node SET space_id = $3 WHERE tenant_id = $1 AND id IN (SELECT id FROM down)"
        ))
        .bind(tenant.to_string())
        .bind(node.to_string())
        .bind(space.to_string())
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Deletes a node, everything below it, their older versions, WebDAV properties, shares,
    /// links and documents' stored state, for good. The blobs stay until no file or version
    /// uses them and a check collects them.
    pub async fn delete_subtree(&mut self, tenant: TenantId, node: NodeId) -> Result<()> {
        for table in [
            "file_version",
            "dav_property",
            "share",
            "share_link",
            "document_update",
            "document_comment",
            "document_image",
            "wopi_lock",
            "document",
        ] {
            sqlx::query(&format!(
                "{SUBTREE} DELETE FROM {table} WHERE tenant_id = $1 AND node_id IN (SELECT id FROM down)"
            ))
            .bind(tenant.to_string())
            .bind(node.to_string())
            .execute(self.c())
            .await?;
        }
        sqlx::query(&format!("{SUBTREE} DELETE FROM node WHERE tenant_id = $1 AND id IN (SELECT id FROM down)"))
            .bind(tenant.to_string())
            .bind(node.to_string())
            .execute(self.c())
            .await?;
        Ok(())
    }
}
