-- App passwords for WebDAV and the sync clients, WebDAV locks and dead properties (PostgreSQL).

-- A person's app passwords: only the SHA-256 of the secret is kept (it has 128 bits of
-- randomness, so a slow hash adds nothing), and each is revoked on its own.
CREATE TABLE app_password (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX app_password_person ON app_password (person_id);

-- WebDAV locks, in the database so that every Tavle node sees the same locks. A lock is on a
-- path within a space (RFC 4918 locks names, not resources).
CREATE TABLE dav_lock (
    token TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    space_id TEXT NOT NULL REFERENCES space(id),
    -- The locked path, NFC and lower case like names, without a trailing slash ('/' for the
    -- space's root), for comparing; and as the client wrote it (URL-encoded), for answering.
    path TEXT NOT NULL,
    href TEXT NOT NULL,
    principal TEXT,
    owner_xml TEXT,
    shared BIGINT NOT NULL,
    deep BIGINT NOT NULL,
    timeout_secs BIGINT,
    expires_at BIGINT
);
CREATE INDEX dav_lock_path ON dav_lock (space_id, path);

-- Properties clients set with PROPPATCH, kept with the node (so they follow moves).
CREATE TABLE dav_property (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT NOT NULL REFERENCES node(id),
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    xml TEXT NOT NULL,
    PRIMARY KEY (node_id, namespace, name)
);
