-- Federated login (issue 18): a municipality's OpenID Connect providers (Unilogin, OS2faktor,
-- Keycloak, ...), the signing keys each published (kept apart, so fetching new keys is not a
-- change of the provider), the back-channel logout tokens already used (a replay on any node
-- hits the key), and what a session knows of the login that made it.
CREATE TABLE login_provider (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    slug TEXT NOT NULL,
    display_name TEXT NOT NULL,
    preset TEXT NOT NULL,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT,
    client_secret_file TEXT,
    scopes TEXT NOT NULL,
    claim TEXT NOT NULL,
    namespace TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    position INTEGER NOT NULL,
    discovery TEXT,
    discovery_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, slug),
    UNIQUE (tenant_id, id)
);

CREATE TABLE login_provider_keys (
    provider_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    jwks TEXT NOT NULL,
    fetched_at BIGINT NOT NULL,
    CONSTRAINT login_provider_keys_provider_id_tenant_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES login_provider (tenant_id, id)
);

CREATE TABLE logout_token_seen (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    provider_id TEXT NOT NULL,
    jti TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (provider_id, jti),
    CONSTRAINT logout_token_seen_provider_id_tenant_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES login_provider (tenant_id, id)
);
CREATE INDEX logout_token_seen_expiry ON logout_token_seen (expires_at);

-- How a session was made: 'password' (every session before this migration), 'oidc' or
-- 'passkey'; for a federated login the provider, the provider's subject and session id (what a
-- back-channel logout names), the ID token (only as `id_token_hint` for logging out there) and
-- the assurance the provider asserted (JSON: acr, amr, loa).
ALTER TABLE session
    ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'password',
    ADD COLUMN provider_id TEXT,
    ADD COLUMN idp_subject TEXT,
    ADD COLUMN idp_sid TEXT,
    ADD COLUMN id_token TEXT,
    ADD COLUMN assurance TEXT,
    ADD CONSTRAINT session_provider_id_tenant_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES login_provider (tenant_id, id);
CREATE INDEX session_provider_sid ON session (provider_id, idp_sid);
CREATE INDEX session_provider_subject ON session (provider_id, idp_subject);

-- A provider others refer to keeps its tenant (as 0018 makes it for the tables before).
CREATE TRIGGER login_provider_tenant_fixed BEFORE UPDATE OF tenant_id ON login_provider
    FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION tavle_tenant_fixed();
