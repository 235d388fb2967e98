//! The domain of Tavle: who belongs where, and who may see and change what.
//!
//! This crate has no I/O, no async, no SQL, no HTTP and no serde on domain types. Everything
//! above it (store, app, http) speaks these types; wire formats convert explicitly.

pub mod assignments;
pub mod clock;
pub mod dav;
pub mod document;
pub mod drive;
pub mod error;
pub mod ids;
pub mod names;
pub mod org;
pub mod picture;
pub mod policy;

pub use clock::{Clock, FixedClock, SystemClock, Timestamp};
pub use error::{InvalidInput, Reason};
pub use ids::{
    AssignmentId, BlobId, CommentId, GroupId, HandInId, LoginProviderId, NodeId, PersonId, SchoolId, SchoolYearId,
    SpaceId, TenantId, VersionId,
};
