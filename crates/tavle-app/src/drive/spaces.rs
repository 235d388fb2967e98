//! The caller's spaces: created the first time they are needed, named for people, with the
//! quota that applies.

use tavle_core::drive::{Access, SpaceKind};
use tavle_core::policy::{space_access, Actor};
use tavle_core::{NodeId, SpaceId};
use tavle_store::drive::SpaceRow;
use tavle_store::StoreError;

use super::{facts, new_folder};
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::App;

/// A space as the caller sees it.
#[derive(Clone, Debug)]
pub struct SpaceView {
    pub space: SpaceRow,
    /// The group's or school's name; for a personal drive, the owner's name.
    pub name: String,
    /// The quota that applies (bytes).
    pub quota_bytes: i64,
    pub access: Access,
}

/// The spaces a person has by who they are: their own, one per group, one per school they
/// work at.
fn spaces_of(a: &Actor) -> Vec<SpaceKind> {
    let mut kinds = vec![SpaceKind::Personal(a.person_id)];
    for m in &a.memberships {
        kinds.push(SpaceKind::Group { group: m.group_id, school: m.school_id });
    }
    let mut schools = a.works_at.clone();
    schools.extend(a.staff.iter().filter_map(|r| match r {
        tavle_core::org::StaffRole::SchoolAdmin(s) => Some(*s),
        tavle_core::org::StaffRole::MunicipalityAdmin => None,
    }));
    schools.sort();
    schools.dedup();
    kinds.extend(schools.into_iter().map(SpaceKind::Staff));
    kinds
}

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
        let a = &s.actor;
        let kinds = spaces_of(a);
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
        let a = &s.actor;
        let kind = [SpaceKind::Personal(a.person_id)];
        let mut found = self.store.read().await?.spaces_of(a.tenant_id, &kind).await?.pop();
        if found.is_none() {
            self.create_space(a, kind[0]).await?;
            found = self.store.read().await?.spaces_of(a.tenant_id, &kind).await?.pop();
        }
        let space =
            found.ok_or_else(|| AppError::Internal("a personal drive that was just created is missing".into()))?;
        // The name is the caller's own; WebDAV does not show it.
        Ok(SpaceView {
            quota_bytes: self.quota_of(&space),
            access: space_access(a, &facts(&space)),
            name: String::new(),
            space,
        })
    }

    /// One space, if the caller may see it.
    pub async fn space(&self, s: &Session, space: SpaceId) -> AppResult<SpaceView> {
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
        Ok(SpaceView { quota_bytes: self.quota_of(&space), access: space_access(a, &facts(&space)), name, space })
    }

    /// Creates a space with its root folder; one created by a concurrent request is fine.
    async fn create_space(&self, a: &Actor, kind: SpaceKind) -> AppResult<()> {
        let now = self.clock.now().millis();
        let d = &self.cfg.drive;
        let quota = match kind {
            // A personal drive's quota follows the owner's role when it is created.
            SpaceKind::Personal(_) if a.works_at.is_empty() && a.staff.is_empty() => Some(d.quota_pupil),
            SpaceKind::Personal(_) => Some(d.quota_staff),
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
