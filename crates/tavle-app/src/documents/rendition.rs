//! A document's file form for WebDAV and the sync clients: `<name>.odt` (OpenDocument Text,
//! which LibreOffice, Word and Google Docs open). The rendition is an ODT kept as the
//! document node's own contents (its blob, size, SHA-256 and ETag, so listings, quotas and
//! `tavle check` treat it as they treat a file's), made when the document is made, converted
//! or replaced, when a version is kept while people write (at most every few minutes) and
//! when the last person leaves it, not per keystroke: a sync client is not made to download a
//! document anew while someone types. A PUT of an ODT or DOCX to it becomes one change of the
//! document that everyone in it sees, the state before kept as a version.

use serde_json::json;
use tavle_blob::BlobKey;
use tavle_core::drive::{Access, Node};
use tavle_core::{NodeId, TenantId};

use super::{build, convert, Documents, Format};
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::content::{new_etag, record_blob, Download};
use crate::error::{AppError, AppResult};

/// The largest file a PUT to a document takes.
pub const MAX_PUT: u64 = 64 << 20;

impl Documents {
    /// Renders the document as stored into its ODT rendition and makes that the node's
    /// contents (a new ETag; the folders above learn of the change).
    pub(crate) async fn refresh_rendition(&self, tenant: TenantId, node: NodeId) -> AppResult<Node> {
        let n = self.store.read().await?.node(tenant, node).await?.ok_or(AppError::NotFound("document"))?;
        let doc = self.loaded(tenant, node).await?;
        let holder = tavle_store::document_images::ImageHolder::Document(node);
        let odt = self.render_doc(tenant, holder, &doc, &n.name, Format::Odt).await?;
        let written = self.content.intake_bytes(tenant, odt.bytes).await?;
        let now = self.clock.now().millis();
        let result = async {
            let mut tx = self.store.write().await?;
            let blob = record_blob(&mut tx, tenant, &written, now).await?;
            // Re-read inside the transaction: a rename meanwhile is kept.
            let mut n = tx.node(tenant, node).await?.ok_or(AppError::NotFound("document"))?;
            let grew = blob.size - n.size;
            n.blob_id = Some(blob.id);
            n.size = blob.size;
            n.sha256 = Some(blob.sha256.clone());
            n.etag = new_etag();
            n.modified_at = now;
            tx.update_node(&n).await?;
            // A document's file form counts in the drive's use, never refused for it.
            tx.charge_space(tenant, n.space_id, grew, i64::MAX / 4).await?;
            if let Some(parent) = n.parent_id {
                tx.touch_folders(tenant, parent, &new_etag()).await?;
            }
            tx.commit().await?;
            Ok::<_, AppError>(n)
        }
        .await;
        self.content.settle(&written, result.as_ref().ok().and_then(|n| n.blob_id)).await;
        result
    }

    /// The document's file form, to be read as `<name>.odt` (made now if it has none yet).
    /// Reading another person's document is recorded as a read of their work.
    pub async fn rendition(&self, s: &Session, node: NodeId, meta: &RequestMeta) -> AppResult<Download> {
        let r = self.reached(s, node).await?;
        self.access.audit_read(&s.actor, &r, "document.read", meta).await?;
        let mut n = r.node().clone();
        if n.blob_id.is_none() {
            n = self.refresh_rendition(s.actor.tenant_id, node).await?;
        }
        let blob = n.blob_id.ok_or(AppError::NotFound("document"))?;
        Ok(self.content.download_blob(
            n.client_name().into_owned(),
            n.size,
            n.etag.clone(),
            n.modified_at,
            n.sha256.clone(),
            BlobKey { tenant: n.tenant_id, blob },
        ))
    }

    /// Replaces a document's content with an uploaded ODT or DOCX (a sync client saving the
    /// `.odt` it was given), as one change; `if_match` is the ETag the client last saw. Returns
    /// the node with its new rendition, and what of the file could not be converted.
    pub async fn put_file(
        &self,
        s: &Session,
        node: NodeId,
        bytes: &[u8],
        if_match: Option<&str>,
        meta: &RequestMeta,
    ) -> AppResult<(Node, Vec<String>)> {
        let (tenant, person) = (s.actor.tenant_id, s.actor.person_id);
        let r = self.reached(s, node).await?;
        r.require(Access::Edit)?;
        if if_match.is_some_and(|m| m != "*" && m != r.node().etag) {
            return Err(AppError::PreconditionFailed);
        }
        let (content, pictures) = convert::read(bytes)?;
        // The pictures first, so the document may show them once it names them.
        self.keep_files((tenant, person), node, pictures).await?;
        self.replace_live(tenant, node, person, &build::write(&content)).await?;
        let n = self.store.read().await?.node(tenant, node).await?.ok_or(AppError::NotFound("document"))?;
        let mut tx = self.store.write().await?;
        let detail = json!({ "size": bytes.len(), "not_converted": content.unknown });
        tx.append_audit(&event(&s.actor, self.clock.now(), "document.put_file", node, meta, detail)).await?;
        tx.commit().await?;
        Ok((n, content.unknown))
    }
}
