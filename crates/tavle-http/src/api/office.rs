//! The municipality's office server (Collabora Online or OnlyOffice, through WOPI): which it
//! is, and opening a file of the drive in it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use tavle_app::office::OfficeSettings;
use utoipa::ToSchema;

use super::id;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::wopi::origin;
use crate::HttpState;

/// A municipality's office server.
#[derive(Serialize, ToSchema)]
pub struct OfficeWire {
    /// Its WOPI discovery address.
    pub discovery_url: String,
    /// The file extensions it opens (of docx, xlsx, pptx, odt, ods, odp).
    pub extensions: Vec<String>,
}

impl From<OfficeSettings> for OfficeWire {
    fn from(s: OfficeSettings) -> Self {
        OfficeWire { discovery_url: s.discovery_url, extensions: s.extensions }
    }
}

/// Which office server to use.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficeChange {
    /// Its WOPI discovery address, e.g. `https://office.kommune.dk/hosting/discovery`.
    pub discovery_url: String,
}

/// A file opened in the office server: the browser posts `access_token` and
/// `access_token_ttl` as a form to `action_url` (in a frame).
#[derive(Serialize, ToSchema)]
pub struct OfficeOpenWire {
    pub action_url: String,
    pub access_token: String,
    pub access_token_ttl: i64,
}

/// The municipality's office server (404 when it has none).
#[utoipa::path(get, path = "/api/v1/office", tag = "office",
    responses((status = 200, body = OfficeWire), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<OfficeWire>> {
    let s = state.app.office().settings(&auth.session).await?;
    Ok(Json(s.ok_or(tavle_app::AppError::NotFound("office server"))?.into()))
}

/// Name the municipality's office server by its discovery address (a municipality admin);
/// the discovery is read at once.
#[utoipa::path(put, path = "/api/v1/office", tag = "office", request_body = OfficeChange,
    responses((status = 200, body = OfficeWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put(
    State(state): State<HttpState>,
    auth: Authed,
    Json(req): Json<OfficeChange>,
) -> ApiResult<Json<OfficeWire>> {
    Ok(Json(state.app.office().configure(&auth.session, &req.discovery_url, &auth.meta).await?.into()))
}

/// Stop using an office server (a municipality admin).
#[utoipa::path(delete, path = "/api/v1/office", tag = "office",
    responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete(State(state): State<HttpState>, auth: Authed) -> ApiResult<StatusCode> {
    state.app.office().remove(&auth.session, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open a file in the office server: to edit if the caller may change it, else to view.
#[utoipa::path(post, path = "/api/v1/drive/nodes/{node_id}/office", tag = "office",
    params(("node_id" = String, Path)),
    responses((status = 200, body = OfficeOpenWire), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn open(
    State(state): State<HttpState>,
    auth: Authed,
    headers: HeaderMap,
    Path(node): Path<String>,
) -> ApiResult<Json<OfficeOpenWire>> {
    let o = state.app.office().open(&auth.session, id(&node, "file")?, &origin(&headers), &auth.meta).await?;
    Ok(Json(OfficeOpenWire {
        action_url: o.action_url,
        access_token: o.access_token,
        access_token_ttl: o.access_token_ttl,
    }))
}
