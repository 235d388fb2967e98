//! What goes out with an assignment: who it is for, the files handed out (attachments and a
//! template, frozen from the teacher's drive) and each pupil's or team's working folder.
//!
//! Decisions:
//! - Files handed out point at blobs, like a hand-in's: the teacher editing the original
//!   later changes nothing that was handed out, and nothing is copied.
//! - A Tavle document handed out is frozen too: as a template, its own form (`.tavledoc`),
//!   from which each working folder gets a live document of the pupil's (or team's) own; as
//!   an attachment, its PDF.
//! - A working folder is made at the pupil's first opening of the assignment after it opened
//!   for them, in their own drive under `Opgaver/<title>`, with the template in it (a new file
//!   pointing at the template's blob: no bytes copied, counted in the pupil's quota). An
//!   exam's template is thereby staged before the start and invisible until it.
//! - A team's working folder is made in the drive of the first of them to open it and shared
//!   (edit) with the rest of the team; one hand-in counts for the whole team.
//! - During a closed exam the lock lets the pupil's working folder of that exam through
//!   (`in_exam_work`), and nothing else of the drive.

use crate::Conflict;
use serde_json::json;
use tavle_blob::BlobKey;
use tavle_core::assignments::Audience;
use tavle_core::drive::{file_name, name_key, Access, Grantee, NodeKind};
use tavle_core::drive::{Node, Share};
use tavle_core::org::MemberRole;
use tavle_core::policy::Actor;
use tavle_core::{AssignmentId, NodeId, PersonId};
use tavle_store::document_images::ImageHolder;
use tavle_store::handouts::WorkRow;

use super::handed_documents::MAX_OWN_FORM;
use super::Assignments;
use super::{AssignmentDraft, Handouts};
use crate::access::slot;
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::content::{new_etag, new_folder};
use crate::documents::is_own_form;
use crate::documents::state_of;
use crate::error::{AppError, AppResult};
use tavle_core::assignments::{Assignment, FileRef, Handout, HandoutKind};

/// The most files an assignment hands out.
const MAX_HANDOUTS: usize = 20;

/// The folder of a pupil's drive that holds their working folders.
const WORK_ROOT: &str = "Opgaver";

impl Assignments {
    /// Checks who an assignment is for against the pupils of its class or team.
    pub(super) async fn check_audience(&self, a: &Actor, d: &AssignmentDraft) -> AppResult<()> {
        if d.audience == Audience::Group {
            return Ok(());
        }
        let members = self.store.read().await?.group_members(a.tenant_id, d.group_id).await?;
        let pupils: Vec<PersonId> =
            members.iter().filter(|m| m.role == MemberRole::Pupil).map(|m| m.person_id).collect();
        Ok(d.audience.check(&pupils)?)
    }

    /// The files of the teacher's drive to hand out, as they are now.
    pub(super) async fn freeze_handouts(&self, a: &Actor, h: &Handouts) -> AppResult<Vec<Handout>> {
        let all: Vec<(HandoutKind, NodeId)> = h
            .template
            .iter()
            .map(|t| (HandoutKind::Template, *t))
            .chain(h.attachments.iter().map(|n| (HandoutKind::Attachment, *n)))
            .collect();
        if all.len() > MAX_HANDOUTS {
            return Err(tavle_core::InvalidInput::new(
                "attachments",
                tavle_core::Reason::TooLong,
                format!("An assignment hands out at most {MAX_HANDOUTS} files."),
            )
            .into());
        }
        let mut reached = Vec::with_capacity(all.len());
        {
            let mut conn = self.store.read().await?;
            for (kind, n) in all {
                reached.push((kind, self.access.reach(&mut conn, a, n, false).await?.node().clone()));
            }
        }
        let mut out = Vec::with_capacity(reached.len());
        for (kind, node) in reached {
            let f = match (node.kind, node.blob_id, node.sha256.clone()) {
                (NodeKind::File, Some(blob), Some(sha)) => {
                    FileRef { name: node.name.clone(), blob_id: blob, size: node.size, sha256: sha }
                }
                // A Tavle document: a template as its own form (each pupil gets a live copy),
                // an attachment as its PDF.
                (NodeKind::Document, _, _) => {
                    let own = kind == HandoutKind::Template;
                    self.documents.frozen_file(a.tenant_id, node.id, &node.name, own).await?
                }
                _ => return Err(Conflict::FolderGiven(node.name.clone()).into()),
            };
            out.push(Handout { kind, name: f.name, blob_id: f.blob_id, size: f.size, sha256: f.sha256 });
        }
        Ok(out)
    }

    /// A pupil's (or their team's) working folder of an assignment open for them, made with
    /// the template in it on first use.
    pub(super) async fn work_folder(
        &self,
        a: &Actor,
        row: &Assignment,
        handouts: &[Handout],
        meta: &RequestMeta,
    ) -> AppResult<Option<NodeId>> {
        let slot = slot(row, a.person_id);
        if let Some(w) = self.store.read().await?.work(a.tenant_id, row.id, &slot).await? {
            return Ok(Some(w.folder_id));
        }
        let space = self.access.own_space(a).await?;
        // A template that is a Tavle document becomes a document of the pupil's own, from the
        // state that was handed out: read before the transaction.
        let mut documents = Vec::new();
        for h in handouts.iter().filter(|h| h.kind == HandoutKind::Template && is_own_form(&h.name)) {
            let key = BlobKey { tenant: a.tenant_id, blob: h.blob_id };
            let dl = self.content.download_blob(h.name.clone(), h.size, String::new(), 0, None, key);
            let own = dl.bytes("A template document", MAX_OWN_FORM).await?;
            let stem = h.name.rsplit_once('.').map_or(h.name.as_str(), |(stem, _)| stem);
            let name = file_name(stem).unwrap_or_else(|_| "Dokument".into());
            documents.push((name, state_of(&own)?.to_vec(), h.blob_id));
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        // The folder that holds working folders, made on first use.
        let root = match tx.child(a.tenant_id, space.root_id, &name_key(WORK_ROOT)).await? {
            Some(n) if n.kind == NodeKind::Folder => n,
            // A file of that name: the working folder goes at the top instead.
            Some(_) => tx.node(a.tenant_id, space.root_id).await?.ok_or(AppError::NotFound("drive"))?,
            None => {
                let f = new_folder(
                    &space,
                    NodeId::new(),
                    Some(space.root_id),
                    WORK_ROOT.into(),
                    Some(a.person_id),
                    now.millis(),
                );
                tx.insert_node(&f).await?;
                f
            }
        };
        // The assignment's title, made a valid name, numbered if it is taken.
        let base = file_name(&row.title).unwrap_or_else(|_| "Opgave".to_string());
        let mut name = base.clone();
        for n in 2.. {
            if tx.child(a.tenant_id, root.id, &name_key(&name)).await?.is_none() {
                break;
            }
            name = format!("{base} ({n})");
        }
        let folder = new_folder(&space, NodeId::new(), Some(root.id), name, Some(a.person_id), now.millis());
        tx.insert_node(&folder).await?;
        let copies: Vec<Node> = handouts
            .iter()
            .filter(|h| h.kind == HandoutKind::Template && !is_own_form(&h.name))
            .map(|h| Node {
                id: NodeId::new(),
                parent_id: Some(folder.id),
                name: h.name.clone(),
                kind: NodeKind::File,
                blob_id: Some(h.blob_id),
                size: h.size,
                sha256: Some(h.sha256.clone()),
                ..new_folder(&space, NodeId::new(), None, String::new(), Some(a.person_id), now.millis())
            })
            .collect();
        self.content.charge(&mut tx, &space, copies.iter().map(|c| c.size).sum()).await?;
        for c in &copies {
            tx.insert_node(c).await?;
        }
        let mut made = Vec::new();
        for (name, state, frozen) in &documents {
            let blank =
                new_folder(&space, NodeId::new(), Some(folder.id), name.clone(), Some(a.person_id), now.millis());
            let doc = Node { kind: NodeKind::Document, ..blank };
            tx.insert_node(&doc).await?;
            tx.insert_document(a.tenant_id, doc.id, state, now.millis()).await?;
            // The pictures the template showed, the copy shows.
            let (from, to) = (ImageHolder::Frozen(*frozen), ImageHolder::Document(doc.id));
            tx.copy_document_images(a.tenant_id, from, to, now.millis()).await?;
            made.push(doc.id);
        }
        let work =
            WorkRow { slot: slot.clone(), folder_id: folder.id, created_by: a.person_id, created_at: now.millis() };
        if !tx.insert_work(a.tenant_id, row.id, &work).await? {
            // A teammate's request made it first: theirs stands, this one is dropped.
            drop(tx);
            return Ok(self.store.read().await?.work(a.tenant_id, row.id, &slot).await?.map(|w| w.folder_id));
        }
        let team = row.audience.team(row.audience.team_of(a.person_id));
        for p in team.iter().filter(|p| **p != a.person_id) {
            let share = Share {
                id: uuid::Uuid::now_v7(),
                tenant_id: a.tenant_id,
                node_id: folder.id,
                grantee: Grantee::Person(*p),
                access: Access::Edit,
                created_by: a.person_id,
                created_at: now.millis(),
                expires_at: None,
            };
            tx.put_share(&share).await?;
        }
        tx.touch_folders(a.tenant_id, root.id, &new_etag()).await?;
        let detail = json!({ "folder": folder.id.to_string(), "team": team.len(),
            "template": copies.len() + documents.len() });
        tx.append_audit(&event(a, now, "assignment.work_folder", row.id, meta, detail)).await?;
        tx.commit().await?;
        for doc in made {
            self.documents.refresh_rendition(a.tenant_id, doc).await?;
        }
        Ok(Some(folder.id))
    }

    /// A file handed out with an assignment, for those who see the assignment (an exam's
    /// pupils once it has begun for them).
    pub async fn handout_file(
        &self,
        s: &Session,
        id: AssignmentId,
        position: usize,
    ) -> AppResult<crate::content::Download> {
        let a = &s.actor;
        let v = self.visible_assignment(a, id).await?;
        let mut conn = self.store.read().await?;
        let extra = conn.extra_time(a.tenant_id, id, a.person_id).await?;
        // An exam's files stay with its teachers until it begins, like its paper.
        if v.paper_hidden(extra, self.clock.now()) {
            return Err(AppError::NotFound("file"));
        }
        let all = conn.handouts(a.tenant_id, id).await?;
        let f = all.get(position).ok_or(AppError::NotFound("file"))?;
        Ok(self.content.download_blob(
            f.name.clone(),
            f.size,
            format!("{}-{position}", f.sha256.get(..16).unwrap_or_default()),
            v.row.updated_at,
            Some(f.sha256.clone()),
            BlobKey { tenant: a.tenant_id, blob: f.blob_id },
        ))
    }
}
