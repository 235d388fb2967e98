-- Resumable uploads (PostgreSQL): tus for the web app and Nextcloud's chunked uploads for the sync
-- clients. The parts received so far are each in the blob store (not in the blob table: they
-- are not files yet) until the upload is assembled into a file; then session and parts go.
-- A session lives less than a day, and `tavle check` removes parts older than a day.

CREATE TABLE upload_session (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    -- 'tus' or 'nextcloud'.
    protocol TEXT NOT NULL,
    -- The transfer id a Nextcloud client chose; for tus, the session's own id.
    client_key TEXT NOT NULL,
    -- tus: where the file goes, known from the start. Nextcloud: given when it is assembled.
    folder_id TEXT,
    name TEXT,
    -- The length the client announced, if it did.
    total_length BIGINT,
    -- Bytes received in parts so far.
    received BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (tenant_id, person_id, protocol, client_key)
);
CREATE INDEX upload_session_expiry ON upload_session (tenant_id, expires_at);

CREATE TABLE upload_part (
    upload_id TEXT NOT NULL REFERENCES upload_session(id),
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    -- Nextcloud: the chunk's name; tus: its offset, zero-padded, so names sort in order.
    name TEXT NOT NULL,
    -- The part's object in the blob store.
    blob_id TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (upload_id, name)
);
