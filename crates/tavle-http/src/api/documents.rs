//! Tavle documents: making one in a folder, its text, and the WebSocket that edits it
//! together with others (docs/design/documents.md).
//!
//! The socket is authenticated by the session cookie, refused from another web site (the
//! `Origin` header, against cross-site WebSocket hijacking), and authorised per document
//! before it is upgraded, so a refusal is an ordinary answer of the error table. Once open,
//! it checks access again whenever who may reach what may have changed (and every 30 s, for
//! changes made on other nodes), and closes with the error table's code when access ended.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use tavle_app::documents::{Editor, Format, Outbound};
use tavle_app::AppError;
use tavle_core::{InvalidInput, Reason};
use utoipa::ToSchema;

use super::id;
use crate::content::attachment;
use crate::error::{close_frame, ApiError, ApiResult, ErrorBody};
use crate::extract::{same_origin, session_token_of, Authed};
use crate::wire::{FolderCreate, NodeWire, VersionWire};
use crate::HttpState;

/// How often an open socket checks its access even when nothing on this node said it changed.
const RECHECK: Duration = Duration::from_secs(30);

/// Make an empty document in a folder.
#[utoipa::path(post, path = "/api/v1/drive/nodes/{node_id}/documents", tag = "documents",
    params(("node_id" = String, Path)), request_body = FolderCreate,
    responses((status = 201, body = NodeWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    Json(req): Json<FolderCreate>,
) -> ApiResult<(StatusCode, Json<NodeWire>)> {
    let doc = state.app.documents().create(&auth.session, id(&node, "folder")?, &req.name).await?;
    Ok((StatusCode::CREATED, Json(NodeWire::from(&doc))))
}

/// A document's text, a line per paragraph.
#[derive(Serialize, ToSchema)]
pub struct DocumentText {
    pub text: String,
}

/// The text of a document as stored (what has been saved).
#[utoipa::path(get, path = "/api/v1/documents/{node_id}/text", tag = "documents",
    params(("node_id" = String, Path)),
    responses((status = 200, body = DocumentText), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn text(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
) -> ApiResult<Json<DocumentText>> {
    let text = state.app.documents().plain_text(&auth.session, id(&node, "document")?, &auth.meta).await?;
    Ok(Json(DocumentText { text }))
}

/// Download a document as a file in an open format: `odt` (OpenDocument, LibreOffice) or
/// `docx` (Word). What the document holds that the format was not given is named in the
/// `Tavle-Not-Exported` header.
#[utoipa::path(get, path = "/api/v1/documents/{node_id}/export/{format}", tag = "documents",
    params(("node_id" = String, Path), ("format" = String, Path, description = "odt, docx, pdf or tavledoc")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn export(
    State(state): State<HttpState>,
    auth: Authed,
    Path((node, format)): Path<(String, String)>,
) -> ApiResult<Response> {
    let node = id(&node, "document")?;
    let format = format_of(&format)?;
    let out = state.app.documents().export(&auth.session, node, format, &auth.meta).await?;
    Ok(exported(out))
}

/// An exported document as a download, naming in `Tavle-Not-Exported` what it could not carry.
pub(crate) fn exported(out: tavle_app::documents::Exported) -> Response {
    let mut resp = attachment(&out.name, out.bytes);
    if !out.unknown.is_empty() {
        if let Ok(v) = axum::http::HeaderValue::from_str(&out.unknown.join(", ")) {
            resp.headers_mut().insert("tavle-not-exported", v);
        }
    }
    resp
}

/// A file opened as a Tavle document.
#[derive(Serialize, ToSchema)]
pub struct ConvertedWire {
    /// The new document, beside the file.
    pub document: NodeWire,
    /// What of the file the document does not hold (e.g. `image`, `footnote`), for the person
    /// to be told; empty when everything was converted.
    pub not_converted: Vec<String>,
}

/// Open a Word (DOCX) or OpenDocument (ODT) file as a new Tavle document in the same folder,
/// named after the file. The file stays as it was.
#[utoipa::path(post, path = "/api/v1/drive/nodes/{node_id}/convert", tag = "documents",
    params(("node_id" = String, Path, description = "The DOCX or ODT file")),
    responses((status = 201, body = ConvertedWire), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn convert(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
) -> ApiResult<(StatusCode, Json<ConvertedWire>)> {
    let out = state.app.documents().convert(&auth.session, id(&node, "file")?, &auth.meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(ConvertedWire { document: NodeWire::from(&out.node), not_converted: out.not_converted }),
    ))
}

/// A name for a version.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionName {
    /// 1 to 100 characters, e.g. "Første udkast" (the version's `label` from then on).
    pub name: String,
}

/// Keep the document as it is now as a named version ("Navngiv version").
#[utoipa::path(post, path = "/api/v1/documents/{node_id}/versions", tag = "documents",
    params(("node_id" = String, Path)), request_body = VersionName,
    responses((status = 201, body = VersionWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn name_version(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    Json(req): Json<VersionName>,
) -> ApiResult<(StatusCode, Json<VersionWire>)> {
    let v = state.app.documents().name_version(&auth.session, id(&node, "document")?, &req.name, &auth.meta).await?;
    Ok((StatusCode::CREATED, Json(VersionWire::from(&v))))
}

/// Download an older version of a document as `odt` or `docx`. The versions are listed at
/// `GET /api/v1/drive/nodes/{node_id}/versions`, as a file's are.
#[utoipa::path(get, path = "/api/v1/documents/{node_id}/versions/{version_id}/export/{format}", tag = "documents",
    params(("node_id" = String, Path), ("version_id" = String, Path), ("format" = String, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn version_export(
    State(state): State<HttpState>,
    auth: Authed,
    Path((node, version, format)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let format = format_of(&format)?;
    let (node, version) = (id(&node, "document")?, id(&version, "version")?);
    let out = state.app.documents().version_export(&auth.session, node, version, format, &auth.meta).await?;
    Ok(exported(out))
}

/// Make an older version the document's content again: one change everyone in it sees; the
/// content before is kept as a version.
#[utoipa::path(post, path = "/api/v1/documents/{node_id}/versions/{version_id}/restore", tag = "documents",
    params(("node_id" = String, Path), ("version_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn restore_version(
    State(state): State<HttpState>,
    auth: Authed,
    Path((node, version)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (node, version) = (id(&node, "document")?, id(&version, "version")?);
    state.app.documents().restore_version(&auth.session, node, version, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) fn format_of(format: &str) -> Result<Format, AppError> {
    Format::parse(format).ok_or_else(|| {
        AppError::Invalid(InvalidInput::new(
            "format",
            Reason::BadFormat,
            "Choose a format Tavle exports to: odt, docx, pdf or tavledoc (Tavle's own form).",
        ))
    })
}

/// Edit a document together with others: a WebSocket speaking the y-websocket protocol,
/// plus Tavle's own message 100 (`saved n`, `access w`). Answers 101 and switches protocols.
#[utoipa::path(get, path = "/api/v1/documents/{node_id}/socket", tag = "documents",
    params(("node_id" = String, Path)),
    responses((status = 101, description = "Switching to the WebSocket"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn socket(
    State(state): State<HttpState>,
    auth: Authed,
    Path(node): Path<String>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    if !same_origin(&headers) {
        return Err(ApiError::CrossOrigin);
    }
    let node = id(&node, "document")?;
    let Ok(upgrade) = upgrade else {
        state.app.documents().may_open(&auth.session, node).await?;
        return Err(ApiError::BadRequest("Open this address as a WebSocket (the editor does).".into()));
    };
    let editor = state.app.documents().open(&auth.session, node, &auth.meta).await?;
    let token = session_token_of(&headers, state.cookie_name()).unwrap_or_default();
    Ok(upgrade
        .max_message_size(tavle_app::documents::MAX_UPDATE_BYTES + 1024)
        // tungstenite's 128 KiB read buffer per socket was most of an open document's memory
        // (bench/documents); edits are small, and a large one still arrives in parts.
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |ws| run(state, token, editor, ws))
        .into_response())
}

/// The socket's life: the browser's messages into the room, the room's out to the browser,
/// and access checked again when it may have changed.
async fn run(state: HttpState, token: String, mut editor: Editor, mut ws: WebSocket) {
    let mut changes = state.app.access_changes();
    let mut every = tokio::time::interval(RECHECK);
    every.tick().await;
    // A browser answers pings by itself; one that has said nothing for two rounds is gone
    // (a laptop lid closed, a network that died without a word), and leaves the room.
    let mut heard = tokio::time::Instant::now();
    for m in editor.start() {
        if ws.send(WsMessage::Binary(m)).await.is_err() {
            return;
        }
    }
    // Access is checked again at once (which also learns when an exam of the person's begins
    // or ends), then at that moment, on every change, and every RECHECK.
    let mut wake = Box::pin(tokio::time::sleep(Duration::ZERO));
    loop {
        let ended: Option<AppError> = tokio::select! {
            m = ws.recv() => match m {
                Some(Ok(WsMessage::Binary(data))) => {
                    heard = tokio::time::Instant::now();
                    editor.receive(&data).await.err()
                }
                Some(Ok(WsMessage::Text(_))) => Some(AppError::BadDocumentUpdate),
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {
                    heard = tokio::time::Instant::now();
                    None
                }
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => return,
            },
            out = editor.next() => match out {
                Some(Outbound::Message(m)) => {
                    if ws.send(WsMessage::Binary(m)).await.is_err() {
                        return;
                    }
                    None
                }
                Some(Outbound::Close(e)) => Some(e),
                None => Some(AppError::Internal("the connection fell behind".into())),
            },
            changed = changes.changed() => match changed {
                Ok(()) => recheck(&state, &token, &editor, &mut wake).await,
                Err(_) => return,
            },
            () = &mut wake => recheck(&state, &token, &editor, &mut wake).await,
            _ = every.tick() => {
                if heard.elapsed() > 2 * RECHECK || ws.send(WsMessage::Ping(Default::default())).await.is_err() {
                    return;
                }
                // An exam made on another node is learnt of here, at the latest.
                recheck(&state, &token, &editor, &mut wake).await
            }
        };
        if let Some(e) = ended {
            let (code, reason) = close_frame(&e);
            let _ = ws.send(WsMessage::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
            return;
        }
    }
}

/// Checks access again; sets `wake` to when the person's access next changes by the clock
/// (or a day from now). The reason to close, if access ended.
async fn recheck(
    state: &HttpState,
    token: &str,
    editor: &Editor,
    wake: &mut std::pin::Pin<Box<tokio::time::Sleep>>,
) -> Option<AppError> {
    let checked = match state.app.sessions().authenticate(token).await {
        Ok(session) => state.app.documents().recheck(&session, editor).await,
        Err(e) => Err(e),
    };
    match checked {
        Ok(next) => {
            wake.as_mut().reset(tokio::time::Instant::now() + next.unwrap_or(Duration::from_secs(86_400)));
            None
        }
        Err(e) => Some(e),
    }
}
