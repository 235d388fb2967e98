//! The Tavle roster JSON: the normalised roster written out, for systems that export to Tavle
//! directly. Described in docs/roster-format.md.
//!
//! Each item is first taken as raw text so that a problem in it can name its line.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;
use tavle_core::names;
use tavle_core::org::{ExternalIdentity, MemberRole};

use super::model::{At, Problems, RAffiliation, RGroup, RMember, RPerson, RSchool, RYear, Roster, SchoolRole};
use super::text_of;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc<'a> {
    #[serde(borrow, default)]
    schools: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    school_years: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    groups: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    people: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct School {
    institution_number: String,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Year {
    school: String,
    label: String,
    starts_on: String,
    ends_on: String,
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Group {
    id: String,
    school: String,
    school_year: String,
    name: String,
    kind: String,
    grade: Option<i64>,
    letter: Option<String>,
    subject: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Person {
    id: String,
    name: String,
    username: Option<String>,
    password: Option<String>,
    #[serde(default)]
    identities: Vec<Identity>,
    #[serde(default)]
    schools: Vec<PersonSchool>,
    #[serde(default)]
    groups: Vec<PersonGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Identity {
    issuer: String,
    subject: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonSchool {
    school: String,
    role: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonGroup {
    group: String,
    role: String,
}

/// The 1-based line at which `part` (a slice of `whole`) starts.
fn line_of(whole: &str, part: &str) -> u64 {
    let offset = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize).min(whole.len());
    whole.as_bytes()[..offset].iter().filter(|b| **b == b'\n').count() as u64 + 1
}

/// Each item with the line it starts on; the item is parsed from the document's own text.
fn items<'a>(file: &Arc<str>, text: &str, list: Vec<&'a RawValue>) -> Vec<(At, &'a str)> {
    list.into_iter().map(|raw| (At { file: file.clone(), line: line_of(text, raw.get()) }, raw.get())).collect()
}

/// Reads a Tavle roster JSON document into `roster`.
pub(crate) fn read(file: &str, bytes: &[u8], roster: &mut Roster, problems: &mut Problems) {
    let file: Arc<str> = Arc::from(file);
    let whole = At { file: file.clone(), line: 0 };
    let Some(text) = text_of(bytes, &whole, problems) else { return };
    let doc: Doc<'_> = match serde_json::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let at = At { file: file.clone(), line: e.line() as u64 };
            return problems.add(&at, "bad_json", format!("the document cannot be read: {e}"));
        }
    };
    for (at, raw) in items(&file, text, doc.schools) {
        let Some(s) = parse::<School>(&at, raw, problems) else { continue };
        let inst = names::institution_number(&s.institution_number).map_err(|e| problems.invalid(&at, "school", e));
        let name = s.name.map(|n| names::display_text("name", &n, 200)).transpose();
        let name = name.map_err(|e| problems.invalid(&at, "name", e));
        if let (Ok(institution_number), Ok(name)) = (inst, name) {
            roster.schools.push(RSchool { institution_number, name, at });
        }
    }
    for (at, raw) in items(&file, text, doc.school_years) {
        let Some(y) = parse::<Year>(&at, raw, problems) else { continue };
        let label = names::school_year_label(&y.label).map_err(|e| problems.invalid(&at, "label", e));
        let starts = names::date("starts_on", &y.starts_on).map_err(|e| problems.invalid(&at, "starts_on", e));
        let ends = names::date("ends_on", &y.ends_on).map_err(|e| problems.invalid(&at, "ends_on", e));
        if let (Ok(label), Ok(starts_on), Ok(ends_on)) = (label, starts, ends) {
            if starts_on >= ends_on {
                problems.add(&at, "bad_value", "starts_on must be before ends_on");
                continue;
            }
            roster.years.push(RYear {
                school: y.school,
                label,
                starts_on,
                ends_on,
                dates_given: true,
                source_id: y.id,
                at,
            });
        }
    }
    for (at, raw) in items(&file, text, doc.groups) {
        let Some(g) = parse::<Group>(&at, raw, problems) else { continue };
        let name = names::display_text("name", &g.name, 100).map_err(|e| problems.invalid(&at, "name", e));
        let kind = crate::org::group_kind(&g.kind, g.grade, g.letter.as_deref(), g.subject.as_deref());
        let kind = kind.map_err(|e| problems.add(&at, "bad_value", e.to_string()));
        if let (Ok(name), Ok(kind)) = (name, kind) {
            roster.groups.push(RGroup { source_id: g.id, school: g.school, year: g.school_year, name, kind, at });
        }
    }
    for (at, raw) in items(&file, text, doc.people) {
        let Some(p) = parse::<Person>(&at, raw, problems) else { continue };
        let before = problems.len();
        let name = names::person_name(&p.name).map_err(|e| problems.invalid(&at, "name", e)).ok();
        let username = p.username.map(|u| names::username(&u)).transpose();
        let username = username.map_err(|e| problems.invalid(&at, "username", e)).ok().flatten();
        if let Some(pw) = &p.password {
            if let Err(e) = crate::org::check_password(pw) {
                problems.invalid(&at, "password", e);
            }
        }
        for s in p.schools {
            let role = match s.role.as_str() {
                "pupil" => SchoolRole::Pupil,
                "teacher" => SchoolRole::Teacher,
                "staff" => SchoolRole::Staff,
                other => {
                    problems.add(&at, "bad_value", format!("school role {other:?} is not pupil, teacher or staff"));
                    continue;
                }
            };
            roster.affiliations.push(RAffiliation { person: p.id.clone(), school: s.school, role, at: at.clone() });
        }
        for g in p.groups {
            let Some(role) = MemberRole::parse(&g.role) else {
                problems.add(&at, "bad_value", format!("group role {:?} is not pupil or teacher", g.role));
                continue;
            };
            roster.members.push(RMember { group: g.group, person: p.id.clone(), role, at: at.clone() });
        }
        if problems.len() != before {
            continue;
        }
        let identities =
            p.identities.into_iter().map(|i| ExternalIdentity { issuer: i.issuer, subject: i.subject }).collect();
        if let Some(name) = name {
            roster.people.push(RPerson { source_id: p.id, name, username, password: p.password, identities, at });
        }
    }
}

fn parse<T: for<'de> Deserialize<'de>>(at: &At, raw: &str, problems: &mut Problems) -> Option<T> {
    serde_json::from_str(raw).map_err(|e| problems.add(at, "bad_json", e.to_string())).ok()
}
