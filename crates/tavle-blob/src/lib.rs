//! File contents ("blobs") in an object store: a local directory by default, any S3-compatible
//! store (Garage, MinIO, AWS) for several nodes. Built on the `object_store` crate.
//!
//! A blob is written once and never changed: each upload streams into a fresh object named
//! `{tenant}/{xx}/{blob id}` while its SHA-256 is computed, and [`BlobStore::write`] returns
//! only after the object is durable (local: the file and its directory are fsynced; S3: the
//! PUT or multipart completion has been answered). Whether the bytes duplicate an existing
//! blob of the same tenant is decided afterwards by the metadata store, which then deletes the
//! new copy; so identical contents are stored once per municipality and never shared between
//! municipalities. Memory is bounded: at most a few parts of [`BlobConfig::part_size`] bytes
//! are held per upload, whatever its size.

mod check;

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};
use tavle_core::{BlobId, TenantId};

pub use check::{StoredBlob, STAGING_GRACE_SECS};

/// Where blobs live.
#[derive(Clone)]
pub enum BlobConfig {
    /// A directory on this machine (the embedded default).
    Local { dir: PathBuf },
    /// A bucket of an S3-compatible store.
    S3(S3Config),
}

/// The connection to an S3-compatible store.
#[derive(Clone)]
pub struct S3Config {
    /// e.g. `http://127.0.0.1:3900` for a local Garage; empty for AWS itself.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl fmt::Debug for BlobConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobConfig::Local { dir } => f.debug_struct("Local").field("dir", dir).finish(),
            BlobConfig::S3(s) => f
                .debug_struct("S3")
                .field("endpoint", &s.endpoint)
                .field("bucket", &s.bucket)
                .field("region", &s.region)
                .field("access_key_id", &s.access_key_id)
                .field("secret_access_key", &"<redacted>")
                .finish(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The upload grew past the limit the caller set (a quota or a size cap).
    #[error("the upload is larger than the {limit} bytes allowed")]
    TooLarge { limit: u64 },
    /// Reading the upload from the client failed (the connection broke, the body was cut).
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
    #[error("the blob {0} is missing from the blob store")]
    Missing(String),
    #[error("blob store configuration: {0}")]
    Config(String),
    #[error("blob store: {0}")]
    Store(#[from] object_store::Error),
}

pub type Result<T, E = BlobError> = std::result::Result<T, E>;

/// Where one blob is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlobKey {
    pub tenant: TenantId,
    pub blob: BlobId,
}

impl BlobKey {
    /// `{tenant}/{xx}/{blob}`, where `xx` are the last two hex digits of the blob id (random
    /// in a UUIDv7), so no directory of a local store holds more than 1/256 of a tenant.
    fn path(&self) -> Path {
        let id = self.blob.to_string();
        let shard = &id[id.len() - 2..];
        Path::from(format!("{}/{shard}/{id}", self.tenant))
    }
}

/// A finished upload: where it is, its SHA-256 and its size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub key: BlobKey,
    pub sha256: [u8; 32],
    pub size: u64,
}

impl Written {
    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }
}

/// Lower-case hex of bytes (SHA-256 digests on the wire and in the database).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Installs rustls's `ring` crypto provider for the process, which every HTTPS client in it
/// (the S3 client, and tests' clients, which share the one `reqwest` build) needs. Calling
/// it again does nothing.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A stream of a blob's bytes.
pub type ByteStream = BoxStream<'static, Result<Bytes>>;

/// The blob store; cheap to clone.
#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// Bytes per multipart part; smaller uploads are one PUT.
    part_size: usize,
    /// The root directory of a local store (for cleaning up its staging files).
    local_root: Option<PathBuf>,
}

impl fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobStore({})", self.store)
    }
}

/// Parts of a multipart upload that may be in flight at once, per upload.
const PARTS_IN_FLIGHT: usize = 2;

impl BlobStore {
    pub fn open(cfg: &BlobConfig) -> Result<Self> {
        match cfg {
            BlobConfig::Local { dir } => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    BlobError::Config(format!("cannot create the blob directory {}: {e}", dir.display()))
                })?;
                let fs = LocalFileSystem::new_with_prefix(dir)?.with_fsync(true);
                Ok(BlobStore { store: Arc::new(fs), part_size: 1 << 20, local_root: Some(dir.clone()) })
            }
            BlobConfig::S3(s3) => {
                install_tls_provider();
                let mut b = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key);
                if !s3.endpoint.is_empty() {
                    b = b
                        .with_endpoint(&s3.endpoint)
                        .with_allow_http(s3.endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                // S3 parts must be at least 5 MiB (but the last).
                Ok(BlobStore { store: Arc::new(b.build()?), part_size: 8 << 20, local_root: None })
            }
        }
    }

    /// Streams `body` into a new blob of `tenant`, hashing it on the way. Fails with
    /// [`BlobError::TooLarge`] as soon as more than `limit` bytes arrive, leaving nothing
    /// behind. Returns once the blob is durable.
    pub async fn write<S, E>(&self, tenant: TenantId, body: S, limit: u64) -> Result<Written>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send,
        E: fmt::Display,
    {
        let key = BlobKey { tenant, blob: BlobId::new() };
        let path = key.path();
        let mut body = std::pin::pin!(body);
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head: Vec<Bytes> = Vec::new();
        let mut upload: Option<WriteMultipart> = None;
        let outcome: Result<()> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| BlobError::Interrupted(e.to_string()))?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(BlobError::TooLarge { limit });
                }
                hasher.update(&chunk);
                match upload.as_mut() {
                    Some(w) => {
                        w.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                        w.put(chunk);
                    }
                    None => {
                        head.push(chunk);
                        if size >= self.part_size as u64 {
                            let mut w = WriteMultipart::new_with_chunk_size(
                                self.store.put_multipart(&path).await?,
                                self.part_size,
                            );
                            head.drain(..).for_each(|b| w.put(b));
                            upload = Some(w);
                        }
                    }
                }
            }
            Ok(())
        }
        .await;
        match (outcome, upload) {
            (Ok(()), Some(w)) => {
                w.finish().await?;
            }
            (Ok(()), None) => {
                self.store.put(&path, PutPayload::from_iter(head)).await?;
            }
            (Err(e), Some(w)) => {
                if let Err(abort) = w.abort().await {
                    tracing::warn!(error = %abort, "aborting a failed multipart upload failed");
                }
                return Err(e);
            }
            (Err(e), None) => return Err(e),
        }
        Ok(Written { key, sha256: hasher.finalize().into(), size })
    }

    /// The blob's bytes, or the given byte range of them.
    pub async fn read(&self, key: BlobKey, range: Option<Range<u64>>) -> Result<ByteStream> {
        let opts = GetOptions { range: range.map(GetRange::Bounded), ..Default::default() };
        let got = self.store.get_opts(&key.path(), opts).await.map_err(|e| not_found(e, key))?;
        let range = got.range.clone();
        match got.payload {
            // object_store reads local files in 8 KiB pieces, one blocking task each; reading
            // 1 MiB at a time makes a large download several times faster.
            GetResultPayload::File(file, _) => Ok(file_stream(file, range)),
            GetResultPayload::Stream(s) => Ok(s.map_err(BlobError::Store).boxed()),
        }
    }

    /// Removes a blob; removing one that is already gone is not an error.
    pub async fn delete(&self, key: BlobKey) -> Result<()> {
        match self.store.delete(&key.path()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The stored size of a blob, or `None` when it is missing.
    pub async fn size(&self, key: BlobKey) -> Result<Option<u64>> {
        match self.store.head(&key.path()).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// Bytes read from a local file per piece.
const READ_CHUNK: u64 = 1 << 20;

/// A local file's byte range as a stream of 1 MiB pieces, each read on a blocking thread.
fn file_stream(file: std::fs::File, range: Range<u64>) -> ByteStream {
    let file = Arc::new(file);
    futures_util::stream::try_unfold(range.start, move |pos| {
        let file = file.clone();
        async move {
            if pos >= range.end {
                return Ok(None);
            }
            let len = (range.end - pos).min(READ_CHUNK) as usize;
            let bytes = tokio::task::spawn_blocking(move || {
                use std::os::unix::fs::FileExt;
                let mut buf = vec![0u8; len];
                file.read_exact_at(&mut buf, pos).map(|()| Bytes::from(buf))
            })
            .await
            .map_err(|e| BlobError::Interrupted(e.to_string()))?
            .map_err(|e| BlobError::Store(object_store::Error::Generic { store: "local", source: Box::new(e) }))?;
            Ok(Some((bytes, pos + len as u64)))
        }
    })
    .boxed()
}

fn not_found(e: object_store::Error, key: BlobKey) -> BlobError {
    match e {
        object_store::Error::NotFound { .. } => BlobError::Missing(key.path().to_string()),
        e => BlobError::Store(e),
    }
}

#[cfg(test)]
mod tests;
