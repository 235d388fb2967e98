//! Who may reach what. A drive's access (`SpaceView`, made only here, from
//! `policy::space_access`), a node's (`reach`: the space, shares on it or a folder above it,
//! the trash, the exam lock, and a working folder whose assignment closed: `work.rs`), and
//! what running exams shut (`exams.rs`). The drive,
//! assignments and (later) documents ask here before they act; nothing here decides by
//! itself what the policy in `tavle_core::policy` decides.

mod exams;
mod work;

use std::sync::Arc;

use serde_json::json;

use tavle_core::drive::name_key;
use tavle_core::drive::{Access, NodeKind, ShareGrant, SpaceFacts, SpaceKind};
use tavle_core::drive::{Node, Space};
use tavle_core::policy::{may_set_quota, shared_access, space_access, Actor};
use tavle_core::{NodeId, PersonId, SpaceId, TenantId};
use tavle_store::StoreError;

pub use exams::MAX_EXTRA_SECS;
pub(crate) use exams::{slot, window};

use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::content::{new_folder, Content};
use crate::error::{AppError, AppResult};
use crate::{Base, Conflict};

/// Refuses a name that WebDAV and the sync clients would show twice in folder `parent`: a
/// document is shown as `<name>.odt`, so `X.odt` may not go beside a document `X`, nor a
/// document `X` beside `X.odt` (any case). `except` is the node being moved or renamed.
/// (The same name twice is the database's to refuse.)
pub(crate) async fn name_free(
    tx: &mut tavle_store::Tx,
    tenant: TenantId,
    parent: NodeId,
    name: &str,
    kind: NodeKind,
    except: Option<NodeId>,
) -> AppResult<()> {
    let other = match kind {
        NodeKind::Document => {
            let file_form = format!("{name}.{}", tavle_core::drive::DOCUMENT_FILE_EXTENSION);
            tx.child(tenant, parent, &name_key(&file_form)).await?
        }
        _ => match tavle_core::drive::document_name_of(name) {
            Some(stem) => tx.child(tenant, parent, &name_key(stem)).await?.filter(|n| n.kind == NodeKind::Document),
            None => None,
        },
    };
    match other {
        Some(o) if Some(o.id) != except => Err(Conflict::NameTaken(o.client_name().into_owned()).into()),
        _ => Ok(()),
    }
}

/// Access decisions. Depends on content (a drive is made with its root folder, and its
/// quota is content's).
#[derive(Clone)]
pub struct AccessControl {
    base: Arc<Base>,
    content: Content,
}
crate::service!(AccessControl);

pub(crate) fn facts(space: &Space) -> SpaceFacts {
    SpaceFacts { tenant_id: space.tenant_id, space_id: space.id, kind: space.kind }
}

/// A space as the caller sees it, with the access the policy gave them. Only access control
/// makes one (its fields are private), so a `SpaceView` passed back in is an access
/// decision that was made, not one a caller wrote.
#[derive(Clone, Debug)]
pub struct SpaceView {
    /// Whose decision it is.
    person: PersonId,
    space: Space,
    /// The group's or school's name; for a personal drive, the owner's name.
    name: String,
    /// The quota that applies (bytes).
    quota_bytes: i64,
    access: Access,
    /// Whether the caller may change the quota (`policy::may_set_quota`).
    can_set_quota: bool,
}

impl SpaceView {
    pub fn space(&self) -> &Space {
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

    /// Refuses a decision made for someone other than `a`.
    pub(crate) fn require_for(&self, a: &Actor) -> AppResult<()> {
        if self.person == a.person_id && self.space.tenant_id == a.tenant_id {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// A node the caller may reach: its space, the path from the root to it and the access the
/// policy gave. Only access control makes one (its fields are private), for one person, so a
/// `Reached` passed back in is a decision that was made, not one a caller wrote: WebDAV walks
/// a path once and hands the folder it reached to the upload, which decides nothing again.
#[derive(Clone, Debug)]
pub struct Reached {
    /// Whose decision it is.
    person: PersonId,
    space: Space,
    /// Root first, the node itself last.
    path: Vec<Node>,
    /// What the caller may do here: from the space, or from shares, whichever is more.
    access: Access,
    /// What the space alone gives (sharing a node needs `Edit` here, not through a share).
    space_access: Access,
}

impl Reached {
    pub fn node(&self) -> &Node {
        // A path always holds at least the node itself (see `AccessControl::reach`).
        &self.path[self.path.len() - 1]
    }

    /// The drive it is in.
    pub fn space(&self) -> &Space {
        &self.space
    }

    /// Root first, the node itself last.
    pub fn path(&self) -> &[Node] {
        &self.path
    }

    /// What the caller may do here: from the space, or from shares, whichever is more.
    pub fn access(&self) -> Access {
        self.access
    }

    /// What the space alone gives.
    pub fn space_access(&self) -> Access {
        self.space_access
    }

    /// The node and the path to it, for a view.
    pub(crate) fn into_path(self) -> (Vec<Node>, Access) {
        (self.path, self.access)
    }

    /// A live child of this folder, reached with the same access (a folder listing's
    /// entries); `None` for a node that is not one.
    pub fn below(&self, child: Node) -> Option<Reached> {
        let ok = child.parent_id == Some(self.node().id)
            && child.space_id == self.space.id
            && child.tenant_id == self.space.tenant_id
            && child.trashed_at.is_none()
            && self.node().trashed_at.is_none();
        ok.then(|| {
            let mut r = self.clone();
            r.path.push(child);
            r
        })
    }

    /// Refuses a decision made for someone other than `a`.
    pub(crate) fn require_for(&self, a: &Actor) -> AppResult<()> {
        if self.person == a.person_id && self.space.tenant_id == a.tenant_id {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn require(&self, need: Access) -> AppResult<()> {
        if self.access >= need {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn require_folder(&self) -> AppResult<()> {
        match self.node().kind {
            NodeKind::Folder => Ok(()),
            NodeKind::File | NodeKind::Document => Err(Conflict::NotAFolder.into()),
        }
    }
}

impl AccessControl {
    pub(crate) fn new(base: Arc<Base>, content: Content) -> Self {
        AccessControl { base, content }
    }

    /// The folder `parent` reached for adding a node of `kind` called `name` to it: the
    /// caller may change it, it is a folder, and the name is free there ([`name_free`]).
    pub(crate) async fn place_for(
        &self,
        tx: &mut tavle_store::Tx,
        a: &Actor,
        parent: NodeId,
        name: &str,
        kind: NodeKind,
    ) -> AppResult<Reached> {
        let p = self.reach(tx, a, parent, false).await?;
        p.require(Access::Edit)?;
        p.require_folder()?;
        if tx.child(a.tenant_id, parent, &name_key(name)).await?.is_some() {
            return Err(Conflict::NameTaken(name.to_string()).into());
        }
        name_free(tx, a.tenant_id, parent, name, kind, None).await?;
        Ok(p)
    }

    /// Records the read of a file or document in another person's own drive (through a
    /// share); what is in class, team and staff drives belongs to the group, not to a person.
    pub(crate) async fn audit_read(&self, a: &Actor, r: &Reached, action: &str, meta: &RequestMeta) -> AppResult<()> {
        if let SpaceKind::Personal(owner) = r.space().kind {
            if owner != a.person_id {
                let mut tx = self.store.write().await?;
                let detail = json!({ "owner": owner.to_string(), "name": r.node().name });
                tx.append_audit(&event(a, self.clock.now(), action, r.node().id, meta, detail)).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Loads a node for the caller: it must exist, be in a space they may see, and be live
    /// (neither it nor a folder above it in the trash); or, with `in_trash`, be itself in
    /// the trash (whatever the folders above it are).
    pub(crate) async fn reach<C>(
        &self,
        db: &mut tavle_store::Db<C>,
        actor: &tavle_core::policy::Actor,
        node: NodeId,
        in_trash: bool,
    ) -> AppResult<Reached>
    where
        C: tavle_store::DbHandle,
    {
        let tenant: TenantId = actor.tenant_id;
        let path = db.path_to(tenant, node).await?;
        self.exam_lock_at(db, actor, &path).await?;
        let Some(last) = path.last() else { return Err(AppError::NotFound("file or folder")) };
        let space = db.space(tenant, last.space_id).await?.ok_or(AppError::NotFound("file or folder"))?;
        let from_space = space_access(actor, &facts(&space));
        let mut access = from_space;
        if from_space < Access::Edit {
            // Shares on the node or a folder above it may give more.
            let ids: Vec<NodeId> = path.iter().map(|n| n.id).collect();
            let grants: Vec<ShareGrant> = db
                .shares_on(tenant, &ids, self.clock.now().millis())
                .await?
                .iter()
                .map(|s| ShareGrant { tenant_id: s.tenant_id, grantee: s.grantee, access: s.access })
                .collect();
            access = access.max(shared_access(actor, &grants));
        }
        if access == Access::None || path[0].parent_id.is_some() {
            return Err(AppError::NotFound("file or folder"));
        }
        let (above, own) = path.split_at(path.len() - 1);
        let live_above = in_trash || above.iter().all(|n| n.trashed_at.is_none());
        let ok = live_above && (own[0].trashed_at.is_some() == in_trash);
        if !ok {
            return Err(AppError::NotFound("file or folder"));
        }
        if access >= Access::Edit {
            access = work::capped(access, self.closed_work_at(db, actor, &space, &path).await?);
        }
        Ok(Reached { person: actor.person_id, space, path, access, space_access: from_space })
    }

    /// Walks `segments` down from `from` (or from the drive's root) in a drive whose access
    /// was decided (`space`): what is reached at each step, shorter than `segments` (plus the
    /// root) when a name is missing. Only live nodes are walked through, so each one is
    /// reached with the drive's access; nothing else is decided on the way.
    pub async fn walk(
        &self,
        s: &Session,
        space: &SpaceView,
        from: Option<&Reached>,
        segments: &[String],
    ) -> AppResult<Vec<Reached>> {
        let a = &s.actor;
        space.require_for(a)?;
        if space.access() == Access::None {
            return Err(AppError::NotFound("drive"));
        }
        let tenant = a.tenant_id;
        let start = match from {
            Some(r) if r.space.id == space.space().id && r.person == a.person_id => r.clone(),
            Some(_) => return Err(AppError::NotFound("file or folder")),
            None => {
                let root = self.store.read().await?.node(tenant, space.space().root_id).await?;
                let root = root.ok_or(AppError::NotFound("drive"))?;
                Reached {
                    person: a.person_id,
                    space: space.space().clone(),
                    path: vec![root],
                    access: space.access(),
                    space_access: space.access(),
                }
            }
        };
        let mut out = Vec::with_capacity(segments.len() + 1);
        let mut here = start;
        if from.is_none() {
            out.push(here.clone());
        }
        if segments.is_empty() {
            return Ok(out);
        }
        let mut conn = self.store.read().await?;
        for seg in segments {
            let mut found = conn.child(tenant, here.node().id, &name_key(seg)).await?;
            // A document is reached by its file form's name too (`Stil.odt` for `Stil`).
            if let (None, Some(stem)) = (&found, tavle_core::drive::document_name_of(seg)) {
                found =
                    conn.child(tenant, here.node().id, &name_key(stem)).await?.filter(|n| n.kind == NodeKind::Document);
            }
            match found {
                Some(n) => {
                    here.path.push(n);
                    out.push(here.clone());
                }
                None => break,
            }
        }
        // Below a working folder whose assignment closed, nothing may be changed.
        if here.access >= Access::Edit {
            if let Some(at) = self.closed_work_at(&mut conn, a, &here.space, &here.path).await? {
                for r in out.iter_mut().filter(|r| r.path.len() > at) {
                    r.access = work::capped(r.access, Some(at));
                }
            }
        }
        Ok(out)
    }

    /// The actor's own drive, created on first use.
    pub(crate) async fn own_space(&self, a: &Actor) -> AppResult<Space> {
        let kind = [SpaceKind::Personal(a.person_id)];
        let mut found = self.store.read().await?.spaces_of(a.tenant_id, &kind).await?.pop();
        if found.is_none() {
            self.create_space(a, kind[0]).await?;
            found = self.store.read().await?.spaces_of(a.tenant_id, &kind).await?.pop();
        }
        found.ok_or_else(|| AppError::Internal("a personal drive that was just created is missing".into()))
    }

    /// The actor's own drive as they see it, without its name (theirs; WebDAV does not show
    /// it) and without looking anything up.
    pub(crate) fn own_view(&self, a: &Actor, space: Space) -> SpaceView {
        SpaceView {
            person: a.person_id,
            quota_bytes: self.content.quota_of(&space),
            access: space_access(a, &facts(&space)),
            name: String::new(),
            can_set_quota: false,
            space,
        }
    }

    /// A space as the actor sees it: its name, quota, and the access the policy gives.
    pub(crate) async fn space_view(&self, a: &Actor, space: Space) -> AppResult<SpaceView> {
        let mut conn = self.store.read().await?;
        let name = match space.kind {
            SpaceKind::Personal(p) => conn.person(a.tenant_id, p).await?.map(|p| p.display_name),
            SpaceKind::Group { group, .. } => conn.group(a.tenant_id, group).await?.map(|g| g.name),
            SpaceKind::Staff(school) => conn.school(a.tenant_id, school).await?.map(|s| s.name),
        }
        .unwrap_or_default();
        let can_set_quota = self.may_set_quota(&mut conn, a, &space).await?;
        Ok(SpaceView {
            person: a.person_id,
            quota_bytes: self.content.quota_of(&space),
            access: space_access(a, &facts(&space)),
            name,
            can_set_quota,
            space,
        })
    }

    /// Whether the caller may change a space's quota; only admins need the owner's facts.
    pub(crate) async fn may_set_quota<C>(
        &self,
        conn: &mut tavle_store::Db<C>,
        a: &Actor,
        space: &Space,
    ) -> AppResult<bool>
    where
        C: tavle_store::DbHandle,
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

    /// The default quota of a person's own drive: by their role.
    pub(crate) fn personal_quota(&self, owner: &Actor) -> i64 {
        let d = &self.cfg.drive;
        if owner.works_at.is_empty() && owner.staff.is_empty() {
            d.quota_pupil
        } else {
            d.quota_staff
        }
    }

    /// Creates a space with its root folder; one created by a concurrent request is fine.
    pub(crate) async fn create_space(&self, a: &Actor, kind: SpaceKind) -> AppResult<()> {
        let now = self.clock.now().millis();
        let quota = match kind {
            // A personal drive's quota follows the owner's role when it is created.
            SpaceKind::Personal(_) => Some(self.personal_quota(a)),
            _ => None,
        };
        let space = Space {
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
