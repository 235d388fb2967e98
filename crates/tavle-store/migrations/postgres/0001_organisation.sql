-- Organisation model, sessions, login throttling and audit log (PostgreSQL).
-- Identifiers are UUID text, times are milliseconds since the Unix epoch, dates are YYYY-MM-DD.

CREATE TABLE tenant (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE school (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    name TEXT NOT NULL,
    institution_number TEXT NOT NULL,
    UNIQUE (tenant_id, institution_number)
);

CREATE TABLE school_year (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    school_id TEXT NOT NULL REFERENCES school(id),
    label TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    source_id TEXT,
    UNIQUE (school_id, label)
);

CREATE TABLE grp (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    school_id TEXT NOT NULL REFERENCES school(id),
    school_year_id TEXT NOT NULL REFERENCES school_year(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    grade BIGINT,
    letter TEXT,
    subject TEXT,
    source_id TEXT,
    UNIQUE (tenant_id, source_id)
);
CREATE INDEX grp_school ON grp (tenant_id, school_id, school_year_id);

CREATE TABLE person (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    display_name TEXT NOT NULL,
    status TEXT NOT NULL,
    source_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, source_id)
);

-- Login names are unique in the whole instance: a login finds its tenant through this table.
CREATE TABLE login (
    username TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL UNIQUE REFERENCES person(id),
    password_hash TEXT
);

CREATE TABLE external_identity (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES person(id),
    PRIMARY KEY (tenant_id, issuer, subject)
);
CREATE INDEX external_identity_person ON external_identity (person_id);

-- The schools a person is enrolled at or works at, with their role there.
CREATE TABLE person_school (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    school_id TEXT NOT NULL REFERENCES school(id),
    role TEXT NOT NULL,
    PRIMARY KEY (person_id, school_id)
);
CREATE INDEX person_school_school ON person_school (school_id);

CREATE TABLE membership (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    group_id TEXT NOT NULL REFERENCES grp(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    role TEXT NOT NULL,
    PRIMARY KEY (group_id, person_id)
);
CREATE INDEX membership_person ON membership (person_id);

-- school_id is '' for roles that are not tied to one school.
CREATE TABLE staff_role (
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    role TEXT NOT NULL,
    school_id TEXT NOT NULL,
    PRIMARY KEY (person_id, role, school_id)
);

-- Only the SHA-256 of a session token is stored, so a copy of the database logs nobody in.
CREATE TABLE session (
    token_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    source TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX session_person ON session (person_id);

CREATE TABLE login_failure (
    scope TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failure_scope ON login_failure (scope, at);

CREATE TABLE audit_event (
    seq BIGSERIAL PRIMARY KEY,
    tenant_id TEXT,
    at BIGINT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    subject TEXT,
    source TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_event_tenant ON audit_event (tenant_id, at);
