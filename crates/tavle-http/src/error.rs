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

/// Everything a request can fail with, at any door: the use cases' errors, and the refusals
/// of the protocols themselves (a request that cannot be read, a method a route lacks, a
/// WebDAV request the server will not take). Each has one row in [`ApiError::row`].
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
    /// A body larger than a route takes, refused by the framework before it was read.
    BodyTooLarge,
    /// A JSON body sent without its content type.
    NotJson,
    /// A method the address does not take.
    MethodNotAllowed,
    /// An address no route serves.
    NoRoute,
    /// A path with a `.` or `..` segment or an encoded separator (`dav::bad_path`).
    BadPath,
    /// A WebDAV address with another person's username, or their uploads.
    NotYourFiles,
    /// A COPY or MOVE to another server.
    DestinationElsewhere,
    /// A COPY or MOVE out of the request's own files.
    DestinationOutside,
    /// A WebDAV request without Basic credentials.
    NeedsAppPassword,
    /// `PROPFIND` with `Depth: infinity`.
    InfiniteDepth,
    /// An XML body over the limit (1 MiB).
    XmlTooLarge,
    /// An XML body not in UTF-8.
    XmlNotUtf8,
    /// An XML body with a document type declaration.
    XmlDtd,
    /// Something failed that the log describes (a blob that could not be read mid-answer).
    Internal,
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
    /// The RFC 4918 precondition or postcondition element WebDAV names in its error body.
    pub dav_condition: Option<&'static str>,
}

fn row(status: StatusCode, code: &'static str, message: impl Into<String>) -> ErrorRow {
    ErrorRow {
        status,
        code,
        message: message.into(),
        field: None,
        reason: None,
        retry_after: None,
        dav_condition: None,
    }
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
                "This request lacks the X-CSRF-Token header of your session. Reload the page and try again.",
            ),
            ApiError::CrossOrigin => {
                row(StatusCode::FORBIDDEN, "cross_origin", "Logins from another web site are refused.")
            }
            ApiError::BadRequest(m) => row(StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            ApiError::BodyTooLarge => {
                row(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "The request body is too large for this request.")
            }
            ApiError::NotJson => row(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as JSON, with the header Content-Type: application/json.",
            ),
            ApiError::MethodNotAllowed => row(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "This address does not take this method (see the API's description).",
            ),
            ApiError::NoRoute => row(StatusCode::NOT_FOUND, "not_found", "There is nothing at this address."),
            ApiError::BadPath => row(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "The address contains a \".\" or \"..\" segment or an encoded slash; name files by their own path.",
            ),
            ApiError::NotYourFiles => row(
                StatusCode::FORBIDDEN,
                "forbidden",
                "These are not your files; use your own username in the address.",
            ),
            ApiError::DestinationElsewhere => row(
                StatusCode::BAD_GATEWAY,
                "destination_elsewhere",
                "The destination is on another server; copy or move within this Tavle only.",
            ),
            ApiError::DestinationOutside => row(
                StatusCode::FORBIDDEN,
                "forbidden",
                "The destination is outside these files; copy or move within one drive only (the web app moves between drives).",
            ),
            ApiError::NeedsAppPassword => row(
                StatusCode::UNAUTHORIZED,
                "not_logged_in",
                "Log in with your username and an app password (create one under My account).",
            ),
            ApiError::InfiniteDepth => ErrorRow {
                dav_condition: Some("propfind-finite-depth"),
                ..row(
                    StatusCode::FORBIDDEN,
                    "propfind_finite_depth",
                    "A listing of a whole tree at once (Depth: infinity) is refused; list one folder at a time.",
                )
            },
            ApiError::XmlTooLarge => {
                row(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "The XML request body is larger than 1 MiB.")
            }
            ApiError::XmlNotUtf8 => {
                row(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "XML request bodies must be encoded as UTF-8.")
            }
            ApiError::XmlDtd => {
                row(StatusCode::BAD_REQUEST, "bad_request", "XML with a document type declaration is refused.")
            }
            ApiError::Internal => internal(),
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
        AppError::SecondFactorRequired => row(StatusCode::UNAUTHORIZED, "second_factor_required", msg),
        AppError::WrongSecondFactor => row(StatusCode::UNAUTHORIZED, "wrong_second_factor", msg),
        AppError::SecondFactorEnrolmentRequired => {
            row(StatusCode::UNAUTHORIZED, "second_factor_enrolment_required", msg)
        }
        AppError::PasskeyRefused => row(StatusCode::UNAUTHORIZED, "passkey_refused", msg),
        AppError::LoginRefused(r) => {
            ErrorRow { reason: Some(r.reason()), ..row(StatusCode::UNAUTHORIZED, "login_refused", msg) }
        }
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
        AppError::Conflict(c) => {
            ErrorRow { field: c.field(), reason: Some(c.reason()), ..row(StatusCode::CONFLICT, "conflict", msg) }
        }
        AppError::TooLarge { .. } => row(StatusCode::PAYLOAD_TOO_LARGE, "too_large", msg),
        AppError::NoLocalPassword => row(StatusCode::CONFLICT, "no_local_password", msg),
        AppError::WrongCurrentPassword => {
            ErrorRow { field: Some("current_password"), ..row(StatusCode::FORBIDDEN, "invalid_credentials", msg) }
        }
        AppError::PreconditionFailed => row(StatusCode::PRECONDITION_FAILED, "precondition_failed", msg),
        AppError::QuotaExceeded { .. } => row(StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded", msg),
        AppError::UploadInterrupted(_) => row(StatusCode::BAD_REQUEST, "upload_interrupted", msg),
        AppError::ImportRejected(_) => row(StatusCode::UNPROCESSABLE_ENTITY, "roster_invalid", msg),
        AppError::BadDocumentUpdate => row(StatusCode::BAD_REQUEST, "bad_document_update", msg),
        AppError::Store(_) | AppError::Blob(_) | AppError::Internal(_) => {
            tracing::error!(error = ?e, "internal error");
            internal()
        }
    }
}

/// The row WebDAV answers `e` with for `method`: the table's, except where RFC 4918 names
/// another status for that method — a MKCOL of an address that is taken is 405 (section
/// 9.3.1), a COPY or MOVE that may not overwrite a taken name is 412 (9.8.5, 9.9.4). Code,
/// sentence and reason stay the table's.
pub(crate) fn dav_method_row(e: &AppError, method: &str) -> ErrorRow {
    use tavle_app::Conflict;
    let row = app_row(e);
    match (method, e) {
        ("MKCOL", AppError::Conflict(Conflict::UploadExists | Conflict::NameTaken(_))) => {
            ErrorRow { status: StatusCode::METHOD_NOT_ALLOWED, ..row }
        }
        ("COPY" | "MOVE", AppError::Conflict(Conflict::NameTaken(_))) => {
            ErrorRow { status: StatusCode::PRECONDITION_FAILED, ..row }
        }
        _ => row,
    }
}

/// The close frame a document's WebSocket ends with for `e`: the table's status as a code of
/// the application range (4000 + status: 4401 not logged in, 4403 no longer allowed, 4404
/// gone, 4409 a conflict such as an exam's lock, 4400 a refused change), and the table's
/// stable code as the reason; an internal error is 1011.
pub(crate) fn close_frame(e: &AppError) -> (u16, &'static str) {
    let r = app_row(e);
    if r.status.is_server_error() {
        (1011, r.code)
    } else {
        (4000 + r.status.as_u16(), r.code)
    }
}

/// The row of an internal error, whose cause has been logged where it was known.
fn internal() -> ErrorRow {
    row(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Something went wrong inside Tavle. It has been logged; try again later.",
    )
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
    let kind = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::NotJson,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::NOT_FOUND => ApiError::NoRoute,
        s if s.is_server_error() => {
            tracing::error!(status = %s, body = %text, "an error answer outside the error table");
            ApiError::Internal
        }
        _ if text.is_empty() => ApiError::BadRequest("The request cannot be read.".into()),
        _ => ApiError::BadRequest(format!("The request cannot be read: {text}")),
    };
    let ErrorRow { code, message, .. } = kind.row();
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

#[cfg(test)]
mod tests {
    //! The error table walked kind by kind through every door that renders it.

    use std::collections::HashSet;

    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use tavle_app::{AppError, Conflict};
    use tavle_core::{InvalidInput, Reason};

    use super::{app_row, ApiError, ErrorRow};

    /// The number of kinds of [`AppError`]; [`app_kind`] numbers them, and a new kind does
    /// not compile until it has a number here and a sample below.
    const APP_KINDS: usize = 26;

    fn app_kind(e: &AppError) -> usize {
        match e {
            AppError::Unauthenticated => 0,
            AppError::BadCredentials => 1,
            AppError::LinkLocked => 2,
            AppError::WrongLinkPassword => 3,
            AppError::AccountDisabled => 4,
            AppError::Throttled { .. } => 5,
            AppError::Busy { .. } => 6,
            AppError::Forbidden => 7,
            AppError::ExamLocked => 8,
            AppError::NotFound(_) => 9,
            AppError::Invalid(_) => 10,
            AppError::Conflict(_) => 11,
            AppError::TooLarge { .. } => 12,
            AppError::NoLocalPassword => 13,
            AppError::WrongCurrentPassword => 14,
            AppError::PreconditionFailed => 15,
            AppError::QuotaExceeded { .. } => 16,
            AppError::UploadInterrupted(_) => 17,
            AppError::ImportRejected(_) => 18,
            AppError::BadDocumentUpdate => 20,
            AppError::LoginRefused(_) => 21,
            AppError::SecondFactorRequired => 22,
            AppError::WrongSecondFactor => 23,
            AppError::SecondFactorEnrolmentRequired => 24,
            AppError::PasskeyRefused => 25,
            // One kind: whatever broke inside, the answer is the same.
            AppError::Store(_) | AppError::Blob(_) | AppError::Internal(_) => 19,
        }
    }

    /// One of every kind of error any door can answer with.
    fn samples() -> Vec<ApiError> {
        let mut app = vec![
            AppError::Unauthenticated,
            AppError::BadCredentials,
            AppError::LinkLocked,
            AppError::WrongLinkPassword,
            AppError::AccountDisabled,
            AppError::Throttled { retry_after_secs: 30 },
            AppError::Busy { retry_after_secs: 2 },
            AppError::Forbidden,
            AppError::ExamLocked,
            AppError::NotFound("file"),
            AppError::Invalid(InvalidInput::new("name", Reason::TooLong, "The name is too long <&>.")),
            AppError::TooLarge { what: "A file of a hand-in", limit_bytes: 2 << 30 },
            AppError::NoLocalPassword,
            AppError::WrongCurrentPassword,
            AppError::PreconditionFailed,
            AppError::QuotaExceeded { quota: 10, used: 9 },
            AppError::UploadInterrupted("the connection broke".into()),
            AppError::ImportRejected(Vec::new()),
            AppError::BadDocumentUpdate,
            AppError::SecondFactorRequired,
            AppError::WrongSecondFactor,
            AppError::SecondFactorEnrolmentRequired,
            AppError::PasskeyRefused,
            AppError::Internal("a cause".into()),
        ];
        app.extend(Conflict::every().into_iter().map(AppError::Conflict));
        app.extend(tavle_app::LoginRefusal::ALL.into_iter().map(AppError::LoginRefused));
        let covered: HashSet<usize> = app.iter().map(app_kind).collect();
        assert_eq!(covered.len(), APP_KINDS, "a sample of every kind of AppError");
        let mut all: Vec<ApiError> = app.into_iter().map(ApiError::App).collect();
        all.extend([
            ApiError::Csrf,
            ApiError::CrossOrigin,
            ApiError::BadRequest("The request cannot be read.".into()),
            ApiError::TooLarge(1 << 20),
            ApiError::BodyTooLarge,
            ApiError::NotJson,
            ApiError::MethodNotAllowed,
            ApiError::NoRoute,
            ApiError::BadPath,
            ApiError::NotYourFiles,
            ApiError::DestinationElsewhere,
            ApiError::DestinationOutside,
            ApiError::NeedsAppPassword,
            ApiError::InfiniteDepth,
            ApiError::XmlTooLarge,
            ApiError::XmlNotUtf8,
            ApiError::XmlDtd,
            ApiError::Internal,
        ]);
        all
    }

    async fn body(resp: axum::response::Response) -> String {
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.expect("body");
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    fn internal(e: &ApiError) -> bool {
        matches!(e, ApiError::Internal | ApiError::App(AppError::Store(_) | AppError::Blob(_) | AppError::Internal(_)))
    }

    #[test]
    fn webdav_methods_keep_the_rows_code_where_rfc_4918_names_their_status() {
        use tavle_app::Conflict;
        let taken = AppError::Conflict(Conflict::NameTaken("Noter".into()));
        let table = super::app_row(&taken);
        for (method, status) in [
            ("MKCOL", StatusCode::METHOD_NOT_ALLOWED),
            ("COPY", StatusCode::PRECONDITION_FAILED),
            ("MOVE", StatusCode::PRECONDITION_FAILED),
            ("PUT", StatusCode::CONFLICT),
        ] {
            let row = super::dav_method_row(&taken, method);
            assert_eq!(row.status, status, "{method}");
            assert_eq!(
                (row.code, row.reason, row.message.as_str()),
                (table.code, table.reason, table.message.as_str())
            );
        }
        let upload = AppError::Conflict(Conflict::UploadExists);
        assert_eq!(super::dav_method_row(&upload, "MKCOL").status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(super::dav_method_row(&AppError::Forbidden, "MKCOL").status, StatusCode::FORBIDDEN);
    }

    #[tokio::test]
    async fn every_kind_has_one_row_rendered_alike_by_every_door() {
        let mut reasons = HashSet::new();
        for e in samples() {
            let row: ErrorRow = e.row();
            let what = format!("{e:?}");
            assert!(row.code.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{what}: code {}", row.code);
            assert!(row.message.ends_with('.') || row.message.ends_with('?'), "{what}: a sentence: {}", row.message);
            // A 5xx says the fault is the server's: something broke, Tavle is busy, or what
            // RFC 4918 gives a 5xx: a full drive (507), a destination on another server (502).
            let server_side = internal(&e)
                || matches!(
                    e,
                    ApiError::App(AppError::Busy { .. } | AppError::QuotaExceeded { .. })
                        | ApiError::DestinationElsewhere
                );
            assert_eq!(row.status.is_server_error(), server_side, "{what}: 5xx only for the server's faults");
            if internal(&e) {
                assert!(!row.message.contains("cause"), "{what}: tells nothing of the cause");
            }
            if let ApiError::App(AppError::Conflict(c)) = &e {
                assert_eq!(row.status, StatusCode::CONFLICT);
                assert_eq!(row.reason, Some(c.reason()));
                reasons.insert((c.reason(), row.message.clone()));
            }

            // The JSON API.
            let json = e.row();
            let resp = e.into_response();
            assert_eq!(resp.status(), json.status, "{what}: JSON status");
            assert_eq!(
                resp.headers().get("retry-after").is_some(),
                json.retry_after.is_some(),
                "{what}: Retry-After in JSON"
            );
            let v: serde_json::Value = serde_json::from_str(&body(resp).await).expect("JSON");
            assert_eq!(v["error"]["code"], json.code, "{what}: JSON code");
            assert_eq!(v["error"]["message"], json.message.as_str(), "{what}: JSON message");
            if let Some(r) = json.reason {
                assert_eq!(v["error"]["reason"], r, "{what}: JSON reason");
            }

            // WebDAV and the Nextcloud endpoints (one rendering: SabreDAV's error body).
            let (status, code, retry) = (json.status, json.code, json.retry_after);
            let message = json.message.clone();
            let resp = crate::dav::dav_row(json);
            assert_eq!(resp.status(), status, "{what}: WebDAV status");
            assert_eq!(resp.headers().get("retry-after").is_some(), retry.is_some(), "{what}: Retry-After in WebDAV");
            if status == StatusCode::UNAUTHORIZED {
                assert!(resp.headers().get("www-authenticate").is_some(), "{what}: a Basic challenge");
            }
            let xml = body(resp).await;
            assert!(xml.contains(&format!("<t:code>{code}</t:code>")), "{what}: WebDAV code in {xml}");
            let escaped = message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            assert!(xml.contains(&format!("<s:message>{escaped}</s:message>")), "{what}: WebDAV message in {xml}");
        }
        let kinds = Conflict::every().len();
        assert_eq!(reasons.len(), kinds, "every kind of conflict has its own reason or sentence");
    }

    #[test]
    fn the_infinite_depth_refusal_names_the_rfc_condition() {
        let row = app_row(&AppError::Forbidden);
        assert_eq!(row.dav_condition, None);
        assert_eq!(ApiError::InfiniteDepth.row().dav_condition, Some("propfind-finite-depth"));
    }
}
