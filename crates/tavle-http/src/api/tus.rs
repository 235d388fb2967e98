//! Resumable uploads for the web app: tus 1.0 (core, `creation`, `termination`) at
//! `/api/v1/drive/uploads`. A large file survives a dropped connection: the client asks
//! where the upload stands (HEAD) and sends the rest from there (PATCH). When the last byte
//! is in, the file is created and its id is in the `Tavle-Node-Id` header.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use futures_util::TryStreamExt;
use tavle_app::drive::{Conditions, Finish, Protocol};
use tavle_app::AppError;
use tavle_core::dav::UploadSession;
use tavle_core::{InvalidInput, Reason};

use super::id;
use crate::content::set_header;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::HttpState;

const TUS_VERSION: &str = "1.0.0";

fn tus_headers(h: &mut HeaderMap) {
    h.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

pub(crate) fn number(headers: &HeaderMap, name: &'static str) -> Result<i64, ApiError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| ApiError::BadRequest(format!("The {name} header must be a whole number of bytes.")))
}

/// The `Upload-Metadata` pairs (`key base64value`, comma-separated).
pub(crate) fn metadata(headers: &HeaderMap) -> Vec<(String, String)> {
    let raw = headers.get("upload-metadata").and_then(|v| v.to_str().ok()).unwrap_or_default();
    raw.split(',')
        .filter_map(|pair| {
            let mut it = pair.trim().splitn(2, ' ');
            let key = it.next()?.to_string();
            let value = it.next().unwrap_or("");
            let decoded = base64::engine::general_purpose::STANDARD.decode(value.trim()).ok()?;
            Some((key, String::from_utf8(decoded).ok()?))
        })
        .collect()
}

/// What this server speaks of tus.
#[utoipa::path(options, path = "/api/v1/drive/uploads", tag = "drive",
    responses((status = 204, description = "Tus-Version, Tus-Extension")))]
pub async fn options() -> Response {
    let mut h = HeaderMap::new();
    tus_headers(&mut h);
    h.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    h.insert("tus-extension", HeaderValue::from_static("creation,termination"));
    (StatusCode::NO_CONTENT, h).into_response()
}

/// Start a resumable upload (tus `creation`). Headers: `Upload-Length`, and
/// `Upload-Metadata` with `folder` (the folder's id) and `filename`, each base64. The last
/// PATCH may carry the file's modification time in `X-OC-Mtime` (seconds).
#[utoipa::path(post, path = "/api/v1/drive/uploads", tag = "drive",
    responses((status = 201, description = "Location of the upload"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn create(State(state): State<HttpState>, auth: Authed, headers: HeaderMap) -> ApiResult<Response> {
    let length = number(&headers, "upload-length")?;
    let meta = metadata(&headers);
    let get = |k: &str| meta.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let folder = get("folder").ok_or_else(|| ApiError::BadRequest("Upload-Metadata must name the folder.".into()))?;
    let filename = get("filename")
        .ok_or_else(|| AppError::from(InvalidInput::new("name", Reason::Empty, "The file needs a name.")))?;
    let target = Some((id(&folder, "folder")?, filename.as_str()));
    let session =
        state.app.drive().upload_session_start(&auth.session, Protocol::Tus, None, target, Some(length)).await?;
    let mut h = HeaderMap::new();
    tus_headers(&mut h);
    set_header(&mut h, "location", format!("/api/v1/drive/uploads/{}", session.client_key));
    set_header(&mut h, "upload-offset", 0);
    Ok((StatusCode::CREATED, h).into_response())
}

async fn session(state: &HttpState, auth: &Authed, upload: &str) -> ApiResult<UploadSession> {
    Ok(state.app.drive().upload_session(&auth.session, Protocol::Tus, upload).await?)
}

/// Where an upload stands.
#[utoipa::path(head, path = "/api/v1/drive/uploads/{upload_id}", tag = "drive",
    params(("upload_id" = String, Path)),
    responses((status = 200, description = "Upload-Offset and Upload-Length"), (status = 404)))]
pub async fn head(State(state): State<HttpState>, auth: Authed, Path(upload): Path<String>) -> ApiResult<Response> {
    let s = session(&state, &auth, &upload).await?;
    let mut h = HeaderMap::new();
    tus_headers(&mut h);
    set_header(&mut h, "upload-offset", s.received);
    if let Some(total) = s.total_length {
        set_header(&mut h, "upload-length", total);
    }
    Ok((StatusCode::OK, h).into_response())
}

/// Send bytes from `Upload-Offset` on (`Content-Type: application/offset+octet-stream`). The
/// answer's `Upload-Offset` says where the upload stands; with the last byte the file is
/// created and `Tavle-Node-Id` names it.
#[utoipa::path(patch, path = "/api/v1/drive/uploads/{upload_id}", tag = "drive",
    params(("upload_id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 415, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn patch(
    State(state): State<HttpState>,
    auth: Authed,
    Path(upload): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let s = session(&state, &auth, &upload).await?;
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if ct != "application/offset+octet-stream" {
        return Err(ApiError::BadRequest("A tus PATCH needs Content-Type: application/offset+octet-stream.".into()));
    }
    let offset = number(&headers, "upload-offset")?;
    let stream = body.into_data_stream().map_err(|e| e.to_string());
    let s = state.app.drive().upload_part(&auth.session, &s, &format!("{offset:020}"), Some(offset), stream).await?;
    let mut h = HeaderMap::new();
    tus_headers(&mut h);
    set_header(&mut h, "upload-offset", s.received);
    if s.total_length == Some(s.received) {
        let (Some(folder), Some(name)) = (s.folder_id, s.name.clone()) else {
            return Err(AppError::Internal("a tus upload without its target".into()).into());
        };
        let mtime = super::files::client_mtime(&headers);
        let cond = Conditions::default();
        let finish = Finish { folder, name: &name, cond: &cond, mtime, expected_total: None };
        let up = state.app.drive().upload_finish(&auth.session, &s, &finish).await?;
        set_header(&mut h, "tavle-node-id", up.node.id);
    }
    Ok((StatusCode::NO_CONTENT, h).into_response())
}

/// Cancel an upload (tus `termination`).
#[utoipa::path(delete, path = "/api/v1/drive/uploads/{upload_id}", tag = "drive",
    params(("upload_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(State(state): State<HttpState>, auth: Authed, Path(upload): Path<String>) -> ApiResult<Response> {
    let s = session(&state, &auth, &upload).await?;
    state.app.drive().upload_abort(&auth.session, &s).await?;
    let mut h = HeaderMap::new();
    tus_headers(&mut h);
    Ok((StatusCode::NO_CONTENT, h).into_response())
}
