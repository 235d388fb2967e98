//! The WOPI host's operations on one file, for a caller the token named: CheckFileInfo,
//! GetFile, PutFile (a new version through the drive's upload), Lock / GetLock / RefreshLock /
//! Unlock / UnlockAndRelock (rows, 30 minutes, any node answers), PutRelativeFile (save as)
//! and RenameFile. A lock held under another id is a conflict that names the current lock
//! (`Conflict::WopiLocked`), which the WOPI door sends as `X-WOPI-Lock`.

use bytes::Bytes;
use serde_json::json;
use tavle_core::drive::{file_name, Access, Node, NodeKind};
use tavle_store::office::WopiLock;

use super::{proof, Office, WopiCaller};
use crate::access::Reached;
use crate::audit::{event, RequestMeta};
use crate::content::Download;
use crate::drive::{Conditions, Destination};
use crate::error::{AppError, AppResult};
use crate::Conflict;

/// How long a lock holds unless refreshed.
const LOCK_MS: i64 = 30 * 60_000;
/// The longest lock id taken.
const MAX_LOCK: usize = 1024;

/// What CheckFileInfo says of a file.
#[derive(Clone, Debug)]
pub struct FileInfo {
    pub name: String,
    pub owner_id: String,
    pub size: i64,
    pub user_id: String,
    pub user_name: String,
    /// The file's current ETag.
    pub version: String,
    pub modified_at: i64,
    pub can_write: bool,
}

/// A file saved under a new name (PutRelativeFile).
#[derive(Clone, Debug)]
pub struct Relative {
    pub name: String,
    pub node: tavle_core::NodeId,
    /// A token for the new file.
    pub access_token: String,
}

impl WopiCaller {
    pub fn node(&self) -> tavle_core::NodeId {
        self.grant.node
    }
}

impl Office {
    async fn reached(&self, c: &WopiCaller) -> AppResult<Reached> {
        let r = self.access.reach(&mut self.store.read().await?, &c.session.actor, c.grant.node, false).await?;
        if r.node().kind != NodeKind::File {
            return Err(Conflict::NotAFile.into());
        }
        Ok(r)
    }

    pub async fn check_file_info(&self, c: &WopiCaller) -> AppResult<FileInfo> {
        let r = self.reached(c).await?;
        let n = r.node();
        let person = self.store.read().await?.person(c.grant.tenant, c.grant.person).await?;
        Ok(FileInfo {
            name: n.name.clone(),
            owner_id: n.created_by.map(|p| p.to_string()).unwrap_or_default(),
            size: n.size,
            user_id: c.grant.person.to_string(),
            user_name: person.map(|p| p.display_name).unwrap_or_default(),
            version: n.etag.clone(),
            modified_at: n.modified_at,
            can_write: r.access() >= Access::Edit,
        })
    }

    pub async fn get_file(&self, c: &WopiCaller, meta: &RequestMeta) -> AppResult<Download> {
        self.drive.download(&c.session, c.grant.node, meta).await
    }

    /// The current lock's id, or "" when there is none (or it expired).
    pub async fn get_lock(&self, c: &WopiCaller) -> AppResult<String> {
        self.reached(c).await?;
        Ok(self.current_lock(c).await?.map(|l| l.lock_id).unwrap_or_default())
    }

    async fn current_lock(&self, c: &WopiCaller) -> AppResult<Option<WopiLock>> {
        let now = self.clock.now().millis();
        let l = self.store.read().await?.wopi_lock(c.grant.tenant, c.grant.node).await?;
        Ok(l.filter(|l| l.expires_at > now))
    }

    /// Lock (or, with `old`, UnlockAndRelock): takes the lock when it is free or already
    /// `lock`'s (then it is refreshed), or replaces `old` with `lock`.
    pub async fn lock(&self, c: &WopiCaller, lock: &str, old: Option<&str>) -> AppResult<()> {
        let r = self.reached(c).await?;
        r.require(Access::Edit)?;
        checked_lock(lock)?;
        let current = self.current_lock(c).await?;
        let free = match (old, &current) {
            (Some(old), Some(cur)) => cur.lock_id == old || cur.lock_id == lock,
            (Some(_), None) => false,
            (None, Some(cur)) => cur.lock_id == lock,
            (None, None) => true,
        };
        if !free {
            return Err(Conflict::WopiLocked(current.map(|l| l.lock_id).unwrap_or_default()).into());
        }
        self.put_lock(c, lock).await
    }

    pub async fn refresh_lock(&self, c: &WopiCaller, lock: &str) -> AppResult<()> {
        self.reached(c).await?.require(Access::Edit)?;
        self.held(c, lock).await?;
        self.put_lock(c, lock).await
    }

    pub async fn unlock(&self, c: &WopiCaller, lock: &str) -> AppResult<()> {
        self.reached(c).await?.require(Access::Edit)?;
        self.held(c, lock).await?;
        let mut tx = self.store.write().await?;
        tx.delete_wopi_lock(c.grant.tenant, c.grant.node).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Refuses unless `lock` is the lock held now.
    async fn held(&self, c: &WopiCaller, lock: &str) -> AppResult<()> {
        match self.current_lock(c).await? {
            Some(cur) if cur.lock_id == lock => Ok(()),
            cur => Err(Conflict::WopiLocked(cur.map(|l| l.lock_id).unwrap_or_default()).into()),
        }
    }

    async fn put_lock(&self, c: &WopiCaller, lock: &str) -> AppResult<()> {
        let l = WopiLock {
            lock_id: lock.to_string(),
            person_id: c.grant.person,
            expires_at: self.clock.now().millis() + LOCK_MS,
        };
        let mut tx = self.store.write().await?;
        tx.put_wopi_lock(c.grant.tenant, c.grant.node, &l).await?;
        tx.commit().await?;
        Ok(())
    }

    /// PutFile: new contents under the lock the caller holds (an unlocked file only while it
    /// is empty, as WOPI says); the contents before become a version. `changed_since` is
    /// Collabora's `X-COOL-WOPI-Timestamp`: the file's time the editor loaded, refused when
    /// the file changed since (someone saved it another way).
    pub async fn put_file<S, E>(
        &self,
        c: &WopiCaller,
        lock: Option<&str>,
        changed_since: Option<&str>,
        body: S,
        meta: &RequestMeta,
    ) -> AppResult<Node>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let r = self.reached(c).await?;
        r.require(Access::Edit)?;
        let n = r.node().clone();
        match (self.current_lock(c).await?, lock) {
            (Some(cur), Some(l)) if cur.lock_id == l => {}
            (None, _) if n.size == 0 => {}
            (cur, _) => return Err(Conflict::WopiLocked(cur.map(|l| l.lock_id).unwrap_or_default()).into()),
        }
        if let Some(ts) = changed_since {
            if ts != tavle_core::Timestamp(n.modified_at).to_rfc3339() {
                return Err(Conflict::ChangedSince.into());
            }
        }
        let parent = n.parent_id.ok_or(AppError::NotFound("folder"))?;
        let cond = Conditions { if_match: Some(n.etag.clone()), ..Conditions::default() };
        let up = self.drive.upload(&c.session, parent, &n.name, body, &cond, None).await?;
        let mut tx = self.store.write().await?;
        let detail = json!({ "name": n.name, "size": up.node.size });
        tx.append_audit(&event(&c.session.actor, self.clock.now(), "office.save", n.id, meta, detail)).await?;
        tx.commit().await?;
        Ok(up.node)
    }

    /// PutRelativeFile: the body saved as a new file beside this one. `suggested` (UTF-7; an
    /// extension alone keeps the name) may be changed to a free name; `relative` (UTF-7) is
    /// taken as it is, replacing a file there only with `overwrite`.
    pub async fn put_relative<S, E>(
        &self,
        c: &WopiCaller,
        suggested: Option<&str>,
        relative: Option<&str>,
        overwrite: bool,
        body: S,
    ) -> AppResult<Relative>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let r = self.reached(c).await?;
        let n = r.node().clone();
        let parent = n.parent_id.ok_or(AppError::NotFound("folder"))?;
        let stem = n.name.rsplit_once('.').map_or(n.name.as_str(), |(s, _)| s).to_string();
        let (name, exact) = match (relative, suggested) {
            (Some(rel), _) => (proof::utf7(rel).ok_or(bad_name())?, true),
            (None, Some(sug)) => {
                let sug = proof::utf7(sug).ok_or(bad_name())?;
                (if sug.starts_with('.') { format!("{stem}{sug}") } else { sug }, false)
            }
            (None, None) => return Err(bad_name()),
        };
        let mut name = file_name(&name)?;
        if !exact {
            name = self.free_name(c, parent, &name).await?;
        }
        let cond = Conditions { if_none_match_any: exact && !overwrite, ..Conditions::default() };
        let up = self.drive.upload(&c.session, parent, &name, body, &cond, None).await?;
        let grant = proof::Grant { node: up.node.id, ..c.grant };
        Ok(Relative {
            name: up.node.name.clone(),
            node: up.node.id,
            access_token: proof::mint(&self.token_key().await?, &grant),
        })
    }

    /// RenameFile: `requested` (UTF-7) is the new name without its extension.
    pub async fn rename(&self, c: &WopiCaller, lock: Option<&str>, requested: &str) -> AppResult<String> {
        let r = self.reached(c).await?;
        r.require(Access::Edit)?;
        if let Some(cur) = self.current_lock(c).await? {
            if Some(cur.lock_id.as_str()) != lock {
                return Err(Conflict::WopiLocked(cur.lock_id).into());
            }
        }
        let n = r.node();
        let requested = proof::utf7(requested).ok_or(bad_name())?;
        let ext = n.name.rsplit_once('.').map(|(_, e)| format!(".{e}")).unwrap_or_default();
        let name = file_name(&format!("{requested}{ext}"))?;
        let to =
            Destination { parent: n.parent_id.ok_or(AppError::NotFound("folder"))?, name: Some(name), replace: false };
        self.drive.move_node(&c.session, n.id, &to, None).await?;
        Ok(requested)
    }

    /// `name`, or the first of `name (2)`, `name (3)`, … that is free in `parent`.
    async fn free_name(&self, c: &WopiCaller, parent: tavle_core::NodeId, name: &str) -> AppResult<String> {
        let mut conn = self.store.read().await?;
        let (stem, ext) = name.rsplit_once('.').map_or((name, String::new()), |(s, e)| (s, format!(".{e}")));
        let mut candidate = name.to_string();
        for n in 2..1000 {
            let key = tavle_core::drive::name_key(&candidate);
            if conn.child(c.grant.tenant, parent, &key).await?.is_none() {
                break;
            }
            candidate = format!("{stem} ({n}){ext}");
        }
        Ok(candidate)
    }
}

fn checked_lock(lock: &str) -> AppResult<()> {
    if lock.is_empty() || lock.len() > MAX_LOCK {
        return Err(tavle_core::InvalidInput::new(
            "lock",
            tavle_core::Reason::OutOfRange,
            "A WOPI lock id of 1 to 1024 characters.",
        )
        .into());
    }
    Ok(())
}

fn bad_name() -> AppError {
    tavle_core::InvalidInput::new("name", tavle_core::Reason::BadFormat, "The file name could not be read.").into()
}
