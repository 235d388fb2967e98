//! Pictures in Tavle documents: taken in (uploaded, or from a file in the drive) for a document
//! its editors write, and read back for a live document or a handed-in one. The document's tree
//! names a picture by its SHA-256; only pictures taken in for that document (or frozen with
//! it) are served.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use tavle_app::documents::AddedPicture;
use tavle_app::AppError;
use tavle_core::picture::MAX_PICTURE_BYTES;
use utoipa::ToSchema;

use super::id;
use crate::content::{serve, Disposition};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::HttpState;

/// A picture a document may now show.
#[derive(Serialize, ToSchema)]
pub struct PictureWire {
    /// What the document's `image` node names it by (`image` attribute): the SHA-256 of the
    /// picture's file, in lower-case hex.
    pub image: String,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub size: i64,
}

impl From<AddedPicture> for PictureWire {
    fn from(p: AddedPicture) -> Self {
        PictureWire {
            image: p.sha256,
            content_type: p.content_type.to_string(),
            width: p.width,
            height: p.height,
            size: p.size,
        }
    }
}

/// A file of the drive to take a picture from.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PictureFromDrive {
    /// The file's id.
    pub node: String,
}

/// Take a picture into a document (its editors): the body is the PNG or JPEG file, at most
/// 10 MiB. Answers with the hash to name it by in the document.
#[utoipa::path(post, path = "/api/v1/documents/{node_id}/images", tag = "documents",
    params(("node_id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "image/png", description = "The picture (PNG or JPEG)"),
    responses((status = 201, body = PictureWire), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    body: Body,
) -> ApiResult<(StatusCode, Json<PictureWire>)> {
    let node = id(&node, "document")?;
    let too_large = || AppError::TooLarge { what: "A picture", limit_bytes: MAX_PICTURE_BYTES as u64 };
    let bytes = axum::body::to_bytes(body, MAX_PICTURE_BYTES).await.map_err(|_| too_large())?;
    let added = state.app.documents().add_picture(&auth.session, node, bytes.to_vec()).await?;
    Ok((StatusCode::CREATED, Json(added.into())))
}

/// Take a picture into a document (its editors) from a PNG or JPEG file in the drive that
/// the caller may read. The document keeps the file's bytes as they are now.
#[utoipa::path(post, path = "/api/v1/documents/{node_id}/images/from-drive", tag = "documents",
    params(("node_id" = String, Path)), request_body = PictureFromDrive,
    responses((status = 201, body = PictureWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn from_drive(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    Json(req): Json<PictureFromDrive>,
) -> ApiResult<(StatusCode, Json<PictureWire>)> {
    let (node, file) = (id(&node, "document")?, id(&req.node, "file")?);
    let added = state.app.documents().add_picture_from_drive(&auth.session, node, file, &auth.meta).await?;
    Ok((StatusCode::CREATED, Json(added.into())))
}

/// A picture of a document, for those who may read it.
#[utoipa::path(get, path = "/api/v1/documents/{node_id}/images/{image}", tag = "documents",
    params(("node_id" = String, Path), ("image" = String, Path, description = "The picture's SHA-256")),
    responses((status = 200, description = "The picture", content_type = "image/png"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<HttpState>,
    auth: Authed,
    headers: HeaderMap,
    Path((node, image)): Path<(String, String)>,
) -> ApiResult<Response> {
    let node = id(&node, "document")?;
    let (dl, _) = state.app.documents().picture(&auth.session, node, &image, &auth.meta).await?;
    serve(&headers, &dl, Disposition::Inline).await
}

/// A picture of a handed-in document (its pupil, and the assignment's teachers).
#[utoipa::path(get, path = "/api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}/images/{image}",
    tag = "assignments",
    params(("assignment_id" = String, Path), ("hand_in_id" = String, Path), ("position" = usize, Path),
        ("image" = String, Path, description = "The picture's SHA-256")),
    responses((status = 200, description = "The picture", content_type = "image/png"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn handed(
    State(state): State<HttpState>,
    auth: Authed,
    headers: HeaderMap,
    Path((a, h, position, image)): Path<(String, String, usize, String)>,
) -> ApiResult<Response> {
    let (a, h) = (id(&a, "assignment")?, id(&h, "hand-in")?);
    let (dl, _) = state.app.assignments().hand_in_picture(&auth.session, a, h, position, &image, &auth.meta).await?;
    serve(&headers, &dl, Disposition::Inline).await
}
