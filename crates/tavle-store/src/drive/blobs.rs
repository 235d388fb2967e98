//! Stored contents (one row per distinct SHA-256 per tenant) and older versions of files.

use tavle_core::drive::Version;

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::{BlobId, NodeId, TenantId, VersionId};

use crate::row::{id, int, opt_id, opt_text, text};
use crate::{Db, Result};

/// Contents as recorded in the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobRow {
    pub id: BlobId,
    pub tenant_id: TenantId,
    pub sha256: String,
    pub size: i64,
    pub created_at: i64,
}

fn blob_row(r: &sqlx::any::AnyRow) -> Result<BlobRow> {
    Ok(BlobRow {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        sha256: text(r, "sha256")?,
        size: int(r, "size")?,
        created_at: int(r, "created_at")?,
    })
}

const VERSION_COLS: &str =
    "id, tenant_id, node_id, blob_id, size, sha256, modified_at, modified_by, replaced_at, label";

fn version_row(r: &sqlx::any::AnyRow) -> Result<Version> {
    Ok(Version {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        node_id: id(r, "node_id")?,
        blob_id: id(r, "blob_id")?,
        size: int(r, "size")?,
        sha256: text(r, "sha256")?,
        modified_at: int(r, "modified_at")?,
        modified_by: opt_id(r, "modified_by")?,
        replaced_at: int(r, "replaced_at")?,
        label: opt_text(r, "label")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Records new contents, unless the tenant has the same bytes already; either way returns
    /// the blob that holds them. When the returned id is not `new.id`, the caller's copy is
    /// redundant and may be deleted once the transaction has committed.
    pub async fn record_blob(&mut self, new: &BlobRow) -> Result<BlobRow> {
        sqlx::query(
            "INSERT INTO blob (id, tenant_id, sha256, size, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (tenant_id, sha256) DO NOTHING",
        )
        .bind(new.id.to_string())
        .bind(new.tenant_id.to_string())
        .bind(&new.sha256)
        .bind(new.size)
        .bind(new.created_at)
        .execute(self.c())
        .await?;
        let row = sqlx::query(
            "SELECT id, tenant_id, sha256, size, created_at FROM blob WHERE tenant_id = $1 AND sha256 = $2",
        )
        .bind(new.tenant_id.to_string())
        .bind(&new.sha256)
        .fetch_one(self.c())
        .await?;
        blob_row(&row)
    }

    pub async fn blob(&mut self, tenant: TenantId, blob: BlobId) -> Result<Option<BlobRow>> {
        let row =
            sqlx::query("SELECT id, tenant_id, sha256, size, created_at FROM blob WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.to_string())
                .bind(blob.to_string())
                .fetch_optional(self.c())
                .await?;
        row.as_ref().map(blob_row).transpose()
    }

    /// Every blob the tenant has recorded (for checking the blob store against them).
    pub async fn blobs(&mut self, tenant: TenantId) -> Result<Vec<BlobRow>> {
        let rows = sqlx::query("SELECT id, tenant_id, sha256, size, created_at FROM blob WHERE tenant_id = $1")
            .bind(tenant.to_string())
            .fetch_all(self.c())
            .await?;
        rows.iter().map(blob_row).collect()
    }

    /// Blobs that no file, version, hand-in, assignment or feedback uses, recorded before `before`.
    pub async fn unused_blobs(&mut self, tenant: TenantId, before: i64) -> Result<Vec<BlobRow>> {
        let rows = sqlx::query(
            "SELECT b.id, b.tenant_id, b.sha256, b.size, b.created_at FROM blob b \
             WHERE b.tenant_id = $1 AND b.created_at < $2 \
             AND NOT EXISTS (SELECT 1 FROM node n WHERE n.blob_id = b.id) \
             AND NOT EXISTS (SELECT 1 FROM file_version v WHERE v.blob_id = b.id) \
             AND NOT EXISTS (SELECT 1 FROM hand_in_file h WHERE h.blob_id = b.id) \
             AND NOT EXISTS (SELECT 1 FROM assignment_file f WHERE f.blob_id = b.id) \
             AND NOT EXISTS (SELECT 1 FROM feedback_file f WHERE f.blob_id = b.id) \
             AND NOT EXISTS (SELECT 1 FROM document_image i WHERE i.blob_id = b.id)",
        )
        .bind(tenant.to_string())
        .bind(before)
        .fetch_all(self.c())
        .await?;
        rows.iter().map(blob_row).collect()
    }

    /// Forgets a blob if nothing uses it (checked again here, inside the transaction), with
    /// the picture rows of a document's frozen own form it held (those pictures' blobs are
    /// collected in turn once nothing else holds them). Returns whether it was forgotten; only
    /// then may its bytes be deleted.
    pub async fn forget_unused_blob(&mut self, tenant: TenantId, blob: BlobId) -> Result<bool> {
        const UNUSED: &str = "NOT EXISTS (SELECT 1 FROM node n WHERE n.blob_id = $2) \
             AND NOT EXISTS (SELECT 1 FROM file_version v WHERE v.blob_id = $2) \
             AND NOT EXISTS (SELECT 1 FROM hand_in_file h WHERE h.blob_id = $2) \
             AND NOT EXISTS (SELECT 1 FROM assignment_file f WHERE f.blob_id = $2) \
             AND NOT EXISTS (SELECT 1 FROM feedback_file f WHERE f.blob_id = $2) \
             AND NOT EXISTS (SELECT 1 FROM document_image i WHERE i.blob_id = $2)";
        sqlx::query(&format!("DELETE FROM document_image WHERE tenant_id = $1 AND frozen_blob_id = $2 AND {UNUSED}"))
            .bind(tenant.to_string())
            .bind(blob.to_string())
            .execute(self.c())
            .await?;
        let done = sqlx::query(&format!("DELETE FROM blob WHERE tenant_id = $1 AND id = $2 AND {UNUSED}"))
            .bind(tenant.to_string())
            .bind(blob.to_string())
            .execute(self.c())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_version(&mut self, v: &Version) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO file_version ({VERSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(v.id.to_string())
        .bind(v.tenant_id.to_string())
        .bind(v.node_id.to_string())
        .bind(v.blob_id.to_string())
        .bind(v.size)
        .bind(&v.sha256)
        .bind(v.modified_at)
        .bind(v.modified_by.map(|p| p.to_string()))
        .bind(v.replaced_at)
        .bind(v.label.as_deref())
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// A file's older versions, newest first.
    pub async fn versions(&mut self, tenant: TenantId, node: NodeId) -> Result<Vec<Version>> {
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLS} FROM file_version WHERE tenant_id = $1 AND node_id = $2 ORDER BY replaced_at DESC, id DESC"
        ))
        .bind(tenant.to_string())
        .bind(node.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(version_row).collect()
    }

    pub async fn version(&mut self, tenant: TenantId, version: VersionId) -> Result<Option<Version>> {
        let row = sqlx::query(&format!("SELECT {VERSION_COLS} FROM file_version WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.to_string())
            .bind(version.to_string())
            .fetch_optional(self.c())
            .await?;
        row.as_ref().map(version_row).transpose()
    }

    pub async fn delete_version(&mut self, tenant: TenantId, version: VersionId) -> Result<()> {
        sqlx::query("DELETE FROM file_version WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(version.to_string())
            .execute(self.c())
            .await?;
        Ok(())
    }

    /// Deletes the tenant's versions replaced before `before`; returns how many.
    pub async fn expire_versions(&mut self, tenant: TenantId, before: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM file_version WHERE tenant_id = $1 AND replaced_at < $2")
            .bind(tenant.to_string())
            .bind(before)
            .execute(self.c())
            .await?;
        Ok(done.rows_affected())
    }
}
