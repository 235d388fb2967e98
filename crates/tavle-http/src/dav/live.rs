//! The live properties of Tavle's files and folders: RFC 4918's own and every property the
//! Nextcloud and ownCloud desktop and mobile clients and rclone ask for when they list a
//! folder (their request bodies are in `bench/drive/propfind/`). One table for both ways a
//! PROPFIND is answered: the fast path (`propfind.rs`) and `dav_server` (`props.rs`).
//!
//! A property a node does not have (a folder's content length, a lock that is not there,
//! photo metadata) is "404 Not Found" in the answer's second propstat, as SabreDAV does; the
//! clients read that as "not set".

use std::fmt::Write;

use tavle_core::drive::Node;
use tavle_core::drive::{Access, NodeKind};

use crate::content::http_date;

pub(crate) const NS_DAV: &str = "DAV:";
pub(crate) const NS_OC: &str = "http://owncloud.org/ns";
pub(crate) const NS_NC: &str = "http://nextcloud.org/ns";
pub(crate) const NS_OCS: &str = "http://open-collaboration-services.org/ns";
pub(crate) const NS_OCM: &str = "http://open-cloud-mesh.org/ns";

/// A live property, by namespace and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Live {
    // DAV:
    ResourceType,
    GetEtag,
    LastModified,
    ContentLength,
    ContentType,
    DisplayName,
    CreationDate,
    QuotaUsed,
    QuotaAvailable,
    // ownCloud
    OcId,
    OcFileId,
    OcPermissions,
    OcSize,
    OcChecksums,
    OcDownloadUrl,
    OcShareTypes,
    OcDataFingerprint,
    OcFavorite,
    OcOwnerId,
    OcOwnerDisplayName,
    OcCommentsUnread,
    // Nextcloud
    NcHasPreview,
    NcIsEncrypted,
    NcMountType,
    NcIsMountRoot,
    NcHidden,
    NcCreationTime,
    NcUploadTime,
    NcLock,
    NcSharees,
    NcSystemTags,
    NcNote,
    // Collaboration services
    OcsSharePermissions,
    OcmSharePermissions,
    /// Asked for by some client, never set on a Tavle node: always 404 (`oc:dDC`, the lock
    /// owner and times when nothing is locked, photo metadata, download limits, …).
    Absent(&'static str, &'static str),
}

/// Properties clients ask for that no Tavle node has; answered 404 without a look-up.
const ABSENT: &[(&str, &str)] = &[
    (NS_OC, "dDC"),
    (NS_OC, "privatelink"),
    (NS_NC, "lock-owner"),
    (NS_NC, "lock-owner-displayname"),
    (NS_NC, "lock-owner-type"),
    (NS_NC, "lock-owner-editor"),
    (NS_NC, "lock-time"),
    (NS_NC, "lock-timeout"),
    (NS_NC, "lock-token"),
    (NS_NC, "rich-workspace"),
    (NS_NC, "share-attributes"),
    (NS_NC, "share-download-limits"),
    (NS_NC, "request-upload"),
    (NS_NC, "color"),
    (NS_NC, "metadata-files-live-photo"),
    (NS_NC, "metadata-photos-size"),
    (NS_NC, "metadata-photos-gps"),
    (NS_NC, "metadata-photos-exif"),
    (NS_NC, "metadata-photos-original_date_time"),
    (NS_NC, "metadata-photos-place"),
    (NS_NC, "file-metadata-size"),
    (NS_NC, "file-metadata-gps"),
];

impl Live {
    pub fn parse(ns: &str, name: &str) -> Option<Live> {
        Some(match (ns, name) {
            (NS_DAV, "resourcetype") => Live::ResourceType,
            (NS_DAV, "getetag") => Live::GetEtag,
            (NS_DAV, "getlastmodified") => Live::LastModified,
            (NS_DAV, "getcontentlength") => Live::ContentLength,
            (NS_DAV, "getcontenttype") => Live::ContentType,
            (NS_DAV, "displayname") => Live::DisplayName,
            (NS_DAV, "creationdate") => Live::CreationDate,
            (NS_DAV, "quota-used-bytes") => Live::QuotaUsed,
            (NS_DAV, "quota-available-bytes") => Live::QuotaAvailable,
            (NS_OC, "id") => Live::OcId,
            (NS_OC, "fileid") => Live::OcFileId,
            (NS_OC, "permissions") => Live::OcPermissions,
            (NS_OC, "size") => Live::OcSize,
            (NS_OC, "checksums") => Live::OcChecksums,
            (NS_OC, "downloadURL") => Live::OcDownloadUrl,
            (NS_OC, "share-types") => Live::OcShareTypes,
            (NS_OC, "data-fingerprint") => Live::OcDataFingerprint,
            (NS_OC, "favorite") => Live::OcFavorite,
            (NS_OC, "owner-id") => Live::OcOwnerId,
            (NS_OC, "owner-display-name") => Live::OcOwnerDisplayName,
            (NS_OC, "comments-unread") => Live::OcCommentsUnread,
            (NS_NC, "has-preview") => Live::NcHasPreview,
            (NS_NC, "is-encrypted") => Live::NcIsEncrypted,
            (NS_NC, "mount-type") => Live::NcMountType,
            (NS_NC, "is-mount-root") => Live::NcIsMountRoot,
            (NS_NC, "hidden") => Live::NcHidden,
            (NS_NC, "creation_time") => Live::NcCreationTime,
            (NS_NC, "upload_time") => Live::NcUploadTime,
            (NS_NC, "lock") => Live::NcLock,
            (NS_NC, "sharees") => Live::NcSharees,
            (NS_NC, "system-tags") => Live::NcSystemTags,
            (NS_NC, "note") => Live::NcNote,
            (NS_OCS, "share-permissions") => Live::OcsSharePermissions,
            (NS_OCM, "share-permissions") => Live::OcmSharePermissions,
            _ => return ABSENT.iter().find(|(n, l)| *n == ns && *l == name).map(|(n, l)| Live::Absent(n, l)),
        })
    }

    /// The element's prefix (declared on the multistatus) and local name.
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            Live::ResourceType => ("D", "resourcetype"),
            Live::GetEtag => ("D", "getetag"),
            Live::LastModified => ("D", "getlastmodified"),
            Live::ContentLength => ("D", "getcontentlength"),
            Live::ContentType => ("D", "getcontenttype"),
            Live::DisplayName => ("D", "displayname"),
            Live::CreationDate => ("D", "creationdate"),
            Live::QuotaUsed => ("D", "quota-used-bytes"),
            Live::QuotaAvailable => ("D", "quota-available-bytes"),
            Live::OcId => ("oc", "id"),
            Live::OcFileId => ("oc", "fileid"),
            Live::OcPermissions => ("oc", "permissions"),
            Live::OcSize => ("oc", "size"),
            Live::OcChecksums => ("oc", "checksums"),
            Live::OcDownloadUrl => ("oc", "downloadURL"),
            Live::OcShareTypes => ("oc", "share-types"),
            Live::OcDataFingerprint => ("oc", "data-fingerprint"),
            Live::OcFavorite => ("oc", "favorite"),
            Live::OcOwnerId => ("oc", "owner-id"),
            Live::OcOwnerDisplayName => ("oc", "owner-display-name"),
            Live::OcCommentsUnread => ("oc", "comments-unread"),
            Live::NcHasPreview => ("nc", "has-preview"),
            Live::NcIsEncrypted => ("nc", "is-encrypted"),
            Live::NcMountType => ("nc", "mount-type"),
            Live::NcIsMountRoot => ("nc", "is-mount-root"),
            Live::NcHidden => ("nc", "hidden"),
            Live::NcCreationTime => ("nc", "creation_time"),
            Live::NcUploadTime => ("nc", "upload_time"),
            Live::NcLock => ("nc", "lock"),
            Live::NcSharees => ("nc", "sharees"),
            Live::NcSystemTags => ("nc", "system-tags"),
            Live::NcNote => ("nc", "note"),
            Live::OcsSharePermissions => ("ocs", "share-permissions"),
            Live::OcmSharePermissions => ("ocm", "share-permissions"),
            Live::Absent(ns, name) => (prefix_of(ns), name),
        }
    }
}

/// The prefix the multistatus declares for a namespace.
pub(crate) fn prefix_of(ns: &str) -> &'static str {
    match ns {
        NS_OC => "oc",
        NS_NC => "nc",
        NS_OCS => "ocs",
        NS_OCM => "ocm",
        _ => "D",
    }
}

/// The namespace declarations of every prefix above, for the multistatus element.
pub(crate) const DECLARATIONS: &str = "xmlns:D=\"DAV:\" xmlns:oc=\"http://owncloud.org/ns\" \
    xmlns:nc=\"http://nextcloud.org/ns\" xmlns:ocs=\"http://open-collaboration-services.org/ns\" \
    xmlns:ocm=\"http://open-cloud-mesh.org/ns\"";

/// What the answer needs to know besides the node itself.
pub(crate) struct Facts<'a> {
    /// The caller's access to the drive the request is in.
    pub access: Access,
    pub quota_used: i64,
    pub quota_bytes: i64,
    /// The drive's owner as the clients show it: a login name or the drive's id, and a name.
    pub owner_id: &'a str,
    pub owner_name: &'a str,
    /// Whether this is a drive other than the caller's own (a class's, a team's, the staff's).
    pub shared_drive: bool,
    /// The top folder of the drive.
    pub root: tavle_core::NodeId,
    /// The kinds of shares on the node (`person`, `group`, `school`, `link`); `None` when
    /// they were not read (the caller may not share here).
    pub share_kinds: Option<&'a [String]>,
}

/// The number the Nextcloud clients keep for a file (`oc:fileid`): a stable 63-bit number
/// mixed from the node's id (the two halves of the UUID folded, then SplitMix64's finaliser,
/// which spreads every bit). Tavle's ids are UUIDs, and the Android and iOS apps store the
/// file id as a 64-bit integer; two of ten million files share a number with a chance of
/// about one in 200,000, and the number is only ever shown to clients, never looked up.
pub(crate) fn file_number(id: tavle_core::NodeId) -> u64 {
    let v = id.0.as_u128();
    let mut x = (v >> 64) as u64 ^ v as u64;
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    x >> 1
}

/// The ownCloud permission letters: R share, D delete, N rename, V move, W write (files and
/// documents, whose `.odt` a client may save over),
/// C create files, K create folders (folders). Nothing for a drive the caller only reads.
pub(crate) fn permissions(kind: NodeKind, access: Access) -> &'static str {
    match (access, kind) {
        (Access::Edit, NodeKind::File | NodeKind::Document) => "RDNVW",
        (Access::Edit, NodeKind::Folder) => "RDNVCK",
        _ => "",
    }
}

/// Writes text escaped for an XML element's content. Characters XML 1.0 cannot carry at all
/// (controls other than tab and line ends, noncharacters) are left out, so a name stored
/// before names refused them cannot make a whole listing unreadable.
pub(crate) fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        let allowed = matches!(c, '\t' | '\n' | '\r') || (!c.is_control() && !matches!(c, '\u{FFFE}' | '\u{FFFF}'));
        if !allowed {
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

/// Writes the value of `p` for the node; `false` when the node has no such property.
pub(crate) fn value(p: Live, n: &Node, f: &Facts<'_>, out: &mut String) -> bool {
    let folder = n.kind == NodeKind::Folder;
    match p {
        Live::ResourceType => {
            if folder {
                out.push_str("<D:collection/>");
            }
        }
        Live::GetEtag => escape(&n.etag, out),
        Live::LastModified => out.push_str(&http_date(n.modified_at)),
        Live::ContentLength if !folder => {
            let _ = write!(out, "{}", n.size);
        }
        Live::ContentType if !folder => {
            out.push_str(mime_guess::from_path(n.client_name().as_ref()).first_or_octet_stream().essence_str());
        }
        Live::ContentLength | Live::ContentType => return false,
        Live::DisplayName => escape(&n.client_name(), out),
        Live::CreationDate => {
            let t = tavle_core::Timestamp(n.created_at).to_rfc3339();
            out.push_str(&t);
        }
        Live::QuotaUsed if folder => {
            let _ = write!(out, "{}", f.quota_used);
        }
        Live::QuotaAvailable if folder => {
            let _ = write!(out, "{}", f.quota_bytes.saturating_sub(f.quota_used).max(0));
        }
        Live::QuotaUsed | Live::QuotaAvailable => return false,
        Live::OcId => {
            let _ = write!(out, "{}", n.id.0.simple());
        }
        Live::OcFileId => {
            let _ = write!(out, "{}", file_number(n.id));
        }
        Live::OcPermissions => out.push_str(permissions(n.kind, f.access)),
        Live::OcSize => {
            let _ = write!(out, "{}", n.size);
        }
        Live::OcChecksums if !folder => {
            if let Some(sha) = &n.sha256 {
                let _ = write!(out, "<oc:checksum>SHA256:{sha}</oc:checksum>");
            }
        }
        // Files are downloaded from Tavle itself: an empty direct-download address.
        Live::OcDownloadUrl if !folder => {}
        Live::OcChecksums | Live::OcDownloadUrl => return false,
        Live::OcShareTypes => {
            for kind in f.share_kinds.unwrap_or_default() {
                let code = match kind.as_str() {
                    "person" => 0,
                    "link" => 3,
                    _ => 1,
                };
                let _ = write!(out, "<oc:share-type>{code}</oc:share-type>");
            }
        }
        Live::OcDataFingerprint => {}
        Live::OcFavorite | Live::OcCommentsUnread | Live::NcIsEncrypted | Live::NcLock => out.push('0'),
        Live::OcOwnerId => escape(f.owner_id, out),
        Live::OcOwnerDisplayName => escape(f.owner_name, out),
        Live::NcHasPreview | Live::NcHidden => out.push_str("false"),
        Live::NcMountType => {
            if f.shared_drive {
                out.push_str("group");
            }
        }
        Live::NcIsMountRoot => out.push_str(if f.shared_drive && n.id == f.root { "true" } else { "false" }),
        Live::NcCreationTime => {
            let _ = write!(out, "{}", n.created_at.div_euclid(1000));
        }
        Live::NcUploadTime if !folder => {
            let _ = write!(out, "{}", n.modified_at.div_euclid(1000));
        }
        Live::NcUploadTime => return false,
        Live::NcSharees | Live::NcSystemTags | Live::NcNote => {}
        Live::OcsSharePermissions => {
            let bits = match (f.access, n.kind) {
                (Access::Edit, NodeKind::Folder) => 31,
                (Access::Edit, NodeKind::File | NodeKind::Document) => 19,
                _ => 1,
            };
            let _ = write!(out, "{bits}");
        }
        Live::OcmSharePermissions => out.push_str(match f.access {
            Access::Edit => "[\"share\",\"read\",\"write\"]",
            _ => "[\"read\"]",
        }),
        Live::Absent(..) => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_property_the_clients_ask_for_is_known() {
        // The union of what the desktop, mobile and rclone clients send (bench/drive/propfind/).
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/drive/propfind");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let body = text.split_once("-->\n").map_or(text.as_str(), |(_, b)| b);
            let root = xmltree::Element::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{:?}: {e}", entry.path()));
            let prop = root.get_child("prop").unwrap_or_else(|| panic!("{:?}: no prop", entry.path()));
            for p in prop.children.iter().filter_map(|c| c.as_element()) {
                let ns = p.namespace.as_deref().unwrap_or("");
                assert!(Live::parse(ns, &p.name).is_some(), "{:?} asks for {ns} {}", entry.path(), p.name);
                seen += 1;
            }
        }
        assert!(seen > 100, "the captured bodies are missing ({seen} properties seen)");
    }

    #[test]
    fn file_numbers_are_stable_positive_and_distinct() {
        let a = tavle_core::NodeId(uuid::Uuid::from_u128(1));
        let b = tavle_core::NodeId(uuid::Uuid::from_u128(2));
        assert_eq!(file_number(a), file_number(a));
        assert_ne!(file_number(a), file_number(b));
        assert!(file_number(a) <= i64::MAX as u64);
    }
}
