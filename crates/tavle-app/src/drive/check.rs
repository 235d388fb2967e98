//! `tavle check`: the metadata against the blob store. Every recorded blob must be stored
//! with its size; stored blobs that nothing records (an upload that crashed between writing
//! the bytes and committing) and recorded blobs that nothing uses any more are removed once
//! they are older than a grace period, so an upload in flight on another node is never hit.

use std::collections::{HashMap, HashSet};

use futures_util::TryStreamExt;
use tavle_blob::{BlobKey, STAGING_GRACE_SECS};
use tavle_core::TenantId;

use super::Drive;
use crate::error::AppResult;

/// What a check found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Recorded blobs that were checked.
    pub blobs: u64,
    /// Recorded blobs whose bytes are missing from the store (data loss: restore a backup).
    pub missing: Vec<BlobKey>,
    /// Recorded blobs whose stored size differs from the recorded one.
    pub wrong_size: Vec<BlobKey>,
    /// Stored blobs nothing recorded, removed.
    pub orphans_removed: u64,
    /// Recorded blobs no file, version or hand-in used any more, removed.
    pub unused_removed: u64,
    /// Half-written uploads (local store) removed.
    pub staging_removed: u64,
    /// Trashed items and versions past their retention, removed.
    pub expired: u64,
}

impl CheckReport {
    /// Whether the metadata and the blobs agree (nothing missing or damaged).
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.wrong_size.is_empty()
    }
}

/// The steps of a check, for progress reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckStep {
    /// Expiring the trash and old versions of a tenant.
    Expire,
    /// Reading what the store holds and comparing.
    Compare,
    /// Removing what nothing uses.
    Collect,
}

impl CheckStep {
    pub fn code(self) -> &'static str {
        match self {
            CheckStep::Expire => "expire",
            CheckStep::Compare => "compare",
            CheckStep::Collect => "collect",
        }
    }
}

impl Drive {
    /// Checks every tenant's blobs against the metadata, and removes debris. `progress` is
    /// told each step with the tenant's code.
    pub async fn check_storage(&self, mut progress: impl FnMut(CheckStep, &str)) -> AppResult<CheckReport> {
        let now = self.clock.now();
        let grace_start = now.minus_secs(STAGING_GRACE_SECS).millis();
        let tenants = self.store.read().await?.tenants().await?;
        let mut report = CheckReport::default();
        for t in &tenants {
            progress(CheckStep::Expire, &t.code);
            let (nodes, versions) = self.expire_drive(t.id).await?;
            report.expired += nodes + versions;
            progress(CheckStep::Compare, &t.code);
            self.compare(t.id, grace_start, &mut report).await?;
            progress(CheckStep::Collect, &t.code);
            let unused = self.store.read().await?.unused_blobs(t.id, grace_start).await?;
            for b in unused {
                let mut tx = self.store.write().await?;
                if tx.forget_unused_blob(t.id, b.id).await? {
                    tx.commit().await?;
                    self.blobs.delete(BlobKey { tenant: t.id, blob: b.id }).await?;
                    report.unused_removed += 1;
                }
            }
        }
        report.staging_removed = self.blobs.remove_stale_staging(now.millis(), STAGING_GRACE_SECS).await?;
        Ok(report)
    }

    async fn compare(&self, tenant: TenantId, grace_start: i64, report: &mut CheckReport) -> AppResult<()> {
        let recorded: HashMap<_, _> =
            self.store.read().await?.blobs(tenant).await?.into_iter().map(|b| (b.id, b.size)).collect();
        let mut seen = HashSet::with_capacity(recorded.len());
        let mut stored = self.blobs.list(Some(tenant));
        while let Some(b) = stored.try_next().await? {
            let Some(size) = recorded.get(&b.key.blob) else {
                // Written but never recorded: a crash between the two, or a failed commit. Old
                // enough not to be an upload in flight, and not recorded since the listing
                // began?
                if b.modified_ms < grace_start && self.store.read().await?.blob(tenant, b.key.blob).await?.is_none() {
                    self.blobs.delete(b.key).await?;
                    report.orphans_removed += 1;
                }
                continue;
            };
            if u64::try_from(*size).ok() != Some(b.size) {
                report.wrong_size.push(b.key);
            }
            seen.insert(b.key.blob);
        }
        report.blobs += recorded.len() as u64;
        for id in recorded.keys().filter(|id| !seen.contains(id)) {
            report.missing.push(BlobKey { tenant, blob: *id });
        }
        Ok(())
    }
}
