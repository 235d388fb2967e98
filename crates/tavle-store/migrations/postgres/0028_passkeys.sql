-- Passkeys and the rule that staff need a second factor (issue 18).
--
-- A municipality's rule: the roles ('staff', 'school_admin', 'municipality_admin') whose
-- password logins need a second factor, and whose federated logins need one unless the
-- provider asserted it. Pupils are never in it.
CREATE TABLE second_factor_rule (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    role TEXT NOT NULL,
    set_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, role)
);

-- A person's passkeys (WebAuthn): the credential's id (base64url, unique on the instance, as
-- an authenticator's is), the name the person gave it, and what webauthn-rs keeps of it (the
-- public key and the signature counter, JSON).
CREATE TABLE passkey_credential (
    credential_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL,
    name TEXT NOT NULL,
    passkey TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    CONSTRAINT passkey_credential_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id)
);
CREATE INDEX passkey_credential_person ON passkey_credential (person_id);

-- A WebAuthn ceremony begun and not yet finished, so any node can finish it: found by the
-- SHA-256 of the id the browser was given, used once, 5 minutes. `kind` is 'register' (a
-- person adds a passkey), 'step' (the second step of a waiting login) or 'login' (a login with
-- a passkey alone: nobody is known yet, so no tenant).
CREATE TABLE webauthn_ceremony (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    tenant_id TEXT REFERENCES tenant(id),
    person_id TEXT,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT webauthn_ceremony_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id)
);
CREATE INDEX webauthn_ceremony_expiry ON webauthn_ceremony (expires_at);

-- A waiting login remembers how its first step was made (a federated login's provider and
-- tokens, JSON; NULL for a password) and whether the person must first set up a factor.
ALTER TABLE login_pending ADD COLUMN first_step TEXT;
ALTER TABLE login_pending ADD COLUMN must_enrol INTEGER NOT NULL DEFAULT 0;
