//! Nextcloud's chunked uploads (version 2), which the sync clients use for large files:
//! `MKCOL /remote.php/dav/uploads/<user>/<transfer>` starts one, `PUT …/<transfer>/<n>` sends
//! chunk `n`, `MOVE …/<transfer>/.file` with a `Destination` in the caller's files assembles
//! them into the file, `DELETE …/<transfer>` cancels. `PROPFIND` lists the chunks received, so
//! a client can resume.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use futures_util::TryStreamExt;
use percent_encoding::percent_decode_str;
use tavle_app::drive::{Finish, Protocol};
use tavle_app::AppError;
use tavle_core::names;
use tavle_core::{InvalidInput, Reason};

use super::{app_error, authenticate, dav_row, refuse, refuse_destination, segments_below_user, split_path};
use crate::content::{quoted, set_header};
use crate::error::{dav_method_row, ApiError};
use crate::extract::request_meta;
use crate::HttpState;

const ROOT: &str = "/remote.php/dav/uploads/";

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route(&format!("{ROOT}{{user}}/{{transfer}}"), any(handle))
        .route(&format!("{ROOT}{{user}}/{{transfer}}/"), any(handle))
        .route(&format!("{ROOT}{{user}}/{{transfer}}/{{chunk}}"), any(handle))
}

pub(crate) fn total_length(headers: &HeaderMap) -> Option<i64> {
    headers.get("oc-total-length").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok())
}

/// Maps the drive's errors onto WebDAV answers, from the one error table.
fn refusal(e: AppError) -> Response {
    app_error(&e)
}

fn listing(prefix: &str, parts: &[tavle_core::dav::UploadPart]) -> Response {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:multistatus xmlns:d=\"DAV:\">");
    let entry = |href: String, props: String| {
        format!("<d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>")
    };
    xml.push_str(&entry(format!("{prefix}/"), "<d:resourcetype><d:collection/></d:resourcetype>".into()));
    for p in parts {
        xml.push_str(&entry(
            format!("{prefix}/{}", percent_encoding::utf8_percent_encode(&p.name, super::SEGMENT)),
            format!("<d:resourcetype/><d:getcontentlength>{}</d:getcontentlength>", p.size),
        ));
    }
    xml.push_str("</d:multistatus>\n");
    (StatusCode::MULTI_STATUS, [(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response()
}

async fn handle(State(state): State<HttpState>, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let meta = request_meta(&parts, &state);
    let path = parts.uri.path().to_string();
    if super::bad_path(&path) {
        return super::bad_path_answer();
    }
    let mut segs = path[ROOT.len()..].split('/').filter(|s| !s.is_empty());
    let (Some(user), Some(transfer)) = (segs.next(), segs.next()) else {
        return refuse(ApiError::NoRoute);
    };
    let user = percent_decode_str(user).decode_utf8_lossy().into_owned();
    let transfer = percent_decode_str(transfer).decode_utf8_lossy().into_owned();
    let chunk = segs.next().map(|c| percent_decode_str(c).decode_utf8_lossy().into_owned());
    let (session, login) = match authenticate(&state, &parts.headers, &meta).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if names::username(&user).ok() != names::username(&login).ok() {
        return refuse(ApiError::NotYourFiles);
    }
    if transfer.len() > 200 || chunk.as_ref().is_some_and(|c| c.len() > 200) {
        let long = InvalidInput::new("name", Reason::TooLong, "The transfer or chunk name is longer than 200 bytes.");
        return app_error(&long.into());
    }
    let app = &state.app;
    let method = parts.method.clone();
    let prefix = format!("{ROOT}{user}/{transfer}");
    match (method.as_str(), chunk.as_deref()) {
        ("MKCOL", None) => {
            match app
                .drive()
                .upload_session_start(
                    &session,
                    Protocol::Nextcloud,
                    Some(&transfer),
                    None,
                    total_length(&parts.headers),
                )
                .await
            {
                Ok(_) => StatusCode::CREATED.into_response(),
                Err(e) => dav_row(dav_method_row(&e, "MKCOL")),
            }
        }
        ("PROPFIND", None) => {
            let result = async {
                let s = app.drive().upload_session(&session, Protocol::Nextcloud, &transfer).await?;
                app.drive().upload_parts(&session, &s).await
            };
            match result.await {
                Ok(p) => listing(&prefix, &p),
                Err(e) => refusal(e),
            }
        }
        ("DELETE", None) => {
            let result = async {
                let s = app.drive().upload_session(&session, Protocol::Nextcloud, &transfer).await?;
                app.drive().upload_abort(&session, &s).await
            };
            match result.await {
                Ok(()) => StatusCode::NO_CONTENT.into_response(),
                Err(e) => refusal(e),
            }
        }
        ("PUT", Some(name)) if name != ".file" => {
            let stream = body.into_data_stream().map_err(|e| e.to_string());
            let result = async {
                let s = app.drive().upload_session(&session, Protocol::Nextcloud, &transfer).await?;
                app.drive().upload_part(&session, &s, name, None, stream).await
            };
            match result.await {
                Ok(_) => StatusCode::CREATED.into_response(),
                Err(e) => refusal(e),
            }
        }
        ("MOVE", Some(".file")) => {
            // The destination must be in the caller's files; it is rewritten to the
            // /remote.php/dav/files root like any WebDAV destination.
            if let Some(r) = refuse_destination(&mut parts.headers, "/remote.php/dav/files/", &user) {
                return r;
            }
            let dest = parts.headers.get("destination").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            let Some((root, _)) = split_path(&dest) else {
                return refuse(ApiError::BadRequest("The MOVE needs a Destination.".into()));
            };
            let mut segs = segments_below_user(&dest, root);
            let Some(name) = segs.pop() else {
                return refuse(ApiError::BadRequest("The Destination names no file.".into()));
            };
            let cond = crate::api::files::conditions(&parts.headers);
            let mtime = crate::api::files::client_mtime(&parts.headers);
            let result = async {
                let space = app.drive().personal_space(&session).await?;
                let walked = app.access().walk(&session, &space, None, &segs).await?;
                let folder = walked.get(segs.len()).map(|r| r.node().clone()).ok_or(AppError::NotFound("folder"))?;
                let s = app.drive().upload_session(&session, Protocol::Nextcloud, &transfer).await?;
                let expected_total = total_length(&parts.headers);
                let finish = Finish { folder: folder.id, name: &name, cond: &cond, mtime, expected_total };
                app.drive().upload_finish(&session, &s, &finish).await
            };
            match result.await {
                Ok(up) => {
                    let status = if up.created { StatusCode::CREATED } else { StatusCode::NO_CONTENT };
                    let mut resp = status.into_response();
                    let h = resp.headers_mut();
                    set_header(h, "oc-fileid", up.node.id.0.simple());
                    set_header(h, "oc-etag", quoted(&up.node.etag));
                    set_header(h, "etag", quoted(&up.node.etag));
                    if mtime.is_some() {
                        h.insert("x-oc-mtime", HeaderValue::from_static("accepted"));
                    }
                    resp
                }
                Err(e) => refusal(e),
            }
        }
        _ => refuse(ApiError::MethodNotAllowed),
    }
}
