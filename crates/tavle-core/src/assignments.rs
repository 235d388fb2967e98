//! Assignments (opgaver), tests and exams: when they open and close for each pupil, whether
//! a hand-in is on time, late or refused, and grades on the Danish 7-point scale.
//!
//! All of it is decided from times given as parameters (the server's clock, never the
//! client's), so exam windows are tested without waiting.

use crate::clock::Timestamp;
use crate::ids::{AssignmentId, BlobId, GroupId, HandInId, PersonId, SchoolId, TenantId};

/// A grade on the Danish 7-point scale (7-trinsskalaen).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grade {
    MinusThree,
    Zero,
    Two,
    Four,
    Seven,
    Ten,
    Twelve,
}

impl Grade {
    pub const ALL: [Grade; 7] =
        [Grade::MinusThree, Grade::Zero, Grade::Two, Grade::Four, Grade::Seven, Grade::Ten, Grade::Twelve];

    /// The grade as it is written: `-3`, `00`, `02`, `4`, `7`, `10`, `12`.
    pub fn code(self) -> &'static str {
        match self {
            Grade::MinusThree => "-3",
            Grade::Zero => "00",
            Grade::Two => "02",
            Grade::Four => "4",
            Grade::Seven => "7",
            Grade::Ten => "10",
            Grade::Twelve => "12",
        }
    }

    /// Reads a grade as teachers write it; `0` and `2` are accepted for `00` and `02`.
    pub fn parse(raw: &str) -> Option<Grade> {
        Some(match raw.trim() {
            "-3" | "−3" => Grade::MinusThree,
            "00" | "0" => Grade::Zero,
            "02" | "2" => Grade::Two,
            "4" => Grade::Four,
            "7" => Grade::Seven,
            "10" => Grade::Ten,
            "12" => Grade::Twelve,
            _ => return None,
        })
    }

    /// Whether the grade passes (02 and above).
    pub fn passes(self) -> bool {
        self >= Grade::Two
    }
}

/// Whether the 7-point scale is offered for work of this class or team. In the folkeskole
/// grades are given from 8th grade (`from_grade`, configurable); a class below it gets
/// written feedback only. Teams and other groups cross year groups, so their teachers decide.
pub fn grades_given(kind: &crate::org::GroupKind, from_grade: u8) -> bool {
    match kind {
        crate::org::GroupKind::Class { grade, .. } => *grade >= from_grade,
        _ => true,
    }
}

/// An ordinary assignment, or an exam that opens and closes on the server's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Assignment,
    /// `closed`: while it runs, its pupils may open nothing but the exam itself.
    Exam {
        closed: bool,
    },
}

impl Mode {
    pub fn code(self) -> &'static str {
        match self {
            Mode::Assignment => "assignment",
            Mode::Exam { closed: false } => "exam",
            Mode::Exam { closed: true } => "closed_exam",
        }
    }
    pub fn parse(code: &str) -> Option<Mode> {
        Some(match code {
            "assignment" => Mode::Assignment,
            "exam" => Mode::Exam { closed: false },
            "closed_exam" => Mode::Exam { closed: true },
            _ => return None,
        })
    }
}

/// When an assignment is open, and what it allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// `None` while it is a draft: nobody but its teachers sees it.
    pub opens_at: Option<Timestamp>,
    pub deadline: Timestamp,
    /// Whether a hand-in after the deadline is taken (and marked late). Never for exams.
    pub late_allowed: bool,
    pub mode: Mode,
}

/// Where an assignment stands for one pupil at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not published; only its teachers see it.
    Draft,
    /// Published, not yet open: pupils see that it is coming (an exam shows nothing more).
    NotYetOpen,
    /// Open for hand-ins.
    Open,
    /// After the deadline, still taking hand-ins, marked late.
    Late,
    /// Closed: no more hand-ins.
    Closed,
}

impl Phase {
    pub fn code(self) -> &'static str {
        match self {
            Phase::Draft => "draft",
            Phase::NotYetOpen => "not_yet_open",
            Phase::Open => "open",
            Phase::Late => "late",
            Phase::Closed => "closed",
        }
    }
}

impl Window {
    /// The pupil's own deadline: with their extra time (for an exam, or granted individually).
    pub fn deadline_for(&self, extra_secs: i64) -> Timestamp {
        Timestamp(self.deadline.millis() + extra_secs.max(0) * 1000)
    }

    /// Where the assignment stands for a pupil with `extra_secs` of extra time.
    pub fn phase(&self, extra_secs: i64, now: Timestamp) -> Phase {
        let Some(opens) = self.opens_at else { return Phase::Draft };
        if now < opens {
            return Phase::NotYetOpen;
        }
        if now < self.deadline_for(extra_secs) {
            return Phase::Open;
        }
        match self.mode {
            Mode::Assignment if self.late_allowed => Phase::Late,
            _ => Phase::Closed,
        }
    }

    /// Whether a hand-in that began sending at `started` and was complete at `done` counts, and
    /// how. One that began before the (pupil's) deadline and completed within `grace_secs`
    /// after it counts as on time, so a slow upload in the last minute is never lost to the
    /// network; otherwise what counts is when it was complete.
    pub fn timing(&self, extra_secs: i64, started: Timestamp, done: Timestamp, grace_secs: i64) -> Timing {
        let Some(opens) = self.opens_at else { return Timing::Refused(Phase::Draft) };
        if started < opens {
            return Timing::Refused(Phase::NotYetOpen);
        }
        let deadline = self.deadline_for(extra_secs);
        let within_grace = started < deadline && done.millis() - deadline.millis() <= grace_secs.max(0) * 1000;
        if done < deadline || within_grace {
            return Timing::OnTime;
        }
        match self.mode {
            Mode::Assignment if self.late_allowed => {
                Timing::Late { by_secs: (done.millis() - deadline.millis()) / 1000 }
            }
            _ => Timing::Refused(Phase::Closed),
        }
    }
}

/// How a hand-in counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    OnTime,
    /// After the deadline by this many seconds (late hand-ins allowed).
    Late {
        by_secs: i64,
    },
    /// Not taken: the assignment is not open, or no longer.
    Refused(Phase),
}

/// Who an assignment is for, within its class or team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Every pupil of the class or team, as it is at any moment.
    Group,
    /// Only these pupils, each handing in on their own.
    Pupils(Vec<PersonId>),
    /// Teams of pupils (numbered from 1 in this order) who work in one working folder and
    /// hand in together: one hand-in counts for the whole team.
    Teams(Vec<Vec<PersonId>>),
}

impl Audience {
    pub fn code(&self) -> &'static str {
        match self {
            Audience::Group => "group",
            Audience::Pupils(_) => "pupils",
            Audience::Teams(_) => "teams",
        }
    }

    /// The pupils it is limited to; `None` for the whole class or team.
    pub fn listed(&self) -> Option<Vec<PersonId>> {
        match self {
            Audience::Group => None,
            Audience::Pupils(p) => Some(p.clone()),
            Audience::Teams(t) => Some(t.iter().flatten().copied().collect()),
        }
    }

    /// The team a pupil hands in with: 0 on their own, 1, 2, … in a team.
    pub fn team_of(&self, pupil: PersonId) -> u32 {
        match self {
            Audience::Teams(teams) => {
                teams.iter().position(|t| t.contains(&pupil)).and_then(|i| u32::try_from(i + 1).ok()).unwrap_or(0)
            }
            _ => 0,
        }
    }

    /// The pupils of team `team` (empty for 0 or a team that does not exist).
    pub fn team(&self, team: u32) -> &[PersonId] {
        match self {
            Audience::Teams(teams) if team > 0 => {
                teams.get(usize::try_from(team - 1).unwrap_or(usize::MAX)).map_or(&[], |t| t.as_slice())
            }
            _ => &[],
        }
    }

    /// Checks it against the pupils of the class or team: everyone listed is one of them,
    /// no one twice, nobody's list or team empty.
    pub fn check(&self, pupils_of_group: &[PersonId]) -> Result<(), crate::error::InvalidInput> {
        use crate::error::{InvalidInput, Reason};
        let Some(listed) = self.listed() else { return Ok(()) };
        let bad = |reason, msg: &str| Err(InvalidInput::new("audience", reason, msg));
        if listed.is_empty() || matches!(self, Audience::Teams(t) if t.iter().any(Vec::is_empty)) {
            return bad(Reason::Empty, "Choose at least one pupil (and no empty team).");
        }
        if listed.len() > 1_000 {
            return bad(Reason::TooLong, "An assignment can list at most 1,000 pupils.");
        }
        let mut seen = std::collections::HashSet::new();
        for p in &listed {
            if !pupils_of_group.contains(p) {
                return bad(Reason::OutOfRange, "Everyone chosen must be a pupil of the class or team.");
            }
            if !seen.insert(*p) {
                return bad(Reason::OutOfRange, "A pupil can be chosen only once (in one team).");
            }
        }
        Ok(())
    }
}

/// An assignment: what a teacher hands out to a class or team, with its clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub id: AssignmentId,
    pub tenant_id: TenantId,
    pub school_id: SchoolId,
    pub group_id: GroupId,
    pub title: String,
    pub instructions: String,
    pub mode: Mode,
    /// Who it is for (kept in `assignment_pupil` unless it is the whole group).
    pub audience: Audience,
    /// `None` while it is a draft.
    pub opens_at: Option<i64>,
    pub deadline: i64,
    pub late_allowed: bool,
    pub resubmit_allowed: bool,
    pub created_by: PersonId,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A receipt as the school's server signed it and gave it out: its JSON text, kept byte
/// for byte (read back and written again, it would no longer match its signature). What it
/// says is `tavle_app::receipts`' business; here it is only carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedReceipt(String);

impl IssuedReceipt {
    pub fn new(text: String) -> Self {
        IssuedReceipt(text)
    }

    /// The JSON text, as it was signed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A hand-in, with its files in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandIn {
    pub id: HandInId,
    pub tenant_id: TenantId,
    pub assignment_id: AssignmentId,
    /// The pupil who handed in.
    pub pupil_id: PersonId,
    /// The team it was handed in for (it counts for all of them); 0 for the pupil alone.
    pub team: u32,
    pub idempotency_key: String,
    pub started_at: i64,
    pub handed_in_at: i64,
    pub late_by_secs: i64,
    /// Set when the pupil took it back, or handed in again.
    pub withdrawn_at: Option<i64>,
    /// The signed receipt, as given out (JSON).
    pub receipt: IssuedReceipt,
    pub files: Vec<FileRef>,
    pub feedback: Feedback,
}

/// A change to an assignment after it opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignmentChange {
    pub at: i64,
    pub changed_by: PersonId,
    /// JSON: the fields changed, with what they were and became.
    pub fields: String,
}

/// A teacher's feedback on a hand-in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Feedback {
    pub text: Option<String>,
    pub grade: Option<Grade>,
    /// When it was returned to the pupil; before that the pupil sees none of it.
    pub returned_at: Option<i64>,
    /// Whether the teacher asks for a new hand-in.
    pub resubmission_requested: bool,
    /// Files given back with the feedback (frozen, like the hand-in's own).
    pub files: Vec<FileRef>,
}

/// A file as a hand-in, feedback or hand-out refers to it: its name there and the blob that
/// holds its bytes (which never change, so the reference is a frozen snapshot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRef {
    pub name: String,
    pub blob_id: BlobId,
    pub size: i64,
    pub sha256: String,
}

/// Whether a file handed out is to read, or to be copied into each working folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandoutKind {
    Attachment,
    Template,
}

impl HandoutKind {
    pub fn code(self) -> &'static str {
        match self {
            HandoutKind::Attachment => "attachment",
            HandoutKind::Template => "template",
        }
    }
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "attachment" => Some(HandoutKind::Attachment),
            "template" => Some(HandoutKind::Template),
            _ => None,
        }
    }
}

/// A file handed out with an assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handout {
    pub kind: HandoutKind,
    pub name: String,
    pub blob_id: BlobId,
    pub size: i64,
    pub sha256: String,
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;

    const MIN: i64 = 60_000;

    fn window(mode: Mode, late_allowed: bool) -> Window {
        Window { opens_at: Some(Timestamp(0)), deadline: Timestamp(60 * MIN), late_allowed, mode }
    }

    #[test]
    fn grades_read_and_write_as_teachers_do() {
        let out: Vec<String> = ["-3", "00", "0", "02", "2", "4", "7", "10", "12", "11", "A", ""]
            .iter()
            .map(|r| format!("{r}→{}", Grade::parse(r).map_or("none", Grade::code)))
            .collect();
        expect![[r#"-3→-3 00→00 0→00 02→02 2→02 4→4 7→7 10→10 12→12 11→none A→none →none"#]].assert_eq(&out.join(" "));
        assert!(Grade::Two.passes() && !Grade::Zero.passes());
        assert_eq!(Grade::ALL.iter().map(|g| g.code()).collect::<Vec<_>>().join(" "), "-3 00 02 4 7 10 12");
    }

    #[test]
    fn phases_and_timings_over_an_hour_long_window() {
        let cases = [
            ("assignment", window(Mode::Assignment, false)),
            ("late ok", window(Mode::Assignment, true)),
            ("exam", window(Mode::Exam { closed: true }, false)),
        ];
        // (what, extra time, started, done) in minutes.
        let moments = [
            ("before", 0, -5, -5),
            ("in time", 0, 30, 30),
            ("last second", 0, 59, 60),
            ("+10 extra", 10, 65, 65),
            ("slow upload", 0, 59, 61),
            ("too slow", 0, 59, 64),
            ("an hour late", 0, 120, 120),
        ];
        let mut out = String::new();
        for (name, w) in &cases {
            for (what, extra_min, started, done) in moments {
                let phase = w.phase(extra_min * 60, Timestamp(started * MIN));
                let timing = w.timing(extra_min * 60, Timestamp(started * MIN), Timestamp(done * MIN), 180);
                out.push_str(&format!("{name:<10} {what:<13} {phase:?} / {timing:?}\n"));
            }
        }
        let draft = Window { opens_at: None, ..window(Mode::Assignment, true) };
        out.push_str(&format!("draft      {:?}\n", draft.phase(0, Timestamp(30 * MIN))));
        expect![[r#"
            assignment before        NotYetOpen / Refused(NotYetOpen)
            assignment in time       Open / OnTime
            assignment last second   Open / OnTime
            assignment +10 extra     Open / OnTime
            assignment slow upload   Open / OnTime
            assignment too slow      Open / Refused(Closed)
            assignment an hour late  Closed / Refused(Closed)
            late ok    before        NotYetOpen / Refused(NotYetOpen)
            late ok    in time       Open / OnTime
            late ok    last second   Open / OnTime
            late ok    +10 extra     Open / OnTime
            late ok    slow upload   Open / OnTime
            late ok    too slow      Open / Late { by_secs: 240 }
            late ok    an hour late  Late / Late { by_secs: 3600 }
            exam       before        NotYetOpen / Refused(NotYetOpen)
            exam       in time       Open / OnTime
            exam       last second   Open / OnTime
            exam       +10 extra     Open / OnTime
            exam       slow upload   Open / OnTime
            exam       too slow      Open / Refused(Closed)
            exam       an hour late  Closed / Refused(Closed)
            draft      Draft
        "#]]
        .assert_eq(&out);
    }

    #[test]
    fn teams_are_numbered_from_one_and_checked_against_the_group() {
        let [a, b, c, d] = [PersonId::new(), PersonId::new(), PersonId::new(), PersonId::new()];
        let teams = Audience::Teams(vec![vec![a, b], vec![c]]);
        assert_eq!((teams.team_of(a), teams.team_of(b), teams.team_of(c), teams.team_of(d)), (1, 1, 2, 0));
        assert_eq!(teams.team(2), &[c]);
        assert!(teams.team(0).is_empty() && teams.team(3).is_empty());
        assert_eq!(Audience::Pupils(vec![a]).team_of(a), 0);
        let group = [a, b, c];
        assert!(teams.check(&group).is_ok());
        assert!(Audience::Group.check(&[]).is_ok());
        let reason = |au: Audience| au.check(&group).err().map(|e| e.reason);
        assert_eq!(reason(Audience::Pupils(vec![d])), Some(crate::error::Reason::OutOfRange));
        assert_eq!(reason(Audience::Teams(vec![vec![a], vec![a, b]])), Some(crate::error::Reason::OutOfRange));
        assert_eq!(reason(Audience::Teams(vec![vec![a], vec![]])), Some(crate::error::Reason::Empty));
        assert_eq!(reason(Audience::Pupils(vec![])), Some(crate::error::Reason::Empty));
    }
}
