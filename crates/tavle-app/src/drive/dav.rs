//! What WebDAV needs beyond files and folders: finding a node by its path in a space, the
//! properties clients set with PROPPATCH, and locks, which live in the database so that
//! every Tavle node agrees on them.

use tavle_core::dav::{DeadProperty, Lock};
use tavle_core::drive::Access;
use tavle_core::drive::Node;
use tavle_core::policy::{may_use_lock, LockUse};
use tavle_core::PersonId;
use tavle_store::Tx;

use super::Drive;
use crate::access::SpaceView;
use crate::caller::Session;
use crate::error::{AppError, AppResult};

/// A change to a node's properties.
#[derive(Clone, Debug)]
pub enum PropertyChange {
    Set(DeadProperty),
    Remove { namespace: String, name: String },
}

impl Drive {
    /// The properties set on a node, or on every child of a folder.
    pub async fn dav_properties(&self, s: &Session, node: &Node, children: bool) -> AppResult<Vec<DeadProperty>> {
        let mut conn = self.store.read().await?;
        self.access.reach(&mut conn, &s.actor, node.id, false).await?;
        Ok(if children {
            conn.dav_properties_of_children(s.actor.tenant_id, node.id).await?
        } else {
            conn.dav_properties(s.actor.tenant_id, node.id).await?
        })
    }

    /// Sets and removes properties of a node, all or none.
    pub async fn patch_dav_properties(&self, s: &Session, node: &Node, changes: &[PropertyChange]) -> AppResult<()> {
        let tenant = s.actor.tenant_id;
        let mut tx = self.store.write().await?;
        self.access.reach(&mut tx, &s.actor, node.id, false).await?.require(Access::Edit)?;
        for c in changes {
            match c {
                PropertyChange::Set(p) => {
                    tx.put_dav_property(tenant, &DeadProperty { node_id: node.id, ..p.clone() }).await?
                }
                PropertyChange::Remove { namespace, name } => {
                    tx.delete_dav_property(tenant, node.id, namespace, name).await?
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The live locks of a space the caller may see.
    pub async fn dav_locks(&self, s: &Session, space: &SpaceView) -> AppResult<Vec<Lock>> {
        space.require_for(&s.actor)?;
        let now = self.clock.now().millis();
        Ok(self.store.read().await?.dav_locks(s.actor.tenant_id, space.space().id, now).await?)
    }

    /// Takes a lock unless `conflicts` (given the space's live locks, read in the same
    /// transaction) finds one in the way, which is returned instead. The lock's principal is
    /// the caller's person id, which is how the policy knows its holder later.
    pub async fn dav_lock(
        &self,
        s: &Session,
        space: &SpaceView,
        lock: Lock,
        conflicts: impl FnOnce(&[Lock]) -> Option<Lock>,
    ) -> AppResult<Result<Lock, Lock>> {
        space.require_for(&s.actor)?;
        if !may_use_lock(&s.actor, space.access(), LockUse::Take, None) || lock.space_id != space.space().id {
            return Err(AppError::Forbidden);
        }
        let lock = Lock { tenant_id: s.actor.tenant_id, principal: Some(s.actor.person_id.to_string()), ..lock };
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        let locks = tx.dav_locks(s.actor.tenant_id, space.space().id, now).await?;
        if let Some(c) = conflicts(&locks) {
            return Ok(Err(c));
        }
        tx.insert_dav_lock(&lock).await?;
        tx.commit().await?;
        Ok(Ok(lock))
    }

    /// The live lock with `token` in the caller's drive, if the policy lets them `what` it.
    async fn usable_lock(
        &self,
        tx: &mut Tx,
        s: &Session,
        space: &SpaceView,
        token: &str,
        what: LockUse,
    ) -> AppResult<Lock> {
        space.require_for(&s.actor)?;
        let now = self.clock.now().millis();
        let lock = tx
            .dav_locks(s.actor.tenant_id, space.space().id, now)
            .await?
            .into_iter()
            .find(|l| l.token == token)
            .ok_or(AppError::NotFound("lock"))?;
        if may_use_lock(&s.actor, space.access(), what, holder(&lock)) {
            Ok(lock)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Gives a lock a new timeout; only its holder may.
    pub async fn dav_refresh(&self, s: &Session, space: &SpaceView, lock: &Lock) -> AppResult<()> {
        let mut tx = self.store.write().await?;
        let current = self.usable_lock(&mut tx, s, space, &lock.token, LockUse::Refresh).await?;
        let refreshed = Lock { timeout_secs: lock.timeout_secs, expires_at: lock.expires_at, ..current };
        tx.refresh_dav_lock(&refreshed).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Releases a lock in the caller's drive, as the policy allows (its holder, or someone
    /// else who may change the drive); returns whether it existed.
    pub async fn dav_unlock(&self, s: &Session, space: &SpaceView, token: &str) -> AppResult<bool> {
        let mut tx = self.store.write().await?;
        self.usable_lock(&mut tx, s, space, token, LockUse::Release).await?;
        let done = tx.delete_dav_lock(s.actor.tenant_id, token).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Drops the locks on a path and below (after it was moved or deleted).
    pub async fn dav_unlock_under(&self, s: &Session, space: &SpaceView, path: &str) -> AppResult<()> {
        space.require_for(&s.actor)?;
        if !may_use_lock(&s.actor, space.access(), LockUse::Release, None) {
            return Err(AppError::Forbidden);
        }
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        tx.delete_dav_locks_under(s.actor.tenant_id, space.space().id, path, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Who took a lock: its principal is their person id (`dav_lock`; migration 0019 rewrote
/// older locks' usernames).
fn holder(lock: &Lock) -> Option<PersonId> {
    lock.principal.as_deref().and_then(|p| p.parse().ok()).map(PersonId)
}
