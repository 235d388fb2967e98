//! The caller's app passwords, for WebDAV and the sync clients.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::id;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::wire::{AppPasswordWire, NewAppPassword};
use crate::HttpState;

/// The caller's app passwords, newest first.
#[utoipa::path(get, path = "/api/v1/me/app-passwords", tag = "session",
    responses((status = 200, body = [AppPasswordWire]), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<Vec<AppPasswordWire>>> {
    let list = state.app.sessions().app_passwords(&auth.session).await?;
    Ok(Json(list.iter().map(AppPasswordWire::from).collect()))
}

/// Create an app password; the answer holds its secret, which is never shown again.
#[utoipa::path(post, path = "/api/v1/me/app-passwords", tag = "session", request_body = NewAppPassword,
    responses((status = 201, body = AppPasswordWire), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn create(
    State(state): State<HttpState>,
    auth: Authed,
    Json(req): Json<NewAppPassword>,
) -> ApiResult<(StatusCode, Json<AppPasswordWire>)> {
    let created = state.app.sessions().create_app_password(&auth.session, &req.name, &auth.meta).await?;
    let mut wire = AppPasswordWire::from(&created.password);
    wire.password = Some(created.secret);
    Ok((StatusCode::CREATED, Json(wire)))
}

/// Revoke one of the caller's app passwords; devices using it are logged out at once.
#[utoipa::path(delete, path = "/api/v1/me/app-passwords/{app_password_id}", tag = "session",
    params(("app_password_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke(State(state): State<HttpState>, auth: Authed, Path(ap): Path<String>) -> ApiResult<StatusCode> {
    state.app.sessions().revoke_app_password(&auth.session, id(&ap, "app password")?, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A device asking for access through Login Flow v2.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LoginFlowWire {
    /// The device as it names itself (its User-Agent).
    pub device: String,
}

/// What device a login request (from a sync client's Login Flow v2) is for.
#[utoipa::path(get, path = "/api/v1/login-flows/{login_token}", tag = "session",
    params(("login_token" = String, Path)),
    responses((status = 200, body = LoginFlowWire), (status = 404, body = ErrorBody)))]
pub async fn login_flow(
    State(state): State<HttpState>,
    auth: Authed,
    Path(token): Path<String>,
) -> ApiResult<Json<LoginFlowWire>> {
    let device = state.app.sessions().login_flow_device(&auth.session, &token).await?;
    Ok(Json(LoginFlowWire { device }))
}

/// Approve a login request: the device receives an app password for the caller's account.
#[utoipa::path(post, path = "/api/v1/login-flows/{login_token}/grant", tag = "session",
    params(("login_token" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn grant_login_flow(
    State(state): State<HttpState>,
    auth: Authed,
    Path(token): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.sessions().grant_login_flow(&auth.session, &token, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
