//! Drives and what is in them: the kinds of drive (space), the names a file or folder may
//! have, and the levels of access the policy hands out.
//!
//! Names must work on every client that syncs a drive: Windows, macOS, Linux, iOS, Android
//! and the browser. So a name is refused when any of them could not hold it, rather than
//! being mangled differently by each client.

use unicode_normalization::UnicodeNormalization;

use crate::error::{InvalidInput, Reason};
use crate::ids::{BlobId, GroupId, NodeId, PersonId, SchoolId, SpaceId, TenantId, VersionId};

/// Whose drive a space is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpaceKind {
    /// A person's own drive.
    Personal(PersonId),
    /// The drive of a class or team; access follows the group's membership.
    Group { group: GroupId, school: SchoolId },
    /// A school's staff drive: its teachers and staff.
    Staff(SchoolId),
}

impl SpaceKind {
    pub fn code(&self) -> &'static str {
        match self {
            SpaceKind::Personal(_) => "personal",
            SpaceKind::Group { .. } => "group",
            SpaceKind::Staff(_) => "staff",
        }
    }
}

/// A file, a folder, or a Tavle document (written in the browser; its contents are a CRDT's
/// state in the store, not a blob).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Folder,
    File,
    Document,
}

impl NodeKind {
    pub fn code(self) -> &'static str {
        match self {
            NodeKind::Folder => "folder",
            NodeKind::File => "file",
            NodeKind::Document => "document",
        }
    }
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "folder" => Some(NodeKind::Folder),
            "file" => Some(NodeKind::File),
            "document" => Some(NodeKind::Document),
            _ => None,
        }
    }
}

/// What the policy needs to know about a space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpaceFacts {
    pub tenant_id: TenantId,
    pub space_id: SpaceId,
    pub kind: SpaceKind,
}

/// How much a person may do in a space (or, with sharing, below a folder).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// Nothing, not even that it exists.
    None,
    /// List, read and download.
    View,
    /// Also create, change, move, delete and restore.
    Edit,
}

impl Access {
    pub fn code(self) -> &'static str {
        match self {
            Access::None => "none",
            Access::View => "view",
            Access::Edit => "edit",
        }
    }
}

/// Who a file or folder is shared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grantee {
    Person(PersonId),
    /// Everyone in a class or team, as its membership stands when they ask.
    Group(GroupId),
    /// Everyone at a school: its pupils, teachers and staff.
    School(SchoolId),
}

impl Grantee {
    pub fn kind(&self) -> &'static str {
        match self {
            Grantee::Person(_) => "person",
            Grantee::Group(_) => "group",
            Grantee::School(_) => "school",
        }
    }
    pub fn id(&self) -> String {
        match self {
            Grantee::Person(p) => p.to_string(),
            Grantee::Group(g) => g.to_string(),
            Grantee::School(s) => s.to_string(),
        }
    }
    pub fn parse(kind: &str, id: &str) -> Option<Grantee> {
        Some(match kind {
            "person" => Grantee::Person(id.parse().ok()?),
            "group" => Grantee::Group(id.parse().ok()?),
            "school" => Grantee::School(id.parse().ok()?),
            _ => return None,
        })
    }
}

/// A share on a file or folder (or on a folder above it), as the policy needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShareGrant {
    pub tenant_id: TenantId,
    pub grantee: Grantee,
    pub access: Access,
}

impl Access {
    pub fn parse(code: &str) -> Option<Access> {
        match code {
            "view" => Some(Access::View),
            "edit" => Some(Access::Edit),
            _ => None,
        }
    }
}

/// What a share link lets anyone who has it do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// Open the file, or browse the folder, and download.
    Download,
    /// Put files into the folder without seeing what is in it (a drop box).
    Upload,
}

impl LinkKind {
    pub fn code(self) -> &'static str {
        match self {
            LinkKind::Download => "download",
            LinkKind::Upload => "upload",
        }
    }
    pub fn parse(code: &str) -> Option<LinkKind> {
        match code {
            "download" => Some(LinkKind::Download),
            "upload" => Some(LinkKind::Upload),
            _ => None,
        }
    }
}

/// The longest name in bytes that every client's file system accepts.
pub const MAX_NAME_BYTES: usize = 255;

/// Characters Windows refuses in names (macOS and Linux refuse `/`).
const FORBIDDEN: &[char] = &['/', '\\', ':', '*', '?', '"', '<', '>', '|'];

/// Device names Windows reserves, with or without an extension.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2",
    "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Checks and NFC-normalises the name of a file or folder.
pub fn file_name(raw: &str) -> Result<String, InvalidInput> {
    let name: String = raw.nfc().collect();
    let refuse = |reason, msg: String| Err(InvalidInput::new("name", reason, msg));
    if name.is_empty() {
        return refuse(Reason::Empty, "The name must not be empty.".into());
    }
    if name.len() > MAX_NAME_BYTES {
        return refuse(Reason::TooLong, format!("The name is longer than {MAX_NAME_BYTES} bytes; shorten it."));
    }
    if name.chars().any(crate::names::is_hidden_control) {
        return refuse(
            Reason::ControlCharacter,
            "The name contains a control or text-direction character; remove it.".into(),
        );
    }
    if let Some(c) = name.chars().find(|c| FORBIDDEN.contains(c)) {
        return refuse(
            Reason::BadCharacter,
            format!(
                "The name contains {c:?}, which Windows does not allow; names may not contain / \\ : * ? \" < > |."
            ),
        );
    }
    if name == "." || name == ".." {
        return refuse(Reason::ReservedName, format!("{name:?} cannot be the name of a file or folder."));
    }
    let stem = name.split('.').next().unwrap_or("").trim_end().to_ascii_lowercase();
    if RESERVED.contains(&stem.as_str()) {
        return refuse(Reason::ReservedName, format!("Windows reserves the name {name:?}; choose another."));
    }
    if name.ends_with(' ') || name.ends_with('.') {
        return refuse(
            Reason::BadFormat,
            "The name ends with a space or a full stop, which Windows does not allow.".into(),
        );
    }
    Ok(name)
}

/// The key two names in one folder must not share: Windows and macOS treat names that differ
/// only in case as the same file, so "Opgave.docx" and "opgave.docx" cannot be siblings.
/// The name is NFC-normalised first, so the key of a name as macOS sends it (decomposed) is the
/// key of the stored name.
pub fn name_key(name: &str) -> String {
    name.nfc().collect::<String>().to_lowercase()
}

/// A file or folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub id: NodeId,
    pub tenant_id: TenantId,
    pub space_id: SpaceId,
    /// `None` for a space's root folder.
    pub parent_id: Option<NodeId>,
    pub name: String,
    pub kind: NodeKind,
    pub blob_id: Option<BlobId>,
    pub size: i64,
    pub sha256: Option<String>,
    pub etag: String,
    pub created_at: i64,
    pub created_by: Option<PersonId>,
    pub modified_at: i64,
    pub modified_by: Option<PersonId>,
    pub trashed_at: Option<i64>,
    pub trashed_by: Option<PersonId>,
}

/// The extension a Tavle document's file form has over WebDAV and the sync clients.
pub const DOCUMENT_FILE_EXTENSION: &str = "odt";

impl Node {
    /// The name WebDAV and the sync clients show: a Tavle document as `<name>.odt` (its file
    /// form), everything else as it is named.
    pub fn client_name(&self) -> std::borrow::Cow<'_, str> {
        if self.kind == NodeKind::Document {
            std::borrow::Cow::Owned(format!("{}.{DOCUMENT_FILE_EXTENSION}", self.name))
        } else {
            std::borrow::Cow::Borrowed(&self.name)
        }
    }
}

/// The document name a client's file name stands for (`Stil.odt` → `Stil`), if it ends in the
/// documents' extension.
pub fn document_name_of(client_name: &str) -> Option<&str> {
    let (stem, ext) = client_name.rsplit_once('.')?;
    (ext.eq_ignore_ascii_case(DOCUMENT_FILE_EXTENSION) && !stem.is_empty()).then_some(stem)
}

/// A drive: a person's own, a class's or team's, or a school's staff drive, with its root
/// folder and what it uses of its quota.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Space {
    pub id: SpaceId,
    pub tenant_id: TenantId,
    pub kind: SpaceKind,
    pub root_id: NodeId,
    /// `None`: the default for its kind.
    pub quota_bytes: Option<i64>,
    pub used_bytes: i64,
    pub created_at: i64,
}

/// A file or folder shared with a person or a group, at an access level, perhaps until a
/// time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub id: uuid::Uuid,
    pub tenant_id: TenantId,
    pub node_id: NodeId,
    pub grantee: Grantee,
    pub access: Access,
    pub created_by: PersonId,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// A share link: a file or folder (or a drop box) reached by a secret address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub id: uuid::Uuid,
    pub tenant_id: TenantId,
    pub node_id: NodeId,
    /// The secret in the link's address.
    pub token: String,
    pub kind: LinkKind,
    /// Argon2id (PHC string) of the link's password, if it has one.
    pub password_hash: Option<String>,
    pub expires_at: Option<i64>,
    pub created_by: PersonId,
    pub created_at: i64,
}

/// An older content of a file, kept when it was replaced (its blob never changes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub id: VersionId,
    pub tenant_id: TenantId,
    pub node_id: NodeId,
    pub blob_id: BlobId,
    pub size: i64,
    pub sha256: String,
    pub modified_at: i64,
    pub modified_by: Option<PersonId>,
    pub replaced_at: i64,
    /// A name a person gave the version (a document's named version); none when it was kept
    /// automatically.
    pub label: Option<String>,
}

#[cfg(test)]
mod tests {
    use expect_test::{expect, Expect};

    use super::*;

    fn check(input: &str, expect: Expect) {
        let out = match file_name(input) {
            Ok(n) => format!("ok {n:?}"),
            Err(e) => format!("{} {}", e.reason.code(), e.message),
        };
        expect.assert_eq(&out);
    }

    #[test]
    fn names() {
        check("Opgave 1.docx", expect![[r#"ok "Opgave 1.docx""#]]);
        // "å" typed as a + combining ring (macOS) is stored as the one character.
        check("Bla\u{030a}bær.txt", expect![[r#"ok "Blåbær.txt""#]]);
        check(".hidden", expect![[r#"ok ".hidden""#]]);
        check("", expect!["empty The name must not be empty."]);
        check(".", expect![[r#"reserved_name "." cannot be the name of a file or folder."#]]);
        check("..", expect![[r#"reserved_name ".." cannot be the name of a file or folder."#]]);
        check(
            "a/b",
            expect![[
                r#"bad_character The name contains '/', which Windows does not allow; names may not contain / \ : * ? " < > |."#
            ]],
        );
        check(
            "what?",
            expect![[
                r#"bad_character The name contains '?', which Windows does not allow; names may not contain / \ : * ? " < > |."#
            ]],
        );
        check(
            "tab\there",
            expect!["control_character The name contains a control or text-direction character; remove it."],
        );
        check("CON", expect![[r#"reserved_name Windows reserves the name "CON"; choose another."#]]);
        check("nul.txt", expect![[r#"reserved_name Windows reserves the name "nul.txt"; choose another."#]]);
        check("console.txt", expect![[r#"ok "console.txt""#]]);
        check(
            "trailing.",
            expect!["bad_format The name ends with a space or a full stop, which Windows does not allow."],
        );
        check(
            "trailing ",
            expect!["bad_format The name ends with a space or a full stop, which Windows does not allow."],
        );
        check(&"æ".repeat(128), expect!["too_long The name is longer than 255 bytes; shorten it."]);
        check(
            &"æ".repeat(127),
            expect![[
                r#"ok "æææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææææ""#
            ]],
        );
    }

    #[test]
    fn name_keys_ignore_case() {
        assert_eq!(name_key("Æble.TXT"), name_key("æble.txt"));
        assert_eq!(name_key("Bla\u{030a}bær"), name_key("blåbær"));
    }
}
