//! Share links: making and removing them (`/api/v1/drive/...`, for the owner), and using them
//! (`/api/v1/links/{token}/...`, for anyone who has the link, without logging in).
//!
//! A password-protected link is opened with `POST /api/v1/links/{token}/unlock`; the answer
//! holds a key and sets it as a cookie that only this link's addresses receive, so the
//! browser's own downloads (`<a href>`, `<img src>`) work. Other clients send the key in the
//! `X-Tavle-Link-Key` header.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cookie::{Cookie, SameSite};
use futures_util::TryStreamExt;
use serde::Deserialize;
use tavle_app::drive::LinkSettings;
use tavle_app::AppError;
use tavle_core::drive::LinkKind;
use tavle_core::{InvalidInput, NodeId, Reason};
use utoipa::IntoParams;

use super::files::ContentQuery;
use super::id;
use crate::content;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Authed, Meta};
use crate::wire::{
    CrumbWire, DroppedWire, LinkFolderWire, LinkKeyWire, LinkNodeWire, LinkUnlock, LinkWire, NewLink, OpenedLinkWire,
};
use crate::HttpState;

const KEY_HEADER: &str = "x-tavle-link-key";
const KEY_COOKIE: &str = "tavle_link_key";

/// The key a client sent for a link: the header, or the link's cookie.
fn link_key(headers: &HeaderMap) -> Option<String> {
    if let Some(k) = headers.get(KEY_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(k.trim().to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == KEY_COOKIE)
        .map(|c| c.value().to_string())
}

/// Make a share link for a file or folder (teachers and staff): `download`, or `upload` (a
/// drop box, folders only); with an optional password and last day.
#[utoipa::path(post, path = "/api/v1/drive/nodes/{node_id}/links", tag = "drive",
    params(("node_id" = String, Path)), request_body = NewLink,
    responses((status = 201, body = LinkWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    Json(req): Json<NewLink>,
) -> ApiResult<(StatusCode, Json<LinkWire>)> {
    let kind = LinkKind::parse(&req.kind).ok_or_else(|| {
        AppError::from(InvalidInput::new("kind", Reason::BadFormat, "A link is for download or upload."))
    })?;
    let expires_on = match req.expires_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => Some(tavle_core::names::date("expires_on", d).map_err(AppError::from)?),
        None => None,
    };
    let settings = LinkSettings { kind, password: req.password, expires_on };
    let link =
        state.app.drive().create_link(&auth.session, id(&node, "file or folder")?, &settings, &auth.meta).await?;
    Ok((StatusCode::CREATED, Json(LinkWire::from(&link))))
}

/// The share links of a file or folder (for those who may make them), newest first.
#[utoipa::path(get, path = "/api/v1/drive/nodes/{node_id}/links", tag = "drive",
    params(("node_id" = String, Path)),
    responses((status = 200, body = [LinkWire]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
) -> ApiResult<Json<Vec<LinkWire>>> {
    let links = state.app.drive().links_of(&auth.session, id(&node, "file or folder")?).await?;
    Ok(Json(links.iter().map(LinkWire::from).collect()))
}

/// Remove a share link; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/drive/links/{link_id}", tag = "drive",
    params(("link_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(State(state): State<HttpState>, auth: Authed, Path(link): Path<String>) -> ApiResult<StatusCode> {
    state.app.drive().delete_link(&auth.session, id(&link, "link")?, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open a share link (no login): what it is, whose it is, and, unless it is locked by a
/// password, what it opens.
#[utoipa::path(get, path = "/api/v1/links/{token}", tag = "drive",
    params(("token" = String, Path)),
    responses((status = 200, body = OpenedLinkWire), (status = 404, body = ErrorBody)))]
pub async fn open(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<OpenedLinkWire>> {
    let opened = state.app.drive().open_link(&token, link_key(&headers).as_deref(), &meta).await?;
    Ok(Json(OpenedLinkWire::from(&opened)))
}

/// Give a link's password. Wrong passwords are throttled like logins.
#[utoipa::path(post, path = "/api/v1/links/{token}/unlock", tag = "drive",
    params(("token" = String, Path)), request_body = LinkUnlock,
    responses((status = 200, body = LinkKeyWire), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn unlock(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    Path(token): Path<String>,
    Json(req): Json<LinkUnlock>,
) -> ApiResult<Response> {
    let key = state.app.drive().unlock_link(&token, &req.password, &meta).await?;
    let cookie = Cookie::build((KEY_COOKIE, key.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies)
        .path(format!("/api/v1/links/{}", token.trim()))
        .build();
    let mut resp = Json(LinkKeyWire { key }).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[derive(Deserialize, IntoParams)]
pub struct LinkFolderQuery {
    /// A folder below the link's own; default: the link's own folder.
    pub folder: Option<String>,
}

/// What is in a folder opened through a download link.
#[utoipa::path(get, path = "/api/v1/links/{token}/children", tag = "drive",
    params(("token" = String, Path), LinkFolderQuery),
    responses((status = 200, body = LinkFolderWire), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn children(
    State(state): State<HttpState>,
    Path(token): Path<String>,
    Query(q): Query<LinkFolderQuery>,
    headers: HeaderMap,
) -> ApiResult<Json<LinkFolderWire>> {
    let folder: Option<NodeId> = q.folder.as_deref().map(|f| id(f, "folder")).transpose()?;
    let f = state.app.drive().link_folder(&token, link_key(&headers).as_deref(), folder).await?;
    Ok(Json(LinkFolderWire {
        link: OpenedLinkWire::from(&f.opened),
        path: f.path.iter().map(|n| CrumbWire { id: n.id.to_string(), name: n.name.clone() }).collect(),
        children: f.children.iter().map(LinkNodeWire::from).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct LinkContentQuery {
    /// A file below the link's folder; default: the link's own file.
    pub node: Option<String>,
    /// `inline` to show an image, PDF or text file in the browser; otherwise it is saved.
    pub disposition: Option<String>,
}

/// Download a file through a download link (with `Range`, like the drive's own downloads).
#[utoipa::path(get, path = "/api/v1/links/{token}/content", tag = "drive",
    params(("token" = String, Path), LinkContentQuery),
    responses((status = 200, content_type = "application/octet-stream"), (status = 206), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn content(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    Path(token): Path<String>,
    Query(q): Query<LinkContentQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let node: Option<NodeId> = q.node.as_deref().map(|n| id(n, "file")).transpose()?;
    let dl = state.app.drive().link_download(&token, link_key(&headers).as_deref(), node, &meta).await?;
    let disposition = super::files::disposition(&ContentQuery { disposition: q.disposition });
    content::serve(&headers, &dl, disposition).await
}

/// Put a file into a drop box (an upload link). The body is the file's bytes. A name that is
/// taken gets a number: nothing there is replaced, and nothing there is shown.
#[utoipa::path(put, path = "/api/v1/links/{token}/files/{name}", tag = "drive",
    params(("token" = String, Path), ("name" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = DroppedWire), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn upload(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    Path((token, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<DroppedWire>)> {
    let stream = body.into_data_stream().map_err(|e| e.to_string());
    let dropped = state.app.drive().link_upload(&token, link_key(&headers).as_deref(), &name, stream, &meta).await?;
    Ok((StatusCode::CREATED, Json(DroppedWire::from(&dropped))))
}
