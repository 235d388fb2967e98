//! What an exam's invigilator sees: when each pupil first opened the running exam, and every
//! pupil's extra time at once.

use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::{AssignmentId, PersonId, TenantId};

use crate::row::{id, int};
use crate::{Db, Result};

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Notes that a pupil opened a running exam; true the first time only.
    pub async fn record_exam_start(
        &mut self,
        tenant: TenantId,
        a: AssignmentId,
        pupil: PersonId,
        at: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO exam_start (assignment_id, tenant_id, pupil_id, opened_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (assignment_id, pupil_id) DO NOTHING",
        )
        .bind(a.to_string())
        .bind(tenant.to_string())
        .bind(pupil.to_string())
        .bind(at)
        .execute(self.c())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// When a pupil first opened the exam, if they have.
    pub async fn exam_start(&mut self, tenant: TenantId, a: AssignmentId, pupil: PersonId) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT opened_at FROM exam_start WHERE tenant_id = $1 AND assignment_id = $2 AND pupil_id = $3",
        )
        .bind(tenant.to_string())
        .bind(a.to_string())
        .bind(pupil.to_string())
        .fetch_optional(self.c())
        .await?;
        row.map(|r| int(&r, "opened_at")).transpose()
    }

    /// When each pupil who has opened the exam first did.
    pub async fn exam_starts(&mut self, tenant: TenantId, a: AssignmentId) -> Result<Vec<(PersonId, i64)>> {
        let rows =
            sqlx::query("SELECT pupil_id, opened_at FROM exam_start WHERE tenant_id = $1 AND assignment_id = $2")
                .bind(tenant.to_string())
                .bind(a.to_string())
                .fetch_all(self.c())
                .await?;
        rows.iter().map(|r| Ok((id(r, "pupil_id")?, int(r, "opened_at")?))).collect()
    }

    /// Every pupil's extra time on an assignment (those without none are not listed).
    pub async fn extra_times(&mut self, tenant: TenantId, a: AssignmentId) -> Result<Vec<(PersonId, i64)>> {
        let rows = sqlx::query(
            "SELECT pupil_id, extra_secs FROM assignment_extra_time WHERE tenant_id = $1 AND assignment_id = $2",
        )
        .bind(tenant.to_string())
        .bind(a.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter().map(|r| Ok((id(r, "pupil_id")?, int(r, "extra_secs")?))).collect()
    }
}
