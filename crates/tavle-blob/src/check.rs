//! What `tavle check` needs from the blob store: every stored blob with its size and age, and
//! the removal of uploads a crash left half-written.

use std::path::Path as FsPath;

use futures_util::stream::{BoxStream, StreamExt};
use object_store::path::Path;
use tavle_core::{BlobId, TenantId};

use crate::{BlobError, BlobKey, BlobStore, Result};

/// How old an unfinished upload or an unrecorded blob must be before a check removes it, so
/// that an upload in progress on another node is never taken for debris (seconds).
pub const STAGING_GRACE_SECS: i64 = 24 * 3600;

/// A blob found in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    pub key: BlobKey,
    pub size: u64,
    /// When it was written (milliseconds since the epoch).
    pub modified_ms: i64,
}

fn parse(path: &Path) -> Option<BlobKey> {
    let mut parts = path.parts();
    let tenant = parts.next()?.as_ref().parse().ok()?;
    let _shard = parts.next()?;
    let blob: BlobId = parts.next()?.as_ref().parse().ok()?;
    parts.next().is_none().then_some(BlobKey { tenant, blob })
}

impl BlobStore {
    /// Every blob of `tenant`, or of all tenants. Objects that are not Tavle's (another
    /// application sharing the bucket) are skipped with a warning, never touched.
    pub fn list(&self, tenant: Option<TenantId>) -> BoxStream<'static, Result<StoredBlob>> {
        let prefix = tenant.map(|t| Path::from(t.to_string()));
        self.store
            .list(prefix.as_ref())
            .filter_map(|item| async move {
                match item {
                    Err(e) => Some(Err(BlobError::Store(e))),
                    Ok(meta) => match parse(&meta.location) {
                        Some(key) => Some(Ok(StoredBlob {
                            key,
                            size: meta.size,
                            modified_ms: meta.last_modified.timestamp_millis(),
                        })),
                        None => {
                            tracing::warn!(path = %meta.location, "an object in the blob store is not Tavle's; left alone");
                            None
                        }
                    },
                }
            })
            .boxed()
    }

    /// Removes the staging files of uploads that never finished (a local store writes an
    /// upload to `name#N` and renames it when complete; a crash leaves the staging file).
    /// Only files older than `grace_secs` at `now_ms` are removed. Returns how many.
    ///
    /// An S3 store keeps unfinished multipart uploads invisibly; a bucket lifecycle rule
    /// (`AbortIncompleteMultipartUpload`) removes them, see `docs/storage.md`.
    pub async fn remove_stale_staging(&self, now_ms: i64, grace_secs: i64) -> Result<u64> {
        let Some(root) = self.local_root.clone() else { return Ok(0) };
        tokio::task::spawn_blocking(move || remove_staging_in(&root, now_ms - grace_secs * 1000))
            .await
            .map_err(|e| BlobError::Config(e.to_string()))?
            .map_err(|e| BlobError::Config(format!("cleaning staging files: {e}")))
    }
}

fn is_staging(name: &str) -> bool {
    matches!(name.rsplit_once('#'), Some((_, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn remove_staging_in(dir: &FsPath, older_than_ms: i64) -> std::io::Result<u64> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            removed += remove_staging_in(&entry.path(), older_than_ms)?;
        } else if is_staging(&entry.file_name().to_string_lossy()) {
            let modified = entry.metadata()?.modified()?;
            let ms = modified.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
            if ms < older_than_ms {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}
