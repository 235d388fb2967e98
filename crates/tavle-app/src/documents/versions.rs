//! A document's history: versions kept as the drive keeps a file's (a blob of the document's
//! whole Yjs state in `file_version`), cut automatically while people edit (at most every
//! [`VERSION_EVERY_MS`]) and on demand with a name; read as ODT or DOCX; restored as one change
//! that everyone in the document sees, after the current state was kept as a version itself.

use tavle_blob::BlobKey;
use tavle_core::drive::{Access, Version};
use tavle_core::{NodeId, PersonId, TenantId, VersionId};
use yrs::types::text::Diff;
use yrs::{Any, Doc, Out, ReadTxn, Text, Transact, Xml, XmlElementPrelim, XmlFragment, XmlOut, XmlTextPrelim};

use super::{encode_state, load, DocUpdate, Documents, Exported, Format};
use crate::audit::{event, RequestMeta};
use crate::batch::Batcher;
use crate::caller::Session;
use crate::content::record_blob;
use crate::error::{AppError, AppResult};

/// While people edit, a version is kept at most this often (milliseconds).
pub(crate) const VERSION_EVERY_MS: i64 = 5 * 60 * 1000;

/// The longest name a version may be given, in characters.
const MAX_LABEL: usize = 100;

impl Documents {
    /// Keeps the document as it is stored now as a version named `label`.
    pub async fn name_version(&self, s: &Session, node: NodeId, label: &str, meta: &RequestMeta) -> AppResult<Version> {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > MAX_LABEL || label.chars().any(char::is_control) {
            return Err(tavle_core::InvalidInput::new(
                "name",
                tavle_core::Reason::BadFormat,
                format!("Give the version a name of 1 to {MAX_LABEL} characters, on one line."),
            )
            .into());
        }
        let r = self.reached(s, node).await?;
        r.require(Access::Edit)?;
        let v = self.cut_version(s.actor.tenant_id, node, Some(s.actor.person_id), Some(label.to_string())).await?;
        let mut tx = self.store.write().await?;
        let detail = serde_json::json!({ "node": node.to_string(), "label": label });
        tx.append_audit(&event(&s.actor, self.clock.now(), "document.version_name", v.id, meta, detail)).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Keeps the document's stored state as a version (a blob of its whole Yjs state).
    pub(crate) async fn cut_version(
        &self,
        tenant: TenantId,
        node: NodeId,
        by: Option<PersonId>,
        label: Option<String>,
    ) -> AppResult<Version> {
        let state = encode_state(&self.loaded(tenant, node).await?);
        let written = self.content.intake_bytes(tenant, state).await?;
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        let blob = record_blob(&mut tx, tenant, &written, now).await;
        let blob = match blob {
            Ok(b) => b,
            Err(e) => {
                self.content.settle(&written, None).await;
                return Err(e);
            }
        };
        let version = Version {
            id: VersionId::new(),
            tenant_id: tenant,
            node_id: node,
            blob_id: blob.id,
            size: blob.size,
            sha256: blob.sha256.clone(),
            modified_at: now,
            modified_by: by,
            replaced_at: now,
            label,
        };
        tx.insert_version(&version).await?;
        // Versions kept automatically beyond the drive's limit go, oldest first; named ones stay.
        let unnamed: Vec<Version> =
            tx.versions(tenant, node).await?.into_iter().filter(|v| v.label.is_none()).collect();
        for old in unnamed.iter().skip(self.cfg.drive.max_versions) {
            tx.delete_version(tenant, old.id).await?;
        }
        tx.commit().await?;
        self.content.settle(&written, Some(blob.id)).await;
        Ok(version)
    }

    /// A version of a document as a file in an open format (viewing an older version).
    pub async fn version_export(
        &self,
        s: &Session,
        node: NodeId,
        version: VersionId,
        format: Format,
        meta: &RequestMeta,
    ) -> AppResult<Exported> {
        let r = self.reached(s, node).await?;
        let v = self.version_of(s.actor.tenant_id, node, version).await?;
        self.access.audit_read(&s.actor, &r, "document.version_export", meta).await?;
        let doc = self.version_doc(&v).await?;
        let title = match &v.label {
            Some(l) => format!("{} ({l})", r.node().name),
            None => r.node().name.clone(),
        };
        let holder = tavle_store::document_images::ImageHolder::Document(node);
        self.render_doc(s.actor.tenant_id, holder, &doc, &title, format).await
    }

    /// Makes a version the document's content again, as one change everyone in it sees. The
    /// current state is kept as a version first, so nothing is lost.
    pub async fn restore_version(
        &self,
        s: &Session,
        node: NodeId,
        version: VersionId,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        let (tenant, person) = (s.actor.tenant_id, s.actor.person_id);
        let r = self.reached(s, node).await?;
        r.require(Access::Edit)?;
        let v = self.version_of(tenant, node, version).await?;
        let old = self.version_doc(&v).await?;
        self.replace_live(tenant, node, person, &old).await?;
        let mut tx = self.store.write().await?;
        let detail = serde_json::json!({ "node": node.to_string(), "version": version.to_string() });
        tx.append_audit(&event(&s.actor, self.clock.now(), "document.version_restore", node, meta, detail)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a document's content with `with`'s as one change, recorded by group commit and
    /// passed to everyone in its room; the state before is kept as a version, and the file form
    /// is made again.
    pub(crate) async fn replace_live(
        &self,
        tenant: TenantId,
        node: NodeId,
        person: PersonId,
        with: &Doc,
    ) -> AppResult<()> {
        self.cut_version(tenant, node, Some(person), None).await?;
        let live = self.loaded(tenant, node).await?;
        let before = live.transact().state_vector();
        replace_content(&live, with);
        let data = live.transact().encode_state_as_update_v1(&before);
        Batcher::submit(self, DocUpdate { tenant, node, by: person, data: data.clone() }).await?;
        if let Some(room) = self.rooms.get(tenant, node) {
            room.apply_remote(&data);
        }
        self.refresh_rendition(tenant, node).await?;
        Ok(())
    }

    async fn version_of(&self, tenant: TenantId, node: NodeId, version: VersionId) -> AppResult<Version> {
        let v = self.store.read().await?.version(tenant, version).await?;
        v.filter(|v| v.node_id == node).ok_or(AppError::NotFound("version"))
    }

    /// The Yjs document a version holds.
    async fn version_doc(&self, v: &Version) -> AppResult<Doc> {
        let dl = self.content.download_blob(
            String::new(),
            v.size,
            v.id.to_string(),
            v.modified_at,
            Some(v.sha256.clone()),
            BlobKey { tenant: v.tenant_id, blob: v.blob_id },
        );
        let state = dl.bytes("A version of a document", u64::MAX).await?;
        let stored = tavle_store::documents::StoredDocument { snapshot: state, updates: Vec::new() };
        load(v.node_id, &stored)
    }
}

/// Replaces everything in `live`'s content with a copy of `old`'s, in one transaction.
fn replace_content(live: &Doc, old: &Doc) {
    let target = live.get_or_insert_xml_fragment("default");
    let source = old.get_or_insert_xml_fragment("default");
    let from = old.transact();
    let mut txn = live.transact_mut();
    let n = target.len(&txn);
    target.remove_range(&mut txn, 0, n);
    for (i, child) in source.children(&from).enumerate() {
        copy(&from, &mut txn, &target, u32::try_from(i).unwrap_or(u32::MAX), child);
    }
}

/// Copies one node of another document (its tag, attributes, text with its marks, children)
/// into `parent` at `index`.
fn copy<F: ReadTxn, P: XmlFragment>(from: &F, txn: &mut yrs::TransactionMut, parent: &P, index: u32, node: XmlOut) {
    match node {
        XmlOut::Element(e) => {
            let new = parent.insert(txn, index, XmlElementPrelim::empty(e.tag().clone()));
            for (name, value) in e.attributes(from) {
                if let Out::Any(any) = value {
                    new.insert_attribute(txn, name, any);
                }
            }
            for (i, child) in e.children(from).enumerate() {
                copy(from, txn, &new, u32::try_from(i).unwrap_or(u32::MAX), child);
            }
        }
        XmlOut::Text(t) => {
            let new = parent.insert(txn, index, XmlTextPrelim::new(""));
            let mut at = 0u32;
            let chunks: Vec<Diff<()>> = t.diff(from, |_| ());
            for chunk in chunks {
                let Out::Any(Any::String(s)) = chunk.insert else { continue };
                let attrs = chunk.attributes.map(|a| *a).unwrap_or_default();
                new.insert_with_attributes(txn, at, &s, attrs);
                at += u32::try_from(s.encode_utf16().count()).unwrap_or(0);
            }
        }
        XmlOut::Fragment(_) => {}
    }
}
