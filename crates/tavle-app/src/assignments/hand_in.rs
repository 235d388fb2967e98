//! Handing in: an upload or files of the drive, recorded with a signed receipt, once per
//! idempotency key; taking a hand-in back.

use crate::Conflict;
use bytes::Bytes;
use serde_json::json;
use tavle_blob::Written;
use tavle_core::assignments::{Phase, Timing};
use tavle_core::drive::NodeKind;
use tavle_core::policy::Actor;
use tavle_core::{AssignmentId, InvalidInput, NodeId, Reason, Timestamp};

use super::record::HandInJob;
use super::Assignments;
use super::{for_pupil, not_open, window, HandInSource, MAX_HAND_IN_FILE};
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};
use tavle_core::assignments::{Assignment, FileRef, HandIn};

/// The files of a hand-in that are documents' own forms (by position) and the documents they
/// froze, whose pictures they keep.
type Frozen = Vec<(usize, NodeId)>;

impl Assignments {
    /// Hands in: uploaded bytes, or files of the pupil's drive, as a frozen snapshot with a
    /// signed receipt. A retry with the same `key` returns the first hand-in unchanged, as the
    /// pupil may see it now: feedback that is not returned yet is never part of the answer.
    pub async fn hand_in<S, E>(
        &self,
        s: &Session,
        id: AssignmentId,
        key: &str,
        source: HandInSource<S>,
        meta: &RequestMeta,
    ) -> AppResult<(HandIn, bool)>
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
            return Ok((for_pupil(done), false));
        }
        let extra = self.check_open(a, &row, started).await?;
        // The files: written to the blob store now (uploads), or taken from the drive.
        let (files, written, frozen) = match source {
            HandInSource::Upload { name, body } => {
                let name = tavle_core::drive::file_name(&name)?;
                let Some(w) = self.content.intake(a.tenant_id, body, MAX_HAND_IN_FILE).await? else {
                    return Err(AppError::TooLarge { what: "A file of a hand-in", limit_bytes: MAX_HAND_IN_FILE });
                };
                let size = i64::try_from(w.size).map_err(|_| AppError::Internal("size".into()))?;
                let file = FileRef { name, blob_id: w.key.blob, size, sha256: w.sha256_hex() };
                (vec![file], vec![(0, w)], Vec::new())
            }
            HandInSource::Files(nodes) => self.snapshot(a, &nodes).await?,
        };
        let result = self.record_hand_in(a, row, key, (started, extra), (files, written.clone(), frozen), meta).await;
        for (i, w) in written {
            // The tenant had these bytes already (or the hand-in was refused): drop the copy.
            self.content.settle(&w, result.as_ref().ok().and_then(|(h, _)| h.files.get(i).map(|f| f.blob_id))).await;
        }
        // A replay that the batch answered is the pupil's view too, like the one above.
        result.map(|(h, new)| (for_pupil(h), new))
    }

    /// Refuses, before any bytes are taken, a hand-in that would be refused anyway. Returns
    /// the pupil's extra time.
    async fn check_open(&self, a: &Actor, row: &Assignment, started: Timestamp) -> AppResult<i64> {
        let mut conn = self.store.read().await?;
        let extra = conn.extra_time(a.tenant_id, row.id, a.person_id).await?;
        if let Timing::Refused(phase) = window(row).timing(extra, started, started, self.cfg.hand_in_grace_secs) {
            let team = row.audience.team_of(a.person_id);
            let mine = conn.hand_ins_of(a.tenant_id, row.id, a.person_id, team).await?;
            let asked_again = mine.iter().any(|h| h.withdrawn_at.is_none() && h.feedback.resubmission_requested);
            if !(phase == Phase::Closed && asked_again) {
                return Err(not_open());
            }
        }
        Ok(extra)
    }

    /// The pupil's own files to hand in, as they are now. A Tavle document is frozen into
    /// two files (its PDF and its own form), written to the blob store here: those are
    /// returned with their positions, to be recorded with the hand-in.
    async fn snapshot(&self, a: &Actor, nodes: &[NodeId]) -> AppResult<(Vec<FileRef>, Vec<(usize, Written)>, Frozen)> {
        if nodes.is_empty() || nodes.len() > 100 {
            return Err(InvalidInput::new("files", Reason::OutOfRange, "Hand in between 1 and 100 files.").into());
        }
        let mut reached = Vec::with_capacity(nodes.len());
        {
            let mut conn = self.store.read().await?;
            for n in nodes {
                reached.push(self.access.reach(&mut conn, a, *n, false).await?.node().clone());
            }
        }
        let (mut files, mut written, mut frozen) = (Vec::with_capacity(nodes.len()), Vec::new(), Vec::new());
        for node in reached {
            match (node.kind, node.blob_id, node.sha256.clone()) {
                (NodeKind::File, Some(blob), Some(sha)) => {
                    files.push(FileRef { name: node.name.clone(), blob_id: blob, size: node.size, sha256: sha });
                }
                (NodeKind::Document, _, _) => {
                    for (name, bytes) in self.documents.frozen(a.tenant_id, node.id, &node.name).await? {
                        let body =
                            futures_util::stream::once(async { Ok::<_, std::convert::Infallible>(Bytes::from(bytes)) });
                        let Some(w) = self.content.intake(a.tenant_id, body, MAX_HAND_IN_FILE).await? else {
                            return Err(AppError::TooLarge {
                                what: "A file of a hand-in",
                                limit_bytes: MAX_HAND_IN_FILE,
                            });
                        };
                        let size = i64::try_from(w.size).map_err(|_| AppError::Internal("size".into()))?;
                        if crate::documents::is_own_form(&name) {
                            frozen.push((files.len(), node.id));
                        }
                        files.push(FileRef { name, blob_id: w.key.blob, size, sha256: w.sha256_hex() });
                        written.push((files.len() - 1, w));
                    }
                }
                _ => return Err(Conflict::FolderGiven(node.name.clone()).into()),
            }
        }
        Ok((files, written, frozen))
    }

    /// Records a hand-in in the next batch's transaction (group commit, `crate::batch`): at a
    /// deadline thousands arrive within a minute, and each is acknowledged only once durable.
    #[allow(clippy::too_many_arguments)]
    async fn record_hand_in(
        &self,
        a: &Actor,
        row: Assignment,
        key: &str,
        (started, extra): (Timestamp, i64),
        (files, written, frozen): (Vec<FileRef>, Vec<(usize, Written)>, Frozen),
        meta: &RequestMeta,
    ) -> AppResult<(HandIn, bool)> {
        // Read before the batch, which then only writes: the signing key (whose first use
        // writes it, in a transaction of its own) and the names on the receipt.
        let signer = self.receipt_key().await?;
        let team = row.audience.team_of(a.person_id);
        let (municipality, pupil_name, team_names) = {
            let mut conn = self.store.read().await?;
            let municipality = conn.tenant(a.tenant_id).await?.map(|t| t.name).unwrap_or_default();
            let pupil = conn.person(a.tenant_id, a.person_id).await?.map(|p| p.display_name).unwrap_or_default();
            let names = super::names_of(&mut conn, a.tenant_id, row.audience.team(team)).await?;
            (municipality, pupil, names)
        };
        let job = HandInJob {
            actor: a.clone(),
            row,
            key: key.to_string(),
            started,
            extra,
            files,
            written,
            frozen,
            signer,
            municipality,
            pupil_name,
            team,
            team_names,
            meta: meta.clone(),
        };
        crate::batch::Batcher::submit(self, job).await
    }

    /// Takes back the caller's current hand-in (before the deadline, where handing in again
    /// is allowed).
    pub async fn withdraw_hand_in(&self, s: &Session, id: AssignmentId, meta: &RequestMeta) -> AppResult<()> {
        let a = &s.actor;
        let row = self.visible_assignment(a, id).await?.row;
        let now = self.clock.now();
        let extra = self.store.read().await?.extra_time(a.tenant_id, id, a.person_id).await?;
        if !row.resubmit_allowed || window(&row).phase(extra, now) != Phase::Open {
            return Err(Conflict::CannotWithdraw.into());
        }
        let team = row.audience.team_of(a.person_id);
        let mut tx = self.store.write().await?;
        if !tx.withdraw_hand_in(a.tenant_id, id, a.person_id, team, now.millis()).await? {
            return Err(AppError::NotFound("hand-in"));
        }
        tx.append_audit(&event(a, now, "hand_in.withdraw", id, meta, json!({}))).await?;
        tx.commit().await?;
        Ok(())
    }
}
