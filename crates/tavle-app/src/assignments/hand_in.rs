//! Handing in: an upload or files of the drive, recorded with a signed receipt, once per
//! idempotency key; taking a hand-in back.

use bytes::Bytes;
use serde_json::json;
use tavle_blob::BlobError;
use tavle_core::assignments::{Phase, Timing};
use tavle_core::drive::NodeKind;
use tavle_core::policy::Actor;
use tavle_core::{AssignmentId, HandInId, InvalidInput, NodeId, Reason, Timestamp};
use tavle_store::drive::BlobRow;
use tavle_store::Tx;

use super::{window, AssignmentRow, Feedback, HandInFileRow, HandInRow, HandInSource, MAX_HAND_IN_FILE};
use crate::audit::{event, RequestMeta};
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::receipts::{Receipt, ReceiptFile, RECEIPT_VERSION};
use crate::App;

impl App {
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
        let v = self.visible_assignment(a, id).await?;
        if !v.pupil {
            return Err(AppError::Forbidden);
        }
        let row = v.row;
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
        let extra = self.store.read().await?.extra_time(a.tenant_id, row.id, a.person_id).await?;
        let late_by_secs = match window(row).timing(extra, started, now, self.cfg.hand_in_grace_secs) {
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

    /// Takes back the caller's current hand-in (before the deadline, where handing in again
    /// is allowed).
    pub async fn withdraw_hand_in(&self, s: &Session, id: AssignmentId, meta: &RequestMeta) -> AppResult<()> {
        let a = &s.actor;
        let row = self.visible_assignment(a, id).await?.row;
        let now = self.clock.now();
        let extra = self.store.read().await?.extra_time(a.tenant_id, id, a.person_id).await?;
        if !row.resubmit_allowed || window(&row).phase(extra, now) != Phase::Open {
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
}
