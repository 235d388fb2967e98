//! Assignments and hand-ins. A hand-in's files point at blobs, which never change, so a
//! hand-in is a frozen snapshot; its receipt is kept exactly as it was given out.

use tavle_core::assignments::{Assignment, AssignmentChange, Feedback, FileRef, HandIn, IssuedReceipt};

use std::collections::HashMap;
use std::ops::DerefMut;

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};
use tavle_core::assignments::{Audience, Grade, Mode};
use tavle_core::{AssignmentId, GroupId, HandInId, PersonId, TenantId};

use crate::row::{id, int, opt_int, opt_text, parse, placeholders, text};
use crate::{Db, Result, StoreError};

const ASSIGNMENT_COLS: &str = "id, tenant_id, school_id, group_id, title, instructions, mode, opens_at, deadline, \
    late_allowed, resubmit_allowed, created_by, created_at, updated_at, audience";
const HAND_IN_COLS: &str = "id, tenant_id, assignment_id, pupil_id, idempotency_key, started_at, handed_in_at, \
    late_by_secs, withdrawn_at, receipt, feedback, grade, returned_at, resubmission_requested, team";

fn assignment_row(r: &sqlx::any::AnyRow) -> Result<Assignment> {
    Ok(Assignment {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        school_id: id(r, "school_id")?,
        group_id: id(r, "group_id")?,
        title: text(r, "title")?,
        instructions: text(r, "instructions")?,
        mode: parse("mode", &text(r, "mode")?, Mode::parse)?,
        // Filled in from `assignment_pupil` by `with_audience`.
        audience: parse("audience", &text(r, "audience")?, |c| match c {
            "group" => Some(Audience::Group),
            "pupils" => Some(Audience::Pupils(vec![])),
            "teams" => Some(Audience::Teams(vec![])),
            _ => None,
        })?,
        opens_at: opt_int(r, "opens_at")?,
        deadline: int(r, "deadline")?,
        late_allowed: int(r, "late_allowed")? != 0,
        resubmit_allowed: int(r, "resubmit_allowed")? != 0,
        created_by: id(r, "created_by")?,
        created_at: int(r, "created_at")?,
        updated_at: int(r, "updated_at")?,
    })
}

fn hand_in_row(r: &sqlx::any::AnyRow) -> Result<HandIn> {
    Ok(HandIn {
        id: id(r, "id")?,
        tenant_id: id(r, "tenant_id")?,
        assignment_id: id(r, "assignment_id")?,
        pupil_id: id(r, "pupil_id")?,
        team: u32::try_from(int(r, "team")?).map_err(|_| crate::StoreError::Corrupt("hand-in team".into()))?,
        idempotency_key: text(r, "idempotency_key")?,
        started_at: int(r, "started_at")?,
        handed_in_at: int(r, "handed_in_at")?,
        late_by_secs: int(r, "late_by_secs")?,
        withdrawn_at: opt_int(r, "withdrawn_at")?,
        receipt: IssuedReceipt::new(text(r, "receipt")?),
        files: Vec::new(),
        feedback: Feedback {
            text: opt_text(r, "feedback")?,
            grade: opt_text(r, "grade")?.map(|g| parse("grade", &g, Grade::parse)).transpose()?,
            returned_at: opt_int(r, "returned_at")?,
            resubmission_requested: int(r, "resubmission_requested")? != 0,
            files: Vec::new(),
        },
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Creates an assignment, or replaces its fields (the same id). Only an assignment of the
    /// same tenant is replaced: an id that belongs to another tenant's assignment changes
    /// nothing and is a `Conflict`.
    pub async fn put_assignment(&mut self, a: &Assignment) -> Result<()> {
        let done = sqlx::query(&format!(
            "INSERT INTO assignment ({ASSIGNMENT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, audience = excluded.audience, instructions = excluded.instructions, \
             mode = excluded.mode, opens_at = excluded.opens_at, deadline = excluded.deadline, \
             late_allowed = excluded.late_allowed, resubmit_allowed = excluded.resubmit_allowed, \
             updated_at = excluded.updated_at \
             WHERE assignment.tenant_id = excluded.tenant_id"
        ))
        .bind(a.id.to_string())
        .bind(a.tenant_id.to_string())
        .bind(a.school_id.to_string())
        .bind(a.group_id.to_string())
        .bind(&a.title)
        .bind(&a.instructions)
        .bind(a.mode.code())
        .bind(a.opens_at)
        .bind(a.deadline)
        .bind(i64::from(a.late_allowed))
        .bind(i64::from(a.resubmit_allowed))
        .bind(a.created_by.to_string())
        .bind(a.created_at)
        .bind(a.updated_at)
        .bind(a.audience.code())
        .execute(self.c())
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("assignment {} belongs to another tenant", a.id)));
        }
        self.put_audience(a.tenant_id, a.id, &a.audience).await
    }

    pub async fn assignment(&mut self, tenant: TenantId, a: AssignmentId) -> Result<Option<Assignment>> {
        let row = sqlx::query(&format!("SELECT {ASSIGNMENT_COLS} FROM assignment WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.to_string())
            .bind(a.to_string())
            .fetch_optional(self.c())
            .await?;
        let Some(row) = row.as_ref().map(assignment_row).transpose()? else { return Ok(None) };
        Ok(self.with_audience(tenant, vec![row]).await?.pop())
    }

    /// The assignments of these classes and teams, soonest deadline first.
    pub async fn assignments_of(&mut self, tenant: TenantId, groups: &[GroupId]) -> Result<Vec<Assignment>> {
        if groups.is_empty() {
            return Ok(vec![]);
        }
        let list = placeholders(2, groups.len());
        let sql = format!(
            "SELECT {ASSIGNMENT_COLS} FROM assignment WHERE tenant_id = $1 AND group_id IN ({list}) ORDER BY deadline, id"
        );
        self.assignments_in_groups(tenant, sqlx::query(&sql).bind(tenant.to_string()), groups).await
    }

    /// The exams of these groups that have opened by `now` and whose deadline is at most
    /// `reach_ms` before it (extra time can run that long): the ones that may be running.
    pub async fn exams_around(
        &mut self,
        tenant: TenantId,
        groups: &[GroupId],
        now: i64,
        reach_ms: i64,
    ) -> Result<Vec<Assignment>> {
        if groups.is_empty() {
            return Ok(vec![]);
        }
        let list = placeholders(4, groups.len());
        let sql = format!(
            "SELECT {ASSIGNMENT_COLS} FROM assignment WHERE tenant_id = $1 AND mode IN ('exam', 'closed_exam') \
             AND opens_at <= $2 AND deadline >= $3 AND group_id IN ({list})"
        );
        let q = sqlx::query(&sql).bind(tenant.to_string()).bind(now).bind(now - reach_ms);
        self.assignments_in_groups(tenant, q, groups).await
    }

    /// Runs `q`, a query of assignments whose last parameters are the `IN` list of `groups`,
    /// and reads them with their audience.
    async fn assignments_in_groups<'q>(
        &mut self,
        tenant: TenantId,
        mut q: Query<'q, Any, AnyArguments<'q>>,
        groups: &[GroupId],
    ) -> Result<Vec<Assignment>> {
        for g in groups {
            q = q.bind(g.to_string());
        }
        let rows = q.fetch_all(self.c()).await?;
        let rows = rows.iter().map(assignment_row).collect::<Result<Vec<_>>>()?;
        self.with_audience(tenant, rows).await
    }

    pub async fn insert_assignment_change(
        &mut self,
        tenant: TenantId,
        assignment: AssignmentId,
        c: &AssignmentChange,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO assignment_change (id, tenant_id, assignment_id, at, changed_by, fields) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(tenant.to_string())
        .bind(assignment.to_string())
        .bind(c.at)
        .bind(c.changed_by.to_string())
        .bind(&c.fields)
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// The changes made to an assignment after it opened, oldest first.
    pub async fn assignment_changes(
        &mut self,
        tenant: TenantId,
        assignment: AssignmentId,
    ) -> Result<Vec<AssignmentChange>> {
        let rows = sqlx::query(
            "SELECT at, changed_by, fields FROM assignment_change WHERE tenant_id = $1 AND assignment_id = $2 \
             ORDER BY at, id",
        )
        .bind(tenant.to_string())
        .bind(assignment.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AssignmentChange { at: int(r, "at")?, changed_by: id(r, "changed_by")?, fields: text(r, "fields")? })
            })
            .collect()
    }

    /// How many hand-ins (current and earlier) an assignment has.
    pub async fn hand_in_count(&mut self, tenant: TenantId, a: AssignmentId) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM hand_in WHERE tenant_id = $1 AND assignment_id = $2")
            .bind(tenant.to_string())
            .bind(a.to_string())
            .fetch_one(self.c())
            .await?;
        int(&row, "n")
    }

    /// Deletes an assignment with its hand-ins, files, changes and extra times, for good (the
    /// working folders stay in their drives). The blobs stay until `tavle check` finds nothing using them.
    pub async fn delete_assignment(&mut self, tenant: TenantId, a: AssignmentId) -> Result<()> {
        for sql in [
            "DELETE FROM hand_in_file WHERE tenant_id = $1 AND hand_in_id IN \
             (SELECT id FROM hand_in WHERE tenant_id = $1 AND assignment_id = $2)",
            "DELETE FROM feedback_file WHERE tenant_id = $1 AND hand_in_id IN \
             (SELECT id FROM hand_in WHERE tenant_id = $1 AND assignment_id = $2)",
            "DELETE FROM assignment_pupil WHERE tenant_id = $1 AND assignment_id = $2",
            "DELETE FROM assignment_file WHERE tenant_id = $1 AND assignment_id = $2",
            "DELETE FROM assignment_work WHERE tenant_id = $1 AND assignment_id = $2",
            "DELETE FROM hand_in WHERE tenant_id = $1 AND assignment_id = $2",
            "DELETE FROM assignment_change WHERE tenant_id = $1 AND assignment_id = $2",
            "DELETE FROM assignment_extra_time WHERE tenant_id = $1 AND assignment_id = $2",
            "DELETE FROM exam_start WHERE tenant_id = $1 AND assignment_id = $2",
            "DELETE FROM assignment WHERE tenant_id = $1 AND id = $2",
        ] {
            sqlx::query(sql).bind(tenant.to_string()).bind(a.to_string()).execute(self.c()).await?;
        }
        Ok(())
    }

    /// Gives a pupil extra time on an assignment (0 removes it).
    pub async fn put_extra_time(
        &mut self,
        tenant: TenantId,
        a: AssignmentId,
        pupil: PersonId,
        secs: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM assignment_extra_time WHERE tenant_id = $1 AND assignment_id = $2 AND pupil_id = $3")
            .bind(tenant.to_string())
            .bind(a.to_string())
            .bind(pupil.to_string())
            .execute(self.c())
            .await?;
        if secs > 0 {
            sqlx::query(
                "INSERT INTO assignment_extra_time (assignment_id, tenant_id, pupil_id, extra_secs) VALUES ($1, $2, $3, $4)",
            )
            .bind(a.to_string())
            .bind(tenant.to_string())
            .bind(pupil.to_string())
            .bind(secs)
            .execute(self.c())
            .await?;
        }
        Ok(())
    }

    /// A pupil's extra time on an assignment, in seconds (0 without).
    pub async fn extra_time(&mut self, tenant: TenantId, a: AssignmentId, pupil: PersonId) -> Result<i64> {
        let row = sqlx::query(
            "SELECT extra_secs FROM assignment_extra_time WHERE tenant_id = $1 AND assignment_id = $2 AND pupil_id = $3",
        )
        .bind(tenant.to_string())
        .bind(a.to_string())
        .bind(pupil.to_string())
        .fetch_optional(self.c())
        .await?;
        row.map_or(Ok(0), |r| int(&r, "extra_secs"))
    }

    /// Records a hand-in and its files.
    pub async fn insert_hand_in(&mut self, h: &HandIn) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO hand_in ({HAND_IN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ))
        .bind(h.id.to_string())
        .bind(h.tenant_id.to_string())
        .bind(h.assignment_id.to_string())
        .bind(h.pupil_id.to_string())
        .bind(&h.idempotency_key)
        .bind(h.started_at)
        .bind(h.handed_in_at)
        .bind(h.late_by_secs)
        .bind(h.withdrawn_at)
        .bind(h.receipt.as_str())
        .bind(h.feedback.text.clone())
        .bind(h.feedback.grade.map(|g| g.code()))
        .bind(h.feedback.returned_at)
        .bind(i64::from(h.feedback.resubmission_requested))
        .bind(i64::from(h.team))
        .execute(self.c())
        .await?;
        for (i, f) in h.files.iter().enumerate() {
            sqlx::query(
                "INSERT INTO hand_in_file (hand_in_id, tenant_id, position, name, blob_id, size, sha256) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(h.id.to_string())
            .bind(h.tenant_id.to_string())
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .bind(&f.name)
            .bind(f.blob_id.to_string())
            .bind(f.size)
            .bind(&f.sha256)
            .execute(self.c())
            .await?;
        }
        Ok(())
    }

    async fn with_files(&mut self, mut h: HandIn) -> Result<HandIn> {
        h.files = self.files_of("hand_in_file", h.tenant_id, &[h.id]).await?.remove(&h.id).unwrap_or_default();
        h.feedback.files =
            self.files_of("feedback_file", h.tenant_id, &[h.id]).await?.remove(&h.id).unwrap_or_default();
        Ok(h)
    }

    /// The files of these hand-ins (`hand_in_file`) or of their feedback (`feedback_file`).
    async fn files_of(
        &mut self,
        table: &'static str,
        tenant: TenantId,
        hand_ins: &[HandInId],
    ) -> Result<HashMap<HandInId, Vec<FileRef>>> {
        let mut out: HashMap<HandInId, Vec<FileRef>> = HashMap::new();
        // Bounded IN lists: an assignment may have a thousand hand-ins.
        for chunk in hand_ins.chunks(500) {
            let list = placeholders(2, chunk.len());
            let sql = format!(
                "SELECT hand_in_id, name, blob_id, size, sha256 FROM {table} WHERE tenant_id = $1 \
                 AND hand_in_id IN ({list}) ORDER BY hand_in_id, position"
            );
            let mut q = sqlx::query(&sql).bind(tenant.to_string());
            for h in chunk {
                q = q.bind(h.to_string());
            }
            for r in &q.fetch_all(self.c()).await? {
                out.entry(id(r, "hand_in_id")?).or_default().push(FileRef {
                    name: text(r, "name")?,
                    blob_id: id(r, "blob_id")?,
                    size: int(r, "size")?,
                    sha256: text(r, "sha256")?,
                });
            }
        }
        Ok(out)
    }

    /// Replaces the files given back with a hand-in's feedback.
    pub async fn put_feedback_files(&mut self, tenant: TenantId, hand_in: HandInId, files: &[FileRef]) -> Result<()> {
        sqlx::query("DELETE FROM feedback_file WHERE tenant_id = $1 AND hand_in_id = $2")
            .bind(tenant.to_string())
            .bind(hand_in.to_string())
            .execute(self.c())
            .await?;
        for (i, f) in files.iter().enumerate() {
            sqlx::query(
                "INSERT INTO feedback_file (hand_in_id, tenant_id, position, name, blob_id, size, sha256) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(hand_in.to_string())
            .bind(tenant.to_string())
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .bind(&f.name)
            .bind(f.blob_id.to_string())
            .bind(f.size)
            .bind(&f.sha256)
            .execute(self.c())
            .await?;
        }
        Ok(())
    }

    /// One hand-in with its files.
    pub async fn hand_in(&mut self, tenant: TenantId, id: HandInId) -> Result<Option<HandIn>> {
        let row = sqlx::query(&format!("SELECT {HAND_IN_COLS} FROM hand_in WHERE tenant_id = $1 AND id = $2"))
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_optional(self.c())
            .await?;
        match row {
            Some(r) => Ok(Some(self.with_files(hand_in_row(&r)?).await?)),
            None => Ok(None),
        }
    }

    /// The hand-in a pupil made with this idempotency key, if any.
    pub async fn hand_in_by_key(
        &mut self,
        tenant: TenantId,
        assignment: AssignmentId,
        pupil: PersonId,
        key: &str,
    ) -> Result<Option<HandIn>> {
        let row = sqlx::query(&format!(
            "SELECT {HAND_IN_COLS} FROM hand_in WHERE tenant_id = $1 AND assignment_id = $2 AND pupil_id = $3 \
             AND idempotency_key = $4"
        ))
        .bind(tenant.to_string())
        .bind(assignment.to_string())
        .bind(pupil.to_string())
        .bind(key)
        .fetch_optional(self.c())
        .await?;
        match row {
            Some(r) => Ok(Some(self.with_files(hand_in_row(&r)?).await?)),
            None => Ok(None),
        }
    }

    /// The hand-ins of an assignment that count for a pupil (their own with `team` 0, else
    /// their team's), newest first: the current one, if any, is first and not withdrawn.
    pub async fn hand_ins_of(
        &mut self,
        tenant: TenantId,
        assignment: AssignmentId,
        pupil: PersonId,
        team: u32,
    ) -> Result<Vec<HandIn>> {
        let rows = sqlx::query(&format!(
            "SELECT {HAND_IN_COLS} FROM hand_in WHERE tenant_id = $1 AND assignment_id = $2 \
             AND ((team = 0 AND pupil_id = $3) OR (team > 0 AND team = $4)) ORDER BY handed_in_at DESC, id DESC"
        ))
        .bind(tenant.to_string())
        .bind(assignment.to_string())
        .bind(pupil.to_string())
        .bind(i64::from(team))
        .fetch_all(self.c())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.with_files(hand_in_row(r)?).await?);
        }
        Ok(out)
    }

    /// Every current hand-in of an assignment, with their files and feedback files (three
    /// queries for up to 500 hand-ins).
    pub async fn current_hand_ins(&mut self, tenant: TenantId, assignment: AssignmentId) -> Result<Vec<HandIn>> {
        let rows = sqlx::query(&format!(
            "SELECT {HAND_IN_COLS} FROM hand_in WHERE tenant_id = $1 AND assignment_id = $2 AND withdrawn_at IS NULL \
             ORDER BY handed_in_at"
        ))
        .bind(tenant.to_string())
        .bind(assignment.to_string())
        .fetch_all(self.c())
        .await?;
        let mut out: Vec<HandIn> = rows.iter().map(hand_in_row).collect::<Result<_>>()?;
        let ids: Vec<HandInId> = out.iter().map(|h| h.id).collect();
        let mut files = self.files_of("hand_in_file", tenant, &ids).await?;
        let mut back = self.files_of("feedback_file", tenant, &ids).await?;
        for h in &mut out {
            h.files = files.remove(&h.id).unwrap_or_default();
            h.feedback.files = back.remove(&h.id).unwrap_or_default();
        }
        Ok(out)
    }

    /// Sets a hand-in's feedback (not its files: `put_feedback_files`).
    pub async fn set_feedback(&mut self, tenant: TenantId, id: HandInId, f: &Feedback) -> Result<()> {
        sqlx::query(
            "UPDATE hand_in SET feedback = $3, grade = $4, returned_at = $5, resubmission_requested = $6 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.to_string())
        .bind(id.to_string())
        .bind(f.text.clone())
        .bind(f.grade.map(|g| g.code()))
        .bind(f.returned_at)
        .bind(i64::from(f.resubmission_requested))
        .execute(self.c())
        .await?;
        Ok(())
    }

    /// Marks the current hand-in that counts for a pupil (theirs with `team` 0, else their
    /// team's) as withdrawn: taken back, or replaced by a new one. Returns whether there was one.
    pub async fn withdraw_hand_in(
        &mut self,
        tenant: TenantId,
        assignment: AssignmentId,
        pupil: PersonId,
        team: u32,
        at: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE hand_in SET withdrawn_at = $4 WHERE tenant_id = $1 AND assignment_id = $2 \
             AND ((team = 0 AND pupil_id = $3) OR (team > 0 AND team = $5)) AND withdrawn_at IS NULL",
        )
        .bind(tenant.to_string())
        .bind(assignment.to_string())
        .bind(pupil.to_string())
        .bind(at)
        .bind(i64::from(team))
        .execute(self.c())
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
