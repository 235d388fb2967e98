//! Drives, folders and the changes to them: list, look, create folders, rename, move, copy,
//! delete to the trash, search.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use tavle_app::drive::Destination;
use utoipa::IntoParams;

use super::id;
use crate::content::etags;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::wire::{FolderCreate, FolderWire, NodeCopy, NodeDetailWire, NodePatch, NodeWire, QuotaChange, SpaceWire};
use crate::HttpState;

/// The `If-Match` ETag of a request, if any.
pub(crate) fn if_match(headers: &HeaderMap) -> Option<String> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()).and_then(|v| etags(v).into_iter().next())
}

/// The caller's drives: their own, their classes' and teams', their schools' staff drives.
#[utoipa::path(get, path = "/api/v1/drive/spaces", tag = "drive",
    responses((status = 200, body = [SpaceWire]), (status = 401, body = ErrorBody)))]
pub async fn spaces(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<Vec<SpaceWire>>> {
    let spaces = state.app.drive().spaces(&auth.session).await?;
    Ok(Json(spaces.iter().map(SpaceWire::from).collect()))
}

/// One drive with its quota and usage.
#[utoipa::path(get, path = "/api/v1/drive/spaces/{space_id}", tag = "drive",
    params(("space_id" = String, Path)),
    responses((status = 200, body = SpaceWire), (status = 404, body = ErrorBody)))]
pub async fn space(
    State(state): State<HttpState>,
    auth: Authed,
    Path(space): Path<String>,
) -> ApiResult<Json<SpaceWire>> {
    let v = state.app.drive().space(&auth.session, id(&space, "drive")?).await?;
    Ok(Json(SpaceWire::from(&v)))
}

/// Set a drive's quota in bytes (1 MiB to 100 TiB), or `null` for the default of its kind.
/// School admins set those of their school's drives and people; municipality admins any.
#[utoipa::path(put, path = "/api/v1/drive/spaces/{space_id}/quota", tag = "drive",
    params(("space_id" = String, Path)), request_body = QuotaChange,
    responses((status = 200, body = SpaceWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn set_quota(
    State(state): State<HttpState>,
    auth: Authed,
    Path(space): Path<String>,
    Json(req): Json<QuotaChange>,
) -> ApiResult<Json<SpaceWire>> {
    let v = state.app.drive().set_quota(&auth.session, id(&space, "drive")?, req.quota_bytes, &auth.meta).await?;
    Ok(Json(SpaceWire::from(&v)))
}

/// A person's own drive as an admin sees it: its usage and quota, not its contents (for
/// those who may set its quota).
#[utoipa::path(get, path = "/api/v1/people/{person_id}/drive", tag = "drive",
    params(("person_id" = String, Path)),
    responses((status = 200, body = SpaceWire), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn person_drive(
    State(state): State<HttpState>,
    auth: Authed,
    Path(person): Path<String>,
) -> ApiResult<Json<SpaceWire>> {
    let v = state.app.drive().person_drive(&auth.session, id(&person, "person")?, &auth.meta).await?;
    Ok(Json(SpaceWire::from(&v)))
}

/// A file or folder with its path.
#[utoipa::path(get, path = "/api/v1/drive/nodes/{node_id}", tag = "drive",
    params(("node_id" = String, Path)),
    responses((status = 200, body = NodeDetailWire), (status = 404, body = ErrorBody)))]
pub async fn node(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
) -> ApiResult<Json<NodeDetailWire>> {
    let v = state.app.drive().node(&auth.session, id(&node, "file or folder")?).await?;
    Ok(Json(NodeDetailWire::from(&v)))
}

/// Rename and/or move a file or folder. `If-Match` makes it conditional on the ETag.
#[utoipa::path(patch, path = "/api/v1/drive/nodes/{node_id}", tag = "drive",
    params(("node_id" = String, Path)), request_body = NodePatch,
    responses((status = 200, body = NodeWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 507, body = ErrorBody)))]
pub async fn patch(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    headers: HeaderMap,
    Json(req): Json<NodePatch>,
) -> ApiResult<Json<NodeWire>> {
    let node = id(&node, "file or folder")?;
    let parent = match &req.parent_id {
        Some(p) => id(p, "folder")?,
        None => state.app.drive().node(&auth.session, node).await?.path.last().map(|p| p.id).unwrap_or(node),
    };
    let to = Destination { parent, name: req.name, replace: false };
    let moved = state.app.drive().move_node(&auth.session, node, &to, if_match(&headers).as_deref()).await?;
    Ok(Json(NodeWire::from(&moved)))
}

/// Move a file or folder to its drive's trash.
#[utoipa::path(delete, path = "/api/v1/drive/nodes/{node_id}", tag = "drive",
    params(("node_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody)))]
pub async fn delete(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    state.app.drive().delete_node(&auth.session, id(&node, "file or folder")?, if_match(&headers).as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A folder and what is in it.
#[utoipa::path(get, path = "/api/v1/drive/nodes/{node_id}/children", tag = "drive",
    params(("node_id" = String, Path)),
    responses((status = 200, body = FolderWire), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn children(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
) -> ApiResult<Json<FolderWire>> {
    let (folder, children) = state.app.drive().folder(&auth.session, id(&node, "folder")?).await?;
    Ok(Json(FolderWire {
        folder: NodeDetailWire::from(&folder),
        children: children.iter().map(NodeWire::from).collect(),
    }))
}

/// Create a folder in a folder.
#[utoipa::path(post, path = "/api/v1/drive/nodes/{node_id}/folders", tag = "drive",
    params(("node_id" = String, Path)), request_body = FolderCreate,
    responses((status = 201, body = NodeWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_folder(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    Json(req): Json<FolderCreate>,
) -> ApiResult<(StatusCode, Json<NodeWire>)> {
    let folder = state.app.drive().create_folder(&auth.session, id(&node, "folder")?, &req.name).await?;
    Ok((StatusCode::CREATED, Json(NodeWire::from(&folder))))
}

/// Copy a file or folder (with everything in it) into a folder.
#[utoipa::path(post, path = "/api/v1/drive/nodes/{node_id}/copy", tag = "drive",
    params(("node_id" = String, Path)), request_body = NodeCopy,
    responses((status = 201, body = NodeWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn copy(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    Json(req): Json<NodeCopy>,
) -> ApiResult<(StatusCode, Json<NodeWire>)> {
    let to = Destination { parent: id(&req.parent_id, "folder")?, name: req.name, replace: false };
    let copy = state.app.drive().copy_node(&auth.session, id(&node, "file or folder")?, &to).await?;
    Ok((StatusCode::CREATED, Json(NodeWire::from(&copy))))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Text the name contains (any case); nothing is found without it.
    #[serde(default)]
    pub q: String,
}

/// Files and folders whose names contain the text, in every drive the caller may see.
#[utoipa::path(get, path = "/api/v1/drive/search", tag = "drive", params(SearchQuery),
    responses((status = 200, body = [NodeWire]), (status = 401, body = ErrorBody)))]
pub async fn search(
    State(state): State<HttpState>,
    auth: Authed,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<NodeWire>>> {
    let found = state.app.drive().search(&auth.session, &q.q, 200).await?;
    Ok(Json(found.iter().map(NodeWire::from).collect()))
}

/// The files I changed last (at most 8, newest first) that I can still open: the home page's
/// "recent files".
#[utoipa::path(get, path = "/api/v1/drive/recent", tag = "drive",
    responses((status = 200, body = [NodeWire]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn recent(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<Vec<NodeWire>>> {
    let found = state.app.drive().recent_files(&auth.session, 8).await?;
    Ok(Json(found.iter().map(NodeWire::from).collect()))
}
