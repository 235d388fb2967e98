//! Typed identifiers. A `PersonId` can never be passed where a `GroupId` is expected.
//!
//! Identifiers are UUIDs (version 7, time-ordered for index locality) so that a municipality
//! exported from one Tavle instance can be imported into another without renumbering.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh identifier.
            pub fn new() -> Self {
                $name(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }
    };
}

typed_id!(
    /// A municipality or other school owner; the unit of isolation.
    TenantId
);
typed_id!(
    /// A school (folkeskole) within a tenant.
    SchoolId
);
typed_id!(
    /// A school year (skoleår) of one school.
    SchoolYearId
);
typed_id!(
    /// A class, a team (hold) or another group of people in one school and school year.
    GroupId
);
typed_id!(
    /// A pupil, teacher or staff member.
    PersonId
);
typed_id!(
    /// A drive: a person's own, a class's or team's, or a school's staff drive.
    SpaceId
);
typed_id!(
    /// A file or folder in a drive.
    NodeId
);
typed_id!(
    /// Stored contents: one per distinct SHA-256 within a tenant, shared by every file and
    /// version with those bytes.
    BlobId
);
typed_id!(
    /// An older version of a file's contents.
    VersionId
);
typed_id!(
    /// An assignment, test or exam (opgave, prøve).
    AssignmentId
);
typed_id!(
    /// One hand-in (aflevering) of an assignment by a pupil.
    HandInId
);
typed_id!(
    /// A comment on a document, or a reply to one.
    CommentId
);
typed_id!(
    /// A municipality's OpenID Connect provider (Unilogin, OS2faktor, Keycloak, ...).
    LoginProviderId
);
