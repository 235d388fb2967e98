//! API v1 handlers: extract, call one `tavle-app` function, convert the result.

pub mod app_passwords;
pub mod assignments;
pub mod comments;
pub mod documents;
pub mod drive;
pub mod files;
pub mod groups;
pub mod handed_documents;
pub mod imports;
pub mod links;
pub mod login;
pub mod login_providers;
pub mod office;
pub mod passkeys;
pub mod people;
pub mod pictures;
pub mod receipts;
pub mod schools;
pub mod scim_tokens;
pub mod second_factor;
pub mod session;
pub mod shares;
pub mod tus;

use std::str::FromStr;

use tavle_app::AppError;

use crate::error::ApiError;

/// Parses an identifier from a path; a malformed one names nothing that exists.
/// An answer no cache may keep (a secret shown once, a ceremony's challenge).
pub(crate) fn no_store(j: impl axum::response::IntoResponse) -> axum::response::Response {
    let mut resp = j.into_response();
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    resp
}

pub(crate) fn id<T: FromStr>(raw: &str, what: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::App(AppError::NotFound(what)))
}
