//! Working copies that closed. A pupil's (or team's) working folder of an assignment is
//! read-only, for everyone who reaches it, once the assignment has closed for them — no more
//! hand-ins, none asked for again (`policy::working_copy_writable`). Both ways into the
//! drive (`reach` by id and `walk` by path) cap what they reach below such a folder at View;
//! an open document there becomes read-only when the moment comes (`next_work_close`).

use tavle_core::assignments::{Assignment, Phase};
use tavle_core::drive::{Access, Node, NodeKind, Space, SpaceKind};
use tavle_core::policy::{working_copy_writable, Actor};
use tavle_core::{NodeId, PersonId, Timestamp};
use tavle_store::Db;

use super::{window, AccessControl};
use crate::error::AppResult;

/// A working folder on a path, with what decides whether it is closed for the actor.
struct Work {
    folder: NodeId,
    row: Assignment,
    /// Whose hand-ins count for it, and their team (0: a pupil's own).
    pupil: PersonId,
    team: u32,
    /// That pupil's extra time on the assignment (seconds).
    extra: i64,
}

impl AccessControl {
    /// Of `path` (root first) in `space`, the position of a working folder that has closed
    /// for the actor: from there down nothing may be changed. Only pupils' own drives hold
    /// working folders, so others cost nothing; in one, a single indexed query.
    pub(crate) async fn closed_work_at<C>(
        &self,
        db: &mut Db<C>,
        a: &Actor,
        space: &Space,
        path: &[Node],
    ) -> AppResult<Option<usize>>
    where
        C: tavle_store::DbHandle,
    {
        if !matches!(space.kind, SpaceKind::Personal(_)) || path.len() < 2 {
            return Ok(None);
        }
        let now = self.clock.now();
        for w in works_on(db, a, &path[1..]).await? {
            let phase = window(&w.row).phase(w.extra, now);
            let asked_again = phase == Phase::Closed && asked_again(db, a, &w).await?;
            if !working_copy_writable(phase, asked_again) {
                return Ok(path.iter().position(|n| n.id == w.folder));
            }
        }
        Ok(None)
    }

    /// When the working folder on `path` (if any) closes for the actor, if it has not yet:
    /// an open document there checks its access again at that moment.
    pub(crate) async fn next_work_close(&self, a: &Actor, path: &[Node]) -> AppResult<Option<Timestamp>> {
        let mut db = self.store.read().await?;
        let now = self.clock.now();
        let mut next: Option<Timestamp> = None;
        for w in works_on(&mut db, a, path).await? {
            let win = window(&w.row);
            // Closed from the pupil's deadline, unless late hand-ins are taken (then never
            // by the clock alone).
            let closes = win.deadline_for(w.extra);
            if win.phase(w.extra, closes) == Phase::Closed && closes > now {
                next = Some(next.map_or(closes, |n| n.min(closes)));
            }
        }
        Ok(next)
    }
}

/// The working folders among the folders of `path`, with their assignments.
async fn works_on<C>(db: &mut Db<C>, a: &Actor, path: &[Node]) -> AppResult<Vec<Work>>
where
    C: tavle_store::DbHandle,
{
    let folders: Vec<NodeId> = path.iter().filter(|n| n.kind == NodeKind::Folder).map(|n| n.id).collect();
    let mut out = Vec::new();
    for (assignment, slot, folder) in db.works_among(a.tenant_id, &folders).await? {
        let Some(row) = db.assignment(a.tenant_id, assignment).await? else { continue };
        let (pupil, team) = slot_holder(&slot, a.person_id);
        let extra = db.extra_time(a.tenant_id, assignment, pupil).await?;
        out.push(Work { folder, row, pupil, team, extra });
    }
    Ok(out)
}

/// Whose working folder a slot is: a pupil's own (the slot is their id), or a team's (the
/// actor's own hand-ins then count for the team).
fn slot_holder(slot: &str, actor: PersonId) -> (PersonId, u32) {
    match slot.strip_prefix("team-").and_then(|t| t.parse::<u32>().ok()) {
        Some(team) => (actor, team),
        None => (slot.parse().unwrap_or(actor), 0),
    }
}

/// Whether the teacher asked for a new hand-in of the working folder's current one.
async fn asked_again<C>(db: &mut Db<C>, a: &Actor, w: &Work) -> AppResult<bool>
where
    C: tavle_store::DbHandle,
{
    let hand_ins = db.hand_ins_of(a.tenant_id, w.row.id, w.pupil, w.team).await?;
    Ok(hand_ins.iter().find(|h| h.withdrawn_at.is_none()).is_some_and(|h| h.feedback.resubmission_requested))
}

/// `access`, capped at View where `closed_at` says a closed working folder is on the way.
pub(super) fn capped(access: Access, closed_at: Option<usize>) -> Access {
    match closed_at {
        Some(_) => access.min(Access::View),
        None => access,
    }
}
