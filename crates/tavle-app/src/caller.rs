//! Who asks: a [`Session`], made only by authentication (`crate::auth`), taken by every use
//! case. It is its own module so that every service can name the caller without depending
//! on the service that logs people in.

use tavle_core::policy::Actor;

/// A logged-in request: who it is, and the session's own keys. Only authentication makes
/// one (its parts are private to the use cases), so a caller cannot make up who is asking;
/// cloning it is one reference count, because every request does.
#[derive(Clone, Debug)]
pub struct Session(std::sync::Arc<SessionParts>);

/// What a [`Session`] holds.
#[doc(hidden)]
#[derive(Debug)]
pub struct SessionParts {
    pub(crate) actor: Actor,
    pub(crate) token_hash: String,
    pub(crate) csrf_token: String,
}

impl std::ops::Deref for Session {
    type Target = SessionParts;
    fn deref(&self) -> &SessionParts {
        &self.0
    }
}

impl Session {
    pub(crate) fn new(actor: Actor, token_hash: String, csrf_token: String) -> Self {
        Session(std::sync::Arc::new(SessionParts { actor, token_hash, csrf_token }))
    }

    /// Who is asking.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The token every state-changing request of a browser session must echo.
    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}
