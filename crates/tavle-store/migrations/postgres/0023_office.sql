-- Office files through WOPI (issue 17): a municipality's office server (Collabora Online or
-- OnlyOffice), as its discovery says — the actions per file extension and the proof keys,
-- kept as JSON so every node agrees without fetching it again — and the WOPI locks the
-- office server holds on files while people edit them (any node answers for them).
CREATE TABLE office_server (
    tenant_id TEXT PRIMARY KEY REFERENCES tenant(id),
    discovery_url TEXT NOT NULL,
    discovery TEXT NOT NULL,
    fetched_at BIGINT NOT NULL,
    updated_by TEXT,
    CONSTRAINT office_server_updated_by_tenant_fkey FOREIGN KEY (tenant_id, updated_by) REFERENCES person (tenant_id, id)
);

CREATE TABLE wopi_lock (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT PRIMARY KEY,
    lock_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT wopi_lock_node_id_tenant_fkey FOREIGN KEY (tenant_id, node_id) REFERENCES node (tenant_id, id),
    CONSTRAINT wopi_lock_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id)
);
