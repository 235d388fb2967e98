//! Assignments and hand-ins: hand out, hand in (with an idempotency key), take back, see who
//! has handed in, download a hand-in's files and its receipt.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::TryStreamExt;
use tavle_app::assignments::{AssignmentDraft, HandInSource, Handouts};
use tavle_app::AppError;
use tavle_core::assignments::{Audience, Grade, Mode};
use tavle_core::{names, InvalidInput, NodeId, Reason};

use super::id;
use crate::content::{self, set_header, Disposition};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::wire::{
    AssignmentWire, ClassOverviewWire, ExtraTime, FeedbackChange, HandInFiles, HandInWire, InvigilationWire,
    NewAssignment, PupilStatusWire,
};
use crate::HttpState;

fn draft(req: NewAssignment) -> Result<AssignmentDraft, AppError> {
    let mode = match req.mode.as_deref() {
        None => Mode::Assignment,
        Some(m) => Mode::parse(m).ok_or_else(|| {
            InvalidInput::new("mode", Reason::BadFormat, "The mode is assignment, exam or closed_exam.")
        })?,
    };
    let person = |p: &String| {
        p.parse().map_err(|_| InvalidInput::new("audience", Reason::BadFormat, "Pupils are named by their ids."))
    };
    let audience = match req.audience.as_deref() {
        None | Some("group") => Audience::Group,
        Some("pupils") => Audience::Pupils(req.pupils.iter().map(person).collect::<Result<_, _>>()?),
        Some("teams") => Audience::Teams(
            req.teams.iter().map(|t| t.iter().map(person).collect::<Result<_, _>>()).collect::<Result<_, _>>()?,
        ),
        Some(_) => {
            return Err(
                InvalidInput::new("audience", Reason::BadFormat, "The audience is group, pupils or teams.").into()
            )
        }
    };
    let node = |n: &String| {
        n.parse::<NodeId>()
            .map_err(|_| InvalidInput::new("attachments", Reason::BadFormat, "Files are named by their ids."))
    };
    let handouts = match (&req.attachments, &req.template) {
        (None, None) => None,
        (attachments, template) => Some(Handouts {
            attachments: attachments.iter().flatten().map(node).collect::<Result<_, _>>()?,
            template: template.as_ref().map(node).transpose()?,
        }),
    };
    Ok(AssignmentDraft {
        audience,
        handouts,
        group_id: req
            .group_id
            .parse()
            .map_err(|_| InvalidInput::new("group_id", Reason::BadFormat, "The class or team is named by its id."))?,
        title: req.title,
        instructions: req.instructions,
        mode,
        opens_at: req.opens_at.as_deref().map(|o| names::moment("opens_at", o)).transpose()?,
        deadline: names::moment("deadline", &req.deadline)?,
        late_allowed: req.late_allowed,
        resubmit_allowed: req.resubmit_allowed,
    })
}

/// The client's `Idempotency-Key` for a hand-in.
fn idempotency_key(headers: &HeaderMap) -> String {
    headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// Hand out an assignment to a class or team (its teachers and the school's admins). Without
/// `opens_at` it is a draft that only they see.
#[utoipa::path(post, path = "/api/v1/assignments", tag = "assignments", request_body = NewAssignment,
    responses((status = 201, body = AssignmentWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<HttpState>,
    auth: Authed,
    Json(req): Json<NewAssignment>,
) -> ApiResult<(StatusCode, Json<AssignmentWire>)> {
    let row = state.app.assignments().create_assignment(&auth.session, &draft(req)?, &auth.meta).await?;
    let v = state.app.assignments().assignment(&auth.session, row.id, &auth.meta).await?;
    Ok((StatusCode::CREATED, Json(AssignmentWire::try_from(&v)?)))
}

/// Change an assignment (all its fields, as when creating it): publish a draft by giving it
/// an opening time, move the deadline, rewrite it. Once it has opened, its pupils see what
/// changed.
#[utoipa::path(put, path = "/api/v1/assignments/{assignment_id}", tag = "assignments",
    params(("assignment_id" = String, Path)), request_body = NewAssignment,
    responses((status = 200, body = AssignmentWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<HttpState>,
    auth: Authed,
    Path(a): Path<String>,
    Json(req): Json<NewAssignment>,
) -> ApiResult<Json<AssignmentWire>> {
    let id = id(&a, "assignment")?;
    state.app.assignments().update_assignment(&auth.session, id, &draft(req)?, &auth.meta).await?;
    Ok(Json(AssignmentWire::try_from(&state.app.assignments().assignment(&auth.session, id, &auth.meta).await?)?))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct DeleteQuery {
    /// `true` to delete an assignment that has hand-ins, with them.
    #[serde(default)]
    pub confirm: bool,
}

/// Delete an assignment. One that pupils have handed in to answers 409 with how many hand-ins
/// would go, and is deleted (with them) only with `?confirm=true`.
#[utoipa::path(delete, path = "/api/v1/assignments/{assignment_id}", tag = "assignments",
    params(("assignment_id" = String, Path), DeleteQuery),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<HttpState>,
    auth: Authed,
    Path(a): Path<String>,
    axum::extract::Query(q): axum::extract::Query<DeleteQuery>,
) -> ApiResult<StatusCode> {
    state.app.assignments().delete_assignment(&auth.session, id(&a, "assignment")?, q.confirm, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's assignments: as a pupil the published ones of their classes and teams, as a
/// teacher all of the groups they teach; soonest deadline first.
#[utoipa::path(get, path = "/api/v1/assignments", tag = "assignments",
    responses((status = 200, body = [AssignmentWire]), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<HttpState>, auth: Authed) -> ApiResult<Json<Vec<AssignmentWire>>> {
    let all = state.app.assignments().my_assignments(&auth.session).await?;
    Ok(Json(all.iter().map(AssignmentWire::try_from).collect::<Result<_, _>>()?))
}

/// One assignment, with the caller's current hand-in.
#[utoipa::path(get, path = "/api/v1/assignments/{assignment_id}", tag = "assignments",
    params(("assignment_id" = String, Path)),
    responses((status = 200, body = AssignmentWire), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<HttpState>,
    auth: Authed,
    Path(a): Path<String>,
) -> ApiResult<Json<AssignmentWire>> {
    let v = state.app.assignments().assignment(&auth.session, id(&a, "assignment")?, &auth.meta).await?;
    Ok(Json(AssignmentWire::try_from(&v)?))
}

fn handed_in((h, created): (tavle_core::assignments::HandIn, bool)) -> ApiResult<(StatusCode, Json<HandInWire>)> {
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(HandInWire::try_from(&h)?)))
}

/// Hand in one file, uploaded as the body. Send an `Idempotency-Key` header, the same for
/// every retry of this hand-in: a retry gets the first answer (200) instead of a second
/// hand-in. The answer holds the signed receipt.
#[utoipa::path(put, path = "/api/v1/assignments/{assignment_id}/hand-in/{name}", tag = "assignments",
    params(("assignment_id" = String, Path), ("name" = String, Path), ("Idempotency-Key" = String, Header)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = HandInWire), (status = 200, body = HandInWire), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn upload(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<HandInWire>)> {
    let body = body.into_data_stream().map_err(|e| e.to_string());
    let source = HandInSource::Upload { name, body };
    let key = idempotency_key(&headers);
    handed_in(state.app.assignments().hand_in(&auth.session, id(&a, "assignment")?, &key, source, &auth.meta).await?)
}

/// Hand in files of the caller's own drive (a frozen copy of them as they are now). With an
/// `Idempotency-Key`, like an upload.
#[utoipa::path(post, path = "/api/v1/assignments/{assignment_id}/hand-in", tag = "assignments",
    params(("assignment_id" = String, Path), ("Idempotency-Key" = String, Header)), request_body = HandInFiles,
    responses((status = 201, body = HandInWire), (status = 200, body = HandInWire), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn hand_in_files(
    State(state): State<HttpState>,
    auth: Authed,
    Path(a): Path<String>,
    headers: HeaderMap,
    Json(req): Json<HandInFiles>,
) -> ApiResult<(StatusCode, Json<HandInWire>)> {
    let nodes: Vec<NodeId> = req.node_ids.iter().map(|n| id(n, "file")).collect::<Result<_, _>>()?;
    let source: HandInSource<futures_util::stream::Empty<Result<bytes::Bytes, String>>> = HandInSource::Files(nodes);
    let key = idempotency_key(&headers);
    handed_in(state.app.assignments().hand_in(&auth.session, id(&a, "assignment")?, &key, source, &auth.meta).await?)
}

/// Take back the current hand-in (before the deadline, where handing in again is allowed).
#[utoipa::path(delete, path = "/api/v1/assignments/{assignment_id}/hand-in", tag = "assignments",
    params(("assignment_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw(State(state): State<HttpState>, auth: Authed, Path(a): Path<String>) -> ApiResult<StatusCode> {
    state.app.assignments().withdraw_hand_in(&auth.session, id(&a, "assignment")?, &auth.meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who has handed in, who is late and who has not (the assignment's teachers).
#[utoipa::path(get, path = "/api/v1/assignments/{assignment_id}/hand-ins", tag = "assignments",
    params(("assignment_id" = String, Path)),
    responses((status = 200, body = [PupilStatusWire]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn overview(
    State(state): State<HttpState>,
    auth: Authed,
    Path(a): Path<String>,
) -> ApiResult<Json<Vec<PupilStatusWire>>> {
    let all = state.app.assignments().hand_in_overview(&auth.session, id(&a, "assignment")?).await?;
    Ok(Json(all.iter().map(PupilStatusWire::try_from).collect::<Result<_, _>>()?))
}

/// A file of a hand-in (its pupil, and the assignment's teachers; a teacher's read is audited).
#[utoipa::path(get, path = "/api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/files/{position}", tag = "assignments",
    params(("assignment_id" = String, Path), ("hand_in_id" = String, Path), ("position" = usize, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 206), (status = 404, body = ErrorBody)))]
pub async fn file(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, h, position)): Path<(String, String, usize)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let dl = state
        .app
        .assignments()
        .hand_in_file(&auth.session, id(&a, "assignment")?, id(&h, "hand-in")?, position, &auth.meta)
        .await?;
    content::serve(&headers, &dl, Disposition::Attachment).await
}

/// A hand-in's signed receipt, as a file to keep (`tavle receipt verify` checks it offline).
#[utoipa::path(get, path = "/api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/receipt", tag = "assignments",
    params(("assignment_id" = String, Path), ("hand_in_id" = String, Path)),
    responses((status = 200, content_type = "application/json"), (status = 404, body = ErrorBody)))]
pub async fn receipt(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, h)): Path<(String, String)>,
) -> ApiResult<Response> {
    let hand_in =
        state.app.assignments().hand_in_receipt(&auth.session, id(&a, "assignment")?, id(&h, "hand-in")?).await?;
    let mut resp = hand_in.receipt.as_str().to_string().into_response();
    let headers = resp.headers_mut();
    set_header(headers, header::CONTENT_TYPE, "application/json; charset=utf-8");
    set_header(
        headers,
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"kvittering-{}.json\"", hand_in.id),
    );
    Ok(resp)
}

/// Every current hand-in of the assignment as one zip, streamed: each pupil's files and signed
/// receipt in a folder of their own, `manifest.csv` (who handed in what, when, with sizes and
/// SHA-256) and the key to check the receipts with. For the assignment's teachers; for an
/// exam, this is the export for the external examiner. Audited.
#[utoipa::path(get, path = "/api/v1/assignments/{assignment_id}/hand-ins.zip", tag = "assignments",
    params(("assignment_id" = String, Path)),
    responses((status = 200, content_type = "application/zip"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn zip(State(state): State<HttpState>, auth: Authed, Path(a): Path<String>) -> ApiResult<Response> {
    let z = state.app.assignments().hand_ins_zip(&auth.session, id(&a, "assignment")?, &auth.meta).await?;
    let mut resp = Body::from_stream(z.body).into_response();
    let headers = resp.headers_mut();
    set_header(headers, header::CONTENT_TYPE, "application/zip");
    set_header(headers, header::CACHE_CONTROL, "private, no-store");
    let encoded = percent_encoding::utf8_percent_encode(&z.name, percent_encoding::NON_ALPHANUMERIC);
    set_header(headers, header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{encoded}"));
    Ok(resp)
}

/// The invigilator's view (the assignment's teachers): every pupil as not started, working
/// (opened the exam since it began) or handed in, with their own deadline. The web app asks
/// again every few seconds while the page is open.
#[utoipa::path(get, path = "/api/v1/assignments/{assignment_id}/invigilation", tag = "assignments",
    params(("assignment_id" = String, Path)),
    responses((status = 200, body = InvigilationWire), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn invigilation(
    State(state): State<HttpState>,
    auth: Authed,
    Path(a): Path<String>,
) -> ApiResult<Json<InvigilationWire>> {
    let v = state.app.assignments().invigilation(&auth.session, id(&a, "assignment")?).await?;
    Ok(Json(InvigilationWire::from(&v)))
}

/// Feedback on a hand-in (the assignment's teachers): text, a grade on the 7-point scale,
/// whether it is returned to the pupil, and whether a new hand-in is asked for.
#[utoipa::path(put, path = "/api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/feedback", tag = "assignments",
    params(("assignment_id" = String, Path), ("hand_in_id" = String, Path)), request_body = FeedbackChange,
    responses((status = 200, body = HandInWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn feedback(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, h)): Path<(String, String)>,
    Json(req): Json<FeedbackChange>,
) -> ApiResult<Json<HandInWire>> {
    let grade = match req.grade.as_deref().map(str::trim).filter(|g| !g.is_empty()) {
        Some(g) => Some(Grade::parse(g).ok_or_else(|| {
            AppError::from(InvalidInput::new(
                "grade",
                Reason::BadFormat,
                "A grade is one of -3, 00, 02, 4, 7, 10 and 12 (the 7-point scale).",
            ))
        })?),
        None => None,
    };
    let done = state
        .app
        .assignments()
        .give_feedback(
            &auth.session,
            id(&a, "assignment")?,
            id(&h, "hand-in")?,
            req.feedback,
            grade,
            req.returned,
            req.resubmission_requested,
            &auth.meta,
        )
        .await?;
    Ok(Json(HandInWire::try_from(&done)?))
}

/// Give one pupil extra time on an assignment or exam (the assignment's teachers).
#[utoipa::path(put, path = "/api/v1/assignments/{assignment_id}/pupils/{person_id}/extra-time", tag = "assignments",
    params(("assignment_id" = String, Path), ("person_id" = String, Path)), request_body = ExtraTime,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn extra_time(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, p)): Path<(String, String)>,
    Json(req): Json<ExtraTime>,
) -> ApiResult<StatusCode> {
    state
        .app
        .assignments()
        .set_extra_time(&auth.session, id(&a, "assignment")?, id(&p, "pupil")?, req.extra_secs, &auth.meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A file handed out with an assignment (those who see it; an exam's pupils once it has begun
/// for them).
#[utoipa::path(get, path = "/api/v1/assignments/{assignment_id}/files/{position}", tag = "assignments",
    params(("assignment_id" = String, Path), ("position" = usize, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 206), (status = 404, body = ErrorBody)))]
pub async fn handout(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, position)): Path<(String, usize)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let dl = state.app.assignments().handout_file(&auth.session, id(&a, "assignment")?, position).await?;
    content::serve(&headers, &dl, Disposition::Attachment).await
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct FileNameQuery {
    /// The file's name.
    #[serde(default)]
    pub name: String,
}

/// Give a file back with a hand-in's feedback, uploaded as the body (the assignment's
/// teachers). The pupil sees it once the feedback is returned.
#[utoipa::path(post, path = "/api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/feedback-files",
    tag = "assignments",
    params(("assignment_id" = String, Path), ("hand_in_id" = String, Path), FileNameQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = HandInWire), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn add_feedback_file(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, h)): Path<(String, String)>,
    axum::extract::Query(FileNameQuery { name }): axum::extract::Query<FileNameQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<HandInWire>)> {
    let body = body.into_data_stream().map_err(|e| e.to_string());
    let done = state
        .app
        .assignments()
        .add_feedback_file(&auth.session, id(&a, "assignment")?, id(&h, "hand-in")?, &name, body, &auth.meta)
        .await?;
    Ok((StatusCode::CREATED, Json(HandInWire::try_from(&done)?)))
}

/// A file given back with a hand-in's feedback (the assignment's teachers; the pupil once the
/// feedback is returned).
#[utoipa::path(get, path = "/api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/feedback-files/{position}",
    tag = "assignments",
    params(("assignment_id" = String, Path), ("hand_in_id" = String, Path), ("position" = usize, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 206), (status = 404, body = ErrorBody)))]
pub async fn feedback_file(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, h, position)): Path<(String, String, usize)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let dl = state
        .app
        .assignments()
        .feedback_file(&auth.session, id(&a, "assignment")?, id(&h, "hand-in")?, position)
        .await?;
    content::serve(&headers, &dl, Disposition::Attachment).await
}

/// Take a file back out of a hand-in's feedback (the assignment's teachers).
#[utoipa::path(delete, path = "/api/v1/assignments/{assignment_id}/hand-ins/{hand_in_id}/feedback-files/{position}",
    tag = "assignments",
    params(("assignment_id" = String, Path), ("hand_in_id" = String, Path), ("position" = usize, Path)),
    responses((status = 200, body = HandInWire), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_feedback_file(
    State(state): State<HttpState>,
    auth: Authed,
    Path((a, h, position)): Path<(String, String, usize)>,
) -> ApiResult<Json<HandInWire>> {
    let done = state
        .app
        .assignments()
        .remove_feedback_file(&auth.session, id(&a, "assignment")?, id(&h, "hand-in")?, position, &auth.meta)
        .await?;
    Ok(Json(HandInWire::try_from(&done)?))
}

/// The overview of a class or team for its teachers: every assignment (soonest deadline first)
/// with each pupil's status and grade.
#[utoipa::path(get, path = "/api/v1/groups/{group_id}/assignment-overview", tag = "assignments",
    params(("group_id" = String, Path)),
    responses((status = 200, body = ClassOverviewWire), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn class_overview(
    State(state): State<HttpState>,
    auth: Authed,
    Path(g): Path<String>,
) -> ApiResult<Json<ClassOverviewWire>> {
    let (grades, all) = state.app.assignments().class_overview(&auth.session, id(&g, "class or team")?).await?;
    Ok(Json(ClassOverviewWire::new(grades, &all)))
}
