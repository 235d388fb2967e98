-- Drives (spaces), their files and folders, stored contents and older versions (SQLite).
-- A space is created the first time someone opens it; its root folder is a node without a
-- parent. A trashed node keeps its place under its parent, hidden, so restoring it is one
-- update; what is below a trashed folder is reached only through it.

CREATE TABLE space (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    kind TEXT NOT NULL,
    -- The person (personal), group (group) or school (staff) the space belongs to.
    owner_id TEXT NOT NULL,
    -- The school of a group or staff space; '' for personal spaces.
    school_id TEXT NOT NULL,
    root_id TEXT NOT NULL,
    -- NULL means the default quota for the kind of space.
    quota_bytes INTEGER,
    -- Current files and the trash; older versions are bounded by retention instead.
    used_bytes INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, kind, owner_id)
);

-- One row per distinct content per tenant: identical files share it, tenants never do.
CREATE TABLE blob (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, sha256)
);

CREATE TABLE node (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    space_id TEXT NOT NULL REFERENCES space(id),
    parent_id TEXT REFERENCES node(id),
    name TEXT NOT NULL,
    -- The name in lower case: no two live siblings may share it (Windows and macOS clients).
    name_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    blob_id TEXT REFERENCES blob(id),
    size INTEGER NOT NULL,
    sha256 TEXT,
    -- Changes with every change of the node and, for folders, of anything below them.
    etag TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT,
    modified_at INTEGER NOT NULL,
    modified_by TEXT,
    trashed_at INTEGER,
    trashed_by TEXT
);
CREATE UNIQUE INDEX node_name ON node (parent_id, name_key) WHERE trashed_at IS NULL;
CREATE INDEX node_space_trash ON node (space_id, trashed_at) WHERE trashed_at IS NOT NULL;
CREATE INDEX node_blob ON node (blob_id);

CREATE TABLE file_version (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT NOT NULL REFERENCES node(id),
    blob_id TEXT NOT NULL REFERENCES blob(id),
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    -- When this content was written, and by whom.
    modified_at INTEGER NOT NULL,
    modified_by TEXT,
    -- When newer content replaced it; retention counts from here.
    replaced_at INTEGER NOT NULL
);
CREATE INDEX file_version_node ON file_version (node_id, replaced_at);
CREATE INDEX file_version_blob ON file_version (blob_id);
CREATE INDEX file_version_age ON file_version (tenant_id, replaced_at);
