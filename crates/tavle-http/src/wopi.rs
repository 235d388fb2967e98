//! The WOPI door (`/wopi/files/{file_id}`): what Collabora Online or OnlyOffice calls while a
//! person edits an office file of the drive. Authenticated by the `access_token` Tavle gave
//! the browser (not the session cookie), proven by the office server's proof headers; every
//! refusal is the error table's status, and a lock held under another id also names that
//! lock in `X-WOPI-Lock`, as WOPI asks (`X-WOPI-LockFailureReason` says why). Collabora's
//! "changed since you opened it" is 409 with `{"COOLStatusCode": 1010}`.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::TryStreamExt;
use serde::Deserialize;
use serde_json::json;
use tavle_app::office::{ProofHeaders, WopiCaller};
use tavle_app::{AppError, Conflict};
use tavle_core::NodeId;

use crate::content::{self, Disposition};
use crate::error::ApiError;
use crate::extract::Meta;
use crate::HttpState;

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/wopi/files/{file_id}", get(check_file_info).post(file_operation))
        .route("/wopi/files/{file_id}/contents", get(get_file).post(put_file))
        .route("/office/{file_id}", get(office_page))
        .route("/office-assets/open.js", get(office_script))
        .route("/office-assets/open.css", get(office_style))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    access_token: Option<String>,
}

/// The address a request came to, as its sender saw it (scheme and host as forwarded).
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let get =
        |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(|v| v.split(',').next().unwrap_or(v).trim());
    let scheme = get("x-forwarded-proto").filter(|s| *s == "https" || *s == "http").unwrap_or("http");
    let host = get("x-forwarded-host").or_else(|| get("host")).unwrap_or("localhost");
    format!("{scheme}://{host}")
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The caller of a WOPI request: token and proof checked by the app.
async fn caller(
    state: &HttpState,
    file: &str,
    q: &TokenQuery,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<WopiCaller, Response> {
    let node: NodeId = file.parse().map_err(|_| wopi_error(AppError::NotFound("file")))?;
    let token = q.access_token.as_deref().ok_or_else(|| wopi_error(AppError::Unauthenticated))?;
    let proof = ProofHeaders {
        proof: header_str(headers, "x-wopi-proof").map(str::to_string),
        proof_old: header_str(headers, "x-wopi-proofold").map(str::to_string),
        timestamp: header_str(headers, "x-wopi-timestamp").map(str::to_string),
        url: format!("{}{}", origin(headers), uri.path_and_query().map_or("", |p| p.as_str())),
    };
    state.app.office().authenticate(token, node, &proof).await.map_err(wopi_error)
}

/// The error table's answer, with WOPI's own headers where it has them.
fn wopi_error(e: AppError) -> Response {
    match e {
        AppError::Conflict(Conflict::WopiLocked(current)) => {
            let mut resp = ApiError::App(AppError::Conflict(Conflict::WopiLocked(current.clone()))).into_response();
            if let Ok(v) = HeaderValue::from_str(&current) {
                resp.headers_mut().insert("x-wopi-lock", v);
            }
            let why =
                if current.is_empty() { "The file is not locked" } else { "The file is locked by another session" };
            resp.headers_mut().insert("x-wopi-lockfailurereason", HeaderValue::from_static(why));
            resp
        }
        AppError::Conflict(Conflict::ChangedSince) => {
            (StatusCode::CONFLICT, Json(json!({ "COOLStatusCode": 1010 }))).into_response()
        }
        other => ApiError::App(other).into_response(),
    }
}

fn version(resp: &mut Response, etag: &str) {
    if let Ok(v) = HeaderValue::from_str(etag) {
        resp.headers_mut().insert("x-wopi-itemversion", v);
    }
}

/// CheckFileInfo.
async fn check_file_info(
    State(state): State<HttpState>,
    Path(file): Path<String>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let c = caller(&state, &file, &q, &headers, &uri).await?;
    let f = state.app.office().check_file_info(&c).await.map_err(wopi_error)?;
    Ok(Json(json!({
            "BaseFileName": f.name,
            "OwnerId": f.owner_id,
            "Size": f.size,
            "UserId": f.user_id,
            "UserFriendlyName": f.user_name,
            "Version": f.version,
            "LastModifiedTime": tavle_core::Timestamp(f.modified_at).to_rfc3339(),
            "UserCanWrite": f.can_write,
            "UserCanRename": f.can_write,
            "UserCanNotWriteRelative": !f.can_write,
            "SupportsLocks": true,
            "SupportsGetLock": true,
            "SupportsExtendedLockLength": true,
            "SupportsUpdate": true,
            "SupportsRename": true,
            "IsAnonymousUser": false,
        "PostMessageOrigin": origin(&headers),
    }))
    .into_response())
}

/// GetFile.
async fn get_file(
    State(state): State<HttpState>,
    Path(file): Path<String>,
    Query(q): Query<TokenQuery>,
    Meta(meta): Meta,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Response> {
    let c = caller(&state, &file, &q, &headers, &uri).await?;
    let dl = state.app.office().get_file(&c, &meta).await.map_err(wopi_error)?;
    let mut resp = content::serve(&headers, &dl, Disposition::Attachment).await.map_err(IntoResponse::into_response)?;
    version(&mut resp, &dl.etag);
    Ok(resp)
}

/// PutFile.
async fn put_file(
    State(state): State<HttpState>,
    Path(file): Path<String>,
    Query(q): Query<TokenQuery>,
    Meta(meta): Meta,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response, Response> {
    let c = caller(&state, &file, &q, &headers, &uri).await?;
    let lock = header_str(&headers, "x-wopi-lock");
    let since = header_str(&headers, "x-cool-wopi-timestamp");
    let stream = body.into_data_stream().map_err(|e| e.to_string());
    let node = state.app.office().put_file(&c, lock, since, stream, &meta).await.map_err(wopi_error)?;
    let mut resp =
        Json(json!({ "LastModifiedTime": tavle_core::Timestamp(node.modified_at).to_rfc3339() })).into_response();
    version(&mut resp, &node.etag);
    Ok(resp)
}

/// The operations WOPI sends as `POST /wopi/files/{id}` with `X-WOPI-Override`.
async fn file_operation(
    State(state): State<HttpState>,
    Path(file): Path<String>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Result<Response, Response> {
    let c = caller(&state, &file, &q, &headers, &uri).await?;
    let office = state.app.office();
    let lock = header_str(&headers, "x-wopi-lock");
    let done = |r: Result<(), AppError>| match r {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => wopi_error(e),
    };
    let need_lock = || lock.ok_or_else(|| AppError::Conflict(Conflict::WopiLocked(String::new())));
    Ok(match header_str(&headers, "x-wopi-override").unwrap_or_default() {
        "LOCK" => match need_lock() {
            Ok(l) => done(office.lock(&c, l, header_str(&headers, "x-wopi-oldlock")).await),
            Err(e) => wopi_error(e),
        },
        "GET_LOCK" => match office.get_lock(&c).await {
            Ok(current) => {
                let mut resp = StatusCode::OK.into_response();
                if let Ok(v) = HeaderValue::from_str(&current) {
                    resp.headers_mut().insert("x-wopi-lock", v);
                }
                resp
            }
            Err(e) => wopi_error(e),
        },
        "REFRESH_LOCK" => match need_lock() {
            Ok(l) => done(office.refresh_lock(&c, l).await),
            Err(e) => wopi_error(e),
        },
        "UNLOCK" => match need_lock() {
            Ok(l) => done(office.unlock(&c, l).await),
            Err(e) => wopi_error(e),
        },
        "PUT_RELATIVE" => {
            let suggested = header_str(&headers, "x-wopi-suggestedtarget");
            let relative = header_str(&headers, "x-wopi-relativetarget");
            let overwrite =
                header_str(&headers, "x-wopi-overwriterelativetarget").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let stream = body.into_data_stream().map_err(|e| e.to_string());
            match office.put_relative(&c, suggested, relative, overwrite, stream).await {
                Ok(r) => Json(json!({
                    "Name": r.name,
                    "Url": format!("{}/wopi/files/{}?access_token={}", origin(&headers), r.node, r.access_token),
                }))
                .into_response(),
                Err(e) => wopi_error(e),
            }
        }
        "RENAME_FILE" => match header_str(&headers, "x-wopi-requestedname") {
            Some(requested) => match office.rename(&c, lock, requested).await {
                Ok(name) => Json(json!({ "Name": name })).into_response(),
                Err(e @ AppError::Invalid(_)) => {
                    let mut resp = wopi_error(e);
                    resp.headers_mut()
                        .insert("x-wopi-invalidfilenameerror", HeaderValue::from_static("The name cannot be used"));
                    resp
                }
                Err(e) => wopi_error(e),
            },
            None => wopi_error(AppError::Invalid(tavle_core::InvalidInput::new(
                "name",
                tavle_core::Reason::Empty,
                "Name the file.",
            ))),
        },
        _ => ApiError::BadRequest("X-WOPI-Override names no operation Tavle offers.".into()).into_response(),
    })
}

/// The page that opens a file in the office server (`GET /office/{file_id}`, for a logged-in
/// person): a form that posts the access token to the office server's action address into a
/// frame, as WOPI asks. Its Content-Security-Policy lets that one origin be framed and posted
/// to, and nothing else; the script that submits the form is Tavle's own file.
pub async fn office_page(
    State(state): State<HttpState>,
    auth: crate::extract::Authed,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let Ok(node) = file.parse::<NodeId>() else {
        return ApiError::App(AppError::NotFound("file")).into_response();
    };
    let open = match state.app.office().open(&auth.session, node, &origin(&headers), &auth.meta).await {
        Ok(o) => o,
        Err(e) => return ApiError::App(e).into_response(),
    };
    let office_origin = {
        let rest = open.action_url.split_once("://").map_or("", |(_, r)| r);
        let scheme = open.action_url.split_once("://").map_or("https", |(s, _)| s);
        format!("{scheme}://{}", rest.split(['/', '?']).next().unwrap_or_default())
    };
    let esc = tavle_core::document::xml_escape;
    let html = format!(
        "<!doctype html><html lang=\"da\"><head><meta charset=\"utf-8\"><title>Tavle</title>\
         <link rel=\"stylesheet\" href=\"/office-assets/open.css\"></head><body>\
         <form id=\"office-form\" action=\"{}\" method=\"post\" target=\"office-frame\">\
         <input type=\"hidden\" name=\"access_token\" value=\"{}\">\
         <input type=\"hidden\" name=\"access_token_ttl\" value=\"{}\"></form>\
         <iframe id=\"office-frame\" name=\"office-frame\" title=\"Kontorprogram\" allow=\"clipboard-read; clipboard-write; fullscreen\"></iframe>\
         <script src=\"/office-assets/open.js\"></script></body></html>",
        esc(&open.action_url),
        esc(&open.access_token),
        open.access_token_ttl
    );
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; frame-src {office_origin}; \
         form-action {office_origin}; base-uri 'none'; frame-ancestors 'none'"
    );
    let mut resp = axum::response::Html(html).into_response();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        resp.headers_mut().insert("content-security-policy", v);
    }
    resp.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
    resp.headers_mut().insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    resp
}

/// The office page's script: it submits the form into the frame.
pub async fn office_script() -> Response {
    (
        [("content-type", "text/javascript; charset=utf-8"), ("cache-control", "public, max-age=3600")],
        "document.getElementById('office-form').submit();\n",
    )
        .into_response()
}

/// The office page's style: the frame fills the window.
pub async fn office_style() -> Response {
    (
        [("content-type", "text/css; charset=utf-8"), ("cache-control", "public, max-age=3600")],
        "html,body{margin:0;height:100%;overflow:hidden}#office-frame{border:0;width:100%;height:100%;display:block}\n",
    )
        .into_response()
}
