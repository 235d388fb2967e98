//! A group with its members, and changes to membership.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use tavle_app::AppError;
use tavle_core::org::MemberRole;
use tavle_core::{InvalidInput, Reason};

use super::id;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::wire::{GroupDetailWire, MemberPut};
use crate::HttpState;

/// A class or team with its members.
#[utoipa::path(get, path = "/api/v1/groups/{group_id}", tag = "organisation",
    params(("group_id" = String, Path)),
    responses((status = 200, body = GroupDetailWire), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<HttpState>,
    auth: Authed,
    Path(group): Path<String>,
) -> ApiResult<Json<GroupDetailWire>> {
    let g = state.app.org().group(&auth.session, id(&group, "group")?, &auth.meta).await?;
    Ok(Json(GroupDetailWire::from(&g)))
}

/// Add a person to a group, or change their role in it (school admins).
#[utoipa::path(put, path = "/api/v1/groups/{group_id}/members/{person_id}", tag = "organisation",
    params(("group_id" = String, Path), ("person_id" = String, Path)), request_body = MemberPut,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_member(
    State(state): State<HttpState>,
    auth: Authed,
    Path((group, person)): Path<(String, String)>,
    Json(req): Json<MemberPut>,
) -> ApiResult<StatusCode> {
    let role = MemberRole::parse(&req.role).ok_or_else(|| {
        AppError::from(InvalidInput::new("role", Reason::BadFormat, "The role must be pupil or teacher."))
    })?;
    state.app.org().put_member(&auth.session, id(&group, "group")?, id(&person, "person")?, role, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a person from a group (school admins).
#[utoipa::path(delete, path = "/api/v1/groups/{group_id}/members/{person_id}", tag = "organisation",
    params(("group_id" = String, Path), ("person_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<HttpState>,
    auth: Authed,
    Path((group, person)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.org().remove_member(&auth.session, id(&group, "group")?, id(&person, "person")?, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
