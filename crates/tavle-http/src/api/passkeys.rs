//! Passkeys (WebAuthn): a person's own, adding and removing them; the login with a passkey
//! alone; and, in a waiting login, the second step's challenge and setting one up where the
//! municipality requires a factor. Each ceremony is two requests: a challenge (`ceremony` and
//! the `options` for `navigator.credentials.create()`/`get()`), then the browser's answer.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use tavle_app::second_factor::{PasskeyChallenge, PasskeyInfo};
use utoipa::ToSchema;

use super::no_store;
use super::second_factor::waiting_token;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Authed, Meta};
use crate::wire::MeWire;
use crate::HttpState;

/// A ceremony begun: send `ceremony` back with the browser's answer to `options` (WebAuthn's
/// JSON; binary fields in base64url).
#[derive(Serialize, ToSchema)]
pub struct PasskeyChallengeWire {
    pub ceremony: String,
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
}

impl From<PasskeyChallenge> for PasskeyChallengeWire {
    fn from(c: PasskeyChallenge) -> Self {
        PasskeyChallengeWire { ceremony: c.ceremony, options: c.options }
    }
}

/// One of my passkeys.
#[derive(Serialize, ToSchema)]
pub struct PasskeyWire {
    /// The credential's id: how it is removed.
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

impl From<PasskeyInfo> for PasskeyWire {
    fn from(p: PasskeyInfo) -> Self {
        PasskeyWire {
            id: p.id,
            name: p.name,
            created_at: p.created_at.to_rfc3339(),
            last_used_at: p.last_used_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// The browser's answer to a ceremony; `name` names a new passkey ("Min telefon").
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyAnswer {
    pub ceremony: String,
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
    #[serde(default)]
    pub name: String,
}

/// My passkeys.
#[utoipa::path(get, path = "/api/v1/me/passkeys", tag = "session",
    responses((status = 200, body = [PasskeyWire]), (status = 401, body = ErrorBody)))]
pub async fn mine(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<Vec<PasskeyWire>>> {
    let keys = state.app.sessions().passkeys(&auth.session).await?;
    Ok(Json(keys.into_iter().map(PasskeyWire::from).collect()))
}

/// Begin adding a passkey (staff; pupils do not).
#[utoipa::path(post, path = "/api/v1/me/passkeys/challenge", tag = "session",
    responses((status = 200, body = PasskeyChallengeWire), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn challenge(State(state): State<HttpState>, auth: Authed) -> ApiResult<Response> {
    let c = state.app.sessions().begin_passkey(&auth.session, &state.config.public_url).await?;
    Ok(no_store(Json(PasskeyChallengeWire::from(c))))
}

/// Finish adding a passkey with the browser's answer.
#[utoipa::path(post, path = "/api/v1/me/passkeys", tag = "session", request_body = PasskeyAnswer,
    responses((status = 201, body = PasskeyWire), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn add(
    State(state): State<HttpState>,
    auth: Authed,
    Json(b): Json<PasskeyAnswer>,
) -> ApiResult<(StatusCode, Json<PasskeyWire>)> {
    let key = state
        .app
        .sessions()
        .add_passkey(&auth.session, &b.ceremony, &b.credential, &b.name, &state.config.public_url, &auth.meta)
        .await?;
    Ok((StatusCode::CREATED, Json(PasskeyWire::from(key))))
}

/// Remove one of my passkeys.
#[utoipa::path(delete, path = "/api/v1/me/passkeys/{passkey_id}", tag = "session", params(("passkey_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(State(state): State<HttpState>, auth: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    state.app.sessions().remove_passkey(&auth.session, &id, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Begin a login with a passkey alone: the browser lets the person pick one of theirs.
#[utoipa::path(post, path = "/api/v1/session/passkey-challenge", tag = "session",
    responses((status = 200, body = PasskeyChallengeWire), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn login_challenge(State(state): State<HttpState>, headers: HeaderMap) -> ApiResult<Response> {
    if !crate::extract::same_origin(&headers) {
        return Err(crate::error::ApiError::CrossOrigin);
    }
    let c = state.app.sessions().passkey_login_challenge(&state.config.public_url).await?;
    Ok(no_store(Json(PasskeyChallengeWire::from(c))))
}

/// Log in with a passkey alone; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session/passkey", tag = "session", request_body = PasskeyAnswer,
    responses((status = 200, body = MeWire), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn login(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    body: Result<Json<PasskeyAnswer>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    if !crate::extract::same_origin(&headers) {
        return Err(crate::error::ApiError::CrossOrigin);
    }
    let Json(b) = body?;
    let meta = tavle_app::audit::RequestMeta { device: crate::extract::device_cookie(&headers, &state), ..meta };
    let outcome =
        state.app.sessions().passkey_login(&b.ceremony, &b.credential, &state.config.public_url, &meta).await?;
    super::session::logged_in(&state, outcome, None).await
}

/// The second step with a passkey: the challenge for the waiting login's person's passkeys.
#[utoipa::path(post, path = "/api/v1/session/second-factor/passkey-challenge", tag = "session",
    responses((status = 200, body = PasskeyChallengeWire), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn step_challenge(State(state): State<HttpState>, headers: HeaderMap) -> ApiResult<Response> {
    let pending = waiting_token(&state, &headers)?;
    let c = state.app.sessions().waiting_passkey_challenge(&pending, &state.config.public_url).await?;
    Ok(no_store(Json(PasskeyChallengeWire::from(c))))
}

/// In a waiting login that must set up a second factor: begin adding a passkey.
#[utoipa::path(post, path = "/api/v1/session/second-factor/passkey", tag = "session",
    responses((status = 200, body = PasskeyChallengeWire), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn waiting_challenge(State(state): State<HttpState>, headers: HeaderMap) -> ApiResult<Response> {
    let pending = waiting_token(&state, &headers)?;
    let c = state.app.sessions().waiting_begin_passkey(&pending, &state.config.public_url).await?;
    Ok(no_store(Json(PasskeyChallengeWire::from(c))))
}

/// In a waiting login that must set up a second factor: the new passkey finishes the login;
/// sets the session cookie.
#[utoipa::path(put, path = "/api/v1/session/second-factor/passkey", tag = "session", request_body = PasskeyAnswer,
    responses((status = 200, body = MeWire), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn waiting_add(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    body: Result<Json<PasskeyAnswer>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let pending = waiting_token(&state, &headers)?;
    let Json(b) = body?;
    let meta = tavle_app::audit::RequestMeta { device: crate::extract::device_cookie(&headers, &state), ..meta };
    let outcome = state
        .app
        .sessions()
        .waiting_add_passkey(&pending, &b.ceremony, &b.credential, &b.name, &state.config.public_url, &meta)
        .await?;
    super::session::logged_in(&state, outcome, super::session::pending_cookie(&state, String::new(), 0)).await
}
