//! Tavle documents (docs/design/documents.md): a drive node of kind `document` whose contents
//! are a Yjs document, written in the browser by several people at once.
//!
//! This service makes documents, opens them for editing (`open`: a [`room::Editor`] joined to
//! the document's [`room::Room`]), records every accepted change by group commit (`batch.rs`)
//! before it is acknowledged, compacts the stored form, and keeps versions (`versions.rs`). It
//! depends on access (who reaches the node) and content (versions are blobs), never on the
//! drive or assignments.
//!
//! Every server-side `yrs::Doc` is made by [`new_doc`], with UTF-16 offsets: Yjs in the
//! browser counts text in UTF-16 code units, and a document counting UTF-8 bytes misplaces
//! text after a Danish letter or panics inside one.

mod build;
mod comments;
mod convert;
mod docx;
pub mod editor;
mod handed;
mod images;
mod model;
mod odt;
mod pdf;
mod pdf_draw;
mod pdf_font;
mod pdf_image;
mod pictures;
mod read_common;
mod read_docx;
mod read_odt;
mod rendition;
pub mod room;
mod versions;
mod xml_tree;

use std::sync::Arc;

use tavle_core::drive::{file_name, Access, Node, NodeKind};
use tavle_core::{NodeId, PersonId, TenantId};
use tavle_store::document_images::ImageHolder;
use tavle_store::documents::FeedEvent;
use tavle_store::Tx;
use yrs::updates::decoder::Decode;
use yrs::{Doc, OffsetKind, Options, ReadTxn, StateVector, Transact, Update};

use crate::access::{AccessControl, Reached};
use crate::audit::RequestMeta;
use crate::batch::{Batcher, BatcherOf, Record};
use crate::caller::Session;
use crate::content::{new_etag, new_folder, Content};
use crate::error::{conflict, AppError, AppResult, Conflict};
use crate::{service, Base};

pub use comments::NewComment;
pub(crate) use comments::WorkOf;
pub use convert::Converted;
pub use editor::Editor;
pub(crate) use handed::state_of;
pub use handed::{is_own_form, OWN_FORM_EXTENSION};
pub use images::{AddedPicture, MAX_PICTURES};
pub use rendition::MAX_PUT;
pub use room::Outbound;

/// The largest single update an editor may send (a pasted chapter with images is far less:
/// images are blobs, referred to by id).
pub const MAX_UPDATE_BYTES: usize = 1 << 20;

/// Compaction folds the updates into the snapshot when a document has more than this many
/// updates stored after its snapshot …
const COMPACT_AFTER_UPDATES: usize = 500;
/// … or more than this many bytes of them.
const COMPACT_AFTER_BYTES: usize = 1 << 20;

/// A new, empty Yjs document with UTF-16 offsets, as Yjs counts them. The only way this crate
/// makes a `Doc`.
pub fn new_doc() -> Doc {
    Doc::with_options(Options { offset_kind: OffsetKind::Utf16, ..Options::default() })
}

/// Applies one encoded update to `doc`, refusing one that does not decode or apply; a panic
/// inside the CRDT is caught and refused the same way (the caller then drops the `Doc`,
/// whose state it can no longer trust).
pub(crate) fn apply(doc: &Doc, data: &[u8]) -> Result<(), ApplyError> {
    apply_update(doc, Update::decode_v1(data).map_err(|_| ApplyError::Refused)?)
}

/// As [`apply`], for an update decoded already.
pub(crate) fn apply_update(doc: &Doc, update: Update) -> Result<(), ApplyError> {
    let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.transact_mut().apply_update(update)));
    match applied {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(ApplyError::Refused),
        Err(_) => Err(ApplyError::Panicked),
    }
}

/// Why an update was not applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ApplyError {
    /// It does not decode or does not apply; the document is unchanged.
    Refused,
    /// The CRDT panicked applying it; the document in memory may be damaged.
    Panicked,
}

/// A document's whole state as one update (what a snapshot stores).
pub(crate) fn encode_state(doc: &Doc) -> Vec<u8> {
    doc.transact().encode_state_as_update_v1(&StateVector::default())
}

/// A document loaded from its stored form: the snapshot, then every update still stored.
/// A stored update that does not apply (none should: each was applied before it was stored)
/// is logged and skipped rather than making the document unreadable.
pub(crate) fn load(node: NodeId, stored: &tavle_store::documents::StoredDocument) -> AppResult<Doc> {
    let doc = new_doc();
    if !stored.snapshot.is_empty() && apply(&doc, &stored.snapshot).is_err() {
        return Err(AppError::Internal(format!("the snapshot of document {node} does not load")));
    }
    for (id, data) in &stored.updates {
        if apply(&doc, data).is_err() {
            tracing::error!(%node, update = id, "a stored document update does not apply; skipped");
        }
    }
    Ok(doc)
}

/// Documents: making them, editing them together, storing their changes.
#[derive(Clone)]
pub struct Documents {
    base: Arc<Base>,
    access: AccessControl,
    content: Content,
    rooms: Arc<room::Rooms>,
    batcher: Arc<Batcher<DocUpdate>>,
}

service!(Documents);

impl BatcherOf<DocUpdate> for Documents {
    fn batcher(&self) -> &Arc<Batcher<DocUpdate>> {
        &self.batcher
    }
}

impl Documents {
    pub(crate) fn new(base: Arc<Base>, access: AccessControl, content: Content) -> Self {
        Documents { base, access, content, rooms: Arc::default(), batcher: Arc::default() }
    }

    /// Makes an empty document in a folder the caller may add to; a file or folder of that
    /// name already there is a conflict.
    pub async fn create(&self, s: &Session, parent: NodeId, name: &str) -> AppResult<Node> {
        let a = &s.actor;
        let name = file_name(name)?;
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        // A file `<name>.odt` there is refused too: WebDAV shows the document by that name.
        let p = self.access.place_for(&mut tx, a, parent, &name, NodeKind::Document).await?;
        let snapshot = encode_state(&new_doc());
        // A node like a new folder's, of the document's kind.
        let folder = new_folder(p.space(), NodeId::new(), Some(parent), name, Some(a.person_id), now);
        let node = Node { kind: NodeKind::Document, ..folder };
        tx.insert_node(&node).await.map_err(|e| conflict(e, &node.name))?;
        tx.insert_document(a.tenant_id, node.id, &snapshot, now).await?;
        tx.touch_folders(a.tenant_id, parent, &new_etag()).await?;
        tx.commit().await?;
        self.refresh_rendition(a.tenant_id, node.id).await
    }

    /// Opens a document for the caller: View to read it and see the others' cursors, Edit to
    /// change it. The editor is joined to the document's room (loaded from the store if no
    /// one on this node has it open).
    /// Opening a document in another person's own drive is recorded as a read of their work.
    pub async fn open(&self, s: &Session, node: NodeId, meta: &RequestMeta) -> AppResult<Editor> {
        let r = self.reached(s, node).await?;
        self.access.audit_read(&s.actor, &r, "document.open", meta).await?;
        let writable = r.access() >= Access::Edit;
        // The name others see on this person's cursor is the school's, whatever the browser says.
        let person = self.store.read().await?.person(s.actor.tenant_id, s.actor.person_id).await?;
        let name = person.map(|p| p.display_name).unwrap_or_default();
        let (room, id, rx) = self.rooms.open(self, s.actor.tenant_id, node, s.actor.person_id).await?;
        Ok(editor::Editor::join(self.clone(), room, id, rx, s.actor.person_id, name, writable))
    }

    /// Checks again whether `s` may still have `editor`'s document open, and how: after a
    /// change of shares, memberships or sessions. An editor who may no longer see it is
    /// closed with the reason; one who may now only read is made read-only. Returns how long
    /// until the person's access may change by the clock alone (an exam of theirs begins or
    /// ends, the assignment whose working folder holds the document closes), if within the
    /// next day: the socket checks again then.
    pub async fn recheck(&self, s: &Session, editor: &Editor) -> AppResult<Option<std::time::Duration>> {
        if s.actor.person_id != editor.person() || s.actor.tenant_id != editor.tenant() {
            return Err(AppError::Forbidden);
        }
        let r = self.reached(s, editor.node()).await?;
        editor.set_writable(r.access() >= Access::Edit);
        let now = self.clock.now().millis();
        let exam = self.access.next_exam_change(&s.actor).await?;
        let close = self.access.next_work_close(&s.actor, r.path()).await?;
        let next = exam.into_iter().chain(close).min().filter(|t| t.millis() - now <= 86_400_000);
        Ok(next.map(|t| {
            // A moment after the boundary, so the check sees the exam begun.
            std::time::Duration::from_millis(u64::try_from(t.millis() - now).unwrap_or(0) + 50)
        }))
    }

    /// Refuses what `open` would refuse, without joining the room (an address that was not
    /// asked for as a WebSocket is answered as the socket would be, then told to be one).
    pub async fn may_open(&self, s: &Session, node: NodeId) -> AppResult<()> {
        self.reached(s, node).await.map(|_| ())
    }

    /// The document as the caller reaches it (at least to read).
    async fn reached(&self, s: &Session, node: NodeId) -> AppResult<Reached> {
        let mut conn = self.store.read().await?;
        let r = self.access.reach(&mut conn, &s.actor, node, false).await?;
        if r.node().kind != NodeKind::Document {
            return Err(Conflict::NotADocument.into());
        }
        r.require(Access::View)?;
        Ok(r)
    }

    /// The text of a document's stored state, as plain text (paragraphs on lines): what the
    /// tests and the crash test compare.
    pub async fn plain_text(&self, s: &Session, node: NodeId, meta: &RequestMeta) -> AppResult<String> {
        let r = self.reached(s, node).await?;
        self.access.audit_read(&s.actor, &r, "document.read", meta).await?;
        Ok(model::read(&self.loaded(s.actor.tenant_id, node).await?).plain_text())
    }

    /// A document as a file in an open format, as stored (what has been saved), named after
    /// the document. Exporting another person's document is recorded as a read of their work.
    pub async fn export(&self, s: &Session, node: NodeId, format: Format, meta: &RequestMeta) -> AppResult<Exported> {
        let r = self.reached(s, node).await?;
        self.access.audit_read(&s.actor, &r, "document.export", meta).await?;
        let doc = self.loaded(s.actor.tenant_id, node).await?;
        self.render_doc(s.actor.tenant_id, ImageHolder::Document(node), &doc, &r.node().name, format).await
    }

    /// A Yjs document written in `format`: its own form as it is, any other through the model
    /// with the pictures `holder` may show.
    async fn render_doc(
        &self,
        tenant: TenantId,
        holder: ImageHolder,
        doc: &Doc,
        title: &str,
        format: Format,
    ) -> AppResult<Exported> {
        if format == Format::OwnForm {
            let name = format!("{title}.{}", format.extension());
            return Ok(Exported { name, bytes: handed::own_form(doc), unknown: Vec::new() });
        }
        let content = model::read(doc);
        let pictures = self.pictures(tenant, holder, &content).await?;
        self.render(&content, title, format, &pictures)
    }

    /// A document's content written in `format`, as a file named `title`, with `pictures`; a
    /// picture it names that is not among them is left out and named in `unknown`.
    fn render(
        &self,
        content: &tavle_core::document::Document,
        title: &str,
        format: Format,
        pictures: &pictures::Pictures,
    ) -> AppResult<Exported> {
        let lang = "da";
        let mut unknown = content.unknown.clone();
        let missing = content.image_hashes().into_iter().filter(|h| !pictures.contains_key(h)).count();
        if missing > 0 {
            unknown.push(format!("{missing} picture(s) the document may not show"));
        }
        let bytes = match format {
            Format::Odt => odt::write(content, title, lang, pictures)?,
            Format::Docx => docx::write(content, title, lang, pictures)?,
            Format::Pdf => {
                let (bytes, lost) = pdf::write(content, title, lang, pictures)?;
                unknown.extend(lost.into_iter().map(|c| format!("character {c}")));
                bytes
            }
            // The model holds no Yjs state to write; `render_doc` writes it.
            Format::OwnForm => return Err(AppError::Internal("the own form is written from the document".into())),
        };
        Ok(Exported { name: format!("{title}.{}", format.extension()), bytes, unknown })
    }

    /// A document as stored, loaded.
    async fn loaded(&self, tenant: TenantId, node: NodeId) -> AppResult<Doc> {
        load(node, &self.stored(tenant, node).await?)
    }

    async fn stored(&self, tenant: TenantId, node: NodeId) -> AppResult<tavle_store::documents::StoredDocument> {
        let mut conn = self.store.read().await?;
        conn.document_state(tenant, node).await?.ok_or(AppError::NotFound("document"))
    }

    /// Folds a document's stored updates into a new snapshot, in one transaction, deleting
    /// exactly the updates it read (one committed meanwhile by another node stays).
    pub(crate) async fn compact(&self, tenant: TenantId, node: NodeId) -> AppResult<()> {
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        let Some(stored) = tx.document_state(tenant, node).await? else {
            return Ok(());
        };
        if stored.updates.is_empty() {
            return Ok(());
        }
        let doc = load(node, &stored)?;
        let snapshot = encode_state(&doc);
        let folded: Vec<i64> = stored.updates.iter().map(|(id, _)| *id).collect();
        tx.compact_document(tenant, node, &snapshot, &folded, now).await?;
        tx.commit().await?;
        tracing::debug!(%node, folded = folded.len(), bytes = snapshot.len(), "document compacted");
        Ok(())
    }

    /// Whether a document with this much stored after its snapshot should be compacted.
    pub(crate) fn needs_compaction(updates: usize, bytes: usize) -> bool {
        updates > COMPACT_AFTER_UPDATES || bytes > COMPACT_AFTER_BYTES
    }

    /// Applies what other nodes record to the documents open here, until the database
    /// cannot be reached (the caller starts it again). Returns at once on SQLite, which is
    /// one node. Updates travel as PostgreSQL notices naming the stored row; a lost listening
    /// connection (notices in between are lost) makes every open document read its stored
    /// updates again, which CRDT updates make harmless to repeat.
    pub async fn follow_other_nodes(&self) -> AppResult<()> {
        let Some(mut feed) = self.store.document_feed().await? else {
            return Ok(());
        };
        // Whatever was recorded before the feed began listening.
        self.catch_up().await;
        loop {
            match feed.next().await? {
                FeedEvent::Update { origin, tenant, node, id } => {
                    if origin == self.instance {
                        continue;
                    }
                    let Some(room) = self.rooms.get(tenant, node) else { continue };
                    let data = self.store.read().await?.document_update(tenant, node, id).await?;
                    match data {
                        Some(data) => room.apply_remote(&data),
                        // Folded into the snapshot already: read the document afresh.
                        None => self.reload_into(&room).await,
                    }
                }
                FeedEvent::Awareness { origin, tenant, node, message } => {
                    use base64::Engine;
                    if origin == self.instance {
                        continue;
                    }
                    let (Some(room), Ok(message)) = (
                        self.rooms.get(tenant, node),
                        base64::engine::general_purpose::STANDARD.decode(message.as_bytes()),
                    ) else {
                        continue;
                    };
                    room.apply_remote_awareness(&message);
                }
                FeedEvent::Comments { origin, tenant, node } => {
                    if origin != self.instance {
                        if let Some(room) = self.rooms.get(tenant, node) {
                            room.tell_all(editor::comments_changed());
                        }
                    }
                }
                FeedEvent::Access { origin } => {
                    if origin != self.instance {
                        self.access_changed_here();
                    }
                }
                FeedEvent::Gap => {
                    // A share removed meanwhile on another node was not heard of either.
                    self.access_changed_here();
                    self.catch_up().await;
                }
            }
        }
    }

    /// Tells the other nodes about cursors in a document (PostgreSQL; in the background, so
    /// a keystroke never waits for it). A message too large for a notice is not sent.
    pub(crate) fn announce_awareness(&self, tenant: TenantId, node: NodeId, message: &[u8]) {
        use base64::Engine;
        let what = format!("a:{}", base64::engine::general_purpose::STANDARD.encode(message));
        if what.len() <= 7_000 {
            self.announce(tenant, node, what);
        }
    }

    /// Tells the other nodes something of a document that is not stored.
    pub(crate) fn announce(&self, tenant: TenantId, node: NodeId, what: String) {
        if self.store.backend() != tavle_store::Backend::Postgres {
            return;
        }
        let docs = self.clone();
        tokio::spawn(async move {
            let r = async {
                let mut conn = docs.store.read().await?;
                conn.announce_document_signal(docs.store.backend(), &docs.instance, tenant, node, &what).await?;
                Ok::<_, AppError>(())
            }
            .await;
            if let Err(e) = r {
                tracing::warn!(error = %e, %node, "telling the other nodes about a document failed");
            }
        });
    }

    /// Brings every open document up to what is stored.
    async fn catch_up(&self) {
        for room in self.rooms.all() {
            self.reload_into(&room).await;
        }
    }

    /// Applies the stored state to an open document, as one update (what the room lacks
    /// goes out to everyone in it at once).
    async fn reload_into(&self, room: &Arc<room::Room>) {
        let (tenant, node) = room.key();
        match self.loaded(tenant, node).await {
            Ok(doc) => room.apply_remote(&encode_state(&doc)),
            Err(e) => tracing::warn!(error = %e, %node, "reading a document from the store failed"),
        }
    }

    /// How many documents this node has open (rooms in memory).
    pub fn open_rooms(&self) -> usize {
        self.rooms.len()
    }
}

/// Opens an office file as the server does and writes what it read in every format, without a
/// database: for the fuzz targets in `fuzz/` (`docs/fuzzing.md`). The bytes written, or 0
/// when the file was refused.
#[doc(hidden)]
pub fn office_file_for_fuzzing(bytes: &[u8]) -> usize {
    let Ok((content, files)) = convert::read(bytes) else { return 0 };
    let content = model::read(&build::write(&content));
    let pictures: pictures::Pictures = files
        .into_iter()
        .filter_map(|(sha, bytes)| {
            let info = tavle_core::picture::sniff(&bytes).ok()?;
            Some((sha, pictures::Picture { bytes, info }))
        })
        .collect();
    let odt = odt::write(&content, "x", "da", &pictures).map_or(0, |b| b.len());
    let docx = docx::write(&content, "x", "da", &pictures).map_or(0, |b| b.len());
    let pdf = pdf::write(&content, "x", "da", &pictures).map_or(0, |(b, _)| b.len());
    odt + docx + pdf
}

/// Takes a file as a picture as the server does and readies it for a PDF (a PNG decoded):
/// for the fuzz targets. Whether it was taken.
#[doc(hidden)]
pub fn picture_for_fuzzing(bytes: &[u8]) -> bool {
    let Ok(info) = tavle_core::picture::sniff(bytes) else { return false };
    pdf_image::PdfImage::of(&pictures::Picture { bytes: bytes.to_vec(), info }).is_some()
}

/// A zip of text files and pictures (ODT and DOCX are both): `first`, if given, uncompressed
/// at the start (ODT's `mimetype`), the text deflated, the pictures (compressed already)
/// stored. `what` names the format in an error.
fn zipped(
    what: &str,
    first: Option<(&str, &str)>,
    files: &[(&str, String)],
    pictures: &[(String, &[u8])],
) -> AppResult<Vec<u8>> {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    use zip::CompressionMethod::{Deflated, Stored};
    let fail = |e: &dyn std::fmt::Display| AppError::Internal(format!("writing {what}: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = first.map(|(name, text)| (name, text, Stored));
    let rest = files.iter().map(|(name, text)| (*name, text.as_bytes(), Deflated));
    let pics = pictures.iter().map(|(name, bytes)| (name.as_str(), *bytes, Stored));
    for (name, bytes, method) in stored.map(|(n, t, m)| (n, t.as_bytes(), m)).into_iter().chain(rest).chain(pics) {
        zip.start_file(name, SimpleFileOptions::default().compression_method(method)).map_err(|e| fail(&e))?;
        zip.write_all(bytes).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}

/// An open format a document is exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// OpenDocument Text.
    Odt,
    /// Office Open XML (Word).
    Docx,
    /// PDF, for printing and reading anywhere.
    Pdf,
    /// Tavle's own form (`.tavledoc`: `TAVLEDOC 1` and the whole Yjs state), which the editor
    /// opens read-only and another Tavle imports whole.
    OwnForm,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "odt" => Some(Format::Odt),
            "docx" => Some(Format::Docx),
            "pdf" => Some(Format::Pdf),
            "tavledoc" => Some(Format::OwnForm),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Odt => "odt",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::OwnForm => "tavledoc",
        }
    }
}

/// A document exported to a file.
#[derive(Clone, Debug)]
pub struct Exported {
    /// The file's name: the document's, with the format's extension.
    pub name: String,
    pub bytes: Vec<u8>,
    /// What the document holds that the format was not given (node or mark names).
    pub unknown: Vec<String>,
}

/// One accepted change of a document, recorded in a batch with others.
pub(crate) struct DocUpdate {
    pub tenant: TenantId,
    pub node: NodeId,
    pub by: PersonId,
    pub data: Vec<u8>,
}

impl Record for DocUpdate {
    type Out = i64;
    type By = Documents;
    const WHAT: &'static str = "document changes";

    async fn record(&self, by: &Documents, tx: &mut Tx) -> AppResult<i64> {
        let at = by.clock.now().millis();
        let id = tx.append_document_update(self.tenant, self.node, &self.data, self.by, at).await?;
        tx.announce_document_update(by.store.backend(), &by.instance, self.tenant, self.node, id).await?;
        Ok(id)
    }
}
