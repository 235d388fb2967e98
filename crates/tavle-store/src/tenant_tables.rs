//! The registry of tables: every table that holds a municipality's data is declared once in
//! [`TENANT_TABLES`], every other table in [`INSTANCE_TABLES`], so that export, import,
//! verification, erasure and retention can walk a tenant's data without a list of their own.
//!
//! Each tenant table names its tenant column, what kind of data it holds, whether that is
//! personal data, which cache-coherence trigger watches it (migrations 0002 and 0009), and
//! every reference from it to another tenant table that migration 0018 makes the database
//! check: a row may only refer to rows of its own tenant. Two tests keep this true: the store's
//! `tenant_integrity` suite compares the registry with the migrated schema on both backends and
//! tries every reference across tenants, and the tidy test `tidy_tenant` fails when a migration
//! creates a table the registry does not know, or when a store function touches a tenant table
//! without its tenant column and is not listed in [`INSTANCE_QUERIES`].

use crate::Backend;

/// What a tenant table holds, as the later features (export, erasure, retention) group it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataKind {
    /// The municipality, its schools, school years, classes and teams, people and who belongs
    /// where: what a roster import writes and the session cache depends on.
    Organisation,
    /// How people log in and stay logged in: login names, external identities, sessions, app
    /// passwords, device cookies, Login Flow v2.
    Auth,
    /// Drives: spaces, files and folders, contents, versions, shares, links, WebDAV locks and
    /// properties, resumable uploads.
    Drive,
    /// Assignments, exams, hand-ins, feedback and what goes out with them.
    Assignments,
    /// The audit log.
    Audit,
}

/// Which cache-coherence trigger records changes to a table (ARCHITECTURE.md, "The session
/// cache"). A table that an actor or a cached view depends on must be watched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Watch {
    /// Not watched.
    None,
    /// Every insert, update and delete moves the tenant's organisation epoch (SQLite: row
    /// triggers on `tenant.org_epoch`; PostgreSQL: statement triggers appending to
    /// `org_change`), migration 0002.
    Organisation,
    /// Every delete is recorded in `session_revocation`, so each node drops its cached copy
    /// (sessions, migration 0002; app passwords, migration 0009).
    Revocation,
}

/// How migration 0018 makes the database refuse a reference into another tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// A declared foreign key. PostgreSQL: replaced by the composite key
    /// `(tenant_id, column) REFERENCES parent (tenant_id, id)`, named
    /// `<table>_<column>_tenant_fkey`. SQLite: `BEFORE INSERT` and `BEFORE UPDATE OF` triggers
    /// named `<table>_<column>_tenant_insert` / `_update` that raise
    /// `cross-tenant reference: <table>.<column>`.
    CompositeKey,
    /// A reference by meaning, with no declared foreign key (a polymorphic column, a sentinel
    /// such as `''` or `team-N`, or a column that may outlive the row it names). Triggers on
    /// both backends that refuse only a value naming a row of another tenant, with the same
    /// message; a value that names no row at all is left alone, as before.
    Trigger,
}

/// One column of a tenant table that names a row of another (or the same) tenant table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The referring column.
    pub column: &'static str,
    /// The table referred to, by its `id`.
    pub parent: &'static str,
    /// For a column that names different tables depending on a kind column: the kind column
    /// and the value under which this reference applies.
    pub only_when: Option<(&'static str, &'static str)>,
    /// How the database enforces it.
    pub check: Check,
}

/// A table that holds a municipality's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TenantTable {
    pub name: &'static str,
    /// The column naming the tenant (`id` for the `tenant` table itself).
    pub tenant_column: &'static str,
    /// Whether rows may have no tenant yet: a Login Flow not yet approved, an audit event
    /// before anyone was known. Such rows belong to no municipality.
    pub tenant_optional: bool,
    pub kind: DataKind,
    /// Whether rows describe or point at a natural person (directly or by a person id), so an
    /// export or an erasure request must consider them.
    pub personal_data: bool,
    pub watched: Watch,
    /// The references migration 0018 checks.
    pub references: &'static [Reference],
}

/// A table that belongs to the instance as a whole, not to one municipality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceTable {
    pub name: &'static str,
    /// `Some` for a table only one backend has.
    pub only_on: Option<Backend>,
    pub personal_data: bool,
    /// Why it has no tenant.
    pub why: &'static str,
}

const fn key(column: &'static str, parent: &'static str) -> Reference {
    Reference { column, parent, only_when: None, check: Check::CompositeKey }
}

const fn meant(column: &'static str, parent: &'static str) -> Reference {
    Reference { column, parent, only_when: None, check: Check::Trigger }
}

const fn meant_when(column: &'static str, parent: &'static str, kind: &'static str, value: &'static str) -> Reference {
    Reference { column, parent, only_when: Some((kind, value)), check: Check::Trigger }
}

const fn table(
    name: &'static str,
    kind: DataKind,
    personal_data: bool,
    watched: Watch,
    references: &'static [Reference],
) -> TenantTable {
    TenantTable { name, tenant_column: "tenant_id", tenant_optional: false, kind, personal_data, watched, references }
}

use DataKind::{Assignments, Audit, Auth, Drive, Organisation};

/// Every table that holds a municipality's data, parents before the tables that refer to them
/// (an import can insert in this order, an erasure delete in the reverse). Tables that refer to
/// each other (`space.root_id` and `node.space_id`) are written space first: a reference by
/// meaning to a row that does not exist yet is not refused.
pub const TENANT_TABLES: &[TenantTable] = &[
    TenantTable {
        name: "tenant",
        tenant_column: "id",
        tenant_optional: false,
        kind: Organisation,
        personal_data: false,
        watched: Watch::None,
        references: &[],
    },
    table("school", Organisation, false, Watch::Organisation, &[]),
    table("school_year", Organisation, false, Watch::Organisation, &[key("school_id", "school")]),
    table(
        "grp",
        Organisation,
        false,
        Watch::Organisation,
        &[key("school_id", "school"), key("school_year_id", "school_year")],
    ),
    table("person", Organisation, true, Watch::Organisation, &[]),
    table("login", Auth, true, Watch::Organisation, &[key("person_id", "person")]),
    table("external_identity", Auth, true, Watch::Organisation, &[key("person_id", "person")]),
    // A municipality's OpenID Connect providers (migration 0026). Not watched: a login reads
    // its provider from the database, so no node keeps one to void.
    table("login_provider", Auth, false, Watch::None, &[]),
    table("login_provider_keys", Auth, false, Watch::None, &[key("provider_id", "login_provider")]),
    table("logout_token_seen", Auth, false, Watch::None, &[key("provider_id", "login_provider")]),
    // A person's second factors and logins waiting for their second step (migration 0027).
    table("totp_credential", Auth, true, Watch::None, &[key("person_id", "person")]),
    table("recovery_code", Auth, true, Watch::None, &[key("person_id", "person")]),
    table("login_pending", Auth, true, Watch::None, &[key("person_id", "person")]),
    // The rule that staff need a second factor, passkeys, and WebAuthn ceremonies under way
    // (migration 0028). The rule is read at each staff login, so no node keeps it to void.
    table("second_factor_rule", Auth, false, Watch::None, &[]),
    table("passkey_credential", Auth, true, Watch::None, &[key("person_id", "person")]),
    // SCIM provisioning tokens (migration 0029): read at each SCIM request by hash.
    table("scim_token", Auth, false, Watch::None, &[key("created_by", "person")]),
    TenantTable {
        name: "webauthn_ceremony",
        tenant_column: "tenant_id",
        tenant_optional: true,
        kind: Auth,
        personal_data: true,
        watched: Watch::None,
        references: &[key("person_id", "person")],
    },
    table(
        "person_school",
        Organisation,
        true,
        Watch::Organisation,
        &[key("person_id", "person"), key("school_id", "school")],
    ),
    table("membership", Organisation, true, Watch::Organisation, &[key("group_id", "grp"), key("person_id", "person")]),
    // `school_id` is '' for a role not tied to one school, so it cannot be a foreign key.
    table(
        "staff_role",
        Organisation,
        true,
        Watch::Organisation,
        &[key("person_id", "person"), meant("school_id", "school")],
    ),
    table(
        "session",
        Auth,
        true,
        Watch::Revocation,
        &[key("person_id", "person"), key("provider_id", "login_provider")],
    ),
    // `owner_id` names a person, a class or team, or a school by `kind`; `school_id` is '' for
    // a personal drive; `root_id` is written before its node exists.
    table(
        "space",
        Drive,
        true,
        Watch::None,
        &[
            meant_when("owner_id", "person", "kind", "personal"),
            meant_when("owner_id", "grp", "kind", "group"),
            meant_when("owner_id", "school", "kind", "staff"),
            meant("school_id", "school"),
            meant("root_id", "node"),
        ],
    ),
    // A blob row names contents in the blob store, which are people's files.
    table("blob", Drive, true, Watch::None, &[]),
    // The `*_by` columns name people but are not foreign keys: a file keeps who made it.
    table(
        "node",
        Drive,
        true,
        Watch::None,
        &[
            key("space_id", "space"),
            key("parent_id", "node"),
            key("blob_id", "blob"),
            meant("created_by", "person"),
            meant("modified_by", "person"),
            meant("trashed_by", "person"),
        ],
    ),
    table(
        "file_version",
        Drive,
        true,
        Watch::None,
        &[key("node_id", "node"), key("blob_id", "blob"), meant("modified_by", "person")],
    ),
    table("app_password", Auth, true, Watch::Revocation, &[key("person_id", "person")]),
    // `principal` is the holder's person id (older locks held a username, which names no row).
    table("dav_lock", Drive, true, Watch::None, &[key("space_id", "space"), meant("principal", "person")]),
    table("dav_property", Drive, true, Watch::None, &[key("node_id", "node")]),
    // A Tavle document's stored state and the updates since (migration 0020).
    table("document", Drive, true, Watch::None, &[key("node_id", "node")]),
    table("document_update", Drive, true, Watch::None, &[key("node_id", "node"), key("by_person", "person")]),
    // The municipality's office server and the WOPI locks on files (migration 0023).
    table("office_server", Drive, false, Watch::None, &[key("updated_by", "person")]),
    table("wopi_lock", Drive, true, Watch::None, &[key("node_id", "node"), key("person_id", "person")]),
    table("upload_session", Drive, true, Watch::None, &[key("person_id", "person"), meant("folder_id", "node")]),
    // `blob_id` names a part's object in the blob store, never a `blob` row: not a reference.
    table("upload_part", Drive, true, Watch::None, &[key("upload_id", "upload_session")]),
    // No tenant until a person approves the flow; then `tenant_id` and `person_id` are set
    // together (PostgreSQL: `MATCH FULL`). `username` is a copy of the login name handed to
    // the client, not a reference: a name can later pass to someone else.
    TenantTable {
        name: "login_flow",
        tenant_column: "tenant_id",
        tenant_optional: true,
        kind: Auth,
        personal_data: true,
        watched: Watch::None,
        references: &[key("person_id", "person")],
    },
    // `grantee_id` names a person, a class or team, or a school by `grantee_kind`.
    table(
        "share",
        Drive,
        true,
        Watch::None,
        &[
            key("node_id", "node"),
            key("created_by", "person"),
            meant_when("grantee_id", "person", "grantee_kind", "person"),
            meant_when("grantee_id", "grp", "grantee_kind", "group"),
            meant_when("grantee_id", "school", "grantee_kind", "school"),
        ],
    ),
    table("share_link", Drive, true, Watch::None, &[key("node_id", "node"), key("created_by", "person")]),
    table(
        "assignment",
        Assignments,
        true,
        Watch::None,
        &[key("school_id", "school"), key("group_id", "grp"), key("created_by", "person")],
    ),
    table("hand_in", Assignments, true, Watch::None, &[key("assignment_id", "assignment"), key("pupil_id", "person")]),
    table("hand_in_file", Assignments, true, Watch::None, &[key("hand_in_id", "hand_in"), key("blob_id", "blob")]),
    // Comments on a live document or on a document handed in (migration 0022; after
    // `hand_in`, which it refers to).
    table(
        "document_comment",
        Drive,
        true,
        Watch::None,
        &[
            key("node_id", "node"),
            key("hand_in_id", "hand_in"),
            key("author_id", "person"),
            key("resolved_by", "person"),
        ],
    ),
    // Pictures of a live document or of a document's frozen own form (migration 0024).
    table(
        "document_image",
        Drive,
        true,
        Watch::None,
        &[key("node_id", "node"), key("frozen_blob_id", "blob"), key("blob_id", "blob"), key("added_by", "person")],
    ),
    table(
        "assignment_change",
        Assignments,
        true,
        Watch::None,
        &[key("assignment_id", "assignment"), key("changed_by", "person")],
    ),
    table(
        "assignment_extra_time",
        Assignments,
        true,
        Watch::None,
        &[key("assignment_id", "assignment"), key("pupil_id", "person")],
    ),
    table(
        "exam_start",
        Assignments,
        true,
        Watch::None,
        &[key("assignment_id", "assignment"), key("pupil_id", "person")],
    ),
    table(
        "assignment_pupil",
        Assignments,
        true,
        Watch::None,
        &[key("assignment_id", "assignment"), key("pupil_id", "person")],
    ),
    table(
        "assignment_file",
        Assignments,
        true,
        Watch::None,
        &[key("assignment_id", "assignment"), key("blob_id", "blob")],
    ),
    // `slot` is the pupil's id, or `team-N` (which names no row).
    table(
        "assignment_work",
        Assignments,
        true,
        Watch::None,
        &[
            key("assignment_id", "assignment"),
            key("folder_id", "node"),
            key("created_by", "person"),
            meant("slot", "person"),
        ],
    ),
    table("feedback_file", Assignments, true, Watch::None, &[key("hand_in_id", "hand_in"), key("blob_id", "blob")]),
    table("login_device", Auth, true, Watch::None, &[key("person_id", "person")]),
    // No tenant for events before anyone is known (a failed login of an unknown name).
    // `actor_id` is checked but is no foreign key: the log outlives the people in it.
    // `subject` is free text (an id of any kind, or a username) and is not checked.
    TenantTable {
        name: "audit_event",
        tenant_column: "tenant_id",
        tenant_optional: true,
        kind: Audit,
        personal_data: true,
        watched: Watch::None,
        references: &[meant("actor_id", "person")],
    },
];

/// Every table that belongs to no municipality: none holds a municipality's data or refers to
/// a tenant's row, so none needs a tenant column or a checked reference (`why` says it per
/// table). An export or an erasure leaves them alone; they are pruned on their own clocks.
pub const INSTANCE_TABLES: &[InstanceTable] = &[
    InstanceTable {
        name: "_sqlx_migrations",
        only_on: None,
        personal_data: false,
        why: "the schema version: sqlx's record of the migrations that ran",
    },
    InstanceTable {
        name: "sqlite_sequence",
        only_on: Some(Backend::Sqlite),
        personal_data: false,
        why: "SQLite's own counters for AUTOINCREMENT keys (audit_event, session_revocation)",
    },
    InstanceTable {
        name: "instance_key",
        only_on: None,
        personal_data: false,
        why: "the instance's receipt-signing key: a receipt is the instance's word, published once",
    },
    InstanceTable {
        name: "login_failure",
        only_on: None,
        personal_data: true,
        why: "throttling counters per login name and per address, counted before any tenant is \
              known (login names are unique per instance; an address belongs to no tenant)",
    },
    InstanceTable {
        name: "session_revocation",
        only_on: None,
        personal_data: false,
        why: "cache coherence: hashes of ended sessions and app passwords, polled by every node \
              for every tenant and pruned after 20 minutes; the rows they name are gone",
    },
    InstanceTable {
        name: "org_change",
        only_on: Some(Backend::Postgres),
        personal_data: false,
        why: "cache coherence: which tenant's organisation changed, polled by every node for every \
              tenant and pruned after 20 minutes; holds a tenant id and a time, nothing else",
    },
];

/// Store functions that touch a tenant table without filtering on its tenant column, each
/// with the reason it must. Everything else in `tavle-store/src` that names a tenant table in
/// SQL also names `tenant_id` (the tidy test `tidy_tenant` checks it); ARCHITECTURE.md's
/// invariant names this list.
pub const INSTANCE_QUERIES: &[(&str, &str)] = &[
    ("login_by_username", "a login finds its tenant by the login name, unique per instance"),
    ("session_by_hash", "a request finds its session, and so its tenant, by the token's hash"),
    ("app_password_by_hash", "a WebDAV or sync request finds its person by the app password's hash"),
    ("link_by_token", "a share link is opened by its token, which names the tenant"),
    ("touch_sessions", "records sessions as seen by their token hashes, which are unique"),
    ("delete_session", "logging out ends the session named by its token hash"),
    ("delete_expired_sessions", "housekeeping: ends idle sessions of every tenant"),
    ("insert_login_flow", "a Login Flow v2 belongs to nobody until a person approves it"),
    ("login_flow_by_login", "a flow is found by its login token's hash (the approving page's)"),
    ("login_flow_by_poll", "a flow is found by its poll token's hash (the sync client's)"),
    ("grant_login_flow", "approving sets the flow's tenant; it is found by its token's hash"),
    ("delete_login_flow", "a flow is ended by its token's hash, once handed over"),
    ("delete_expired_login_flows", "housekeeping: removes expired flows of every tenant"),
    (
        "try_login_pending",
        "a login's second step finds its waiting login by the cookie's hash, before the tenant is known",
    ),
    ("login_pending", "a waiting login is shown by its cookie's hash, before the tenant is known"),
    ("delete_login_pending", "a waiting login is ended by its cookie's hash"),
    ("delete_expired_login_pending", "housekeeping: forgets expired waiting logins of every tenant"),
    ("passkey_by_credential", "a login with a passkey alone learns its person, and tenant, from the credential"),
    ("take_ceremony", "a WebAuthn ceremony is finished by its id's hash; a passkey login's has no tenant yet"),
    ("scim_token_by_hash", "a SCIM request finds its municipality by its bearer token's hash"),
    ("scim_token_used", "records a SCIM token as used, by its id, which is unique"),
    ("live_ceremonies", "counts the WebAuthn ceremonies under way on the instance, to cap anonymous ones"),
    ("delete_expired_ceremonies", "housekeeping: forgets expired WebAuthn ceremonies of every tenant"),
    ("prune_logout_tokens", "housekeeping: forgets expired back-channel logout tokens of every tenant"),
    ("tenant_by_code", "the CLI and roster import find a tenant by its code"),
    ("tenants", "operators list every tenant"),
    ("recent_changes", "cache coherence: each node reads every tenant's organisation epoch"),
];

/// The declaration of a tenant table.
pub fn tenant_table(name: &str) -> Option<&'static TenantTable> {
    TENANT_TABLES.iter().find(|t| t.name == name)
}

/// The declaration of an instance table.
pub fn instance_table(name: &str) -> Option<&'static InstanceTable> {
    INSTANCE_TABLES.iter().find(|t| t.name == name)
}

/// Whether some checked reference points at `table`: migration 0018 then also keeps its rows'
/// tenant from changing (a trigger on both backends), so no existing reference can end up
/// pointing into another tenant by moving its parent.
pub fn is_referenced(table: &str) -> bool {
    TENANT_TABLES.iter().flat_map(|t| t.references).any(|r| r.parent == table)
}
