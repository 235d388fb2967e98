-- Tavle documents (issue 17, docs/design/documents.md): a node of kind 'document' holds a
-- Yjs document. Its stored form is a snapshot (the whole state, encoded as one Yjs update)
-- and the updates recorded since, in the order they were committed; loading applies the
-- snapshot and every update still here. Compaction folds the updates into a new snapshot and
-- deletes exactly the rows it folded.
CREATE TABLE document (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT PRIMARY KEY REFERENCES node(id),
    snapshot BLOB NOT NULL,
    compacted_at INTEGER NOT NULL
);

CREATE TABLE document_update (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT NOT NULL REFERENCES node(id),
    -- One Yjs update (v1 encoding) as a person's editor sent it.
    data BLOB NOT NULL,
    by_person TEXT NOT NULL REFERENCES person(id),
    at INTEGER NOT NULL
);
CREATE INDEX document_update_node ON document_update (node_id, id);

-- A row refers only into its own tenant (as migration 0018 does for the tables before).
CREATE TRIGGER document_node_id_tenant_insert BEFORE INSERT ON document
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document.node_id'); END;
CREATE TRIGGER document_node_id_tenant_update BEFORE UPDATE OF node_id, tenant_id ON document
WHEN (NEW.node_id IS NOT OLD.node_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document.node_id'); END;

CREATE TRIGGER document_update_node_id_tenant_insert BEFORE INSERT ON document_update
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_update.node_id'); END;
CREATE TRIGGER document_update_node_id_tenant_update BEFORE UPDATE OF node_id, tenant_id ON document_update
WHEN (NEW.node_id IS NOT OLD.node_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_update.node_id'); END;

CREATE TRIGGER document_update_by_person_tenant_insert BEFORE INSERT ON document_update
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.by_person AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_update.by_person'); END;
CREATE TRIGGER document_update_by_person_tenant_update BEFORE UPDATE OF by_person, tenant_id ON document_update
WHEN (NEW.by_person IS NOT OLD.by_person OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.by_person AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_update.by_person'); END;
