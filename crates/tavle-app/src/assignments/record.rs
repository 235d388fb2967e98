//! Recording a hand-in inside a batch's transaction (`crate::batch`): the idempotency check,
//! the resubmission rule, the frozen file list and the signed receipt, all in one savepoint.

use crate::Conflict;
use serde_json::json;
use tavle_blob::Written;
use tavle_core::assignments::{Phase, Timing};
use tavle_core::policy::Actor;
use tavle_core::{HandInId, Timestamp};
use tavle_store::Tx;

use super::not_open;
use super::window;
use crate::audit::{event, RequestMeta};
use crate::content::record_blob;
use crate::error::{AppError, AppResult};
use crate::receipts::{Receipt, ReceiptFile, ReceiptKey, RECEIPT_VERSION};
use tavle_core::assignments::{Assignment, Feedback, FileRef, HandIn};

/// A hand-in waiting for its batch: everything it needs was read before it was queued.
pub(crate) struct HandInJob {
    pub actor: Actor,
    pub row: Assignment,
    pub key: String,
    /// When the request began (what decides whether it is on time).
    pub started: Timestamp,
    /// The pupil's extra time on this assignment (seconds).
    pub extra: i64,
    pub files: Vec<FileRef>,
    /// Bytes written for this hand-in (an upload, a frozen document), already durable in the
    /// blob store, with the position of the file they are.
    pub written: Vec<(usize, Written)>,
    /// The files that are documents' own forms (by position), and the documents they froze:
    /// the pictures those show are kept for the frozen form.
    pub frozen: Vec<(usize, tavle_core::NodeId)>,
    pub signer: ReceiptKey,
    pub municipality: String,
    pub pupil_name: String,
    /// The team it is handed in for (0: the pupil alone), and everyone in it by name.
    pub team: u32,
    pub team_names: Vec<String>,
    pub meta: RequestMeta,
}

impl crate::batch::Record for HandInJob {
    type Out = (HandIn, bool);
    type By = super::Assignments;
    const WHAT: &'static str = "hand-ins";

    async fn record(&self, app: &super::Assignments, tx: &mut Tx) -> AppResult<Self::Out> {
        let (a, row, key) = (&self.actor, &self.row, self.key.as_str());
        // A retry that raced the first attempt (perhaps in this very batch): the first stands.
        if let Some(done) = tx.hand_in_by_key(a.tenant_id, row.id, a.person_id, key).await? {
            return Ok((done, false));
        }
        let now = app.clock.now();
        let previous = tx.hand_ins_of(a.tenant_id, row.id, a.person_id, self.team).await?;
        let current = previous.iter().find(|h| h.withdrawn_at.is_none());
        let asked_again = current.is_some_and(|h| h.feedback.resubmission_requested);
        let late_by_secs = match window(row).timing(self.extra, self.started, now, app.cfg.hand_in_grace_secs) {
            Timing::OnTime => 0,
            Timing::Late { by_secs } => by_secs,
            // The teacher asked for a new hand-in: it is taken after the deadline too (late).
            Timing::Refused(Phase::Closed) if asked_again => (now.millis() - row.deadline) / 1000,
            Timing::Refused(_) => return Err(not_open()),
        };
        if !row.resubmit_allowed && current.is_some() && !asked_again {
            return Err(Conflict::HandedInAlready.into());
        }
        let mut files = self.files.clone();
        for (i, w) in &self.written {
            if let Some(f) = files.get_mut(*i) {
                f.blob_id = record_blob(tx, a.tenant_id, w, now.millis()).await?.id;
            }
        }
        for (i, node) in &self.frozen {
            if let Some(f) = files.get(*i) {
                use tavle_store::document_images::ImageHolder::{Document, Frozen};
                tx.copy_document_images(a.tenant_id, Document(*node), Frozen(f.blob_id), now.millis()).await?;
            }
        }
        tx.withdraw_hand_in(a.tenant_id, row.id, a.person_id, self.team, now.millis()).await?;
        let id = HandInId::new();
        let receipt = self.sign(id, now, late_by_secs, &files)?;
        let h = HandIn {
            id,
            tenant_id: a.tenant_id,
            assignment_id: row.id,
            pupil_id: a.person_id,
            team: self.team,
            idempotency_key: key.to_string(),
            started_at: self.started.millis(),
            handed_in_at: now.millis(),
            late_by_secs,
            withdrawn_at: None,
            receipt: tavle_core::assignments::IssuedReceipt::new(receipt),
            files,
            feedback: Feedback::default(),
        };
        tx.insert_hand_in(&h).await?;
        let detail = json!({ "assignment": row.id.to_string(), "files": h.files.len(), "late_by_secs": late_by_secs,
            "team": self.team });
        tx.append_audit(&event(a, now, "hand_in.create", id, &self.meta, detail)).await?;
        Ok((h, true))
    }
}

impl HandInJob {
    fn sign(&self, id: HandInId, now: Timestamp, late_by_secs: i64, files: &[FileRef]) -> AppResult<String> {
        let receipt = Receipt {
            version: RECEIPT_VERSION,
            key_id: String::new(),
            municipality: self.municipality.clone(),
            assignment_id: self.row.id.to_string(),
            assignment_title: self.row.title.clone(),
            hand_in_id: id.to_string(),
            pupil_id: self.actor.person_id.to_string(),
            pupil_name: self.pupil_name.clone(),
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
            team: self.team_names.clone(),
        };
        let signed = self.signer.sign(receipt);
        serde_json::to_string_pretty(&signed).map_err(|e| AppError::Internal(format!("receipt: {e}")))
    }
}
