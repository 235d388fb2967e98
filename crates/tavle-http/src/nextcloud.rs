//! What the Nextcloud and ownCloud sync clients ask before they use WebDAV: `status.php`,
//! the OCS capabilities and the logged-in user, and Login Flow v2 (the client opens
//! `/login/flow/<token>` in the browser, where the web app asks the person to approve it). Tavle answers as a Nextcloud 30 server with
//! the features it has, so the desktop, mobile and rclone clients work unchanged.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::dav::authenticate;
use crate::extract::request_meta;
use crate::HttpState;

/// The Nextcloud version Tavle answers as: new enough that every current client uses the
/// `/remote.php/dav/files/<user>/` paths.
const VERSION: (u32, u32, u32) = (30, 0, 0);

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/status.php", get(status))
        .route("/ocs/v1.php/cloud/capabilities", get(capabilities_v1))
        .route("/ocs/v2.php/cloud/capabilities", get(capabilities_v2))
        .route("/ocs/v1.php/cloud/user", get(user_v1))
        .route("/ocs/v2.php/cloud/user", get(user_v2))
        .route("/index.php/login/v2", post(login_flow_start))
        .route("/login/v2", post(login_flow_start))
        .route("/index.php/login/v2/poll", post(login_flow_poll))
        .route("/login/v2/poll", post(login_flow_poll))
}

/// This server's address as the client reached it, for the addresses a flow hands out.
fn base_url(state: &HttpState, headers: &HeaderMap) -> String {
    let forwarded = state
        .config
        .trust_forwarded_for
        .then(|| headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()))
        .flatten();
    let scheme = forwarded.unwrap_or(if state.config.secure_cookies { "https" } else { "http" });
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// A use case's error, answered as the error table says.
fn internal_error(e: tavle_app::AppError) -> Response {
    crate::dav::app_error(&e)
}

/// Login Flow v2, step 1: the client gets the address to open in the browser and a token to
/// poll with.
async fn login_flow_start(State(state): State<HttpState>, headers: HeaderMap) -> Response {
    let device = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let flow = match state.app.sessions().start_login_flow(device).await {
        Ok(f) => f,
        Err(e) => return internal_error(e),
    };
    let base = base_url(&state, &headers);
    Json(json!({
        "poll": { "token": flow.poll_token, "endpoint": format!("{base}/index.php/login/v2/poll") },
        "login": format!("{base}/login/flow/{}", flow.login_token),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct PollForm {
    token: String,
}

/// Login Flow v2, step 3: 404 until the person has approved the device, then the app
/// password, once.
async fn login_flow_poll(State(state): State<HttpState>, headers: HeaderMap, Form(form): Form<PollForm>) -> Response {
    match state.app.sessions().poll_login_flow(&form.token).await {
        Ok(Some(r)) => Json(json!({
            "server": base_url(&state, &headers),
            "loginName": r.username,
            "appPassword": r.app_password,
        }))
        .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, Json(json!([]))).into_response(),
        Err(e) => internal_error(e),
    }
}

fn version_string() -> String {
    format!("{}.{}.{}", VERSION.0, VERSION.1, VERSION.2)
}

async fn status() -> Json<Value> {
    Json(json!({
        "installed": true,
        "maintenance": false,
        "needsDbUpgrade": false,
        "version": format!("{}.0", version_string()),
        "versionstring": version_string(),
        "edition": "",
        "productname": "Tavle",
        "extendedSupport": false,
    }))
}

/// An OCS answer: v1 reports success as status code 100, v2 as 200.
fn ocs(v2: bool, data: Value) -> Response {
    let code = if v2 { 200 } else { 100 };
    Json(json!({ "ocs": { "meta": { "status": "ok", "statuscode": code, "message": "OK" }, "data": data } }))
        .into_response()
}

fn capabilities(v2: bool) -> Response {
    let (major, minor, micro) = VERSION;
    ocs(
        v2,
        json!({
            "version": {
                "major": major, "minor": minor, "micro": micro,
                "string": version_string(), "edition": "", "extendedSupport": false,
            },
            "capabilities": {
                "core": { "pollinterval": 60, "webdav-root": "remote.php/webdav" },
                // Chunked uploads, version 2 (`dav/chunks.rs`).
                "dav": { "chunking": "1.0" },
                "files": {
                    "bigfilechunking": true,
                    "undelete": true,
                    "versioning": true,
                    // The names Tavle refuses (`tavle_core::drive::file_name`), so clients can warn
                    // before they try.
                    "forbidden_filename_characters": ["/", "\\", ":", "*", "?", "\"", "<", ">", "|"],
                    "forbidden_filename_basenames": [
                        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
                        "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
                    ],
                    "forbidden_filenames": [".", ".."],
                    "forbidden_filename_extensions": [" ", "."],
                },
                "files_sharing": { "api_enabled": false },
            },
        }),
    )
}

async fn capabilities_v1() -> Response {
    capabilities(false)
}

async fn capabilities_v2() -> Response {
    capabilities(true)
}

async fn user(state: HttpState, req: Request, v2: bool) -> Response {
    let (parts, _) = req.into_parts();
    let meta = request_meta(&parts, &state);
    let (session, login) = match authenticate(&state, &parts.headers, &meta).await {
        Ok(x) => x,
        Err(refusal) => return refusal,
    };
    let me = match state.app.org().me(&session).await {
        Ok(m) => m,
        Err(e) => return internal_error(e),
    };
    let quota = match state.app.drive().personal_space(&session).await {
        Ok(s) => json!({
            "free": s.quota_bytes() - s.space().used_bytes,
            "used": s.space().used_bytes,
            "total": s.quota_bytes(),
            "relative": if s.quota_bytes() > 0 { (s.space().used_bytes * 10000 / s.quota_bytes()) as f64 / 100.0 } else { 0.0 },
            "quota": s.quota_bytes(),
        }),
        Err(_) => json!({}),
    };
    let username = me.person.username.clone().unwrap_or(login);
    ocs(
        v2,
        json!({
            "id": username,
            "enabled": true,
            "display-name": me.person.display_name,
            "displayname": me.person.display_name,
            "email": null,
            "quota": quota,
            "language": "da",
            "locale": "da_DK",
        }),
    )
}

async fn user_v1(State(state): State<HttpState>, req: Request) -> Response {
    user(state, req, false).await
}

async fn user_v2(State(state): State<HttpState>, req: Request) -> Response {
    user(state, req, true).await
}
