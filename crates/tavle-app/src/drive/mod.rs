//! The drive: spaces (a person's own, a class's or team's, a school's staff drive), files and
//! folders, uploads and downloads, trash, versions, search and the storage check.
//!
//! Contents go to the blob store first and become visible only when the transaction that
//! records them commits, so a file is there whole or not at all; an upload is acknowledged
//! only after both. Access is decided by `tavle_core::policy::space_access`; a node that the
//! caller may not see answers "not found", like everything else in Tavle.

mod check;
mod dav;
mod files;
mod links;
mod resumable;
mod sharing;
mod spaces;
mod trash;
mod upload;

use crate::Conflict;
use std::sync::Arc;

use tavle_core::drive::{Access, NodeKind, ShareGrant, SpaceFacts};
use tavle_core::policy::{shared_access, space_access};
use tavle_core::{NodeId, TenantId};

pub use check::{CheckReport, CheckStep};
pub use dav::PropertyChange;
pub use files::{Destination, NodeView};
pub use links::{Dropped, LinkFolder, LinkSettings, OpenedLink, MIN_LINK_PASSWORD};
pub use resumable::{Finish, Protocol, UPLOAD_SESSION_SECS};
pub use sharing::SharedItem;
pub use spaces::SpaceView;
pub use tavle_blob::ByteStream;
pub use tavle_store::dav::{AppPasswordRow, DavLockRow, DavPropertyRow};
pub use tavle_store::drive::{LinkRow, NodeRow, ShareRow, SpaceRow, VersionRow};
pub use tavle_store::uploads::{UploadPartRow, UploadSessionRow};
pub use upload::{Conditions, Upload};

use crate::error::{AppError, AppResult};
use crate::App;

const GIB: i64 = 1 << 30;

/// Cached folder listings: (tenant, folder) → (the folder's ETag, its live children).
pub(crate) type Listings = quick_cache::sync::Cache<(TenantId, NodeId), (String, Arc<Vec<NodeRow>>), ListingWeight>;

/// Weighs a listing by its entries, so the cache holds a bounded number of rows.
#[derive(Clone, Debug)]
pub(crate) struct ListingWeight;

impl quick_cache::Weighter<(TenantId, NodeId), (String, Arc<Vec<NodeRow>>)> for ListingWeight {
    fn weight(&self, _key: &(TenantId, NodeId), value: &(String, Arc<Vec<NodeRow>>)) -> u64 {
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

/// A new ETag: unique per change, and ordered in time (UUIDv7) for readable logs.
pub(crate) fn new_etag() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// A new folder of `space` (its root when `parent` is `None`, which has no name).
pub(crate) fn new_folder(
    space: &SpaceRow,
    id: NodeId,
    parent: Option<NodeId>,
    name: String,
    by: Option<tavle_core::PersonId>,
    now: i64,
) -> NodeRow {
    NodeRow {
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

fn facts(space: &SpaceRow) -> SpaceFacts {
    SpaceFacts { tenant_id: space.tenant_id, space_id: space.id, kind: space.kind }
}

/// A file's (or an older version's) contents, ready to be read: the metadata to answer
/// conditional and range requests with, and the immutable blob behind them, so every range
/// read comes from the same contents whatever happens to the file meanwhile.
#[derive(Clone, Debug)]
pub struct Download {
    pub name: String,
    pub size: u64,
    pub etag: String,
    pub modified_at: i64,
    pub sha256: Option<String>,
    key: tavle_blob::BlobKey,
    blobs: tavle_blob::BlobStore,
}

impl Download {
    /// A file's current contents; a folder has none.
    pub(crate) fn of_file(file: &NodeRow, blobs: &tavle_blob::BlobStore) -> AppResult<Download> {
        let blob = match (file.kind, file.blob_id) {
            (NodeKind::File, Some(b)) => b,
            _ => return Err(Conflict::NotAFile.into()),
        };
        let key = tavle_blob::BlobKey { tenant: file.tenant_id, blob };
        Ok(Self::of_blob(
            file.name.clone(),
            file.size,
            file.etag.clone(),
            file.modified_at,
            file.sha256.clone(),
            key,
            blobs.clone(),
        ))
    }

    /// Stored contents to be read as a file of this name.
    pub(crate) fn of_blob(
        name: String,
        size: i64,
        etag: String,
        modified_at: i64,
        sha256: Option<String>,
        key: tavle_blob::BlobKey,
        blobs: tavle_blob::BlobStore,
    ) -> Download {
        Download { name, size: u64::try_from(size).unwrap_or(0), etag, modified_at, sha256, key, blobs }
    }

    /// The contents, or the byte range `range` of them.
    pub async fn read(&self, range: Option<std::ops::Range<u64>>) -> AppResult<ByteStream> {
        Ok(self.blobs.read(self.key, range).await?)
    }
}

/// A node the caller may reach, with its space, the path from the root and their access.
#[derive(Clone, Debug)]
pub(crate) struct Reached {
    pub space: SpaceRow,
    /// Root first, the node itself last.
    pub path: Vec<NodeRow>,
    /// What the caller may do here: from the space, or from shares, whichever is more.
    pub access: Access,
    /// What the space alone gives (sharing a node needs `Edit` here, not through a share).
    pub space_access: Access,
}

impl Reached {
    pub fn node(&self) -> &NodeRow {
        // A path always holds at least the node itself (see `App::reach`).
        &self.path[self.path.len() - 1]
    }

    pub fn require(&self, need: Access) -> AppResult<()> {
        if self.access >= need {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn require_folder(&self) -> AppResult<()> {
        match self.node().kind {
            NodeKind::Folder => Ok(()),
            NodeKind::File => Err(Conflict::NotAFolder.into()),
        }
    }
}

impl App {
    /// Loads a node for the caller: it must exist, be in a space they may see, and be live
    /// (neither it nor a folder above it in the trash); or, with `in_trash`, be itself in
    /// the trash (whatever the folders above it are).
    pub(crate) async fn reach<C>(
        &self,
        db: &mut tavle_store::Db<C>,
        actor: &tavle_core::policy::Actor,
        node: NodeId,
        in_trash: bool,
    ) -> AppResult<Reached>
    where
        C: std::ops::DerefMut<Target = tavle_store::AnyConnection> + Send,
    {
        let tenant: TenantId = actor.tenant_id;
        let path = db.path_to(tenant, node).await?;
        self.exam_lock_at(db, actor, &path).await?;
        let Some(last) = path.last() else { return Err(AppError::NotFound("file or folder")) };
        let space = db.space(tenant, last.space_id).await?.ok_or(AppError::NotFound("file or folder"))?;
        let from_space = space_access(actor, &facts(&space));
        let mut access = from_space;
        if from_space < Access::Edit {
            // Shares on the node or a folder above it may give more.
            let ids: Vec<NodeId> = path.iter().map(|n| n.id).collect();
            let grants: Vec<ShareGrant> = db
                .shares_on(tenant, &ids, self.clock.now().millis())
                .await?
                .iter()
                .map(|s| ShareGrant { tenant_id: s.tenant_id, grantee: s.grantee, access: s.access })
                .collect();
            access = access.max(shared_access(actor, &grants));
        }
        if access == Access::None || path[0].parent_id.is_some() {
            return Err(AppError::NotFound("file or folder"));
        }
        let (above, own) = path.split_at(path.len() - 1);
        let live_above = in_trash || above.iter().all(|n| n.trashed_at.is_none());
        let ok = live_above && (own[0].trashed_at.is_some() == in_trash);
        if !ok {
            return Err(AppError::NotFound("file or folder"));
        }
        Ok(Reached { space, path, access, space_access: from_space })
    }
}
