//! The caller's spaces: created the first time they are needed, named for people, with the
//! quota that applies.

use serde_json::json;
use tavle_core::drive::{Access, SpaceFacts, SpaceKind};
use tavle_core::policy::{may_set_quota, person_visibility, space_access, Visibility};
use tavle_core::{InvalidInput, PersonId, Reason, SpaceId};

use super::Drive;
use crate::access::{facts, SpaceView};
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};

/// The smallest and largest quota an admin may set.
const MIN_QUOTA: i64 = 1 << 20;
const MAX_QUOTA: i64 = 100 << 40;

impl Drive {
    /// Every space the caller has, own drive first. Spaces are created on first use.
    pub async fn spaces(&self, s: &Session) -> AppResult<Vec<SpaceView>> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        self.access.exam_lock(&mut conn, a).await?;
        let kinds = tavle_core::policy::listed_drives(a);
        let mut found = conn.spaces_of(a.tenant_id, &kinds).await?;
        drop(conn);
        if found.len() < kinds.len() {
            let missing: Vec<SpaceKind> =
                kinds.iter().filter(|k| !found.iter().any(|f| f.kind == **k)).copied().collect();
            for kind in missing {
                self.access.create_space(a, kind).await?;
            }
            found = self.store.read().await?.spaces_of(a.tenant_id, &kinds).await?;
        }
        found.sort_by_key(|sp| kinds.iter().position(|k| *k == sp.kind));
        let mut out = Vec::with_capacity(found.len());
        for space in found {
            out.push(self.access.space_view(a, space).await?);
        }
        Ok(out)
    }

    /// The caller's own drive (created on first use), without looking at the others.
    pub async fn personal_space(&self, s: &Session) -> AppResult<SpaceView> {
        self.access.exam_lock(&mut self.store.read().await?, &s.actor).await?;
        let a = &s.actor;
        let space = self.access.own_space(a).await?;
        Ok(self.access.own_view(a, space))
    }

    /// One space, if the caller may see it.
    pub async fn space(&self, s: &Session, space: SpaceId) -> AppResult<SpaceView> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        self.access.exam_lock(&mut conn, a).await?;
        let row = conn.space(a.tenant_id, space).await?.ok_or(AppError::NotFound("drive"))?;
        drop(conn);
        let view = self.access.space_view(a, row).await?;
        if view.access() == Access::None {
            return Err(AppError::NotFound("drive"));
        }
        Ok(view)
    }

    /// Sets a drive's quota (bytes), or with `None` returns it to the default for its kind.
    /// A quota below what is used is allowed: the drive then takes no more until files go.
    pub async fn set_quota(
        &self,
        s: &Session,
        space: SpaceId,
        quota: Option<i64>,
        meta: &RequestMeta,
    ) -> AppResult<SpaceView> {
        let a = &s.actor;
        if let Some(q) = quota {
            if !(MIN_QUOTA..=MAX_QUOTA).contains(&q) {
                return Err(InvalidInput::new(
                    "quota_bytes",
                    Reason::OutOfRange,
                    "A quota must be between 1 MiB and 100 TiB (in bytes).",
                )
                .into());
            }
        }
        let mut tx = self.store.write().await?;
        let row = tx.space(a.tenant_id, space).await?.ok_or(AppError::NotFound("drive"))?;
        if !self.access.may_set_quota(&mut tx, a, &row).await? {
            return Err(if space_access(a, &facts(&row)) == Access::None {
                AppError::NotFound("drive")
            } else {
                AppError::Forbidden
            });
        }
        let quota = match (quota, row.kind) {
            // A person's own drive has no default of its kind: it returns to their role's.
            (None, SpaceKind::Personal(p)) => {
                let status = tx.person(a.tenant_id, p).await?.ok_or(AppError::NotFound("person"))?.status;
                Some(self.access.personal_quota(&tx.actor(a.tenant_id, p, status).await?))
            }
            (q, _) => q,
        };
        tx.set_quota(a.tenant_id, space, quota).await?;
        let detail = json!({ "from": row.quota_bytes, "to": quota, "kind": row.kind.code() });
        tx.append_audit(&event(a, self.clock.now(), "drive.quota", space, meta, detail)).await?;
        tx.commit().await?;
        let row = self.store.read().await?.space(a.tenant_id, space).await?.ok_or(AppError::NotFound("drive"))?;
        self.access.space_view(a, row).await
    }

    /// A person's own drive as an admin who may set its quota sees it: its size and quota,
    /// never its contents. Created (with the quota of the owner's role) if they have none yet.
    pub async fn person_drive(&self, s: &Session, person: PersonId, meta: &RequestMeta) -> AppResult<SpaceView> {
        let a = &s.actor;
        let kind = [SpaceKind::Personal(person)];
        let mut conn = self.store.read().await?;
        let owner = conn.person(a.tenant_id, person).await?.ok_or(AppError::NotFound("person"))?;
        let owner_facts = conn.person_facts(a.tenant_id, person).await?;
        if person_visibility(a, &owner_facts) == Visibility::None {
            return Err(AppError::NotFound("person"));
        }
        let probe = SpaceFacts { tenant_id: a.tenant_id, space_id: SpaceId::new(), kind: kind[0] };
        if !may_set_quota(a, &probe, Some(&owner_facts)) {
            return Err(AppError::Forbidden);
        }
        let mut found = conn.spaces_of(a.tenant_id, &kind).await?.pop();
        if found.is_none() {
            let owner_actor = conn.actor(a.tenant_id, person, owner.status).await?;
            drop(conn);
            self.access.create_space(&owner_actor, kind[0]).await?;
            conn = self.store.read().await?;
            found = conn.spaces_of(a.tenant_id, &kind).await?.pop();
        }
        drop(conn);
        let row = found.ok_or(AppError::NotFound("drive"))?;
        let mut tx = self.store.write().await?;
        let detail = json!({ "owner": person.to_string() });
        tx.append_audit(&event(a, self.clock.now(), "drive.usage_read", row.id, meta, detail)).await?;
        tx.commit().await?;
        self.access.space_view(a, row).await
    }
}
