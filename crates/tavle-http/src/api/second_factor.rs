//! A second factor for staff: enrolling an authenticator app (TOTP) with its recovery codes,
//! removing it, the login's second step, and an administrator's reset of a person's factors.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use tavle_app::AppError;
use tavle_core::PersonId;
use utoipa::ToSchema;

use super::id;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Authed, Meta};
use crate::wire::MeWire;
use crate::HttpState;

/// What a person has as a second factor.
#[derive(Serialize, ToSchema)]
pub struct SecondFactorsWire {
    /// An authenticator app is set up.
    pub totp: bool,
    /// One was begun and waits for its first code.
    pub totp_pending: bool,
    pub recovery_codes_left: i64,
    /// Whether this person may set one up (staff; pupils do not).
    pub may_enrol: bool,
}

/// An authenticator app to set up: the secret (shown once) as text, as an `otpauth://`
/// address and as a QR code (SVG).
#[derive(Serialize, ToSchema)]
pub struct TotpEnrolmentWire {
    pub secret: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

/// A code from the authenticator app (or, at login, a recovery code).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    pub code: String,
}

/// The person's password, to confirm a change of their factors.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    pub password: String,
}

/// Recovery codes, shown once: each logs in once in place of a code from the app.
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesWire {
    pub recovery_codes: Vec<String>,
}

/// My second factors.
#[utoipa::path(get, path = "/api/v1/me/second-factors", tag = "session",
    responses((status = 200, body = SecondFactorsWire), (status = 401, body = ErrorBody)))]
pub async fn mine(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<SecondFactorsWire>> {
    let f = state.app.sessions().second_factors(&auth.session).await?;
    Ok(Json(SecondFactorsWire {
        totp: f.totp,
        totp_pending: f.totp_pending,
        recovery_codes_left: f.recovery_codes_left,
        may_enrol: f.may_enrol,
    }))
}

/// Begin setting up an authenticator app: a new secret, shown once (staff only).
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "session",
    responses((status = 200, body = TotpEnrolmentWire), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn begin_totp(State(state): State<HttpState>, auth: Authed) -> ApiResult<Response> {
    let e = state.app.sessions().begin_totp(&auth.session, &auth.meta).await?;
    let mut resp =
        Json(TotpEnrolmentWire { secret: e.secret, otpauth_uri: e.otpauth_uri, qr_svg: e.qr_svg }).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// Finish setting up the authenticator app with its first code; answers the recovery codes.
#[utoipa::path(put, path = "/api/v1/me/totp", tag = "session", request_body = CodeBody,
    responses((status = 200, body = RecoveryCodesWire), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn confirm_totp(
    State(state): State<HttpState>,
    auth: Authed,
    Json(b): Json<CodeBody>,
) -> ApiResult<Response> {
    let codes = state.app.sessions().confirm_totp(&auth.session, &b.code, &auth.meta).await?;
    Ok(no_store(Json(RecoveryCodesWire { recovery_codes: codes })))
}

/// Remove my authenticator app and recovery codes (with my password).
#[utoipa::path(delete, path = "/api/v1/me/totp", tag = "session", request_body = PasswordBody,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_totp(
    State(state): State<HttpState>,
    auth: Authed,
    Json(b): Json<PasswordBody>,
) -> ApiResult<StatusCode> {
    state.app.sessions().remove_totp(&auth.session, &b.password, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New recovery codes (with my password); the old ones stop working.
#[utoipa::path(post, path = "/api/v1/me/recovery-codes", tag = "session", request_body = PasswordBody,
    responses((status = 200, body = RecoveryCodesWire), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn recovery_codes(
    State(state): State<HttpState>,
    auth: Authed,
    Json(b): Json<PasswordBody>,
) -> ApiResult<Response> {
    let codes = state.app.sessions().new_recovery_codes(&auth.session, &b.password, &auth.meta).await?;
    Ok(no_store(Json(RecoveryCodesWire { recovery_codes: codes })))
}

fn no_store(j: impl IntoResponse) -> Response {
    let mut resp = j.into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Remove a person's second factors (a lost phone): whoever may manage the person.
#[utoipa::path(delete, path = "/api/v1/people/{person_id}/second-factors", tag = "organisation",
    params(("person_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset(
    State(state): State<HttpState>,
    auth: Authed,
    Path(person_id): Path<String>,
) -> ApiResult<StatusCode> {
    let pid: PersonId = id(&person_id, "person")?;
    state.app.sessions().reset_second_factors(&auth.session, pid, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The second step of a password login: a code from the authenticator app or a recovery
/// code, with the waiting login's cookie; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session/second-factor", tag = "session", request_body = CodeBody,
    responses((status = 200, body = MeWire), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn second_step(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    body: Result<Json<CodeBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    if !crate::extract::same_origin(&headers) {
        return Err(ApiError::CrossOrigin);
    }
    let Json(b) = body?;
    let pending = crate::extract::session_token_of(&headers, super::session::pending_cookie_name(&state))
        .ok_or(AppError::Unauthenticated)?;
    let meta = tavle_app::audit::RequestMeta { device: crate::extract::device_cookie(&headers, &state), ..meta };
    let outcome = state.app.sessions().second_step(&pending, &b.code, &meta).await?;
    super::session::logged_in(&state, outcome, super::session::pending_cookie(&state, String::new(), 0)).await
}
