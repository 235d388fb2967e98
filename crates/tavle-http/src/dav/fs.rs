//! The drive as a `dav_server` file system, for one request of one person: paths resolve to
//! nodes through the app (so every access goes through the policy), results are cached for
//! the request, and every change is one of the drive's use cases.

use std::sync::Arc;

use axum::http::{self, StatusCode};
use dav_server::davpath::DavPath;
use dav_server::fs::{
    DavDirEntry, DavFile, DavFileSystem, DavMetaData, DavProp, FsError, FsFuture, FsResult, FsStream, OpenOptions,
    ReadDirMeta,
};
use futures_util::{stream, FutureExt};
use tavle_app::drive::PropertyChange;
use tavle_core::drive::{name_key, Access, Node, NodeKind};

use super::context::{path_key, segments, Context, NodeMeta};
use super::file::{Reader, Writer};
use super::props;

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

/// The children WebDAV lists: a document as its file form, unless a file of that very name is
/// beside it (then the file is what the name reaches, and the document is reached through the
/// web app and the API only).
pub(super) fn shown(children: &[Node]) -> impl Iterator<Item = &Node> {
    let files: std::collections::HashSet<String> =
        children.iter().filter(|c| c.kind != NodeKind::Document).map(|c| name_key(&c.name)).collect();
    children.iter().filter(move |c| c.kind != NodeKind::Document || !files.contains(&name_key(&c.client_name())))
}

/// The file system handed to `dav_server`: cheap to clone, one per request.
#[derive(Clone)]
pub(crate) struct TavleFs(pub Arc<Context>);

impl std::fmt::Debug for TavleFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TavleFs")
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
                if node.kind == NodeKind::Document {
                    // A Tavle document is read as its file form, `<name>.odt`.
                    let dl =
                        cx.app.documents().rendition(&cx.session, node.id, &cx.meta).await.map_err(|e| cx.fail(e))?;
                    let meta = NodeMeta {
                        size: dl.size,
                        etag: dl.etag.clone(),
                        modified_ms: dl.modified_at,
                        ..NodeMeta::from(&node)
                    };
                    return Ok(Box::new(Reader::new(dl, meta)) as Box<dyn DavFile>);
                }
                let dl = cx.app.drive().download(&cx.session, node.id, &cx.meta).await.map_err(|e| cx.fail(e))?;
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
                // Saving a document's `.odt`: it becomes one change of the document.
                Some(n) if n.kind == NodeKind::Document => {
                    if options.create_new || cx.conditions.if_none_match_any {
                        return Err(cx.fail(tavle_app::AppError::PreconditionFailed));
                    }
                    cx.forget();
                    let writer = Writer::start_document(self.0.clone(), n.id, options.size);
                    return Ok(Box::new(writer) as Box<dyn DavFile>);
                }
                Some(_) if options.create_new => return Err(FsError::Exists),
                None if !options.create => return Err(FsError::NotFound),
                _ => {}
            }
            cx.forget();
            let writer = Writer::start(self.0.clone(), parent, name, options.size);
            Ok(Box::new(writer) as Box<dyn DavFile>)
        }
        .boxed()
    }

    fn read_dir<'a>(&'a self, path: &'a DavPath, _meta: ReadDirMeta) -> FsFuture<'a, FsStream<Box<dyn DavDirEntry>>> {
        async move {
            let cx = &self.0;
            let segs = segments(path)?;
            let reached = cx.reach(&segs).await?;
            let folder = reached.node().clone();
            if folder.kind != NodeKind::Folder {
                return Err(FsError::Forbidden);
            }
            if cx.method == http::Method::DELETE || cx.method.as_str() == "MOVE" {
                let empty: FsStream<Box<dyn DavDirEntry>> = Box::pin(stream::empty());
                return Ok(empty);
            }
            let (_, children) = cx.app.drive().folder(&cx.session, folder.id).await.map_err(|e| cx.fail(e))?;
            let props = cx.app.drive().dav_properties(&cx.session, &folder, true).await.map_err(|e| cx.fail(e))?;
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
                // A Tavle document is listed as its file form, `<name>.odt`.
                for child in shown(&children) {
                    let name = child.client_name();
                    let key = format!("{}/{}", base.trim_end_matches('/'), name_key(&name));
                    entries.push(Ok(Box::new(Entry {
                        name: name.into_owned().into_bytes(),
                        meta: NodeMeta::from(child),
                    })));
                    c.insert(key, reached.below(child.clone()));
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
            let folder =
                cx.app.drive().create_folder(&cx.session, parent.node().id, &name).await.map_err(|e| cx.fail(e))?;
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
            cx.app.drive().delete_node(&cx.session, node.id, None).await.map_err(|e| cx.fail(e))
        }
        .boxed()
    }

    fn rename<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let cx = &self.0;
            let (node, to) = cx.source_and_destination(from, to).await?;
            cx.app.drive().move_node(&cx.session, node.id, &to, None).await.map_err(|e| cx.fail(e))?;
            Ok(())
        }
        .boxed()
    }

    fn copy<'a>(&'a self, from: &'a DavPath, to: &'a DavPath) -> FsFuture<'a, ()> {
        async move {
            let cx = &self.0;
            let (node, to) = cx.source_and_destination(from, to).await?;
            let copy = cx.app.drive().copy_node(&cx.session, node.id, &to).await.map_err(|e| cx.fail(e))?;
            // Properties are part of what a COPY duplicates (RFC 4918, 9.8.2).
            let props = cx.properties(&node).await?;
            if !props.is_empty() {
                let changes: Vec<PropertyChange> = props.into_iter().map(PropertyChange::Set).collect();
                cx.app.drive().patch_dav_properties(&cx.session, &copy, &changes).await.map_err(|e| cx.fail(e))?;
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
                cx.app.drive().patch_dav_properties(&cx.session, &node, &changes).await.map_err(|e| cx.fail(e))?;
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
