//! Uploads and downloads. An upload streams into the blob store (hashed on the way, bounded by
//! the space's free quota), then one transaction records it: the blob (or the tenant's
//! existing blob with the same SHA-256), the file, the replaced content as a version, the
//! space's usage and the folders' ETags. Only then is it acknowledged.

use bytes::Bytes;
use tavle_blob::Written;
use tavle_core::drive::{file_name, name_key, Access, NodeKind};
use tavle_core::drive::{Node, Version};
use tavle_core::policy::Actor;
use tavle_core::{BlobId, NodeId, VersionId};
use tavle_store::Tx;

use super::files::{check_if_match, exists};
use super::Drive;
use crate::access::Reached;
use crate::audit::RequestMeta;
use crate::caller::Session;
use crate::content::new_etag;
use crate::error::{AppError, AppResult};

/// The preconditions of an upload (HTTP `If-Match` and `If-None-Match: *`).
#[derive(Clone, Debug, Default)]
pub struct Conditions {
    /// Replace only this version of the file (an ETag, or `*` for "any existing file").
    pub if_match: Option<String>,
    /// Create only; never replace an existing file.
    pub if_none_match_any: bool,
    /// Never replace an existing file: give the new one a numbered name instead (a drop box).
    pub keep_both: bool,
}

/// A finished upload.
#[derive(Clone, Debug)]
pub struct Upload {
    pub node: Node,
    /// Whether the file is new (rather than new contents of an existing file).
    pub created: bool,
}

fn check(existing: Option<&Node>, cond: &Conditions) -> AppResult<()> {
    match existing {
        Some(_) if cond.keep_both => Ok(()),
        // A file's contents never replace a folder or a Tavle document of the same name.
        Some(n) if n.kind != NodeKind::File => Err(exists(&n.name)),
        Some(_) if cond.if_none_match_any => Err(AppError::PreconditionFailed),
        Some(n) => check_if_match(n, cond.if_match.as_deref()),
        None if cond.if_match.is_some() => Err(AppError::PreconditionFailed),
        None => Ok(()),
    }
}

/// One upload waiting to be recorded (in a batch, `crate::batch`).
pub(crate) struct UploadJob {
    actor: Actor,
    /// The folder, as the caller reached it before the bytes came (the access decision).
    parent: Reached,
    name: String,
    written: Written,
    cond: Conditions,
    mtime: Option<i64>,
}

impl crate::batch::Record for UploadJob {
    type Out = (Upload, BlobId);
    type By = Drive;
    const WHAT: &'static str = "uploads";
    async fn record(&self, drive: &Drive, tx: &mut Tx) -> AppResult<Self::Out> {
        drive.record_in(tx, self).await
    }
}

impl Drive {
    /// Stores `body` as the file `name` in the folder `parent`: a new file, or new contents
    /// of the existing one (whose old contents become a version). `mtime` is the file's
    /// modification time as the client knows it (milliseconds), if it sent one.
    pub async fn upload<S, E>(
        &self,
        s: &Session,
        parent: NodeId,
        name: &str,
        body: S,
        cond: &Conditions,
        mtime: Option<i64>,
    ) -> AppResult<Upload>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let p = self.access.reach(&mut self.store.read().await?, &s.actor, parent, false).await?;
        self.upload_to(s, &p, name, body, cond, mtime).await
    }

    /// [`Drive::upload`] into a folder the caller has reached already (WebDAV walked its
    /// path): the access decision is the one made then, so the request goes down the layers
    /// once — the folder's access, the bytes into the blob store, one recorded batch.
    pub async fn upload_to<S, E>(
        &self,
        s: &Session,
        parent: &Reached,
        name: &str,
        body: S,
        cond: &Conditions,
        mtime: Option<i64>,
    ) -> AppResult<Upload>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let a = &s.actor;
        parent.require_for(a)?;
        parent.require(Access::Edit)?;
        parent.require_folder()?;
        let name = file_name(name)?;
        // Refuse early what would be refused after the upload anyway.
        let existing = self.store.read().await?.child(a.tenant_id, parent.node().id, &name_key(&name)).await?;
        check(existing.as_ref(), cond)?;
        let replaced = existing.filter(|_| !cond.keep_both).map_or(0, |e| e.size);
        let space = parent.space();
        let limit = u64::try_from(self.content.quota_of(space) - space.used_bytes + replaced).unwrap_or(0);
        let Some(written) = self.content.intake(a.tenant_id, body, limit).await? else {
            return Err(self.quota_error(parent).await);
        };
        let job = UploadJob {
            actor: a.clone(),
            parent: parent.clone(),
            name,
            written: written.clone(),
            cond: cond.clone(),
            mtime,
        };
        let recorded = self.record_upload(job).await;
        self.content.settle(&written, recorded.as_ref().ok().map(|(_, kept)| *kept)).await;
        recorded.map(|(upload, _)| upload)
    }

    /// The refusal of an upload that outgrew the room left in its drive, with the drive's
    /// numbers as they are now.
    async fn quota_error(&self, parent: &Reached) -> AppError {
        let space = parent.space();
        let now = async { Ok::<_, AppError>(self.store.read().await?.space(space.tenant_id, space.id).await?) };
        let used = match now.await {
            Ok(Some(current)) => current.used_bytes,
            Ok(None) => space.used_bytes,
            Err(e) => return e,
        };
        AppError::QuotaExceeded { quota: self.content.quota_of(space), used }
    }

    /// Records a written blob as the file's contents. Returns the upload and the blob that
    /// holds the bytes (the new one, or the tenant's existing one with the same hash).
    ///
    /// Uploads that finish while another batch is being committed are recorded together in
    /// the next transaction (group commit): one durable commit, one fsync, for all of them,
    /// each in its own savepoint so one refused upload does not undo the others. Each is
    /// answered only after the commit that holds it.
    async fn record_upload(&self, job: UploadJob) -> AppResult<(Upload, BlobId)> {
        crate::batch::Batcher::submit(self, job).await
    }

    /// Records one upload inside the batch's transaction.
    async fn record_in(&self, tx: &mut Tx, job: &UploadJob) -> AppResult<(Upload, BlobId)> {
        let UploadJob { actor: a, parent: p, name, written, cond, mtime } = job;
        let (parent, mtime) = (p.node().id, *mtime);
        let now = self.clock.now().millis();
        let size = i64::try_from(written.size).map_err(|_| AppError::Internal("upload size".into()))?;
        // The folder the caller reached is still there, in the same drive (it may have been
        // deleted or moved to another drive while the bytes came). What was decided about it
        // stands: an upload begun before its folder was shared away is finished.
        let still = tx.node(a.tenant_id, parent).await?;
        if !still.is_some_and(|n| n.trashed_at.is_none() && n.space_id == p.space().id) {
            return Err(AppError::NotFound("file or folder"));
        }
        let mut existing = tx.child(a.tenant_id, parent, &name_key(name)).await?;
        check(existing.as_ref(), cond)?;
        let mut name = name.clone();
        if cond.keep_both && existing.is_some() {
            let mut i = 2;
            while tx.child(a.tenant_id, parent, &name_key(&name)).await?.is_some() {
                name = super::trash::numbered(&job.name, i);
                i += 1;
            }
            existing = None;
        }
        let name = name.as_str();
        let blob = crate::content::record_blob(tx, a.tenant_id, written, now).await?;
        let modified_at = mtime.unwrap_or(now);
        let (node, created) = match existing {
            Some(mut file) => {
                self.content.charge(tx, p.space(), size - file.size).await?;
                if file.sha256.as_deref() != Some(blob.sha256.as_str()) {
                    self.keep_version(tx, &file, now).await?;
                }
                file.blob_id = Some(blob.id);
                file.size = size;
                file.sha256 = Some(blob.sha256.clone());
                file.etag = new_etag();
                file.modified_at = modified_at;
                file.modified_by = Some(a.person_id);
                tx.update_node(&file).await?;
                (file, false)
            }
            None => {
                crate::access::name_free(tx, a.tenant_id, parent, name, NodeKind::File, None).await?;
                self.content.charge(tx, p.space(), size).await?;
                let file = Node {
                    id: NodeId::new(),
                    tenant_id: a.tenant_id,
                    space_id: p.space().id,
                    parent_id: Some(parent),
                    name: name.to_string(),
                    kind: NodeKind::File,
                    blob_id: Some(blob.id),
                    size,
                    sha256: Some(blob.sha256.clone()),
                    etag: new_etag(),
                    created_at: now,
                    created_by: Some(a.person_id),
                    modified_at,
                    modified_by: Some(a.person_id),
                    trashed_at: None,
                    trashed_by: None,
                };
                tx.insert_node(&file).await.map_err(|e| super::files::conflict(e, name))?;
                (file, true)
            }
        };
        tx.touch_folders(a.tenant_id, parent, &new_etag()).await?;
        Ok((Upload { node, created }, blob.id))
    }

    /// Keeps a file's current contents as an older version, within the retention limits.
    pub(crate) async fn keep_version(&self, tx: &mut Tx, file: &Node, now: i64) -> AppResult<()> {
        let (Some(blob_id), Some(sha256)) = (file.blob_id, file.sha256.clone()) else { return Ok(()) };
        tx.insert_version(&Version {
            id: VersionId::new(),
            tenant_id: file.tenant_id,
            node_id: file.id,
            blob_id,
            size: file.size,
            sha256,
            modified_at: file.modified_at,
            modified_by: file.modified_by,
            replaced_at: now,
            label: None,
        })
        .await?;
        let versions = tx.versions(file.tenant_id, file.id).await?;
        for old in versions.iter().skip(self.cfg.drive.max_versions) {
            tx.delete_version(file.tenant_id, old.id).await?;
        }
        Ok(())
    }

    /// Opens a file for reading its contents.
    pub async fn download(&self, s: &Session, node: NodeId, meta: &RequestMeta) -> AppResult<crate::content::Download> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let r = self.access.reach(&mut conn, a, node, false).await?;
        drop(conn);
        let dl = self.content.download(r.node())?;
        self.access.audit_read(a, &r, "file.download", meta).await?;
        Ok(dl)
    }
}
