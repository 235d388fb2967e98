-- Cache coherence between nodes and processes (see ARCHITECTURE.md, "The session cache").
-- Every statement that changes the organisation of a tenant appends to org_change, and every
-- ended session is recorded in session_revocation, by statement-level triggers, so no code
-- path can forget to. Appending (instead of bumping a counter on the tenant row) takes no row
-- lock, so concurrent changes in one tenant cannot deadlock on it. Each node polls both and
-- drops what it cached. The times are the database's clock: they only decide how long these
-- records are kept and read, never what a person may do.

CREATE TABLE org_change (
    seq BIGSERIAL PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX org_change_at ON org_change (at);

CREATE TABLE session_revocation (
    seq BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX session_revocation_at ON session_revocation (at);

CREATE FUNCTION tavle_now_ms() RETURNS BIGINT LANGUAGE sql AS
$$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT $$;

CREATE FUNCTION tavle_session_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO session_revocation (token_hash, at) SELECT token_hash, tavle_now_ms() FROM old_rows;
    RETURN NULL;
END $$;

CREATE TRIGGER session_revoked AFTER DELETE ON session
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_session_revoked();

CREATE FUNCTION tavle_org_changed_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO org_change (tenant_id, at) SELECT DISTINCT tenant_id, tavle_now_ms() FROM new_rows;
    RETURN NULL;
END $$;

CREATE FUNCTION tavle_org_changed_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO org_change (tenant_id, at) SELECT DISTINCT tenant_id, tavle_now_ms() FROM old_rows;
    RETURN NULL;
END $$;

CREATE TRIGGER person_changed_insert AFTER INSERT ON person
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER person_changed_update AFTER UPDATE ON person
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER person_changed_delete AFTER DELETE ON person
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_old();

CREATE TRIGGER login_changed_insert AFTER INSERT ON login
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER login_changed_update AFTER UPDATE ON login
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER login_changed_delete AFTER DELETE ON login
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_old();

CREATE TRIGGER external_identity_changed_insert AFTER INSERT ON external_identity
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER external_identity_changed_update AFTER UPDATE ON external_identity
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER external_identity_changed_delete AFTER DELETE ON external_identity
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_old();

CREATE TRIGGER person_school_changed_insert AFTER INSERT ON person_school
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER person_school_changed_update AFTER UPDATE ON person_school
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER person_school_changed_delete AFTER DELETE ON person_school
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_old();

CREATE TRIGGER membership_changed_insert AFTER INSERT ON membership
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER membership_changed_update AFTER UPDATE ON membership
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER membership_changed_delete AFTER DELETE ON membership
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_old();

CREATE TRIGGER staff_role_changed_insert AFTER INSERT ON staff_role
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER staff_role_changed_update AFTER UPDATE ON staff_role
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER staff_role_changed_delete AFTER DELETE ON staff_role
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_old();

CREATE TRIGGER grp_changed_insert AFTER INSERT ON grp
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER grp_changed_update AFTER UPDATE ON grp
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER grp_changed_delete AFTER DELETE ON grp
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_old();

CREATE TRIGGER school_changed_insert AFTER INSERT ON school
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER school_changed_update AFTER UPDATE ON school
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER school_changed_delete AFTER DELETE ON school
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_old();

CREATE TRIGGER school_year_changed_insert AFTER INSERT ON school_year
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER school_year_changed_update AFTER UPDATE ON school_year
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_new();
CREATE TRIGGER school_year_changed_delete AFTER DELETE ON school_year
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_org_changed_old();
