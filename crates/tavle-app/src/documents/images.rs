//! Adding pictures to a document and reading them back. A picture is a blob of the tenant,
//! named in the document's tree by its SHA-256; a row (`document_image`) says the document
//! may show it, so a hash a client writes into the tree reaches nothing it was not given.
//! Pictures are taken only as PNG or JPEG (known by their bytes), within the limits of
//! `tavle_core::picture`.

use tavle_core::drive::{Access, NodeKind};
use tavle_core::picture::{sniff, NotAPicture, PictureInfo, MAX_PICTURE_BYTES};
use tavle_core::{BlobId, NodeId, PersonId, TenantId};
use tavle_store::document_images::{DocumentImage, ImageHolder};

use super::read_common::PictureFiles;
use super::Documents;
use crate::audit::RequestMeta;
use crate::caller::Session;
use crate::content::{record_blob, Download};
use crate::error::{AppError, AppResult, Conflict};

/// The most pictures one document keeps.
pub const MAX_PICTURES: usize = 500;
/// The most bytes of pictures one document keeps, shown or not. A picture counts in the
/// drive's quota once the document shows it (its file form holds it); this bounds what was
/// taken in and never shown.
pub const MAX_PICTURE_BYTES_PER_DOCUMENT: i64 = 100 << 20;

/// A picture a document may now show.
#[derive(Clone, Debug)]
pub struct AddedPicture {
    /// What the document's tree names it by: its SHA-256, in lower-case hex.
    pub sha256: String,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub size: i64,
}

fn checked(bytes: &[u8]) -> AppResult<PictureInfo> {
    sniff(bytes).map_err(|e| match e {
        NotAPicture::TooLarge => AppError::TooLarge { what: "A picture", limit_bytes: MAX_PICTURE_BYTES as u64 },
        NotAPicture::Unknown | NotAPicture::TooManyPixels => Conflict::NotAPicture.into(),
    })
}

impl Documents {
    /// Takes a picture (its bytes) into a document the caller may edit.
    pub async fn add_picture(&self, s: &Session, node: NodeId, bytes: Vec<u8>) -> AppResult<AddedPicture> {
        let r = self.reached(s, node).await?;
        r.require(Access::Edit)?;
        let info = checked(&bytes)?;
        self.room_for(r.space(), bytes.len() as i64).await?;
        self.take_bytes((s.actor.tenant_id, s.actor.person_id), node, bytes, info).await
    }

    /// Writes a picture's bytes to the blob store and keeps it for document `node`.
    async fn take_bytes(
        &self,
        (tenant, person): (TenantId, PersonId),
        node: NodeId,
        bytes: Vec<u8>,
        info: PictureInfo,
    ) -> AppResult<AddedPicture> {
        let written = self.content.intake_bytes(tenant, bytes).await?;
        let result = async {
            let mut tx = self.store.write().await?;
            let blob = record_blob(&mut tx, tenant, &written, self.clock.now().millis()).await?;
            let by = (tenant, person);
            let added = self.keep_picture(&mut tx, by, node, blob.id, &blob.sha256, blob.size, info).await?;
            tx.commit().await?;
            Ok::<_, AppError>((blob.id, added))
        }
        .await;
        self.content.settle(&written, result.as_ref().ok().map(|(b, _)| *b)).await;
        result.map(|(_, added)| added)
    }

    /// Takes a picture from a file in the drive that the caller may read into a document the
    /// caller may edit (the file's bytes, which later changes of the file do not reach).
    /// Reading another person's file for it is recorded as a read of their work.
    pub async fn add_picture_from_drive(
        &self,
        s: &Session,
        node: NodeId,
        file: NodeId,
        meta: &RequestMeta,
    ) -> AppResult<AddedPicture> {
        let doc = self.reached(s, node).await?;
        doc.require(Access::Edit)?;
        let f = {
            let mut conn = self.store.read().await?;
            self.access.reach(&mut conn, &s.actor, file, false).await?
        };
        f.require(Access::View)?;
        let (NodeKind::File, Some(blob), Some(sha)) = (f.node().kind, f.node().blob_id, f.node().sha256.clone()) else {
            return Err(Conflict::NotAPicture.into());
        };
        if f.node().size > MAX_PICTURE_BYTES as i64 {
            return Err(AppError::TooLarge { what: "A picture", limit_bytes: MAX_PICTURE_BYTES as u64 });
        }
        self.room_for(doc.space(), f.node().size).await?;
        self.access.audit_read(&s.actor, &f, "document.picture_from_drive", meta).await?;
        let bytes = self.content.download(f.node())?.bytes("A picture", MAX_PICTURE_BYTES as u64).await?;
        let info = checked(&bytes)?;
        let mut tx = self.store.write().await?;
        let by = (s.actor.tenant_id, s.actor.person_id);
        let added = self.keep_picture(&mut tx, by, node, blob, &sha, f.node().size, info).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Records that document `node` may show the picture in `blob`.
    #[allow(clippy::too_many_arguments)]
    async fn keep_picture(
        &self,
        tx: &mut tavle_store::Tx,
        (tenant, person): (TenantId, PersonId),
        node: NodeId,
        blob: BlobId,
        sha256: &str,
        size: i64,
        info: PictureInfo,
    ) -> AppResult<AddedPicture> {
        let holder = ImageHolder::Document(node);
        let held = tx.document_images(tenant, holder).await?;
        if !held.iter().any(|i| i.sha256 == sha256) {
            let bytes: i64 = held.iter().map(|i| i.size).sum();
            if held.len() >= MAX_PICTURES || bytes + size > MAX_PICTURE_BYTES_PER_DOCUMENT {
                let limit_bytes = MAX_PICTURE_BYTES_PER_DOCUMENT as u64;
                return Err(AppError::TooLarge { what: "The pictures of one document", limit_bytes });
            }
        }
        let image = DocumentImage {
            sha256: sha256.to_string(),
            blob_id: blob,
            content_type: info.kind.content_type().to_string(),
            width: info.width,
            height: info.height,
            size,
            added_by: Some(person),
        };
        tx.add_document_image(tenant, holder, &image, self.clock.now().millis()).await?;
        Ok(AddedPicture {
            sha256: image.sha256,
            content_type: info.kind.content_type(),
            width: info.width,
            height: info.height,
            size,
        })
    }

    /// Refuses a picture of `size` bytes for a document in `space` when the drive is full (its
    /// use now, not as it was when the document was reached).
    async fn room_for(&self, space: &tavle_core::drive::Space, size: i64) -> AppResult<()> {
        let quota = self.content.quota_of(space);
        let used =
            self.store.read().await?.space(space.tenant_id, space.id).await?.map_or(space.used_bytes, |s| s.used_bytes);
        if used.saturating_add(size) > quota {
            return Err(AppError::QuotaExceeded { quota, used });
        }
        Ok(())
    }

    /// Keeps the pictures of a file opened as (or written into) document `node`, for `person`
    /// of `tenant`; one that is not a picture, or one past the document's limit, is left out.
    pub(crate) async fn keep_files(
        &self,
        (tenant, person): (TenantId, PersonId),
        node: NodeId,
        files: PictureFiles,
    ) -> AppResult<()> {
        for (_, bytes) in files {
            let Ok(info) = checked(&bytes) else { continue };
            match self.take_bytes((tenant, person), node, bytes, info).await {
                Ok(_) | Err(AppError::TooLarge { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// A picture a document may show, for those who may read the document; its content type
    /// beside it. Reading one in another person's document is recorded as a read of their work.
    pub async fn picture(
        &self,
        s: &Session,
        node: NodeId,
        sha256: &str,
        meta: &RequestMeta,
    ) -> AppResult<(Download, &'static str)> {
        let r = self.reached(s, node).await?;
        let found = self.picture_of(s.actor.tenant_id, ImageHolder::Document(node), sha256).await?;
        self.access.audit_read(&s.actor, &r, "document.picture", meta).await?;
        Ok(found)
    }

    /// A picture `holder` may show, to be read (the caller has decided who may).
    pub(crate) async fn picture_of(
        &self,
        tenant: tavle_core::TenantId,
        holder: ImageHolder,
        sha256: &str,
    ) -> AppResult<(Download, &'static str)> {
        let row = self.store.read().await?.document_image(tenant, holder, sha256).await?;
        let row = row.ok_or(AppError::NotFound("picture"))?;
        let kind = tavle_core::picture::PictureKind::from_content_type(&row.content_type)
            .ok_or(AppError::NotFound("picture"))?;
        let key = tavle_blob::BlobKey { tenant, blob: row.blob_id };
        let name = format!("{}.{}", &row.sha256[..16], kind.extension());
        let etag = format!("\"{}\"", row.sha256);
        Ok((self.content.download_blob(name, row.size, etag, 0, Some(row.sha256), key), kind.content_type()))
    }
}
