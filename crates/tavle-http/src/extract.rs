//! Request extractors: who is calling (from the session cookie, with the CSRF check for
//! state-changing methods) and where the request came from.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, Method};
use cookie::Cookie;
use tavle_app::audit::RequestMeta;
use tavle_app::auth::Session;
use tavle_app::AppError;

use crate::error::ApiError;
use crate::HttpState;

/// The header a state-changing request must carry, holding the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Client address and user agent. Behind a trusted proxy the first `X-Forwarded-For` address
/// is the client.
pub struct Meta(pub RequestMeta);

pub(crate) fn request_meta(parts: &Parts, state: &HttpState) -> RequestMeta {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    let forwarded = state
        .config
        .trust_forwarded_for
        .then(|| parts.headers.get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let user_agent =
        parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    // The device cookie is read by the login alone (`api::session::login`), so no other request
    // pays for it.
    RequestMeta { source: forwarded.unwrap_or(peer), user_agent, device: None }
}

/// The name of the device cookie (see `App::login`): scoped to the login address, and with
/// `secure_cookies` sent over HTTPS only.
pub(crate) fn device_cookie_name(state: &HttpState) -> &'static str {
    if state.config.secure_cookies {
        "__Secure-tavle_device"
    } else {
        "tavle_device"
    }
}

/// The device cookie the browser sent, if any.
pub(crate) fn device_cookie(headers: &axum::http::HeaderMap, state: &HttpState) -> Option<String> {
    let name = device_cookie_name(state);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

impl FromRequestParts<HttpState> for Meta {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, Self::Rejection> {
        Ok(Meta(request_meta(parts, state)))
    }
}

/// A logged-in caller.
pub struct Authed {
    pub session: Session,
    pub meta: RequestMeta,
}

pub(crate) fn session_token(parts: &Parts, cookie_name: &str) -> Option<String> {
    session_token_of(&parts.headers, cookie_name)
}

/// The session cookie's token among a request's headers.
pub(crate) fn session_token_of(headers: &axum::http::HeaderMap, cookie_name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == cookie_name)
        .map(|c| c.value().to_string())
}

impl FromRequestParts<HttpState> for Authed {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, Self::Rejection> {
        let token = session_token(parts, state.cookie_name()).ok_or(AppError::Unauthenticated)?;
        let session = state.app.sessions().authenticate(&token).await?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !constant_time_eq(sent.as_bytes(), session.csrf_token().as_bytes()) {
                return Err(ApiError::Csrf);
            }
        }
        Ok(Authed { session, meta: request_meta(parts, state) })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether a browser's `Origin` (when it sends one) is this server's own address: a login
/// form or a document's socket opened from another web site is refused.
pub(crate) fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    origin.split("://").nth(1).is_some_and(|h| h.eq_ignore_ascii_case(host))
}
