//! Errors of the use cases. They say what went wrong in the domain's words; the HTTP crate maps
//! each variant to a status and a stable code in exactly one place.

use tavle_core::InvalidInput;
use tavle_store::StoreError;

use crate::import::ImportProblem;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("You are not logged in, or your session has ended. Log in again.")]
    Unauthenticated,
    #[error("The username or password is wrong.")]
    BadCredentials,
    #[error("This link is protected by a password. Enter the password you were given with the link.")]
    LinkLocked,
    #[error("The password for this link is wrong. Check it with the person who sent you the link.")]
    WrongLinkPassword,
    #[error("This account is disabled. Ask your school's administrator.")]
    AccountDisabled,
    #[error("Too many failed logins. Wait {retry_after_secs} seconds and try again.")]
    Throttled { retry_after_secs: u64 },
    #[error("Tavle is busy logging in many people right now. Try again in a few seconds.")]
    Busy { retry_after_secs: u64 },
    #[error("You are not allowed to do this.")]
    Forbidden,
    /// A closed exam is running for the caller: only the exam is open to them.
    #[error("A closed exam is running: your drives and shared files open again when it ends.")]
    ExamLocked,
    #[error("The {0} does not exist, or you may not see it.")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(#[from] InvalidInput),
    #[error("{0}")]
    Conflict(String),
    /// The person logs in elsewhere (a federated login) and has no password in Tavle to change.
    #[error("You log in through your school's login service and have no Tavle password to change.")]
    NoLocalPassword,
    /// The current password given to change it is wrong.
    #[error("The current password is wrong.")]
    WrongCurrentPassword,
    /// The file changed since the caller read it (an `If-Match` that no longer holds).
    #[error("The file or folder has changed since you opened it. Reload it and try again.")]
    PreconditionFailed,
    #[error(
        "The drive is full: {used} of {quota} bytes are used. Delete files or empty the trash, or ask for more space."
    )]
    QuotaExceeded { quota: i64, used: i64 },
    #[error("The upload was interrupted before it was complete; nothing was saved. Try again.")]
    UploadInterrupted(String),
    #[error("The roster file has {} problem(s); nothing was imported.", .0.len())]
    ImportRejected(Vec<ImportProblem>),
    #[error("internal error")]
    Store(#[from] StoreError),
    #[error("internal error")]
    Blob(#[from] tavle_blob::BlobError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;
