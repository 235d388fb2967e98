//! What running exams shut. While a closed exam runs for a pupil, their drives, shares
//! and search are shut to them; the exam page, its working folder and handing in stay open
//! (`policy::exams_allow` decides; this loads the facts it decides on).

use tavle_core::assignments::Assignment;
use tavle_core::assignments::{Mode, Phase, Window};
use tavle_core::drive::Node;
use tavle_core::org::MemberRole;
use tavle_core::policy::{exams_allow, Actor, DuringExams, RunningExam};
use tavle_core::{AssignmentId, GroupId, PersonId, Timestamp};
use tavle_store::Db;

use super::AccessControl;
use crate::error::{AppError, AppResult};
use crate::Conflict;

/// The most extra time a pupil can be given (seconds).
pub const MAX_EXTRA_SECS: i64 = 7 * 86_400;

/// An assignment's clock.
pub(crate) fn window(a: &Assignment) -> Window {
    Window {
        opens_at: a.opens_at.map(Timestamp),
        deadline: Timestamp(a.deadline),
        late_allowed: a.late_allowed,
        mode: a.mode,
    }
}

/// Where a pupil's work goes: their own slot, or their team's.
pub(crate) fn slot(row: &Assignment, pupil: PersonId) -> String {
    match row.audience.team_of(pupil) {
        0 => pupil.to_string(),
        team => format!("team-{team}"),
    }
}

impl AccessControl {
    /// The exams running for the actor now: they are its pupil, it has opened, and their own
    /// deadline (with extra time) has not passed. Usually one; two may overlap (extra time on
    /// one, the next already begun).
    pub(crate) async fn running_exams<C>(&self, db: &mut Db<C>, a: &Actor) -> AppResult<Vec<Assignment>>
    where
        C: tavle_store::DbHandle,
    {
        let groups: Vec<GroupId> =
            a.memberships.iter().filter(|m| m.role == MemberRole::Pupil).map(|m| m.group_id).collect();
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let now: Timestamp = self.clock.now();
        let mut running = Vec::new();
        for row in db.exams_around(a.tenant_id, &groups, now.millis(), MAX_EXTRA_SECS * 1000).await? {
            if row.audience.listed().is_some_and(|l| !l.contains(&a.person_id)) {
                continue;
            }
            let extra = db.extra_time(a.tenant_id, row.id, a.person_id).await?;
            if window(&row).phase(extra, now) == Phase::Open {
                running.push(row);
            }
        }
        Ok(running)
    }

    /// When the exams shutting things for the actor next change (one begins or ends for them),
    /// within the next day: an open document checks its access again then, so an exam locks a
    /// pupil's other documents the moment it begins.
    pub(crate) async fn next_exam_change(&self, a: &Actor) -> AppResult<Option<Timestamp>> {
        const AHEAD_MS: i64 = 86_400_000;
        let groups: Vec<GroupId> =
            a.memberships.iter().filter(|m| m.role == MemberRole::Pupil).map(|m| m.group_id).collect();
        if groups.is_empty() {
            return Ok(None);
        }
        let now = self.clock.now().millis();
        let mut db = self.store.read().await?;
        let reach = MAX_EXTRA_SECS * 1000 + AHEAD_MS;
        let mut next: Option<i64> = None;
        for row in db.exams_around(a.tenant_id, &groups, now + AHEAD_MS, reach).await? {
            if row.audience.listed().is_some_and(|l| !l.contains(&a.person_id)) {
                continue;
            }
            let extra = db.extra_time(a.tenant_id, row.id, a.person_id).await?;
            let end = row.deadline + extra * 1000;
            for t in row.opens_at.into_iter().chain([end]) {
                if t > now {
                    next = Some(next.map_or(t, |n| n.min(t)));
                }
            }
        }
        Ok(next.map(Timestamp))
    }

    /// The running exams as the policy's facts.
    async fn running_facts<C>(&self, db: &mut Db<C>, a: &Actor) -> AppResult<(Vec<Assignment>, Vec<RunningExam>)>
    where
        C: tavle_store::DbHandle,
    {
        let rows = self.running_exams(db, a).await?;
        let facts = rows
            .iter()
            .map(|r| RunningExam { assignment: r.id, closed: r.mode == (Mode::Exam { closed: true }) })
            .collect();
        Ok((rows, facts))
    }

    /// Refuses sharing and links while an exam runs for the actor (`policy::exams_allow`).
    pub(crate) async fn exams_allow_sharing(&self, a: &Actor) -> AppResult<()> {
        let mut conn = self.store.read().await?;
        let (_, running) = self.running_facts(&mut conn, a).await?;
        if exams_allow(&running, DuringExams::Share) {
            Ok(())
        } else {
            Err(Conflict::ExamRunning.into())
        }
    }

    /// Refuses an assignment other than the running exams while a closed one runs for the
    /// actor (`policy::exams_allow`).
    pub(crate) async fn exams_allow_assignment(&self, a: &Actor, id: AssignmentId) -> AppResult<()> {
        let mut conn = self.store.read().await?;
        let (_, running) = self.running_facts(&mut conn, a).await?;
        if exams_allow(&running, DuringExams::Assignment(id)) {
            Ok(())
        } else {
            Err(AppError::ExamLocked)
        }
    }

    /// Of `rows`, those the exams running for the actor let them reach.
    pub(crate) async fn exams_filter_assignments(&self, a: &Actor, rows: &mut Vec<Assignment>) -> AppResult<()> {
        let mut conn = self.store.read().await?;
        let (_, running) = self.running_facts(&mut conn, a).await?;
        rows.retain(|r| exams_allow(&running, DuringExams::Assignment(r.id)));
        Ok(())
    }

    /// Refuses the drive to a pupil while a closed exam runs for them.
    pub(crate) async fn exam_lock<C>(&self, db: &mut Db<C>, a: &Actor) -> AppResult<()>
    where
        C: tavle_store::DbHandle,
    {
        self.exam_lock_at(db, a, &[]).await
    }

    /// Refuses `path` (root first) of the drive to a pupil as the exams running for them say
    /// (`policy::exams_allow`): during a closed exam, all but their working folders of the
    /// running exams.
    pub(crate) async fn exam_lock_at<C>(
        &self,
        db: &mut Db<C>,
        a: &Actor,
        path: &[tavle_core::drive::Node],
    ) -> AppResult<()>
    where
        C: tavle_store::DbHandle,
    {
        let (rows, running) = self.running_facts(db, a).await?;
        if exams_allow(&running, DuringExams::Drive { in_exam_work: false }) {
            return Ok(());
        }
        let mut in_exam_work = false;
        if !path.is_empty() {
            for row in &rows {
                if self.in_exam_work(db, a, row, path).await? {
                    in_exam_work = true;
                    break;
                }
            }
        }
        if exams_allow(&running, DuringExams::Drive { in_exam_work }) {
            Ok(())
        } else {
            Err(AppError::ExamLocked)
        }
    }

    /// Whether `path` (root first) is in the actor's working folder of `exam`: what the
    /// closed-exam lock lets through.
    async fn in_exam_work<C>(
        &self,
        db: &mut tavle_store::Db<C>,
        a: &Actor,
        exam: &Assignment,
        path: &[Node],
    ) -> AppResult<bool>
    where
        C: tavle_store::DbHandle,
    {
        let Some(w) = db.work(a.tenant_id, exam.id, &slot(exam, a.person_id)).await? else { return Ok(false) };
        Ok(path.iter().any(|n| n.id == w.folder_id))
    }
}
