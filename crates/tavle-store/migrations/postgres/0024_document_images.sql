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
    node_id TEXT,
    frozen_blob_id TEXT,
    sha256 TEXT NOT NULL,
    blob_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    added_by TEXT,
    added_at BIGINT NOT NULL,
    CONSTRAINT document_image_node_id_tenant_fkey FOREIGN KEY (tenant_id, node_id) REFERENCES node (tenant_id, id),
    CONSTRAINT document_image_frozen_blob_id_tenant_fkey FOREIGN KEY (tenant_id, frozen_blob_id) REFERENCES blob (tenant_id, id),
    CONSTRAINT document_image_blob_id_tenant_fkey FOREIGN KEY (tenant_id, blob_id) REFERENCES blob (tenant_id, id),
    CONSTRAINT document_image_added_by_tenant_fkey FOREIGN KEY (tenant_id, added_by) REFERENCES person (tenant_id, id)
);
CREATE UNIQUE INDEX document_image_node ON document_image (node_id, sha256);
CREATE UNIQUE INDEX document_image_frozen ON document_image (frozen_blob_id, sha256);
CREATE INDEX document_image_blob ON document_image (blob_id);
