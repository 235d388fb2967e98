-- Cache coherence between nodes and processes (see ARCHITECTURE.md, "The session cache").
-- Every change to the organisation of a tenant bumps its org_epoch, and every ended session is
-- recorded in session_revocation, by triggers, so no code path can forget to. Each node polls
-- both and drops what it cached. The times here are the database's clock: they only decide
-- how long these records are kept, never what a person may do.

ALTER TABLE tenant ADD COLUMN org_epoch INTEGER NOT NULL DEFAULT 0;

CREATE TABLE session_revocation (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX session_revocation_at ON session_revocation (at);

CREATE TRIGGER session_revoked AFTER DELETE ON session BEGIN
    INSERT INTO session_revocation (token_hash, at)
    VALUES (OLD.token_hash, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;

CREATE TRIGGER person_epoch_insert AFTER INSERT ON person BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER person_epoch_update AFTER UPDATE ON person BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER person_epoch_delete AFTER DELETE ON person BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = OLD.tenant_id;
END;

CREATE TRIGGER login_epoch_insert AFTER INSERT ON login BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER login_epoch_update AFTER UPDATE ON login BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER login_epoch_delete AFTER DELETE ON login BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = OLD.tenant_id;
END;

CREATE TRIGGER external_identity_epoch_insert AFTER INSERT ON external_identity BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER external_identity_epoch_update AFTER UPDATE ON external_identity BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER external_identity_epoch_delete AFTER DELETE ON external_identity BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = OLD.tenant_id;
END;

CREATE TRIGGER person_school_epoch_insert AFTER INSERT ON person_school BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER person_school_epoch_update AFTER UPDATE ON person_school BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER person_school_epoch_delete AFTER DELETE ON person_school BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = OLD.tenant_id;
END;

CREATE TRIGGER membership_epoch_insert AFTER INSERT ON membership BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER membership_epoch_update AFTER UPDATE ON membership BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER membership_epoch_delete AFTER DELETE ON membership BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = OLD.tenant_id;
END;

CREATE TRIGGER staff_role_epoch_insert AFTER INSERT ON staff_role BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER staff_role_epoch_update AFTER UPDATE ON staff_role BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER staff_role_epoch_delete AFTER DELETE ON staff_role BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = OLD.tenant_id;
END;

CREATE TRIGGER grp_epoch_insert AFTER INSERT ON grp BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER grp_epoch_update AFTER UPDATE ON grp BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER grp_epoch_delete AFTER DELETE ON grp BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = OLD.tenant_id;
END;

CREATE TRIGGER school_epoch_insert AFTER INSERT ON school BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER school_epoch_update AFTER UPDATE ON school BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER school_epoch_delete AFTER DELETE ON school BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = OLD.tenant_id;
END;

CREATE TRIGGER school_year_epoch_insert AFTER INSERT ON school_year BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER school_year_epoch_update AFTER UPDATE ON school_year BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = NEW.tenant_id;
END;

CREATE TRIGGER school_year_epoch_delete AFTER DELETE ON school_year BEGIN
    UPDATE tenant SET org_epoch = org_epoch + 1 WHERE id = OLD.tenant_id;
END;
