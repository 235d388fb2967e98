//! Comments on a live document: list, comment or reply, resolve or reopen a thread.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use tavle_app::documents::NewComment;

use super::id;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::wire::{CommentCreate, CommentThreadChange, CommentWire};
use crate::HttpState;

/// A new comment as the app takes it; a malformed `reply_to` is "not found", as an unknown one.
pub(crate) fn new_comment(req: CommentCreate) -> ApiResult<NewComment> {
    let reply_to = req.reply_to.as_deref().map(|r| id(r, "comment")).transpose()?;
    Ok(NewComment { body: req.body, reply_to, anchor: req.anchor, quote: req.quote })
}

/// The comments on a document, oldest first (threads and their replies).
#[utoipa::path(get, path = "/api/v1/documents/{node_id}/comments", tag = "documents",
    params(("node_id" = String, Path)),
    responses((status = 200, body = [CommentWire]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn list(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
) -> ApiResult<Json<Vec<CommentWire>>> {
    let all = state.app.documents().comments(&auth.session, id(&node, "document")?, &auth.meta).await?;
    Ok(Json(all.iter().map(CommentWire::from).collect()))
}

/// Comment on a passage, or reply to a thread (whoever may edit the document).
#[utoipa::path(post, path = "/api/v1/documents/{node_id}/comments", tag = "documents",
    params(("node_id" = String, Path)), request_body = CommentCreate,
    responses((status = 201, body = CommentWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    Json(req): Json<CommentCreate>,
) -> ApiResult<(StatusCode, Json<CommentWire>)> {
    let node = id(&node, "document")?;
    let c = state.app.documents().comment(&auth.session, node, new_comment(req)?, &auth.meta).await?;
    Ok((StatusCode::CREATED, Json(CommentWire::from(&c))))
}

/// Resolve a thread or reopen it (whoever may edit the document).
#[utoipa::path(patch, path = "/api/v1/documents/{node_id}/comments/{comment_id}", tag = "documents",
    params(("node_id" = String, Path), ("comment_id" = String, Path, description = "The thread's first comment")),
    request_body = CommentThreadChange,
    responses((status = 200, body = CommentWire), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn change(
    State(state): State<HttpState>,
    auth: Authed,
    Path((node, thread)): Path<(String, String)>,
    Json(req): Json<CommentThreadChange>,
) -> ApiResult<Json<CommentWire>> {
    let (node, thread) = (id(&node, "document")?, id(&thread, "comment")?);
    let c = state.app.documents().resolve(&auth.session, node, thread, req.resolved, &auth.meta).await?;
    Ok(Json(CommentWire::from(&c)))
}
