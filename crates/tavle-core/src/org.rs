//! The organisation model: tenant → school → school year → group → membership, people and
//! their staff roles.

use crate::ids::{GroupId, PersonId, SchoolId, SchoolYearId, TenantId};

/// A municipality (kommune) or another school owner. Everything else belongs to exactly one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    /// Short stable code, e.g. the municipality number "0751" or "aarhus".
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct School {
    pub id: SchoolId,
    pub tenant_id: TenantId,
    pub name: String,
    /// The national institution number (institutionsnummer).
    pub institution_number: String,
}

/// A school year of one school, such as "2026/27" from 2026-08-01 to 2027-07-31.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchoolYear {
    pub id: SchoolYearId,
    pub tenant_id: TenantId,
    pub school_id: SchoolId,
    pub label: String,
    pub starts_on: time::Date,
    pub ends_on: time::Date,
}

impl SchoolYear {
    /// Whether the school year has not ended on the given date.
    pub fn is_current_or_future(&self, today: time::Date) -> bool {
        self.ends_on >= today
    }
}

/// What kind of group this is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// A class (klasse), e.g. grade 3, letter "A" → "3.A". Grade 0 is børnehaveklasse.
    Class { grade: u8, letter: String },
    /// A team (hold) for a subject, e.g. "Tysk 7. årgang".
    Team { subject: String },
    /// Any other group (a club, a project group, a year group).
    Other,
}

impl GroupKind {
    pub fn code(&self) -> &'static str {
        match self {
            GroupKind::Class { .. } => "class",
            GroupKind::Team { .. } => "team",
            GroupKind::Other => "other",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: GroupId,
    pub tenant_id: TenantId,
    pub school_id: SchoolId,
    pub school_year_id: SchoolYearId,
    pub name: String,
    pub kind: GroupKind,
}

/// Whether a person can use Tavle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonStatus {
    Active,
    /// Disabled by an administrator; every session ends at once.
    Disabled,
    /// Left the school (from the roster); kept until retention deletes them.
    Left,
}

impl PersonStatus {
    pub fn code(self) -> &'static str {
        match self {
            PersonStatus::Active => "active",
            PersonStatus::Disabled => "disabled",
            PersonStatus::Left => "left",
        }
    }
    pub fn parse(code: &str) -> Option<Self> {
        Some(match code {
            "active" => PersonStatus::Active,
            "disabled" => PersonStatus::Disabled,
            "left" => PersonStatus::Left,
            _ => return None,
        })
    }
    pub fn can_log_in(self) -> bool {
        self == PersonStatus::Active
    }
}

/// An identity of a person at an external identity provider. The subject alone means nothing:
/// two providers may hand out the same subject for different people.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExternalIdentity {
    pub issuer: String,
    pub subject: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub tenant_id: TenantId,
    pub display_name: String,
    pub status: PersonStatus,
    /// The local login name, if the person has one.
    pub username: Option<String>,
    pub identities: Vec<ExternalIdentity>,
}

/// A person's role in one group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberRole {
    Pupil,
    Teacher,
}

impl MemberRole {
    pub fn code(self) -> &'static str {
        match self {
            MemberRole::Pupil => "pupil",
            MemberRole::Teacher => "teacher",
        }
    }
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "pupil" => Some(MemberRole::Pupil),
            "teacher" => Some(MemberRole::Teacher),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub group_id: GroupId,
    pub person_id: PersonId,
    pub role: MemberRole,
}

/// An administrative role of a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StaffRole {
    /// Administers one school (skoleleder, administrative staff).
    SchoolAdmin(SchoolId),
    /// Administers the whole tenant.
    MunicipalityAdmin,
}

impl StaffRole {
    pub fn code(self) -> &'static str {
        match self {
            StaffRole::SchoolAdmin(_) => "school_admin",
            StaffRole::MunicipalityAdmin => "municipality_admin",
        }
    }
}
