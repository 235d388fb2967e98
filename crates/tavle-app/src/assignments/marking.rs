//! The teacher's side of hand-ins: who has handed in, reading them, feedback and grades.

use serde_json::json;
use tavle_blob::BlobKey;
use tavle_core::assignments::Grade;
use tavle_core::{AssignmentId, HandInId, InvalidInput, Reason};

use super::Assignments;
use super::{for_pupil, PupilStatus};
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};
use tavle_core::assignments::{Feedback, HandIn};

impl Assignments {
    /// Writes a teacher's feedback on a hand-in: text and an optional grade, kept from the
    /// pupil until `return_it`; `ask_again` asks the pupil for a new hand-in (which is then
    /// taken even after the deadline, marked late).
    #[allow(clippy::too_many_arguments)]
    pub async fn give_feedback(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        text: Option<String>,
        grade: Option<Grade>,
        return_it: bool,
        ask_again: bool,
        meta: &RequestMeta,
    ) -> AppResult<HandIn> {
        let a = &s.actor;
        let v = self.visible_assignment(a, id).await?;
        if !v.manages {
            return Err(AppError::Forbidden);
        }
        if grade.is_some() && !v.grades {
            return Err(InvalidInput::new(
                "grade",
                Reason::OutOfRange,
                "Grades on the 7-point scale are not given in this year group; give written feedback instead.",
            )
            .into());
        }
        if text.as_ref().is_some_and(|t| t.chars().count() > 50_000) {
            return Err(InvalidInput::new(
                "feedback",
                Reason::TooLong,
                "The feedback is longer than 50,000 characters.",
            )
            .into());
        }
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let mut h = tx
            .hand_in(a.tenant_id, hand_in)
            .await?
            .filter(|h| h.assignment_id == id)
            .ok_or(AppError::NotFound("hand-in"))?;
        h.feedback = Feedback {
            text: text.filter(|t| !t.trim().is_empty()),
            grade,
            returned_at: if return_it { Some(h.feedback.returned_at.unwrap_or(now.millis())) } else { None },
            resubmission_requested: ask_again,
            files: std::mem::take(&mut h.feedback.files),
        };
        tx.set_feedback(a.tenant_id, hand_in, &h.feedback).await?;
        let detail = json!({ "assignment": id.to_string(), "pupil": h.pupil_id.to_string(),
            "grade": grade.map(|g| g.code()), "returned": return_it, "resubmission": ask_again });
        tx.append_audit(&event(a, now, "hand_in.feedback", hand_in, meta, detail)).await?;
        tx.commit().await?;
        // Asking for a new hand-in opens a closed working copy again (and not asking any
        // more closes it): open documents there look again.
        self.access_changed();
        Ok(h)
    }

    /// Who has handed in, who is late and who has not: every pupil of the group with their
    /// current hand-in. For the assignment's teachers.
    pub async fn hand_in_overview(&self, s: &Session, id: AssignmentId) -> AppResult<Vec<PupilStatus>> {
        let row = self.managed_assignment(&s.actor, id).await?;
        self.pupil_statuses(&s.actor, &row).await
    }

    /// The teacher's overview of a class or team: each of its assignments with every pupil's
    /// standing on it, soonest deadline first (its teachers and the school's admins).
    pub async fn class_overview(
        &self,
        s: &Session,
        group: tavle_core::GroupId,
    ) -> AppResult<(bool, Vec<(tavle_core::assignments::Assignment, Vec<PupilStatus>)>)> {
        let a = &s.actor;
        let info = self.group_facts(a, group).await?;
        let g = info.facts;
        if !tavle_core::policy::may_manage_assignments(a, &g) {
            // Those who may not even see the class are told it is not there.
            let sees = tavle_core::policy::allows(a, &tavle_core::policy::Action::ViewGroup(&g));
            return Err(if sees { AppError::Forbidden } else { AppError::NotFound("class or team") });
        }
        let rows = self.store.read().await?.assignments_of(a.tenant_id, &[group]).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let statuses = self.pupil_statuses(a, &row).await?;
            out.push((row, statuses));
        }
        Ok((info.grades, out))
    }

    /// Every pupil of the assignment's group with their current hand-in, by name.
    pub(super) async fn pupil_statuses(
        &self,
        a: &tavle_core::policy::Actor,
        row: &tavle_core::assignments::Assignment,
    ) -> AppResult<Vec<PupilStatus>> {
        let id = row.id;
        let mut conn = self.store.read().await?;
        let members = conn.group_members(a.tenant_id, row.group_id).await?;
        let current = conn.current_hand_ins(a.tenant_id, id).await?;
        let listed = row.audience.listed();
        let mut out = Vec::new();
        let pupils = members.into_iter().filter(|m| m.role == tavle_core::org::MemberRole::Pupil);
        for m in pupils.filter(|m| listed.as_ref().is_none_or(|l| l.contains(&m.person_id))) {
            let team = row.audience.team_of(m.person_id);
            // A team's hand-in counts for each of them.
            let hand_in = current
                .iter()
                .find(|h| if team > 0 { h.team == team } else { h.team == 0 && h.pupil_id == m.person_id })
                .cloned();
            out.push(PupilStatus { pupil_id: m.person_id, name: m.display_name, team, hand_in });
        }
        out.sort_by(|x, y| (x.team, &x.name).cmp(&(y.team, &y.name)));
        Ok(out)
    }

    /// A hand-in (with its receipt), for its pupil and the assignment's teachers.
    pub async fn hand_in_receipt(&self, s: &Session, id: AssignmentId, hand_in: HandInId) -> AppResult<HandIn> {
        Ok(self.readable_hand_in(&s.actor, id, hand_in).await?.0)
    }

    /// A hand-in of an assignment, for the assignment's teachers, the pupil who handed it in,
    /// and (a team's) everyone in the team; with whether the caller manages it.
    pub(super) async fn readable_hand_in(
        &self,
        a: &tavle_core::policy::Actor,
        id: AssignmentId,
        hand_in: HandInId,
    ) -> AppResult<(HandIn, bool)> {
        let v = self.visible_assignment(a, id).await?;
        let team = v.row.audience.team_of(a.person_id);
        let h = self.store.read().await?.hand_in(a.tenant_id, hand_in).await?;
        let theirs = |h: &HandIn| h.pupil_id == a.person_id || (h.team > 0 && h.team == team);
        let h = h.filter(|h| h.assignment_id == id && (v.manages || theirs(h))).ok_or(AppError::NotFound("hand-in"))?;
        // Whoever does not manage the assignment sees feedback only once it is returned.
        Ok((if v.manages { h } else { for_pupil(h) }, v.manages))
    }

    /// A hand-in of an assignment the caller manages (its pupil and team may read it, but
    /// are refused here).
    pub(super) async fn managed_hand_in(
        &self,
        a: &tavle_core::policy::Actor,
        id: AssignmentId,
        hand_in: HandInId,
    ) -> AppResult<HandIn> {
        match self.readable_hand_in(a, id, hand_in).await? {
            (h, true) => Ok(h),
            (_, false) => Err(AppError::Forbidden),
        }
    }

    /// A file of a hand-in, for its pupil and the assignment's teachers.
    pub async fn hand_in_file(
        &self,
        s: &Session,
        id: AssignmentId,
        hand_in: HandInId,
        position: usize,
        meta: &RequestMeta,
    ) -> AppResult<crate::content::Download> {
        let a = &s.actor;
        let (h, manages) = self.readable_hand_in(a, id, hand_in).await?;
        let f = h.files.get(position).ok_or(AppError::NotFound("file"))?;
        if manages {
            let mut tx = self.store.write().await?;
            let detail = json!({ "pupil": h.pupil_id.to_string(), "name": f.name });
            tx.append_audit(&event(a, self.clock.now(), "hand_in.read", h.id, meta, detail)).await?;
            tx.commit().await?;
        }
        Ok(self.content.download_blob(
            f.name.clone(),
            f.size,
            format!("{}-{position}", h.id.0.simple()),
            h.handed_in_at,
            Some(f.sha256.clone()),
            BlobKey { tenant: a.tenant_id, blob: f.blob_id },
        ))
    }
}
