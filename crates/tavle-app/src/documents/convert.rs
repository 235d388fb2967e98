//! Opening an uploaded Word (DOCX) or OpenDocument (ODT) file as a Tavle document: the file is
//! read into the document model (`read_docx.rs`, `read_odt.rs`), written into a new Yjs
//! document (`build.rs`) beside it in the same folder, and what could not be converted is
//! said. The file itself stays as it was.

use serde_json::json;
use tavle_core::document::Document;
use tavle_core::drive::{file_name, name_key, Access, Node, NodeKind, DOCUMENT_FILE_EXTENSION};
use tavle_core::NodeId;

use super::read_common::PictureFiles;
use super::{build, encode_state, read_docx, read_odt, Documents};
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::content::{new_etag, new_folder};
use crate::error::{conflict, AppError, AppResult};
use crate::Conflict;

/// The largest file converted.
const MAX_CONVERTED: u64 = 64 << 20;

/// A file opened as a document: the new document, and what of the file it does not hold.
#[derive(Clone, Debug)]
pub struct Converted {
    pub node: Node,
    /// What could not be converted (e.g. `image`, `footnote`, an element's name).
    pub not_converted: Vec<String>,
}

/// The office formats a file can be converted from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Office {
    Docx,
    Odt,
}

impl Documents {
    /// Opens a DOCX or ODT file as a new Tavle document in the same folder, named after the
    /// file (numbered when the name is taken), for whoever may read the file and add to the
    /// folder.
    pub async fn convert(&self, s: &Session, file: NodeId, meta: &RequestMeta) -> AppResult<Converted> {
        let a = &s.actor;
        let r = {
            let mut conn = self.store.read().await?;
            self.access.reach(&mut conn, a, file, false).await?
        };
        r.require(Access::View)?;
        let node = r.node().clone();
        if node.kind != NodeKind::File {
            return Err(Conflict::NotAFile.into());
        }
        let parent = node.parent_id.ok_or(AppError::NotFound("folder"))?;
        let bytes = self.content.download(&node)?.bytes("A file to open as a document", MAX_CONVERTED).await?;
        let (content, pictures) = read(&bytes)?;
        let snapshot = encode_state(&build::write(&content));

        let stem = node.name.rsplit_once('.').map_or(node.name.as_str(), |(stem, _)| stem);
        let base = file_name(stem).unwrap_or_else(|_| "Dokument".to_string());
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let mut name = base.clone();
        // Free as a name and as a file form's name (`<name>.odt`, which WebDAV shows).
        for n in 2..1000 {
            let file_form = format!("{name}.{DOCUMENT_FILE_EXTENSION}");
            if tx.child(a.tenant_id, parent, &name_key(&name)).await?.is_none()
                && tx.child(a.tenant_id, parent, &name_key(&file_form)).await?.is_none()
            {
                break;
            }
            name = format!("{base} ({n})");
        }
        let p = self.access.place_for(&mut tx, a, parent, &name, NodeKind::Document).await?;
        let blank = new_folder(p.space(), NodeId::new(), Some(parent), name, Some(a.person_id), now.millis());
        let doc = Node { kind: NodeKind::Document, ..blank };
        tx.insert_node(&doc).await.map_err(|e| conflict(e, &doc.name))?;
        tx.insert_document(a.tenant_id, doc.id, &snapshot, now.millis()).await?;
        tx.touch_folders(a.tenant_id, parent, &new_etag()).await?;
        let detail = json!({ "file": file.to_string(), "name": doc.name, "not_converted": content.unknown });
        tx.append_audit(&event(a, now, "document.convert", doc.id, meta, detail)).await?;
        tx.commit().await?;
        self.keep_files((a.tenant_id, a.person_id), doc.id, pictures).await?;
        let node = self.refresh_rendition(a.tenant_id, doc.id).await?;
        Ok(Converted { node, not_converted: content.unknown })
    }
}

/// The document model of a DOCX or ODT file's bytes, told apart by what the zip holds.
pub(crate) fn read(bytes: &[u8]) -> AppResult<(Document, PictureFiles)> {
    let refuse = |why: String| {
        AppError::Conflict(Conflict::NotConvertible(format!(
            "Tavle could not read the file as a Word (DOCX) or OpenDocument (ODT) text: {why}"
        )))
    };
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| refuse(e.to_string()))?;
    let names: Vec<&str> = zip.file_names().collect();
    let kind = if names.contains(&"word/document.xml") {
        Office::Docx
    } else if names.contains(&"content.xml") {
        Office::Odt
    } else {
        return Err(refuse("it is neither".into()));
    };
    match kind {
        Office::Docx => read_docx::read(bytes),
        Office::Odt => read_odt::read(bytes),
    }
    .map_err(refuse)
}
