//! Sharing files and folders, and what is shared with the caller.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use tavle_app::AppError;
use tavle_core::drive::{Access, Grantee};
use tavle_core::{InvalidInput, Reason};

use super::id;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::wire::{NewShare, ShareWire, SharedWire};
use crate::HttpState;

/// Share a file or folder with a person, a class or team, or a school (as viewer or editor).
/// Sharing again with the same grantee changes the access.
#[utoipa::path(post, path = "/api/v1/drive/nodes/{node_id}/shares", tag = "drive",
    params(("node_id" = String, Path)), request_body = NewShare,
    responses((status = 201, body = ShareWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    Json(req): Json<NewShare>,
) -> ApiResult<(StatusCode, Json<ShareWire>)> {
    let grantee = Grantee::parse(&req.grantee_kind, &req.grantee_id).ok_or_else(|| {
        AppError::from(InvalidInput::new(
            "grantee_kind",
            Reason::BadFormat,
            "Share with a person, a group or a school, named by its id.",
        ))
    })?;
    let access = Access::parse(&req.access).ok_or_else(|| {
        AppError::from(InvalidInput::new("access", Reason::BadFormat, "The access must be view or edit."))
    })?;
    let share =
        state.app.drive().share(&auth.session, id(&node, "file or folder")?, grantee, access, &auth.meta).await?;
    let name =
        state.app.drive().grantee_names(&auth.session, std::slice::from_ref(&share)).await?.pop().unwrap_or_default();
    Ok((StatusCode::CREATED, Json(ShareWire::new(&share, name))))
}

/// The shares of a file or folder (for those who may share it).
#[utoipa::path(get, path = "/api/v1/drive/nodes/{node_id}/shares", tag = "drive",
    params(("node_id" = String, Path)),
    responses((status = 200, body = [ShareWire]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
) -> ApiResult<Json<Vec<ShareWire>>> {
    let shares = state.app.drive().shares_of(&auth.session, id(&node, "file or folder")?).await?;
    let names = state.app.drive().grantee_names(&auth.session, &shares).await?;
    Ok(Json(shares.iter().zip(names).map(|(s, n)| ShareWire::new(s, n)).collect()))
}

/// End a share.
#[utoipa::path(delete, path = "/api/v1/drive/shares/{share_id}", tag = "drive",
    params(("share_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(State(state): State<HttpState>, auth: Authed, Path(share): Path<String>) -> ApiResult<StatusCode> {
    state.app.drive().unshare(&auth.session, id(&share, "share")?, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What is shared with the caller: with them, their classes and teams, their schools.
#[utoipa::path(get, path = "/api/v1/drive/shared-with-me", tag = "drive",
    responses((status = 200, body = [SharedWire]), (status = 401, body = ErrorBody)))]
pub async fn shared_with_me(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<Vec<SharedWire>>> {
    let items = state.app.drive().shared_with_me(&auth.session).await?;
    let shares: Vec<_> = items.iter().map(|i| i.share.clone()).collect();
    let names = state.app.drive().grantee_names(&auth.session, &shares).await?;
    Ok(Json(items.iter().zip(names).map(|(i, n)| SharedWire::new(i, n)).collect()))
}
