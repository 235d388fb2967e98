-- Browsers a person has logged in from (a device cookie, OWASP's "device cookies" against
-- online guessing): a login from a known device is throttled on its own, so failed guesses
-- from elsewhere — one address behind a school's NAT, or many addresses against one pupil —
-- never lock the pupil out of their own browser. Only the SHA-256 of the cookie is stored.
CREATE TABLE login_device (
    token_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE INDEX login_device_person ON login_device (tenant_id, person_id);

-- "Recent files" on a person's home page: the files they changed last.
CREATE INDEX node_recent ON node (tenant_id, modified_by, modified_at) WHERE trashed_at IS NULL;
