-- Shares (PostgreSQL): a file or folder shared with a person, a class or team, or a whole school,
-- as viewer or editor. A share with a group or school is one row, resolved through who
-- belongs to it when someone asks, so a 10,000-member group costs one row like one person.
CREATE TABLE share (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT NOT NULL REFERENCES node(id),
    -- 'person', 'group' or 'school', and who.
    grantee_kind TEXT NOT NULL,
    grantee_id TEXT NOT NULL,
    -- 'view' or 'edit'.
    access TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES person(id),
    created_at BIGINT NOT NULL,
    -- A share with a class ends with its school year; NULL: until it is removed.
    expires_at BIGINT,
    UNIQUE (node_id, grantee_kind, grantee_id)
);
CREATE INDEX share_grantee ON share (tenant_id, grantee_id);
