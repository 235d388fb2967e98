//! Exams while they run: the invigilator's view (who has not started, who is working, who has
//! handed in), each pupil's first opening of the exam, and the closed-exam lock (while a
//! closed exam runs for a pupil, their drives, shares and search are shut to them; the exam
//! page, its working folder and handing in stay open).

use std::collections::HashMap;

use serde_json::json;
use tavle_core::assignments::Phase;
use tavle_core::policy::Actor;
use tavle_core::{AssignmentId, PersonId};

use super::window;
use super::Assignments;
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::AppResult;
use tavle_core::assignments::Assignment;

/// Where a pupil is in an exam.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExamState {
    /// Has not opened it since it began.
    NotStarted,
    /// Opened it, has not handed in.
    Working,
    HandedIn,
}

impl ExamState {
    pub fn code(self) -> &'static str {
        match self {
            ExamState::NotStarted => "not_started",
            ExamState::Working => "working",
            ExamState::HandedIn => "handed_in",
        }
    }
}

/// One pupil as the invigilator sees them.
#[derive(Clone, Debug)]
pub struct InvigilatedPupil {
    pub pupil_id: PersonId,
    pub name: String,
    pub state: ExamState,
    pub extra_secs: i64,
    /// The pupil's own deadline (with extra time).
    pub deadline: i64,
    pub opened_at: Option<i64>,
    pub handed_in_at: Option<i64>,
    pub late_by_secs: i64,
}

/// The invigilator's view of an exam (or any assignment) at one moment.
#[derive(Clone, Debug)]
pub struct Invigilation {
    pub now: i64,
    /// The phase for a pupil without extra time.
    pub phase: Phase,
    pub pupils: Vec<InvigilatedPupil>,
}

impl Assignments {
    /// Who has not started, who is working and who has handed in, with each pupil's own
    /// deadline (the assignment's teachers). Clients ask again every few seconds.
    pub async fn invigilation(&self, s: &Session, id: AssignmentId) -> AppResult<Invigilation> {
        let a = &s.actor;
        let row = self.managed_assignment(a, id).await?;
        let statuses = self.pupil_statuses(a, &row).await?;
        let mut conn = self.store.read().await?;
        let opened: HashMap<PersonId, i64> = conn.exam_starts(a.tenant_id, id).await?.into_iter().collect();
        let extra: HashMap<PersonId, i64> = conn.extra_times(a.tenant_id, id).await?.into_iter().collect();
        let now = self.clock.now();
        let pupils = statuses
            .into_iter()
            .map(|p| {
                let extra_secs = extra.get(&p.pupil_id).copied().unwrap_or(0);
                let opened_at = opened.get(&p.pupil_id).copied();
                let state = match (&p.hand_in, opened_at) {
                    (Some(_), _) => ExamState::HandedIn,
                    (None, Some(_)) => ExamState::Working,
                    (None, None) => ExamState::NotStarted,
                };
                InvigilatedPupil {
                    pupil_id: p.pupil_id,
                    name: p.name,
                    state,
                    extra_secs,
                    deadline: row.deadline + extra_secs * 1000,
                    opened_at,
                    handed_in_at: p.hand_in.as_ref().map(|h| h.handed_in_at),
                    late_by_secs: p.hand_in.as_ref().map_or(0, |h| h.late_by_secs),
                }
            })
            .collect();
        Ok(Invigilation { now: now.millis(), phase: window(&row).phase(0, now), pupils })
    }

    /// Notes (and audits, the first time) that a pupil opened an exam while it runs for them.
    pub(super) async fn note_exam_open(&self, a: &Actor, row: &Assignment, meta: &RequestMeta) -> AppResult<()> {
        let now = self.clock.now();
        {
            let mut conn = self.store.read().await?;
            let extra = conn.extra_time(a.tenant_id, row.id, a.person_id).await?;
            if window(row).phase(extra, now) != Phase::Open
                || conn.exam_start(a.tenant_id, row.id, a.person_id).await?.is_some()
            {
                return Ok(());
            }
        }
        let mut tx = self.store.write().await?;
        if tx.record_exam_start(a.tenant_id, row.id, a.person_id, now.millis()).await? {
            tx.append_audit(&event(
                a,
                now,
                "exam.open",
                row.id,
                meta,
                json!({ "closed": row.mode.code() == "closed_exam" }),
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
