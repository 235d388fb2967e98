//! OneRoster 1.2 CSV (and the 1.1 layout, where roles sit in users.csv) in bulk mode: a zip
//! or directory of orgs.csv, academicSessions.csv, classes.csv, users.csv, enrollments.csv
//! and, from 1.2, roles.csv. How each field maps is described in docs/roster-format.md.

use std::collections::{HashMap, HashSet};

use tavle_core::names;
use tavle_core::org::{ExternalIdentity, GroupKind, MemberRole};

use super::model::{
    class_from_name, dates_from_label, At, Problems, RAffiliation, RGroup, RMember, RPerson, RSchool, RYear, Roster,
    SchoolRole,
};
use super::{csv_rows, Fields, Files};

struct Session {
    title: String,
    kind: String,
    start: Option<time::Date>,
    end: Option<time::Date>,
    parent: String,
    at: At,
}

/// A school year resolved from an academic session.
#[derive(Clone)]
struct YearOf {
    label: String,
    starts_on: time::Date,
    ends_on: time::Date,
    source_id: String,
}

fn school_role(role: &str) -> Option<SchoolRole> {
    match role {
        "student" => Some(SchoolRole::Pupil),
        "teacher" => Some(SchoolRole::Teacher),
        "administrator"
        | "aide"
        | "proctor"
        | "counselor"
        | "principal"
        | "siteAdministrator"
        | "systemAdministrator" => Some(SchoolRole::Staff),
        // Guardians, parents and relatives are not users of Tavle (yet).
        _ => None,
    }
}

fn member_role(role: &str) -> Option<MemberRole> {
    match school_role(role)? {
        SchoolRole::Pupil => Some(MemberRole::Pupil),
        SchoolRole::Teacher | SchoolRole::Staff => Some(MemberRole::Teacher),
    }
}

/// A row marked for deletion in a bulk file is not part of the roster.
fn deleted(f: &Fields<'_>) -> bool {
    f.get("status").eq_ignore_ascii_case("tobedeleted")
}

/// Reads a OneRoster bulk export into `roster`.
pub(crate) fn read(files: &Files, roster: &mut Roster, problems: &mut Problems) {
    if let Some(bytes) = files.get("manifest.csv") {
        csv_rows("manifest.csv", bytes, (&["propertyName", "value"], &[]), problems, |at, f, problems| {
            if f.get("propertyName").starts_with("file.") && f.get("value") == "delta" {
                problems.add(at, "unsupported", "delta files are not supported; export the roster in bulk mode");
            }
        });
    }
    let mut missing = false;
    for name in ["orgs.csv", "academicSessions.csv", "classes.csv", "users.csv", "enrollments.csv"] {
        if files.get(name).is_none() {
            let at = At { file: name.into(), line: 0 };
            problems.add(&at, "missing_file", format!("a OneRoster export needs {name}"));
            missing = true;
        }
    }
    if missing {
        return;
    }
    let get_file = |name: &str| files.get(name).unwrap_or(&[]);

    // orgs: schools by their institution number (the org's identifier).
    let mut schools: HashMap<String, String> = HashMap::new();
    csv_rows(
        "orgs.csv",
        get_file("orgs.csv"),
        (&["sourcedId", "name", "type", "identifier"], &[]),
        problems,
        |at, f, problems| {
            if deleted(f) || f.get("type") != "school" {
                return;
            }
            let inst = match f.get("identifier") {
                "" => return problems.add(at, "bad_value", "a school needs its institution number in identifier"),
                raw => match names::institution_number(raw) {
                    Ok(i) => i,
                    Err(e) => return problems.invalid(at, "identifier", e),
                },
            };
            match names::display_text("name", f.get("name"), 200) {
                Ok(name) => {
                    schools.insert(f.get("sourcedId").to_string(), inst.clone());
                    roster.schools.push(RSchool { institution_number: inst, name: Some(name), at: at.clone() });
                }
                Err(e) => problems.invalid(at, "name", e),
            }
        },
    );

    let mut sessions: HashMap<String, Session> = HashMap::new();
    let cols = ["sourcedId", "title", "type", "startDate", "endDate"];
    csv_rows("academicSessions.csv", get_file("academicSessions.csv"), (&cols, &[]), problems, |at, f, problems| {
        if deleted(f) {
            return;
        }
        let start = names::date("startDate", f.get("startDate")).map_err(|e| problems.invalid(at, "startDate", e));
        let end = names::date("endDate", f.get("endDate")).map_err(|e| problems.invalid(at, "endDate", e));
        sessions.insert(
            f.get("sourcedId").to_string(),
            Session {
                title: f.get("title").to_string(),
                kind: f.get("type").to_string(),
                start: start.ok(),
                end: end.ok(),
                parent: f.get("parentSourcedId").to_string(),
                at: at.clone(),
            },
        );
    });
    let year_of = |id: &str| -> Option<YearOf> {
        let mut id = id;
        for _ in 0..8 {
            let s = sessions.get(id)?;
            if s.kind == "schoolYear" || s.parent.is_empty() {
                let (starts_on, ends_on) = (s.start?, s.end?);
                let label = if dates_from_label(&s.title).is_some() {
                    s.title.clone()
                } else {
                    format!("{}/{:02}", starts_on.year(), ends_on.year() % 100)
                };
                return Some(YearOf { label, starts_on, ends_on, source_id: id.to_string() });
            }
            id = &s.parent;
        }
        None
    };
    for s in sessions.values() {
        if s.start.zip(s.end).is_some_and(|(a, b)| a >= b) {
            problems.add(&s.at, "bad_value", "startDate must be before endDate");
        }
    }

    let mut years: HashSet<(String, String)> = HashSet::new();
    let cols = ["sourcedId", "title", "classType", "schoolSourcedId", "termSourcedIds"];
    csv_rows("classes.csv", get_file("classes.csv"), (&cols, &[]), problems, |at, f, problems| {
        if deleted(f) {
            return;
        }
        let Some(school) = schools.get(f.get("schoolSourcedId")) else {
            let org = f.get("schoolSourcedId");
            return problems.add(at, "unknown_reference", format!("schoolSourcedId {org} is not a school in orgs.csv"));
        };
        let term = f.get("termSourcedIds").split(',').next().unwrap_or("").trim();
        let Some(year) = year_of(term) else {
            return problems.add(
                at,
                "unknown_reference",
                format!("term {term:?} is not a session with dates in academicSessions.csv"),
            );
        };
        let name = match names::display_text("title", f.get("title"), 100) {
            Ok(n) => n,
            Err(e) => return problems.invalid(at, "title", e),
        };
        let kind = match f.get("classType") {
            "homeroom" => {
                let grade = f.get("grades").split(',').next().map(str::trim).and_then(|g| match g {
                    "PR" | "PK" | "TK" | "KG" | "0" | "00" => Some(0u8),
                    other => other.parse::<u8>().ok().filter(|g| *g <= 10),
                });
                match (class_from_name(&name), grade) {
                    (Some((grade, letter)), _) => GroupKind::Class { grade, letter },
                    (None, Some(grade)) if name.chars().count() <= 8 => {
                        GroupKind::Class { grade, letter: name.clone() }
                    }
                    _ => GroupKind::Other,
                }
            }
            _ => {
                let subject = f.get("subjects").split(',').next().map(str::trim).filter(|s| !s.is_empty());
                GroupKind::Team { subject: subject.unwrap_or(&name).to_string() }
            }
        };
        if years.insert((school.clone(), year.label.clone())) {
            roster.years.push(RYear {
                school: school.clone(),
                label: year.label.clone(),
                starts_on: year.starts_on,
                ends_on: year.ends_on,
                dates_given: true,
                source_id: Some(year.source_id.clone()),
                at: at.clone(),
            });
        }
        let source_id = f.get("sourcedId").to_string();
        roster.groups.push(RGroup { source_id, school: school.clone(), year: year.label, name, kind, at: at.clone() });
    });

    // Roles at schools: roles.csv (1.2) or the role and orgSourcedIds columns of users.csv (1.1).
    // A user whose only roles are guardian, parent or relative is not imported.
    let mut roles: HashMap<String, Vec<(String, SchoolRole, At)>> = HashMap::new();
    let mut has_role: HashMap<String, bool> = HashMap::new();
    let mut add_role = |user: &str, org: &str, role: &str, at: &At| {
        let r = school_role(role);
        *has_role.entry(user.to_string()).or_default() |= r.is_some();
        if let (Some(school), Some(r)) = (schools.get(org), r) {
            roles.entry(user.to_string()).or_default().push((school.clone(), r, at.clone()));
        }
    };
    if let Some(bytes) = files.get("roles.csv") {
        csv_rows("roles.csv", bytes, (&["userSourcedId", "role", "orgSourcedId"], &[]), problems, |at, f, _| {
            if !deleted(f) {
                add_role(f.get("userSourcedId"), f.get("orgSourcedId"), f.get("role"), at);
            }
        });
    }
    csv_rows(
        "users.csv",
        get_file("users.csv"),
        (&["sourcedId", "givenName", "familyName"], &[]),
        problems,
        |at, f, problems| {
            if deleted(f) {
                return;
            }
            let id = f.get("sourcedId").to_string();
            for org in f.get("orgSourcedIds").split(',').map(str::trim).filter(|o| !o.is_empty()) {
                add_role(&id, org, f.get("role"), at);
            }
            let given = Some(f.get("preferredGivenName")).filter(|s| !s.is_empty()).unwrap_or(f.get("givenName"));
            let family = Some(f.get("preferredFamilyName")).filter(|s| !s.is_empty()).unwrap_or(f.get("familyName"));
            let full = [given, f.get("middleName"), family].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
            let name = match names::person_name(&full.join(" ")) {
                Ok(n) => n,
                Err(e) => return problems.invalid(at, "givenName/familyName", e),
            };
            let username = match f.get("username") {
                "" => None,
                raw => match names::username(raw) {
                    Ok(u) => Some(u),
                    Err(e) => return problems.invalid(at, "username", e),
                },
            };
            let mut identities = Vec::new();
            for part in f.get("userIds").split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let inner = part.trim_start_matches('{').trim_end_matches('}');
                match inner.rsplit_once(':') {
                    Some((issuer, subject)) if !issuer.is_empty() && !subject.is_empty() => {
                        identities.push(ExternalIdentity {
                            issuer: issuer.trim().to_string(),
                            subject: subject.trim().to_string(),
                        })
                    }
                    _ => problems.add(at, "bad_value", format!("userIds entry {part:?} is not {{type:identifier}}")),
                }
            }
            let password = Some(f.get("password")).filter(|p| !p.is_empty()).map(str::to_string);
            if let Some(p) = &password {
                if let Err(e) = crate::org::check_password(p) {
                    return problems.invalid(at, "password", e);
                }
            }
            roster.people.push(RPerson { source_id: id, name, username, password, identities, at: at.clone() });
        },
    );
    roster.people.retain(|p| has_role.get(&p.source_id).copied().unwrap_or(true));
    for (user, list) in roles {
        for (school, role, at) in list {
            roster.affiliations.push(RAffiliation { person: user.clone(), school, role, at });
        }
    }

    let cols = ["classSourcedId", "userSourcedId", "role"];
    csv_rows("enrollments.csv", get_file("enrollments.csv"), (&cols, &[]), problems, |at, f, _| {
        if deleted(f) {
            return;
        }
        if let Some(role) = member_role(f.get("role")) {
            roster.members.push(RMember {
                group: f.get("classSourcedId").to_string(),
                person: f.get("userSourcedId").to_string(),
                role,
                at: at.clone(),
            });
        }
    });
}
