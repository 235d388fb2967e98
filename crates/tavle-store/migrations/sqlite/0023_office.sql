-- Office files through WOPI (issue 17): a municipality's office server (Collabora Online or
-- OnlyOffice), as its discovery says — the actions per file extension and the proof keys,
-- kept as JSON so every node agrees without fetching it again — and the WOPI locks the
-- office server holds on files while people edit them (any node answers for them).
CREATE TABLE office_server (
    tenant_id TEXT PRIMARY KEY REFERENCES tenant(id),
    discovery_url TEXT NOT NULL,
    discovery TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    updated_by TEXT REFERENCES person(id)
);

CREATE TABLE wopi_lock (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT PRIMARY KEY REFERENCES node(id),
    lock_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES person(id),
    expires_at INTEGER NOT NULL
);

-- A row refers only into its own tenant (as migration 0018 does for the tables before).
CREATE TRIGGER office_server_updated_by_tenant_insert BEFORE INSERT ON office_server
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.updated_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: office_server.updated_by'); END;
CREATE TRIGGER office_server_updated_by_tenant_update BEFORE UPDATE OF updated_by, tenant_id ON office_server
WHEN (NEW.updated_by IS NOT OLD.updated_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.updated_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: office_server.updated_by'); END;

CREATE TRIGGER wopi_lock_node_id_tenant_insert BEFORE INSERT ON wopi_lock
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: wopi_lock.node_id'); END;
CREATE TRIGGER wopi_lock_node_id_tenant_update BEFORE UPDATE OF node_id, tenant_id ON wopi_lock
WHEN (NEW.node_id IS NOT OLD.node_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: wopi_lock.node_id'); END;

CREATE TRIGGER wopi_lock_person_id_tenant_insert BEFORE INSERT ON wopi_lock
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: wopi_lock.person_id'); END;
CREATE TRIGGER wopi_lock_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON wopi_lock
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: wopi_lock.person_id'); END;
