//! Files a teacher gives back with feedback (a marked-up copy, a recording): frozen as blobs
//! like the hand-in's own files, and seen by the pupil only once the feedback is returned.

use bytes::Bytes;
use serde_json::json;
use tavle_blob::BlobKey;
use tavle_core::{AssignmentId, HandInId, InvalidInput, Reason};

use super::Assignments;
use super::MAX_HAND_IN_FILE;
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::content::record_blob;
use crate::error::{AppError, AppResult};
use tavle_core::assignments::{FileRef, HandIn};

/// The most files given back with one hand-in's feedback.
const MAX_FEEDBACK_FILES: usize = 20;

impl Assignments {
    /// Adds a file to a hand-in's feedback (the assignment's teachers).
    pub async fn add_feedback_file<S, E>(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        name: &str,
        body: S,
        meta: &RequestMeta,
    ) -> AppResult<HandIn>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let a = &s.actor;
        let h = self.managed_hand_in(a, id, hand_in).await?;
        let name = tavle_core::drive::file_name(name)?;
        if h.feedback.files.len() >= MAX_FEEDBACK_FILES {
            return Err(InvalidInput::new(
                "files",
                Reason::TooLong,
                format!("Feedback holds at most {MAX_FEEDBACK_FILES} files."),
            )
            .into());
        }
        let Some(w) = self.content.intake(a.tenant_id, body, MAX_HAND_IN_FILE).await? else {
            return Err(AppError::TooLarge { what: "A file of feedback", limit_bytes: MAX_HAND_IN_FILE });
        };
        let now = self.clock.now();
        let result = async {
            let mut tx = self.store.write().await?;
            let blob = record_blob(&mut tx, a.tenant_id, &w, now.millis()).await?.id;
            // Read again inside the transaction: two teachers may add files at once.
            let mut h = tx.hand_in(a.tenant_id, hand_in).await?.ok_or(AppError::NotFound("hand-in"))?;
            let size = i64::try_from(w.size).map_err(|_| AppError::Internal("size".into()))?;
            h.feedback.files.push(FileRef { name: name.clone(), blob_id: blob, size, sha256: w.sha256_hex() });
            tx.put_feedback_files(a.tenant_id, hand_in, &h.feedback.files).await?;
            let detail = json!({ "assignment": id.to_string(), "name": name, "size": size });
            tx.append_audit(&event(a, now, "hand_in.feedback_file", hand_in, meta, detail)).await?;
            tx.commit().await?;
            Ok::<_, AppError>((h, blob))
        }
        .await;
        self.content.settle(&w, result.as_ref().ok().map(|(_, blob)| *blob)).await;
        result.map(|(h, _)| h)
    }

    /// Removes a file from a hand-in's feedback (the assignment's teachers).
    pub async fn remove_feedback_file(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        position: usize,
        meta: &RequestMeta,
    ) -> AppResult<HandIn> {
        let a = &s.actor;
        self.managed_hand_in(a, id, hand_in).await?;
        let mut tx = self.store.write().await?;
        let mut h = tx.hand_in(a.tenant_id, hand_in).await?.ok_or(AppError::NotFound("hand-in"))?;
        if position >= h.feedback.files.len() {
            return Err(AppError::NotFound("file"));
        }
        let gone = h.feedback.files.remove(position);
        tx.put_feedback_files(a.tenant_id, hand_in, &h.feedback.files).await?;
        let detail = json!({ "assignment": id.to_string(), "name": gone.name, "removed": true });
        tx.append_audit(&event(a, self.clock.now(), "hand_in.feedback_file", hand_in, meta, detail)).await?;
        tx.commit().await?;
        Ok(h)
    }

    /// A file of a hand-in's feedback: for the assignment's teachers, and for the pupil (or
    /// team) once the feedback is returned.
    pub async fn feedback_file(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        position: usize,
    ) -> AppResult<crate::content::Download> {
        let a = &s.actor;
        let (h, _) = self.readable_hand_in(a, id, hand_in).await?;
        let f = h.feedback.files.get(position).ok_or(AppError::NotFound("file"))?;
        Ok(self.content.download_blob(
            f.name.clone(),
            f.size,
            format!("{}-f{position}", h.id.0.simple()),
            h.feedback.returned_at.unwrap_or(h.handed_in_at),
            Some(f.sha256.clone()),
            BlobKey { tenant: a.tenant_id, blob: f.blob_id },
        ))
    }
}
