//! Browsing and changing files and folders: look, list, create folders, move, copy, delete
//! to the trash, search.

use crate::access::name_free;
use crate::Conflict;
use std::sync::Arc;
use tavle_store::document_images::ImageHolder;

use tavle_core::drive::Node;
use tavle_core::drive::{file_name, name_key, Access, NodeKind};
use tavle_core::policy::Actor;
use tavle_core::NodeId;
use tavle_store::Tx;

use super::Drive;
use crate::access::Reached;
use crate::caller::Session;
use crate::content::{new_etag, new_folder};
use crate::error::{AppError, AppResult};

/// A file or folder as the caller sees it.
#[derive(Clone, Debug)]
pub struct NodeView {
    pub node: Node,
    /// The folders from the space's root down to the node's parent (the root first).
    pub path: Vec<Node>,
    pub access: Access,
}

impl From<Reached> for NodeView {
    fn from(r: Reached) -> Self {
        let root = r.space().root_id;
        let space = r.space().clone();
        let (mut path, access) = r.into_path();
        // `Reached` always holds its node; the fallback only keeps the conversion total.
        let node = path.pop().unwrap_or_else(|| new_folder(&space, root, None, String::new(), None, 0));
        NodeView { node, path, access }
    }
}

/// Where a move or copy goes.
#[derive(Clone, Debug)]
pub struct Destination {
    pub parent: NodeId,
    /// A new name; `None` keeps the name.
    pub name: Option<String>,
    /// Whether a live node of that name is moved to the trash first (WebDAV `Overwrite: T`).
    pub replace: bool,
}

/// The bytes of files in a set of nodes (what a move or copy carries between quotas).
pub(crate) fn file_bytes(nodes: &[Node]) -> i64 {
    nodes.iter().filter(|n| n.kind == NodeKind::File).map(|n| n.size).sum()
}

/// Fails unless `if_match` (an ETag, or `*`) matches the node.
pub(crate) fn check_if_match(node: &Node, if_match: Option<&str>) -> AppResult<()> {
    match if_match {
        Some(tag) if tag != "*" && tag != node.etag => Err(AppError::PreconditionFailed),
        _ => Ok(()),
    }
}

impl Drive {
    /// A file or folder with its path.
    pub async fn node(&self, s: &Session, node: NodeId) -> AppResult<NodeView> {
        let mut conn = self.store.read().await?;
        Ok(self.access.reach(&mut conn, &s.actor, node, false).await?.into())
    }

    /// A folder and what is in it.
    ///
    /// Listings are cached by the folder's ETag, which every change below the folder replaces
    /// in the same transaction: a listing is reused only while the database still holds the
    /// ETag it was read under, so every node of a cluster sees every change at once. The
    /// ETag is read before the children, so a listing is never older than its ETag.
    pub async fn folder(&self, s: &Session, folder: NodeId) -> AppResult<(NodeView, Arc<Vec<Node>>)> {
        let mut conn = self.store.read().await?;
        let r = self.access.reach(&mut conn, &s.actor, folder, false).await?;
        r.require_folder()?;
        let children = self.listing(&mut conn, r.node()).await?;
        Ok((r.into(), children))
    }

    /// A folder and what is in it for a sync client's listing, with the kinds of shares on the
    /// folder and each node in it (`person`, `group`, `school`, `link`) when `with_shares` and
    /// the caller may share here (else none).
    pub async fn folder_for_sync(
        &self,
        s: &Session,
        folder: NodeId,
        with_shares: bool,
    ) -> AppResult<(NodeView, Arc<Vec<Node>>, Vec<(NodeId, String)>)> {
        let mut conn = self.store.read().await?;
        let r = self.access.reach(&mut conn, &s.actor, folder, false).await?;
        r.require_folder()?;
        let children = self.listing(&mut conn, r.node()).await?;
        let kinds = if with_shares && r.space_access() >= Access::Edit {
            conn.share_kinds_in_folder(s.actor.tenant_id, folder, self.clock.now().millis()).await?
        } else {
            Vec::new()
        };
        Ok((r.into(), children, kinds))
    }

    /// The kinds of shares on one node (and on what is directly in it), for those who may
    /// share it; none for others.
    pub async fn share_kinds(&self, s: &Session, node: NodeId) -> AppResult<Vec<(NodeId, String)>> {
        let mut conn = self.store.read().await?;
        let r = self.access.reach(&mut conn, &s.actor, node, false).await?;
        if r.space_access() < Access::Edit {
            return Ok(Vec::new());
        }
        Ok(conn.share_kinds_in_folder(s.actor.tenant_id, node, self.clock.now().millis()).await?)
    }

    /// What is in a folder just reached, from the cache while its ETag holds.
    pub(crate) async fn listing<C>(&self, conn: &mut tavle_store::Db<C>, folder: &Node) -> AppResult<Arc<Vec<Node>>>
    where
        C: tavle_store::DbHandle,
    {
        let key = (folder.tenant_id, folder.id);
        Ok(match self.listings.get(&key).filter(|(e, _)| *e == folder.etag) {
            Some((_, cached)) => cached,
            None => {
                let fresh = Arc::new(conn.children(folder.tenant_id, folder.id).await?);
                self.listings.insert(key, (folder.etag.clone(), fresh.clone()));
                fresh
            }
        })
    }

    /// Creates a folder; a file or folder of that name already there is a conflict.
    pub async fn create_folder(&self, s: &Session, parent: NodeId, name: &str) -> AppResult<Node> {
        let a = &s.actor;
        let name = file_name(name)?;
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        let p = self.access.place_for(&mut tx, a, parent, &name, NodeKind::Folder).await?;
        let node = new_folder(p.space(), NodeId::new(), Some(parent), name, Some(a.person_id), now);
        tx.insert_node(&node).await.map_err(|e| conflict(e, &node.name))?;
        tx.touch_folders(a.tenant_id, parent, &new_etag()).await?;
        tx.commit().await?;
        Ok(node)
    }

    /// Renames and/or moves a file or folder, also into another space the caller may edit.
    pub async fn move_node(
        &self,
        s: &Session,
        node: NodeId,
        to: &Destination,
        if_match: Option<&str>,
    ) -> AppResult<Node> {
        let a = &s.actor;
        let mut tx = self.store.write().await?;
        let src = self.access.reach(&mut tx, a, node, false).await?;
        src.require(Access::Edit)?;
        let mut moved = src.node().clone();
        if moved.parent_id.is_none() {
            return Err(Conflict::DriveRoot.into());
        }
        check_if_match(&moved, if_match)?;
        let dst = self.destination(&mut tx, a, to).await?;
        if dst.path().iter().any(|n| n.id == node) {
            return Err(Conflict::IntoItself.into());
        }
        let name = file_name(to.name.as_deref().unwrap_or(&moved.name))?;
        self.clear_destination(&mut tx, a, to, &name, Some(node)).await?;
        name_free(&mut tx, a.tenant_id, to.parent, &name, moved.kind, Some(node)).await?;
        let old_parent = moved.parent_id;
        if dst.space().id != src.space().id {
            let subtree = tx.subtree(a.tenant_id, node).await?;
            let bytes = file_bytes(&subtree);
            self.content.charge(&mut tx, dst.space(), bytes).await?;
            tx.add_used(a.tenant_id, src.space().id, -bytes).await?;
            tx.move_subtree_to_space(a.tenant_id, node, dst.space().id).await?;
            moved.space_id = dst.space().id;
        }
        moved.parent_id = Some(to.parent);
        moved.name = name;
        moved.etag = new_etag();
        tx.update_node(&moved).await.map_err(|e| conflict(e, &moved.name))?;
        let etag = new_etag();
        if let Some(old) = old_parent {
            tx.touch_folders(a.tenant_id, old, &etag).await?;
        }
        tx.touch_folders(a.tenant_id, to.parent, &etag).await?;
        tx.commit().await?;
        self.access_changed();
        Ok(moved)
    }

    /// Copies a file or a folder with everything live in it. The copies share the stored
    /// contents (no bytes are copied) but count against the destination's quota.
    pub async fn copy_node(&self, s: &Session, node: NodeId, to: &Destination) -> AppResult<Node> {
        let a = &s.actor;
        let now = self.clock.now().millis();
        let mut tx = self.store.write().await?;
        let src = self.access.reach(&mut tx, a, node, false).await?;
        src.require(Access::View)?;
        let dst = self.destination(&mut tx, a, to).await?;
        if dst.path().iter().any(|n| n.id == node) {
            return Err(Conflict::IntoItself.into());
        }
        let name = file_name(to.name.as_deref().unwrap_or(&src.node().name))?;
        self.clear_destination(&mut tx, a, to, &name, None).await?;
        name_free(&mut tx, a.tenant_id, to.parent, &name, src.node().kind, None).await?;
        // Only what is live is copied: skip trashed nodes and everything below them.
        let subtree = tx.subtree(a.tenant_id, node).await?;
        let mut ids = std::collections::HashMap::new();
        let mut documents = Vec::new();
        let mut copies = Vec::with_capacity(subtree.len());
        for n in subtree {
            let parent = if n.id == node {
                Some(to.parent)
            } else {
                match n.parent_id.and_then(|p| ids.get(&p)) {
                    Some(p) if n.trashed_at.is_none() => Some(*p),
                    _ => continue,
                }
            };
            let copy = Node {
                id: NodeId::new(),
                space_id: dst.space().id,
                parent_id: parent,
                name: if n.id == node { name.clone() } else { n.name.clone() },
                etag: new_etag(),
                created_at: now,
                created_by: Some(a.person_id),
                modified_by: Some(a.person_id),
                trashed_at: None,
                trashed_by: None,
                ..n
            };
            ids.insert(n.id, copy.id);
            if copy.kind == NodeKind::Document {
                documents.push((n.id, copy.id));
            }
            copies.push(copy);
        }
        self.content.charge(&mut tx, dst.space(), file_bytes(&copies)).await?;
        for c in &copies {
            tx.insert_node(c).await.map_err(|e| conflict(e, &c.name))?;
        }
        // A document's copy starts from the same stored state (snapshot and updates).
        for (from, to) in documents {
            tx.copy_document(a.tenant_id, from, to).await?;
            tx.copy_document_images(a.tenant_id, ImageHolder::Document(from), ImageHolder::Document(to), now).await?;
        }
        tx.touch_folders(a.tenant_id, to.parent, &new_etag()).await?;
        tx.commit().await?;
        copies.into_iter().next().ok_or_else(|| AppError::Internal("a copy without its top node".into()))
    }

    /// Moves a file or folder to its space's trash.
    pub async fn delete_node(&self, s: &Session, node: NodeId, if_match: Option<&str>) -> AppResult<()> {
        let a = &s.actor;
        let mut tx = self.store.write().await?;
        let r = self.access.reach(&mut tx, a, node, false).await?;
        r.require(Access::Edit)?;
        check_if_match(r.node(), if_match)?;
        self.trash_in(&mut tx, a, r.node().clone()).await?;
        tx.commit().await?;
        self.access_changed();
        Ok(())
    }

    /// Files and folders whose names contain `text`, in every space the caller may see and in
    /// what was shared with them (and below it).
    pub async fn search(&self, s: &Session, text: &str, limit: i64) -> AppResult<Vec<Node>> {
        self.access.exam_lock(&mut self.store.read().await?, &s.actor).await?;
        let text = text.trim();
        if text.is_empty() {
            return Ok(vec![]);
        }
        let mut roots: Vec<NodeId> = self.spaces(s).await?.iter().map(|v| v.space().root_id).collect();
        // What others shared with the caller, and what is below it.
        roots.extend(self.shared_with_me(s).await?.iter().map(|i| i.node.node.id));
        let mut found = self.store.read().await?.search_nodes(s.actor.tenant_id, &roots, text, limit).await?;
        let mut seen = std::collections::HashSet::new();
        found.retain(|n| seen.insert(n.id));
        Ok(found)
    }

    /// The files the caller changed last that they can still reach (newest first, at most
    /// `limit`): the home page's "recent files".
    pub async fn recent_files(&self, s: &Session, limit: usize) -> AppResult<Vec<Node>> {
        let mut conn = self.store.read().await?;
        self.access.exam_lock(&mut conn, &s.actor).await?;
        let candidates = conn.recently_changed_by(s.actor.tenant_id, s.actor.person_id, (limit * 3) as i64).await?;
        let mut out = Vec::with_capacity(limit);
        for n in candidates {
            if out.len() == limit {
                break;
            }
            // Only what the caller may reach now: not under a folder in the trash, not in a
            // class drive they have left.
            match self.access.reach(&mut conn, &s.actor, n.id, false).await {
                Ok(r) => out.push(r.node().clone()),
                Err(AppError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Puts a live node in the trash and tells the folders above.
    pub(crate) async fn trash_in(&self, tx: &mut Tx, a: &Actor, mut node: Node) -> AppResult<()> {
        let Some(parent) = node.parent_id else {
            return Err(Conflict::DriveRoot.into());
        };
        node.trashed_at = Some(self.clock.now().millis());
        node.trashed_by = Some(a.person_id);
        node.etag = new_etag();
        tx.update_node(&node).await?;
        tx.touch_folders(a.tenant_id, parent, &new_etag()).await?;
        Ok(())
    }

    /// The destination folder of a move or copy, which the caller must be able to edit.
    async fn destination(&self, tx: &mut Tx, a: &Actor, to: &Destination) -> AppResult<Reached> {
        let dst = self.access.reach(tx, a, to.parent, false).await?;
        dst.require(Access::Edit)?;
        dst.require_folder()?;
        Ok(dst)
    }

    /// Makes room for `name` in the destination: a node of that name (other than `moving`)
    /// goes to the trash when the caller asked to replace it, and is a conflict otherwise.
    async fn clear_destination(
        &self,
        tx: &mut Tx,
        a: &Actor,
        to: &Destination,
        name: &str,
        moving: Option<NodeId>,
    ) -> AppResult<()> {
        match tx.child(a.tenant_id, to.parent, &name_key(name)).await? {
            Some(there) if Some(there.id) != moving => {
                if to.replace {
                    self.trash_in(tx, a, there).await
                } else {
                    Err(exists(name))
                }
            }
            _ => Ok(()),
        }
    }
}

pub(crate) use crate::error::{conflict, exists};
