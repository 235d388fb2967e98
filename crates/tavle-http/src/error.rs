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

fn body(status: StatusCode, code: &'static str, message: String) -> (StatusCode, ErrorBody) {
    (status, ErrorBody { error: ErrorDetail { code, message, field: None, reason: None, problems: Vec::new() } })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut retry_after = None;
        let (status, mut out) = match &self {
            ApiError::TooLarge(limit) => body(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("The upload is larger than {} MiB; split it or ask the operator to import it.", limit >> 20),
            ),
            ApiError::Csrf => body(
                StatusCode::FORBIDDEN,
                "csrf_token_missing",
                "This request lacks the X-CSRF-Token header of your session. Reload the page and try again.".into(),
            ),
            ApiError::CrossOrigin => {
                body(StatusCode::FORBIDDEN, "cross_origin", "Logins from another web site are refused.".into())
            }
            ApiError::BadRequest(m) => body(StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            ApiError::App(e) => {
                let msg = e.to_string();
                match e {
                    AppError::Unauthenticated => body(StatusCode::UNAUTHORIZED, "not_logged_in", msg),
                    AppError::BadCredentials => body(StatusCode::UNAUTHORIZED, "invalid_credentials", msg),
                    AppError::LinkLocked => body(StatusCode::UNAUTHORIZED, "link_locked", msg),
                    AppError::WrongLinkPassword => body(StatusCode::UNAUTHORIZED, "wrong_link_password", msg),
                    AppError::AccountDisabled => body(StatusCode::FORBIDDEN, "account_disabled", msg),
                    AppError::Throttled { retry_after_secs } => {
                        retry_after = Some(*retry_after_secs);
                        body(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", msg)
                    }
                    AppError::Busy { retry_after_secs } => {
                        retry_after = Some(*retry_after_secs);
                        body(StatusCode::SERVICE_UNAVAILABLE, "busy", msg)
                    }
                    AppError::Forbidden => body(StatusCode::FORBIDDEN, "forbidden", msg),
                    AppError::ExamLocked => body(StatusCode::FORBIDDEN, "exam_locked", msg),
                    AppError::NotFound(_) => body(StatusCode::NOT_FOUND, "not_found", msg),
                    AppError::Invalid(inv) => {
                        let mut b = body(StatusCode::BAD_REQUEST, "invalid_input", inv.message.clone());
                        b.1.error.field = Some(inv.field);
                        b.1.error.reason = Some(inv.reason.code());
                        b
                    }
                    AppError::Conflict(_) => body(StatusCode::CONFLICT, "conflict", msg),
                    AppError::PreconditionFailed => body(StatusCode::PRECONDITION_FAILED, "precondition_failed", msg),
                    AppError::QuotaExceeded { .. } => body(StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded", msg),
                    AppError::UploadInterrupted(_) => body(StatusCode::BAD_REQUEST, "upload_interrupted", msg),
                    AppError::ImportRejected(problems) => {
                        let mut b = body(StatusCode::UNPROCESSABLE_ENTITY, "roster_invalid", msg);
                        b.1.error.problems = problems
                            .iter()
                            .map(|p| ProblemWire {
                                file: p.file.clone(),
                                line: p.line,
                                code: p.code,
                                message: p.message.clone(),
                            })
                            .collect();
                        b
                    }
                    AppError::Store(_) | AppError::Blob(_) | AppError::Internal(_) => {
                        tracing::error!(error = ?e, "internal error");
                        body(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "internal",
                            "Something went wrong inside Tavle. It has been logged; try again later.".into(),
                        )
                    }
                }
            }
        };
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::NOT_FOUND {
            out.error.field = None;
        }
        let mut resp = (status, Json(out)).into_response();
        if let Some(secs) = retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
