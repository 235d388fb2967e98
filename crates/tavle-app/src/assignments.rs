//! Assignments and hand-ins: a teacher hands out an assignment to a class or team; its pupils
//! hand in files (uploaded, or from their drive) as a frozen snapshot and get a signed
//! receipt; the teacher sees who has handed in, who is late and who has not.
//!
//! Decisions:
//! - A hand-in refers to the blobs of its files, which never change: later edits of the
//!   working copy cannot reach it, and nothing is copied.
//! - Every hand-in request carries an idempotency key (the client's, per attempt): a retry
//!   with the same key gets the same hand-in and the same receipt, byte for byte, however
//!   often it is sent and whatever happened to the first answer.
//! - The server's clock decides: when the request began and when it was recorded. A hand-in
//!   begun before the deadline and recorded within `hand_in_grace_secs` after it is on time.
//! - Handing in again (where allowed) supersedes the earlier hand-in, which is kept.

use bytes::Bytes;
use serde_json::json;
use tavle_blob::{BlobError, BlobKey};
use tavle_core::assignments::{Grade, Mode, Phase, Timing, Window};
use tavle_core::drive::NodeKind;
use tavle_core::policy::{allows, hands_in, may_manage_assignments, Action, Actor, AssignmentFacts, GroupFacts};
use tavle_core::{AssignmentId, GroupId, HandInId, InvalidInput, NodeId, Reason, Timestamp};
pub use tavle_store::assignments::{AssignmentRow, Feedback, HandInFileRow, HandInRow};
use tavle_store::drive::BlobRow;
use tavle_store::Tx;

use crate::audit::{event, RequestMeta};
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::receipts::{Receipt, ReceiptFile, RECEIPT_VERSION};
use crate::App;

/// The largest file a hand-in takes.
pub const MAX_HAND_IN_FILE: u64 = 2 << 30;

/// What a teacher writes when creating or changing an assignment.
#[derive(Clone, Debug)]
pub struct AssignmentDraft {
    pub group_id: GroupId,
    pub title: String,
    pub instructions: String,
    pub mode: Mode,
    /// `None` keeps it a draft.
    pub opens_at: Option<Timestamp>,
    pub deadline: Timestamp,
    pub late_allowed: bool,
    pub resubmit_allowed: bool,
}

/// An assignment as the caller sees it.
#[derive(Clone, Debug)]
pub struct AssignmentView {
    pub assignment: AssignmentRow,
    pub group_name: String,
    /// Whether the caller manages it (a teacher of the group, an admin).
    pub manages: bool,
    /// For a pupil: their current hand-in.
    pub my_hand_in: Option<HandInRow>,
}

/// Where one pupil stands on an assignment, for its teachers.
#[derive(Clone, Debug)]
pub struct PupilStatus {
    pub pupil_id: tavle_core::PersonId,
    pub name: String,
    pub hand_in: Option<HandInRow>,
}

/// A hand-in to make: uploaded bytes, or files of the pupil's drive.
pub enum HandInSource<S> {
    Upload { name: String, body: S },
    Files(Vec<NodeId>),
}

fn window(a: &AssignmentRow) -> Window {
    Window {
        opens_at: a.opens_at.map(Timestamp),
        deadline: Timestamp(a.deadline),
        late_allowed: a.late_allowed,
        mode: a.mode,
    }
}

/// A hand-in as its pupil sees it: the teacher's feedback only once it is returned.
fn for_pupil(mut h: HandInRow) -> HandInRow {
    if h.feedback.returned_at.is_none() {
        h.feedback = Feedback::default();
    }
    h
}

fn check_draft(d: &AssignmentDraft) -> AppResult<()> {
    let bad = |field, reason, msg: &str| Err(AppError::from(InvalidInput::new(field, reason, msg)));
    let title = d.title.trim();
    if title.is_empty() {
        return bad("title", Reason::Empty, "The assignment needs a title.");
    }
    if title.chars().count() > 200 {
        return bad("title", Reason::TooLong, "The title is longer than 200 characters.");
    }
    if d.instructions.chars().count() > 50_000 {
        return bad("instructions", Reason::TooLong, "The instructions are longer than 50,000 characters.");
    }
    if d.opens_at.is_some_and(|o| o >= d.deadline) {
        return bad("deadline", Reason::OutOfRange, "The deadline must come after the opening time.");
    }
    if matches!(d.mode, Mode::Exam { .. }) && d.late_allowed {
        return bad("late_allowed", Reason::OutOfRange, "An exam takes no late hand-ins.");
    }
    Ok(())
}

impl App {
    async fn group_facts(&self, a: &Actor, group: GroupId) -> AppResult<(GroupFacts, String)> {
        let g = self.store.read().await?.group(a.tenant_id, group).await?.ok_or(AppError::NotFound("class or team"))?;
        Ok((GroupFacts { tenant_id: g.tenant_id, school_id: g.school_id, group_id: g.id }, g.name))
    }

    /// Creates an assignment for a class or team (a draft while it has no opening time).
    pub async fn create_assignment(
        &self,
        s: &Session,
        d: &AssignmentDraft,
        meta: &RequestMeta,
    ) -> AppResult<AssignmentRow> {
        let a = &s.actor;
        let (g, _) = self.group_facts(a, d.group_id).await?;
        if !may_manage_assignments(a, &g) {
            // Those who may not even see the class are told it is not there.
            return Err(if allows(a, &Action::ViewGroup(&g)) {
                AppError::Forbidden
            } else {
                AppError::NotFound("class or team")
            });
        }
        check_draft(d)?;
        let now = self.clock.now().millis();
        let row = AssignmentRow {
            id: AssignmentId::new(),
            tenant_id: a.tenant_id,
            school_id: g.school_id,
            group_id: d.group_id,
            title: d.title.trim().to_string(),
            instructions: d.instructions.clone(),
            mode: d.mode,
            opens_at: d.opens_at.map(|t| t.millis()),
            deadline: d.deadline.millis(),
            late_allowed: d.late_allowed,
            resubmit_allowed: d.resubmit_allowed,
            created_by: a.person_id,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.write().await?;
        tx.put_assignment(&row).await?;
        let detail = json!({ "group": d.group_id.to_string(), "title": row.title, "mode": row.mode.code(),
            "opens_at": row.opens_at, "deadline": row.deadline });
        tx.append_audit(&event(a, self.clock.now(), "assignment.create", row.id, meta, detail)).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Loads an assignment the caller may see: one they manage, or (published) one of theirs.
    async fn visible_assignment(&self, a: &Actor, id: AssignmentId) -> AppResult<(AssignmentRow, bool, String)> {
        let row =
            self.store.read().await?.assignment(a.tenant_id, id).await?.ok_or(AppError::NotFound("assignment"))?;
        let (g, name) = self.group_facts(a, row.group_id).await?;
        let manages = may_manage_assignments(a, &g);
        let facts = AssignmentFacts { group: g, published: row.opens_at.is_some() };
        if !manages && !hands_in(a, &facts) {
            return Err(AppError::NotFound("assignment"));
        }
        Ok((row, manages, name))
    }

    /// One assignment, with the caller's own current hand-in.
    pub async fn assignment(&self, s: &Session, id: AssignmentId) -> AppResult<AssignmentView> {
        let a = &s.actor;
        let (row, manages, group_name) = self.visible_assignment(a, id).await?;
        let mine = self.store.read().await?.hand_ins_of(a.tenant_id, id, a.person_id).await?;
        let my_hand_in = mine.into_iter().find(|h| h.withdrawn_at.is_none()).map(for_pupil);
        Ok(AssignmentView { assignment: row, group_name, manages, my_hand_in })
    }

    /// The assignments of the caller's classes and teams: as a pupil the published ones, as a
    /// teacher all of the groups they teach. Soonest deadline first.
    pub async fn my_assignments(&self, s: &Session) -> AppResult<Vec<AssignmentView>> {
        let a = &s.actor;
        let groups: Vec<GroupId> = a.memberships.iter().map(|m| m.group_id).collect();
        let rows = self.store.read().await?.assignments_of(a.tenant_id, &groups).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            if let Ok(v) = self.assignment(s, row.id).await {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// Hands in: uploaded bytes, or files of the pupil's drive, as a frozen snapshot with a
    /// signed receipt. A retry with the same `key` returns the first hand-in unchanged.
    pub async fn hand_in<S, E>(
        &self,
        s: &Session,
        id: AssignmentId,
        key: &str,
        source: HandInSource<S>,
        meta: &RequestMeta,
    ) -> AppResult<(HandInRow, bool)>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let a = &s.actor;
        let started = self.clock.now();
        // What the caller may not see is "not found" before anything is said of the request.
        let (row, _, _) = self.visible_assignment(a, id).await?;
        let (g, _) = self.group_facts(a, row.group_id).await?;
        if !hands_in(a, &AssignmentFacts { group: g, published: row.opens_at.is_some() }) {
            return Err(AppError::Forbidden);
        }
        let key = key.trim();
        if key.is_empty() || key.len() > 200 {
            return Err(InvalidInput::new(
                "idempotency_key",
                Reason::BadFormat,
                "A hand-in needs an Idempotency-Key header (up to 200 characters), the same for every retry.",
            )
            .into());
        }
        if let Some(done) = self.store.read().await?.hand_in_by_key(a.tenant_id, id, a.person_id, key).await? {
            return Ok((done, false));
        }
        // The files: written to the blob store now (uploads), or taken from the drive.
        let (files, written) = match source {
            HandInSource::Upload { name, body } => {
                let name = tavle_core::drive::file_name(&name)?;
                let w = match self.blobs.write(a.tenant_id, body, MAX_HAND_IN_FILE).await {
                    Ok(w) => w,
                    Err(BlobError::TooLarge { .. }) => {
                        return Err(AppError::Conflict("A file of a hand-in may be at most 2 GiB.".into()))
                    }
                    Err(BlobError::Interrupted(why)) => return Err(AppError::UploadInterrupted(why)),
                    Err(e) => return Err(e.into()),
                };
                let size = i64::try_from(w.size).map_err(|_| AppError::Internal("size".into()))?;
                let file = HandInFileRow { name, blob_id: w.key.blob, size, sha256: w.sha256_hex() };
                (vec![file], Some(w))
            }
            HandInSource::Files(nodes) => (self.snapshot(a, &nodes).await?, None),
        };
        let result = self.record_hand_in(s, &row, key, started, files, written.as_ref(), meta).await;
        if let Some(w) = written {
            // The tenant had these bytes already (or the hand-in was refused): drop the copy.
            let kept = result.as_ref().ok().and_then(|(h, _)| h.files.first().map(|f| f.blob_id));
            if kept != Some(w.key.blob) {
                self.delete_blob_quietly(w.key).await;
            }
        }
        result
    }

    /// The pupil's own files to hand in, as they are now.
    async fn snapshot(&self, a: &Actor, nodes: &[NodeId]) -> AppResult<Vec<HandInFileRow>> {
        if nodes.is_empty() || nodes.len() > 100 {
            return Err(InvalidInput::new("files", Reason::OutOfRange, "Hand in between 1 and 100 files.").into());
        }
        let mut conn = self.store.read().await?;
        let mut files = Vec::with_capacity(nodes.len());
        for n in nodes {
            let r = self.reach(&mut conn, a, *n, false).await?;
            let node = r.node();
            let (NodeKind::File, Some(blob), Some(sha)) = (node.kind, node.blob_id, node.sha256.clone()) else {
                return Err(AppError::Conflict(format!("\"{}\" is a folder; hand in files.", node.name)));
            };
            files.push(HandInFileRow { name: node.name.clone(), blob_id: blob, size: node.size, sha256: sha });
        }
        Ok(files)
    }

    #[allow(clippy::too_many_arguments)]
    async fn record_hand_in(
        &self,
        s: &Session,
        row: &AssignmentRow,
        key: &str,
        started: Timestamp,
        mut files: Vec<HandInFileRow>,
        written: Option<&tavle_blob::Written>,
        meta: &RequestMeta,
    ) -> AppResult<(HandInRow, bool)> {
        let a = &s.actor;
        let now = self.clock.now();
        let late_by_secs = match window(row).timing(0, started, now, self.cfg.hand_in_grace_secs) {
            Timing::OnTime => 0,
            Timing::Late { by_secs } => by_secs,
            // The teacher asked for a new hand-in: it is taken after the deadline too (late).
            Timing::Refused(Phase::Closed) if self.resubmission_requested(a, row).await? => {
                (now.millis() - row.deadline) / 1000
            }
            Timing::Refused(_) => {
                return Err(AppError::Conflict("The assignment is not open for hand-ins now.".into()));
            }
        };
        // Before the transaction: the first use reads (or makes) the key in a transaction of
        // its own, and SQLite has one writer at a time.
        let signer = self.receipt_key().await?;
        let mut tx = self.store.write().await?;
        // A retry that raced the first attempt: the first one stands.
        if let Some(done) = tx.hand_in_by_key(a.tenant_id, row.id, a.person_id, key).await? {
            return Ok((done, false));
        }
        let previous = tx.hand_ins_of(a.tenant_id, row.id, a.person_id).await?;
        let current = previous.iter().find(|h| h.withdrawn_at.is_none());
        let asked_again = current.is_some_and(|h| h.feedback.resubmission_requested);
        if !row.resubmit_allowed && current.is_some() && !asked_again {
            return Err(AppError::Conflict(
                "You have handed this in already, and it cannot be handed in again.".into(),
            ));
        }
        if let Some(w) = written {
            let blob = self.record_written(&mut tx, a, w, now.millis()).await?;
            files[0].blob_id = blob;
        }
        tx.withdraw_hand_in(a.tenant_id, row.id, a.person_id, now.millis()).await?;
        let id = HandInId::new();
        let receipt = self.sign_receipt(&mut tx, &signer, a, row, id, now, late_by_secs, &files).await?;
        let h = HandInRow {
            id,
            tenant_id: a.tenant_id,
            assignment_id: row.id,
            pupil_id: a.person_id,
            idempotency_key: key.to_string(),
            started_at: started.millis(),
            handed_in_at: now.millis(),
            late_by_secs,
            withdrawn_at: None,
            receipt,
            files,
            feedback: Feedback::default(),
        };
        tx.insert_hand_in(&h).await?;
        let detail = json!({ "assignment": row.id.to_string(), "files": h.files.len(), "late_by_secs": late_by_secs });
        tx.append_audit(&event(a, now, "hand_in.create", id, meta, detail)).await?;
        tx.commit().await?;
        Ok((h, true))
    }

    /// Records a written upload's blob (or finds the tenant's blob with the same bytes).
    async fn record_written(
        &self,
        tx: &mut Tx,
        a: &Actor,
        w: &tavle_blob::Written,
        now: i64,
    ) -> AppResult<tavle_core::BlobId> {
        let size = i64::try_from(w.size).map_err(|_| AppError::Internal("size".into()))?;
        let blob = tx
            .record_blob(&BlobRow {
                id: w.key.blob,
                tenant_id: a.tenant_id,
                sha256: w.sha256_hex(),
                size,
                created_at: now,
            })
            .await?;
        Ok(blob.id)
    }

    #[allow(clippy::too_many_arguments)]
    async fn sign_receipt(
        &self,
        tx: &mut Tx,
        signer: &crate::receipts::ReceiptKey,
        a: &Actor,
        row: &AssignmentRow,
        id: HandInId,
        now: Timestamp,
        late_by_secs: i64,
        files: &[HandInFileRow],
    ) -> AppResult<String> {
        let municipality = tx.tenant(a.tenant_id).await?.map(|t| t.name).unwrap_or_default();
        let pupil_name = tx.person(a.tenant_id, a.person_id).await?.map(|p| p.display_name).unwrap_or_default();
        let receipt = Receipt {
            version: RECEIPT_VERSION,
            key_id: String::new(),
            municipality,
            assignment_id: row.id.to_string(),
            assignment_title: row.title.clone(),
            hand_in_id: id.to_string(),
            pupil_id: a.person_id.to_string(),
            pupil_name,
            handed_in_at: now.to_rfc3339(),
            late_by_secs,
            files: files
                .iter()
                .map(|f| ReceiptFile {
                    name: f.name.clone(),
                    size: u64::try_from(f.size).unwrap_or(0),
                    sha256: f.sha256.clone(),
                })
                .collect(),
        };
        let signed = signer.sign(receipt);
        serde_json::to_string_pretty(&signed).map_err(|e| AppError::Internal(format!("receipt: {e}")))
    }

    async fn resubmission_requested(&self, a: &Actor, row: &AssignmentRow) -> AppResult<bool> {
        let mine = self.store.read().await?.hand_ins_of(a.tenant_id, row.id, a.person_id).await?;
        Ok(mine.iter().any(|h| h.withdrawn_at.is_none() && h.feedback.resubmission_requested))
    }

    /// Writes a teacher's feedback on a hand-in: text and an optional grade, kept from the
    /// pupil until `return_it`; `ask_again` asks the pupil for a new hand-in (which is then
    /// taken even after the deadline, marked late).
    #[allow(clippy::too_many_arguments)]
    pub async fn give_feedback(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        text: Option<String>,
        grade: Option<Grade>,
        return_it: bool,
        ask_again: bool,
        meta: &RequestMeta,
    ) -> AppResult<HandInRow> {
        let a = &s.actor;
        let (_, manages, _) = self.visible_assignment(a, id).await?;
        if !manages {
            return Err(AppError::Forbidden);
        }
        if text.as_ref().is_some_and(|t| t.chars().count() > 50_000) {
            return Err(InvalidInput::new(
                "feedback",
                Reason::TooLong,
                "The feedback is longer than 50,000 characters.",
            )
            .into());
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let mut h = tx
            .hand_in(a.tenant_id, hand_in)
            .await?
            .filter(|h| h.assignment_id == id)
            .ok_or(AppError::NotFound("hand-in"))?;
        h.feedback = Feedback {
            text: text.filter(|t| !t.trim().is_empty()),
            grade,
            returned_at: if return_it { Some(h.feedback.returned_at.unwrap_or(now.millis())) } else { None },
            resubmission_requested: ask_again,
        };
        tx.set_feedback(a.tenant_id, hand_in, &h.feedback).await?;
        let detail = json!({ "assignment": id.to_string(), "pupil": h.pupil_id.to_string(),
            "grade": grade.map(|g| g.code()), "returned": return_it, "resubmission": ask_again });
        tx.append_audit(&event(a, now, "hand_in.feedback", hand_in, meta, detail)).await?;
        tx.commit().await?;
        Ok(h)
    }

    /// Takes back the caller's current hand-in (before the deadline, where handing in again
    /// is allowed).
    pub async fn withdraw_hand_in(&self, s: &Session, id: AssignmentId, meta: &RequestMeta) -> AppResult<()> {
        let a = &s.actor;
        let (row, _, _) = self.visible_assignment(a, id).await?;
        let now = self.clock.now();
        if !row.resubmit_allowed || window(&row).phase(0, now) != Phase::Open {
            return Err(AppError::Conflict("This hand-in can no longer be taken back.".into()));
        }
        let mut tx = self.store.write().await?;
        if !tx.withdraw_hand_in(a.tenant_id, id, a.person_id, now.millis()).await? {
            return Err(AppError::NotFound("hand-in"));
        }
        tx.append_audit(&event(a, now, "hand_in.withdraw", id, meta, json!({}))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Who has handed in, who is late and who has not: every pupil of the group with their
    /// current hand-in. For the assignment's teachers.
    pub async fn hand_in_overview(&self, s: &Session, id: AssignmentId) -> AppResult<Vec<PupilStatus>> {
        let a = &s.actor;
        let (row, manages, _) = self.visible_assignment(a, id).await?;
        if !manages {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.store.read().await?;
        let members = conn.group_members(a.tenant_id, row.group_id).await?;
        let mut current = conn.current_hand_ins(a.tenant_id, id).await?;
        let mut out = Vec::new();
        for m in members.into_iter().filter(|m| m.role == tavle_core::org::MemberRole::Pupil) {
            let hand_in = current.iter().position(|h| h.pupil_id == m.person_id).map(|i| current.swap_remove(i));
            out.push(PupilStatus { pupil_id: m.person_id, name: m.display_name, hand_in });
        }
        out.sort_by(|x, y| x.name.cmp(&y.name));
        Ok(out)
    }

    /// A hand-in (with its receipt), for its pupil and the assignment's teachers.
    pub async fn hand_in_receipt(&self, s: &Session, id: AssignmentId, hand_in: HandInId) -> AppResult<HandInRow> {
        let a = &s.actor;
        let (_, manages, _) = self.visible_assignment(a, id).await?;
        let h = self.store.read().await?.hand_in(a.tenant_id, hand_in).await?;
        let h = h.filter(|h| h.assignment_id == id && (manages || h.pupil_id == a.person_id));
        let h = h.ok_or(AppError::NotFound("hand-in"))?;
        Ok(if manages { h } else { for_pupil(h) })
    }

    /// A file of a hand-in, for its pupil and the assignment's teachers.
    pub async fn hand_in_file(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        position: usize,
        meta: &RequestMeta,
    ) -> AppResult<crate::drive::Download> {
        let a = &s.actor;
        let (_, manages, _) = self.visible_assignment(a, id).await?;
        let h = self.store.read().await?.hand_in(a.tenant_id, hand_in).await?;
        let h = h.filter(|h| h.assignment_id == id && (manages || h.pupil_id == a.person_id));
        let h = h.ok_or(AppError::NotFound("hand-in"))?;
        let f = h.files.get(position).ok_or(AppError::NotFound("file"))?;
        if h.pupil_id != a.person_id {
            let mut tx = self.store.write().await?;
            let detail = json!({ "pupil": h.pupil_id.to_string(), "name": f.name });
            tx.append_audit(&event(a, self.clock.now(), "hand_in.read", h.id, meta, detail)).await?;
            tx.commit().await?;
        }
        Ok(crate::drive::Download::of_blob(
            f.name.clone(),
            f.size,
            format!("{}-{position}", h.id.0.simple()),
            h.handed_in_at,
            Some(f.sha256.clone()),
            BlobKey { tenant: a.tenant_id, blob: f.blob_id },
            self.blobs.clone(),
        ))
    }
}
