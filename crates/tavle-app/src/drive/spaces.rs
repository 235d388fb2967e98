//! The caller's spaces: created the first time they are needed, named for people, with the
//! quota that applies.

use serde_json::json;
use tavle_core::drive::{Access, SpaceFacts, SpaceKind};
use tavle_core::policy::{may_set_quota, person_visibility, space_access, Actor, Visibility};
use tavle_core::{InvalidInput, NodeId, PersonId, Reason, SpaceId};
use tavle_store::drive::SpaceRow;
use tavle_store::StoreError;

use super::{facts, new_folder};
use crate::audit::{event, RequestMeta};
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::App;

/// A space as the caller sees it, with the access the policy gave them. Only the drive's use
/// cases make one (its fields are private), so a `SpaceView` passed back in is an access
/// decision that was made, not one a caller wrote.
#[derive(Clone, Debug)]
pub struct SpaceView {
    pub(crate) space: SpaceRow,
    /// The group's or school's name; for a personal drive, the owner's name.
    pub(crate) name: String,
    /// The quota that applies (bytes).
    pub(crate) quota_bytes: i64,
    pub(crate) access: Access,
    /// Whether the caller may change the quota (`policy::may_set_quota`).
    pub(crate) can_set_quota: bool,
}

impl SpaceView {
    pub fn space(&self) -> &SpaceRow {
        &self.space
    }
    /// The group's or school's name; for a personal drive, the owner's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The quota that applies (bytes).
    pub fn quota_bytes(&self) -> i64 {
        self.quota_bytes
    }
    /// What the caller may do here (`policy::space_access`).
    pub fn access(&self) -> Access {
        self.access
    }
    /// Whether the caller may change the quota (`policy::may_set_quota`).
    pub fn can_set_quota(&self) -> bool {
        self.can_set_quota
    }
}

/// The smallest and largest quota an admin may set.
const MIN_QUOTA: i64 = 1 << 20;
const MAX_QUOTA: i64 = 100 << 40;

impl App {
    /// The quota that applies to a space.
    pub(crate) fn quota_of(&self, space: &SpaceRow) -> i64 {
        let d = &self.cfg.drive;
        space.quota_bytes.unwrap_or(match space.kind {
            SpaceKind::Personal(_) => d.quota_pupil,
            SpaceKind::Group { .. } => d.quota_group,
            SpaceKind::Staff(_) => d.quota_school,
        })
    }

    /// Every space the caller has, own drive first. Spaces are created on first use.
    pub async fn spaces(&self, s: &Session) -> AppResult<Vec<SpaceView>> {
        self.exam_lock(&mut self.store.read().await?, &s.actor).await?;
        let a = &s.actor;
        let kinds = tavle_core::policy::listed_drives(a);
        let mut conn = self.store.read().await?;
        let mut found = conn.spaces_of(a.tenant_id, &kinds).await?;
        drop(conn);
        if found.len() < kinds.len() {
            let missing: Vec<SpaceKind> =
                kinds.iter().filter(|k| !found.iter().any(|f| f.kind == **k)).copied().collect();
            for kind in missing {
                self.create_space(a, kind).await?;
            }
            found = self.store.read().await?.spaces_of(a.tenant_id, &kinds).await?;
        }
        found.sort_by_key(|sp| kinds.iter().position(|k| *k == sp.kind));
        let mut out = Vec::with_capacity(found.len());
        for space in found {
            out.push(self.space_view(a, space).await?);
        }
        Ok(out)
    }

    /// The caller's own drive (created on first use), without looking at the others.
    pub async fn personal_space(&self, s: &Session) -> AppResult<SpaceView> {
        self.exam_lock(&mut self.store.read().await?, &s.actor).await?;
        let a = &s.actor;
        let space = self.own_space(a).await?;
        // The name is the caller's own; WebDAV does not show it.
        Ok(SpaceView {
            quota_bytes: self.quota_of(&space),
            access: space_access(a, &facts(&space)),
            name: String::new(),
            can_set_quota: false,
            space,
        })
    }

    /// The actor's own drive, created on first use.
    pub(crate) async fn own_space(&self, a: &Actor) -> AppResult<SpaceRow> {
        let kind = [SpaceKind::Personal(a.person_id)];
        let mut found = self.store.read().await?.spaces_of(a.tenant_id, &kind).await?.pop();
        if found.is_none() {
            self.create_space(a, kind[0]).await?;
            found = self.store.read().await?.spaces_of(a.tenant_id, &kind).await?.pop();
        }
        found.ok_or_else(|| AppError::Internal("a personal drive that was just created is missing".into()))
    }

    /// One space, if the caller may see it.
    pub async fn space(&self, s: &Session, space: SpaceId) -> AppResult<SpaceView> {
        self.exam_lock(&mut self.store.read().await?, &s.actor).await?;
        let a = &s.actor;
        let row = self.store.read().await?.space(a.tenant_id, space).await?.ok_or(AppError::NotFound("drive"))?;
        let view = self.space_view(a, row).await?;
        if view.access == Access::None {
            return Err(AppError::NotFound("drive"));
        }
        Ok(view)
    }

    async fn space_view(&self, a: &Actor, space: SpaceRow) -> AppResult<SpaceView> {
        let mut conn = self.store.read().await?;
        let name = match space.kind {
            SpaceKind::Personal(p) => conn.person(a.tenant_id, p).await?.map(|p| p.display_name),
            SpaceKind::Group { group, .. } => conn.group(a.tenant_id, group).await?.map(|g| g.name),
            SpaceKind::Staff(school) => conn.school(a.tenant_id, school).await?.map(|s| s.name),
        }
        .unwrap_or_default();
        let can_set_quota = self.may_set_quota(&mut conn, a, &space).await?;
        Ok(SpaceView {
            quota_bytes: self.quota_of(&space),
            access: space_access(a, &facts(&space)),
            name,
            can_set_quota,
            space,
        })
    }

    /// Whether the caller may change a space's quota; only admins need the owner's facts.
    async fn may_set_quota<C>(&self, conn: &mut tavle_store::Db<C>, a: &Actor, space: &SpaceRow) -> AppResult<bool>
    where
        C: std::ops::DerefMut<Target = tavle_store::AnyConnection> + Send,
    {
        if a.staff.is_empty() {
            return Ok(false);
        }
        let owner = match space.kind {
            SpaceKind::Personal(p) => Some(conn.person_facts(a.tenant_id, p).await?),
            _ => None,
        };
        Ok(may_set_quota(a, &facts(space), owner.as_ref()))
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
        if !self.may_set_quota(&mut tx, a, &row).await? {
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
                Some(self.personal_quota(&tx.actor(a.tenant_id, p, status).await?))
            }
            (q, _) => q,
        };
        tx.set_quota(a.tenant_id, space, quota).await?;
        let detail = json!({ "from": row.quota_bytes, "to": quota, "kind": row.kind.code() });
        tx.append_audit(&event(a, self.clock.now(), "drive.quota", space, meta, detail)).await?;
        tx.commit().await?;
        let row = self.store.read().await?.space(a.tenant_id, space).await?.ok_or(AppError::NotFound("drive"))?;
        self.space_view(a, row).await
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
            self.create_space(&owner_actor, kind[0]).await?;
            conn = self.store.read().await?;
            found = conn.spaces_of(a.tenant_id, &kind).await?.pop();
        }
        drop(conn);
        let row = found.ok_or(AppError::NotFound("drive"))?;
        let mut tx = self.store.write().await?;
        let detail = json!({ "owner": person.to_string() });
        tx.append_audit(&event(a, self.clock.now(), "drive.usage_read", row.id, meta, detail)).await?;
        tx.commit().await?;
        self.space_view(a, row).await
    }

    /// The default quota of a person's own drive: by their role.
    fn personal_quota(&self, owner: &Actor) -> i64 {
        let d = &self.cfg.drive;
        if owner.works_at.is_empty() && owner.staff.is_empty() {
            d.quota_pupil
        } else {
            d.quota_staff
        }
    }

    /// Creates a space with its root folder; one created by a concurrent request is fine.
    async fn create_space(&self, a: &Actor, kind: SpaceKind) -> AppResult<()> {
        let now = self.clock.now().millis();
        let quota = match kind {
            // A personal drive's quota follows the owner's role when it is created.
            SpaceKind::Personal(_) => Some(self.personal_quota(a)),
            _ => None,
        };
        let space = SpaceRow {
            id: SpaceId::new(),
            tenant_id: a.tenant_id,
            kind,
            root_id: NodeId::new(),
            quota_bytes: quota,
            used_bytes: 0,
            created_at: now,
        };
        let root = new_folder(&space, space.root_id, None, String::new(), None, now);
        let mut tx = self.store.write().await?;
        match tx.insert_space(&space, &root).await {
            Ok(()) => Ok(tx.commit().await?),
            Err(StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
