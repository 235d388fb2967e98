//! The normalised roster every file format is read into, and the checks that do not need the
//! database: references between items, duplicates, unique usernames.
//!
//! Every item remembers the file and line it came from, so each problem can point there.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tavle_core::org::{ExternalIdentity, GroupKind, MemberRole};
use tavle_core::InvalidInput;

use super::ImportProblem;

/// Where an item was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct At {
    pub file: Arc<str>,
    pub line: u64,
}

/// At most this many problems are listed; the rest are counted.
const MAX_LISTED: usize = 500;

/// Problems found so far.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    list: Vec<ImportProblem>,
    more: usize,
}

impl Problems {
    pub fn add(&mut self, at: &At, code: &'static str, message: impl Into<String>) {
        if self.list.len() < MAX_LISTED {
            self.list.push(ImportProblem { file: at.file.to_string(), line: at.line, code, message: message.into() });
        } else {
            self.more += 1;
        }
    }

    /// A field that failed the domain's validation, in the domain's words.
    pub fn invalid(&mut self, at: &At, column: &str, e: InvalidInput) {
        self.add(at, e.reason.code(), format!("{column}: {}", e.message));
    }

    /// How many problems there are, listed or not.
    pub fn len(&self) -> usize {
        self.list.len() + self.more
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn into_list(mut self) -> Vec<ImportProblem> {
        if self.more > 0 {
            self.list.push(ImportProblem {
                file: String::new(),
                line: 0,
                code: "more_problems",
                message: format!("… and {} more problems of the same kinds.", self.more),
            });
        }
        self.list
    }
}

/// The role a person has at a school.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum SchoolRole {
    Pupil,
    Teacher,
    Staff,
}

impl SchoolRole {
    pub fn code(self) -> &'static str {
        match self {
            SchoolRole::Pupil => "pupil",
            SchoolRole::Teacher => "teacher",
            SchoolRole::Staff => "staff",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct RSchool {
    pub institution_number: String,
    /// Needed only when the school is new.
    pub name: Option<String>,
    pub at: At,
}

#[derive(Clone, Debug)]
pub(crate) struct RYear {
    pub school: String,
    pub label: String,
    pub starts_on: time::Date,
    pub ends_on: time::Date,
    /// Whether the dates were given, not guessed from the label; guessed dates never
    /// overwrite the dates of an existing school year.
    pub dates_given: bool,
    pub source_id: Option<String>,
    pub at: At,
}

#[derive(Clone, Debug)]
pub(crate) struct RGroup {
    pub source_id: String,
    pub school: String,
    pub year: String,
    pub name: String,
    pub kind: GroupKind,
    pub at: At,
}

#[derive(Clone, Debug)]
pub(crate) struct RPerson {
    pub source_id: String,
    pub name: String,
    pub username: Option<String>,
    /// An initial password; set only for someone who has none yet.
    pub password: Option<String>,
    pub identities: Vec<ExternalIdentity>,
    pub at: At,
}

#[derive(Clone, Debug)]
pub(crate) struct RAffiliation {
    pub person: String,
    pub school: String,
    pub role: SchoolRole,
    pub at: At,
}

#[derive(Clone, Debug)]
pub(crate) struct RMember {
    pub group: String,
    pub person: String,
    pub role: MemberRole,
    pub at: At,
}

/// A whole roster, whatever file it came from.
#[derive(Clone, Debug, Default)]
pub(crate) struct Roster {
    pub schools: Vec<RSchool>,
    pub years: Vec<RYear>,
    pub groups: Vec<RGroup>,
    pub people: Vec<RPerson>,
    pub affiliations: Vec<RAffiliation>,
    pub members: Vec<RMember>,
}

impl Roster {
    /// Checks what can be checked without the database. Duplicates that agree are dropped;
    /// duplicates that disagree and dangling references are problems.
    pub fn check(&mut self, problems: &mut Problems) {
        let mut schools: HashMap<String, usize> = HashMap::new();
        self.schools.retain(|s| match schools.get(&s.institution_number) {
            None => {
                schools.insert(s.institution_number.clone(), 0);
                true
            }
            Some(_) => {
                problems.add(&s.at, "duplicate", format!("school {} is listed twice", s.institution_number));
                false
            }
        });
        let mut years: HashMap<(String, String), (time::Date, time::Date)> = HashMap::new();
        self.years.retain(|y| {
            if !schools.contains_key(&y.school) {
                problems.add(&y.at, "unknown_reference", format!("school {} is not in the roster", y.school));
                return false;
            }
            match years.get(&(y.school.clone(), y.label.clone())) {
                None => {
                    years.insert((y.school.clone(), y.label.clone()), (y.starts_on, y.ends_on));
                    true
                }
                Some(dates) if *dates == (y.starts_on, y.ends_on) => false,
                Some(_) => {
                    problems.add(&y.at, "conflict", format!("school year {} has two different sets of dates", y.label));
                    false
                }
            }
        });
        let mut groups = HashSet::new();
        for g in &self.groups {
            if !years.contains_key(&(g.school.clone(), g.year.clone())) {
                problems.add(
                    &g.at,
                    "unknown_reference",
                    format!("group {}: school year {} of school {} is not in the roster", g.name, g.year, g.school),
                );
            }
            if !groups.insert(g.source_id.as_str()) {
                problems.add(&g.at, "duplicate", format!("group id {} is used twice", g.source_id));
            }
        }
        let mut people = HashSet::new();
        let mut usernames: HashMap<&str, &str> = HashMap::new();
        for p in &self.people {
            if !people.insert(p.source_id.as_str()) {
                problems.add(&p.at, "duplicate", format!("person id {} is used twice", p.source_id));
            }
            if let Some(u) = &p.username {
                if let Some(other) = usernames.insert(u, &p.source_id) {
                    problems.add(
                        &p.at,
                        "duplicate",
                        format!("username {u} is given to both {other} and {}", p.source_id),
                    );
                }
            }
        }
        for a in &self.affiliations {
            if !people.contains(a.person.as_str()) {
                problems.add(&a.at, "unknown_reference", format!("person {} is not in the roster", a.person));
            }
            if !schools.contains_key(&a.school) {
                problems.add(&a.at, "unknown_reference", format!("school {} is not in the roster", a.school));
            }
        }
        let mut seen: HashMap<(&str, &str), MemberRole> = HashMap::new();
        let mut keep = vec![true; self.members.len()];
        for (i, m) in self.members.iter().enumerate() {
            if !people.contains(m.person.as_str()) {
                problems.add(&m.at, "unknown_reference", format!("person {} is not in the roster", m.person));
            }
            if !groups.contains(m.group.as_str()) {
                problems.add(&m.at, "unknown_reference", format!("group {} is not in the roster", m.group));
            }
            match seen.insert((&m.group, &m.person), m.role) {
                None => {}
                Some(r) if r == m.role => keep[i] = false,
                Some(_) => problems.add(
                    &m.at,
                    "conflict",
                    format!("person {} is both pupil and teacher in group {}", m.person, m.group),
                ),
            }
        }
        let mut keep = keep.into_iter();
        self.members.retain(|_| keep.next().unwrap_or(true));
    }
}

/// Guesses a school year's dates from a label such as "2026/27" or "2026-2027": from 1 August
/// of the first year to 31 July of the next.
pub(crate) fn dates_from_label(label: &str) -> Option<(time::Date, time::Date)> {
    let first: i32 = label.get(..4)?.parse().ok()?;
    let rest = label.get(4..)?.trim_start_matches(['/', '-', ' ']);
    let second: i32 = rest.parse().ok()?;
    let next = first + 1;
    if second != next && second != next % 100 {
        return None;
    }
    let start = time::Date::from_calendar_date(first, time::Month::August, 1).ok()?;
    let end = time::Date::from_calendar_date(next, time::Month::July, 31).ok()?;
    Some((start, end))
}

/// Parses a class name such as "3.A", "3A", "0.B" or "10 C" into grade and letter.
pub(crate) fn class_from_name(name: &str) -> Option<(u8, String)> {
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    let grade: u8 = digits.parse().ok().filter(|g| *g <= 10)?;
    let letter = name[digits.len()..].trim_start_matches(['.', ' ']).trim();
    if letter.is_empty() || letter.chars().count() > 8 {
        return None;
    }
    Some((grade, letter.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_class_names() {
        let (s, e) = dates_from_label("2026/27").unwrap();
        assert_eq!((s.to_string(), e.to_string()), ("2026-08-01".into(), "2027-07-31".into()));
        assert!(dates_from_label("2026-2027").is_some());
        assert!(dates_from_label("2026/28").is_none());
        assert!(dates_from_label("Skoleår").is_none());
        assert_eq!(class_from_name("3.A"), Some((3, "A".into())));
        assert_eq!(class_from_name("10 Ø"), Some((10, "Ø".into())));
        assert_eq!(class_from_name("0B"), Some((0, "B".into())));
        assert_eq!(class_from_name("Musik"), None);
        assert_eq!(class_from_name("11.A"), None);
    }
}
