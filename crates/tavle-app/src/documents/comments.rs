//! Comments on a passage of a document: threads of a first comment and replies, resolved and
//! reopened, on a live document (whoever may edit it comments; whoever may read it reads
//! them) or on a document handed in (the assignments service decides who, then calls
//! [`Documents::comments_decided`] and [`Documents::comment_decided`]). Every comment and every
//! resolve is in the audit log, with whose work it is on; the people in a live document's
//! room are told to read the comments again (`[100, 2]`).

use serde_json::json;
use tavle_core::document::{Comment, CommentOn, MAX_COMMENT};
use tavle_core::drive::{Access, SpaceKind};
use tavle_core::policy::Actor;
use tavle_core::{CommentId, InvalidInput, NodeId, PersonId, Reason};

use super::Documents;
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};

/// The longest an anchor (two encoded relative positions) may be.
const MAX_ANCHOR: usize = 2_000;
/// How much of the passage is kept with a thread, in characters.
const MAX_QUOTE: usize = 500;

/// A comment to make: a new thread on a passage, or a reply to a thread.
#[derive(Clone, Debug, Default)]
pub struct NewComment {
    pub body: String,
    /// The thread (any comment of it) this replies to; `None` begins a thread.
    pub reply_to: Option<CommentId>,
    /// Where the passage is, as the editor encodes it; for a new thread.
    pub anchor: Option<String>,
    /// The passage's text.
    pub quote: Option<String>,
}

/// Whose work a comment is on, for the audit record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WorkOf(pub Option<PersonId>);

impl Documents {
    /// The comments on a document, oldest first, for whoever may read it.
    pub async fn comments(&self, s: &Session, node: NodeId, meta: &RequestMeta) -> AppResult<Vec<Comment>> {
        let r = self.reached(s, node).await?;
        self.access.audit_read(&s.actor, &r, "document.comments.read", meta).await?;
        self.comments_decided(&s.actor, CommentOn::Document(node)).await
    }

    /// Comments on a passage of a document, or replies to a thread: for whoever may edit it.
    pub async fn comment(&self, s: &Session, node: NodeId, new: NewComment, meta: &RequestMeta) -> AppResult<Comment> {
        let r = self.reached(s, node).await?;
        r.require(Access::Edit)?;
        let c = self.comment_decided(&s.actor, CommentOn::Document(node), new, owner(&r), meta).await?;
        self.comments_changed(s.actor.tenant_id, node);
        Ok(c)
    }

    /// Resolves a thread (`true`) or reopens it, for whoever may edit the document.
    pub async fn resolve(
        &self,
        s: &Session,
        node: NodeId,
        thread: CommentId,
        resolved: bool,
        meta: &RequestMeta,
    ) -> AppResult<Comment> {
        let r = self.reached(s, node).await?;
        r.require(Access::Edit)?;
        let c = self.resolve_decided(&s.actor, CommentOn::Document(node), thread, resolved, owner(&r), meta).await?;
        self.comments_changed(s.actor.tenant_id, node);
        Ok(c)
    }

    /// The comments on `on`, for a caller whose right to read them was decided.
    pub(crate) async fn comments_decided(&self, a: &Actor, on: CommentOn) -> AppResult<Vec<Comment>> {
        Ok(self.store.read().await?.comments_on(a.tenant_id, on).await?)
    }

    /// Records a comment on `on` by a caller whose right to comment was decided.
    pub(crate) async fn comment_decided(
        &self,
        a: &Actor,
        on: CommentOn,
        new: NewComment,
        work: WorkOf,
        meta: &RequestMeta,
    ) -> AppResult<Comment> {
        let body = new.body.trim().to_string();
        if body.is_empty() || body.chars().count() > MAX_COMMENT {
            return Err(InvalidInput::new(
                "body",
                Reason::OutOfRange,
                format!("Write a comment of 1 to {MAX_COMMENT} characters."),
            )
            .into());
        }
        let now = self.clock.now();
        let id = CommentId::new();
        let mut tx = self.store.write().await?;
        let (thread_id, anchor, quote) = match new.reply_to {
            Some(to) => {
                let to = tx.comment_on(a.tenant_id, on, to).await?.ok_or(AppError::NotFound("comment"))?;
                (to.thread_id, None, None)
            }
            None => (id, new.anchor.map(checked_anchor).transpose()?, new.quote.map(|q| clipped(&q))),
        };
        let c = Comment {
            id,
            thread_id,
            on,
            author_id: a.person_id,
            author_name: String::new(),
            body,
            anchor,
            quote,
            created_at: now.millis(),
            resolved_at: None,
            resolved_by: None,
        };
        tx.insert_comment(a.tenant_id, &c).await?;
        let detail = detail(on, work, json!({ "comment": id.to_string(), "thread": thread_id.to_string() }));
        tx.append_audit(&event(a, now, "document.comment", subject(on), meta, detail)).await?;
        let out = tx.comment_on(a.tenant_id, on, id).await?.ok_or(AppError::NotFound("comment"))?;
        tx.commit().await?;
        Ok(out)
    }

    /// Resolves or reopens a thread on `on`, for a caller whose right was decided.
    pub(crate) async fn resolve_decided(
        &self,
        a: &Actor,
        on: CommentOn,
        thread: CommentId,
        resolved: bool,
        work: WorkOf,
        meta: &RequestMeta,
    ) -> AppResult<Comment> {
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let first = tx.comment_on(a.tenant_id, on, thread).await?.ok_or(AppError::NotFound("comment"))?;
        if first.thread_id != first.id {
            return Err(AppError::NotFound("comment"));
        }
        tx.resolve_thread(a.tenant_id, thread, resolved.then_some((a.person_id, now.millis()))).await?;
        let action = if resolved { "document.comment.resolve" } else { "document.comment.reopen" };
        let detail = detail(on, work, json!({ "thread": thread.to_string() }));
        tx.append_audit(&event(a, now, action, subject(on), meta, detail)).await?;
        let out = tx.comment_on(a.tenant_id, on, thread).await?.ok_or(AppError::NotFound("comment"))?;
        tx.commit().await?;
        Ok(out)
    }

    /// Tells everyone in the document's room, on this node and the others, to read its comments
    /// again.
    fn comments_changed(&self, tenant: tavle_core::TenantId, node: NodeId) {
        if let Some(room) = self.rooms.get(tenant, node) {
            room.tell_all(super::editor::comments_changed());
        }
        self.announce(tenant, node, "c".into());
    }
}

/// Whose own drive the document is in, if it is someone's.
fn owner(r: &crate::access::Reached) -> WorkOf {
    match r.space().kind {
        SpaceKind::Personal(p) => WorkOf(Some(p)),
        _ => WorkOf(None),
    }
}

fn subject(on: CommentOn) -> String {
    match on {
        CommentOn::Document(n) => n.to_string(),
        CommentOn::HandIn(h, _) => h.to_string(),
    }
}

fn detail(on: CommentOn, work: WorkOf, mut d: serde_json::Value) -> serde_json::Value {
    if let CommentOn::HandIn(_, pos) = on {
        d["file"] = json!(pos);
    }
    if let Some(p) = work.0 {
        d["owner"] = json!(p.to_string());
    }
    d
}

/// An anchor as the editor sends it: base64 text of bounded length (Tavle never reads it).
fn checked_anchor(a: String) -> AppResult<String> {
    let ok = a.len() <= MAX_ANCHOR && a.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=:,-_".contains(&b));
    if !ok {
        return Err(InvalidInput::new(
            "anchor",
            Reason::BadFormat,
            "The comment's place in the text could not be read. Select the passage again and comment.",
        )
        .into());
    }
    Ok(a)
}

fn clipped(q: &str) -> String {
    let q: String = q.chars().filter(|c| !c.is_control() || *c == '\n').take(MAX_QUOTE).collect();
    q.trim().to_string()
}
