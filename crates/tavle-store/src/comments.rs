//! Comments on documents (migration 0022): on a live document or on a document handed in,
//! in threads; a thread is resolved or reopened on its first comment.

use std::ops::DerefMut;

use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use tavle_core::document::{Comment, CommentOn};
use tavle_core::{CommentId, PersonId, TenantId};

use crate::row::{id, int, opt_id, opt_int, opt_text, text};
use crate::{Db, Result, StoreError};

const COLUMNS: &str = "c.id, c.node_id, c.hand_in_id, c.file_position, c.thread_id, c.author_id, \
    p.display_name, c.body, c.anchor, c.quote, c.created_at, c.resolved_at, c.resolved_by";

/// `(where, first bind, second bind)` selecting what `on` names.
fn subject(on: CommentOn) -> (&'static str, String, i64) {
    match on {
        CommentOn::Document(n) => ("c.node_id = $2 AND $3 = 0", n.to_string(), 0),
        CommentOn::HandIn(h, pos) => ("c.hand_in_id = $2 AND c.file_position = $3", h.to_string(), i64::from(pos)),
    }
}

fn comment(r: &AnyRow) -> Result<Comment> {
    let on = match opt_id(r, "node_id")? {
        Some(n) => CommentOn::Document(n),
        None => {
            let pos = u32::try_from(int(r, "file_position")?)
                .map_err(|_| StoreError::Corrupt("document_comment.file_position".into()))?;
            CommentOn::HandIn(id(r, "hand_in_id")?, pos)
        }
    };
    Ok(Comment {
        id: id(r, "id")?,
        thread_id: id(r, "thread_id")?,
        on,
        author_id: id(r, "author_id")?,
        author_name: text(r, "display_name")?,
        body: text(r, "body")?,
        anchor: opt_text(r, "anchor")?,
        quote: opt_text(r, "quote")?,
        created_at: int(r, "created_at")?,
        resolved_at: opt_int(r, "resolved_at")?,
        resolved_by: opt_id(r, "resolved_by")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Records a comment (`author_name` is not stored: it is the person's name when read).
    pub async fn insert_comment(&mut self, tenant: TenantId, c: &Comment) -> Result<()> {
        let (node, hand_in, pos) = match c.on {
            CommentOn::Document(n) => (Some(n.to_string()), None, None),
            CommentOn::HandIn(h, p) => (None, Some(h.to_string()), Some(i64::from(p))),
        };
        sqlx::query(
            "INSERT INTO document_comment (id, tenant_id, node_id, hand_in_id, file_position, thread_id, author_id, \
             body, anchor, quote, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(c.id.to_string())
        .bind(tenant.to_string())
        .bind(node)
        .bind(hand_in)
        .bind(pos)
        .bind(c.thread_id.to_string())
        .bind(c.author_id.to_string())
        .bind(c.body.clone())
        .bind(c.anchor.clone())
        .bind(c.quote.clone())
        .bind(c.created_at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Every comment on `on`, oldest first.
    pub async fn comments_on(&mut self, tenant: TenantId, on: CommentOn) -> Result<Vec<Comment>> {
        let (filter, subject_id, pos) = subject(on);
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM document_comment c JOIN person p ON p.tenant_id = c.tenant_id AND p.id = c.author_id \
             WHERE c.tenant_id = $1 AND {filter} ORDER BY c.created_at, c.id"
        ))
        .bind(tenant.to_string())
        .bind(subject_id)
        .bind(pos)
        .fetch_all(self.c())
        .await?;
        rows.iter().map(comment).collect()
    }

    /// One comment on `on`.
    pub async fn comment_on(
        &mut self,
        tenant: TenantId,
        on: CommentOn,
        comment_id: CommentId,
    ) -> Result<Option<Comment>> {
        let (filter, subject_id, pos) = subject(on);
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM document_comment c JOIN person p ON p.tenant_id = c.tenant_id AND p.id = c.author_id \
             WHERE c.tenant_id = $1 AND {filter} AND c.id = $4"
        ))
        .bind(tenant.to_string())
        .bind(subject_id)
        .bind(pos)
        .bind(comment_id.to_string())
        .fetch_optional(self.c())
        .await?;
        row.as_ref().map(comment).transpose()
    }

    /// Marks a thread (its first comment) resolved by `by` at `at`, or reopens it (`None`).
    pub async fn resolve_thread(
        &mut self,
        tenant: TenantId,
        thread: CommentId,
        resolved: Option<(PersonId, i64)>,
    ) -> Result<()> {
        sqlx::query("UPDATE document_comment SET resolved_at = $3, resolved_by = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(thread.to_string())
            .bind(resolved.map(|(_, at)| at))
            .bind(resolved.map(|(p, _)| p.to_string()))
            .execute(self.c())
            .await?;
        Ok(())
    }
}
