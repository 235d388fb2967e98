//! Roster import through the API: upload a file, see what it changes, apply it.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use tavle_app::import::{Files, ImportOptions, ImportReport, NoProgress};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Authed;
use crate::HttpState;

/// The largest roster upload accepted (a zipped OneRoster export of 100,000 people is ~10 MiB).
pub const MAX_ROSTER_BYTES: usize = 256 << 20;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Only compare: report what would change and change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Apply even though it makes many of a school's people leave (more than 20 % and more
    /// than 10): without it such a roster is refused with the problem `many_leaving`.
    #[serde(default)]
    pub confirm_leaving: bool,
    /// The file's name, e.g. `roster.csv`, `roster.json` or `oneroster.zip`. The format is
    /// recognised from the content; the name only appears in problem reports.
    pub filename: Option<String>,
}

/// One change an import makes.
#[derive(Serialize, ToSchema)]
pub struct ChangeWire {
    /// `school_added`, `school_changed`, `school_year_added`, `school_year_changed`,
    /// `group_added`, `group_changed`, `group_linked`, `group_similar` (a new group whose name
    /// differs from an existing one only in case or punctuation), `person_added`, `person_changed`, `person_linked`,
    /// `person_returned`, `person_moved`, `person_left`, `username_changed`, `password_set`,
    /// `member_added`, `member_removed`, `member_role_changed`.
    pub kind: &'static str,
    /// Whom or what it is about.
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// What an import changed, or in a dry run would change.
#[derive(Serialize, ToSchema)]
pub struct ImportReportWire {
    /// Whether the changes were written.
    pub applied: bool,
    /// Whether Tavle already matched the roster.
    pub unchanged: bool,
    /// The number of changes of each kind (kinds with none are left out).
    pub counts: BTreeMap<&'static str, u64>,
    /// The changes one by one, sorted by kind and name; at most 5,000.
    pub changes: Vec<ChangeWire>,
    /// Whether `changes` was cut short (the counts are always complete).
    pub truncated: bool,
    pub schools_in_roster: u64,
    pub groups_in_roster: u64,
    pub people_in_roster: u64,
    /// In a preview: why applying it needs `confirm_leaving=true` (it would make a large share
    /// of a school's people leave, as a roster cut short does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_leaving: Option<String>,
}

impl From<ImportReport> for ImportReportWire {
    fn from(r: ImportReport) -> Self {
        ImportReportWire {
            applied: r.applied,
            unchanged: r.unchanged(),
            counts: r.counts.iter().map(|(k, n)| (k.code(), *n)).collect(),
            changes: r
                .changes
                .into_iter()
                .map(|c| ChangeWire { kind: c.kind.code(), name: c.name, from: c.from, to: c.to })
                .collect(),
            truncated: r.truncated,
            schools_in_roster: r.schools_in_roster,
            groups_in_roster: r.groups_in_roster,
            people_in_roster: r.people_in_roster,
            confirm_leaving: r.confirm_leaving,
        }
    }
}

/// Import a roster into the caller's municipality (school and municipality admins). The body
/// is the file itself: a Tavle roster CSV or JSON, or a OneRoster CSV export as a zip. With
/// `dry_run=true` nothing changes and the response says what would. A roster with any problem
/// is refused as a whole with `roster_invalid` and the problems with file and line.
#[utoipa::path(post, path = "/api/v1/roster-imports", tag = "organisation", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ImportReportWire), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<HttpState>,
    auth: Authed,
    Query(params): Query<ImportParams>,
    body: Body,
) -> ApiResult<Json<ImportReportWire>> {
    let bytes = axum::body::to_bytes(body, MAX_ROSTER_BYTES).await.map_err(|e| {
        if std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>()) {
            ApiError::TooLarge(MAX_ROSTER_BYTES as u64)
        } else {
            ApiError::BadRequest(format!("The upload could not be read: {e}"))
        }
    })?;
    let mut files = Files::new();
    files.add(params.filename.as_deref().unwrap_or("roster"), bytes.to_vec());
    let opts = ImportOptions { dry_run: params.dry_run, confirm_leaving: params.confirm_leaving };
    let report = state.app.org().import_roster(&auth.session, files, opts, &auth.meta, &NoProgress).await?;
    Ok(Json(report.into()))
}
