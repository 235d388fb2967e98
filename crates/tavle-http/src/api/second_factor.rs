//! A second factor for staff: enrolling an authenticator app (TOTP) with its recovery codes,
//! removing it, the login's second step (with enrolment where the rule requires a factor of a
//! person who has none), the municipality's rule, and an administrator's reset of a person's
//! factors. Passkeys are in `passkeys.rs`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use tavle_app::AppError;
use tavle_core::PersonId;
use utoipa::ToSchema;

use super::{id, no_store};
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
    /// How many passkeys this person has.
    pub passkeys: i64,
    /// Whether this person may set one up (staff; pupils do not).
    pub may_enrol: bool,
    /// Whether the municipality requires a second factor of this person.
    pub required: bool,
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
        passkeys: f.passkeys,
        may_enrol: f.may_enrol,
        required: f.required,
    }))
}

/// Begin setting up an authenticator app: a new secret, shown once (staff only).
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "session",
    responses((status = 200, body = TotpEnrolmentWire), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn begin_totp(State(state): State<HttpState>, auth: Authed) -> ApiResult<Response> {
    let e = state.app.sessions().begin_totp(&auth.session, &auth.meta).await?;
    Ok(no_store(Json(TotpEnrolmentWire { secret: e.secret, otpauth_uri: e.otpauth_uri, qr_svg: e.qr_svg })))
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

/// The second step of a login, answered with a code from the authenticator app, a recovery
/// code, or a passkey (`ceremony` from `.../passkey-challenge` and the browser's
/// `credential`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    pub code: Option<String>,
    pub ceremony: Option<String>,
    #[schema(value_type = Object)]
    pub credential: Option<serde_json::Value>,
}

/// What a waiting login's second step can be answered with.
#[derive(Serialize, ToSchema)]
pub struct SecondStepWire {
    /// `totp`, `recovery_code`, `passkey`.
    pub methods: Vec<&'static str>,
    /// The person has no second factor and must set one up (`.../totp` or `.../passkey`) to
    /// finish logging in.
    pub must_enrol: bool,
}

/// The waiting login's cookie, from a same-origin request.
pub(super) fn waiting_token(state: &HttpState, headers: &HeaderMap) -> ApiResult<String> {
    if !crate::extract::same_origin(headers) {
        return Err(ApiError::CrossOrigin);
    }
    Ok(crate::extract::session_token_of(headers, super::session::pending_cookie_name(state))
        .ok_or(AppError::Unauthenticated)?)
}

/// What the waiting login's second step takes.
#[utoipa::path(get, path = "/api/v1/session/second-factor", tag = "session",
    responses((status = 200, body = SecondStepWire), (status = 401, body = ErrorBody)))]
pub async fn step_status(State(state): State<HttpState>, headers: HeaderMap) -> ApiResult<Response> {
    let pending = waiting_token(&state, &headers)?;
    let step = state.app.sessions().second_step_status(&pending).await?;
    Ok(no_store(Json(SecondStepWire { methods: step.methods, must_enrol: step.must_enrol })))
}

/// The second step of a login: a code from the authenticator app, a recovery code, or a
/// passkey, with the waiting login's cookie; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session/second-factor", tag = "session", request_body = StepBody,
    responses((status = 200, body = MeWire), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn second_step(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    body: Result<Json<StepBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let pending = waiting_token(&state, &headers)?;
    let Json(b) = body?;
    let meta = tavle_app::audit::RequestMeta { device: crate::extract::device_cookie(&headers, &state), ..meta };
    let sessions = state.app.sessions();
    let outcome = match (b.code, b.ceremony, b.credential) {
        (Some(code), None, None) => sessions.second_step(&pending, &code, &meta).await?,
        (None, Some(ceremony), Some(credential)) => {
            sessions.second_step_passkey(&pending, &ceremony, &credential, &state.config.public_url, &meta).await?
        }
        _ => {
            return Err(AppError::Invalid(tavle_core::InvalidInput::new(
                "code",
                tavle_core::Reason::Empty,
                "Send either the code, or the passkey's ceremony and credential.",
            ))
            .into())
        }
    };
    super::session::logged_in(&state, outcome, super::session::pending_cookie(&state, String::new(), 0)).await
}

/// In a waiting login that must set up a second factor: begin an authenticator app.
#[utoipa::path(post, path = "/api/v1/session/second-factor/totp", tag = "session",
    responses((status = 200, body = TotpEnrolmentWire), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn waiting_begin_totp(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let pending = waiting_token(&state, &headers)?;
    let e = state.app.sessions().waiting_begin_totp(&pending, &meta).await?;
    Ok(no_store(Json(TotpEnrolmentWire { secret: e.secret, otpauth_uri: e.otpauth_uri, qr_svg: e.qr_svg })))
}

/// In a waiting login that must set up a second factor: the authenticator app's first code
/// finishes the login. Answers the person's `/me` with `recovery_codes` (shown once) and sets
/// the session cookie.
#[utoipa::path(put, path = "/api/v1/session/second-factor/totp", tag = "session", request_body = CodeBody,
    responses((status = 200, body = MeWire), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn waiting_confirm_totp(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    body: Result<Json<CodeBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Response> {
    let pending = waiting_token(&state, &headers)?;
    let Json(b) = body?;
    let meta = tavle_app::audit::RequestMeta { device: crate::extract::device_cookie(&headers, &state), ..meta };
    let (outcome, codes) = state.app.sessions().waiting_confirm_totp(&pending, &b.code, &meta).await?;
    let clear = super::session::pending_cookie(&state, String::new(), 0);
    let resp = super::session::logged_in_with(&state, outcome, clear, Some(codes)).await?;
    Ok(no_store(resp))
}

/// The roles whose logins need a second factor.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRule {
    /// `staff` (everyone who works at a school or teaches), `school_admin`,
    /// `municipality_admin`. Pupils are never asked.
    pub roles: Vec<String>,
}

/// The municipality's rule: which roles need a second factor (municipality administrators).
#[utoipa::path(get, path = "/api/v1/second-factor-rule", tag = "login",
    responses((status = 200, body = SecondFactorRule), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn rule(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<SecondFactorRule>> {
    let roles = state.app.sessions().second_factor_rule(&auth.session).await?;
    Ok(Json(SecondFactorRule { roles }))
}

/// Set which roles need a second factor; each person it covers is asked at their next login.
#[utoipa::path(put, path = "/api/v1/second-factor-rule", tag = "login", request_body = SecondFactorRule,
    responses((status = 200, body = SecondFactorRule), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn set_rule(
    State(state): State<HttpState>,
    auth: Authed,
    Json(b): Json<SecondFactorRule>,
) -> ApiResult<Json<SecondFactorRule>> {
    let roles = state.app.sessions().set_second_factor_rule(&auth.session, &b.roles, &auth.meta).await?;
    Ok(Json(SecondFactorRule { roles }))
}
