//! The Tavle roster CSV: one row per person and school, as a school office keeps it in a
//! spreadsheet. Described in docs/roster-format.md.
//!
//! Columns (by header name, in any order): `school`, `school_name`, `school_year`,
//! `year_starts_on`, `year_ends_on`, `id`, `name`, `role`, `username`, `password`, `classes`,
//! `teams`, `identity_issuer`, `identity_subject`. The delimiter is `,` or `;` (Danish Excel),
//! found from the header; lists in `classes` and `teams` use the other one.

use std::collections::HashMap;

use tavle_core::names;
use tavle_core::org::{ExternalIdentity, GroupKind, MemberRole};

use super::model::{
    class_from_name, dates_from_label, At, Problems, RAffiliation, RGroup, RMember, RPerson, RSchool, RYear, Roster,
    SchoolRole,
};
use super::{csv_rows, delimiter, Fields};

const REQUIRED: [&str; 5] = ["school", "school_year", "id", "name", "role"];
const KNOWN: [&str; 14] = [
    "school",
    "school_name",
    "school_year",
    "year_starts_on",
    "year_ends_on",
    "id",
    "name",
    "role",
    "username",
    "password",
    "classes",
    "teams",
    "identity_issuer",
    "identity_subject",
];

/// Reads a Tavle roster CSV into `roster`.
pub(crate) fn read(file: &str, bytes: &[u8], roster: &mut Roster, problems: &mut Problems) {
    let list_sep = if delimiter(bytes) == b';' { ',' } else { ';' };
    let mut b = Builder::default();
    csv_rows(file, bytes, (&REQUIRED, &KNOWN), problems, |at, f, problems| b.row(at, f, list_sep, problems));
    b.finish(roster);
}

#[derive(Default)]
struct Builder {
    schools: HashMap<String, RSchool>,
    years: HashMap<(String, String), RYear>,
    groups: HashMap<String, RGroup>,
    people: HashMap<String, RPerson>,
    affiliations: Vec<RAffiliation>,
    members: Vec<RMember>,
    order: Vec<String>,
}

impl Builder {
    fn row(&mut self, at: &At, f: &Fields<'_>, list_sep: char, problems: &mut Problems) {
        let before = problems.len();
        let school = names::institution_number(f.get("school")).map_err(|e| problems.invalid(at, "school", e)).ok();
        let school_name = match f.get("school_name") {
            "" => None,
            raw => {
                names::display_text("school_name", raw, 200).map_err(|e| problems.invalid(at, "school_name", e)).ok()
            }
        };
        let year =
            names::school_year_label(f.get("school_year")).map_err(|e| problems.invalid(at, "school_year", e)).ok();
        let id = names::display_text("id", f.get("id"), 200).map_err(|e| problems.invalid(at, "id", e)).ok();
        let name = names::person_name(f.get("name")).map_err(|e| problems.invalid(at, "name", e)).ok();
        let role = match f.get("role").to_ascii_lowercase().as_str() {
            "pupil" | "elev" => Some(SchoolRole::Pupil),
            "teacher" | "lærer" | "laerer" => Some(SchoolRole::Teacher),
            "staff" | "personale" => Some(SchoolRole::Staff),
            other => {
                problems.add(at, "bad_value", format!("role {other:?} is not pupil, teacher or staff"));
                None
            }
        };
        let username = match f.get("username") {
            "" => None,
            raw => names::username(raw).map_err(|e| problems.invalid(at, "username", e)).ok(),
        };
        let password = Some(f.get("password")).filter(|p| !p.is_empty()).map(str::to_string);
        if let Some(p) = &password {
            if let Err(e) = crate::org::check_password(p) {
                problems.invalid(at, "password", e);
            }
        }
        let identity = match (f.get("identity_issuer"), f.get("identity_subject")) {
            ("", "") => None,
            ("", _) | (_, "") => {
                problems.add(at, "bad_value", "identity_issuer and identity_subject must be given together");
                None
            }
            (issuer, subject) => Some(ExternalIdentity { issuer: issuer.to_string(), subject: subject.to_string() }),
        };
        let dates_given = !(f.get("year_starts_on").is_empty() && f.get("year_ends_on").is_empty());
        let dates = match (f.get("year_starts_on"), f.get("year_ends_on")) {
            ("", "") => year.as_deref().and_then(dates_from_label).or_else(|| {
                problems.add(
                    at,
                    "bad_value",
                    "give year_starts_on and year_ends_on for a school year not named like 2026/27",
                );
                None
            }),
            (s, e) => match (names::date("year_starts_on", s), names::date("year_ends_on", e)) {
                (Ok(s), Ok(e)) if s < e => Some((s, e)),
                (Ok(_), Ok(_)) => {
                    problems.add(at, "bad_value", "year_starts_on must be before year_ends_on");
                    None
                }
                (Err(e), _) => {
                    problems.invalid(at, "year_starts_on", e);
                    None
                }
                (_, Err(e)) => {
                    problems.invalid(at, "year_ends_on", e);
                    None
                }
            },
        };
        let mut groups = Vec::new();
        for raw in f.get("classes").split(list_sep).map(str::trim).filter(|s| !s.is_empty()) {
            match names::display_text("classes", raw, 100) {
                Ok(n) => match class_from_name(&n) {
                    Some((grade, letter)) => groups.push((n, GroupKind::Class { grade, letter })),
                    None => problems.add(at, "bad_value", format!("class {n:?} is not a grade and a letter like 3.A")),
                },
                Err(e) => problems.invalid(at, "classes", e),
            }
        }
        for raw in f.get("teams").split(list_sep).map(str::trim).filter(|s| !s.is_empty()) {
            match names::display_text("teams", raw, 100) {
                Ok(n) => groups.push((n.clone(), GroupKind::Team { subject: n })),
                Err(e) => problems.invalid(at, "teams", e),
            }
        }
        if problems.len() != before {
            return;
        }
        let (Some(school), Some(year), Some(id), Some(name), Some(role), Some((starts_on, ends_on))) =
            (school, year, id, name, role, dates)
        else {
            return;
        };
        self.add_school(at, &school, school_name, problems);
        self.years.entry((school.clone(), year.clone())).or_insert_with(|| RYear {
            school: school.clone(),
            label: year.clone(),
            starts_on,
            ends_on,
            dates_given,
            source_id: None,
            at: at.clone(),
        });
        if let Some(y) = self.years.get(&(school.clone(), year.clone())) {
            if (y.starts_on, y.ends_on) != (starts_on, ends_on) {
                problems.add(at, "conflict", format!("school year {year} has other dates on line {}", y.at.line));
            }
        }
        self.add_person(
            at,
            RPerson { source_id: id.clone(), name, username, password, identities: Vec::new(), at: at.clone() },
            identity,
            problems,
        );
        self.affiliations.push(RAffiliation { person: id.clone(), school: school.clone(), role, at: at.clone() });
        let member_role = if role == SchoolRole::Pupil { MemberRole::Pupil } else { MemberRole::Teacher };
        for (name, kind) in groups {
            let source_id = format!("{school}/{year}/{name}");
            self.groups.entry(source_id.clone()).or_insert_with(|| RGroup {
                source_id: source_id.clone(),
                school: school.clone(),
                year: year.clone(),
                name,
                kind,
                at: at.clone(),
            });
            self.members.push(RMember { group: source_id, person: id.clone(), role: member_role, at: at.clone() });
        }
    }

    fn add_school(&mut self, at: &At, school: &str, name: Option<String>, problems: &mut Problems) {
        match self.schools.get_mut(school) {
            None => {
                self.schools.insert(
                    school.to_string(),
                    RSchool { institution_number: school.to_string(), name, at: at.clone() },
                );
            }
            Some(s) => match (&s.name, name) {
                (Some(a), Some(b)) if *a != b => problems.add(
                    at,
                    "conflict",
                    format!("school {school} is called {a:?} on line {} and {b:?} here", s.at.line),
                ),
                (None, Some(b)) => s.name = Some(b),
                _ => {}
            },
        }
    }

    fn add_person(&mut self, at: &At, p: RPerson, identity: Option<ExternalIdentity>, problems: &mut Problems) {
        let key = p.source_id.clone();
        let entry = match self.people.get_mut(&key) {
            Some(e) => e,
            None => {
                self.order.push(key.clone());
                self.people.entry(key).or_insert(p.clone())
            }
        };
        let first = entry.at.line;
        if entry.name != p.name {
            problems.add(at, "conflict", format!("person {} has another name on line {first}", p.source_id));
        }
        match (&entry.username, &p.username) {
            (Some(a), Some(b)) if a != b => {
                problems.add(at, "conflict", format!("person {} has another username on line {first}", p.source_id));
            }
            (None, Some(b)) => entry.username = Some(b.clone()),
            _ => {}
        }
        if entry.password.is_none() {
            entry.password = p.password;
        }
        if let Some(i) = identity {
            if !entry.identities.contains(&i) {
                entry.identities.push(i);
            }
        }
    }

    fn finish(mut self, roster: &mut Roster) {
        let mut schools: Vec<_> = self.schools.into_values().collect();
        schools.sort_by_key(|s| s.at.line);
        roster.schools.extend(schools);
        let mut years: Vec<_> = self.years.into_values().collect();
        years.sort_by_key(|y| y.at.line);
        roster.years.extend(years);
        let mut groups: Vec<_> = self.groups.into_values().collect();
        groups.sort_by_key(|g| g.at.line);
        roster.groups.extend(groups);
        for key in self.order {
            if let Some(p) = self.people.remove(&key) {
                roster.people.push(p);
            }
        }
        roster.affiliations.extend(self.affiliations);
        roster.members.extend(self.members);
    }
}
