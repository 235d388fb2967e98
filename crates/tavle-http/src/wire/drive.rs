//! The JSON shapes of the drive API.

use serde::{Deserialize, Serialize};
use tavle_app::drive::{NodeView, SpaceView};
use tavle_core::drive::SpaceKind;
use tavle_core::drive::{Node, Version};
use tavle_core::Timestamp;
use utoipa::ToSchema;

fn time(ms: i64) -> String {
    Timestamp(ms).to_rfc3339()
}

/// A drive: a person's own, a class's or team's, or a school's staff drive.
#[derive(Serialize, ToSchema)]
pub struct SpaceWire {
    pub id: String,
    /// `personal`, `group` or `staff`.
    pub kind: &'static str,
    /// The group's or school's name; for a personal drive, the owner's name.
    pub name: String,
    /// The group (class or team) of a group drive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The school of a group or staff drive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub school_id: Option<String>,
    /// The drive's top folder.
    pub root_id: String,
    pub quota_bytes: i64,
    /// Bytes of files and of the trash (older versions are not counted).
    pub used_bytes: i64,
    /// What the caller may do: `view` or `edit` (`none` for an admin looking at a person's
    /// own drive's usage).
    pub access: &'static str,
    /// Whether the caller may change the quota.
    pub can_set_quota: bool,
}

/// A new quota for a drive.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaChange {
    /// Bytes; `null` returns to the default for the drive's kind.
    pub quota_bytes: Option<i64>,
}

impl From<&SpaceView> for SpaceWire {
    fn from(v: &SpaceView) -> Self {
        let (group_id, school_id) = match v.space().kind {
            SpaceKind::Personal(_) => (None, None),
            SpaceKind::Group { group, school } => (Some(group.to_string()), Some(school.to_string())),
            SpaceKind::Staff(school) => (None, Some(school.to_string())),
        };
        SpaceWire {
            id: v.space().id.to_string(),
            kind: v.space().kind.code(),
            name: v.name().to_string(),
            group_id,
            school_id,
            root_id: v.space().root_id.to_string(),
            quota_bytes: v.quota_bytes(),
            used_bytes: v.space().used_bytes,
            access: v.access().code(),
            can_set_quota: v.can_set_quota(),
        }
    }
}

/// A file or folder.
#[derive(Serialize, ToSchema)]
pub struct NodeWire {
    pub id: String,
    pub space_id: String,
    /// `None` for a drive's top folder.
    pub parent_id: Option<String>,
    pub name: String,
    /// `file` or `folder`.
    pub kind: &'static str,
    /// Bytes (0 for folders).
    pub size: i64,
    /// The SHA-256 of a file's contents, lower-case hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Changes whenever the file (or anything in the folder) changes; send it in `If-Match`.
    pub etag: String,
    pub created_at: String,
    pub modified_at: String,
    /// Set for files and folders in the trash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trashed_at: Option<String>,
}

impl From<&Node> for NodeWire {
    fn from(n: &Node) -> Self {
        NodeWire {
            id: n.id.to_string(),
            space_id: n.space_id.to_string(),
            parent_id: n.parent_id.map(|p| p.to_string()),
            name: n.name.clone(),
            kind: n.kind.code(),
            size: n.size,
            sha256: n.sha256.clone(),
            etag: n.etag.clone(),
            created_at: time(n.created_at),
            modified_at: time(n.modified_at),
            trashed_at: n.trashed_at.map(time),
        }
    }
}

/// One folder on the way to a file or folder.
#[derive(Serialize, ToSchema)]
pub struct CrumbWire {
    pub id: String,
    /// Empty for the drive's top folder.
    pub name: String,
}

/// A file or folder with where it is and what the caller may do with it.
#[derive(Serialize, ToSchema)]
pub struct NodeDetailWire {
    pub node: NodeWire,
    /// The folders from the drive's top folder down to the node's parent.
    pub path: Vec<CrumbWire>,
    /// `view` or `edit`.
    pub access: &'static str,
}

impl From<&NodeView> for NodeDetailWire {
    fn from(v: &NodeView) -> Self {
        NodeDetailWire {
            node: NodeWire::from(&v.node),
            path: v.path.iter().map(|n| CrumbWire { id: n.id.to_string(), name: n.name.clone() }).collect(),
            access: v.access.code(),
        }
    }
}

/// A folder with its contents.
#[derive(Serialize, ToSchema)]
pub struct FolderWire {
    pub folder: NodeDetailWire,
    /// Folders first, then files, each by name.
    pub children: Vec<NodeWire>,
}

/// An older version of a file.
#[derive(Serialize, ToSchema)]
pub struct VersionWire {
    pub id: String,
    pub size: i64,
    pub sha256: String,
    /// When these contents were written.
    pub modified_at: String,
    /// When newer contents replaced them.
    pub replaced_at: String,
    /// The name a person gave the version (documents' named versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl From<&Version> for VersionWire {
    fn from(v: &Version) -> Self {
        VersionWire {
            id: v.id.to_string(),
            size: v.size,
            sha256: v.sha256.clone(),
            modified_at: time(v.modified_at),
            replaced_at: time(v.replaced_at),
            label: v.label.clone(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FolderCreate {
    pub name: String,
}

/// A rename, a move, or both.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodePatch {
    /// The new name.
    pub name: Option<String>,
    /// The folder to move into (in this or another drive the caller may edit).
    pub parent_id: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeCopy {
    /// The folder to copy into.
    pub parent_id: String,
    /// A name for the copy; default: the same name.
    pub name: Option<String>,
}

/// A share of a file or folder.
#[derive(Serialize, ToSchema)]
pub struct ShareWire {
    pub id: String,
    pub node_id: String,
    /// `person`, `group` or `school`.
    pub grantee_kind: &'static str,
    pub grantee_id: String,
    /// The person's, group's or school's name.
    pub grantee_name: String,
    /// `view` or `edit`.
    pub access: &'static str,
    pub created_at: String,
    /// When a share with a class ends: with its school year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

impl ShareWire {
    pub fn new(s: &tavle_core::drive::Share, grantee_name: String) -> Self {
        ShareWire {
            id: s.id.to_string(),
            node_id: s.node_id.to_string(),
            grantee_kind: s.grantee.kind(),
            grantee_id: s.grantee.id(),
            grantee_name,
            access: s.access.code(),
            created_at: time(s.created_at),
            expires_at: s.expires_at.map(time),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShare {
    /// `person`, `group` (a class or team) or `school`.
    pub grantee_kind: String,
    pub grantee_id: String,
    /// `view` or `edit`.
    pub access: String,
}

/// Something shared with the caller.
#[derive(Serialize, ToSchema)]
pub struct SharedWire {
    /// The share (its `grantee_name` is the caller, or the group or school they are in).
    pub share: ShareWire,
    pub node: NodeDetailWire,
    /// Who shared it.
    pub shared_by: String,
}

impl SharedWire {
    pub fn new(i: &tavle_app::drive::SharedItem, grantee_name: String) -> Self {
        SharedWire {
            share: ShareWire::new(&i.share, grantee_name),
            node: NodeDetailWire::from(&i.node),
            shared_by: i.shared_by.clone(),
        }
    }
}

/// A share link, as its owner sees it.
#[derive(Serialize, ToSchema)]
pub struct LinkWire {
    pub id: String,
    pub node_id: String,
    /// `download` (open and download) or `upload` (a drop box: put files in, see nothing).
    pub kind: &'static str,
    /// The link's secret; the web page is `/s/{token}`.
    pub token: String,
    /// The address to send, relative to Tavle's own (`/s/{token}`).
    pub path: String,
    pub has_password: bool,
    /// When the link stops working (the end of its last day).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    pub created_at: String,
}

impl From<&tavle_core::drive::Link> for LinkWire {
    fn from(l: &tavle_core::drive::Link) -> Self {
        LinkWire {
            id: l.id.to_string(),
            node_id: l.node_id.to_string(),
            kind: l.kind.code(),
            token: l.token.clone(),
            path: format!("/s/{}", l.token),
            has_password: l.password_hash.is_some(),
            expires_at: l.expires_at.map(time),
            created_at: time(l.created_at),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// `download` or `upload` (folders only).
    pub kind: String,
    /// At least 8 characters; whoever opens the link must give it.
    pub password: Option<String>,
    /// The last day the link works, YYYY-MM-DD.
    pub expires_on: Option<String>,
}

/// A file or folder as someone with a link sees it.
#[derive(Serialize, ToSchema)]
pub struct LinkNodeWire {
    pub id: String,
    pub name: String,
    /// `file` or `folder`.
    pub kind: &'static str,
    pub size: i64,
    pub etag: String,
    pub modified_at: String,
}

/// A file a drop box received, as its sender is told: the name they gave and its size,
/// nothing of what else the drop box holds.
#[derive(Serialize, ToSchema)]
pub struct DroppedWire {
    pub name: String,
    pub size: i64,
}

impl From<&tavle_app::drive::Dropped> for DroppedWire {
    fn from(d: &tavle_app::drive::Dropped) -> Self {
        DroppedWire { name: d.name.clone(), size: d.size }
    }
}

impl From<&Node> for LinkNodeWire {
    fn from(n: &Node) -> Self {
        LinkNodeWire {
            id: n.id.to_string(),
            name: n.name.clone(),
            kind: n.kind.code(),
            size: n.size,
            etag: n.etag.clone(),
            modified_at: time(n.modified_at),
        }
    }
}

/// A share link as anyone who opens it sees it.
#[derive(Serialize, ToSchema)]
pub struct OpenedLinkWire {
    /// `download` or `upload`.
    pub kind: &'static str,
    /// Who made the link.
    pub owner_name: String,
    /// The link has a password that has not been given yet (`POST …/unlock`).
    pub locked: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// What the link opens (absent while locked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<LinkNodeWire>,
}

impl From<&tavle_app::drive::OpenedLink> for OpenedLinkWire {
    fn from(o: &tavle_app::drive::OpenedLink) -> Self {
        OpenedLinkWire {
            kind: o.link.kind.code(),
            owner_name: o.owner_name.clone(),
            locked: o.node.is_none(),
            expires_at: o.link.expires_at.map(time),
            node: o.node.as_ref().map(LinkNodeWire::from),
        }
    }
}

/// A folder opened through a download link.
#[derive(Serialize, ToSchema)]
pub struct LinkFolderWire {
    pub link: OpenedLinkWire,
    /// From the link's own folder down to this one.
    pub path: Vec<CrumbWire>,
    /// Folders first, then files, each by name.
    pub children: Vec<LinkNodeWire>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkUnlock {
    pub password: String,
}

/// The key that opens a password-protected link (also set as a cookie for the link).
#[derive(Serialize, ToSchema)]
pub struct LinkKeyWire {
    /// Send it in the `X-Tavle-Link-Key` header (a browser sends the cookie instead).
    pub key: String,
}
