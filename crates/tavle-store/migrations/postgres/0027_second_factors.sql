-- A second factor for staff (issue 18): TOTP (RFC 6238) with the last step used, so a code
-- is taken once; recovery codes (only their SHA-256); and a login whose password was right
-- but whose second step is still to come (found by its cookie's hash, 5 minutes, 5 tries).
CREATE TABLE totp_credential (
    person_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    secret TEXT NOT NULL,
    confirmed_at BIGINT,
    last_step BIGINT,
    created_at BIGINT NOT NULL,
    CONSTRAINT totp_credential_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id)
);

CREATE TABLE recovery_code (
    code_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT recovery_code_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id)
);
CREATE INDEX recovery_code_person ON recovery_code (person_id);

CREATE TABLE login_pending (
    token_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    tries INTEGER NOT NULL,
    CONSTRAINT login_pending_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id)
);
CREATE INDEX login_pending_expiry ON login_pending (expires_at);
