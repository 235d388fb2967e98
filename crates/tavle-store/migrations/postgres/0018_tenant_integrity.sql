-- Tenant integrity in the schema (PostgreSQL): a row may refer only to rows of its own tenant,
-- and the database refuses anything else, whatever query tried it. The references are declared
-- in `tavle-store/src/tenant_tables.rs` (the registry of tenant tables), which the store's
-- `tenant_integrity` suite walks to try each one across tenants on both backends.
--
-- Declared foreign keys become composite keys, (tenant_id, x_id) REFERENCES parent (tenant_id,
-- id), named <table>_<column>_tenant_fkey. References by meaning (a column naming a person, a
-- group or a school by a kind column; '' or 'team-N' sentinels; a column that may name a row
-- that does not exist yet or any more, such as `space.root_id` or `node.created_by`) cannot be
-- foreign keys without changing what the application may store, so triggers check them: they
-- raise `cross-tenant reference: <table>.<column>` only when the value names a row of another
-- tenant, as SQLite's triggers do.
--
-- Every table that refers to another has its own tenant_id, so no table needed one added.

-- What composite keys refer to must be unique: (tenant_id, id) is, since id is.
ALTER TABLE school ADD CONSTRAINT school_tenant_id_id_key UNIQUE (tenant_id, id);
ALTER TABLE school_year ADD CONSTRAINT school_year_tenant_id_id_key UNIQUE (tenant_id, id);
ALTER TABLE person ADD CONSTRAINT person_tenant_id_id_key UNIQUE (tenant_id, id);
ALTER TABLE grp ADD CONSTRAINT grp_tenant_id_id_key UNIQUE (tenant_id, id);
ALTER TABLE space ADD CONSTRAINT space_tenant_id_id_key UNIQUE (tenant_id, id);
ALTER TABLE node ADD CONSTRAINT node_tenant_id_id_key UNIQUE (tenant_id, id);
ALTER TABLE blob ADD CONSTRAINT blob_tenant_id_id_key UNIQUE (tenant_id, id);
ALTER TABLE upload_session ADD CONSTRAINT upload_session_tenant_id_id_key UNIQUE (tenant_id, id);
ALTER TABLE assignment ADD CONSTRAINT assignment_tenant_id_id_key UNIQUE (tenant_id, id);
ALTER TABLE hand_in ADD CONSTRAINT hand_in_tenant_id_id_key UNIQUE (tenant_id, id);

-- Each declared foreign key becomes a composite one that includes the tenant; the single-column
-- key it replaces is dropped, because the composite key implies it and keeping both would cost
-- a second index lookup on every insert of a node, blob reference or hand-in. Adding a key
-- checks the existing rows, so the migration fails on a cross-tenant reference already there.
ALTER TABLE school_year DROP CONSTRAINT school_year_school_id_fkey,
    ADD CONSTRAINT school_year_school_id_tenant_fkey FOREIGN KEY (tenant_id, school_id) REFERENCES school (tenant_id, id);
ALTER TABLE grp DROP CONSTRAINT grp_school_id_fkey,
    ADD CONSTRAINT grp_school_id_tenant_fkey FOREIGN KEY (tenant_id, school_id) REFERENCES school (tenant_id, id);
ALTER TABLE grp DROP CONSTRAINT grp_school_year_id_fkey,
    ADD CONSTRAINT grp_school_year_id_tenant_fkey FOREIGN KEY (tenant_id, school_year_id) REFERENCES school_year (tenant_id, id);
ALTER TABLE login DROP CONSTRAINT login_person_id_fkey,
    ADD CONSTRAINT login_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id);
ALTER TABLE external_identity DROP CONSTRAINT external_identity_person_id_fkey,
    ADD CONSTRAINT external_identity_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id);
ALTER TABLE person_school DROP CONSTRAINT person_school_person_id_fkey,
    ADD CONSTRAINT person_school_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id);
ALTER TABLE person_school DROP CONSTRAINT person_school_school_id_fkey,
    ADD CONSTRAINT person_school_school_id_tenant_fkey FOREIGN KEY (tenant_id, school_id) REFERENCES school (tenant_id, id);
ALTER TABLE membership DROP CONSTRAINT membership_group_id_fkey,
    ADD CONSTRAINT membership_group_id_tenant_fkey FOREIGN KEY (tenant_id, group_id) REFERENCES grp (tenant_id, id);
ALTER TABLE membership DROP CONSTRAINT membership_person_id_fkey,
    ADD CONSTRAINT membership_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id);
ALTER TABLE staff_role DROP CONSTRAINT staff_role_person_id_fkey,
    ADD CONSTRAINT staff_role_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id);
ALTER TABLE session DROP CONSTRAINT session_person_id_fkey,
    ADD CONSTRAINT session_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id);
ALTER TABLE node DROP CONSTRAINT node_space_id_fkey,
    ADD CONSTRAINT node_space_id_tenant_fkey FOREIGN KEY (tenant_id, space_id) REFERENCES space (tenant_id, id);
ALTER TABLE node DROP CONSTRAINT node_parent_id_fkey,
    ADD CONSTRAINT node_parent_id_tenant_fkey FOREIGN KEY (tenant_id, parent_id) REFERENCES node (tenant_id, id);
ALTER TABLE node DROP CONSTRAINT node_blob_id_fkey,
    ADD CONSTRAINT node_blob_id_tenant_fkey FOREIGN KEY (tenant_id, blob_id) REFERENCES blob (tenant_id, id);
ALTER TABLE file_version DROP CONSTRAINT file_version_node_id_fkey,
    ADD CONSTRAINT file_version_node_id_tenant_fkey FOREIGN KEY (tenant_id, node_id) REFERENCES node (tenant_id, id);
ALTER TABLE file_version DROP CONSTRAINT file_version_blob_id_fkey,
    ADD CONSTRAINT file_version_blob_id_tenant_fkey FOREIGN KEY (tenant_id, blob_id) REFERENCES blob (tenant_id, id);
ALTER TABLE app_password DROP CONSTRAINT app_password_person_id_fkey,
    ADD CONSTRAINT app_password_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id);
ALTER TABLE dav_lock DROP CONSTRAINT dav_lock_space_id_fkey,
    ADD CONSTRAINT dav_lock_space_id_tenant_fkey FOREIGN KEY (tenant_id, space_id) REFERENCES space (tenant_id, id);
ALTER TABLE dav_property DROP CONSTRAINT dav_property_node_id_fkey,
    ADD CONSTRAINT dav_property_node_id_tenant_fkey FOREIGN KEY (tenant_id, node_id) REFERENCES node (tenant_id, id);
ALTER TABLE upload_session DROP CONSTRAINT upload_session_person_id_fkey,
    ADD CONSTRAINT upload_session_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id);
ALTER TABLE upload_part DROP CONSTRAINT upload_part_upload_id_fkey,
    ADD CONSTRAINT upload_part_upload_id_tenant_fkey FOREIGN KEY (tenant_id, upload_id) REFERENCES upload_session (tenant_id, id);
ALTER TABLE login_flow DROP CONSTRAINT login_flow_person_id_fkey,
    ADD CONSTRAINT login_flow_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id) MATCH FULL;
ALTER TABLE share DROP CONSTRAINT share_node_id_fkey,
    ADD CONSTRAINT share_node_id_tenant_fkey FOREIGN KEY (tenant_id, node_id) REFERENCES node (tenant_id, id);
ALTER TABLE share DROP CONSTRAINT share_created_by_fkey,
    ADD CONSTRAINT share_created_by_tenant_fkey FOREIGN KEY (tenant_id, created_by) REFERENCES person (tenant_id, id);
ALTER TABLE share_link DROP CONSTRAINT share_link_node_id_fkey,
    ADD CONSTRAINT share_link_node_id_tenant_fkey FOREIGN KEY (tenant_id, node_id) REFERENCES node (tenant_id, id);
ALTER TABLE share_link DROP CONSTRAINT share_link_created_by_fkey,
    ADD CONSTRAINT share_link_created_by_tenant_fkey FOREIGN KEY (tenant_id, created_by) REFERENCES person (tenant_id, id);
ALTER TABLE assignment DROP CONSTRAINT assignment_school_id_fkey,
    ADD CONSTRAINT assignment_school_id_tenant_fkey FOREIGN KEY (tenant_id, school_id) REFERENCES school (tenant_id, id);
ALTER TABLE assignment DROP CONSTRAINT assignment_group_id_fkey,
    ADD CONSTRAINT assignment_group_id_tenant_fkey FOREIGN KEY (tenant_id, group_id) REFERENCES grp (tenant_id, id);
ALTER TABLE assignment DROP CONSTRAINT assignment_created_by_fkey,
    ADD CONSTRAINT assignment_created_by_tenant_fkey FOREIGN KEY (tenant_id, created_by) REFERENCES person (tenant_id, id);
ALTER TABLE hand_in DROP CONSTRAINT hand_in_assignment_id_fkey,
    ADD CONSTRAINT hand_in_assignment_id_tenant_fkey FOREIGN KEY (tenant_id, assignment_id) REFERENCES assignment (tenant_id, id);
ALTER TABLE hand_in DROP CONSTRAINT hand_in_pupil_id_fkey,
    ADD CONSTRAINT hand_in_pupil_id_tenant_fkey FOREIGN KEY (tenant_id, pupil_id) REFERENCES person (tenant_id, id);
ALTER TABLE hand_in_file DROP CONSTRAINT hand_in_file_hand_in_id_fkey,
    ADD CONSTRAINT hand_in_file_hand_in_id_tenant_fkey FOREIGN KEY (tenant_id, hand_in_id) REFERENCES hand_in (tenant_id, id);
ALTER TABLE hand_in_file DROP CONSTRAINT hand_in_file_blob_id_fkey,
    ADD CONSTRAINT hand_in_file_blob_id_tenant_fkey FOREIGN KEY (tenant_id, blob_id) REFERENCES blob (tenant_id, id);
ALTER TABLE assignment_change DROP CONSTRAINT assignment_change_assignment_id_fkey,
    ADD CONSTRAINT assignment_change_assignment_id_tenant_fkey FOREIGN KEY (tenant_id, assignment_id) REFERENCES assignment (tenant_id, id);
ALTER TABLE assignment_change DROP CONSTRAINT assignment_change_changed_by_fkey,
    ADD CONSTRAINT assignment_change_changed_by_tenant_fkey FOREIGN KEY (tenant_id, changed_by) REFERENCES person (tenant_id, id);
ALTER TABLE assignment_extra_time DROP CONSTRAINT assignment_extra_time_assignment_id_fkey,
    ADD CONSTRAINT assignment_extra_time_assignment_id_tenant_fkey FOREIGN KEY (tenant_id, assignment_id) REFERENCES assignment (tenant_id, id);
ALTER TABLE assignment_extra_time DROP CONSTRAINT assignment_extra_time_pupil_id_fkey,
    ADD CONSTRAINT assignment_extra_time_pupil_id_tenant_fkey FOREIGN KEY (tenant_id, pupil_id) REFERENCES person (tenant_id, id);
ALTER TABLE exam_start DROP CONSTRAINT exam_start_assignment_id_fkey,
    ADD CONSTRAINT exam_start_assignment_id_tenant_fkey FOREIGN KEY (tenant_id, assignment_id) REFERENCES assignment (tenant_id, id);
ALTER TABLE exam_start DROP CONSTRAINT exam_start_pupil_id_fkey,
    ADD CONSTRAINT exam_start_pupil_id_tenant_fkey FOREIGN KEY (tenant_id, pupil_id) REFERENCES person (tenant_id, id);
ALTER TABLE assignment_pupil DROP CONSTRAINT assignment_pupil_assignment_id_fkey,
    ADD CONSTRAINT assignment_pupil_assignment_id_tenant_fkey FOREIGN KEY (tenant_id, assignment_id) REFERENCES assignment (tenant_id, id);
ALTER TABLE assignment_pupil DROP CONSTRAINT assignment_pupil_pupil_id_fkey,
    ADD CONSTRAINT assignment_pupil_pupil_id_tenant_fkey FOREIGN KEY (tenant_id, pupil_id) REFERENCES person (tenant_id, id);
ALTER TABLE assignment_file DROP CONSTRAINT assignment_file_assignment_id_fkey,
    ADD CONSTRAINT assignment_file_assignment_id_tenant_fkey FOREIGN KEY (tenant_id, assignment_id) REFERENCES assignment (tenant_id, id);
ALTER TABLE assignment_file DROP CONSTRAINT assignment_file_blob_id_fkey,
    ADD CONSTRAINT assignment_file_blob_id_tenant_fkey FOREIGN KEY (tenant_id, blob_id) REFERENCES blob (tenant_id, id);
ALTER TABLE assignment_work DROP CONSTRAINT assignment_work_assignment_id_fkey,
    ADD CONSTRAINT assignment_work_assignment_id_tenant_fkey FOREIGN KEY (tenant_id, assignment_id) REFERENCES assignment (tenant_id, id);
ALTER TABLE assignment_work DROP CONSTRAINT assignment_work_folder_id_fkey,
    ADD CONSTRAINT assignment_work_folder_id_tenant_fkey FOREIGN KEY (tenant_id, folder_id) REFERENCES node (tenant_id, id);
ALTER TABLE assignment_work DROP CONSTRAINT assignment_work_created_by_fkey,
    ADD CONSTRAINT assignment_work_created_by_tenant_fkey FOREIGN KEY (tenant_id, created_by) REFERENCES person (tenant_id, id);
ALTER TABLE feedback_file DROP CONSTRAINT feedback_file_hand_in_id_fkey,
    ADD CONSTRAINT feedback_file_hand_in_id_tenant_fkey FOREIGN KEY (tenant_id, hand_in_id) REFERENCES hand_in (tenant_id, id);
ALTER TABLE feedback_file DROP CONSTRAINT feedback_file_blob_id_fkey,
    ADD CONSTRAINT feedback_file_blob_id_tenant_fkey FOREIGN KEY (tenant_id, blob_id) REFERENCES blob (tenant_id, id);
ALTER TABLE login_device DROP CONSTRAINT login_device_person_id_fkey,
    ADD CONSTRAINT login_device_person_id_tenant_fkey FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id);

-- References by meaning are checked by triggers, as on SQLite. Existing rows first:
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM staff_role c JOIN school p ON p.id = c.school_id WHERE p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: staff_role.school_id';
    END IF;
    IF EXISTS (SELECT 1 FROM space c JOIN person p ON p.id = c.owner_id WHERE c.kind = 'personal' AND p.tenant_id IS DISTINCT FROM c.tenant_id) OR EXISTS (SELECT 1 FROM space c JOIN grp p ON p.id = c.owner_id WHERE c.kind = 'group' AND p.tenant_id IS DISTINCT FROM c.tenant_id) OR EXISTS (SELECT 1 FROM space c JOIN school p ON p.id = c.owner_id WHERE c.kind = 'staff' AND p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: space.owner_id';
    END IF;
    IF EXISTS (SELECT 1 FROM space c JOIN school p ON p.id = c.school_id WHERE p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: space.school_id';
    END IF;
    IF EXISTS (SELECT 1 FROM space c JOIN node p ON p.id = c.root_id WHERE p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: space.root_id';
    END IF;
    IF EXISTS (SELECT 1 FROM node c JOIN person p ON p.id = c.created_by WHERE p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: node.created_by';
    END IF;
    IF EXISTS (SELECT 1 FROM node c JOIN person p ON p.id = c.modified_by WHERE p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: node.modified_by';
    END IF;
    IF EXISTS (SELECT 1 FROM node c JOIN person p ON p.id = c.trashed_by WHERE p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: node.trashed_by';
    END IF;
    IF EXISTS (SELECT 1 FROM file_version c JOIN person p ON p.id = c.modified_by WHERE p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: file_version.modified_by';
    END IF;
    IF EXISTS (SELECT 1 FROM dav_lock c JOIN person p ON p.id = c.principal WHERE p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: dav_lock.principal';
    END IF;
    IF EXISTS (SELECT 1 FROM upload_session c JOIN node p ON p.id = c.folder_id WHERE p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: upload_session.folder_id';
    END IF;
    IF EXISTS (SELECT 1 FROM share c JOIN person p ON p.id = c.grantee_id WHERE c.grantee_kind = 'person' AND p.tenant_id IS DISTINCT FROM c.tenant_id) OR EXISTS (SELECT 1 FROM share c JOIN grp p ON p.id = c.grantee_id WHERE c.grantee_kind = 'group' AND p.tenant_id IS DISTINCT FROM c.tenant_id) OR EXISTS (SELECT 1 FROM share c JOIN school p ON p.id = c.grantee_id WHERE c.grantee_kind = 'school' AND p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: share.grantee_id';
    END IF;
    IF EXISTS (SELECT 1 FROM assignment_work c JOIN person p ON p.id = c.slot WHERE p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: assignment_work.slot';
    END IF;
    IF EXISTS (SELECT 1 FROM audit_event c JOIN person p ON p.id = c.actor_id WHERE p.tenant_id IS DISTINCT FROM c.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference in existing rows: audit_event.actor_id';
    END IF;
END $$;

-- One function per table checks all of its references by meaning; the update trigger calls it
-- only when one of those columns or the tenant really changed.

CREATE FUNCTION tavle_staff_role_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: staff_role.school_id' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER staff_role_tenant_insert BEFORE INSERT ON staff_role
    FOR EACH ROW EXECUTE FUNCTION tavle_staff_role_same_tenant();
CREATE TRIGGER staff_role_tenant_update BEFORE UPDATE OF school_id, tenant_id ON staff_role
    FOR EACH ROW WHEN (NEW.school_id IS DISTINCT FROM OLD.school_id OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id)
    EXECUTE FUNCTION tavle_staff_role_same_tenant();

CREATE FUNCTION tavle_space_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM person WHERE NEW.kind = 'personal' AND id = NEW.owner_id AND tenant_id IS DISTINCT FROM NEW.tenant_id)
        OR EXISTS (SELECT 1 FROM grp WHERE NEW.kind = 'group' AND id = NEW.owner_id AND tenant_id IS DISTINCT FROM NEW.tenant_id)
        OR EXISTS (SELECT 1 FROM school WHERE NEW.kind = 'staff' AND id = NEW.owner_id AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: space.owner_id' USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: space.school_id' USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM node WHERE id = NEW.root_id AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: space.root_id' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER space_tenant_insert BEFORE INSERT ON space
    FOR EACH ROW EXECUTE FUNCTION tavle_space_same_tenant();
CREATE TRIGGER space_tenant_update BEFORE UPDATE OF owner_id, kind, school_id, root_id, tenant_id ON space
    FOR EACH ROW WHEN (NEW.owner_id IS DISTINCT FROM OLD.owner_id OR NEW.kind IS DISTINCT FROM OLD.kind OR NEW.school_id IS DISTINCT FROM OLD.school_id OR NEW.root_id IS DISTINCT FROM OLD.root_id OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id)
    EXECUTE FUNCTION tavle_space_same_tenant();

CREATE FUNCTION tavle_node_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: node.created_by' USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM person WHERE id = NEW.modified_by AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: node.modified_by' USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM person WHERE id = NEW.trashed_by AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: node.trashed_by' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER node_tenant_insert BEFORE INSERT ON node
    FOR EACH ROW EXECUTE FUNCTION tavle_node_same_tenant();
CREATE TRIGGER node_tenant_update BEFORE UPDATE OF created_by, modified_by, trashed_by, tenant_id ON node
    FOR EACH ROW WHEN (NEW.created_by IS DISTINCT FROM OLD.created_by OR NEW.modified_by IS DISTINCT FROM OLD.modified_by OR NEW.trashed_by IS DISTINCT FROM OLD.trashed_by OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id)
    EXECUTE FUNCTION tavle_node_same_tenant();

CREATE FUNCTION tavle_file_version_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM person WHERE id = NEW.modified_by AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: file_version.modified_by' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER file_version_tenant_insert BEFORE INSERT ON file_version
    FOR EACH ROW EXECUTE FUNCTION tavle_file_version_same_tenant();
CREATE TRIGGER file_version_tenant_update BEFORE UPDATE OF modified_by, tenant_id ON file_version
    FOR EACH ROW WHEN (NEW.modified_by IS DISTINCT FROM OLD.modified_by OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id)
    EXECUTE FUNCTION tavle_file_version_same_tenant();

CREATE FUNCTION tavle_dav_lock_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM person WHERE id = NEW.principal AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: dav_lock.principal' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER dav_lock_tenant_insert BEFORE INSERT ON dav_lock
    FOR EACH ROW EXECUTE FUNCTION tavle_dav_lock_same_tenant();
CREATE TRIGGER dav_lock_tenant_update BEFORE UPDATE OF principal, tenant_id ON dav_lock
    FOR EACH ROW WHEN (NEW.principal IS DISTINCT FROM OLD.principal OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id)
    EXECUTE FUNCTION tavle_dav_lock_same_tenant();

CREATE FUNCTION tavle_upload_session_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM node WHERE id = NEW.folder_id AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: upload_session.folder_id' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER upload_session_tenant_insert BEFORE INSERT ON upload_session
    FOR EACH ROW EXECUTE FUNCTION tavle_upload_session_same_tenant();
CREATE TRIGGER upload_session_tenant_update BEFORE UPDATE OF folder_id, tenant_id ON upload_session
    FOR EACH ROW WHEN (NEW.folder_id IS DISTINCT FROM OLD.folder_id OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id)
    EXECUTE FUNCTION tavle_upload_session_same_tenant();

CREATE FUNCTION tavle_share_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM person WHERE NEW.grantee_kind = 'person' AND id = NEW.grantee_id AND tenant_id IS DISTINCT FROM NEW.tenant_id)
        OR EXISTS (SELECT 1 FROM grp WHERE NEW.grantee_kind = 'group' AND id = NEW.grantee_id AND tenant_id IS DISTINCT FROM NEW.tenant_id)
        OR EXISTS (SELECT 1 FROM school WHERE NEW.grantee_kind = 'school' AND id = NEW.grantee_id AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: share.grantee_id' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER share_tenant_insert BEFORE INSERT ON share
    FOR EACH ROW EXECUTE FUNCTION tavle_share_same_tenant();
CREATE TRIGGER share_tenant_update BEFORE UPDATE OF grantee_id, grantee_kind, tenant_id ON share
    FOR EACH ROW WHEN (NEW.grantee_id IS DISTINCT FROM OLD.grantee_id OR NEW.grantee_kind IS DISTINCT FROM OLD.grantee_kind OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id)
    EXECUTE FUNCTION tavle_share_same_tenant();

CREATE FUNCTION tavle_assignment_work_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM person WHERE id = NEW.slot AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: assignment_work.slot' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER assignment_work_tenant_insert BEFORE INSERT ON assignment_work
    FOR EACH ROW EXECUTE FUNCTION tavle_assignment_work_same_tenant();
CREATE TRIGGER assignment_work_tenant_update BEFORE UPDATE OF slot, tenant_id ON assignment_work
    FOR EACH ROW WHEN (NEW.slot IS DISTINCT FROM OLD.slot OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id)
    EXECUTE FUNCTION tavle_assignment_work_same_tenant();

CREATE FUNCTION tavle_audit_event_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM person WHERE id = NEW.actor_id AND tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
        RAISE EXCEPTION 'cross-tenant reference: audit_event.actor_id' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_event_tenant_insert BEFORE INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION tavle_audit_event_same_tenant();
CREATE TRIGGER audit_event_tenant_update BEFORE UPDATE OF actor_id, tenant_id ON audit_event
    FOR EACH ROW WHEN (NEW.actor_id IS DISTINCT FROM OLD.actor_id OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id)
    EXECUTE FUNCTION tavle_audit_event_same_tenant();

-- A row that others refer to keeps its tenant. Composite keys already refuse moving a parent
-- that has children; this also covers the references by meaning.
CREATE FUNCTION tavle_tenant_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'cross-tenant reference: %.tenant_id cannot change', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
END $$;
CREATE TRIGGER school_tenant_fixed BEFORE UPDATE OF tenant_id ON school
    FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION tavle_tenant_fixed();
CREATE TRIGGER school_year_tenant_fixed BEFORE UPDATE OF tenant_id ON school_year
    FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION tavle_tenant_fixed();
CREATE TRIGGER person_tenant_fixed BEFORE UPDATE OF tenant_id ON person
    FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION tavle_tenant_fixed();
CREATE TRIGGER grp_tenant_fixed BEFORE UPDATE OF tenant_id ON grp
    FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION tavle_tenant_fixed();
CREATE TRIGGER node_tenant_fixed BEFORE UPDATE OF tenant_id ON node
    FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION tavle_tenant_fixed();
CREATE TRIGGER space_tenant_fixed BEFORE UPDATE OF tenant_id ON space
    FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION tavle_tenant_fixed();
CREATE TRIGGER blob_tenant_fixed BEFORE UPDATE OF tenant_id ON blob
    FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION tavle_tenant_fixed();
CREATE TRIGGER upload_session_tenant_fixed BEFORE UPDATE OF tenant_id ON upload_session
    FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION tavle_tenant_fixed();
CREATE TRIGGER assignment_tenant_fixed BEFORE UPDATE OF tenant_id ON assignment
    FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION tavle_tenant_fixed();
CREATE TRIGGER hand_in_tenant_fixed BEFORE UPDATE OF tenant_id ON hand_in
    FOR EACH ROW WHEN (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id) EXECUTE FUNCTION tavle_tenant_fixed();
