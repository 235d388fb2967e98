//! WebDAV (RFC 4918, classes 1 and 2) on a person's own drive, at Nextcloud's path
//! `/remote.php/dav/files/<username>/` (which the sync clients use) and Tavle's shorter
//! `/dav/files/<username>/`; and on every other drive the person may see (a class's or team's,
//! the school's staff drive) at `/remote.php/dav/spaces/<drive id>/` and `/dav/spaces/<drive
//! id>/`, to connect as a network drive or sync with any WebDAV client. A drive they may only
//! read refuses changes (403).
//!
//! The protocol is `dav_server`'s; Tavle supplies the file system (`fs.rs`, every operation one
//! of the drive's use cases), the lock store (`locks.rs`, in the database), and what comes
//! before: HTTP Basic authentication with an app password, and the refusals the protocol
//! leaves to servers — `PROPFIND` with `Depth: infinity`, XML bodies over 1 MiB or with a
//! DTD (no entity expansion, ever), and a `Destination` on another server or outside the
//! files of the request (the caller's own, or the same drive).

pub(crate) mod chunks;
mod context;
mod file;
mod fs;
mod live;
mod locks;
pub(crate) mod propfind;
mod props;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use base64::Engine;
use dav_server::DavHandler;
use http_body_util::BodyExt;
use percent_encoding::{percent_decode_str, AsciiSet, NON_ALPHANUMERIC};
use tavle_app::AppError;
use tavle_core::names;

use crate::content::{quoted, set_header};
use crate::error::{app_row, ApiError, ErrorRow};
use crate::extract::request_meta;
use crate::HttpState;
use context::Context;
use fs::TavleFs;
use locks::DbLocks;

/// Characters kept as they are in an encoded path segment.
pub(crate) const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The largest XML request body (PROPFIND, PROPPATCH, LOCK) accepted.
pub const XML_BODY_LIMIT: usize = 1 << 20;

/// The URL roots WebDAV is served under: a person's own files (followed by their username),
/// and any drive they may see — a class's or team's, a school's staff drive — by its id
/// (`spaces/`, as ownCloud Infinite Scale names its drives).
const ROOTS: [&str; 4] = ["/remote.php/dav/files/", "/dav/files/", "/remote.php/dav/spaces/", "/dav/spaces/"];

/// Whether a root is followed by a drive's id rather than a username.
fn is_space_root(root: &str) -> bool {
    root.ends_with("/spaces/")
}

/// Whether two roots with their keys name the same files: the same username (in any case)
/// under either files root, or the same drive under either spaces root.
fn same_mount(root: &str, key: &str, other_root: &str, other_key: &str) -> bool {
    match (is_space_root(root), is_space_root(other_root)) {
        (true, true) => key == other_key,
        (false, false) => names::username(key).ok() == names::username(other_key).ok(),
        _ => false,
    }
}

/// The WebDAV routes.
pub fn routes() -> Router<HttpState> {
    let mut r = Router::new();
    for root in ROOTS {
        r = r
            .route(&format!("{root}{{user}}"), any(handle))
            .route(&format!("{root}{{user}}/"), any(handle))
            .route(&format!("{root}{{user}}/{{*path}}"), any(handle));
    }
    r.merge(chunks::routes())
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A refusal as WebDAV answers it, from the error table.
pub(crate) fn refuse(e: ApiError) -> Response {
    dav_row(e.row())
}

/// The username and secret of `Authorization: Basic`.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, data) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(data.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (user, secret) = text.split_once(':')?;
    Some((user.to_string(), secret.to_string()))
}

/// The root and the (decoded) username or drive id a path is under.
pub(crate) fn split_path(path: &str) -> Option<(&'static str, String)> {
    let (root, rest) = ROOTS.iter().find_map(|r| path.strip_prefix(r).map(|rest| (*r, rest)))?;
    let user = rest.split('/').next().filter(|u| !u.is_empty())?;
    Some((root, percent_decode_str(user).decode_utf8().ok()?.into_owned()))
}

/// Checks a COPY or MOVE destination and rewrites it to this request's root: it must be on
/// this server and in the same files (the caller's own, or the same drive). Returns the
/// refusal, if it is refused.
pub(crate) fn refuse_destination(headers: &mut HeaderMap, root: &str, user: &str) -> Option<Response> {
    let dest = headers.get("destination").and_then(|v| v.to_str().ok()).map(str::to_string)?;
    let path = match dest.split_once("://") {
        Some((_, after)) => {
            let (host, path) = after.split_once('/').map_or((after, "/".to_string()), |(h, p)| (h, format!("/{p}")));
            let ours = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !host.eq_ignore_ascii_case(ours) {
                return Some(refuse(ApiError::DestinationElsewhere));
            }
            path
        }
        None => dest.clone(),
    };
    if bad_path(&path) {
        return Some(bad_path_answer());
    }
    let theirs = split_path(&path).filter(|(r, k)| same_mount(root, user, r, k));
    let Some((their_root, their_user)) = theirs else {
        return Some(refuse(ApiError::DestinationOutside));
    };
    let after_root = &path[their_root.len()..];
    let rest = after_root.find('/').map_or("", |i| &after_root[i..]);
    let rewritten = format!("{root}{}{rest}", percent_encoding::utf8_percent_encode(&their_user, SEGMENT));
    set_header(headers, "destination", rewritten);
    None
}

/// Whether a method carries an XML body that is parsed.
fn xml_method(m: &Method) -> bool {
    matches!(m.as_str(), "PROPFIND" | "PROPPATCH" | "LOCK" | "REPORT" | "SEARCH")
}

/// Reads an XML body whole, refusing one that is too large or declares a DTD (which could
/// expand entities into gigabytes, or read files).
async fn xml_body(body: Body) -> Result<axum::body::Bytes, Response> {
    let limited = http_body_util::Limited::new(body, XML_BODY_LIMIT);
    let bytes = match limited.collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => return Err(refuse(ApiError::XmlTooLarge)),
    };
    // Only UTF-8 is read: a DTD written in UTF-16 or any other encoding would pass a check
    // made on UTF-8 text and then be expanded by the parser, which reads the declared encoding.
    if !utf8_xml(&bytes) {
        return Err(refuse(ApiError::XmlNotUtf8));
    }
    let head = String::from_utf8_lossy(&bytes).to_ascii_uppercase();
    if head.contains("<!DOCTYPE") || head.contains("<!ENTITY") {
        return Err(refuse(ApiError::XmlDtd));
    }
    Ok(bytes)
}

/// Whether an XML body is UTF-8 (or ASCII) by every sign an XML parser reads: no UTF-16 or
/// UTF-32 byte-order mark, no NUL byte, valid UTF-8, and no other `encoding` declared.
pub(crate) fn utf8_xml(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    if text.contains('\0') {
        return false;
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).trim_start();
    let Some(decl) = text.strip_prefix("<?xml").and_then(|d| d.split_once("?>")).map(|(d, _)| d) else {
        return true;
    };
    match decl.find("encoding") {
        None => true,
        Some(i) => {
            let value = decl[i + "encoding".len()..].trim_start().trim_start_matches('=').trim_start();
            let value = value.trim_start_matches(['"', '\'']);
            let name: String = value.chars().take_while(|c| !matches!(c, '"' | '\'')).collect();
            matches!(name.to_ascii_lowercase().as_str(), "utf-8" | "utf8" | "us-ascii" | "ascii")
        }
    }
}

/// The answer for a file-system error outside `dav_server`: the use case's own row when it
/// left one (`Context::fail`), else the table's row for what `dav_server` was told.
pub(crate) fn fs_status(e: dav_server::fs::FsError, failure: Option<ErrorRow>) -> Response {
    use dav_server::fs::FsError;
    if let Some(row) = failure {
        return dav_row(row);
    }
    match e {
        FsError::NotFound => app_error(&AppError::NotFound("file or folder")),
        FsError::Forbidden => app_error(&AppError::Forbidden),
        other => {
            tracing::error!(error = ?other, "a WebDAV file-system error without a cause");
            refuse(ApiError::Internal)
        }
    }
}

/// The decoded path segments below `<root><user>/` of a request path.
pub(crate) fn segments_below_user(path: &str, root: &str) -> Vec<String> {
    let after_root = &path[root.len()..];
    let rest = after_root.find('/').map_or("", |i| &after_root[i..]);
    rest.split('/').filter(|s| !s.is_empty()).map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned()).collect()
}

/// Authenticates a WebDAV or sync-client request (HTTP Basic with an app password); returns
/// the session and the login name, or the answer to give instead.
pub(crate) async fn authenticate(
    state: &HttpState,
    headers: &HeaderMap,
    meta: &tavle_app::audit::RequestMeta,
) -> Result<(tavle_app::auth::Session, String), Response> {
    let Some((login, secret)) = basic(headers) else {
        return Err(refuse(ApiError::NeedsAppPassword));
    };
    match state.app.sessions().authenticate_basic(&login, &secret, meta).await {
        Ok(s) => Ok((s, login)),
        Err(e) => Err(app_error(&e)),
    }
}

/// Whether a request path names something by a path no file can have: a `.` or `..`
/// segment (also percent-encoded), or an encoded `/`, `\\` or NUL inside a segment. Such a
/// path is refused before anything else, so that it can never step out of a drive.
pub(crate) fn bad_path(path: &str) -> bool {
    path.split('/').any(|seg| {
        let decoded = percent_decode_str(seg).collect::<Vec<u8>>();
        decoded == b"."
            || decoded == b".."
            || (seg.contains('%') && decoded.iter().any(|b| matches!(b, b'/' | b'\\' | 0)))
    })
}

/// The answer to a path that [`bad_path`] refuses.
pub(crate) fn bad_path_answer() -> Response {
    refuse(ApiError::BadPath)
}

async fn handle(State(state): State<HttpState>, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let meta = request_meta(&parts, &state);
    if bad_path(parts.uri.path()) {
        return bad_path_answer();
    }
    let Some((root, user)) = split_path(parts.uri.path()) else {
        return refuse(ApiError::NoRoute);
    };
    let (session, login) = match authenticate(&state, &parts.headers, &meta).await {
        Ok(x) => x,
        Err(refusal) => return refusal,
    };
    if !is_space_root(root) && names::username(&user).ok() != names::username(&login).ok() {
        return refuse(ApiError::NotYourFiles);
    }
    if parts.method.as_str() == "PROPFIND" {
        match parts.headers.get("depth").and_then(|v| v.to_str().ok()).map(str::trim) {
            Some(d) if d.eq_ignore_ascii_case("infinity") => return refuse(ApiError::InfiniteDepth),
            Some(_) => {}
            // RFC 4918 reads a missing Depth as infinity, which is refused; like SabreDAV,
            // Tavle answers for Depth 1 instead.
            None => {
                parts.headers.insert("depth", HeaderValue::from_static("1"));
            }
        }
    }
    if let Some(refusal) = refuse_destination(&mut parts.headers, root, &user) {
        return refusal;
    }
    let (xml, body) = if xml_method(&parts.method) {
        match xml_body(body).await {
            Ok(b) => (Some(b), Body::empty()),
            Err(r) => return r,
        }
    } else {
        (None, body)
    };
    let space = if is_space_root(root) {
        let found = match user.parse() {
            Ok(id) => state.app.drive().space(&session, id).await,
            Err(_) => Err(AppError::NotFound("drive")),
        };
        match found {
            Ok(s) => s,
            Err(e) => return app_error(&e),
        }
    } else {
        match state.app.drive().personal_space(&session).await {
            Ok(s) => s,
            Err(e) => return app_error(&e),
        }
    };
    let mtime = crate::api::files::client_mtime(&parts.headers);
    let method = parts.method.clone();
    let asked = context::Asked {
        method: method.clone(),
        mtime,
        conditions: crate::api::files::conditions(&parts.headers),
        // A person's own drive is theirs by their login as Tavle spells it (the address may
        // differ in case); any other drive by its id.
        owner_id: if is_space_root(root) { user.clone() } else { names::username(&login).unwrap_or(login.clone()) },
        overwrite: !parts.headers.get("overwrite").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"F")),
    };
    let cx = Arc::new(Context::new(state.app.clone(), session, meta, space, asked));
    // The prefix as the client wrote it (a username may come percent-encoded), so that
    // dav_server always finds it at the start of the path.
    let raw_user = parts.uri.path()[root.len()..].split('/').next().unwrap_or_default().to_string();
    let prefix = format!("{root}{raw_user}");
    if method == Method::GET || method == Method::HEAD {
        // A file's contents go out as every other door sends them (content.rs): one range
        // at most, ranges checked against the size, and headers that keep an uploaded page
        // from running as part of Tavle. Folders and missing paths are dav_server's.
        let segs = segments_below_user(parts.uri.path(), root);
        if let Ok(node) = cx.resolve(&segs).await {
            if node.kind == tavle_core::drive::NodeKind::File {
                return file_contents(&cx, &parts.headers, &node).await;
            }
        }
    }
    if let (Some(bytes), "PROPFIND") = (&xml, method.as_str()) {
        let depth = parts.headers.get("depth").and_then(|v| v.to_str().ok()).unwrap_or("1").trim().to_string();
        let segs = segments_below_user(parts.uri.path(), root);
        let href_prefix = format!("{root}{}", percent_encoding::utf8_percent_encode(&user, SEGMENT));
        if let Some(resp) = propfind::answer(&cx, &href_prefix, &segs, &depth, bytes).await {
            return resp;
        }
    }
    let body = match xml {
        Some(bytes) => Body::from(bytes),
        None => body,
    };
    let config = DavHandler::builder()
        .strip_prefix(prefix.clone())
        .filesystem(Box::new(TavleFs(cx.clone())))
        .locksystem(Box::new(DbLocks::new(cx.clone(), prefix)))
        // A lock's principal is its holder's person id: the policy decides who may refresh or
        // release it by that, however the username was spelt in the login.
        .principal(cx.session.actor().person_id.to_string())
        .autoindex(false)
        // Downloads go out in 1 MiB pieces, as the blob store reads them.
        .read_buf_size(1 << 20);
    let resp = DavHandler::new().handle_with(config, Request::from_parts(parts, body)).await;
    let mut resp = resp.map(Body::new);
    // dav_server knows only a few kinds of failure; what a use case refused is answered
    // as the error table says (a precondition, a full drive, an exam's lock), never as a 500.
    // The table also speaks where dav_server gave the same status with less to say (a 403
    // that is an exam's lock).
    if resp.status().is_server_error() || resp.status() == StatusCode::FORBIDDEN {
        if let Some(row) = cx.take_failure().filter(|r| resp.status().is_server_error() || r.status == resp.status()) {
            return dav_row(row);
        }
        // dav_server says 502 for a path it cannot place under the prefix; Tavle is no
        // gateway, so that is the client's address at fault.
        if resp.status() == StatusCode::BAD_GATEWAY {
            return refuse(ApiError::BadRequest("The address cannot be read as a path in this drive.".into()));
        }
        // A method WebDAV does not define here (POST, TRACE, REPORT, SEARCH, ...).
        if resp.status() == StatusCode::NOT_IMPLEMENTED {
            return refuse(ApiError::MethodNotAllowed);
        }
        // Any other failure without a use case's row is logged and answered from the table.
        if resp.status().is_server_error() {
            tracing::error!(status = %resp.status(), %method, "a WebDAV failure without a cause");
            return refuse(ApiError::Internal);
        }
    }
    if (method == Method::PUT || method.as_str() == "MKCOL") && resp.status().is_success() {
        let written = cx.written.lock().ok().and_then(|w| w.clone());
        if let Some(node) = written {
            let h = resp.headers_mut();
            set_header(h, "oc-fileid", node.id.0.simple());
            set_header(h, "oc-etag", quoted(&node.etag));
            if mtime.is_some() {
                h.insert("x-oc-mtime", HeaderValue::from_static("accepted"));
            }
        }
    }
    resp
}

/// Sends a file's contents for a WebDAV GET or HEAD.
async fn file_contents(cx: &Context, headers: &HeaderMap, node: &tavle_core::drive::Node) -> Response {
    let dl = match cx.app.drive().download(&cx.session, node.id, &cx.meta).await {
        Ok(dl) => dl,
        Err(e) => return app_error(&e),
    };
    match crate::content::serve(headers, &dl, crate::content::Disposition::Attachment).await {
        Ok(mut resp) => {
            let h = resp.headers_mut();
            set_header(h, "oc-fileid", node.id.0.simple());
            set_header(h, "oc-etag", quoted(&node.etag));
            resp
        }
        Err(e) => dav_row(e.row()),
    }
}

/// A use case's error as WebDAV answers it: the error table's status and sentence in
/// SabreDAV's `<d:error>` (which the Nextcloud clients show), with Tavle's stable code.
pub(crate) fn app_error(e: &AppError) -> Response {
    dav_row(app_row(e))
}

/// Renders one row of the error table as WebDAV's XML error body.
pub(crate) fn dav_row(r: ErrorRow) -> Response {
    let exception = match r.status {
        StatusCode::BAD_REQUEST => "BadRequest",
        StatusCode::METHOD_NOT_ALLOWED => "MethodNotAllowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UnsupportedMediaType",
        StatusCode::BAD_GATEWAY => "BadGateway",
        StatusCode::UNAUTHORIZED => "NotAuthenticated",
        StatusCode::FORBIDDEN => "Forbidden",
        StatusCode::NOT_FOUND => "NotFound",
        StatusCode::CONFLICT => "Conflict",
        StatusCode::PRECONDITION_FAILED => "PreconditionFailed",
        StatusCode::PAYLOAD_TOO_LARGE => "RequestTooLarge",
        StatusCode::LOCKED => "Locked",
        StatusCode::TOO_MANY_REQUESTS => "TooManyRequests",
        StatusCode::INSUFFICIENT_STORAGE => "InsufficientStorage",
        StatusCode::SERVICE_UNAVAILABLE => "ServiceUnavailable",
        _ => "InternalError",
    };
    // RFC 4918's condition element comes first, where the RFC defines one for the refusal.
    let condition = r.dav_condition.map(|c| format!("<d:{c}/>")).unwrap_or_default();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\" xmlns:s=\"http://sabredav.org/ns\" \
         xmlns:t=\"{TAVLE_NS}\">{condition}<s:exception>{exception}</s:exception><s:message>{}</s:message><t:code>{}</t:code></d:error>\n",
        xml_escape(&r.message),
        r.code
    );
    let mut resp = (r.status, [(header::CONTENT_TYPE, "application/xml; charset=utf-8")], body).into_response();
    if let Some(secs) = r.retry_after {
        set_header(resp.headers_mut(), header::RETRY_AFTER, secs);
    }
    // WebDAV clients log in with Basic credentials when they are asked to.
    if r.status == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Tavle\", charset=\"UTF-8\""));
    }
    resp
}

/// The XML namespace of Tavle's own elements in WebDAV answers.
pub(crate) const TAVLE_NS: &str = "https://tavle.dk/ns";
