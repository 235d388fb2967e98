-- SCIM provisioning (issue 18): the bearer tokens a municipality's identity management system
-- uses at /scim/v2/. Only the SHA-256 of a token is kept; revoking deletes the row. Made by a
-- municipality administrator (`created_by`).
CREATE TABLE scim_token (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX scim_token_tenant ON scim_token (tenant_id);

-- A row refers only into its own tenant (as migration 0018 does for the tables before).
CREATE TRIGGER scim_token_created_by_tenant_insert BEFORE INSERT ON scim_token
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: scim_token.created_by'); END;
CREATE TRIGGER scim_token_created_by_tenant_update BEFORE UPDATE OF created_by, tenant_id ON scim_token
WHEN (NEW.created_by IS NOT OLD.created_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: scim_token.created_by'); END;
