-- Nextcloud's Login Flow v2 (PostgreSQL): a sync client starts a flow, the person approves it in
-- the web app, and the client's next poll receives a new app password. Only hashes of the
-- two tokens are kept; the app password is made at the poll and handed over once.
CREATE TABLE login_flow (
    login_token_hash TEXT PRIMARY KEY,
    poll_token_hash TEXT NOT NULL UNIQUE,
    -- The client's User-Agent: what the app password will be called.
    device TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- Set when a person approves the flow.
    tenant_id TEXT REFERENCES tenant(id),
    person_id TEXT REFERENCES person(id),
    username TEXT,
    granted_at BIGINT
);
CREATE INDEX login_flow_expiry ON login_flow (expires_at);
