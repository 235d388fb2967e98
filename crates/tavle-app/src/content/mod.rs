//! File contents, whatever holds them: taking bytes into the blob store (durable before
//! anything refers to them, bounded by a limit), recording them as the tenant's blob
//! (identical bytes are kept once per municipality), dropping a copy nobody refers to,
//! charging a drive's quota, and reading contents back out with ranges (`Download`). The
//! drive, assignments and (later) documents all take in and hand out bytes through here.

use std::sync::Arc;

use bytes::Bytes;
use tavle_blob::{BlobError, BlobKey, ByteStream, Written};
use tavle_core::drive::{Node, Space};
use tavle_core::drive::{NodeKind, SpaceKind};
use tavle_core::{BlobId, NodeId, PersonId, TenantId};
use tavle_store::drive::BlobRow;
use tavle_store::Tx;

use crate::error::{AppError, AppResult};
use crate::{Base, Conflict};

/// File contents: intake, blobs, quota, downloads. Depends on no other service.
#[derive(Clone)]
pub struct Content {
    base: Arc<Base>,
}
crate::service!(Content);

impl Content {
    pub(crate) fn new(base: Arc<Base>) -> Self {
        Content { base }
    }

    /// Takes `body` into the blob store under `tenant`: durable (fsynced, or the S3 PUT
    /// answered) when this returns. `None` when the body was longer than `limit` bytes: the
    /// caller says why that is refused (a quota, the hand-in limit).
    pub(crate) async fn intake<S, E>(&self, tenant: TenantId, body: S, limit: u64) -> AppResult<Option<Written>>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        match self.blobs.write(tenant, body, limit).await {
            Ok(w) => Ok(Some(w)),
            Err(BlobError::TooLarge { .. }) => Ok(None),
            Err(BlobError::Interrupted(why)) => Err(AppError::UploadInterrupted(why)),
            Err(e) => Err(e.into()),
        }
    }

    /// Takes bytes already in memory (a document's state, a rendered file) into the blob
    /// store, durable when it returns.
    pub(crate) async fn intake_bytes(&self, tenant: TenantId, bytes: Vec<u8>) -> AppResult<Written> {
        let body = futures_util::stream::once(async { Ok::<_, std::convert::Infallible>(Bytes::from(bytes)) });
        self.intake(tenant, body, u64::MAX).await?.ok_or_else(|| AppError::Internal("bytes over the blob limit".into()))
    }

    /// Settles a written copy once the write that was to use it is done: kept if the
    /// recorded blob is this copy, dropped if the tenant had the bytes already (`kept` is
    /// another blob) or nothing was recorded (`kept` is `None`).
    pub(crate) async fn settle(&self, written: &Written, kept: Option<BlobId>) {
        if kept != Some(written.key.blob) {
            self.delete_blob_quietly(written.key).await;
        }
    }

    /// Deletes a blob nothing refers to; one left behind is removed by `tavle check`.
    pub(crate) async fn delete_blob_quietly(&self, key: BlobKey) {
        if let Err(e) = self.blobs.delete(key).await {
            tracing::warn!(error = %e, "deleting an unneeded blob failed");
        }
    }

    /// The quota that applies to a space.
    pub(crate) fn quota_of(&self, space: &Space) -> i64 {
        let d = &self.cfg.drive;
        space.quota_bytes.unwrap_or(match space.kind {
            SpaceKind::Personal(_) => d.quota_pupil,
            SpaceKind::Group { .. } => d.quota_group,
            SpaceKind::Staff(_) => d.quota_school,
        })
    }

    /// Adds `bytes` to what a space uses, refusing (with the numbers) what its quota does
    /// not allow.
    pub(crate) async fn charge(&self, tx: &mut Tx, space: &Space, bytes: i64) -> AppResult<()> {
        let quota = self.quota_of(space);
        if !tx.charge_space(space.tenant_id, space.id, bytes, quota).await? {
            let used = tx.space(space.tenant_id, space.id).await?.map_or(space.used_bytes, |s| s.used_bytes);
            return Err(AppError::QuotaExceeded { quota, used });
        }
        Ok(())
    }

    /// A file's current contents, ready to be read; a folder has none.
    pub(crate) fn download(&self, file: &Node) -> AppResult<Download> {
        // A Tavle document's contents are its file form, `<name>.odt` (documents/rendition.rs).
        let blob = match (file.kind, file.blob_id) {
            (NodeKind::File | NodeKind::Document, Some(b)) => b,
            _ => return Err(Conflict::NotAFile.into()),
        };
        let key = BlobKey { tenant: file.tenant_id, blob };
        Ok(self.download_blob(
            file.client_name().into_owned(),
            file.size,
            file.etag.clone(),
            file.modified_at,
            file.sha256.clone(),
            key,
        ))
    }

    /// Stored contents to be read as a file of this name.
    pub(crate) fn download_blob(
        &self,
        name: String,
        size: i64,
        etag: String,
        modified_at: i64,
        sha256: Option<String>,
        key: BlobKey,
    ) -> Download {
        let size = u64::try_from(size).unwrap_or(0);
        Download { name, size, etag, modified_at, sha256, key, blobs: self.blobs.clone() }
    }
}

/// Records a written copy as a blob of `tenant`, or finds the tenant's blob with the same
/// bytes (which the caller then refers to, and `Content::settle` drops the copy).
pub(crate) async fn record_blob(tx: &mut Tx, tenant: TenantId, w: &Written, now: i64) -> AppResult<BlobRow> {
    let size = i64::try_from(w.size).map_err(|_| AppError::Internal("size".into()))?;
    Ok(tx
        .record_blob(&BlobRow { id: w.key.blob, tenant_id: tenant, sha256: w.sha256_hex(), size, created_at: now })
        .await?)
}

/// A new ETag: unique per change, and ordered in time (UUIDv7) for readable logs.
pub(crate) fn new_etag() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// A new folder of `space` (its root when `parent` is `None`, which has no name).
pub(crate) fn new_folder(
    space: &Space,
    id: NodeId,
    parent: Option<NodeId>,
    name: String,
    by: Option<PersonId>,
    now: i64,
) -> Node {
    Node {
        id,
        tenant_id: space.tenant_id,
        space_id: space.id,
        parent_id: parent,
        name,
        kind: NodeKind::Folder,
        blob_id: None,
        size: 0,
        sha256: None,
        etag: new_etag(),
        created_at: now,
        created_by: by,
        modified_at: now,
        modified_by: by,
        trashed_at: None,
        trashed_by: None,
    }
}

/// A file's (or an older version's, or a handed-in file's) contents, ready to be read: the
/// metadata to answer conditional and range requests with, and the immutable blob behind
/// them, so every range read comes from the same contents whatever happens to the file
/// meanwhile.
#[derive(Clone, Debug)]
pub struct Download {
    pub name: String,
    pub size: u64,
    pub etag: String,
    pub modified_at: i64,
    pub sha256: Option<String>,
    key: BlobKey,
    blobs: tavle_blob::BlobStore,
}

impl Download {
    /// The blob that holds the contents.
    pub(crate) fn blob(&self) -> tavle_core::BlobId {
        self.key.blob
    }

    /// The contents, or the byte range `range` of them.
    pub async fn read(&self, range: Option<std::ops::Range<u64>>) -> AppResult<ByteStream> {
        Ok(self.blobs.read(self.key, range).await?)
    }

    /// All of the contents in memory, for what must be parsed whole (a document's state),
    /// refused over `limit` bytes.
    pub(crate) async fn bytes(&self, what: &'static str, limit: u64) -> AppResult<Vec<u8>> {
        use futures_util::StreamExt;
        if self.size > limit {
            return Err(AppError::TooLarge { what, limit_bytes: limit });
        }
        let mut stream = self.read(None).await?;
        let mut out = Vec::with_capacity(usize::try_from(self.size).unwrap_or(0));
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}
