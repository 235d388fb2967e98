//! The pictures a document shows, read for writing it into a file (ODT, DOCX, PDF): only those
//! its holder may show (`document_image`), whatever hashes its tree names.

use std::collections::BTreeMap;

use tavle_core::document::{Document, Image};
use tavle_core::picture::{shown_size, sniff, PictureInfo, MAX_PICTURE_BYTES};
use tavle_core::TenantId;
use tavle_store::document_images::ImageHolder;

use super::Documents;
use crate::error::AppResult;

/// A picture's file and what it is.
pub(crate) struct Picture {
    pub bytes: Vec<u8>,
    pub info: PictureInfo,
}

/// The pictures of a document, by SHA-256.
pub(crate) type Pictures = BTreeMap<String, Picture>;

impl Picture {
    /// The picture's size on a page `max_width` points wide, in points.
    pub fn shown(&self, image: &Image, max_width: f32) -> (f32, f32) {
        shown_size(&self.info, image.width, max_width)
    }

    /// The name of its file inside an ODT or DOCX (by its hash, so one picture shown twice is
    /// one file).
    pub fn file_name(&self, sha256: &str) -> String {
        format!("{sha256}.{}", self.info.kind.extension())
    }
}

impl Documents {
    /// The pictures `content` shows that `holder` may show, read from the blob store. One
    /// that cannot be read is left out (and the writers name it as not exported).
    pub(crate) async fn pictures(
        &self,
        tenant: TenantId,
        holder: ImageHolder,
        content: &Document,
    ) -> AppResult<Pictures> {
        let wanted = content.image_hashes();
        let mut out = Pictures::new();
        if wanted.is_empty() {
            return Ok(out);
        }
        let rows = self.store.read().await?.document_images(tenant, holder).await?;
        for row in rows.into_iter().filter(|r| wanted.binary_search(&r.sha256).is_ok()) {
            let key = tavle_blob::BlobKey { tenant, blob: row.blob_id };
            let read = self.content.download_blob(String::new(), row.size, String::new(), 0, None, key);
            let bytes = match read.bytes("a picture", MAX_PICTURE_BYTES as u64).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, sha256 = %row.sha256, "reading a picture failed");
                    continue;
                }
            };
            match sniff(&bytes) {
                Ok(info) => {
                    out.insert(row.sha256, Picture { bytes, info });
                }
                Err(_) => tracing::warn!(sha256 = %row.sha256, "a stored picture is not a picture"),
            }
        }
        Ok(out)
    }
}
