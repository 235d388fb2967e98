//! What the use cases return: the domain seen by one actor, already cut to what they may see.

use tavle_core::org::{ExternalIdentity, Group, MemberRole, PersonStatus, School, SchoolYear, StaffRole, Tenant};
use tavle_core::PersonId;

/// The logged-in person's own view of themselves.
#[derive(Clone, Debug)]
pub struct MeView {
    pub person: PersonDetail,
    pub tenant: Tenant,
    pub schools: Vec<MySchool>,
    pub groups: Vec<MyGroup>,
    pub csrf_token: String,
    /// The view as a door sends it, made once by that door and kept with the cached view:
    /// `GET /api/v1/me` is the request every page load makes, and converting the view for
    /// each of them cost more than everything else the request does.
    pub rendered: std::sync::OnceLock<bytes::Bytes>,
}

#[derive(Clone, Debug)]
pub struct MySchool {
    pub school: School,
    /// "pupil", "teacher", "staff" or "admin".
    pub role: String,
}

#[derive(Clone, Debug)]
pub struct MyGroup {
    pub group: Group,
    pub school_year: Option<SchoolYear>,
    pub role: MemberRole,
    pub teachers: Vec<String>,
}

/// Everything the API shows about a person to someone allowed to see all of it.
#[derive(Clone, Debug)]
pub struct PersonDetail {
    pub id: PersonId,
    pub display_name: String,
    pub username: Option<String>,
    pub status: PersonStatus,
    pub roles: Vec<StaffRole>,
    pub identities: Vec<ExternalIdentity>,
    pub schools: Vec<(tavle_core::SchoolId, String)>,
    pub groups: Vec<(tavle_core::GroupId, MemberRole)>,
}

/// A member in a group's member list; `status` is shown only to those who see people fully.
#[derive(Clone, Debug)]
pub struct MemberView {
    pub person_id: PersonId,
    pub display_name: String,
    pub role: MemberRole,
    pub status: Option<PersonStatus>,
}

#[derive(Clone, Debug)]
pub struct GroupView {
    pub group: Group,
    pub school_year: Option<SchoolYear>,
    pub members: Vec<MemberView>,
}

/// A person in a school's people list, for its administrators.
#[derive(Clone, Debug)]
pub struct PersonSummary {
    pub id: PersonId,
    pub display_name: String,
    pub username: Option<String>,
    pub status: PersonStatus,
    /// `pupil`, `teacher` or `staff`.
    pub role: String,
    /// Administers this school.
    pub admin: bool,
}
