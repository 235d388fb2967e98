//! The one place where errors become HTTP responses. Every error has a stable `code` that
//! clients may branch on and a `message` a person can act on; internal causes are logged and
//! never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use tavle_app::AppError;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_credentials`, `not_found`, `invalid_input`.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// What is wrong with the field, for `invalid_input`: `empty`, `too_long`, `too_short`,
    /// `control_character`, `bad_character`, `bad_format`, `out_of_range` or `reserved_name`. Clients that show
    /// their own language build their sentence from `field` and `reason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// Problems found in an uploaded file, each with file and line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemWire>,
}

#[derive(Serialize, ToSchema)]
pub struct ProblemWire {
    pub file: String,
    /// 1-based; 0 when the problem is with the file as a whole.
    pub line: u64,
    /// Stable code, e.g. `missing_column`, `bad_value`, `unknown_reference`, `username_taken`.
    pub code: &'static str,
    pub message: String,
}

/// Everything a handler can fail with.
#[derive(Debug)]
pub enum ApiError {
    App(AppError),
    /// A state-changing request without the session's CSRF token.
    Csrf,
    /// A login form posted from another site.
    CrossOrigin,
    /// The request body could not be read as the expected JSON.
    BadRequest(String),
    /// The request body is larger than the endpoint accepts (the limit in bytes).
    TooLarge(u64),
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        ApiError::BadRequest(e.body_text())
    }
}

/// One row of the error table: what an error is called and how it is answered, whatever the
/// door (the JSON API, WebDAV's XML `<d:error>`, the Nextcloud endpoints) renders it.
pub(crate) struct ErrorRow {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<&'static str>,
    pub reason: Option<&'static str>,
    pub retry_after: Option<u64>,
}

fn row(status: StatusCode, code: &'static str, message: String) -> ErrorRow {
    ErrorRow { status, code, message, field: None, reason: None, retry_after: None }
}

impl ApiError {
    /// The error's row of the table. Internal causes are logged here and never described.
    pub(crate) fn row(&self) -> ErrorRow {
        match self {
            ApiError::TooLarge(limit) => row(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("The upload is larger than {} MiB; split it or ask the operator to import it.", limit >> 20),
            ),
            ApiError::Csrf => row(
                StatusCode::FORBIDDEN,
                "csrf_token_missing",
                "This request lacks the X-CSRF-Token header of your session. Reload the page and try again.".into(),
            ),
            ApiError::CrossOrigin => {
                row(StatusCode::FORBIDDEN, "cross_origin", "Logins from another web site are refused.".into())
            }
            ApiError::BadRequest(m) => row(StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            ApiError::App(e) => app_row(e),
        }
    }
}

/// The table's rows for the use cases' errors.
pub(crate) fn app_row(e: &AppError) -> ErrorRow {
    let msg = e.to_string();
    match e {
        AppError::Unauthenticated => row(StatusCode::UNAUTHORIZED, "not_logged_in", msg),
        AppError::BadCredentials => row(StatusCode::UNAUTHORIZED, "invalid_credentials", msg),
        AppError::LinkLocked => row(StatusCode::UNAUTHORIZED, "link_locked", msg),
        AppError::WrongLinkPassword => row(StatusCode::UNAUTHORIZED, "wrong_link_password", msg),
        AppError::AccountDisabled => row(StatusCode::FORBIDDEN, "account_disabled", msg),
        AppError::Throttled { retry_after_secs } => ErrorRow {
            retry_after: Some(*retry_after_secs),
            ..row(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", msg)
        },
        AppError::Busy { retry_after_secs } => {
            ErrorRow { retry_after: Some(*retry_after_secs), ..row(StatusCode::SERVICE_UNAVAILABLE, "busy", msg) }
        }
        AppError::Forbidden => row(StatusCode::FORBIDDEN, "forbidden", msg),
        AppError::ExamLocked => row(StatusCode::FORBIDDEN, "exam_locked", msg),
        AppError::NotFound(_) => row(StatusCode::NOT_FOUND, "not_found", msg),
        AppError::Invalid(inv) => ErrorRow {
            field: Some(inv.field),
            reason: Some(inv.reason.code()),
            ..row(StatusCode::BAD_REQUEST, "invalid_input", inv.message.clone())
        },
        AppError::Conflict(_) => row(StatusCode::CONFLICT, "conflict", msg),
        AppError::NoLocalPassword => row(StatusCode::CONFLICT, "no_local_password", msg),
        AppError::WrongCurrentPassword => {
            ErrorRow { field: Some("current_password"), ..row(StatusCode::FORBIDDEN, "invalid_credentials", msg) }
        }
        AppError::PreconditionFailed => row(StatusCode::PRECONDITION_FAILED, "precondition_failed", msg),
        AppError::QuotaExceeded { .. } => row(StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded", msg),
        AppError::UploadInterrupted(_) => row(StatusCode::BAD_REQUEST, "upload_interrupted", msg),
        AppError::ImportRejected(_) => row(StatusCode::UNPROCESSABLE_ENTITY, "roster_invalid", msg),
        AppError::Store(_) | AppError::Blob(_) | AppError::Internal(_) => {
            tracing::error!(error = ?e, "internal error");
            row(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong inside Tavle. It has been logged; try again later.".into(),
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let r = self.row();
        let problems = match &self {
            ApiError::App(AppError::ImportRejected(problems)) => problems
                .iter()
                .map(|p| ProblemWire { file: p.file.clone(), line: p.line, code: p.code, message: p.message.clone() })
                .collect(),
            _ => Vec::new(),
        };
        // Who is not logged in, or may not see a thing, learns nothing about its fields.
        let field = r.field.filter(|_| r.status != StatusCode::UNAUTHORIZED && r.status != StatusCode::NOT_FOUND);
        let out =
            ErrorBody { error: ErrorDetail { code: r.code, message: r.message, field, reason: r.reason, problems } };
        let mut resp = (r.status, Json(out)).into_response();
        if let Some(secs) = r.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Wraps every error answer of the API that did not come from [`ApiError`] — axum's own
/// refusals of a body, a path or a query that cannot be read (plain text), and a method the
/// route does not have (no body) — in the same envelope with a stable code, so a client
/// never has to read an error twice over.
pub async fn envelope(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // axum's refusals are one short line; anything longer is cut, not buffered.
    let text = match axum::body::to_bytes(body, 4096).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "The request body is too large for this request.".to_string()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "Send the body as JSON, with the header Content-Type: application/json.".to_string(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method_not_allowed", "This address does not take this method (see the API's description).".to_string())
        }
        StatusCode::NOT_FOUND => ("not_found", "There is nothing at this address.".to_string()),
        s if s.is_server_error() => {
            tracing::error!(status = %s, body = %text, "an error answer outside the error table");
            ("internal", "Something went wrong inside Tavle. It has been logged; try again later.".to_string())
        }
        _ if text.is_empty() => ("bad_request", "The request cannot be read.".to_string()),
        _ => ("bad_request", format!("The request cannot be read: {text}")),
    };
    let out = ErrorBody { error: ErrorDetail { code, message, field: None, reason: None, problems: Vec::new() } };
    let mut resp = (status, Json(out)).into_response();
    // Everything else the answer said stays (Allow, Content-Range of a 416, Retry-After).
    for (name, v) in parts.headers.iter() {
        let about_the_body =
            name == header::CONTENT_TYPE || name == header::CONTENT_LENGTH || name == header::CONTENT_DISPOSITION;
        if !about_the_body {
            resp.headers_mut().append(name.clone(), v.clone());
        }
    }
    resp
}
