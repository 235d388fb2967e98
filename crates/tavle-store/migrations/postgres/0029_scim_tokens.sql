-- SCIM provisioning (issue 18): the bearer tokens a municipality's identity management system
-- uses at /scim/v2/. Only the SHA-256 of a token is kept; revoking deletes the row. Made by a
-- municipality administrator (`created_by`).
CREATE TABLE scim_token (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    CONSTRAINT scim_token_created_by_tenant_fkey FOREIGN KEY (tenant_id, created_by) REFERENCES person (tenant_id, id)
);
CREATE INDEX scim_token_tenant ON scim_token (tenant_id);
