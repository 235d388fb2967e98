//! The drive: spaces (a person's own, a class's or team's, a school's staff drive), files and
//! folders, uploads and downloads, trash, versions, search and the storage check.
//!
//! Contents go to the blob store first and become visible only when the transaction that
//! records them commits, so a file is there whole or not at all; an upload is acknowledged
//! only after both. Access is decided by `tavle_core::policy::space_access`; a node that the
//! caller may not see answers "not found", like everything else in Tavle.

use tavle_core::drive::Node;

mod check;
mod dav;
mod files;
mod links;
mod resumable;
mod sharing;
mod spaces;
mod trash;
mod upload;

use std::sync::Arc;

use tavle_core::{NodeId, TenantId};

pub use crate::access::SpaceView;
pub use check::{CheckReport, CheckStep};
pub use dav::PropertyChange;
pub use files::{Destination, NodeView};
pub use links::{Dropped, LinkFolder, LinkSettings, OpenedLink, MIN_LINK_PASSWORD};
pub use resumable::{Finish, Protocol, UPLOAD_SESSION_SECS};
pub use sharing::SharedItem;
pub use tavle_blob::ByteStream;

pub use upload::{Conditions, Upload};

use crate::access::AccessControl;
use crate::batch::{Batcher, BatcherOf};
use crate::content::Content;
use crate::Base;

/// The drive's use cases. Depends on access (who may reach what) and content (bytes in and
/// out); never on assignments.
#[derive(Clone)]
pub struct Drive {
    base: Arc<Base>,
    pub(crate) access: AccessControl,
    pub(crate) content: Content,
    /// Folder listings by folder, each with the folder ETag it is valid for (`files.rs`).
    listings: Arc<Listings>,
    /// Uploads waiting to be recorded together (`crate::batch`).
    uploads: Arc<Batcher<UploadJob>>,
}
crate::service!(Drive);

impl Drive {
    pub(crate) fn new(base: Arc<Base>, access: AccessControl, content: Content) -> Self {
        Drive { base, access, content, listings: Arc::new(listings()), uploads: Arc::default() }
    }
}

impl BatcherOf<UploadJob> for Drive {
    fn batcher(&self) -> &Arc<Batcher<UploadJob>> {
        &self.uploads
    }
}

const GIB: i64 = 1 << 30;

/// Cached folder listings: (tenant, folder) → (the folder's ETag, its live children).
pub(crate) type Listings = quick_cache::sync::Cache<(TenantId, NodeId), (String, Arc<Vec<Node>>), ListingWeight>;

/// Weighs a listing by its entries, so the cache holds a bounded number of rows.
#[derive(Clone, Debug)]
pub(crate) struct ListingWeight;

impl quick_cache::Weighter<(TenantId, NodeId), (String, Arc<Vec<Node>>)> for ListingWeight {
    fn weight(&self, _key: &(TenantId, NodeId), value: &(String, Arc<Vec<Node>>)) -> u64 {
        value.1.len() as u64 + 1
    }
}

/// At most this many rows of listings are cached (about 300 bytes each).
const LISTING_ROWS: u64 = 500_000;

pub(crate) use upload::UploadJob;

pub(crate) fn listings() -> Listings {
    quick_cache::sync::Cache::with_weighter(2_000, LISTING_ROWS, ListingWeight)
}

/// Quotas, trash and version retention.
#[derive(Clone, Debug)]
pub struct DriveConfig {
    /// The quota of a pupil's own drive, set when it is created (bytes).
    pub quota_pupil: i64,
    /// The quota of a teacher's or staff member's own drive, set when it is created.
    pub quota_staff: i64,
    /// The quota of a class's or team's drive unless an admin sets another.
    pub quota_group: i64,
    /// The quota of a school's staff drive unless an admin sets another.
    pub quota_school: i64,
    /// Deleted files stay in the trash this long (days).
    pub trash_days: i64,
    /// Older versions are kept this long after they were replaced (days).
    pub version_days: i64,
    /// At most this many older versions per file; the oldest go first.
    pub max_versions: usize,
}

impl Default for DriveConfig {
    fn default() -> Self {
        DriveConfig {
            quota_pupil: 5 * GIB,
            quota_staff: 20 * GIB,
            quota_group: 10 * GIB,
            quota_school: 50 * GIB,
            trash_days: 30,
            version_days: 90,
            max_versions: 50,
        }
    }
}
