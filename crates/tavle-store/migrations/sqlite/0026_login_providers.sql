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
    discovery_at INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, slug)
);

CREATE TABLE login_provider_keys (
    provider_id TEXT PRIMARY KEY REFERENCES login_provider(id),
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    jwks TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
);

CREATE TABLE logout_token_seen (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    provider_id TEXT NOT NULL REFERENCES login_provider(id),
    jti TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (provider_id, jti)
);
CREATE INDEX logout_token_seen_expiry ON logout_token_seen (expires_at);

-- How a session was made: 'password' (every session before this migration), 'oidc' or
-- 'passkey'; for a federated login the provider, the provider's subject and session id (what a
-- back-channel logout names), the ID token (only as `id_token_hint` for logging out there) and
-- the assurance the provider asserted (JSON: acr, amr, loa).
ALTER TABLE session ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE session ADD COLUMN provider_id TEXT REFERENCES login_provider(id);
ALTER TABLE session ADD COLUMN idp_subject TEXT;
ALTER TABLE session ADD COLUMN idp_sid TEXT;
ALTER TABLE session ADD COLUMN id_token TEXT;
ALTER TABLE session ADD COLUMN assurance TEXT;
CREATE INDEX session_provider_sid ON session (provider_id, idp_sid);
CREATE INDEX session_provider_subject ON session (provider_id, idp_subject);

-- A row refers only into its own tenant (as migration 0018 does for the tables before).
CREATE TRIGGER login_provider_keys_provider_id_tenant_insert BEFORE INSERT ON login_provider_keys
WHEN EXISTS (SELECT 1 FROM login_provider WHERE id = NEW.provider_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: login_provider_keys.provider_id'); END;
CREATE TRIGGER login_provider_keys_provider_id_tenant_update BEFORE UPDATE OF provider_id, tenant_id ON login_provider_keys
WHEN (NEW.provider_id IS NOT OLD.provider_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM login_provider WHERE id = NEW.provider_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: login_provider_keys.provider_id'); END;

CREATE TRIGGER logout_token_seen_provider_id_tenant_insert BEFORE INSERT ON logout_token_seen
WHEN EXISTS (SELECT 1 FROM login_provider WHERE id = NEW.provider_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: logout_token_seen.provider_id'); END;
CREATE TRIGGER logout_token_seen_provider_id_tenant_update BEFORE UPDATE OF provider_id, tenant_id ON logout_token_seen
WHEN (NEW.provider_id IS NOT OLD.provider_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM login_provider WHERE id = NEW.provider_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: logout_token_seen.provider_id'); END;

CREATE TRIGGER session_provider_id_tenant_insert BEFORE INSERT ON session
WHEN EXISTS (SELECT 1 FROM login_provider WHERE id = NEW.provider_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: session.provider_id'); END;
CREATE TRIGGER session_provider_id_tenant_update BEFORE UPDATE OF provider_id, tenant_id ON session
WHEN (NEW.provider_id IS NOT OLD.provider_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM login_provider WHERE id = NEW.provider_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: session.provider_id'); END;

-- A provider others refer to keeps its tenant.
CREATE TRIGGER login_provider_tenant_fixed BEFORE UPDATE OF tenant_id ON login_provider
WHEN NEW.tenant_id IS NOT OLD.tenant_id
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: login_provider.tenant_id cannot change'); END;
