//! What WebDAV needs beyond files and folders: finding a node by its path in a space, the
//! properties clients set with PROPPATCH, and locks, which live in the database so that
//! every Tavle node agrees on them.

use tavle_core::drive::{name_key, Access};
use tavle_core::SpaceId;
use tavle_store::dav::{DavLockRow, DavPropertyRow};
use tavle_store::drive::NodeRow;

use super::spaces::SpaceView;
use crate::auth::Session;
use crate::error::{AppError, AppResult};
use crate::App;

/// A change to a node's properties.
#[derive(Clone, Debug)]
pub enum PropertyChange {
    Set(DavPropertyRow),
    Remove { namespace: String, name: String },
}

impl App {
    /// The live node at `segments` below the space's root (the root itself for none), or
    /// `None` when nothing is there.
    pub async fn lookup(&self, s: &Session, space: &SpaceView, segments: &[String]) -> AppResult<Option<NodeRow>> {
        if space.access == Access::None {
            return Err(AppError::NotFound("drive"));
        }
        let tenant = s.actor.tenant_id;
        let mut conn = self.store.read().await?;
        let mut node = match conn.node(tenant, space.space.root_id).await? {
            Some(n) => n,
            None => return Ok(None),
        };
        for seg in segments {
            match conn.child(tenant, node.id, &name_key(seg)).await? {
                Some(n) => node = n,
                None => return Ok(None),
            }
        }
        Ok(Some(node))
    }

    /// The properties set on a node, or on every child of a folder.
    pub async fn dav_properties(&self, s: &Session, node: &NodeRow, children: bool) -> AppResult<Vec<DavPropertyRow>> {
        let mut conn = self.store.read().await?;
        self.reach(&mut conn, &s.actor, node.id, false).await?;
        Ok(if children {
            conn.dav_properties_of_children(s.actor.tenant_id, node.id).await?
        } else {
            conn.dav_properties(s.actor.tenant_id, node.id).await?
        })
    }

    /// Sets and removes properties of a node, all or none.
    pub async fn patch_dav_properties(&self, s: &Session, node: &NodeRow, changes: &[PropertyChange]) -> AppResult<()> {
        let tenant = s.actor.tenant_id;
        let mut tx = self.store.write().await?;
        self.reach(&mut tx, &s.actor, node.id, false).await?.require(Access::Edit)?;
        for c in changes {
            match c {
                PropertyChange::Set(p) => {
                    tx.put_dav_property(tenant, &DavPropertyRow { node_id: node.id, ..p.clone() }).await?
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
    pub async fn dav_locks(&self, s: &Session, space: SpaceId) -> AppResult<Vec<DavLockRow>> {
        let now = self.clock.now().millis();
        Ok(self.store.read().await?.dav_locks(s.actor.tenant_id, space, now).await?)
    }

    /// Takes a lock unless `conflicts` (given the space's live locks, read in the same
    /// transaction) finds one in the way, which is returned instead.
    pub async fn dav_lock(
        &self,
        s: &Session,
        space: &SpaceView,
        lock: DavLockRow,
        conflicts: impl FnOnce(&[DavLockRow]) -> Option<DavLockRow>,
    ) -> AppResult<Result<DavLockRow, DavLockRow>> {
        if space.access < Access::Edit {
            return Err(AppError::Forbidden);
        }
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        let locks = tx.dav_locks(s.actor.tenant_id, space.space.id, now).await?;
        if let Some(c) = conflicts(&locks) {
            return Ok(Err(c));
        }
        tx.insert_dav_lock(&lock).await?;
        tx.commit().await?;
        Ok(Ok(lock))
    }

    /// Gives a lock a new timeout.
    pub async fn dav_refresh(&self, s: &Session, lock: &DavLockRow) -> AppResult<()> {
        let mut tx = self.store.write().await?;
        if lock.tenant_id != s.actor.tenant_id {
            return Err(AppError::NotFound("lock"));
        }
        tx.refresh_dav_lock(lock).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Releases a lock; returns whether it existed.
    pub async fn dav_unlock(&self, s: &Session, token: &str) -> AppResult<bool> {
        let mut tx = self.store.write().await?;
        let done = tx.delete_dav_lock(s.actor.tenant_id, token).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Drops the locks on a path and below (after it was moved or deleted).
    pub async fn dav_unlock_under(&self, s: &Session, space: SpaceId, path: &str) -> AppResult<()> {
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        tx.delete_dav_locks_under(s.actor.tenant_id, space, path, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
