//! A Tavle document handed in (its own form, `.tavledoc`, beside its PDF): exported as ODT,
//! DOCX or PDF, and commented on as feedback — the teachers begin threads, answer and
//! resolve them; the pupil (and a team) reads and answers them once the feedback is returned
//! (`policy::hand_in_comments`). The comments are the documents' own, on the hand-in's file.

use tavle_core::document::{Comment, CommentOn};
use tavle_core::policy::{hand_in_comments, HandInComments};
use tavle_core::{AssignmentId, CommentId, HandInId};

use super::Assignments;
use crate::audit::RequestMeta;
use crate::caller::Session;
use crate::documents::{is_own_form, Exported, Format, NewComment, WorkOf};
use crate::error::{AppError, AppResult};
use crate::Conflict;

/// The largest own form read into memory to export it or to copy it.
pub(super) const MAX_OWN_FORM: u64 = 64 << 20;

impl Assignments {
    /// A handed-in document as a file in an open format, for those who may read the hand-in.
    #[allow(clippy::too_many_arguments)]
    pub async fn hand_in_export(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        position: usize,
        format: Format,
        meta: &RequestMeta,
    ) -> AppResult<Exported> {
        let dl = self.hand_in_file(s, id, hand_in, position, meta).await?;
        if !is_own_form(&dl.name) {
            return Err(Conflict::NotADocument.into());
        }
        let bytes = dl.bytes("A handed-in document", MAX_OWN_FORM).await?;
        self.documents.export_own_form(s.actor.tenant_id, dl.blob(), &dl.name, &bytes, format).await
    }

    /// A picture a handed-in document shows, for those who may read the hand-in (with its
    /// content type).
    #[allow(clippy::too_many_arguments)]
    pub async fn hand_in_picture(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        position: usize,
        sha256: &str,
        meta: &RequestMeta,
    ) -> AppResult<(crate::content::Download, &'static str)> {
        let dl = self.hand_in_file(s, id, hand_in, position, meta).await?;
        if !is_own_form(&dl.name) {
            return Err(Conflict::NotADocument.into());
        }
        let holder = tavle_store::document_images::ImageHolder::Frozen(dl.blob());
        self.documents.picture_of(s.actor.tenant_id, holder, sha256).await
    }

    /// The comments on a handed-in document (none for the pupil before the feedback is
    /// returned).
    pub async fn hand_in_comments(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        position: usize,
    ) -> AppResult<Vec<Comment>> {
        let (on, right, _) = self.comments_subject(s, id, hand_in, position).await?;
        if right == HandInComments::Hidden {
            return Ok(Vec::new());
        }
        self.documents.comments_decided(&s.actor, on).await
    }

    /// Comments on a handed-in document: a teacher begins a thread or answers; the pupil
    /// answers a thread once the feedback is returned.
    pub async fn comment_hand_in(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        position: usize,
        new: NewComment,
        meta: &RequestMeta,
    ) -> AppResult<Comment> {
        let (on, right, work) = self.comments_subject(s, id, hand_in, position).await?;
        match right {
            HandInComments::Full => {}
            HandInComments::Reply if new.reply_to.is_some() => {}
            _ => return Err(AppError::Forbidden),
        }
        self.documents.comment_decided(&s.actor, on, new, work, meta).await
    }

    /// Resolves or reopens a thread on a handed-in document (the assignment's teachers).
    #[allow(clippy::too_many_arguments)]
    pub async fn resolve_hand_in_comment(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        position: usize,
        thread: CommentId,
        resolved: bool,
        meta: &RequestMeta,
    ) -> AppResult<Comment> {
        let (on, right, work) = self.comments_subject(s, id, hand_in, position).await?;
        if right != HandInComments::Full {
            return Err(AppError::Forbidden);
        }
        self.documents.resolve_decided(&s.actor, on, thread, resolved, work, meta).await
    }

    /// The handed-in document a comment is on, what the caller may do with its comments, and
    /// whose work it is.
    async fn comments_subject(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        position: usize,
    ) -> AppResult<(CommentOn, HandInComments, WorkOf)> {
        let (h, manages) = self.readable_hand_in(&s.actor, id, hand_in).await?;
        let f = h.files.get(position).ok_or(AppError::NotFound("file"))?;
        if !is_own_form(&f.name) {
            return Err(Conflict::NotADocument.into());
        }
        let pos = u32::try_from(position).map_err(|_| AppError::NotFound("file"))?;
        let right = hand_in_comments(manages, h.feedback.returned_at.is_some());
        Ok((CommentOn::HandIn(h.id, pos), right, WorkOf(Some(h.pupil_id))))
    }
}
