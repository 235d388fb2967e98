-- A second factor for staff (issue 18): TOTP (RFC 6238) with the last step used, so a code
-- is taken once; recovery codes (only their SHA-256); and a login whose password was right
-- but whose second step is still to come (found by its cookie's hash, 5 minutes, 5 tries).
CREATE TABLE totp_credential (
    person_id TEXT PRIMARY KEY REFERENCES person(id),
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    secret TEXT NOT NULL,
    confirmed_at INTEGER,
    last_step INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE recovery_code (
    code_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX recovery_code_person ON recovery_code (person_id);

CREATE TABLE login_pending (
    token_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    tries INTEGER NOT NULL
);
CREATE INDEX login_pending_expiry ON login_pending (expires_at);

-- A row refers only into its own tenant (as migration 0018 does for the tables before).
CREATE TRIGGER totp_credential_person_id_tenant_insert BEFORE INSERT ON totp_credential
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: totp_credential.person_id'); END;
CREATE TRIGGER totp_credential_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON totp_credential
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: totp_credential.person_id'); END;

CREATE TRIGGER recovery_code_person_id_tenant_insert BEFORE INSERT ON recovery_code
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: recovery_code.person_id'); END;
CREATE TRIGGER recovery_code_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON recovery_code
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: recovery_code.person_id'); END;

CREATE TRIGGER login_pending_person_id_tenant_insert BEFORE INSERT ON login_pending
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: login_pending.person_id'); END;
CREATE TRIGGER login_pending_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON login_pending
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: login_pending.person_id'); END;
