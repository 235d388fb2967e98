//! What the sync protocols keep besides files: app passwords (what WebDAV and the sync
//! clients log in with), WebDAV locks and dead properties, and resumable uploads (tus and
//! Nextcloud's chunking) with their parts.

use crate::{BlobId, NodeId, PersonId, SpaceId, TenantId};

/// An app password (only the hash of its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppPassword {
    pub id: uuid::Uuid,
    pub tenant_id: TenantId,
    pub person_id: PersonId,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A WebDAV lock on a path of a space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lock {
    pub token: String,
    pub tenant_id: TenantId,
    pub space_id: SpaceId,
    /// The locked path within the space, NFC and lower case, without a trailing slash (`/`
    /// for the root): what locks are compared by.
    pub path: String,
    /// The path as the client wrote it, URL-encoded, for answering.
    pub href: String,
    pub principal: Option<String>,
    pub owner_xml: Option<String>,
    pub shared: bool,
    pub deep: bool,
    pub timeout_secs: Option<i64>,
    pub expires_at: Option<i64>,
}

/// A property set with PROPPATCH.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadProperty {
    pub node_id: NodeId,
    pub namespace: String,
    pub name: String,
    pub prefix: String,
    /// The whole property element as XML.
    pub xml: String,
}

/// An upload in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadSession {
    pub id: uuid::Uuid,
    pub tenant_id: TenantId,
    pub person_id: PersonId,
    /// `tus` or `nextcloud`.
    pub protocol: String,
    pub client_key: String,
    pub folder_id: Option<NodeId>,
    pub name: Option<String>,
    pub total_length: Option<i64>,
    pub received: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A part of an upload, stored as its own object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadPart {
    pub upload_id: uuid::Uuid,
    pub name: String,
    pub blob_id: BlobId,
    pub size: i64,
    pub created_at: i64,
}
