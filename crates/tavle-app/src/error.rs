//! Errors of the use cases. They say what went wrong in the domain's words; the HTTP crate maps
//! each variant to a status and a stable code in exactly one place.

use tavle_core::InvalidInput;
use tavle_store::StoreError;

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
    /// The password was right; the login waits for a code from the authenticator app.
    #[error("Type the 6-digit code from your authenticator app, or one of your recovery codes.")]
    SecondFactorRequired,
    #[error("The code is wrong or was used already. Type the code the app shows now, or a recovery code.")]
    WrongSecondFactor,
    /// The first step was right, but the municipality requires staff to have a second factor
    /// and this person has none yet: they set one up to finish the login.
    #[error("Your municipality asks staff for a second step when they log in. Set up an authenticator app or a passkey to finish logging in.")]
    SecondFactorEnrolmentRequired,
    /// A passkey's signature did not check out (or the passkey is not known).
    #[error("The passkey was not accepted. Try again, or log in with your username and password.")]
    PasskeyRefused,
    /// A login through the municipality's login service (OpenID Connect) was refused.
    #[error("{0}")]
    LoginRefused(LoginRefusal),
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
    /// The request contradicts the state of what it works on; the kind says how.
    #[error("{0}")]
    Conflict(Conflict),
    /// A body larger than this use case takes (e.g. a hand-in's file over 2 GiB).
    #[error("{what} may be at most {} GiB.", .limit_bytes >> 30)]
    TooLarge { what: &'static str, limit_bytes: u64 },
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
    /// An editor sent a document change that does not decode or apply; it was refused and
    /// the document is as it was.
    #[error("The editor sent a change Tavle could not read, so it was refused. Reload the document; what was saved is kept.")]
    BadDocumentUpdate,
    #[error("internal error")]
    Store(#[from] StoreError),
    #[error("internal error")]
    Blob(#[from] tavle_blob::BlobError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

/// One thing wrong with a roster file, with where it is. `line` is 0 for the file as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProblem {
    pub file: String,
    pub line: u64,
    /// Stable code: `missing_column`, `bad_value`, `unknown_reference`, `duplicate`, …
    pub code: &'static str,
    pub message: String,
}

/// The named ways a request can contradict the state of what it works on. Each is answered
/// Why a login through a login service (Unilogin, OS2faktor, Keycloak) was refused; each has
/// a stable code ([`LoginRefusal::reason`]) the web app shows its own sentence for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LoginRefusal {
    #[error("The login took too long or was started in another browser or tab. Start again from Tavle's login page.")]
    State,
    #[error("The login service ended the login without logging you in. Try again.")]
    ProviderError,
    #[error("Tavle could not reach the login service. Try again in a minute; if it goes on, tell your school's administrator.")]
    ProviderUnavailable,
    #[error("Tavle could not trust the answer from the login service, so you were not logged in. Try again; if it happens again, tell your school's administrator.")]
    Token,
    #[error("You are not set up in Tavle in this municipality. Ask your school's administrator to add you.")]
    UnknownPerson,
    #[error("You are no longer registered at a school in this municipality. Ask your school's administrator if this is wrong.")]
    Left,
    #[error("The login service says you are a pupil and Tavle says staff, or the other way round. Ask your school's administrator.")]
    WrongRole,
    #[error("The login service says you belong to another school than Tavle does. Ask your school's administrator.")]
    WrongSchool,
    #[error("Parents and guests cannot log in to Tavle through this login service.")]
    NotForThisGroup,
}

impl LoginRefusal {
    pub fn reason(self) -> &'static str {
        match self {
            LoginRefusal::State => "state",
            LoginRefusal::ProviderError => "provider_error",
            LoginRefusal::ProviderUnavailable => "provider_unavailable",
            LoginRefusal::Token => "token",
            LoginRefusal::UnknownPerson => "unknown_person",
            LoginRefusal::Left => "left",
            LoginRefusal::WrongRole => "wrong_role",
            LoginRefusal::WrongSchool => "wrong_school",
            LoginRefusal::NotForThisGroup => "not_for_this_group",
        }
    }

    pub const ALL: [LoginRefusal; 9] = [
        LoginRefusal::State,
        LoginRefusal::ProviderError,
        LoginRefusal::ProviderUnavailable,
        LoginRefusal::Token,
        LoginRefusal::UnknownPerson,
        LoginRefusal::Left,
        LoginRefusal::WrongRole,
        LoginRefusal::WrongSchool,
        LoginRefusal::NotForThisGroup,
    ];
}

/// with 409, the code `conflict` and its own stable [`Conflict::reason`], so a client can
/// branch on the kind without reading the sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("There is already a file or folder called {0:?} here.")]
    NameTaken(String),
    #[error("The top folder of a drive cannot be moved, renamed or deleted.")]
    DriveRoot,
    #[error("A folder cannot be moved or copied into itself.")]
    IntoItself,
    #[error("This is a folder, not a file.")]
    NotAFile,
    /// A folder given where files are handed in or handed out.
    #[error("\"{0}\" is a folder; choose files.")]
    FolderGiven(String),
    #[error("This is a file, not a folder.")]
    NotAFolder,
    #[error("This is not a Tavle document; open it as a file.")]
    NotADocument,
    /// The sentence says what could not be read.
    #[error("{0}")]
    NotConvertible(String),
    #[error("Only PNG and JPEG pictures, at most 12,000 pixels on a side and 25 megapixels, can go in a document.")]
    NotAPicture,
    /// An office server holds another WOPI lock on the file (its id; empty when none is held
    /// and the file may not be written without one).
    #[error("The file is locked by another editing session; try again when it is closed.")]
    WopiLocked(String),
    #[error("The file was changed since it was opened in the office application; open it again.")]
    ChangedSince,
    #[error("Only a folder can collect files; choose a folder.")]
    DropBoxNeedsFolder,
    #[error("You have too many unfinished uploads; finish or cancel some first.")]
    TooManyUploads,
    #[error("An upload with this transfer id exists already.")]
    UploadExists,
    #[error("The upload stands at byte {0}; send from there.")]
    UploadOffset(i64),
    #[error("The part goes past the length announced for the upload.")]
    PastAnnouncedLength,
    #[error("The upload has {received} bytes, not the {announced} announced; send the missing parts.")]
    UploadIncomplete { received: i64, announced: i64 },
    #[error("You cannot share or make links while your exam is running.")]
    ExamRunning,
    #[error("You have this already; share it with someone else.")]
    SharedWithSelf,
    #[error("This link has no password; open it directly.")]
    LinkHasNoPassword,
    #[error("You cannot disable yourself; ask another administrator.")]
    OwnAccount,
    #[error("You have an authenticator app set up already. Remove it first to set up another.")]
    SecondFactorExists,
    #[error("You have no authenticator app set up.")]
    NoSecondFactor,
    #[error("This passkey is added already.")]
    PasskeyExists,
    #[error("Passkeys need Tavle to be reached by a name, not an IP address: open it at its name, or ask the operator to set public_url.")]
    PasskeysUnavailable,
    #[error("You have handed this in already, and it cannot be handed in again.")]
    HandedInAlready,
    #[error("This hand-in can no longer be taken back.")]
    CannotWithdraw,
    #[error("The assignment is not open for hand-ins now.")]
    NotOpenForHandIns,
    #[error("The assignment has opened: {}", .0.sentence())]
    AssignmentOpened(Opened),
    #[error("{0} hand-in(s) would be deleted with the assignment; confirm to delete them too.")]
    HandInsWouldBeDeleted(i64),
    #[error("A school with this institution number exists.")]
    SchoolExists,
    #[error("The school already has a school year with this label.")]
    SchoolYearExists,
    #[error("This group exists already.")]
    GroupExists,
    #[error("This username is taken; choose another.")]
    UsernameTaken,
}

/// What can no longer change once an assignment has opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// Back to a draft, or between assignment and exam.
    Mode,
    /// Its teams (they have working folders).
    Teams,
    /// Its template (copied to its pupils).
    Template,
}

impl Opened {
    fn sentence(self) -> &'static str {
        match self {
            Opened::Mode => "it cannot become a draft again or change between assignment and exam.",
            Opened::Teams => "its teams can no longer change (they have working folders).",
            Opened::Template => "its template has been copied to its pupils and can no longer change.",
        }
    }
}

impl Conflict {
    /// The stable machine-readable name of the kind, sent as the error's `reason`.
    pub fn reason(&self) -> &'static str {
        match self {
            Conflict::NameTaken(_) => "name_taken",
            Conflict::DriveRoot => "drive_root",
            Conflict::IntoItself => "into_itself",
            Conflict::NotAFile | Conflict::FolderGiven(_) => "not_a_file",
            Conflict::NotAFolder | Conflict::DropBoxNeedsFolder => "not_a_folder",
            Conflict::NotADocument => "not_a_document",
            Conflict::NotConvertible(_) => "not_convertible",
            Conflict::NotAPicture => "not_a_picture",
            Conflict::WopiLocked(_) => "wopi_locked",
            Conflict::ChangedSince => "changed_since",
            Conflict::TooManyUploads => "too_many_uploads",
            Conflict::UploadExists => "upload_exists",
            Conflict::UploadOffset(_) => "upload_offset",
            Conflict::PastAnnouncedLength => "past_announced_length",
            Conflict::UploadIncomplete { .. } => "upload_incomplete",
            Conflict::ExamRunning => "exam_running",
            Conflict::SharedWithSelf => "shared_with_self",
            Conflict::LinkHasNoPassword => "link_has_no_password",
            Conflict::OwnAccount => "own_account",
            Conflict::SecondFactorExists => "second_factor_exists",
            Conflict::NoSecondFactor => "no_second_factor",
            Conflict::PasskeyExists => "passkey_exists",
            Conflict::PasskeysUnavailable => "passkeys_unavailable",
            Conflict::HandedInAlready => "handed_in_already",
            Conflict::CannotWithdraw => "cannot_withdraw",
            Conflict::NotOpenForHandIns => "not_open_for_hand_ins",
            Conflict::AssignmentOpened(_) => "assignment_opened",
            Conflict::HandInsWouldBeDeleted(_) => "confirm_needed",
            Conflict::SchoolExists => "school_exists",
            Conflict::SchoolYearExists => "school_year_exists",
            Conflict::GroupExists => "group_exists",
            Conflict::UsernameTaken => "username_taken",
        }
    }

    /// The input field at fault, where one is.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Conflict::NameTaken(_) => Some("name"),
            Conflict::UsernameTaken => Some("username"),
            Conflict::SchoolExists => Some("institution_number"),
            Conflict::SchoolYearExists => Some("label"),
            _ => None,
        }
    }

    /// One of every kind, for the tests that walk the error table through every door.
    #[doc(hidden)]
    pub fn every() -> Vec<Conflict> {
        vec![
            Conflict::NameTaken("Noter.txt".into()),
            Conflict::DriveRoot,
            Conflict::IntoItself,
            Conflict::NotAFile,
            Conflict::FolderGiven("Billeder".into()),
            Conflict::NotAFolder,
            Conflict::NotADocument,
            Conflict::NotConvertible(
                "Tavle could not read the file as a Word (DOCX) or OpenDocument (ODT) text.".into(),
            ),
            Conflict::NotAPicture,
            Conflict::DropBoxNeedsFolder,
            Conflict::TooManyUploads,
            Conflict::UploadExists,
            Conflict::UploadOffset(10),
            Conflict::PastAnnouncedLength,
            Conflict::UploadIncomplete { received: 1, announced: 2 },
            Conflict::ExamRunning,
            Conflict::SharedWithSelf,
            Conflict::LinkHasNoPassword,
            Conflict::OwnAccount,
            Conflict::SecondFactorExists,
            Conflict::NoSecondFactor,
            Conflict::PasskeyExists,
            Conflict::PasskeysUnavailable,
            Conflict::HandedInAlready,
            Conflict::CannotWithdraw,
            Conflict::NotOpenForHandIns,
            Conflict::AssignmentOpened(Opened::Mode),
            Conflict::AssignmentOpened(Opened::Teams),
            Conflict::AssignmentOpened(Opened::Template),
            Conflict::HandInsWouldBeDeleted(3),
            Conflict::SchoolExists,
            Conflict::SchoolYearExists,
            Conflict::GroupExists,
            Conflict::UsernameTaken,
        ]
    }
}

impl From<Conflict> for AppError {
    fn from(c: Conflict) -> Self {
        AppError::Conflict(c)
    }
}

/// A file or folder of that name is there already.
pub(crate) fn exists(name: &str) -> AppError {
    AppError::Conflict(Conflict::NameTaken(name.to_string()))
}

/// A node's insert refused by the unique name rule is a name taken (a race the check before
/// it lost); anything else is the store's error.
pub(crate) fn conflict(e: StoreError, name: &str) -> AppError {
    match e {
        StoreError::Conflict(_) => exists(name),
        other => AppError::Store(other),
    }
}
