//! A municipality's login services (Unilogin, OS2faktor, Keycloak) as its admins manage them:
//! list, add, change, check again, remove. The client secret is written, never read back.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tavle_app::federation::providers::{ProviderInput, ProviderView};
use tavle_core::LoginProviderId;
use utoipa::ToSchema;

use super::id;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::HttpState;

/// What the provider's metadata said when Tavle last read it.
#[derive(Serialize, ToSchema)]
pub struct ProviderCheckWire {
    pub checked_at: String,
    /// PKCE with S256, which Tavle requires.
    pub pkce_s256: bool,
    /// It names itself in its answers (RFC 9207), against mix-ups between services.
    pub iss_parameter: bool,
    /// Logging out of Tavle can log out there too.
    pub end_session: bool,
    /// It can end Tavle's sessions when someone logs out there.
    pub backchannel_logout: bool,
}

/// A login service of the municipality.
#[derive(Serialize, ToSchema)]
pub struct LoginProviderWire {
    pub id: String,
    /// The short name in addresses, e.g. `unilogin`.
    pub slug: String,
    /// The button's words: "Log ind med {display_name}".
    pub display_name: String,
    /// `unilogin`, `os2faktor`, `keycloak` or `other`.
    pub preset: String,
    pub issuer: String,
    pub client_id: String,
    /// Whether a client secret is set (it is never shown).
    pub client_secret_set: bool,
    /// Set by the operator: the secret is read from this file.
    pub client_secret_file: Option<String>,
    pub scopes: String,
    /// The claim that names the person (e.g. `uniid`) and the kind of identity it is looked
    /// up as (e.g. `UNI-Login`, as rosters write it).
    pub claim: String,
    pub namespace: String,
    pub enabled: bool,
    pub position: i64,
    pub check: Option<ProviderCheckWire>,
    /// The addresses to register at the login service.
    pub redirect_uri: String,
    pub backchannel_logout_uri: String,
    pub post_logout_redirect_uri: String,
}

impl From<ProviderView> for LoginProviderWire {
    fn from(v: ProviderView) -> Self {
        LoginProviderWire {
            id: v.id.to_string(),
            slug: v.slug,
            display_name: v.display_name,
            preset: v.preset,
            issuer: v.issuer,
            client_id: v.client_id,
            client_secret_set: v.client_secret_set,
            client_secret_file: v.client_secret_file,
            scopes: v.scopes,
            claim: v.claim,
            namespace: v.namespace,
            enabled: v.enabled,
            position: v.position,
            check: v.check.map(|c| ProviderCheckWire {
                checked_at: tavle_core::Timestamp(c.at).to_rfc3339(),
                pkce_s256: c.pkce_s256,
                iss_parameter: c.iss_parameter,
                end_session: c.end_session,
                backchannel_logout: c.backchannel_logout,
            }),
            redirect_uri: v.redirect_uri,
            backchannel_logout_uri: v.backchannel_logout_uri,
            post_logout_redirect_uri: v.post_logout_redirect_uri,
        }
    }
}

/// A login service to add, or the fields to change (those left out stay; for a new one the
/// preset gives scopes, claim and namespace). A `client_secret` of `""` removes it.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct LoginProviderChange {
    pub slug: Option<String>,
    pub display_name: Option<String>,
    pub preset: Option<String>,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scopes: Option<String>,
    pub claim: Option<String>,
    pub namespace: Option<String>,
    pub enabled: Option<bool>,
    pub position: Option<i64>,
}

impl From<LoginProviderChange> for ProviderInput {
    fn from(c: LoginProviderChange) -> Self {
        ProviderInput {
            slug: c.slug,
            display_name: c.display_name,
            preset: c.preset,
            issuer: c.issuer,
            client_id: c.client_id,
            client_secret: c.client_secret,
            scopes: c.scopes,
            claim: c.claim,
            namespace: c.namespace,
            enabled: c.enabled,
            position: c.position,
        }
    }
}

/// The municipality's login services (a municipality admin).
#[utoipa::path(get, path = "/api/v1/login-providers", tag = "login",
    responses((status = 200, body = Vec<LoginProviderWire>), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<Vec<LoginProviderWire>>> {
    let list = state.app.federation().providers(&auth.session, &state.config.public_url).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Add a login service (a municipality admin); its discovery is read at once.
#[utoipa::path(post, path = "/api/v1/login-providers", tag = "login", request_body = LoginProviderChange,
    responses((status = 201, body = LoginProviderWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<HttpState>,
    auth: Authed,
    Json(req): Json<LoginProviderChange>,
) -> ApiResult<(StatusCode, Json<LoginProviderWire>)> {
    let v =
        state.app.federation().add_provider(&auth.session, &req.into(), &state.config.public_url, &auth.meta).await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// One login service (a municipality admin).
#[utoipa::path(get, path = "/api/v1/login-providers/{provider_id}", tag = "login",
    params(("provider_id" = String, Path)),
    responses((status = 200, body = LoginProviderWire), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<HttpState>,
    auth: Authed,
    Path(provider_id): Path<String>,
) -> ApiResult<Json<LoginProviderWire>> {
    let pid: LoginProviderId = id(&provider_id, "login service")?;
    Ok(Json(state.app.federation().provider_view(&auth.session, pid, &state.config.public_url).await?.into()))
}

/// Change a login service (a municipality admin); a changed issuer is read at once.
#[utoipa::path(patch, path = "/api/v1/login-providers/{provider_id}", tag = "login",
    params(("provider_id" = String, Path)), request_body = LoginProviderChange,
    responses((status = 200, body = LoginProviderWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn patch(
    State(state): State<HttpState>,
    auth: Authed,
    Path(provider_id): Path<String>,
    Json(req): Json<LoginProviderChange>,
) -> ApiResult<Json<LoginProviderWire>> {
    let pid: LoginProviderId = id(&provider_id, "login service")?;
    let fed = state.app.federation();
    Ok(Json(fed.change_provider(&auth.session, pid, &req.into(), &state.config.public_url, &auth.meta).await?.into()))
}

/// Remove a login service (a municipality admin); the sessions it made end.
#[utoipa::path(delete, path = "/api/v1/login-providers/{provider_id}", tag = "login",
    params(("provider_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<HttpState>,
    auth: Authed,
    Path(provider_id): Path<String>,
) -> ApiResult<StatusCode> {
    let pid: LoginProviderId = id(&provider_id, "login service")?;
    state.app.federation().remove_provider(&auth.session, pid, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Read a login service's discovery and keys again now (a municipality admin).
#[utoipa::path(post, path = "/api/v1/login-providers/{provider_id}/check", tag = "login",
    params(("provider_id" = String, Path)),
    responses((status = 200, body = LoginProviderWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn check(
    State(state): State<HttpState>,
    auth: Authed,
    Path(provider_id): Path<String>,
) -> ApiResult<Json<LoginProviderWire>> {
    let pid: LoginProviderId = id(&provider_id, "login service")?;
    let fed = state.app.federation();
    Ok(Json(fed.check_provider(&auth.session, pid, &state.config.public_url, &auth.meta).await?.into()))
}
