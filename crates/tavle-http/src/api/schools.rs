//! Schools, school years, and the groups and people of a school.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use tavle_app::org::{group_kind, NewPersonInput};
use tavle_core::{PersonId, SchoolId, SchoolYearId};
use utoipa::IntoParams;

use super::id;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::wire::{
    Created, GroupWire, NewGroup, NewPerson, NewSchool, NewSchoolYear, PersonSummaryWire, SchoolWire, SchoolYearWire,
};
use crate::HttpState;

/// The schools I may see.
#[utoipa::path(get, path = "/api/v1/schools", tag = "organisation",
    responses((status = 200, body = Vec<SchoolWire>), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<Vec<SchoolWire>>> {
    Ok(Json(state.app.org().schools(&auth.session).await?.iter().map(SchoolWire::from).collect()))
}

/// Create a school (municipality admins).
#[utoipa::path(post, path = "/api/v1/schools", tag = "organisation", request_body = NewSchool,
    responses((status = 201, body = SchoolWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<HttpState>,
    auth: Authed,
    Json(req): Json<NewSchool>,
) -> ApiResult<(StatusCode, Json<SchoolWire>)> {
    let s = state.app.org().create_school(&auth.session, &req.name, &req.institution_number, &auth.meta).await?;
    Ok((StatusCode::CREATED, Json(SchoolWire::from(&s))))
}

/// One school.
#[utoipa::path(get, path = "/api/v1/schools/{school_id}", tag = "organisation",
    params(("school_id" = String, Path)),
    responses((status = 200, body = SchoolWire), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<HttpState>,
    auth: Authed,
    Path(school): Path<String>,
) -> ApiResult<Json<SchoolWire>> {
    let s = state.app.org().school(&auth.session, id(&school, "school")?).await?;
    Ok(Json(SchoolWire::from(&s)))
}

/// The school years of a school, newest first.
#[utoipa::path(get, path = "/api/v1/schools/{school_id}/years", tag = "organisation",
    params(("school_id" = String, Path)),
    responses((status = 200, body = Vec<SchoolYearWire>), (status = 404, body = ErrorBody)))]
pub async fn years(
    State(state): State<HttpState>,
    auth: Authed,
    Path(school): Path<String>,
) -> ApiResult<Json<Vec<SchoolYearWire>>> {
    let y = state.app.org().school_years(&auth.session, id(&school, "school")?).await?;
    Ok(Json(y.iter().map(SchoolYearWire::from).collect()))
}

/// Add a school year (school admins).
#[utoipa::path(post, path = "/api/v1/schools/{school_id}/years", tag = "organisation",
    params(("school_id" = String, Path)), request_body = NewSchoolYear,
    responses((status = 201, body = SchoolYearWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_year(
    State(state): State<HttpState>,
    auth: Authed,
    Path(school): Path<String>,
    Json(req): Json<NewSchoolYear>,
) -> ApiResult<(StatusCode, Json<SchoolYearWire>)> {
    let school: SchoolId = id(&school, "school")?;
    let y = state
        .app
        .org()
        .create_school_year(&auth.session, school, &req.label, &req.starts_on, &req.ends_on, &auth.meta)
        .await?;
    Ok((StatusCode::CREATED, Json(SchoolYearWire::from(&y))))
}

#[derive(Deserialize, IntoParams)]
pub struct GroupQuery {
    /// Only groups of this school year.
    pub year: Option<String>,
}

/// The classes and teams of a school that I may see.
#[utoipa::path(get, path = "/api/v1/schools/{school_id}/groups", tag = "organisation",
    params(("school_id" = String, Path), GroupQuery),
    responses((status = 200, body = Vec<GroupWire>), (status = 404, body = ErrorBody)))]
pub async fn groups(
    State(state): State<HttpState>,
    auth: Authed,
    Path(school): Path<String>,
    Query(q): Query<GroupQuery>,
) -> ApiResult<Json<Vec<GroupWire>>> {
    let year: Option<SchoolYearId> = q.year.as_deref().map(|y| id(y, "school year")).transpose()?;
    let g = state.app.org().groups(&auth.session, id(&school, "school")?, year).await?;
    Ok(Json(g.iter().map(GroupWire::from).collect()))
}

/// Create a class or team (school admins).
#[utoipa::path(post, path = "/api/v1/schools/{school_id}/groups", tag = "organisation",
    params(("school_id" = String, Path)), request_body = NewGroup,
    responses((status = 201, body = GroupWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_group(
    State(state): State<HttpState>,
    auth: Authed,
    Path(school): Path<String>,
    Json(req): Json<NewGroup>,
) -> ApiResult<(StatusCode, Json<GroupWire>)> {
    let kind = group_kind(&req.kind, req.grade, req.letter.as_deref(), req.subject.as_deref())?;
    let year = id(&req.school_year_id, "school year")?;
    let g =
        state.app.org().create_group(&auth.session, id(&school, "school")?, year, &req.name, kind, &auth.meta).await?;
    Ok((StatusCode::CREATED, Json(GroupWire::from(&g))))
}

/// The people of a school (school admins).
#[utoipa::path(get, path = "/api/v1/schools/{school_id}/people", tag = "organisation",
    params(("school_id" = String, Path)),
    responses((status = 200, body = Vec<PersonSummaryWire>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn people(
    State(state): State<HttpState>,
    auth: Authed,
    Path(school): Path<String>,
) -> ApiResult<Json<Vec<PersonSummaryWire>>> {
    let p = state.app.org().people(&auth.session, id(&school, "school")?, &auth.meta).await?;
    Ok(Json(p.iter().map(PersonSummaryWire::from).collect()))
}

/// Create a person at a school (school admins).
#[utoipa::path(post, path = "/api/v1/schools/{school_id}/people", tag = "organisation",
    params(("school_id" = String, Path)), request_body = NewPerson,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_person(
    State(state): State<HttpState>,
    auth: Authed,
    Path(school): Path<String>,
    Json(req): Json<NewPerson>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let input = NewPersonInput {
        display_name: req.display_name,
        username: req.username,
        password: req.password,
        role: req.role,
    };
    let p = state.app.org().create_person(&auth.session, id(&school, "school")?, input, &auth.meta).await?;
    Ok((StatusCode::CREATED, Json(Created { id: p.to_string() })))
}

/// Make a person an administrator of the school (municipality admins).
#[utoipa::path(put, path = "/api/v1/schools/{school_id}/admins/{person_id}", tag = "organisation",
    params(("school_id" = String, Path), ("person_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn grant_admin(
    State(state): State<HttpState>,
    auth: Authed,
    Path((school, person)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let person: PersonId = id(&person, "person")?;
    state.app.org().set_school_admin(&auth.session, id(&school, "school")?, person, true, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take away a person's administration of the school (municipality admins).
#[utoipa::path(delete, path = "/api/v1/schools/{school_id}/admins/{person_id}", tag = "organisation",
    params(("school_id" = String, Path), ("person_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_admin(
    State(state): State<HttpState>,
    auth: Authed,
    Path((school, person)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let person: PersonId = id(&person, "person")?;
    state.app.org().set_school_admin(&auth.session, id(&school, "school")?, person, false, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
