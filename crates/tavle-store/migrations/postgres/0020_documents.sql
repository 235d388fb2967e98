-- Tavle documents (issue 17, docs/design/documents.md): a node of kind 'document' holds a
-- Yjs document. Its stored form is a snapshot (the whole state, encoded as one Yjs update)
-- and the updates recorded since; loading applies the snapshot and every update still here.
-- Compaction folds the updates into a new snapshot and deletes exactly the rows it folded,
-- so an update committed meanwhile (whatever its id) is never lost.
CREATE TABLE document (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT PRIMARY KEY,
    snapshot BYTEA NOT NULL,
    compacted_at BIGINT NOT NULL,
    CONSTRAINT document_node_id_tenant_fkey FOREIGN KEY (tenant_id, node_id) REFERENCES node (tenant_id, id)
);

CREATE TABLE document_update (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT NOT NULL,
    -- One Yjs update (v1 encoding) as a person's editor sent it.
    data BYTEA NOT NULL,
    by_person TEXT NOT NULL,
    at BIGINT NOT NULL,
    CONSTRAINT document_update_node_id_tenant_fkey FOREIGN KEY (tenant_id, node_id) REFERENCES node (tenant_id, id),
    CONSTRAINT document_update_by_person_tenant_fkey FOREIGN KEY (tenant_id, by_person) REFERENCES person (tenant_id, id)
);
CREATE INDEX document_update_node ON document_update (node_id, id);
