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
pub(crate) fn id<T: FromStr>(raw: &str, what: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::App(AppError::NotFound(what)))
}
