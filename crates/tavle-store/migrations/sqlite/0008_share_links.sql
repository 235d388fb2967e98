-- Share links (SQLite): a file or folder anyone with the link may open (a download link), or a
-- folder anyone with the link may put files into without seeing what is there (a drop box).
-- The token is the link's secret and names the tenant; an optional password is stored as an
-- Argon2id hash. A link works only while its creator could still make it.
CREATE TABLE share_link (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT NOT NULL REFERENCES node(id),
    token TEXT NOT NULL UNIQUE,
    -- 'download' or 'upload'.
    kind TEXT NOT NULL,
    password_hash TEXT,
    -- NULL: until it is removed.
    expires_at INTEGER,
    created_by TEXT NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX share_link_node ON share_link (tenant_id, node_id);
