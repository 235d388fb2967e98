//! A document handed in: frozen as two files the hand-in keeps — its PDF (what a person
//! reads and prints) and its own form (`<name>.tavledoc`: the line `TAVLEDOC 1`, then the
//! whole Yjs state), which the receipt's SHA-256s cover and later edits of the working copy
//! never reach. The teacher's editor opens the own form read-only; exports read it back.

use tavle_core::assignments::FileRef;
use tavle_core::{BlobId, NodeId, TenantId};
use tavle_store::document_images::ImageHolder;

use super::{encode_state, load, model, Documents, Exported, Format};
use crate::content::record_blob;
use crate::error::{AppError, AppResult};

/// The extension of a document's own form.
pub const OWN_FORM_EXTENSION: &str = "tavledoc";
/// The first line of a document's own form.
const MAGIC: &[u8] = b"TAVLEDOC 1\n";

/// Whether a file of this name holds a document's own form.
pub fn is_own_form(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| ext.eq_ignore_ascii_case(OWN_FORM_EXTENSION))
}

impl Documents {
    /// A document as stored (what its editors were told is saved), frozen: `[(name, bytes)]`
    /// of its PDF and of its own form, named after `name`.
    pub(crate) async fn frozen(&self, tenant: TenantId, node: NodeId, name: &str) -> AppResult<Vec<(String, Vec<u8>)>> {
        let doc = self.loaded(tenant, node).await?;
        let content = model::read(&doc);
        let pictures = self.pictures(tenant, ImageHolder::Document(node), &content).await?;
        let pdf = self.render(&content, name, Format::Pdf, &pictures)?;
        let own = own_form(&doc);
        Ok(vec![(pdf.name, pdf.bytes), (format!("{name}.{OWN_FORM_EXTENSION}"), own)])
    }

    /// A document frozen as one file kept as a blob of the tenant, recorded at once (one that
    /// nothing comes to refer to is collected by `tavle check`): its own form, or its PDF. What
    /// an assignment hands out: a template as its own form, an attachment as a PDF.
    pub(crate) async fn frozen_file(
        &self,
        tenant: TenantId,
        node: NodeId,
        name: &str,
        own: bool,
    ) -> AppResult<FileRef> {
        let mut files = self.frozen(tenant, node, name).await?;
        let (name, bytes) = files.swap_remove(usize::from(own));
        let written = self.content.intake_bytes(tenant, bytes).await?;
        let mut tx = self.store.write().await?;
        let blob = record_blob(&mut tx, tenant, &written, self.clock.now().millis()).await;
        let blob = match blob {
            Ok(b) if own => match tx
                .copy_document_images(
                    tenant,
                    ImageHolder::Document(node),
                    ImageHolder::Frozen(b.id),
                    self.clock.now().millis(),
                )
                .await
            {
                Ok(()) => b,
                Err(e) => {
                    self.content.settle(&written, None).await;
                    return Err(e.into());
                }
            },
            Ok(b) => b,
            Err(e) => {
                self.content.settle(&written, None).await;
                return Err(e);
            }
        };
        tx.commit().await?;
        self.content.settle(&written, Some(blob.id)).await;
        Ok(FileRef { name, blob_id: blob.id, size: blob.size, sha256: blob.sha256 })
    }

    /// A document's own form (a handed-in `.tavledoc` file, kept as blob `frozen`) written in
    /// `format`, named `name` without its extension, with the pictures kept for it.
    pub(crate) async fn export_own_form(
        &self,
        tenant: TenantId,
        frozen: BlobId,
        name: &str,
        bytes: &[u8],
        format: Format,
    ) -> AppResult<Exported> {
        let stored =
            tavle_store::documents::StoredDocument { snapshot: state_of(bytes)?.to_vec(), updates: Vec::new() };
        let doc = load(NodeId(uuid::Uuid::nil()), &stored)?;
        let title = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
        self.render_doc(tenant, ImageHolder::Frozen(frozen), &doc, title, format).await
    }
}

/// A document's own form: the line `TAVLEDOC 1`, then its whole state.
pub(super) fn own_form(doc: &yrs::Doc) -> Vec<u8> {
    [MAGIC, &encode_state(doc)].concat()
}

/// The Yjs state in a document's own form.
pub(crate) fn state_of(own_form: &[u8]) -> AppResult<&[u8]> {
    own_form.strip_prefix(MAGIC).ok_or(AppError::Conflict(crate::Conflict::NotADocument))
}

#[cfg(test)]
mod tests {
    use super::is_own_form;

    #[test]
    fn own_form_is_known_by_its_extension() {
        assert!(is_own_form("Min stil.tavledoc"));
        assert!(is_own_form("a.TAVLEDOC"));
        assert!(!is_own_form("tavledoc"));
        assert!(!is_own_form("Min stil.pdf"));
    }
}
