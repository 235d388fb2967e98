//! The one place that decides who may see and change what.
//!
//! Every decision is a pure function of an [`Actor`] (who is asking, with their roles and
//! group memberships) and facts about the target, loaded by the caller. Nothing here reads a
//! database; `tavle-app` loads the facts and asks. The rules, in order:
//!
//! 1. A person who is not active may do nothing.
//! 2. Nobody sees or changes anything of another tenant (municipality). No role overrides this.
//! 3. A municipality admin may see and change everything in their tenant.
//! 4. A school admin may see and change everything in their school, but not municipality
//!    admins.
//! 5. A teacher sees their groups, the members of those groups, and the schools they belong to.
//! 6. A pupil sees their own groups and the names of the people in them.
//!
//! Drives ([`space_access`]): a personal drive is its owner's alone (no admin browses a
//! pupil's files); a class or team drive is edited by its teachers and the school's admins
//! and read by its pupils; a staff drive is edited by the school's teachers, staff and admins.
//! Shares ([`shared_access`]) add access below a folder for a person, a group's members or a
//! school's people, never across municipalities.

use crate::drive::{Access, Grantee, ShareGrant, SpaceFacts, SpaceKind};
use crate::ids::{AssignmentId, GroupId, PersonId, SchoolId, TenantId};
use crate::org::{MemberRole, PersonStatus, StaffRole};

/// One group membership of the actor, with the school the group belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorMembership {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub role: MemberRole,
}

/// Who is asking, as loaded at authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub person_id: PersonId,
    pub tenant_id: TenantId,
    pub status: PersonStatus,
    pub staff: Vec<StaffRole>,
    /// Schools the person is enrolled at or works at (pupil, teacher or staff).
    pub schools: Vec<SchoolId>,
    /// Schools where the person is a teacher or staff member (not a pupil).
    pub works_at: Vec<SchoolId>,
    pub memberships: Vec<ActorMembership>,
}

/// Facts about a group that decisions need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupFacts {
    pub tenant_id: TenantId,
    pub school_id: SchoolId,
    pub group_id: GroupId,
}

/// Facts about a person that decisions need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonFacts {
    pub tenant_id: TenantId,
    pub person_id: PersonId,
    pub schools: Vec<SchoolId>,
    pub groups: Vec<GroupId>,
    pub staff: Vec<StaffRole>,
}

/// Something the actor wants to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action<'a> {
    /// See the tenant's name and code.
    ViewTenant(TenantId),
    /// Create schools, appoint school admins, import rosters for the whole tenant.
    ManageTenant(TenantId),
    /// See a school and its school years.
    ViewSchool { tenant_id: TenantId, school_id: SchoolId },
    /// Create and change school years, groups and people of a school; import its roster.
    ManageSchool { tenant_id: TenantId, school_id: SchoolId },
    /// Upload a roster at all (what it covers is then checked school by school).
    ImportRoster(TenantId),
    /// See a group and its member list.
    ViewGroup(&'a GroupFacts),
    /// Create, change or disable a person.
    ManagePerson(&'a PersonFacts),
}

/// How much of a person the actor may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Visibility {
    /// Nothing, not even that the person exists.
    None,
    /// The display name (a pupil seeing a classmate).
    Name,
    /// Everything the API shows about people: username, status, groups, roles.
    Full,
}

impl Actor {
    fn active_in(&self, tenant: TenantId) -> bool {
        self.status.can_log_in() && self.tenant_id == tenant
    }

    pub fn is_municipality_admin(&self) -> bool {
        self.staff.contains(&StaffRole::MunicipalityAdmin)
    }

    pub fn is_school_admin(&self, school: SchoolId) -> bool {
        self.is_municipality_admin() || self.staff.contains(&StaffRole::SchoolAdmin(school))
    }

    fn teaches(&self, group: GroupId) -> bool {
        self.memberships.iter().any(|m| m.group_id == group && m.role == MemberRole::Teacher)
    }

    fn belongs_to(&self, group: GroupId) -> bool {
        self.memberships.iter().any(|m| m.group_id == group)
    }

    fn in_school(&self, school: SchoolId) -> bool {
        self.schools.contains(&school) || self.memberships.iter().any(|m| m.school_id == school)
    }
}

/// Whether `actor` may do `action`.
pub fn allows(actor: &Actor, action: &Action<'_>) -> bool {
    match action {
        Action::ViewTenant(t) => actor.active_in(*t),
        Action::ManageTenant(t) => actor.active_in(*t) && actor.is_municipality_admin(),
        Action::ViewSchool { tenant_id, school_id } => {
            actor.active_in(*tenant_id) && (actor.is_school_admin(*school_id) || actor.in_school(*school_id))
        }
        Action::ManageSchool { tenant_id, school_id } => {
            actor.active_in(*tenant_id) && actor.is_school_admin(*school_id)
        }
        Action::ImportRoster(t) => {
            actor.active_in(*t)
                && actor.staff.iter().any(|r| matches!(r, StaffRole::MunicipalityAdmin | StaffRole::SchoolAdmin(_)))
        }
        Action::ViewGroup(g) => {
            actor.active_in(g.tenant_id) && (actor.is_school_admin(g.school_id) || actor.belongs_to(g.group_id))
        }
        Action::ManagePerson(p) => {
            if !actor.active_in(p.tenant_id) {
                return false;
            }
            if actor.is_municipality_admin() {
                return true;
            }
            // A school admin may not change a municipality admin: that would let a school
            // disable the people who administer it.
            !p.staff.contains(&StaffRole::MunicipalityAdmin) && p.schools.iter().any(|s| actor.is_school_admin(*s))
        }
    }
}

/// What the actor may do in a space. Shares (with sharing) can add access below a folder;
/// this is the access that comes with the space itself.
pub fn space_access(actor: &Actor, space: &SpaceFacts) -> Access {
    if !actor.active_in(space.tenant_id) {
        return Access::None;
    }
    match space.kind {
        SpaceKind::Personal(owner) if owner == actor.person_id => Access::Edit,
        SpaceKind::Personal(_) => Access::None,
        SpaceKind::Group { group, school } => {
            if actor.teaches(group) || actor.is_school_admin(school) {
                Access::Edit
            } else if actor.belongs_to(group) {
                Access::View
            } else {
                Access::None
            }
        }
        SpaceKind::Staff(school) => {
            let teaches_there =
                actor.memberships.iter().any(|m| m.school_id == school && m.role == MemberRole::Teacher);
            if actor.is_school_admin(school) || actor.works_at.contains(&school) || teaches_there {
                Access::Edit
            } else {
                Access::None
            }
        }
    }
}

/// The drives listed among the actor's own: their personal drive, one per class or team
/// they belong to, and the staff drive of each school where they work or are a school admin.
/// [`space_access`] lets them into every one of these. A municipality admin may open any
/// school's staff drive, but has listed only those of schools where they work, so that
/// their list is theirs and not every school's.
pub fn listed_drives(actor: &Actor) -> Vec<SpaceKind> {
    let mut kinds = vec![SpaceKind::Personal(actor.person_id)];
    for m in &actor.memberships {
        kinds.push(SpaceKind::Group { group: m.group_id, school: m.school_id });
    }
    let mut schools = actor.works_at.clone();
    schools.extend(actor.staff.iter().filter_map(|r| match r {
        StaffRole::SchoolAdmin(s) => Some(*s),
        StaffRole::MunicipalityAdmin => None,
    }));
    schools.extend(actor.memberships.iter().filter(|m| m.role == MemberRole::Teacher).map(|m| m.school_id));
    schools.sort();
    schools.dedup();
    kinds.extend(schools.into_iter().map(SpaceKind::Staff));
    kinds
}

/// Whether the actor sees every member of a group they may view fully (with their status):
/// the school's admins and the group's teachers do. Anyone else sees a member fully only as
/// [`person_visibility`] says (themselves, or people they teach elsewhere).
pub fn sees_group_members_fully(actor: &Actor, group: &GroupFacts) -> bool {
    actor.active_in(group.tenant_id) && (actor.is_school_admin(group.school_id) || actor.teaches(group.group_id))
}

/// The actor's role at a school, as their overview shows it: `admin` where they are a
/// school admin; otherwise what the roster enrols them as there (`enrolled_as`: pupil,
/// teacher or staff); otherwise the role of their first group at the school; otherwise
/// `admin` for a municipality admin (every school is theirs). `None`: the school is not
/// theirs to list.
pub fn school_role(actor: &Actor, school: SchoolId, enrolled_as: Option<&str>) -> Option<String> {
    if actor.staff.contains(&StaffRole::SchoolAdmin(school)) {
        return Some("admin".into());
    }
    if let Some(r) = enrolled_as {
        return Some(r.to_string());
    }
    if let Some(m) = actor.memberships.iter().find(|m| m.school_id == school) {
        return Some(m.role.code().to_string());
    }
    actor.is_municipality_admin().then(|| "admin".into())
}

/// What a WebDAV client does with a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockUse {
    Take,
    Refresh,
    Release,
}

/// Whether the actor may take, refresh or release a WebDAV lock in a drive where they have
/// `access`; `holder` is the person who took the lock. A lock keeps others' changes out while
/// someone edits, so only those who may change the drive take one; only its holder refreshes
/// it; its holder releases it, and so may anyone else who may change the drive (a client that
/// went away leaves its lock behind). Someone who may only read does none of these, whatever
/// lock token a listing showed them.
pub fn may_use_lock(actor: &Actor, access: Access, what: LockUse, holder: Option<PersonId>) -> bool {
    if !actor.status.can_log_in() || access < Access::Edit {
        return false;
    }
    match what {
        LockUse::Take | LockUse::Release => true,
        LockUse::Refresh => holder == Some(actor.person_id),
    }
}

/// An exam that runs for the actor now (after its start for them, before their deadline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunningExam {
    pub assignment: AssignmentId,
    /// A closed exam locks the pupil out of everything but itself.
    pub closed: bool,
}

/// What a pupil asks for while exams may run for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DuringExams {
    /// A drive, a file or a listing of them; `in_exam_work` when it is in the pupil's working
    /// folder of one of the running exams.
    Drive { in_exam_work: bool },
    /// An assignment: its page, files, feedback or receipt.
    Assignment(AssignmentId),
    /// Sharing something, or making a link.
    Share,
}

/// Whether the exams running for a pupil let them have what they ask for. While any exam
/// runs they share nothing and make no links; while a closed one runs, they reach only the
/// running exams (two may overlap) and their working folders, nothing else of the drive or of
/// other assignments.
pub fn exams_allow(running: &[RunningExam], what: DuringExams) -> bool {
    let closed = running.iter().any(|e| e.closed);
    match what {
        DuringExams::Drive { in_exam_work } => !closed || in_exam_work,
        DuringExams::Assignment(id) => !closed || running.iter().any(|e| e.assignment == id),
        DuringExams::Share => running.is_empty(),
    }
}

/// What shares on a node (or on folders above it) give the actor: the most of those that are
/// theirs, directly, through a group they belong to, or through their school.
pub fn shared_access(actor: &Actor, grants: &[ShareGrant]) -> Access {
    grants
        .iter()
        .filter(|g| actor.active_in(g.tenant_id))
        .filter(|g| match g.grantee {
            Grantee::Person(p) => p == actor.person_id,
            Grantee::Group(group) => actor.belongs_to(group),
            Grantee::School(school) => actor.in_school(school),
        })
        .map(|g| g.access)
        .max()
        .unwrap_or(Access::None)
}

/// Facts about an assignment that decisions need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssignmentFacts<'a> {
    pub group: GroupFacts,
    /// A draft is its teachers' alone.
    pub published: bool,
    /// The pupils it is limited to; `None` for every pupil of the group.
    pub pupils: Option<&'a [PersonId]>,
}

/// Whether the actor creates, changes and gives feedback on the assignments of a class or
/// team: its teachers and the school's admins.
pub fn may_manage_assignments(actor: &Actor, group: &GroupFacts) -> bool {
    actor.active_in(group.tenant_id) && (actor.teaches(group.group_id) || actor.is_school_admin(group.school_id))
}

/// Whether the actor is one of an assignment's pupils: a pupil of its class or team (and
/// among those it is limited to, if it is), once it is published. They see it and hand in to it.
pub fn hands_in(actor: &Actor, a: &AssignmentFacts) -> bool {
    actor.active_in(a.group.tenant_id)
        && a.published
        && a.pupils.is_none_or(|p| p.contains(&actor.person_id))
        && actor.memberships.iter().any(|m| m.group_id == a.group.group_id && m.role == MemberRole::Pupil)
}

/// What a person may do with the comments on a document handed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HandInComments {
    /// Nothing: they see none of them (the pupil, before the feedback is returned).
    Hidden,
    /// Read them and answer a thread (the pupil and their team, once it is returned).
    Reply,
    /// Begin threads, answer, resolve and reopen (the assignment's teachers and admins).
    Full,
}

/// What the actor may do with the comments on a hand-in's document: `manages` is whether
/// they manage the assignment (`may_manage_assignments`), `returned` whether its feedback is
/// returned. Comments are feedback: the pupil sees them when the rest of it is returned.
pub fn hand_in_comments(manages: bool, returned: bool) -> HandInComments {
    match (manages, returned) {
        (true, _) => HandInComments::Full,
        (false, true) => HandInComments::Reply,
        (false, false) => HandInComments::Hidden,
    }
}

/// Whether a pupil's (or team's) working folder of an assignment may still be written in:
/// while hand-ins are taken (open, or late where late hand-ins are allowed) and before it
/// opens (an exam's staged copies), and again once the teacher asks for a new hand-in. Once it
/// has closed the working copy is read-only: what was handed in, and what was not, stays as
/// it was at the deadline.
pub fn working_copy_writable(phase: crate::assignments::Phase, asked_again: bool) -> bool {
    asked_again || phase != crate::assignments::Phase::Closed
}

/// Whether the actor may set a drive's quota: a municipality admin any drive of their
/// municipality; a school admin the drives of their school's classes and teams, its staff
/// drive, and the own drives of people at their school (`owner`, for a personal drive).
pub fn may_set_quota(actor: &Actor, space: &SpaceFacts, owner: Option<&PersonFacts>) -> bool {
    if !actor.active_in(space.tenant_id) {
        return false;
    }
    if actor.is_municipality_admin() {
        return true;
    }
    match space.kind {
        SpaceKind::Group { school, .. } | SpaceKind::Staff(school) => actor.is_school_admin(school),
        SpaceKind::Personal(p) => owner
            .filter(|o| o.person_id == p && o.tenant_id == space.tenant_id)
            .is_some_and(|o| o.schools.iter().any(|s| actor.is_school_admin(*s))),
    }
}

/// Whether the actor may make share links, which open a file or folder to anyone who has
/// the link, outside Tavle. Teachers and staff may; pupils may not: a child's work is not
/// put on the open internet by a click (they share with people in Tavle instead).
pub fn may_make_links(actor: &Actor) -> bool {
    actor.status.can_log_in() && (!actor.works_at.is_empty() || sees_others_fully(actor))
}

/// Whether the actor may name, change and remove their municipality's login services
/// (Unilogin, OS2faktor, Keycloak) and see how they are set up: its municipality admins only,
/// since a login service decides who anyone there is.
pub fn may_manage_login(actor: &Actor) -> bool {
    actor.status.can_log_in() && actor.is_municipality_admin()
}

/// Whether the actor may set up a second factor (an authenticator app): staff and teachers.
/// Pupils never, so no child is locked out by a lost phone; the rules that require one per
/// role never apply to pupils either.
pub fn may_use_second_factor(actor: &Actor) -> bool {
    actor.status.can_log_in()
        && (!actor.staff.is_empty()
            || !actor.works_at.is_empty()
            || actor.memberships.iter().any(|m| m.role == MemberRole::Teacher))
}

/// The roles a municipality's rule can require a second factor of: anyone who works at a
/// school or teaches (`staff`), school administrators, municipality administrators.
pub const SECOND_FACTOR_ROLES: [&str; 3] = ["staff", "school_admin", "municipality_admin"];

/// Whether the municipality's rule (`rule`: roles from [`SECOND_FACTOR_ROLES`]) requires a
/// second factor of the actor. Never of a pupil: a person who neither works at a school, nor
/// teaches, nor administers has no role the rule can name.
pub fn second_factor_required(actor: &Actor, rule: &[String]) -> bool {
    if rule.is_empty() || !may_use_second_factor(actor) {
        return false;
    }
    let has = |role: &str| rule.iter().any(|r| r == role);
    let staff = !actor.works_at.is_empty() || actor.memberships.iter().any(|m| m.role == MemberRole::Teacher);
    (staff && has("staff"))
        || actor.staff.iter().any(|r| match r {
            StaffRole::SchoolAdmin(_) => has("school_admin"),
            StaffRole::MunicipalityAdmin => has("municipality_admin"),
        })
}

/// Whether [`person_visibility`] can be `Full` for anyone but the actor: only staff and
/// teachers see others fully. When it cannot, a caller need not load other people's facts
/// (a pupil opening their class sees every classmate by name only).
pub fn sees_others_fully(actor: &Actor) -> bool {
    !actor.staff.is_empty() || actor.memberships.iter().any(|m| m.role == MemberRole::Teacher)
}

/// How much of the person described by `target` the actor may see.
pub fn person_visibility(actor: &Actor, target: &PersonFacts) -> Visibility {
    if !actor.active_in(target.tenant_id) {
        return Visibility::None;
    }
    if actor.person_id == target.person_id || actor.is_municipality_admin() {
        return Visibility::Full;
    }
    if target.schools.iter().any(|s| actor.is_school_admin(*s)) {
        return Visibility::Full;
    }
    if target.groups.iter().any(|g| actor.teaches(*g)) {
        return Visibility::Full;
    }
    if target.groups.iter().any(|g| actor.belongs_to(*g)) {
        return Visibility::Name;
    }
    Visibility::None
}

#[cfg(test)]
mod tests;
