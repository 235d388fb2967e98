//! File contents over the JSON API: upload, download (with ranges), older versions, and the
//! trash.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::TryStreamExt;
use serde::Deserialize;
use tavle_app::drive::Conditions;
use utoipa::IntoParams;

use super::drive::if_match;
use super::id;
use crate::content::{self, etags, quoted, Disposition};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::wire::{NodeWire, VersionWire};
use crate::HttpState;

/// The client's modification time of an upload: `X-OC-Mtime` in seconds, as the Nextcloud
/// clients send it.
pub(crate) fn client_mtime(headers: &HeaderMap) -> Option<i64> {
    let secs: f64 = headers.get("x-oc-mtime")?.to_str().ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0).then_some((secs * 1000.0) as i64)
}

/// `If-Match` and `If-None-Match: *` of an upload.
pub(crate) fn conditions(headers: &HeaderMap) -> Conditions {
    let inm = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(etags).unwrap_or_default();
    Conditions { if_match: if_match(headers), if_none_match_any: inm.iter().any(|t| t == "*"), keep_both: false }
}

/// Upload a file into a folder: a new file (201) or new contents of the one with that name
/// (200; the old contents become a version). The body is the file's bytes, streamed. Send
/// `If-Match` with the ETag you have to refuse overwriting someone else's change,
/// `If-None-Match: *` to refuse overwriting at all.
#[utoipa::path(put, path = "/api/v1/drive/nodes/{node_id}/files/{name}", tag = "drive",
    params(("node_id" = String, Path), ("name" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = NodeWire), (status = 200, body = NodeWire), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn upload(
    State(state): State<HttpState>,
    auth: Authed,
    Path((folder, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let stream = body.into_data_stream().map_err(|e| e.to_string());
    let up = state
        .app
        .drive()
        .upload(&auth.session, id(&folder, "folder")?, &name, stream, &conditions(&headers), client_mtime(&headers))
        .await?;
    let status = if up.created { StatusCode::CREATED } else { StatusCode::OK };
    let mut resp = (status, Json(NodeWire::from(&up.node))).into_response();
    content::set_header(resp.headers_mut(), header::ETAG, quoted(&up.node.etag));
    Ok(resp)
}

#[derive(Deserialize, IntoParams)]
pub struct ContentQuery {
    /// `inline` to show an image, PDF or text file in the browser; otherwise it is saved.
    pub disposition: Option<String>,
}

pub(crate) fn disposition(q: &ContentQuery) -> Disposition {
    match q.disposition.as_deref() {
        Some("inline") => Disposition::Inline,
        _ => Disposition::Attachment,
    }
}

/// Download a file's contents. Supports `Range` (one byte range), `If-Range` and
/// `If-None-Match`.
#[utoipa::path(get, path = "/api/v1/drive/nodes/{node_id}/content", tag = "drive",
    params(("node_id" = String, Path), ContentQuery),
    responses((status = 200, content_type = "application/octet-stream"), (status = 206), (status = 304),
        (status = 404, body = ErrorBody), (status = 416)))]
pub async fn content(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    Query(q): Query<ContentQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let dl = state.app.drive().download(&auth.session, id(&node, "file")?, &auth.meta).await?;
    content::serve(&headers, &dl, disposition(&q)).await
}

/// A file's older versions, newest first.
#[utoipa::path(get, path = "/api/v1/drive/nodes/{node_id}/versions", tag = "drive",
    params(("node_id" = String, Path)),
    responses((status = 200, body = [VersionWire]), (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
) -> ApiResult<Json<Vec<VersionWire>>> {
    let list = state.app.drive().versions(&auth.session, id(&node, "file")?).await?;
    Ok(Json(list.iter().map(VersionWire::from).collect()))
}

/// Download an older version.
#[utoipa::path(get, path = "/api/v1/drive/nodes/{node_id}/versions/{version_id}/content", tag = "drive",
    params(("node_id" = String, Path), ("version_id" = String, Path), ContentQuery),
    responses((status = 200, content_type = "application/octet-stream"), (status = 206), (status = 304),
        (status = 404, body = ErrorBody), (status = 416)))]
pub async fn version_content(
    State(state): State<HttpState>,
    auth: Authed,
    Path((node, version)): Path<(String, String)>,
    Query(q): Query<ContentQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let dl = state
        .app
        .drive()
        .version_download(&auth.session, id(&node, "file")?, id(&version, "version")?, &auth.meta)
        .await?;
    content::serve(&headers, &dl, disposition(&q)).await
}

/// Make an older version the file's contents again (the current contents become a version).
#[utoipa::path(post, path = "/api/v1/drive/nodes/{node_id}/versions/{version_id}/restore", tag = "drive",
    params(("node_id" = String, Path), ("version_id" = String, Path)),
    responses((status = 200, body = NodeWire), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 507, body = ErrorBody)))]
pub async fn restore_version(
    State(state): State<HttpState>,
    auth: Authed,
    Path((node, version)): Path<(String, String)>,
) -> ApiResult<Json<NodeWire>> {
    let file = state.app.drive().restore_version(&auth.session, id(&node, "file")?, id(&version, "version")?).await?;
    Ok(Json(NodeWire::from(&file)))
}

/// What is in a drive's trash (each deleted file or folder, newest first).
#[utoipa::path(get, path = "/api/v1/drive/spaces/{space_id}/trash", tag = "drive",
    params(("space_id" = String, Path)),
    responses((status = 200, body = [NodeWire]), (status = 404, body = ErrorBody)))]
pub async fn trash(
    State(state): State<HttpState>,
    auth: Authed,
    Path(space): Path<String>,
) -> ApiResult<Json<Vec<NodeWire>>> {
    let list = state.app.drive().trash(&auth.session, id(&space, "drive")?).await?;
    Ok(Json(list.iter().map(NodeWire::from).collect()))
}

/// Put a file or folder back from the trash.
#[utoipa::path(post, path = "/api/v1/drive/trash/{node_id}/restore", tag = "drive",
    params(("node_id" = String, Path)),
    responses((status = 200, body = NodeWire), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn restore(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
) -> ApiResult<Json<NodeWire>> {
    let n = state.app.drive().restore(&auth.session, id(&node, "file or folder")?).await?;
    Ok(Json(NodeWire::from(&n)))
}

/// Delete a file or folder in the trash for good.
#[utoipa::path(delete, path = "/api/v1/drive/trash/{node_id}", tag = "drive",
    params(("node_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn purge(State(state): State<HttpState>, auth: Authed, Path(node): Path<String>) -> ApiResult<StatusCode> {
    state.app.drive().purge(&auth.session, id(&node, "file or folder")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
