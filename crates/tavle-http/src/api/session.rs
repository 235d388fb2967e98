//! Logging in and out, and the logged-in person's own view.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cookie::{Cookie, SameSite};
use tavle_app::audit::RequestMeta;
use tavle_app::auth::PasswordLogin;
use tavle_app::AppError;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Authed, Meta};
use crate::wire::{LoggedOut, LoginRequest, MeWire, PasswordChange, SessionWire};
use crate::HttpState;

pub(crate) fn session_cookie(state: &HttpState, value: String, max_age: Option<i64>) -> Option<HeaderValue> {
    let mut c = Cookie::build((state.cookie_name().to_string(), value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .path("/");
    if let Some(secs) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&c.build().to_string()).ok()
}

/// The waiting login's cookie: only to the login's address, for five minutes.
pub(crate) fn pending_cookie_name(state: &HttpState) -> &'static str {
    if state.config.secure_cookies {
        "__Secure-tavle_pending"
    } else {
        "tavle_pending"
    }
}

pub(crate) fn pending_cookie(state: &HttpState, value: String, max_age: i64) -> Option<HeaderValue> {
    let c = Cookie::build((pending_cookie_name(state), value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies)
        .path("/api/v1/session")
        .max_age(cookie::time::Duration::seconds(max_age));
    HeaderValue::from_str(&c.build().to_string()).ok()
}

/// The device cookie: it outlives sessions (a year) and goes only to the login address, where
/// it lets this browser's person past throttles that others' failed guesses set off.
fn device_cookie_header(state: &HttpState, value: String) -> Option<HeaderValue> {
    let c = Cookie::build((crate::extract::device_cookie_name(state).to_string(), value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies)
        .path("/api/v1/session")
        .max_age(cookie::time::Duration::days(365));
    HeaderValue::from_str(&c.build().to_string()).ok()
}

/// The logout answer, with a cookie that makes the browser forget the session.
fn clearing_cookie(state: &HttpState, body: LoggedOut) -> Response {
    let mut resp = Json(body).into_response();
    if let Some(c) = session_cookie(state, String::new(), Some(0)) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp
}

/// Log in with a username and password; sets the session cookie. (A login form posted from
/// another web site would log the victim into the attacker's account: browsers always send
/// `Origin` on cross-site POSTs, so a mismatch with `Host` is refused.)
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = MeWire), (status = 401, body = ErrorBody, description = "a wrong password, or \
              `second_factor_required`: the password was right and a code is wanted at /api/v1/session/second-factor"),
              (status = 403, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn login(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    if !crate::extract::same_origin(&headers) {
        return Err(ApiError::CrossOrigin);
    }
    let Json(req) = body?;
    let meta = RequestMeta { device: crate::extract::device_cookie(&headers, &state), ..meta };
    match state.app.sessions().login(&req.username, &req.password, &meta).await? {
        PasswordLogin::Session(outcome) => logged_in(&state, outcome, None).await,
        PasswordLogin::SecondStep(step) => {
            // The password was right; the session waits for a second factor (`second_factor.rs`),
            // or for the person to set one up where the municipality requires it.
            let e =
                if step.must_enrol { AppError::SecondFactorEnrolmentRequired } else { AppError::SecondFactorRequired };
            let mut resp = ApiError::App(e).into_response();
            if let Some(c) = pending_cookie(&state, step.token, 300) {
                resp.headers_mut().append(header::SET_COOKIE, c);
            }
            Ok(resp)
        }
    }
}

/// The answer to a finished login: the person's `/me`, the session cookie, a new device
/// cookie when the browser had none, and `extra` (clearing a waiting login's cookie).
pub(crate) async fn logged_in(
    state: &HttpState,
    outcome: tavle_app::auth::LoginOutcome,
    extra: Option<HeaderValue>,
) -> ApiResult<Response> {
    logged_in_with(state, outcome, extra, None).await
}

/// [`logged_in`], with the recovery codes of a second factor set up during the login (shown
/// once) as `recovery_codes` beside the `/me`.
pub(crate) async fn logged_in_with(
    state: &HttpState,
    outcome: tavle_app::auth::LoginOutcome,
    extra: Option<HeaderValue>,
    recovery_codes: Option<Vec<String>>,
) -> ApiResult<Response> {
    let me = state.app.org().me(&outcome.session).await?;
    let cookie = session_cookie(state, outcome.token, None);
    let mut resp = match recovery_codes {
        None => Json(MeWire::from(&*me)).into_response(),
        Some(codes) => {
            let mut body = serde_json::to_value(MeWire::from(&*me))
                .map_err(|e| AppError::Internal(format!("the /me view as JSON: {e}")))?;
            body["recovery_codes"] = serde_json::json!(codes);
            Json(body).into_response()
        }
    };
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    if let Some(c) = outcome.device_token.and_then(|t| device_cookie_header(state, t)) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    if let Some(c) = extra {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// Log out: ends this session and clears the cookie. A session a login service made that it
/// can end too answers with `end_session_url`, where the web app sends the browser next.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = LoggedOut), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<HttpState>, auth: Authed) -> ApiResult<Response> {
    let end_session_url = state.app.federation().end_session_url(&auth.session, &state.config.public_url).await?;
    state.app.sessions().logout(&auth.session, &auth.meta).await?;
    Ok(clearing_cookie(&state, LoggedOut { sessions_ended: 1, end_session_url }))
}

/// The logged-in person: who they are, their schools, groups and roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = MeWire), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<HttpState>, auth: Authed) -> ApiResult<Response> {
    let me = state.app.org().me(&auth.session).await?;
    // The JSON is made once per cached view (it is the same until the view is reloaded).
    let json = match me.rendered.get() {
        Some(json) => json.clone(),
        None => {
            let json = serde_json::to_vec(&MeWire::from(&*me))
                .map_err(|e| AppError::Internal(format!("the /me view as JSON: {e}")))?;
            me.rendered.get_or_init(|| json.into()).clone()
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

/// My sessions on every device.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "session",
    responses((status = 200, body = Vec<SessionWire>), (status = 401, body = ErrorBody)))]
pub async fn sessions(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<Vec<SessionWire>>> {
    let list = state.app.sessions().sessions(&auth.session).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| SessionWire {
                current: s.current,
                created_at: s.created_at.to_rfc3339(),
                last_seen_at: s.last_seen_at.to_rfc3339(),
                source: s.source,
                user_agent: s.user_agent,
            })
            .collect(),
    ))
}

/// Log out everywhere: ends every session of mine, this one included.
#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "session",
    responses((status = 200, body = LoggedOut), (status = 401, body = ErrorBody)))]
pub async fn logout_everywhere(State(state): State<HttpState>, auth: Authed) -> ApiResult<Response> {
    let n = state.app.sessions().logout_everywhere(&auth.session, &auth.meta).await?;
    Ok(clearing_cookie(&state, LoggedOut { sessions_ended: n, end_session_url: None }))
}

/// Change my own password: the current one must be right; the new one has at least 8
/// characters. My other sessions end; this one stays.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "session", request_body = PasswordChange,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<HttpState>,
    auth: Authed,
    Json(req): Json<PasswordChange>,
) -> ApiResult<axum::http::StatusCode> {
    state
        .app
        .sessions()
        .change_own_password(&auth.session, &req.current_password, &req.new_password, &auth.meta)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
