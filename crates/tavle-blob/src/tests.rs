//! The blob store suite: the same checks against a local directory and, when
//! `TAVLE_TEST_S3_ENDPOINT` (with `_BUCKET`, `_KEY_ID`, `_SECRET`) names one, a real S3 server.

use bytes::Bytes;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use tavle_core::TenantId;

use super::*;

fn s3_from_env() -> Option<BlobConfig> {
    let var = |k: &str| std::env::var(format!("TAVLE_TEST_S3_{k}")).ok();
    Some(BlobConfig::S3(S3Config {
        endpoint: var("ENDPOINT")?,
        bucket: var("BUCKET")?,
        region: var("REGION").unwrap_or_else(|| "garage".into()),
        access_key_id: var("KEY_ID")?,
        secret_access_key: var("SECRET")?,
    }))
}

/// Runs `check` on a local store and, when configured, on S3.
async fn each_store<F, Fut>(check: F)
where
    F: Fn(BlobStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    check(BlobStore::open(&BlobConfig::Local { dir: dir.path().into() }).unwrap()).await;
    if let Some(cfg) = s3_from_env() {
        check(BlobStore::open(&cfg).unwrap()).await;
    }
}

/// A body of `len` bytes in chunks of `chunk` bytes, with content that differs per position.
fn body(len: usize, chunk: usize) -> (Vec<u8>, impl futures_util::Stream<Item = Result<Bytes, std::io::Error>>) {
    let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        data.chunks(chunk.max(1)).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    (data, stream::iter(chunks))
}

async fn read_all(store: &BlobStore, key: BlobKey, range: Option<std::ops::Range<u64>>) -> Vec<u8> {
    let parts: Vec<Bytes> = store.read(key, range).await.unwrap().try_collect().await.unwrap();
    parts.concat()
}

async fn keys(store: &BlobStore, tenant: TenantId) -> Vec<BlobKey> {
    store.list(Some(tenant)).map_ok(|b| b.key).try_collect().await.unwrap()
}

#[tokio::test]
async fn small_and_multipart_blobs_read_back_with_their_hash() {
    each_store(|store| async move {
        let tenant = TenantId::new();
        // Empty, small, and past the part size (one and several multipart parts).
        for len in [0, 1000, store.part_size + 1, 2 * store.part_size + 12345] {
            let (data, body) = body(len, 64 * 1024);
            let w = store.write(tenant, body, u64::MAX).await.unwrap();
            assert_eq!(w.size, len as u64);
            assert_eq!(w.sha256, <[u8; 32]>::from(Sha256::digest(&data)), "length {len}");
            assert_eq!(read_all(&store, w.key, None).await, data, "length {len}");
            if len > 10 {
                assert_eq!(read_all(&store, w.key, Some(3..10)).await, data[3..10]);
            }
            assert_eq!(store.size(w.key).await.unwrap(), Some(len as u64));
        }
        assert_eq!(keys(&store, tenant).await.len(), 4);
    })
    .await;
}

#[tokio::test]
async fn an_upload_over_its_limit_or_cut_off_leaves_nothing() {
    each_store(|store| async move {
        let tenant = TenantId::new();
        for len in [100, 3 * store.part_size] {
            let (_, body) = body(len, 4096);
            let err = store.write(tenant, body, len as u64 - 1).await.unwrap_err();
            assert!(matches!(err, BlobError::TooLarge { .. }), "{err}");
        }
        let (_, good) = body(2 * store.part_size, 4096);
        let broken = good.chain(stream::iter([Err(std::io::Error::other("connection reset"))]));
        let err = store.write(tenant, broken, u64::MAX).await.unwrap_err();
        assert!(matches!(err, BlobError::Interrupted(_)), "{err}");
        assert_eq!(keys(&store, tenant).await, vec![]);
    })
    .await;
}

#[tokio::test]
async fn delete_and_missing_blobs() {
    each_store(|store| async move {
        let tenant = TenantId::new();
        let (_, b) = body(10, 10);
        let w = store.write(tenant, b, u64::MAX).await.unwrap();
        store.delete(w.key).await.unwrap();
        store.delete(w.key).await.unwrap();
        assert_eq!(store.size(w.key).await.unwrap(), None);
        assert!(matches!(store.read(w.key, None).await, Err(BlobError::Missing(_))));
    })
    .await;
}

#[tokio::test]
async fn tenants_are_listed_apart() {
    each_store(|store| async move {
        let (a, b) = (TenantId::new(), TenantId::new());
        let wa = store.write(a, body(5, 5).1, u64::MAX).await.unwrap();
        let wb = store.write(b, body(5, 5).1, u64::MAX).await.unwrap();
        assert_eq!(keys(&store, a).await, vec![wa.key]);
        assert_eq!(keys(&store, b).await, vec![wb.key]);
    })
    .await;
}

#[tokio::test]
async fn stale_staging_files_are_removed_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(&BlobConfig::Local { dir: dir.path().into() }).unwrap();
    let shard = dir.path().join("t/ab");
    std::fs::create_dir_all(&shard).unwrap();
    std::fs::write(shard.join("0190-blob#3"), b"half").unwrap();
    std::fs::write(shard.join("keep#me"), b"not staging").unwrap();
    let written = std::fs::metadata(shard.join("0190-blob#3")).unwrap().modified().unwrap();
    let now = written.duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 + 1000;
    assert_eq!(store.remove_stale_staging(now, 3600).await.unwrap(), 0, "too young");
    assert_eq!(store.remove_stale_staging(now + 7_200_000, 3600).await.unwrap(), 1);
    assert!(shard.join("keep#me").exists());
}
