//! Roster import: the Tavle CSV/JSON format and OneRoster 1.2 CSV into the organisation.

/// One thing wrong with a roster file, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProblem {
    pub file: String,
    pub line: u64,
    pub message: String,
}
