//! Share links: an address that opens a file or folder to anyone who has it (a download
//! link), or that lets anyone who has it put files into a folder without seeing what is
//! there (a drop box, for collecting work from people outside Tavle). A link may have a
//! password and a last day.
//!
//! Decisions:
//! - Only teachers and staff make links (`tavle_core::policy::may_make_links`), and only on
//!   what they may edit through its own drive, like sharing.
//! - A link acts for its creator: it works only while they could still make it (still at the
//!   school, still able to edit there), and files put into a drop box are theirs.
//! - Whoever opens a password-protected link gets a key for it: a hash of the link's token
//!   and its password hash, so every node can check it without storing anything, and
//!   changing the password (a new link) invalidates it. Wrong passwords are throttled like
//!   logins.
//! - A drop box never replaces a file: a name already there gets a number.
//! - Making and removing a link, opening one, every download and upload through one, and
//!   wrong passwords are in the audit log, with the link as the subject.

use crate::Conflict;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::json;
use sha2::{Digest, Sha256};
use tavle_blob::hex;
use tavle_core::drive::{Access, LinkKind};
use tavle_core::drive::{Link, Node};
use tavle_core::policy::{may_make_links, Actor};
use tavle_core::{InvalidInput, NodeId, Reason, Timestamp};
use tavle_store::AuditEvent;

use super::upload::Conditions;
use super::Drive;
use crate::access::Reached;
use crate::audit::{event, RequestMeta};
use crate::caller::Session;
use crate::error::{AppError, AppResult};

/// The shortest password a link may have.
pub const MIN_LINK_PASSWORD: usize = 8;

/// How a new link should behave.
#[derive(Clone, Debug)]
pub struct LinkSettings {
    pub kind: LinkKind,
    pub password: Option<String>,
    /// The last day the link works (through the end of that day, UTC).
    pub expires_on: Option<time::Date>,
}

/// A link as someone who opens it sees it.
#[derive(Clone, Debug)]
pub struct OpenedLink {
    pub link: Link,
    /// The display name of whoever made the link.
    pub owner_name: String,
    /// The file or folder the link opens, or `None` while it is locked by a password.
    pub node: Option<Node>,
}

/// A folder opened through a link: the folders from the link's own folder down to it, and
/// what is in it.
#[derive(Clone, Debug)]
pub struct LinkFolder {
    pub opened: OpenedLink,
    /// From the link's folder (first) to this folder (last).
    pub path: Vec<Node>,
    pub children: Arc<Vec<Node>>,
}

/// A link that has been checked: its creator as the actor, and the node reached for them.
struct Checked {
    link: Link,
    owner: Actor,
    owner_name: String,
    reached: Reached,
}

/// The key that shows a link's password was given: tied to the token and the password's
/// (salted) hash, so only the server can compute it.
fn link_key(link: &Link) -> Option<String> {
    let hash = link.password_hash.as_ref()?;
    let mut h = Sha256::new();
    h.update(b"tavle-link-key\0");
    h.update(link.token.as_bytes());
    h.update(b"\0");
    h.update(hash.as_bytes());
    Some(hex(&h.finalize()))
}

fn same_secret(a: &str, b: &str) -> bool {
    // Compared as hashes, so the time taken says nothing about the secret.
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

fn link_event<'a>(
    link: &Link,
    at: Timestamp,
    action: &'a str,
    outcome: &'a str,
    meta: &'a RequestMeta,
    detail: serde_json::Value,
) -> AuditEvent<'a> {
    let mut detail = detail;
    detail["user_agent"] = json!(meta.user_agent);
    AuditEvent {
        tenant_id: Some(link.tenant_id),
        at,
        actor_id: None,
        action,
        outcome,
        subject: Some(link.id.to_string()),
        source: Some(meta.source.as_str()),
        detail: detail.to_string(),
    }
}

impl Drive {
    /// Makes a share link for a file or folder.
    pub async fn create_link(
        &self,
        s: &Session,
        node: NodeId,
        settings: &LinkSettings,
        meta: &RequestMeta,
    ) -> AppResult<Link> {
        let a = &s.actor;
        let now = self.clock.now();
        {
            // What the caller may not see is "not found", before anything else is said.
            let mut conn = self.store.read().await?;
            let r = self.access.reach(&mut conn, a, node, false).await?;
            if r.space_access() < Access::Edit || !may_make_links(a) {
                return Err(AppError::Forbidden);
            }
        }
        self.access.exams_allow_sharing(a).await?;
        let password_hash = match settings.password.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) if p.chars().count() < MIN_LINK_PASSWORD => {
                return Err(InvalidInput::new(
                    "password",
                    Reason::TooShort,
                    format!("A link's password must have at least {MIN_LINK_PASSWORD} characters."),
                )
                .into())
            }
            Some(p) if p.len() > 1024 => {
                return Err(
                    InvalidInput::new("password", Reason::TooLong, "The password is longer than 1024 bytes.").into()
                )
            }
            Some(p) => Some(self.passwords.hash(p.to_string()).await?),
        };
        let expires_at = match settings.expires_on {
            Some(day) => {
                let end = super::sharing::end_of(day);
                if end <= now.millis() {
                    return Err(InvalidInput::new(
                        "expires_on",
                        Reason::OutOfRange,
                        "The link's last day has passed; choose today or a later day.",
                    )
                    .into());
                }
                Some(end)
            }
            None => None,
        };
        let mut tx = self.store.write().await?;
        let r = self.access.reach(&mut tx, a, node, false).await?;
        if r.space_access() < Access::Edit {
            return Err(AppError::Forbidden);
        }
        if settings.kind == LinkKind::Upload {
            r.require_folder().map_err(|_| AppError::from(Conflict::DropBoxNeedsFolder))?;
        }
        // A Tavle document is handed out as its file form (`<name>.odt`), as WebDAV shows it.
        let link = Link {
            id: uuid::Uuid::now_v7(),
            tenant_id: a.tenant_id,
            node_id: node,
            token: crate::secrets::new_secret().replace('-', ""),
            kind: settings.kind,
            password_hash,
            expires_at,
            created_by: a.person_id,
            created_at: now.millis(),
        };
        tx.insert_link(&link).await?;
        let detail = json!({ "node": node.to_string(), "name": r.node().name, "kind": link.kind.code(),
            "password": link.password_hash.is_some(), "expires_at": expires_at });
        tx.append_audit(&event(a, now, "link.create", link.id, meta, detail)).await?;
        tx.commit().await?;
        Ok(link)
    }

    /// The links of a node, for those who may make them.
    pub async fn links_of(&self, s: &Session, node: NodeId) -> AppResult<Vec<Link>> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let r = self.access.reach(&mut conn, a, node, false).await?;
        if r.space_access() < Access::Edit {
            return Err(AppError::Forbidden);
        }
        Ok(conn.links_on(a.tenant_id, node).await?)
    }

    /// Removes a link; whoever has it can no longer use it.
    pub async fn delete_link(&self, s: &Session, link: uuid::Uuid, meta: &RequestMeta) -> AppResult<()> {
        let a = &s.actor;
        let mut tx = self.store.write().await?;
        let row = tx.link(a.tenant_id, link).await?.ok_or(AppError::NotFound("link"))?;
        let r = self.access.reach(&mut tx, a, row.node_id, false).await.map_err(|_| AppError::NotFound("link"))?;
        if r.space_access() < Access::Edit {
            return Err(AppError::NotFound("link"));
        }
        tx.delete_link(a.tenant_id, link).await?;
        let detail = json!({ "node": row.node_id.to_string(), "name": r.node().name, "kind": row.kind.code() });
        tx.append_audit(&event(a, self.clock.now(), "link.delete", link, meta, detail)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finds a live link and checks its key; `node` is a file or folder below the link's own
    /// (default: the link's own).
    async fn check_link(&self, token: &str, key: Option<&str>, node: Option<NodeId>) -> AppResult<Checked> {
        let mut conn = self.store.read().await?;
        self.check_link_in(&mut conn, token, key, node).await
    }

    async fn check_link_in<C>(
        &self,
        conn: &mut tavle_store::Db<C>,
        token: &str,
        key: Option<&str>,
        node: Option<NodeId>,
    ) -> AppResult<Checked>
    where
        C: tavle_store::DbHandle,
    {
        let now = self.clock.now().millis();
        let link = conn.link_by_token(token.trim()).await?.ok_or(AppError::NotFound("link"))?;
        if link.expires_at.is_some_and(|e| e <= now) {
            return Err(AppError::NotFound("link"));
        }
        if let Some(want) = link_key(&link) {
            if !key.is_some_and(|k| same_secret(k, &want)) {
                return Err(AppError::LinkLocked);
            }
        }
        let person = conn.person(link.tenant_id, link.created_by).await?.ok_or(AppError::NotFound("link"))?;
        let owner = conn.actor(link.tenant_id, link.created_by, person.status).await?;
        if !may_make_links(&owner) {
            return Err(AppError::NotFound("link"));
        }
        let target = node.unwrap_or(link.node_id);
        let reached = self.access.reach(conn, &owner, target, false).await.map_err(|_| AppError::NotFound("link"))?;
        let below_link = reached.path().iter().any(|n| n.id == link.node_id);
        if reached.space_access() < Access::Edit || !below_link {
            return Err(AppError::NotFound("file or folder"));
        }
        Ok(Checked { link, owner, owner_name: person.display_name, reached })
    }

    /// Opens a link: what it is and, once its password has been given, what it opens.
    pub async fn open_link(&self, token: &str, key: Option<&str>, meta: &RequestMeta) -> AppResult<OpenedLink> {
        match self.check_link(token, key, None).await {
            Ok(c) => {
                let node = c.reached.node().clone();
                let mut tx = self.store.write().await?;
                let detail = json!({ "node": node.id.to_string(), "name": node.name });
                tx.append_audit(&link_event(&c.link, self.clock.now(), "link.open", "ok", meta, detail)).await?;
                tx.commit().await?;
                Ok(OpenedLink { link: c.link, owner_name: c.owner_name, node: Some(node) })
            }
            Err(AppError::LinkLocked) => {
                // What it is and whose it is, but nothing of what it opens.
                let mut conn = self.store.read().await?;
                let link = conn.link_by_token(token.trim()).await?.ok_or(AppError::NotFound("link"))?;
                let owner_name =
                    conn.person(link.tenant_id, link.created_by).await?.map(|p| p.display_name).unwrap_or_default();
                Ok(OpenedLink { link, owner_name, node: None })
            }
            Err(e) => Err(e),
        }
    }

    /// Checks a link's password and returns the key that opens it.
    pub async fn unlock_link(&self, token: &str, password: &str, meta: &RequestMeta) -> AppResult<String> {
        let now = self.clock.now();
        let mut conn = self.store.read().await?;
        let link = conn.link_by_token(token.trim()).await?.ok_or(AppError::NotFound("link"))?;
        if link.expires_at.is_some_and(|e| e <= now.millis()) {
            return Err(AppError::NotFound("link"));
        }
        let Some(key) = link_key(&link) else {
            return Err(Conflict::LinkHasNoPassword.into());
        };
        let (scope, source) = (format!("link:{}", link.id), format!("source:{}", meta.source));
        let t = &self.cfg.throttle;
        let since = now.minus_secs(t.window_secs);
        let throttled = conn.login_failures_since(&scope, since).await? >= t.per_account_and_source
            || conn.login_failures_since(&source, since).await? >= t.per_source;
        drop(conn);
        let ok = !throttled && self.passwords.verify(password.to_string(), link.password_hash.clone()).await?;
        let mut tx = self.store.write().await?;
        let outcome = if throttled {
            "throttled"
        } else if ok {
            "ok"
        } else {
            "failed"
        };
        tx.append_audit(&link_event(&link, now, "link.unlock", outcome, meta, json!({}))).await?;
        if !ok && !throttled {
            tx.record_login_failure(&[&scope, &source], now).await?;
        }
        tx.commit().await?;
        match (throttled, ok) {
            (true, _) => Err(AppError::Throttled { retry_after_secs: 60 }),
            (false, false) => Err(AppError::WrongLinkPassword),
            (false, true) => Ok(key),
        }
    }

    /// A folder of a download link: the link's own folder or one below it.
    pub async fn link_folder(&self, token: &str, key: Option<&str>, folder: Option<NodeId>) -> AppResult<LinkFolder> {
        let mut conn = self.store.read().await?;
        let c = self.check_link_in(&mut conn, token, key, folder).await?;
        if c.link.kind != LinkKind::Download {
            // A drop box shows nothing of what is in it.
            return Err(AppError::NotFound("file or folder"));
        }
        c.reached.require_folder()?;
        let folder = c.reached.node().clone();
        let children = self.listing(&mut conn, &folder).await?;
        drop(conn);
        let start = c.reached.path().iter().position(|n| n.id == c.link.node_id).unwrap_or(0);
        let path = c.reached.path()[start..].to_vec();
        let opened = OpenedLink { link: c.link, owner_name: c.owner_name, node: Some(folder) };
        Ok(LinkFolder { opened, path, children })
    }

    /// Opens a file of a download link for reading: the link's own file, or one below its
    /// folder.
    pub async fn link_download(
        &self,
        token: &str,
        key: Option<&str>,
        node: Option<NodeId>,
        meta: &RequestMeta,
    ) -> AppResult<crate::content::Download> {
        let c = self.check_link(token, key, node).await?;
        if c.link.kind != LinkKind::Download {
            return Err(AppError::NotFound("file or folder"));
        }
        let file = c.reached.node();
        let dl = self.content.download(file)?;
        let mut tx = self.store.write().await?;
        let detail = json!({ "node": file.id.to_string(), "name": file.name, "size": file.size });
        tx.append_audit(&link_event(&c.link, self.clock.now(), "link.download", "ok", meta, detail)).await?;
        tx.commit().await?;
        Ok(dl)
    }

    /// Puts a file into a drop box. A name that is taken gets a number; nothing is replaced.
    /// The sender learns only that their file arrived, under the name they gave: the name it
    /// is kept under would tell them what else the drop box holds.
    pub async fn link_upload<S, E>(
        &self,
        token: &str,
        key: Option<&str>,
        name: &str,
        body: S,
        meta: &RequestMeta,
    ) -> AppResult<Dropped>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let c = self.check_link(token, key, None).await?;
        if c.link.kind != LinkKind::Upload {
            return Err(AppError::Forbidden);
        }
        let owner = Session::new(c.owner.clone(), format!("link:{}", c.link.id), String::new());
        let cond = Conditions { keep_both: true, ..Conditions::default() };
        let up = self.upload(&owner, c.link.node_id, name, body, &cond, None).await?;
        let mut tx = self.store.write().await?;
        let detail = json!({ "node": up.node.id.to_string(), "name": up.node.name, "size": up.node.size,
            "folder": c.link.node_id.to_string() });
        tx.append_audit(&link_event(&c.link, self.clock.now(), "link.upload", "ok", meta, detail)).await?;
        tx.commit().await?;
        Ok(Dropped { name: tavle_core::drive::file_name(name)?, size: up.node.size })
    }
}

/// A file received by a drop box, as its sender is told of it.
#[derive(Clone, Debug)]
pub struct Dropped {
    /// The name the sender gave (normalised as names are).
    pub name: String,
    pub size: i64,
}
