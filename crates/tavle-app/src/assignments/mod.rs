//! Assignments and hand-ins: a teacher hands out an assignment to a class or team; its pupils
//! hand in files (uploaded, or from their drive) as a frozen snapshot and get a signed
//! receipt; the teacher sees who has handed in, who is late and who has not.
//!
//! Decisions:
//! - A hand-in refers to the blobs of its files, which never change: later edits of the
//!   working copy cannot reach it, and nothing is copied.
//! - Every hand-in request carries an idempotency key (the client's, per attempt): a retry
//!   with the same key gets the same hand-in and the same receipt, byte for byte, however
//!   often it is sent and whatever happened to the first answer.
//! - The server's clock decides: when the request began and when it was recorded. A hand-in
//!   begun before the deadline and recorded within `hand_in_grace_secs` after it is on time.
//! - Handing in again (where allowed) supersedes the earlier hand-in, which is kept.

use tavle_core::assignments::{Assignment, AssignmentChange, Feedback, HandIn, Handout, HandoutKind};

use crate::{Conflict, Opened};
use serde_json::json;
use tavle_core::assignments::{Audience, Mode};
use tavle_core::policy::{allows, hands_in, may_manage_assignments, Action, Actor, AssignmentFacts, GroupFacts};
use tavle_core::{AssignmentId, GroupId, InvalidInput, NodeId, Reason, Timestamp};

use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};

mod exams;
mod export;
mod feedback;
mod hand_in;
mod handed_documents;
mod marking;
mod record;
mod work;

pub use exams::{ExamState, InvigilatedPupil, Invigilation};
pub use export::HandInsZip;
pub(crate) use record::HandInJob;

pub use crate::access::MAX_EXTRA_SECS;
use crate::access::{window, AccessControl};
use crate::batch::{Batcher, BatcherOf};
use crate::content::Content;
use crate::documents::Documents;
use crate::receipts::ReceiptKey;
use crate::Base;
use std::sync::Arc;

/// The assignments' use cases. Depends on access (what a pupil may reach, the exam rules)
/// and content (bytes in and out); never on the drive.
#[derive(Clone)]
pub struct Assignments {
    base: Arc<Base>,
    pub(crate) access: AccessControl,
    pub(crate) content: Content,
    /// Handing in a Tavle document freezes it; a teacher comments on what was handed in.
    pub(crate) documents: Documents,
    /// Hand-ins waiting to be recorded together (`crate::batch`).
    hand_ins: Arc<Batcher<HandInJob>>,
    /// The key that signs receipts, read (or made) on first use.
    receipt_key: Arc<tokio::sync::OnceCell<ReceiptKey>>,
}
crate::service!(Assignments);

impl BatcherOf<HandInJob> for Assignments {
    fn batcher(&self) -> &Arc<Batcher<HandInJob>> {
        &self.hand_ins
    }
}

impl Assignments {
    pub(crate) fn new(base: Arc<Base>, access: AccessControl, content: Content, documents: Documents) -> Self {
        Assignments { base, access, content, documents, hand_ins: Arc::default(), receipt_key: Arc::default() }
    }

    /// The instance's receipt-signing key: read from the database, or made by the first node
    /// that needs it (every node then signs with the same key).
    pub async fn receipt_key(&self) -> AppResult<ReceiptKey> {
        let key = self
            .receipt_key
            .get_or_try_init(|| async {
                let stored = crate::instance_keys::get_or_make(&self.base, "receipt-ed25519", || {
                    let fresh = ReceiptKey::from_secret(crate::instance_keys::random_32());
                    tavle_store::keys::InstanceKey { secret: fresh.secret_hex(), public_key: fresh.public_hex() }
                })
                .await?;
                ReceiptKey::from_secret_hex(&stored.secret)
                    .map_err(|e| AppError::Internal(format!("the stored receipt key: {e}")))
            })
            .await?;
        Ok(key.clone())
    }
}

/// The refusal of a hand-in to an assignment that does not take one now.
fn not_open() -> AppError {
    AppError::Conflict(Conflict::NotOpenForHandIns)
}

/// The largest file a hand-in takes.
pub const MAX_HAND_IN_FILE: u64 = 2 << 30;

/// What a teacher writes when creating or changing an assignment.
#[derive(Clone, Debug)]
pub struct AssignmentDraft {
    pub group_id: GroupId,
    pub title: String,
    pub instructions: String,
    pub mode: Mode,
    /// `None` keeps it a draft.
    pub opens_at: Option<Timestamp>,
    pub deadline: Timestamp,
    pub late_allowed: bool,
    pub resubmit_allowed: bool,
    /// Who it is for.
    pub audience: Audience,
    /// The files to hand out, taken from the teacher's drive as they are now; `None` keeps
    /// those it has (none, for a new one).
    pub handouts: Option<Handouts>,
}

/// Files of the teacher's drive to hand out with an assignment.
#[derive(Clone, Debug, Default)]
pub struct Handouts {
    /// To read.
    pub attachments: Vec<NodeId>,
    /// Copied into each pupil's (or team's) working folder when it opens for them.
    pub template: Option<NodeId>,
}

/// An assignment as the caller sees it.
#[derive(Clone, Debug)]
pub struct AssignmentView {
    pub assignment: Assignment,
    pub group_name: String,
    /// Whether the caller manages it (a teacher of the group, an admin).
    pub manages: bool,
    /// For a pupil: their current hand-in.
    pub my_hand_in: Option<HandIn>,
    /// What was changed after it opened, oldest first.
    pub changes: Vec<AssignmentChange>,
    /// The caller's own extra time (seconds after the deadline).
    pub extra_secs: i64,
    /// The files handed out (for a pupil, an exam's only once it has begun for them).
    pub handouts: Vec<Handout>,
    /// For a pupil: their (or their team's) working folder, once it has opened for them.
    pub work_folder: Option<NodeId>,
    /// For a pupil in a team: its number and the names of everyone in it.
    pub team: u32,
    pub team_names: Vec<String>,
    /// Where the assignment stands for the caller on the server's clock (with their extra
    /// time), so no device's clock decides what a pupil is shown.
    pub phase: tavle_core::assignments::Phase,
    /// Whether the 7-point scale is offered for its group.
    pub grades: bool,
}

/// Where one pupil stands on an assignment, for its teachers.
#[derive(Clone, Debug)]
pub struct PupilStatus {
    pub pupil_id: tavle_core::PersonId,
    pub name: String,
    /// The team they hand in with (0: on their own).
    pub team: u32,
    pub hand_in: Option<HandIn>,
}

/// A hand-in to make: uploaded bytes, or files of the pupil's drive.
pub enum HandInSource<S> {
    Upload { name: String, body: S },
    Files(Vec<NodeId>),
}

/// What an assignment needs to know of its class or team.
#[derive(Clone, Debug)]
pub(crate) struct GroupInfo {
    pub facts: GroupFacts,
    pub name: String,
    /// Whether the 7-point scale is offered for the group's work.
    pub grades: bool,
}

/// An assignment the caller may see, and as whom.
pub(crate) struct Visible {
    pub row: Assignment,
    pub group_name: String,
    /// A teacher of its group, or an admin of its school.
    pub manages: bool,
    /// One of its pupils (it is published).
    pub pupil: bool,
    /// Whether the 7-point scale is offered for its group.
    pub grades: bool,
}

impl Visible {
    /// Whether an exam's paper and files are still kept from this caller: a pupil, before the
    /// exam begins for them (with `extra_secs` of extra time).
    fn paper_hidden(&self, extra_secs: i64, now: Timestamp) -> bool {
        !self.manages
            && matches!(self.row.mode, Mode::Exam { .. })
            && window(&self.row).phase(extra_secs, now) == tavle_core::assignments::Phase::NotYetOpen
    }
}

/// The display names of these people, in order (the people of a team, on its receipt).
async fn names_of<C>(
    conn: &mut tavle_store::Db<C>,
    tenant: tavle_core::TenantId,
    people: &[tavle_core::PersonId],
) -> AppResult<Vec<String>>
where
    C: tavle_store::DbHandle,
{
    let mut out = Vec::with_capacity(people.len());
    for p in people {
        out.push(conn.person(tenant, *p).await?.map(|p| p.display_name).unwrap_or_default());
    }
    Ok(out)
}

fn visible(a: &Actor, row: Assignment, g: GroupInfo) -> Option<Visible> {
    let GroupInfo { facts: g, name: group_name, grades } = g;
    let manages = may_manage_assignments(a, &g);
    let listed = row.audience.listed();
    let facts = AssignmentFacts { group: g, published: row.opens_at.is_some(), pupils: listed.as_deref() };
    let pupil = hands_in(a, &facts);
    (manages || pupil).then_some(Visible { row, group_name, manages, pupil, grades })
}

/// A hand-in as its pupil sees it: the teacher's feedback only once it is returned.
fn for_pupil(mut h: HandIn) -> HandIn {
    if h.feedback.returned_at.is_none() {
        h.feedback = Feedback::default();
    }
    h
}

/// An assignment with what the teacher wrote in `d`.
fn with_draft(row: Assignment, d: &AssignmentDraft, now: i64) -> Assignment {
    Assignment {
        title: tavle_core::names::display_text("title", &d.title, 200).unwrap_or_default(),
        instructions: d.instructions.clone(),
        mode: d.mode,
        opens_at: d.opens_at.map(|t| t.millis()),
        deadline: d.deadline.millis(),
        late_allowed: d.late_allowed,
        resubmit_allowed: d.resubmit_allowed,
        audience: d.audience.clone(),
        updated_at: now,
        ..row
    }
}

fn check_draft(d: &AssignmentDraft) -> AppResult<()> {
    let bad = |field, reason, msg: &str| Err(AppError::from(InvalidInput::new(field, reason, msg)));
    // A title is a name like any other: no line breaks, NUL or direction overrides.
    tavle_core::names::display_text("title", &d.title, 200)?;
    if d.instructions.chars().count() > 50_000 {
        return bad("instructions", Reason::TooLong, "The instructions are longer than 50,000 characters.");
    }
    if d.opens_at.is_some_and(|o| o >= d.deadline) {
        return bad("deadline", Reason::OutOfRange, "The deadline must come after the opening time.");
    }
    if matches!(d.mode, Mode::Exam { .. }) && d.late_allowed {
        return bad("late_allowed", Reason::OutOfRange, "An exam takes no late hand-ins.");
    }
    Ok(())
}

impl Assignments {
    async fn group_facts(&self, a: &Actor, group: GroupId) -> AppResult<GroupInfo> {
        let g = self.store.read().await?.group(a.tenant_id, group).await?.ok_or(AppError::NotFound("class or team"))?;
        Ok(GroupInfo {
            facts: GroupFacts { tenant_id: g.tenant_id, school_id: g.school_id, group_id: g.id },
            grades: tavle_core::assignments::grades_given(&g.kind, self.cfg.grades_from_grade),
            name: g.name,
        })
    }

    /// Creates an assignment for a class or team (a draft while it has no opening time).
    pub async fn create_assignment(
        &self,
        s: &Session,
        d: &AssignmentDraft,
        meta: &RequestMeta,
    ) -> AppResult<Assignment> {
        let a = &s.actor;
        let g = self.group_facts(a, d.group_id).await?.facts;
        if !may_manage_assignments(a, &g) {
            // Those who may not even see the class are told it is not there.
            return Err(if allows(a, &Action::ViewGroup(&g)) {
                AppError::Forbidden
            } else {
                AppError::NotFound("class or team")
            });
        }
        check_draft(d)?;
        self.check_audience(a, d).await?;
        let handouts = match &d.handouts {
            Some(h) => self.freeze_handouts(a, h).await?,
            None => vec![],
        };
        let now = self.clock.now().millis();
        let row = with_draft(
            Assignment {
                id: AssignmentId::new(),
                tenant_id: a.tenant_id,
                school_id: g.school_id,
                group_id: d.group_id,
                title: String::new(),
                instructions: String::new(),
                mode: d.mode,
                opens_at: None,
                deadline: 0,
                late_allowed: false,
                resubmit_allowed: false,
                audience: Audience::Group,
                created_by: a.person_id,
                created_at: now,
                updated_at: now,
            },
            d,
            now,
        );
        let mut tx = self.store.write().await?;
        tx.put_assignment(&row).await?;
        tx.put_handouts(a.tenant_id, row.id, &handouts).await?;
        let detail = json!({ "group": d.group_id.to_string(), "title": row.title, "mode": row.mode.code(),
            "opens_at": row.opens_at, "deadline": row.deadline, "audience": row.audience.code(),
            "files": handouts.len() });
        tx.append_audit(&event(a, self.clock.now(), "assignment.create", row.id, meta, detail)).await?;
        tx.commit().await?;
        if row.mode != Mode::Assignment {
            // Open documents learn when this exam begins (they check their access then).
            self.access_changed();
        }
        Ok(row)
    }

    /// Changes an assignment: publishes a draft, moves the deadline, rewrites the text. Once
    /// it has opened, what changed is recorded for its pupils to see, and it cannot go back to
    /// being a draft or change between assignment and exam.
    pub async fn update_assignment(
        &self,
        s: &Session,
        id: AssignmentId,
        d: &AssignmentDraft,
        meta: &RequestMeta,
    ) -> AppResult<Assignment> {
        let a = &s.actor;
        let old = self.managed_assignment(a, id).await?;
        if d.group_id != old.group_id {
            return Err(InvalidInput::new(
                "group_id",
                Reason::OutOfRange,
                "An assignment stays with its class or team.",
            )
            .into());
        }
        check_draft(d)?;
        self.check_audience(a, d).await?;
        let now = self.clock.now();
        let opened = old.opens_at.is_some_and(|o| o <= now.millis());
        if opened && (d.opens_at.is_none() || d.mode != old.mode) {
            return Err(Conflict::AssignmentOpened(Opened::Mode).into());
        }
        let teams_changed = matches!((&old.audience, &d.audience), (Audience::Teams(_), _) | (_, Audience::Teams(_)))
            && old.audience != d.audience;
        if opened && teams_changed {
            return Err(Conflict::AssignmentOpened(Opened::Teams).into());
        }
        let old_files = self.store.read().await?.handouts(a.tenant_id, id).await?;
        let new_files = match &d.handouts {
            Some(h) => self.freeze_handouts(a, h).await?,
            None => old_files.clone(),
        };
        let template =
            |f: &[Handout]| f.iter().filter(|h| h.kind == HandoutKind::Template).cloned().collect::<Vec<_>>();
        if opened && template(&old_files) != template(&new_files) {
            return Err(Conflict::AssignmentOpened(Opened::Template).into());
        }
        let new = with_draft(old.clone(), d, now.millis());
        let mut fields = Vec::new();
        if new.title != old.title {
            fields.push(json!({ "field": "title", "from": old.title, "to": new.title }));
        }
        if new.instructions != old.instructions {
            fields.push(json!({ "field": "instructions" }));
        }
        if new.deadline != old.deadline {
            fields.push(json!({ "field": "deadline", "from": Timestamp(old.deadline).to_rfc3339(),
                "to": Timestamp(new.deadline).to_rfc3339() }));
        }
        if new.late_allowed != old.late_allowed {
            fields.push(json!({ "field": "late_allowed", "from": old.late_allowed, "to": new.late_allowed }));
        }
        if new.resubmit_allowed != old.resubmit_allowed {
            fields
                .push(json!({ "field": "resubmit_allowed", "from": old.resubmit_allowed, "to": new.resubmit_allowed }));
        }
        if new.audience != old.audience {
            fields.push(json!({ "field": "audience", "from": old.audience.code(), "to": new.audience.code() }));
        }
        if new_files != old_files {
            let names: Vec<&str> = new_files.iter().map(|f| f.name.as_str()).collect();
            fields.push(json!({ "field": "files", "to": names }));
        }
        let mut tx = self.store.write().await?;
        tx.put_assignment(&new).await?;
        tx.put_handouts(a.tenant_id, id, &new_files).await?;
        if opened && !fields.is_empty() {
            let change =
                AssignmentChange { at: now.millis(), changed_by: a.person_id, fields: json!(fields).to_string() };
            tx.insert_assignment_change(a.tenant_id, id, &change).await?;
        }
        let detail = json!({ "fields": fields, "opens_at": new.opens_at, "published": old.opens_at.is_none() && new.opens_at.is_some() });
        tx.append_audit(&event(a, now, "assignment.update", id, meta, detail)).await?;
        tx.commit().await?;
        // A new deadline or mode moves when exams begin and working copies close: open
        // documents look again.
        self.access_changed();
        Ok(new)
    }

    /// Deletes an assignment. One with hand-ins is deleted only when the teacher confirms
    /// (`confirmed`), since its pupils' hand-ins and receipts go with it; until then nothing
    /// changes and the answer says how many hand-ins there are.
    pub async fn delete_assignment(
        &self,
        s: &Session,
        id: AssignmentId,
        confirmed: bool,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        let a = &s.actor;
        let row = self.managed_assignment(a, id).await?;
        let mut tx = self.store.write().await?;
        let hand_ins = tx.hand_in_count(a.tenant_id, id).await?;
        if hand_ins > 0 && !confirmed {
            return Err(Conflict::HandInsWouldBeDeleted(hand_ins).into());
        }
        tx.delete_assignment(a.tenant_id, id).await?;
        let detail = json!({ "title": row.title, "hand_ins_deleted": hand_ins });
        tx.append_audit(&event(a, self.clock.now(), "assignment.delete", id, meta, detail)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives one pupil extra time on an assignment or exam (0 removes it), up to a week.
    pub async fn set_extra_time(
        &self,
        s: &Session,
        id: AssignmentId,
        pupil: tavle_core::PersonId,
        secs: i64,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        let a = &s.actor;
        let row = self.managed_assignment(a, id).await?;
        if !(0..=MAX_EXTRA_SECS).contains(&secs) {
            return Err(InvalidInput::new(
                "extra_secs",
                Reason::OutOfRange,
                "Extra time is between 0 and 7 days (in seconds).",
            )
            .into());
        }
        let members = self.store.read().await?.group_members(a.tenant_id, row.group_id).await?;
        if !members.iter().any(|m| m.person_id == pupil && m.role == tavle_core::org::MemberRole::Pupil) {
            return Err(AppError::NotFound("pupil"));
        }
        let mut tx = self.store.write().await?;
        tx.put_extra_time(a.tenant_id, id, pupil, secs).await?;
        let detail = json!({ "pupil": pupil.to_string(), "extra_secs": secs });
        tx.append_audit(&event(a, self.clock.now(), "assignment.extra_time", id, meta, detail)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Loads an assignment the caller manages (a teacher of its group, an admin of its
    /// school). One they only see is forbidden to them; one they cannot see is not found.
    pub(crate) async fn managed_assignment(&self, a: &Actor, id: AssignmentId) -> AppResult<Assignment> {
        let v = self.visible_assignment(a, id).await?;
        if !v.manages {
            return Err(AppError::Forbidden);
        }
        Ok(v.row)
    }

    /// Loads an assignment the caller may see: one they manage, or (published) one of theirs.
    pub(crate) async fn visible_assignment(&self, a: &Actor, id: AssignmentId) -> AppResult<Visible> {
        let row =
            self.store.read().await?.assignment(a.tenant_id, id).await?.ok_or(AppError::NotFound("assignment"))?;
        let g = self.group_facts(a, row.group_id).await?;
        let v = visible(a, row, g).ok_or(AppError::NotFound("assignment"))?;
        // During a closed exam its pupil reaches that exam and nothing else: no other
        // assignment's page, files, feedback or receipts (as the drive is locked).
        if !v.manages {
            self.access.exams_allow_assignment(a, id).await?;
        }
        Ok(v)
    }

    /// The caller's view of an assignment they may see; `full` (one assignment's page, not a
    /// list) adds the files handed out, the team and the working folder (made if need be).
    async fn view(&self, a: &Actor, v: Visible, full: bool, meta: &RequestMeta) -> AppResult<AssignmentView> {
        let id = v.row.id;
        let team = v.row.audience.team_of(a.person_id);
        let mut conn = self.store.read().await?;
        let mine = conn.hand_ins_of(a.tenant_id, id, a.person_id, team).await?;
        let my_hand_in = mine.into_iter().find(|h| h.withdrawn_at.is_none()).map(for_pupil);
        let changes = conn.assignment_changes(a.tenant_id, id).await?;
        let extra_secs = conn.extra_time(a.tenant_id, id, a.person_id).await?;
        let now = self.clock.now();
        let phase = window(&v.row).phase(extra_secs, now);
        let early = phase == tavle_core::assignments::Phase::NotYetOpen;
        let grades = v.grades;
        // An exam's paper stays with its teachers until the exam begins.
        let hidden = v.paper_hidden(extra_secs, now);
        let mut row = v.row;
        if hidden {
            row.instructions = String::new();
        }
        let (mut handouts, mut team_names, mut work_folder) = (vec![], vec![], None);
        if full {
            if !hidden {
                handouts = conn.handouts(a.tenant_id, id).await?;
            }
            team_names = names_of(&mut conn, a.tenant_id, row.audience.team(team)).await?;
            drop(conn);
            if v.pupil && !early {
                work_folder = match self.work_folder(a, &row, &handouts, meta).await {
                    Ok(f) => f,
                    // A full drive must not hide the assignment: the pupil can still upload
                    // a hand-in, and the folder is made on a later visit once there is room.
                    Err(AppError::QuotaExceeded { .. }) => None,
                    Err(e) => return Err(e),
                };
            }
        }
        Ok(AssignmentView {
            assignment: row,
            group_name: v.group_name,
            manages: v.manages,
            my_hand_in,
            changes,
            extra_secs,
            handouts,
            work_folder,
            team,
            team_names,
            phase,
            grades,
        })
    }

    /// One assignment, with the caller's own current hand-in.
    pub async fn assignment(&self, s: &Session, id: AssignmentId, meta: &RequestMeta) -> AppResult<AssignmentView> {
        let v = self.visible_assignment(&s.actor, id).await?;
        if v.pupil && matches!(v.row.mode, Mode::Exam { .. }) {
            self.note_exam_open(&s.actor, &v.row, meta).await?;
        }
        self.view(&s.actor, v, true, meta).await
    }

    /// The assignments of the caller's classes and teams: as a pupil the published ones, as a
    /// teacher all of the groups they teach. Soonest deadline first.
    pub async fn my_assignments(&self, s: &Session) -> AppResult<Vec<AssignmentView>> {
        let a = &s.actor;
        let groups: Vec<GroupId> = a.memberships.iter().map(|m| m.group_id).collect();
        let mut rows = self.store.read().await?.assignments_of(a.tenant_id, &groups).await?;
        self.access.exams_filter_assignments(a, &mut rows).await?;
        // Each group is read once, however many assignments it has.
        let mut facts: std::collections::HashMap<GroupId, GroupInfo> = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let g = match facts.get(&row.group_id) {
                Some(f) => f.clone(),
                None => {
                    let f = self.group_facts(a, row.group_id).await?;
                    facts.insert(row.group_id, f.clone());
                    f
                }
            };
            if let Some(v) = visible(a, row, g) {
                out.push(self.view(a, v, false, &RequestMeta::default()).await?);
            }
        }
        Ok(out)
    }
}
