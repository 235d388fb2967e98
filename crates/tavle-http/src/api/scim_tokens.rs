//! SCIM tokens: a municipality administrator makes one for the identity management system that
//! provisions Tavle at `/scim/v2/` (shown once), lists and revokes them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use tavle_app::provisioning::ScimTokenInfo;
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::HttpState;

/// A SCIM token (never its secret after it was made).
#[derive(Serialize, ToSchema)]
pub struct ScimTokenWire {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

impl From<ScimTokenInfo> for ScimTokenWire {
    fn from(t: ScimTokenInfo) -> Self {
        ScimTokenWire {
            id: t.id,
            name: t.name,
            created_at: t.created_at.to_rfc3339(),
            last_used_at: t.last_used_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// A token just made: `token` is shown this once; `scim_url` is where the system sends it.
#[derive(Serialize, ToSchema)]
pub struct NewScimTokenWire {
    #[serde(flatten)]
    pub info: ScimTokenWire,
    pub token: String,
    pub scim_url: String,
}

/// Which system the token is for.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScimToken {
    pub name: String,
}

/// The municipality's SCIM tokens (municipality administrators).
#[utoipa::path(get, path = "/api/v1/scim-tokens", tag = "login",
    responses((status = 200, body = [ScimTokenWire]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<Vec<ScimTokenWire>>> {
    let tokens = state.app.provisioning().tokens(&auth.session).await?;
    Ok(Json(tokens.into_iter().map(ScimTokenWire::from).collect()))
}

/// Make a SCIM token; its secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/scim-tokens", tag = "login", request_body = NewScimToken,
    responses((status = 201, body = NewScimTokenWire), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn create(State(state): State<HttpState>, auth: Authed, Json(b): Json<NewScimToken>) -> ApiResult<Response> {
    let made = state.app.provisioning().make_token(&auth.session, &b.name, &auth.meta).await?;
    let body = NewScimTokenWire {
        info: made.info.into(),
        token: made.token,
        scim_url: format!("{}/scim/v2", state.config.public_url),
    };
    Ok(super::no_store((StatusCode::CREATED, Json(body))))
}

/// Revoke a SCIM token: the system using it is refused from its next request on.
#[utoipa::path(delete, path = "/api/v1/scim-tokens/{scim_token_id}", tag = "login",
    params(("scim_token_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(State(state): State<HttpState>, auth: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    state.app.provisioning().revoke_token(&auth.session, &id, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
