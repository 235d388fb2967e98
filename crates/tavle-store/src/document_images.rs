//! Pictures in Tavle documents (migration 0024): which pictures (blobs, by SHA-256) a live
//! document or a document's frozen own form may show. The document's tree names a picture by
//! its SHA-256; only a picture with a row for the holder is served or exported.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::{BlobId, NodeId, PersonId, TenantId};

use crate::row::{id, int, opt_id, text};
use crate::{Db, Result};

/// What holds a picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageHolder {
    /// A live document.
    Document(NodeId),
    /// A document's frozen own form (`.tavledoc`), kept as this blob by a hand-in or an
    /// assignment.
    Frozen(BlobId),
}

impl ImageHolder {
    fn column(self) -> &'static str {
        match self {
            ImageHolder::Document(_) => "node_id",
            ImageHolder::Frozen(_) => "frozen_blob_id",
        }
    }

    fn id(self) -> String {
        match self {
            ImageHolder::Document(n) => n.to_string(),
            ImageHolder::Frozen(b) => b.to_string(),
        }
    }
}

/// A picture a holder may show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentImage {
    /// Its SHA-256 in lower-case hex: how the document's tree names it.
    pub sha256: String,
    pub blob_id: BlobId,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub size: i64,
    pub added_by: Option<PersonId>,
}

const COLS: &str = "i.sha256, i.blob_id, i.content_type, i.width, i.height, b.size, i.added_by";
const FROM: &str = "document_image i JOIN blob b ON b.tenant_id = i.tenant_id AND b.id = i.blob_id";

fn image_row(r: &sqlx::any::AnyRow) -> Result<DocumentImage> {
    let dim = |c: &str| -> Result<u32> { Ok(u32::try_from(int(r, c)?).unwrap_or(0)) };
    Ok(DocumentImage {
        sha256: text(r, "sha256")?,
        blob_id: id(r, "blob_id")?,
        content_type: text(r, "content_type")?,
        width: dim("width")?,
        height: dim("height")?,
        size: int(r, "size")?,
        added_by: opt_id(r, "added_by")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Lets `holder` show a picture (its blob recorded already); one it has already is kept.
    pub async fn add_document_image(
        &mut self,
        tenant: TenantId,
        holder: ImageHolder,
        image: &DocumentImage,
        now: i64,
    ) -> Result<()> {
        // One it has already (two uploads of the same picture at once, say) is kept as it is.
        sqlx::query(&format!(
            "INSERT INTO document_image (id, tenant_id, {}, sha256, blob_id, content_type, width, height, \
             added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
            holder.column()
        ))
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(tenant.to_string())
        .bind(holder.id())
        .bind(&image.sha256)
        .bind(image.blob_id.to_string())
        .bind(&image.content_type)
        .bind(i64::from(image.width))
        .bind(i64::from(image.height))
        .bind(image.added_by.map(|p| p.to_string()))
        .bind(now)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// The picture of that SHA-256 that `holder` may show, if any.
    pub async fn document_image(
        &mut self,
        tenant: TenantId,
        holder: ImageHolder,
        sha256: &str,
    ) -> Result<Option<DocumentImage>> {
        let row = sqlx::query(&format!(
            "SELECT {COLS} FROM {FROM} WHERE i.tenant_id = $1 AND i.{} = $2 AND i.sha256 = $3",
            holder.column()
        ))
        .bind(tenant.to_string())
        .bind(holder.id())
        .bind(sha256)
        .fetch_optional(self.c())
        .await?;
        row.as_ref().map(image_row).transpose()
    }

    /// Every picture `holder` may show.
    pub async fn document_images(&mut self, tenant: TenantId, holder: ImageHolder) -> Result<Vec<DocumentImage>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM {FROM} WHERE i.tenant_id = $1 AND i.{} = $2 ORDER BY i.sha256",
            holder.column()
        ))
        .bind(tenant.to_string())
        .bind(holder.id())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(image_row).collect()
    }

    /// Lets `to` show every picture `from` may show (a copy of a document, a document frozen,
    /// a frozen template made live again).
    pub async fn copy_document_images(
        &mut self,
        tenant: TenantId,
        from: ImageHolder,
        to: ImageHolder,
        now: i64,
    ) -> Result<()> {
        for image in self.document_images(tenant, from).await? {
            self.add_document_image(tenant, to, &image, now).await?;
        }
        Ok(())
    }
}
