//! The JSON shapes of API v1, separate from the domain types; conversions are explicit here.

use serde::{Deserialize, Serialize};
use tavle_app::views;
use tavle_core::names::format_date;
use tavle_core::org::{self, GroupKind, StaffRole};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A person changes their own password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TenantWire {
    pub id: String,
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct SchoolWire {
    pub id: String,
    pub name: String,
    pub institution_number: String,
}

impl From<&org::School> for SchoolWire {
    fn from(s: &org::School) -> Self {
        SchoolWire { id: s.id.to_string(), name: s.name.clone(), institution_number: s.institution_number.clone() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SchoolYearWire {
    pub id: String,
    pub school_id: String,
    pub label: String,
    /// YYYY-MM-DD
    pub starts_on: String,
    /// YYYY-MM-DD
    pub ends_on: String,
}

impl From<&org::SchoolYear> for SchoolYearWire {
    fn from(y: &org::SchoolYear) -> Self {
        SchoolYearWire {
            id: y.id.to_string(),
            school_id: y.school_id.to_string(),
            label: y.label.clone(),
            starts_on: format_date(y.starts_on),
            ends_on: format_date(y.ends_on),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GroupWire {
    pub id: String,
    pub school_id: String,
    pub school_year_id: String,
    pub name: String,
    /// `class`, `team` or `other`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub letter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

impl From<&org::Group> for GroupWire {
    fn from(g: &org::Group) -> Self {
        let (grade, letter, subject) = match &g.kind {
            GroupKind::Class { grade, letter } => (Some(*grade), Some(letter.clone()), None),
            GroupKind::Team { subject } => (None, None, Some(subject.clone())),
            GroupKind::Other => (None, None, None),
        };
        GroupWire {
            id: g.id.to_string(),
            school_id: g.school_id.to_string(),
            school_year_id: g.school_year_id.to_string(),
            name: g.name.clone(),
            kind: g.kind.code(),
            grade,
            letter,
            subject,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RoleWire {
    /// `school_admin` or `municipality_admin`.
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub school_id: Option<String>,
}

impl From<&StaffRole> for RoleWire {
    fn from(r: &StaffRole) -> Self {
        let school_id = match r {
            StaffRole::SchoolAdmin(s) => Some(s.to_string()),
            StaffRole::MunicipalityAdmin => None,
        };
        RoleWire { role: r.code(), school_id }
    }
}

#[derive(Serialize, ToSchema)]
pub struct IdentityWire {
    pub issuer: String,
    pub subject: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonSchoolWire {
    pub school_id: String,
    /// `pupil`, `teacher` or `staff`.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonGroupWire {
    pub group_id: String,
    /// `pupil` or `teacher`.
    pub role: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct PersonWire {
    pub id: String,
    pub display_name: String,
    pub username: Option<String>,
    /// `active`, `disabled` or `left`.
    pub status: &'static str,
    pub roles: Vec<RoleWire>,
    pub identities: Vec<IdentityWire>,
    pub schools: Vec<PersonSchoolWire>,
    pub groups: Vec<PersonGroupWire>,
}

impl From<&views::PersonDetail> for PersonWire {
    fn from(p: &views::PersonDetail) -> Self {
        PersonWire {
            id: p.id.to_string(),
            display_name: p.display_name.clone(),
            username: p.username.clone(),
            status: p.status.code(),
            roles: p.roles.iter().map(RoleWire::from).collect(),
            identities: p
                .identities
                .iter()
                .map(|i| IdentityWire { issuer: i.issuer.clone(), subject: i.subject.clone() })
                .collect(),
            schools: p
                .schools
                .iter()
                .map(|(s, r)| PersonSchoolWire { school_id: s.to_string(), role: r.clone() })
                .collect(),
            groups: p.groups.iter().map(|(g, r)| PersonGroupWire { group_id: g.to_string(), role: r.code() }).collect(),
        }
    }
}

/// A row in a school's people list.
#[derive(Serialize, ToSchema)]
pub struct PersonSummaryWire {
    pub id: String,
    pub display_name: String,
    pub username: Option<String>,
    pub status: &'static str,
    /// The person's role at this school: `pupil`, `teacher` or `staff`.
    pub role: String,
    /// Administers this school.
    pub admin: bool,
}

impl From<&tavle_app::views::PersonSummary> for PersonSummaryWire {
    fn from(s: &tavle_app::views::PersonSummary) -> Self {
        PersonSummaryWire {
            id: s.id.to_string(),
            display_name: s.display_name.clone(),
            username: s.username.clone(),
            status: s.status.code(),
            role: s.role.clone(),
            admin: s.admin,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MySchoolWire {
    #[serde(flatten)]
    pub school: SchoolWire,
    /// `pupil`, `teacher`, `staff` or `admin`.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct MyGroupWire {
    #[serde(flatten)]
    pub group: GroupWire,
    pub school_year_label: Option<String>,
    /// My role in the group: `pupil` or `teacher`.
    pub role: &'static str,
    pub teachers: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MeWire {
    pub person: PersonWire,
    pub tenant: TenantWire,
    pub schools: Vec<MySchoolWire>,
    pub groups: Vec<MyGroupWire>,
    /// Send this in the `X-CSRF-Token` header of every request that changes something.
    pub csrf_token: String,
}

impl From<&views::MeView> for MeWire {
    fn from(m: &views::MeView) -> Self {
        MeWire {
            person: PersonWire::from(&m.person),
            tenant: TenantWire {
                id: m.tenant.id.to_string(),
                code: m.tenant.code.clone(),
                name: m.tenant.name.clone(),
            },
            schools: m
                .schools
                .iter()
                .map(|s| MySchoolWire { school: (&s.school).into(), role: s.role.clone() })
                .collect(),
            groups: m
                .groups
                .iter()
                .map(|g| MyGroupWire {
                    group: (&g.group).into(),
                    school_year_label: g.school_year.as_ref().map(|y| y.label.clone()),
                    role: g.role.code(),
                    teachers: g.teachers.clone(),
                })
                .collect(),
            csrf_token: m.csrf_token.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberWire {
    pub person_id: String,
    pub display_name: String,
    pub role: &'static str,
    /// Shown only to those who may see the member fully.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct GroupDetailWire {
    #[serde(flatten)]
    pub group: GroupWire,
    pub school_year: Option<SchoolYearWire>,
    pub members: Vec<MemberWire>,
}

impl From<&views::GroupView> for GroupDetailWire {
    fn from(g: &views::GroupView) -> Self {
        GroupDetailWire {
            group: (&g.group).into(),
            school_year: g.school_year.as_ref().map(SchoolYearWire::from),
            members: g
                .members
                .iter()
                .map(|m| MemberWire {
                    person_id: m.person_id.to_string(),
                    display_name: m.display_name.clone(),
                    role: m.role.code(),
                    status: m.status.map(|s| s.code()),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionWire {
    pub current: bool,
    pub created_at: String,
    pub last_seen_at: String,
    pub source: String,
    pub user_agent: String,
}

/// An app password (its secret is shown only when it is created).
#[derive(Serialize, ToSchema)]
pub struct AppPasswordWire {
    pub id: String,
    /// What the person called it, e.g. the device it is for.
    pub name: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
    /// The secret, in the answer to its creation only: it cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl From<&tavle_core::dav::AppPassword> for AppPasswordWire {
    fn from(p: &tavle_core::dav::AppPassword) -> Self {
        AppPasswordWire {
            id: p.id.to_string(),
            name: p.name.clone(),
            created_at: tavle_core::Timestamp(p.created_at).to_rfc3339(),
            last_used_at: p.last_used_at.map(|t| tavle_core::Timestamp(t).to_rfc3339()),
            password: None,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppPassword {
    /// A name for it, e.g. "Laptop" or "Nextcloud on my phone".
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSchool {
    pub name: String,
    pub institution_number: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSchoolYear {
    pub label: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    pub school_year_id: String,
    pub name: String,
    /// `class`, `team` or `other`.
    pub kind: String,
    pub grade: Option<i64>,
    pub letter: Option<String>,
    pub subject: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    pub display_name: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `pupil`, `teacher` or `staff`.
    pub role: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    pub display_name: Option<String>,
    /// `active`, `disabled` or `left`.
    pub status: Option<String>,
    pub password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPut {
    /// `pupil` or `teacher`.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoggedOut {
    pub sessions_ended: u64,
    /// For a session made by a login service that can end its own session too: where to send
    /// the browser next (the service's logout, which returns to Tavle's login page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_session_url: Option<String>,
}

mod drive;
pub use drive::*;

/// The key hand-in receipts are signed with.
#[derive(Serialize, ToSchema)]
pub struct ReceiptKeyWire {
    /// Always `Ed25519`.
    pub algorithm: &'static str,
    /// The first 16 hex digits of the key's SHA-256, as receipts name it.
    pub key_id: String,
    /// The public key, 64 hex digits: pass it to `tavle receipt verify --public-key`.
    pub public_key: String,
}

mod assignments;
mod comments;
pub use assignments::*;
pub use comments::*;
