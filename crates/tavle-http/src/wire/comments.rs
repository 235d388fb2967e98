//! Comments on documents, as the API shows and takes them.

use serde::{Deserialize, Serialize};
use tavle_core::document::Comment;
use tavle_core::Timestamp;
use utoipa::ToSchema;

/// A comment on a passage of a document, or a reply in its thread.
#[derive(Serialize, ToSchema)]
pub struct CommentWire {
    pub id: String,
    /// The thread's first comment (the comment's own id for the first).
    pub thread_id: String,
    pub author_id: String,
    /// The author's name as the school has it.
    pub author_name: String,
    pub body: String,
    /// Where the passage is, as the editor encodes it (a thread's first comment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    /// The passage's text when the thread began.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    pub created_at: String,
    /// When the thread was resolved (on its first comment); absent while it is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
}

impl From<&Comment> for CommentWire {
    fn from(c: &Comment) -> Self {
        CommentWire {
            id: c.id.to_string(),
            thread_id: c.thread_id.to_string(),
            author_id: c.author_id.to_string(),
            author_name: c.author_name.clone(),
            body: c.body.clone(),
            anchor: c.anchor.clone(),
            quote: c.quote.clone(),
            created_at: Timestamp(c.created_at).to_rfc3339(),
            resolved_at: c.resolved_at.map(|t| Timestamp(t).to_rfc3339()),
            resolved_by: c.resolved_by.map(|p| p.to_string()),
        }
    }
}

/// A new comment: a thread on a passage (`anchor`, `quote`), or a reply (`reply_to`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentCreate {
    /// 1 to 5,000 characters.
    pub body: String,
    /// Any comment of the thread this answers.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// Where the passage is, as the editor encodes it (up to 2,000 characters of base64).
    #[serde(default)]
    pub anchor: Option<String>,
    /// The passage's text (kept up to 500 characters).
    #[serde(default)]
    pub quote: Option<String>,
}

/// Resolve a thread, or reopen it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentThreadChange {
    pub resolved: bool,
}
