//! What an import changes, in the words the web app, the API and the CLI all use.

use serde::Serialize;

/// One kind of change. The code (`person_moved`) is stable and part of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    SchoolAdded,
    SchoolChanged,
    SchoolYearAdded,
    SchoolYearChanged,
    GroupAdded,
    GroupChanged,
    GroupLinked,
    GroupSimilar,
    PersonAdded,
    PersonChanged,
    PersonLinked,
    PersonReturned,
    PersonMoved,
    PersonLeft,
    UsernameChanged,
    PasswordSet,
    MemberAdded,
    MemberRemoved,
    MemberRoleChanged,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 19] = [
        ChangeKind::SchoolAdded,
        ChangeKind::SchoolChanged,
        ChangeKind::SchoolYearAdded,
        ChangeKind::SchoolYearChanged,
        ChangeKind::GroupAdded,
        ChangeKind::GroupChanged,
        ChangeKind::GroupLinked,
        ChangeKind::GroupSimilar,
        ChangeKind::PersonAdded,
        ChangeKind::PersonChanged,
        ChangeKind::PersonLinked,
        ChangeKind::PersonReturned,
        ChangeKind::PersonMoved,
        ChangeKind::PersonLeft,
        ChangeKind::UsernameChanged,
        ChangeKind::PasswordSet,
        ChangeKind::MemberAdded,
        ChangeKind::MemberRemoved,
        ChangeKind::MemberRoleChanged,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::SchoolAdded => "school_added",
            ChangeKind::SchoolChanged => "school_changed",
            ChangeKind::SchoolYearAdded => "school_year_added",
            ChangeKind::SchoolYearChanged => "school_year_changed",
            ChangeKind::GroupAdded => "group_added",
            ChangeKind::GroupChanged => "group_changed",
            ChangeKind::GroupLinked => "group_linked",
            ChangeKind::GroupSimilar => "group_similar",
            ChangeKind::PersonAdded => "person_added",
            ChangeKind::PersonChanged => "person_changed",
            ChangeKind::PersonLinked => "person_linked",
            ChangeKind::PersonReturned => "person_returned",
            ChangeKind::PersonMoved => "person_moved",
            ChangeKind::PersonLeft => "person_left",
            ChangeKind::UsernameChanged => "username_changed",
            ChangeKind::PasswordSet => "password_set",
            ChangeKind::MemberAdded => "member_added",
            ChangeKind::MemberRemoved => "member_removed",
            ChangeKind::MemberRoleChanged => "member_role_changed",
        }
    }
}

/// One change: what kind, to whom or what (`name`), and from what to what where that says more.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// At most this many changes are listed one by one; all are counted.
pub const MAX_LISTED_CHANGES: usize = 5000;

/// The outcome of an import or its preview.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Whether the changes were written (false for a preview or when there was nothing to do).
    pub applied: bool,
    /// How many changes of each kind, in [`ChangeKind::ALL`] order, leaving out zeroes.
    pub counts: Vec<(ChangeKind, u64)>,
    /// The changes, sorted by kind and name; at most [`MAX_LISTED_CHANGES`].
    pub changes: Vec<Change>,
    /// Whether `changes` was cut short.
    pub truncated: bool,
    /// People, groups and schools in the roster, to show that it was read in full.
    pub people_in_roster: u64,
    pub groups_in_roster: u64,
    pub schools_in_roster: u64,
    /// Why applying this roster needs `confirm_leaving`: it would make a large share of a
    /// school's people leave, as a roster cut short (headers only) does.
    pub confirm_leaving: Option<String>,
}

impl ImportReport {
    pub(crate) fn add(&mut self, kind: ChangeKind, name: &str, from: Option<&str>, to: Option<&str>) {
        match self.counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((kind, 1)),
        }
        self.changes.push(Change {
            kind,
            name: name.to_string(),
            from: from.map(str::to_string),
            to: to.map(str::to_string),
        });
    }

    pub(crate) fn finish(&mut self) {
        self.counts.sort();
        self.changes.sort_by(|a, b| (a.kind, &a.name, &a.to).cmp(&(b.kind, &b.name, &b.to)));
        if self.changes.len() > MAX_LISTED_CHANGES {
            self.changes.truncate(MAX_LISTED_CHANGES);
            self.truncated = true;
        }
    }

    /// Whether the roster and Tavle already agree.
    pub fn unchanged(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn count(&self, kind: ChangeKind) -> u64 {
        self.counts.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n)
    }

    /// One line per kind of change, e.g. "person_added: 3", or "no changes".
    pub fn summary_lines(&self) -> Vec<String> {
        if self.unchanged() {
            return vec!["no changes".into()];
        }
        self.counts.iter().map(|(k, n)| format!("{}: {n}", k.code())).collect()
    }
}
