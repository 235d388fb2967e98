//! What goes out with an assignment: who it is for (`assignment_pupil`), the files handed out
//! (attachments and the template, frozen as blobs) and each pupil's or team's working folder.

use tavle_core::assignments::{Handout, HandoutKind};

use std::collections::HashMap;
use std::ops::DerefMut;

use sqlx::AnyConnection;
use tavle_core::assignments::Audience;
use tavle_core::{AssignmentId, NodeId, PersonId, TenantId};

use crate::row::{id, int, placeholders, text};
use crate::{Db, Result, StoreError};
use tavle_core::assignments::Assignment;

/// A pupil's or team's working folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkRow {
    /// The pupil's id, or `team-N`.
    pub slot: String,
    pub folder_id: NodeId,
    pub created_by: PersonId,
    pub created_at: i64,
}

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    /// Replaces the pupils an assignment is limited to (none for the whole group).
    pub(crate) async fn put_audience(&mut self, tenant: TenantId, a: AssignmentId, audience: &Audience) -> Result<()> {
        sqlx::query("DELETE FROM assignment_pupil WHERE tenant_id = $1 AND assignment_id = $2")
            .bind(tenant.to_string())
            .bind(a.to_string())
            .execute(self.c())
            .await?;
        let listed: Vec<(PersonId, u32)> = match audience {
            Audience::Group => vec![],
            Audience::Pupils(p) => p.iter().map(|p| (*p, 0)).collect(),
            Audience::Teams(_) => {
                audience.listed().unwrap_or_default().into_iter().map(|p| (p, audience.team_of(p))).collect()
            }
        };
        for (pupil, team) in listed {
            sqlx::query(
                "INSERT INTO assignment_pupil (assignment_id, tenant_id, pupil_id, team) VALUES ($1, $2, $3, $4)",
            )
            .bind(a.to_string())
            .bind(tenant.to_string())
            .bind(pupil.to_string())
            .bind(i64::from(team))
            .execute(self.c())
            .await?;
        }
        Ok(())
    }

    /// Fills in the pupils of the assignments limited to some (one query for all of them).
    pub(crate) async fn with_audience(
        &mut self,
        tenant: TenantId,
        mut rows: Vec<Assignment>,
    ) -> Result<Vec<Assignment>> {
        let limited: Vec<AssignmentId> = rows.iter().filter(|r| r.audience != Audience::Group).map(|r| r.id).collect();
        let mut by: HashMap<AssignmentId, Vec<(u32, PersonId)>> = HashMap::new();
        for chunk in limited.chunks(500) {
            let list = placeholders(2, chunk.len());
            let sql = format!(
                "SELECT assignment_id, pupil_id, team FROM assignment_pupil WHERE tenant_id = $1 \
                 AND assignment_id IN ({list}) ORDER BY team, pupil_id"
            );
            let mut q = sqlx::query(&sql).bind(tenant.to_string());
            for a in chunk {
                q = q.bind(a.to_string());
            }
            for r in &q.fetch_all(self.c()).await? {
                let team = u32::try_from(int(r, "team")?).map_err(|_| StoreError::Corrupt("team".into()))?;
                by.entry(id(r, "assignment_id")?).or_default().push((team, id(r, "pupil_id")?));
            }
        }
        for row in &mut rows {
            let listed = by.remove(&row.id).unwrap_or_default();
            row.audience = match row.audience {
                Audience::Group => Audience::Group,
                Audience::Pupils(_) => Audience::Pupils(listed.into_iter().map(|(_, p)| p).collect()),
                Audience::Teams(_) => {
                    let mut teams: Vec<Vec<PersonId>> = Vec::new();
                    for (team, p) in listed {
                        let i = usize::try_from(team).unwrap_or(1).max(1) - 1;
                        if teams.len() <= i {
                            teams.resize(i + 1, Vec::new());
                        }
                        teams[i].push(p);
                    }
                    Audience::Teams(teams)
                }
            };
        }
        Ok(rows)
    }

    /// Replaces the files handed out with an assignment.
    pub async fn put_handouts(&mut self, tenant: TenantId, a: AssignmentId, files: &[Handout]) -> Result<()> {
        sqlx::query("DELETE FROM assignment_file WHERE tenant_id = $1 AND assignment_id = $2")
            .bind(tenant.to_string())
            .bind(a.to_string())
            .execute(self.c())
            .await?;
        for (i, f) in files.iter().enumerate() {
            sqlx::query(
                "INSERT INTO assignment_file (assignment_id, tenant_id, position, kind, name, blob_id, size, sha256) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(a.to_string())
            .bind(tenant.to_string())
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .bind(f.kind.code())
            .bind(&f.name)
            .bind(f.blob_id.to_string())
            .bind(f.size)
            .bind(&f.sha256)
            .execute(self.c())
            .await?;
        }
        Ok(())
    }

    /// The files handed out with an assignment, in order.
    pub async fn handouts(&mut self, tenant: TenantId, a: AssignmentId) -> Result<Vec<Handout>> {
        let rows = sqlx::query(
            "SELECT kind, name, blob_id, size, sha256 FROM assignment_file WHERE tenant_id = $1 AND assignment_id = $2 \
             ORDER BY position",
        )
        .bind(tenant.to_string())
        .bind(a.to_string())
        .fetch_all(self.c())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Handout {
                    kind: crate::row::parse("kind", &text(r, "kind")?, HandoutKind::parse)?,
                    name: text(r, "name")?,
                    blob_id: id(r, "blob_id")?,
                    size: int(r, "size")?,
                    sha256: text(r, "sha256")?,
                })
            })
            .collect()
    }

    /// Records a working folder; false (and nothing changed) when the slot has one already.
    pub async fn insert_work(&mut self, tenant: TenantId, a: AssignmentId, w: &WorkRow) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO assignment_work (assignment_id, tenant_id, slot, folder_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (assignment_id, slot) DO NOTHING",
        )
        .bind(a.to_string())
        .bind(tenant.to_string())
        .bind(&w.slot)
        .bind(w.folder_id.to_string())
        .bind(w.created_by.to_string())
        .bind(w.created_at)
        .execute(self.c())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Which of `folders` are working folders: `(assignment, slot, folder)` for each.
    pub async fn works_among(
        &mut self,
        tenant: TenantId,
        folders: &[NodeId],
    ) -> Result<Vec<(AssignmentId, String, NodeId)>> {
        if folders.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT assignment_id, slot, folder_id FROM assignment_work WHERE tenant_id = $1 AND folder_id IN ({})",
            placeholders(2, folders.len())
        );
        let mut q = sqlx::query(&sql).bind(tenant.to_string());
        for f in folders {
            q = q.bind(f.to_string());
        }
        let rows = q.fetch_all(self.c()).await?;
        rows.iter().map(|r| Ok((id(r, "assignment_id")?, text(r, "slot")?, id(r, "folder_id")?))).collect()
    }

    /// A slot's working folder, if it has one.
    pub async fn work(&mut self, tenant: TenantId, a: AssignmentId, slot: &str) -> Result<Option<WorkRow>> {
        let row = sqlx::query(
            "SELECT slot, folder_id, created_by, created_at FROM assignment_work WHERE tenant_id = $1 \
             AND assignment_id = $2 AND slot = $3",
        )
        .bind(tenant.to_string())
        .bind(a.to_string())
        .bind(slot)
        .fetch_optional(self.c())
        .await?;
        row.map(|r| {
            Ok(WorkRow {
                slot: text(&r, "slot")?,
                folder_id: id(&r, "folder_id")?,
                created_by: id(&r, "created_by")?,
                created_at: int(&r, "created_at")?,
            })
        })
        .transpose()
    }
}
