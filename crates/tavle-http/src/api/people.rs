//! One person: read and change.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use tavle_app::org::PersonChange;
use tavle_app::AppError;
use tavle_core::org::PersonStatus;
use tavle_core::{InvalidInput, Reason};

use super::id;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::wire::{PersonPatch, PersonWire};
use crate::HttpState;

/// A person, for those who may see them fully.
#[utoipa::path(get, path = "/api/v1/people/{person_id}", tag = "organisation",
    params(("person_id" = String, Path)),
    responses((status = 200, body = PersonWire), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<HttpState>,
    auth: Authed,
    Path(person): Path<String>,
) -> ApiResult<Json<PersonWire>> {
    let p = state.app.org().person(&auth.session, id(&person, "person")?, &auth.meta).await?;
    Ok(Json(PersonWire::from(&p)))
}

/// Change a person's name, status (disable) or password (admins).
#[utoipa::path(patch, path = "/api/v1/people/{person_id}", tag = "organisation",
    params(("person_id" = String, Path)), request_body = PersonPatch,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch(
    State(state): State<HttpState>,
    auth: Authed,
    Path(person): Path<String>,
    Json(req): Json<PersonPatch>,
) -> ApiResult<StatusCode> {
    let status = req
        .status
        .as_deref()
        .map(|s| {
            PersonStatus::parse(s).ok_or_else(|| {
                AppError::from(InvalidInput::new(
                    "status",
                    Reason::BadFormat,
                    "The status must be active, disabled or left.",
                ))
            })
        })
        .transpose()?;
    let change = PersonChange { display_name: req.display_name, status, password: req.password };
    state.app.org().update_person(&auth.session, id(&person, "person")?, change, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
