//! The drive as a `dav_server` file system, for one request of one person: paths resolve to
//! nodes through the app (so every access goes through the policy), results are cached for
//! the request, and every change is one of the drive's use cases.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{self, StatusCode};
use dav_server::davpath::DavPath;
use dav_server::fs::{
    DavDirEntry, DavFile, DavFileSystem, DavMetaData, DavProp, FsError, FsFuture, FsResult, FsStream, OpenOptions,
    ReadDirMeta,
};
use futures_util::{stream, FutureExt};
use tavle_app::audit::RequestMeta;
use tavle_app::auth::Session;
use tavle_app::drive::{Destination, NodeRow, PropertyChange, SpaceView};
use tavle_app::{App, AppError, Conflict};
use tavle_core::drive::{name_key, Access, NodeKind};
use tavle_core::NodeId;

use super::file::{Reader, Writer};
use super::props;
use crate::error::{app_row, ErrorRow};

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

impl From<&NodeRow> for NodeMeta {
    fn from(n: &NodeRow) -> Self {
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

struct Entry {
    name: Vec<u8>,
    meta: NodeMeta,
}

impl DavDirEntry for Entry {
    fn name(&self) -> Vec<u8> {
        self.name.clone()
    }
    fn metadata(&self) -> FsFuture<'_, Box<dyn DavMetaData>> {
        let meta: Box<dyn DavMetaData> = Box::new(self.meta.clone());
        Box::pin(async move { Ok(meta) })
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
    cache: Mutex<HashMap<String, Option<NodeRow>>>,
    /// Properties of nodes listed in this request.
    props: Mutex<HashMap<NodeId, Vec<tavle_app::drive::DavPropertyRow>>>,
    /// The file a PUT wrote or the folder a MKCOL made, for the answer's `OC-FileId` and
    /// `OC-ETag`.
    pub written: Mutex<Option<NodeRow>>,
    /// The error table's row for the use case's error that stopped this request, so that the
    /// answer says what the JSON API would say instead of `dav_server`'s nearest status.
    failure: Mutex<Option<ErrorRow>>,
}

/// The file system handed to `dav_server`: cheap to clone, one per request.
#[derive(Clone)]
pub(crate) struct TavleFs(pub Arc<Context>);

impl std::fmt::Debug for TavleFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TavleFs")
    }
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
            // MKCOL with it as RFC 4918 says (405). A COPY or MOVE that may not overwrite
            // gets 412 (RFC 4918, 9.8.5 and 9.9.4), which `dav_server` says only when it saw
            // the name taken itself, not when another client took it since.
            AppError::Conflict(Conflict::NameTaken(_)) if matches!(self.method.as_str(), "COPY" | "MOVE") => {
                if let Ok(mut f) = self.failure.lock() {
                    *f = Some(ErrorRow { status: StatusCode::PRECONDITION_FAILED, ..app_row(&e) });
                }
                FsError::GeneralFailure
            }
            AppError::Conflict(Conflict::NameTaken(_)) => FsError::Exists,
            other => {
                let row = app_row(&other);
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

    fn forget(&self) {
        if let Ok(mut c) = self.cache.lock() {
            c.clear();
        }
    }

    /// The node at `segs`, or `NotFound`.
    pub async fn resolve(&self, segs: &[String]) -> FsResult<NodeRow> {
        let key = path_key(segs);
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return hit.ok_or(FsError::NotFound);
        }
        let found = self.app.lookup(&self.session, &self.space, segs).await.map_err(|e| self.fail(e))?;
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, found.clone());
        }
        found.ok_or(FsError::NotFound)
    }

    /// The folder a path's last segment would be created in, and that name.
    async fn parent_and_name(&self, path: &DavPath) -> FsResult<(NodeRow, String)> {
        let mut segs = segments(path)?;
        let name = segs.pop().ok_or(FsError::Forbidden)?;
        let parent = self.resolve(&segs).await?;
        if parent.kind != NodeKind::Folder {
            return Err(FsError::NotFound);
        }
        Ok((parent, name))
    }

    /// The node a MOVE or COPY starts from, and where it goes. `dav_server` has already
    /// removed what was at the destination when the client asked to overwrite it; one that
    /// asked not to (`Overwrite: F`) must not replace what another client put there since
    /// `dav_server` looked, so the use case is told too and refuses a taken name (412).
    async fn source_and_destination(&self, from: &DavPath, to: &DavPath) -> FsResult<(NodeRow, Destination)> {
        let node = self.resolve(&segments(from)?).await?;
        let (parent, name) = self.parent_and_name(to).await.map_err(|_| FsError::NotFound)?;
        self.forget();
        Ok((node, Destination { parent: parent.id, name: Some(name), replace: self.overwrite }))
    }

    /// The properties set on a node (from the folder listing when it was listed).
    pub async fn properties(&self, node: &NodeRow) -> FsResult<Vec<tavle_app::drive::DavPropertyRow>> {
        if let Some(p) = self.props.lock().ok().and_then(|m| m.get(&node.id).cloned()) {
            return Ok(p);
        }
        self.app.dav_properties(&self.session, node, false).await.map_err(|e| self.fail(e))
    }

    fn access(&self) -> Access {
        self.space.access()
    }
}

impl DavFileSystem for TavleFs {
    fn open<'a>(&'a self, path: &'a DavPath, options: OpenOptions) -> FsFuture<'a, Box<dyn DavFile>> {
        async move {
            let cx = &self.0;
            if !options.write {
                let node = cx.resolve(&segments(path)?).await?;
                if node.kind == NodeKind::Folder {
                    return Err(FsError::Forbidden);
                }
                let dl = cx.app.download(&cx.session, node.id, &cx.meta).await.map_err(|e| cx.fail(e))?;
                return Ok(Box::new(Reader::new(dl, NodeMeta::from(&node))) as Box<dyn DavFile>);
            }
            let (parent, name) = cx.parent_and_name(path).await?;
            // dav_server asked for the metadata first, so this is usually the request's cache.
            let existing = match cx.resolve(&segments(path)?).await {
                Ok(n) => Some(n),
                Err(FsError::NotFound) => None,
                Err(e) => return Err(e),
            };
            match &existing {
                Some(n) if n.kind == NodeKind::Folder => return Err(FsError::Forbidden),
                Some(_) if options.create_new => return Err(FsError::Exists),
                None if !options.create => return Err(FsError::NotFound),
                _ => {}
            }
            cx.forget();
            let writer = Writer::start(self.0.clone(), parent.id, name, options.size);
            Ok(Box::new(writer) as Box<dyn DavFile>)
        }
        .boxed()
    }

    fn read_dir<'a>(&'a self, path: &'a DavPath, _meta: ReadDirMeta) -> FsFuture<'a, FsStream<Box<dyn DavDirEntry>>> {
        async move {
            let cx = &self.0;
            let segs = segments(path)?;
            let folder = cx.resolve(&segs).await?;
            if folder.kind != NodeKind::Folder {
                return Err(FsError::Forbidden);
            }
            if cx.method == http::Method::DELETE || cx.method.as_str() == "MOVE" {
                let empty: FsStream<Box<dyn DavDirEntry>> = Box::pin(stream::empty());
                return Ok(empty);
            }
            let (_, children) = cx.app.folder(&cx.session, folder.id).await.map_err(|e| cx.fail(e))?;
            let props = cx.app.dav_properties(&cx.session, &folder, true).await.map_err(|e| cx.fail(e))?;
            if let Ok(mut m) = cx.props.lock() {
                for c in children.iter() {
                    m.insert(c.id, Vec::new());
                }
                for p in props {
                    m.entry(p.node_id).or_default().push(p);
                }
            }
            let base = path_key(&segs);
            let mut entries: Vec<FsResult<Box<dyn DavDirEntry>>> = Vec::with_capacity(children.len());
            if let Ok(mut c) = cx.cache.lock() {
                for child in children.iter() {
                    let key = format!("{}/{}", base.trim_end_matches('/'), name_key(&child.name));
                    entries.push(Ok(Box::new(Entry {
                        name: child.name.clone().into_bytes(),
                        meta: NodeMeta::from(child),
                    })));
                    c.insert(key, Some(child.clone()));
                }
            }
            let listing: FsStream<Box<dyn DavDirEntry>> = Box::pin(stream::iter(entries));
            Ok(listing)
        }
        .boxed()
    }

    fn metadata<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, Box<dyn DavMetaData>> {
        async move {
            let node = self.0.resolve(&segments(path)?).await?;
            Ok(Box::new(NodeMeta::from(&node)) as Box<dyn DavMetaData>)
        }
        .boxed()
    }

    fn create_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let cx = &self.0;
            let (parent, name) = cx.parent_and_name(path).await?;
            cx.forget();
            let folder = cx.app.create_folder(&cx.session, parent.id, &name).await.map_err(|e| cx.fail(e))?;
            if let Ok(mut w) = cx.written.lock() {
                *w = Some(folder);
            }
            Ok(())
        }
        .boxed()
    }

    fn remove_dir<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        self.remove_file(path)
    }

    fn remove_file<'a>(&'a self, path: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let cx = &self.0;
            let node = cx.resolve(&segments(path)?).await?;
            cx.forget();
            cx.app.delete_node(&cx.session, node.id, None).await.map_err(|e| cx.fail(e))
        }
        .boxed()
    }

    fn rename<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let cx = &self.0;
            let (node, to) = cx.source_and_destination(from, to).await?;
            cx.app.move_node(&cx.session, node.id, &to, None).await.map_err(|e| cx.fail(e))?;
            Ok(())
        }
        .boxed()
    }

    fn copy<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let cx = &self.0;
            let (node, to) = cx.source_and_destination(from, to).await?;
            let copy = cx.app.copy_node(&cx.session, node.id, &to).await.map_err(|e| cx.fail(e))?;
            // Properties are part of what a COPY duplicates (RFC 4918, 9.8.2).
            let props = cx.properties(&node).await?;
            if !props.is_empty() {
                let changes: Vec<PropertyChange> = props.into_iter().map(PropertyChange::Set).collect();
                cx.app.patch_dav_properties(&cx.session, &copy, &changes).await.map_err(|e| cx.fail(e))?;
            }
            Ok(())
        }
        .boxed()
    }

    fn have_props<'a>(
        &'a self,
        _path: &'a DavPath,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + 'a>> {
        Box::pin(async { true })
    }

    fn patch_props<'a>(
        &'a self,
        path: &'a DavPath,
        patch: Vec<(bool, DavProp)>,
    ) -> FsFuture<'a, Vec<(StatusCode, DavProp)>> {
        async move {
            let cx = &self.0;
            let node = cx.resolve(&segments(path)?).await?;
            if cx.access() < Access::Edit {
                return Ok(patch.into_iter().map(|(_, p)| (StatusCode::FORBIDDEN, props::bare(p))).collect());
            }
            let (changes, results) = props::changes(node.id, patch);
            if results.iter().all(|(s, _)| *s == StatusCode::OK) {
                cx.app.patch_dav_properties(&cx.session, &node, &changes).await.map_err(|e| cx.fail(e))?;
            }
            Ok(results)
        }
        .boxed()
    }

    fn get_props<'a>(&'a self, path: &'a DavPath, do_content: bool) -> FsFuture<'a, Vec<DavProp>> {
        async move {
            let cx = &self.0;
            let node = cx.resolve(&segments(path)?).await?;
            Ok(cx.properties(&node).await?.into_iter().map(|p| props::dead(p, do_content)).collect())
        }
        .boxed()
    }

    fn get_prop<'a>(&'a self, path: &'a DavPath, prop: DavProp) -> FsFuture<'a, Vec<u8>> {
        async move {
            let cx = &self.0;
            let node = cx.resolve(&segments(path)?).await?;
            if let Some(xml) = props::live(&node, &cx.facts(), &prop) {
                return Ok(xml.into_bytes());
            }
            let ns = prop.namespace.clone().unwrap_or_default();
            cx.properties(&node)
                .await?
                .into_iter()
                .find(|p| p.namespace == ns && p.name == prop.name)
                .map(|p| p.xml.into_bytes())
                .ok_or(FsError::NotFound)
        }
        .boxed()
    }

    fn get_quota(&self) -> FsFuture<'_, (u64, Option<u64>)> {
        async move {
            let cx = &self.0;
            let used = u64::try_from(cx.space.space().used_bytes).unwrap_or(0);
            let free = u64::try_from(cx.space.quota_bytes() - cx.space.space().used_bytes).unwrap_or(0);
            Ok((used, Some(free)))
        }
        .boxed()
    }
}
