//! A Tavle document handed in (its `.tavledoc` file): exported as ODT, DOCX or PDF, and the
//! comments on it that are the teacher's feedback.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;

use super::comments::new_comment;
use super::documents::{exported, format_of};
use super::id;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::wire::{CommentCreate, CommentThreadChange, CommentWire};
use crate::HttpState;

/// A handed-in document as `odt`, `docx` or `pdf` (its pupil, and the assignment's teachers;
/// a teacher's read is audited).
#[utoipa::path(get, path = "/api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/export/{format}",
    tag = "assignments",
    params(("assignment_id" = String, Path), ("hand_in_id" = String, Path), ("position" = usize, Path),
        ("format" = String, Path, description = "odt, docx, pdf or tavledoc")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn export(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, h, position, format)): Path<(String, String, usize, String)>,
) -> ApiResult<Response> {
    let format = format_of(&format)?;
    let (a, h) = (id(&a, "assignment")?, id(&h, "hand-in")?);
    let out = state.app.assignments().hand_in_export(&auth.session, a, h, position, format, &auth.meta).await?;
    Ok(exported(out))
}

/// The comments on a handed-in document: the teachers', and the pupil's answers. The pupil
/// sees them once the feedback is returned (before that, none).
#[utoipa::path(get, path = "/api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/comments",
    tag = "assignments",
    params(("assignment_id" = String, Path), ("hand_in_id" = String, Path), ("position" = usize, Path)),
    responses((status = 200, body = [CommentWire]), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn comments(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, h, position)): Path<(String, String, usize)>,
) -> ApiResult<Json<Vec<CommentWire>>> {
    let (a, h) = (id(&a, "assignment")?, id(&h, "hand-in")?);
    let all = state.app.assignments().hand_in_comments(&auth.session, a, h, position).await?;
    Ok(Json(all.iter().map(CommentWire::from).collect()))
}

/// Comment on a passage of a handed-in document (the assignment's teachers), or answer a
/// thread (they, and the pupil once the feedback is returned).
#[utoipa::path(post, path = "/api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/comments",
    tag = "assignments",
    params(("assignment_id" = String, Path), ("hand_in_id" = String, Path), ("position" = usize, Path)),
    request_body = CommentCreate,
    responses((status = 201, body = CommentWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn comment(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, h, position)): Path<(String, String, usize)>,
    Json(req): Json<CommentCreate>,
) -> ApiResult<(StatusCode, Json<CommentWire>)> {
    let (a, h) = (id(&a, "assignment")?, id(&h, "hand-in")?);
    let new = new_comment(req)?;
    let c = state.app.assignments().comment_hand_in(&auth.session, a, h, position, new, &auth.meta).await?;
    Ok((StatusCode::CREATED, Json(CommentWire::from(&c))))
}

/// Resolve or reopen a thread on a handed-in document (the assignment's teachers).
#[utoipa::path(patch,
    path = "/api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/comments/{comment_id}",
    tag = "assignments",
    params(("assignment_id" = String, Path), ("hand_in_id" = String, Path), ("position" = usize, Path),
        ("comment_id" = String, Path, description = "The thread's first comment")),
    request_body = CommentThreadChange,
    responses((status = 200, body = CommentWire), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn change(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, h, position, thread)): Path<(String, String, usize, String)>,
    Json(req): Json<CommentThreadChange>,
) -> ApiResult<Json<CommentWire>> {
    let (a, h, thread) = (id(&a, "assignment")?, id(&h, "hand-in")?, id(&thread, "comment")?);
    let c = state
        .app
        .assignments()
        .resolve_hand_in_comment(&auth.session, a, h, position, thread, req.resolved, &auth.meta)
        .await?;
    Ok(Json(CommentWire::from(&c)))
}
