//! The SCIM 2.0 door (`/scim/v2/`, RFC 7644): a municipality's identity management system,
//! authenticated by a bearer token of that municipality (never the session cookie). Every
//! answer is `application/scim+json`; a refusal is the error table's row in SCIM's error form
//! (`urn:ietf:params:scim:api:messages:2.0:Error`), and a wrong token is 401 with
//! `WWW-Authenticate: Bearer`. The discovery endpoints answer GET only (405 otherwise).
//!
//! Not built yet: `/Users` and `/Groups` answer 501 until provisioning goes through the
//! roster rules (docs/design/federated-login.md §6).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use serde_json::{json, Value};
use tavle_app::provisioning::{self, ScimCaller};

use crate::error::ApiError;
use crate::extract::Meta;
use crate::HttpState;

pub fn routes() -> Router<HttpState> {
    let only_get = || any(not_allowed);
    Router::new()
        .route("/scim/v2/ServiceProviderConfig", get(service_provider_config).merge(only_get()))
        .route("/scim/v2/ResourceTypes", get(resource_types).merge(only_get()))
        .route("/scim/v2/ResourceTypes/{id}", get(resource_type).merge(only_get()))
        .route("/scim/v2/Schemas", get(schemas).merge(only_get()))
        .route("/scim/v2/Schemas/{id}", get(schema).merge(only_get()))
        .route("/scim/v2/Users", any(not_yet))
        .route("/scim/v2/Users/{*rest}", any(not_yet))
        .route("/scim/v2/Groups", any(not_yet))
        .route("/scim/v2/Groups/{*rest}", any(not_yet))
        .route("/scim/v2", any(unknown))
        .route("/scim/v2/{*rest}", any(unknown))
}

fn scim_json(status: StatusCode, body: Value) -> Response {
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/scim+json"));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A SCIM error answer (RFC 7644 §3.12).
fn scim_error(status: StatusCode, scim_type: Option<&str>, detail: &str) -> Response {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.as_u16().to_string(),
        "detail": detail,
    });
    if let Some(t) = scim_type {
        body["scimType"] = json!(t);
    }
    let mut resp = scim_json(status, body);
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"Tavle SCIM\""));
    }
    resp
}

/// The error table's row for `e`, in SCIM's form.
fn refused(e: impl Into<ApiError>) -> Response {
    let row = e.into().row();
    let scim_type = match row.status {
        StatusCode::BAD_REQUEST => Some("invalidValue"),
        StatusCode::CONFLICT => Some("uniqueness"),
        _ => None,
    };
    scim_error(row.status, scim_type, &row.message)
}

fn base(state: &HttpState) -> String {
    format!("{}/scim/v2", state.config.public_url)
}

/// The municipality behind the request's bearer token.
async fn caller(
    state: &HttpState,
    headers: &HeaderMap,
    meta: &tavle_app::audit::RequestMeta,
) -> Result<ScimCaller, Response> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let bearer = auth.and_then(|a| a.strip_prefix("Bearer ").or_else(|| a.strip_prefix("bearer ")));
    state.app.provisioning().caller(bearer, meta).await.map_err(refused)
}

fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": resources.len(), "startIndex": 1, "itemsPerPage": resources.len(), "Resources": resources,
    })
}

async fn service_provider_config(State(state): State<HttpState>, Meta(meta): Meta, headers: HeaderMap) -> Response {
    if let Err(r) = caller(&state, &headers, &meta).await {
        return r;
    }
    scim_json(StatusCode::OK, provisioning::service_provider_config(&base(&state)))
}

async fn resource_types(State(state): State<HttpState>, Meta(meta): Meta, headers: HeaderMap) -> Response {
    if let Err(r) = caller(&state, &headers, &meta).await {
        return r;
    }
    scim_json(StatusCode::OK, list(provisioning::resource_types(&base(&state))))
}

async fn resource_type(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = caller(&state, &headers, &meta).await {
        return r;
    }
    match provisioning::resource_type(&base(&state), &id) {
        Some(rt) => scim_json(StatusCode::OK, rt),
        None => scim_error(StatusCode::NOT_FOUND, None, "There is no such resource type; there are User and Group."),
    }
}

async fn schemas(State(state): State<HttpState>, Meta(meta): Meta, headers: HeaderMap) -> Response {
    let c = match caller(&state, &headers, &meta).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state.app.provisioning().institutions(&c).await {
        Ok(inst) => scim_json(StatusCode::OK, list(provisioning::schemas(&base(&state), &inst))),
        Err(e) => refused(e),
    }
}

async fn schema(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let c = match caller(&state, &headers, &meta).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let inst = match state.app.provisioning().institutions(&c).await {
        Ok(inst) => inst,
        Err(e) => return refused(e),
    };
    match provisioning::schema(&base(&state), &inst, &id) {
        Some(s) => scim_json(StatusCode::OK, s),
        None => scim_error(StatusCode::NOT_FOUND, None, "There is no such schema."),
    }
}

async fn not_allowed(State(state): State<HttpState>, Meta(meta): Meta, headers: HeaderMap) -> Response {
    if let Err(r) = caller(&state, &headers, &meta).await {
        return r;
    }
    let mut resp = scim_error(StatusCode::METHOD_NOT_ALLOWED, None, "This address is read with GET only.");
    resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET"));
    resp
}

async fn not_yet(State(state): State<HttpState>, Meta(meta): Meta, headers: HeaderMap) -> Response {
    if let Err(r) = caller(&state, &headers, &meta).await {
        return r;
    }
    scim_error(
        StatusCode::NOT_IMPLEMENTED,
        None,
        "Tavle does not take users and groups over SCIM yet; import a roster.",
    )
}

async fn unknown(State(state): State<HttpState>, Meta(meta): Meta, headers: HeaderMap) -> Response {
    if let Err(r) = caller(&state, &headers, &meta).await {
        return r;
    }
    scim_error(StatusCode::NOT_FOUND, None, "There is nothing at this SCIM address.")
}
