-- Pictures in Tavle documents (issue 17). A picture is a blob of the tenant (content-addressed:
-- one row per SHA-256 per tenant), referred to from the document's Yjs tree by its SHA-256.
-- A row says that a holder may show that picture: a live document (node_id) or a document's
-- frozen own form (frozen_blob_id: the `.tavledoc` blob a hand-in or an assignment's template
-- keeps). Exactly one holder is set (the store writes them from one enum). A tree may name any SHA-256 (a client writes it); only
-- the pictures with a row for the holder are ever served or exported, so a person cannot reach
-- another's file by naming its hash. Rows of a node go when it is purged; rows of a frozen form
-- go when its blob is collected. Every picture row keeps its blob from being collected.
CREATE TABLE document_image (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT REFERENCES node(id),
    frozen_blob_id TEXT REFERENCES blob(id),
    sha256 TEXT NOT NULL,
    blob_id TEXT NOT NULL REFERENCES blob(id),
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    added_by TEXT REFERENCES person(id),
    added_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX document_image_node ON document_image (node_id, sha256);
CREATE UNIQUE INDEX document_image_frozen ON document_image (frozen_blob_id, sha256);
CREATE INDEX document_image_blob ON document_image (blob_id);

-- A row refers only into its own tenant (as migration 0018 does for the tables before).
CREATE TRIGGER document_image_node_id_tenant_insert BEFORE INSERT ON document_image
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_image.node_id'); END;
CREATE TRIGGER document_image_node_id_tenant_update BEFORE UPDATE OF node_id, tenant_id ON document_image
WHEN (NEW.node_id IS NOT OLD.node_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_image.node_id'); END;

CREATE TRIGGER document_image_frozen_blob_id_tenant_insert BEFORE INSERT ON document_image
WHEN EXISTS (SELECT 1 FROM blob WHERE id = NEW.frozen_blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_image.frozen_blob_id'); END;
CREATE TRIGGER document_image_frozen_blob_id_tenant_update BEFORE UPDATE OF frozen_blob_id, tenant_id ON document_image
WHEN (NEW.frozen_blob_id IS NOT OLD.frozen_blob_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM blob WHERE id = NEW.frozen_blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_image.frozen_blob_id'); END;

CREATE TRIGGER document_image_blob_id_tenant_insert BEFORE INSERT ON document_image
WHEN EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_image.blob_id'); END;
CREATE TRIGGER document_image_blob_id_tenant_update BEFORE UPDATE OF blob_id, tenant_id ON document_image
WHEN (NEW.blob_id IS NOT OLD.blob_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_image.blob_id'); END;

CREATE TRIGGER document_image_added_by_tenant_insert BEFORE INSERT ON document_image
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.added_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_image.added_by'); END;
CREATE TRIGGER document_image_added_by_tenant_update BEFORE UPDATE OF added_by, tenant_id ON document_image
WHEN (NEW.added_by IS NOT OLD.added_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.added_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_image.added_by'); END;
