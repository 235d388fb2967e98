//! Compares a checked roster with what a tenant holds and works out the difference: what to
//! write, and the report a person reads before and after applying it.
//!
//! The roster is the truth for what it covers: the schools it lists, the groups imported from
//! it and the people imported from it. Things created by hand in Tavle are left alone, except
//! that a hand-made person whose username the roster uses is linked to the roster instead of
//! clashing with it.
//!
//! A roster never takes hold of more than its uploader could administer by hand: it claims
//! (links, renames, identifies, retires) only people all of whose schools the uploader
//! administers (`claim_scope`; an operator or a municipality admin may claim anyone), and
//! never people who hold a staff role. Someone only partly in the uploader's schools (a
//! teacher at two schools), like a staff member, keeps their name, username, identities and
//! status; only their schools and groups here follow the roster. Someone in none of them is
//! refused. Staff roles themselves (school admin, municipality admin) are never touched.

use std::collections::{HashMap, HashSet};

use tavle_core::org::{Group, GroupKind, MemberRole, PersonStatus, School, SchoolYear};
use tavle_core::{GroupId, PersonId, SchoolId, SchoolYearId, TenantId};
use tavle_store::{IdentityRow, LoginRow, MemberRow, PersonCols, PersonSchoolRow, RosterWrite, TenantSnapshot};

use super::model::{Problems, Roster, SchoolRole};
use super::report::{ChangeKind, ImportReport};

/// The difference, ready to write.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub write: RosterWrite,
    pub report: ImportReport,
    /// Existing schools the roster covers (for authorisation).
    pub schools: Vec<SchoolId>,
    /// Whether the roster creates schools (only a municipality admin may).
    pub creates_schools: bool,
    /// Initial passwords to hash, by index into `write.new_logins`.
    pub passwords: Vec<(usize, String)>,
    /// Per school the roster covers: its name, how many of its people the roster would make
    /// leave, and how many people of it rosters keep.
    pub leaving: Vec<(String, usize, usize)>,
}

fn role_rank(r: SchoolRole) -> u8 {
    match r {
        SchoolRole::Pupil => 0,
        SchoolRole::Staff => 1,
        SchoolRole::Teacher => 2,
    }
}

/// How far a roster may take hold of an existing person (see `diff`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    Whole,
    Part,
    None,
}

/// A group's name as it is compared for likeness: lower case, letters and digits only.
fn loose(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Works out the difference between `roster` (already checked) and `snap`. `taken_elsewhere`
/// holds the roster's usernames that another tenant uses. `claim_scope` is the schools whose
/// people the uploader may claim (`None`: anyone's).
pub(crate) fn diff(
    tenant: TenantId,
    roster: &Roster,
    snap: &TenantSnapshot,
    taken_elsewhere: &HashSet<String>,
    claim_scope: Option<&HashSet<SchoolId>>,
    problems: &mut Problems,
) -> Plan {
    let mut plan = Plan::default();
    let (w, report) = (&mut plan.write, &mut plan.report);

    // Schools, by institution number.
    let by_inst: HashMap<&str, &School> = snap.schools.iter().map(|s| (s.institution_number.as_str(), s)).collect();
    let mut school_ids: HashMap<&str, SchoolId> = HashMap::new();
    for rs in &roster.schools {
        let inst = rs.institution_number.as_str();
        match (by_inst.get(inst), &rs.name) {
            (Some(s), name) => {
                plan.schools.push(s.id);
                school_ids.insert(inst, s.id);
                if let Some(name) = name.as_ref().filter(|n| **n != s.name) {
                    report.add(ChangeKind::SchoolChanged, name, Some(&s.name), None);
                    w.changed_schools.push(School { name: name.clone(), ..(*s).clone() });
                }
            }
            (None, Some(name)) => {
                let s = School {
                    id: SchoolId::new(),
                    tenant_id: tenant,
                    name: name.clone(),
                    institution_number: inst.into(),
                };
                report.add(ChangeKind::SchoolAdded, name, None, Some(inst));
                school_ids.insert(inst, s.id);
                plan.creates_schools = true;
                w.new_schools.push(s);
            }
            (None, None) => problems.add(&rs.at, "unknown_school", format!("school {inst} is new here; give its name")),
        }
    }
    let scope: HashSet<SchoolId> = school_ids.values().copied().collect();

    // School years, by school and label.
    let by_label: HashMap<(SchoolId, &str), &SchoolYear> =
        snap.years.iter().map(|y| ((y.school_id, y.label.as_str()), y)).collect();
    let mut year_ids: HashMap<(&str, &str), SchoolYearId> = HashMap::new();
    for ry in &roster.years {
        let Some(&school) = school_ids.get(ry.school.as_str()) else { continue };
        let year = SchoolYear {
            id: SchoolYearId::new(),
            tenant_id: tenant,
            school_id: school,
            label: ry.label.clone(),
            starts_on: ry.starts_on,
            ends_on: ry.ends_on,
        };
        match by_label.get(&(school, ry.label.as_str())) {
            Some(y) => {
                year_ids.insert((&ry.school, &ry.label), y.id);
                if ry.dates_given && (y.starts_on, y.ends_on) != (ry.starts_on, ry.ends_on) {
                    let from = format!("{} – {}", y.starts_on, y.ends_on);
                    let to = format!("{} – {}", ry.starts_on, ry.ends_on);
                    report.add(ChangeKind::SchoolYearChanged, &ry.label, Some(&from), Some(&to));
                    w.changed_years.push(SchoolYear { id: y.id, ..year });
                }
            }
            None => {
                report.add(ChangeKind::SchoolYearAdded, &ry.label, None, None);
                year_ids.insert((&ry.school, &ry.label), year.id);
                w.new_years.push((year, ry.source_id.clone()));
            }
        }
    }

    // Groups, by their roster key; else a group made by hand with the same school, school
    // year and name, which the roster then keeps (so a roster does not make a second 1.A).
    let by_source: HashMap<&str, &Group> =
        snap.groups.iter().filter_map(|(g, s)| s.as_deref().map(|s| (s, g))).collect();
    let by_name: HashMap<(SchoolYearId, &str), &Group> = snap
        .groups
        .iter()
        .filter(|(_, s)| s.is_none())
        .map(|(g, _)| ((g.school_year_id, g.name.as_str()), g))
        .collect();
    let mut similar: HashMap<(SchoolYearId, String), &str> = HashMap::new();
    for (g, _) in &snap.groups {
        similar.insert((g.school_year_id, loose(&g.name)), g.name.as_str());
    }
    let mut linked: HashSet<GroupId> = HashSet::new();
    let mut groups: HashMap<&str, (GroupId, &str, &GroupKind, SchoolYearId)> = HashMap::new();
    for rg in &roster.groups {
        let (Some(&school), Some(&year)) =
            (school_ids.get(rg.school.as_str()), year_ids.get(&(rg.school.as_str(), rg.year.as_str())))
        else {
            continue;
        };
        let group = Group {
            id: GroupId::new(),
            tenant_id: tenant,
            school_id: school,
            school_year_id: year,
            name: rg.name.clone(),
            kind: rg.kind.clone(),
        };
        match by_source.get(rg.source_id.as_str()) {
            Some(g) if g.school_id != school => problems.add(
                &rg.at,
                "conflict",
                format!("group {} belongs to another school in Tavle; give it a new id", rg.source_id),
            ),
            Some(g) => {
                groups.insert(&rg.source_id, (g.id, &rg.name, &rg.kind, year));
                if g.school_year_id != year || g.name != rg.name || g.kind != rg.kind {
                    report.add(ChangeKind::GroupChanged, &rg.name, Some(&g.name), None);
                    w.changed_groups.push(Group { id: g.id, ..group });
                }
            }
            None => match by_name.get(&(year, rg.name.as_str())).filter(|g| g.school_id == school) {
                Some(g) if linked.insert(g.id) => {
                    report.add(ChangeKind::GroupLinked, &rg.name, None, Some(&rg.source_id));
                    w.linked_groups.push((g.id, rg.source_id.clone()));
                    groups.insert(&rg.source_id, (g.id, &rg.name, &rg.kind, year));
                    if g.kind != rg.kind {
                        // Written, so the next import finds nothing to change; told only when
                        // a class becomes a team or the like (a team's subject is a detail).
                        if g.kind.code() != rg.kind.code() {
                            report.add(ChangeKind::GroupChanged, &rg.name, Some(&g.name), None);
                        }
                        w.changed_groups.push(Group { id: g.id, ..group });
                    }
                }
                _ => {
                    // A new group whose name differs from one of the same year only in case,
                    // spaces or punctuation ("1A" beside "1.A") is most likely a typo.
                    if let Some(existing) = similar.get(&(year, loose(&rg.name))).filter(|e| **e != rg.name) {
                        report.add(ChangeKind::GroupSimilar, &rg.name, Some(existing), None);
                    }
                    report.add(ChangeKind::GroupAdded, &rg.name, None, None);
                    groups.insert(&rg.source_id, (group.id, &rg.name, &rg.kind, year));
                    w.new_groups.push((group, rg.source_id.clone()));
                }
            },
        }
    }

    // People: by roster key, or a hand-made person with the same username.
    let people_by_source: HashMap<&str, &PersonCols> =
        snap.people.iter().filter_map(|p| p.source_id.as_deref().map(|s| (s, p))).collect();
    let people_by_id: HashMap<PersonId, &PersonCols> = snap.people.iter().map(|p| (p.id, p)).collect();
    let login_of: HashMap<PersonId, &LoginRow> = snap.logins.iter().map(|l| (l.person_id, l)).collect();
    let owner_of: HashMap<&str, PersonId> = snap.logins.iter().map(|l| (l.username.as_str(), l.person_id)).collect();
    let staff: HashSet<PersonId> = snap.staff.iter().copied().collect();
    let mut schools_of: HashMap<PersonId, Vec<SchoolId>> = HashMap::new();
    for row in &snap.person_schools {
        schools_of.entry(row.person_id).or_default().push(row.school_id);
    }
    // How far the uploader may take hold of an existing person: wholly when all their schools
    // are ones the uploader administers (someone of no school is a pupil who left: rosters may
    // bring them back at any school of the municipality, as work follows a pupil who changes
    // school; someone of no school made by hand only an operator or a municipality admin may
    // claim), partly when only some are (a teacher at two schools: their schools and groups
    // here follow the roster, who they are does not), not at all otherwise.
    let reach = |p: PersonId| -> Reach {
        let Some(scope) = claim_scope else { return Reach::Whole };
        match schools_of.get(&p) {
            Some(s) if !s.is_empty() && s.iter().all(|school| scope.contains(school)) => Reach::Whole,
            Some(s) if s.iter().any(|school| scope.contains(school)) => Reach::Part,
            Some(s) if !s.is_empty() => Reach::None,
            _ if people_by_id.get(&p).is_some_and(|p| p.source_id.is_some()) => Reach::Whole,
            _ => Reach::None,
        }
    };
    // People the roster may place in schools and groups but never rename, identify, give a
    // login or retire: staff, and those partly beyond the uploader's schools.
    let mut protected: HashSet<PersonId> = staff.clone();
    let mut person_ids: HashMap<&str, PersonId> = HashMap::new();
    for rp in &roster.people {
        let existing = match people_by_source.get(rp.source_id.as_str()) {
            Some(p) => match reach(p.id) {
                Reach::None => {
                    // The name is not told: the uploader may not see this person.
                    let msg = format!(
                        "person {} belongs to a school you do not administer; a municipality admin can import this row",
                        rp.source_id
                    );
                    problems.add(&rp.at, "person_elsewhere", msg);
                    continue;
                }
                Reach::Part => {
                    protected.insert(p.id);
                    Some(p.id)
                }
                Reach::Whole => Some(p.id),
            },
            // A hand-made person is linked by username only if the uploader could claim them
            // wholly and they hold no staff role; otherwise the username is simply taken.
            None => rp.username.as_deref().and_then(|u| owner_of.get(u)).and_then(|owner| {
                people_by_id
                    .get(owner)
                    .filter(|p| p.source_id.is_none() && !staff.contains(&p.id) && reach(p.id) == Reach::Whole)
                    .map(|p| p.id)
            }),
        };
        person_ids.insert(&rp.source_id, existing.unwrap_or_default());
    }
    if !problems.is_empty() {
        return plan;
    }
    // The usernames the roster gives; a protected person keeps theirs, so a roster that gives
    // it to someone else finds it taken.
    let wanted_username: HashMap<PersonId, Option<&str>> = roster
        .people
        .iter()
        .map(|rp| (person_ids[rp.source_id.as_str()], rp.username.as_deref()))
        .filter(|(p, _)| !protected.contains(p))
        .collect();
    let identity_owner: HashMap<(&str, &str), PersonId> =
        snap.identities.iter().map(|i| ((i.issuer.as_str(), i.subject.as_str()), i.person_id)).collect();
    for rp in &roster.people {
        let pid = person_ids[rp.source_id.as_str()];
        if protected.contains(&pid) {
            // Who they are stays as it is; only their schools and groups here follow.
            continue;
        }
        if let Some(u) = rp.username.as_deref() {
            match owner_of.get(u) {
                None if taken_elsewhere.contains(u) => {
                    problems.add(&rp.at, "username_taken", format!("username {u} is used in another municipality"));
                }
                Some(&o) if o != pid && wanted_username.get(&o).is_none_or(|w| w.is_none_or(|w| w == u)) => {
                    let who = people_by_id.get(&o).map_or("", |p| p.display_name.as_str());
                    problems.add(&rp.at, "username_taken", format!("username {u} belongs to {who}, another person"));
                }
                _ => {}
            }
        }
        for i in &rp.identities {
            let taken = identity_owner.get(&(i.issuer.as_str(), i.subject.as_str())).filter(|o| **o != pid);
            match taken {
                Some(o) => {
                    let who = people_by_id.get(o).map_or("", |p| p.display_name.as_str());
                    let msg = format!("identity {}:{} belongs to {who}, another person", i.issuer, i.subject);
                    problems.add(&rp.at, "identity_taken", msg);
                }
                None if !identity_owner.contains_key(&(i.issuer.as_str(), i.subject.as_str())) => {
                    w.new_identities.push(IdentityRow {
                        person_id: pid,
                        issuer: i.issuer.clone(),
                        subject: i.subject.clone(),
                    });
                }
                None => {}
            }
        }
        match people_by_id.get(&pid) {
            Some(p) => {
                let mut changed = (*p).clone();
                if p.display_name != rp.name {
                    report.add(ChangeKind::PersonChanged, &rp.name, Some(&p.display_name), None);
                    changed.display_name = rp.name.clone();
                }
                if p.status == PersonStatus::Left {
                    report.add(ChangeKind::PersonReturned, &rp.name, None, None);
                    changed.status = PersonStatus::Active;
                }
                if p.source_id.is_none() {
                    report.add(ChangeKind::PersonLinked, &rp.name, None, Some(&rp.source_id));
                    changed.source_id = Some(rp.source_id.clone());
                }
                if changed != **p {
                    w.changed_people.push(changed);
                }
            }
            None => {
                report.add(ChangeKind::PersonAdded, &rp.name, None, rp.username.as_deref());
                w.new_people.push(PersonCols {
                    id: pid,
                    display_name: rp.name.clone(),
                    status: PersonStatus::Active,
                    source_id: Some(rp.source_id.clone()),
                });
            }
        }
        let current = login_of.get(&pid);
        let hash = current.and_then(|l| l.password_hash.clone());
        let wants_password = hash.is_none() && rp.password.is_some();
        let username = match (current, rp.username.as_deref()) {
            (Some(l), Some(u)) if l.username != u => {
                report.add(ChangeKind::UsernameChanged, &rp.name, Some(&l.username), Some(u));
                Some(u)
            }
            (Some(l), _) if wants_password => {
                report.add(ChangeKind::PasswordSet, &rp.name, None, None);
                Some(l.username.as_str())
            }
            (None, Some(u)) => Some(u),
            _ => None,
        };
        if let Some(username) = username {
            if current.is_some() {
                w.removed_logins.push(pid);
            }
            if let (true, Some(pw)) = (wants_password, &rp.password) {
                plan.passwords.push((w.new_logins.len(), pw.clone()));
            }
            w.new_logins.push(LoginRow { person_id: pid, username: username.to_string(), password_hash: hash });
        }
    }

    // Schools of people: as the roster says, else as their groups imply.
    let mut wanted_ps: HashMap<(PersonId, SchoolId), SchoolRole> = HashMap::new();
    for a in &roster.affiliations {
        let (Some(&p), Some(&s)) = (person_ids.get(a.person.as_str()), school_ids.get(a.school.as_str())) else {
            continue;
        };
        let e = wanted_ps.entry((p, s)).or_insert(a.role);
        if role_rank(a.role) > role_rank(*e) {
            *e = a.role;
        }
    }
    let group_school: HashMap<GroupId, SchoolId> = w
        .new_groups
        .iter()
        .map(|(g, _)| (g.id, g.school_id))
        .chain(snap.groups.iter().map(|(g, _)| (g.id, g.school_id)))
        .collect();
    let mut wanted_members: HashMap<(GroupId, PersonId), MemberRole> = HashMap::new();
    for m in &roster.members {
        let (Some(&p), Some(g)) = (person_ids.get(m.person.as_str()), groups.get(m.group.as_str())) else { continue };
        wanted_members.insert((g.0, p), m.role);
    }
    let mut implied: HashMap<(PersonId, SchoolId), SchoolRole> = HashMap::new();
    for (&(g, p), &role) in &wanted_members {
        let Some(&s) = group_school.get(&g) else { continue };
        let r = if role == MemberRole::Teacher { SchoolRole::Teacher } else { SchoolRole::Pupil };
        let e = implied.entry((p, s)).or_insert(r);
        if role_rank(r) > role_rank(*e) {
            *e = r;
        }
    }
    for (k, r) in implied {
        wanted_ps.entry(k).or_insert(r);
    }
    let roster_people: HashSet<PersonId> = person_ids.values().copied().collect();
    let managed = |p: PersonId| {
        !protected.contains(&p)
            && (roster_people.contains(&p) || people_by_id.get(&p).is_some_and(|p| p.source_id.is_some()))
    };
    let mut kept_elsewhere: HashSet<PersonId> = HashSet::new();
    let mut lost_school: HashSet<PersonId> = HashSet::new();
    for row in &snap.person_schools {
        if !scope.contains(&row.school_id) {
            kept_elsewhere.insert(row.person_id);
            continue;
        }
        match wanted_ps.remove(&(row.person_id, row.school_id)) {
            Some(r) if r.code() == row.role => {}
            Some(r) => w.put_person_schools.push(PersonSchoolRow { role: r.code().into(), ..row.clone() }),
            None if managed(row.person_id) => {
                w.removed_person_schools.push((row.person_id, row.school_id));
                lost_school.insert(row.person_id);
            }
            None => {}
        }
    }
    for ((person_id, school_id), r) in wanted_ps {
        w.put_person_schools.push(PersonSchoolRow { person_id, school_id, role: r.code().into() });
    }

    // People of the covered schools who are no longer in the roster have left. Their
    // memberships end with them and are not listed one by one.
    let mut left = HashSet::new();
    for pid in lost_school {
        if roster_people.contains(&pid) || kept_elsewhere.contains(&pid) {
            continue;
        }
        if let Some(p) = people_by_id.get(&pid).filter(|p| p.status != PersonStatus::Left) {
            report.add(ChangeKind::PersonLeft, &p.display_name, None, None);
            w.changed_people.push(PersonCols { status: PersonStatus::Left, ..(*p).clone() });
            w.end_sessions.push(pid);
            left.insert(pid);
        }
    }

    for sc in snap.schools.iter().filter(|sc| scope.contains(&sc.id)) {
        // Of the school's people that rosters keep (made by hand, nobody ever leaves by one).
        let people: HashSet<PersonId> = snap
            .person_schools
            .iter()
            .filter(|r| r.school_id == sc.id && people_by_id.get(&r.person_id).is_some_and(|p| p.source_id.is_some()))
            .map(|r| r.person_id)
            .collect();
        let going = people.iter().filter(|p| left.contains(*p)).count();
        plan.leaving.push((sc.name.clone(), going, people.len()));
    }

    // Memberships of the roster's groups.
    let scoped_groups: HashSet<GroupId> = snap
        .groups
        .iter()
        .filter(|(g, s)| s.is_some() && scope.contains(&g.school_id))
        .map(|(g, _)| g.id)
        .chain(w.new_groups.iter().map(|(g, _)| g.id))
        .chain(w.linked_groups.iter().map(|(g, _)| *g))
        .collect();
    // Name, whether a class, and year of every group; the roster's view wins (collected last).
    let group_info: HashMap<GroupId, (&str, bool, SchoolYearId)> = snap
        .groups
        .iter()
        .map(|(g, _)| (g.id, (g.name.as_str(), matches!(g.kind, GroupKind::Class { .. }), g.school_year_id)))
        .chain(
            groups
                .values()
                .map(|(id, name, kind, year)| (*id, (*name, matches!(kind, GroupKind::Class { .. }), *year))),
        )
        .collect();
    // People's names for the report; the roster's name wins.
    let names: HashMap<PersonId, &str> = snap
        .people
        .iter()
        .map(|p| (p.id, p.display_name.as_str()))
        .chain(roster.people.iter().map(|rp| (person_ids[rp.source_id.as_str()], rp.name.as_str())))
        .collect();
    let name_of = |p: &PersonId| names.get(p).copied().unwrap_or("");
    let group_of = |g: &GroupId| group_info.get(g).map_or("", |g| g.0);
    let mut left_class: HashMap<(PersonId, SchoolYearId), GroupId> = HashMap::new();
    for m in &snap.memberships {
        if !scoped_groups.contains(&m.group_id) {
            continue;
        }
        match wanted_members.remove(&(m.group_id, m.person_id)) {
            Some(r) if r == m.role => {}
            Some(role) => {
                w.put_memberships.push(MemberRow { role, ..m.clone() });
                let to = format!("{}: {}", group_of(&m.group_id), role.code());
                report.add(ChangeKind::MemberRoleChanged, name_of(&m.person_id), Some(m.role.code()), Some(&to));
            }
            None => {
                w.removed_memberships.push((m.group_id, m.person_id));
                if left.contains(&m.person_id) {
                    continue;
                }
                match group_info.get(&m.group_id) {
                    Some((_, true, year)) if m.role == MemberRole::Pupil => {
                        left_class.insert((m.person_id, *year), m.group_id);
                    }
                    _ => {
                        report.add(ChangeKind::MemberRemoved, name_of(&m.person_id), Some(group_of(&m.group_id)), None)
                    }
                }
            }
        }
    }
    let mut added: Vec<_> = wanted_members.into_iter().collect();
    added.sort_by_key(|((g, p), _)| (*p, *g));
    for ((group_id, person_id), role) in added {
        w.put_memberships.push(MemberRow { group_id, person_id, role });
        let name = name_of(&person_id);
        let (group, is_class, year) =
            group_info.get(&group_id).copied().unwrap_or(("", false, SchoolYearId::default()));
        let moved_from =
            (is_class && role == MemberRole::Pupil).then(|| left_class.remove(&(person_id, year))).flatten();
        match moved_from {
            // Only someone who stays is "moved"; a new pupil is simply added.
            Some(from) if people_by_id.contains_key(&person_id) => {
                report.add(ChangeKind::PersonMoved, name, Some(group_of(&from)), Some(group));
            }
            _ => report.add(ChangeKind::MemberAdded, name, None, Some(group)),
        }
    }
    for ((person_id, _), group_id) in left_class {
        report.add(ChangeKind::MemberRemoved, name_of(&person_id), Some(group_of(&group_id)), None);
    }
    report.finish();
    plan
}
