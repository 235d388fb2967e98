//! What one WebDAV request works with (`Context`): who asks, in which drive, what the
//! request says of itself, the nodes its paths resolve to (through the app, so every access
//! goes through the policy, cached for the request), and the error that stopped it. The file
//! system (`fs.rs`) and its files (`file.rs`) both work on it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{self, StatusCode};
use dav_server::davpath::DavPath;
use dav_server::fs::{DavMetaData, FsError, FsResult};
use tavle_app::access::Reached;
use tavle_app::audit::RequestMeta;
use tavle_app::auth::Session;
use tavle_app::drive::{Destination, SpaceView};
use tavle_app::{App, AppError, Conflict};
use tavle_core::drive::Node;
use tavle_core::drive::{name_key, Access, NodeKind};
use tavle_core::NodeId;

use crate::error::{dav_method_row, ErrorRow};

/// Maps the drive's errors onto what `dav_server` turns into statuses.
/// A blob that cannot be read while a file is sent: logged, and the answer breaks off.
pub(crate) fn read_error(e: AppError) -> FsError {
    tracing::error!(error = ?e, "WebDAV read failed");
    FsError::GeneralFailure
}

/// The metadata of a node as `dav_server` reads it.
#[derive(Clone, Debug)]
pub(crate) struct NodeMeta {
    pub size: u64,
    pub modified_ms: i64,
    pub created_ms: i64,
    pub folder: bool,
    pub etag: String,
}

fn system_time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

impl From<&Node> for NodeMeta {
    fn from(n: &Node) -> Self {
        NodeMeta {
            size: u64::try_from(n.size).unwrap_or(0),
            modified_ms: n.modified_at,
            created_ms: n.created_at,
            folder: n.kind == NodeKind::Folder,
            etag: n.etag.clone(),
        }
    }
}

impl DavMetaData for NodeMeta {
    fn len(&self) -> u64 {
        self.size
    }
    fn modified(&self) -> FsResult<SystemTime> {
        Ok(system_time(self.modified_ms))
    }
    fn created(&self) -> FsResult<SystemTime> {
        Ok(system_time(self.created_ms))
    }
    fn is_dir(&self) -> bool {
        self.folder
    }
    fn etag(&self) -> Option<String> {
        Some(self.etag.clone())
    }
}

/// Everything one WebDAV request works with.
pub(crate) struct Context {
    pub app: App,
    pub session: Session,
    pub meta: RequestMeta,
    pub space: SpaceView,
    /// The request's method: a DELETE or MOVE lists no folder contents, so that a folder goes
    /// to the trash (or moves) as one, instead of file by file.
    pub method: http::Method,
    /// The client's modification time of an upload (`X-OC-Mtime`), in milliseconds.
    pub mtime: Option<i64>,
    /// The client's own `If-Match` / `If-None-Match: *` for a PUT, checked again when the
    /// upload is recorded. Without them a PUT replaces whatever is there (the old contents
    /// become a version), so two clients saving one new name at once both succeed.
    pub conditions: tavle_app::drive::Conditions,
    /// The drive's owner as clients show it (`oc:owner-id`): the login name of a person's
    /// own drive, the id of any other drive.
    pub owner_id: String,
    /// Whether a COPY or MOVE may replace what is at its destination.
    pub overwrite: bool,
    /// Nodes by path key, for this request only.
    pub(super) cache: Mutex<HashMap<String, Option<Reached>>>,
    /// Properties of nodes listed in this request.
    pub(super) props: Mutex<HashMap<NodeId, Vec<tavle_core::dav::DeadProperty>>>,
    /// The file a PUT wrote or the folder a MKCOL made, for the answer's `OC-FileId` and
    /// `OC-ETag`.
    pub written: Mutex<Option<Node>>,
    /// The error table's row for the use case's error that stopped this request, so that the
    /// answer says what the JSON API would say instead of `dav_server`'s nearest status.
    failure: Mutex<Option<ErrorRow>>,
}

/// The segments of a path (decoded, without the prefix); a path that is not UTF-8 names
/// nothing.
pub(crate) fn segments(path: &DavPath) -> FsResult<Vec<String>> {
    let s = std::str::from_utf8(path.as_bytes()).map_err(|_| FsError::NotFound)?;
    Ok(s.split('/').filter(|p| !p.is_empty()).map(str::to_string).collect())
}

/// The key paths are compared by: NFC, lower case, `/`-separated, `/` for the root.
pub(crate) fn path_key(segs: &[String]) -> String {
    let mut key = String::from("/");
    key.push_str(&segs.iter().map(|s| name_key(s)).collect::<Vec<_>>().join("/"));
    key
}

/// What a WebDAV request says of itself, besides who sends it and where.
pub(crate) struct Asked {
    pub method: http::Method,
    /// `X-OC-Mtime`, in milliseconds.
    pub mtime: Option<i64>,
    /// `If-Match` / `If-None-Match: *`.
    pub conditions: tavle_app::drive::Conditions,
    /// The username or drive id in the address.
    pub owner_id: String,
    /// Whether a COPY or MOVE may replace what is at its destination (`Overwrite`, T unless F).
    pub overwrite: bool,
}

impl Context {
    pub fn new(app: App, session: Session, meta: RequestMeta, space: SpaceView, asked: Asked) -> Self {
        let Asked { method, mtime, conditions, owner_id, overwrite } = asked;
        Context {
            app,
            session,
            meta,
            space,
            method,
            mtime,
            conditions,
            owner_id,
            overwrite,
            cache: Mutex::new(HashMap::new()),
            props: Mutex::new(HashMap::new()),
            written: Mutex::new(None),
            failure: Mutex::new(None),
        }
    }

    /// Turns a use case's error into the file-system error `dav_server` understands. Only
    /// "not found", "forbidden" and "exists" have an exact equivalent there; every other error
    /// is kept (with its row of the error table) and answered from the table by `dav::handle`.
    pub fn fail(&self, e: AppError) -> FsError {
        match e {
            AppError::NotFound(_) => FsError::NotFound,
            AppError::Forbidden | AppError::Unauthenticated | AppError::AccountDisabled => FsError::Forbidden,
            // A taken name is the one conflict `dav_server` has a word for, and it answers a
            // MKCOL with it as RFC 4918 says (405). A COPY or MOVE that may not overwrite gets
            // the table's WebDAV row (412), which `dav_server` says only when it saw the name
            // taken itself, not when another client took it since.
            AppError::Conflict(Conflict::NameTaken(_)) if !matches!(self.method.as_str(), "COPY" | "MOVE") => {
                FsError::Exists
            }
            other => {
                let row = dav_method_row(&other, self.method.as_str());
                // A 403 stays one inside a multistatus; the answer's own body comes from the
                // table (`dav::handle`).
                let fs = if row.status == StatusCode::FORBIDDEN { FsError::Forbidden } else { FsError::GeneralFailure };
                if let Ok(mut f) = self.failure.lock() {
                    *f = Some(row);
                }
                fs
            }
        }
    }

    /// What the live properties need to know of this request's drive.
    pub fn facts(&self) -> super::live::Facts<'_> {
        super::live::Facts {
            access: self.space.access(),
            quota_used: self.space.space().used_bytes,
            quota_bytes: self.space.quota_bytes(),
            owner_id: &self.owner_id,
            owner_name: self.space.name(),
            shared_drive: !matches!(self.space.space().kind, tavle_core::drive::SpaceKind::Personal(_)),
            root: self.space.space().root_id,
            share_kinds: None,
        }
    }

    /// The error that stopped the request, if a use case refused it.
    pub fn take_failure(&self) -> Option<ErrorRow> {
        self.failure.lock().ok().and_then(|mut f| f.take())
    }

    pub(super) fn forget(&self) {
        if let Ok(mut c) = self.cache.lock() {
            c.clear();
        }
    }

    /// The node at `segs`, or `NotFound`.
    pub async fn resolve(&self, segs: &[String]) -> FsResult<Node> {
        Ok(self.reach(segs).await?.node().clone())
    }

    /// The node at `segs` as access control reached it, or `NotFound`. The path is walked
    /// once per request: every folder on the way is kept, so the parent of a file the
    /// request then writes, or a sibling it names, costs nothing more.
    pub async fn reach(&self, segs: &[String]) -> FsResult<Reached> {
        let key = path_key(segs);
        let cached = |k: &str| self.cache.lock().ok().and_then(|c| c.get(k).cloned());
        if let Some(hit) = cached(&key) {
            return hit.ok_or(FsError::NotFound);
        }
        // Walk on from the deepest folder on the way that was reached already.
        let mut from = None;
        for k in (0..segs.len()).rev() {
            match cached(&path_key(&segs[..k])) {
                Some(Some(r)) => {
                    from = Some((k, r));
                    break;
                }
                Some(None) => return Err(FsError::NotFound),
                None => {}
            }
        }
        let (first, walked) = match &from {
            Some((k, r)) => (k + 1, self.app.access().walk(&self.session, &self.space, Some(r), &segs[*k..]).await),
            None => (0, self.app.access().walk(&self.session, &self.space, None, segs).await),
        };
        let walked = walked.map_err(|e| self.fail(e))?;
        let missing = first + walked.len();
        if let Ok(mut c) = self.cache.lock() {
            for (i, r) in walked.into_iter().enumerate() {
                c.insert(path_key(&segs[..first + i]), Some(r));
            }
            if missing <= segs.len() {
                // The first name that is not there.
                c.insert(path_key(&segs[..missing]), None);
            }
        }
        cached(&key).flatten().ok_or(FsError::NotFound)
    }

    /// The folder a path's last segment would be created in, and that name.
    pub(super) async fn parent_and_name(&self, path: &DavPath) -> FsResult<(Reached, String)> {
        let mut segs = segments(path)?;
        let name = segs.pop().ok_or(FsError::Forbidden)?;
        let parent = self.reach(&segs).await?;
        if parent.node().kind != NodeKind::Folder {
            return Err(FsError::NotFound);
        }
        Ok((parent, name))
    }

    /// The node a MOVE or COPY starts from, and where it goes. `dav_server` has already
    /// removed what was at the destination when the client asked to overwrite it; one that
    /// asked not to (`Overwrite: F`) must not replace what another client put there since
    /// `dav_server` looked, so the use case is told too and refuses a taken name (412).
    pub(super) async fn source_and_destination(&self, from: &DavPath, to: &DavPath) -> FsResult<(Node, Destination)> {
        let node = self.resolve(&segments(from)?).await?;
        let (parent, mut name) = self.parent_and_name(to).await.map_err(|_| FsError::NotFound)?;
        // A document moved or copied as `<name>.odt` keeps its own name without the extension.
        if node.kind == NodeKind::Document {
            if let Some(stem) = tavle_core::drive::document_name_of(&name) {
                name = stem.to_string();
            }
        }
        self.forget();
        Ok((node, Destination { parent: parent.node().id, name: Some(name), replace: self.overwrite }))
    }

    /// The properties set on a node (from the folder listing when it was listed).
    pub async fn properties(&self, node: &Node) -> FsResult<Vec<tavle_core::dav::DeadProperty>> {
        if let Some(p) = self.props.lock().ok().and_then(|m| m.get(&node.id).cloned()) {
            return Ok(p);
        }
        self.app.drive().dav_properties(&self.session, node, false).await.map_err(|e| self.fail(e))
    }

    pub(super) fn access(&self) -> Access {
        self.space.access()
    }
}
