//! The JSON shapes of assignments and hand-ins.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tavle_app::assignments::{AssignmentView, Invigilation, PupilStatus};
use tavle_app::AppError;
use tavle_core::assignments::Audience;
use tavle_core::assignments::{FileRef, HandIn, Handout};
use tavle_core::Timestamp;
use utoipa::ToSchema;

use crate::error::ApiError;

fn time(ms: i64) -> String {
    Timestamp(ms).to_rfc3339()
}

/// A file of a hand-in.
#[derive(Serialize, ToSchema)]
pub struct HandInFileWire {
    pub name: String,
    pub size: i64,
    pub sha256: String,
}

fn file_wire(f: &FileRef) -> HandInFileWire {
    HandInFileWire { name: f.name.clone(), size: f.size, sha256: f.sha256.clone() }
}

/// A hand-in: a frozen snapshot of files, with its signed receipt.
#[derive(Serialize, ToSchema)]
pub struct HandInWire {
    pub id: String,
    pub assignment_id: String,
    /// The pupil who handed it in.
    pub pupil_id: String,
    /// The team it counts for (0: the pupil alone).
    pub team: u32,
    pub handed_in_at: String,
    /// Seconds after the deadline; 0 when on time.
    pub late_by_secs: i64,
    pub files: Vec<HandInFileWire>,
    /// The signed receipt (the file the pupil keeps; `tavle receipt verify` checks it), as
    /// it was signed and stored.
    #[schema(value_type = Object)]
    pub receipt: Box<RawValue>,
    /// The teacher's feedback (a pupil sees it once it is returned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
    /// On the 7-point scale: `-3`, `00`, `02`, `4`, `7`, `10` or `12`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returned_at: Option<String>,
    /// The teacher asks for a new hand-in.
    pub resubmission_requested: bool,
    /// Files given back with the feedback (a pupil sees them once it is returned).
    pub feedback_files: Vec<HandInFileWire>,
}

/// A teacher's feedback on a hand-in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackChange {
    pub feedback: Option<String>,
    /// `-3`, `00`, `02`, `4`, `7`, `10` or `12`; absent or null for none.
    pub grade: Option<String>,
    /// Return it to the pupil (they see the feedback and grade from then on).
    #[serde(default)]
    pub returned: bool,
    /// Ask the pupil for a new hand-in.
    #[serde(default)]
    pub resubmission_requested: bool,
}

/// Stored JSON as the wire sends it. Stored JSON that does not read is a broken database,
/// answered as an internal error (and logged), never sent as `null`.
fn stored_json(json: &str, what: &str) -> Result<Box<RawValue>, ApiError> {
    RawValue::from_string(json.to_string())
        .map_err(|e| ApiError::App(AppError::Internal(format!("the stored {what} is not JSON: {e}"))))
}

impl TryFrom<&HandIn> for HandInWire {
    type Error = ApiError;
    fn try_from(h: &HandIn) -> Result<Self, ApiError> {
        Ok(HandInWire {
            id: h.id.to_string(),
            assignment_id: h.assignment_id.to_string(),
            pupil_id: h.pupil_id.to_string(),
            team: h.team,
            handed_in_at: time(h.handed_in_at),
            late_by_secs: h.late_by_secs,
            files: h.files.iter().map(file_wire).collect(),
            receipt: stored_json(h.receipt.as_str(), &format!("receipt of hand-in {}", h.id))?,
            feedback: h.feedback.text.clone(),
            grade: h.feedback.grade.map(|g| g.code()),
            returned_at: h.feedback.returned_at.map(time),
            resubmission_requested: h.feedback.resubmission_requested,
            feedback_files: h.feedback.files.iter().map(file_wire).collect(),
        })
    }
}

/// An assignment as the caller sees it.
#[derive(Serialize, ToSchema)]
pub struct AssignmentWire {
    pub id: String,
    pub group_id: String,
    pub group_name: String,
    pub title: String,
    pub instructions: String,
    /// `assignment`, `exam` or `closed_exam`.
    pub mode: &'static str,
    /// Absent while it is a draft.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<String>,
    pub deadline: String,
    /// The caller's own deadline: with their extra time.
    pub my_deadline: String,
    /// The caller's extra time in seconds.
    pub extra_secs: i64,
    pub late_allowed: bool,
    pub resubmit_allowed: bool,
    /// Whether the caller manages it (teachers of the group, admins).
    pub manages: bool,
    /// The caller's current hand-in, if they have handed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_hand_in: Option<HandInWire>,
    /// What the teacher changed after it opened, oldest first.
    pub changes: Vec<AssignmentChangeWire>,
    /// `group` (every pupil of the class or team), `pupils` or `teams`.
    pub audience: &'static str,
    /// For its teachers: the pupils it is for (`pupils`), or the teams (`teams`), by id.
    pub pupils: Vec<String>,
    pub teams: Vec<Vec<String>>,
    /// The files handed out, in order (download: `…/files/{position}`); in the list of
    /// assignments, and for an exam's pupils before it begins, empty.
    pub files: Vec<HandoutWire>,
    /// For a pupil, on the assignment's own page once it has opened for them: their (or their
    /// team's) working folder in the drive, with the template in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_folder_id: Option<String>,
    /// For a pupil in a team: its number, and everyone in it by name.
    pub team: u32,
    pub team_names: Vec<String>,
    /// Where it stands for the caller on the server's clock, with their extra time: `draft`,
    /// `not_yet_open`, `open`, `late` (taking hand-ins, marked late) or `closed`.
    pub phase: &'static str,
    /// Whether the 7-point scale is offered for its class or team (from 8th grade by
    /// default); written feedback always is.
    pub grades: bool,
}

/// A file handed out with an assignment.
#[derive(Serialize, ToSchema)]
pub struct HandoutWire {
    /// `attachment` (to read) or `template` (copied into each working folder).
    pub kind: &'static str,
    pub name: String,
    pub size: i64,
    pub sha256: String,
}

impl From<&Handout> for HandoutWire {
    fn from(f: &Handout) -> Self {
        HandoutWire { kind: f.kind.code(), name: f.name.clone(), size: f.size, sha256: f.sha256.clone() }
    }
}

/// A change to an assignment after it opened.
#[derive(Serialize, ToSchema)]
pub struct AssignmentChangeWire {
    pub at: String,
    /// The fields changed: `{"field": "deadline", "from": …, "to": …}`; `instructions` has
    /// no from and to.
    #[schema(value_type = Vec<Object>)]
    pub fields: Box<RawValue>,
}

impl TryFrom<&AssignmentView> for AssignmentWire {
    type Error = ApiError;
    fn try_from(v: &AssignmentView) -> Result<Self, ApiError> {
        let a = &v.assignment;
        Ok(AssignmentWire {
            id: a.id.to_string(),
            group_id: a.group_id.to_string(),
            group_name: v.group_name.clone(),
            title: a.title.clone(),
            instructions: a.instructions.clone(),
            mode: a.mode.code(),
            opens_at: a.opens_at.map(time),
            deadline: time(a.deadline),
            my_deadline: time(a.deadline + v.extra_secs * 1000),
            extra_secs: v.extra_secs,
            late_allowed: a.late_allowed,
            resubmit_allowed: a.resubmit_allowed,
            manages: v.manages,
            my_hand_in: v.my_hand_in.as_ref().map(HandInWire::try_from).transpose()?,
            changes: v
                .changes
                .iter()
                .map(|c| {
                    Ok(AssignmentChangeWire {
                        at: time(c.at),
                        fields: stored_json(&c.fields, &format!("change of assignment {}", a.id))?,
                    })
                })
                .collect::<Result<_, ApiError>>()?,
            audience: a.audience.code(),
            pupils: match (&a.audience, v.manages) {
                (Audience::Pupils(p), true) => p.iter().map(ToString::to_string).collect(),
                _ => vec![],
            },
            teams: match (&a.audience, v.manages) {
                (Audience::Teams(t), true) => {
                    t.iter().map(|team| team.iter().map(ToString::to_string).collect()).collect()
                }
                _ => vec![],
            },
            files: v.handouts.iter().map(HandoutWire::from).collect(),
            work_folder_id: v.work_folder.map(|n| n.to_string()),
            team: v.team,
            team_names: v.team_names.clone(),
            phase: v.phase.code(),
            grades: v.grades,
        })
    }
}

/// A new assignment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssignment {
    /// The class or team it is for.
    pub group_id: String,
    pub title: String,
    #[serde(default)]
    pub instructions: String,
    /// `assignment` (default), `exam` or `closed_exam`.
    pub mode: Option<String>,
    /// RFC 3339; absent keeps it a draft.
    pub opens_at: Option<String>,
    /// RFC 3339.
    pub deadline: String,
    #[serde(default)]
    pub late_allowed: bool,
    #[serde(default)]
    pub resubmit_allowed: bool,
    /// `group` (default: every pupil of the class or team), `pupils` (those in `pupils`) or
    /// `teams` (the teams in `teams`, who hand in together).
    pub audience: Option<String>,
    #[serde(default)]
    pub pupils: Vec<String>,
    #[serde(default)]
    pub teams: Vec<Vec<String>>,
    /// Files of the caller's drive to hand out, by id, taken as they are now. With
    /// `template`: when either is given, the files handed out become these; when both are
    /// absent, a change keeps the files it has.
    pub attachments: Option<Vec<String>>,
    /// A file of the caller's drive copied into each pupil's (or team's) working folder.
    pub template: Option<String>,
}

/// Files of the pupil's drive to hand in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandInFiles {
    pub node_ids: Vec<String>,
}

/// One pupil's standing on an assignment.
#[derive(Serialize, ToSchema)]
pub struct PupilStatusWire {
    pub pupil_id: String,
    pub name: String,
    /// The team they hand in with (0: on their own).
    pub team: u32,
    /// `handed_in`, `late` or `missing`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hand_in: Option<HandInWire>,
}

/// `handed_in`, `late` or `missing`.
fn status_of(p: &PupilStatus) -> &'static str {
    match &p.hand_in {
        None => "missing",
        Some(h) if h.late_by_secs > 0 => "late",
        Some(_) => "handed_in",
    }
}

impl TryFrom<&PupilStatus> for PupilStatusWire {
    type Error = ApiError;
    fn try_from(p: &PupilStatus) -> Result<Self, ApiError> {
        Ok(PupilStatusWire {
            pupil_id: p.pupil_id.to_string(),
            name: p.name.clone(),
            team: p.team,
            status: status_of(p),
            hand_in: p.hand_in.as_ref().map(HandInWire::try_from).transpose()?,
        })
    }
}

/// Extra time for one pupil.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraTime {
    /// Seconds after the deadline (0 removes it; at most 7 days).
    pub extra_secs: i64,
}

/// The invigilator's view of an exam at one moment.
#[derive(Serialize, ToSchema)]
pub struct InvigilationWire {
    /// The server's time (RFC 3339): what the exam's clock says.
    pub now: String,
    /// `draft`, `not_yet_open`, `open`, `late` or `closed` (for a pupil without extra time).
    pub phase: &'static str,
    pub not_started: usize,
    pub working: usize,
    pub handed_in: usize,
    pub pupils: Vec<InvigilatedPupilWire>,
}

/// One pupil in the invigilator's view.
#[derive(Serialize, ToSchema)]
pub struct InvigilatedPupilWire {
    pub pupil_id: String,
    pub name: String,
    /// `not_started`, `working` (opened the exam, not handed in) or `handed_in`.
    pub state: &'static str,
    pub extra_secs: i64,
    /// Their own deadline, with extra time.
    pub deadline: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handed_in_at: Option<String>,
    pub late_by_secs: i64,
}

impl From<&Invigilation> for InvigilationWire {
    fn from(v: &Invigilation) -> Self {
        let count = |s: &str| v.pupils.iter().filter(|p| p.state.code() == s).count();
        InvigilationWire {
            now: time(v.now),
            phase: v.phase.code(),
            not_started: count("not_started"),
            working: count("working"),
            handed_in: count("handed_in"),
            pupils: v
                .pupils
                .iter()
                .map(|p| InvigilatedPupilWire {
                    pupil_id: p.pupil_id.to_string(),
                    name: p.name.clone(),
                    state: p.state.code(),
                    extra_secs: p.extra_secs,
                    deadline: time(p.deadline),
                    opened_at: p.opened_at.map(time),
                    handed_in_at: p.handed_in_at.map(time),
                    late_by_secs: p.late_by_secs,
                })
                .collect(),
        }
    }
}

/// A class's or team's assignments with every pupil's standing on each: the teacher's
/// overview per class.
#[derive(Serialize, ToSchema)]
pub struct ClassOverviewWire {
    /// Whether the 7-point scale is offered for this class or team.
    pub grades: bool,
    /// Soonest deadline first.
    pub assignments: Vec<OverviewAssignmentWire>,
}

#[derive(Serialize, ToSchema)]
pub struct OverviewAssignmentWire {
    pub id: String,
    pub title: String,
    pub mode: &'static str,
    /// Absent while it is a draft.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<String>,
    pub deadline: String,
    /// The pupils it is for, each with their status (`handed_in`, `late`, `missing`) and grade.
    pub pupils: Vec<OverviewCellWire>,
}

#[derive(Serialize, ToSchema)]
pub struct OverviewCellWire {
    pub pupil_id: String,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<&'static str>,
    /// Whether the feedback has been returned.
    pub returned: bool,
}

impl ClassOverviewWire {
    pub fn new(grades: bool, all: &[(tavle_core::assignments::Assignment, Vec<PupilStatus>)]) -> Self {
        let assignments = all
            .iter()
            .map(|(a, pupils)| OverviewAssignmentWire {
                id: a.id.to_string(),
                title: a.title.clone(),
                mode: a.mode.code(),
                opens_at: a.opens_at.map(time),
                deadline: time(a.deadline),
                pupils: pupils
                    .iter()
                    .map(|p| OverviewCellWire {
                        pupil_id: p.pupil_id.to_string(),
                        status: status_of(p),
                        grade: p.hand_in.as_ref().and_then(|h| h.feedback.grade.map(|g| g.code())),
                        returned: p.hand_in.as_ref().is_some_and(|h| h.feedback.returned_at.is_some()),
                    })
                    .collect(),
            })
            .collect();
        ClassOverviewWire { grades, assignments }
    }
}

#[cfg(test)]
mod tests {
    //! Stored JSON that does not read is an error, never a `null` in the answer.

    use tavle_app::AppError;
    use tavle_core::assignments::{Feedback, HandIn};
    use tavle_core::{AssignmentId, HandInId, PersonId, TenantId};

    use super::HandInWire;
    use crate::error::ApiError;

    fn hand_in(receipt: &str) -> HandIn {
        HandIn {
            id: HandInId::new(),
            tenant_id: TenantId::new(),
            assignment_id: AssignmentId::new(),
            pupil_id: PersonId::new(),
            team: 0,
            idempotency_key: "k".into(),
            started_at: 0,
            handed_in_at: 0,
            late_by_secs: 0,
            withdrawn_at: None,
            receipt: tavle_core::assignments::IssuedReceipt::new(receipt.into()),
            files: vec![],
            feedback: Feedback::default(),
        }
    }

    #[test]
    fn a_stored_receipt_is_sent_as_it_was_signed_and_a_broken_one_is_an_internal_error() {
        let signed = "{\n  \"receipt\": {\"version\": 1},\n  \"signature\": \"ab\"\n}";
        let wire = HandInWire::try_from(&hand_in(signed)).expect("a receipt that reads");
        assert_eq!(wire.receipt.get(), signed, "byte for byte");
        match HandInWire::try_from(&hand_in("{\"receipt\": ")) {
            Err(ApiError::App(AppError::Internal(why))) => assert!(why.contains("receipt of hand-in"), "{why}"),
            Err(e) => panic!("not an internal error: {e:?}"),
            Ok(_) => panic!("a broken receipt was sent"),
        }
    }
}
