-- Tenant integrity in the schema (SQLite): a row may refer only to rows of its own tenant, and
-- the database refuses anything else, whatever query tried it. The references are declared in
-- `tavle-store/src/tenant_tables.rs` (the registry of tenant tables), which the store's
-- `tenant_integrity` suite walks to try each one across tenants on both backends.
--
-- SQLite cannot add a constraint to a table without rebuilding it, so the equivalent of
-- PostgreSQL's composite foreign keys is a pair of triggers per referring column: BEFORE INSERT,
-- and BEFORE UPDATE OF the column (or the row's tenant). Each looks the parent up by its
-- primary key and raises `cross-tenant reference: <table>.<column>` when the parent belongs to
-- another tenant. A parent that does not exist is left to the foreign key where there is one
-- (a reference by meaning, such as `space.owner_id` or `node.created_by`, may name a row that
-- does not exist yet, or any more, or a sentinel such as '' or 'team-N', as before).
--
-- Every table that refers to another has its own tenant_id, so no table needed one added.

-- The migration refuses to run on a database that already holds a cross-tenant reference: the
-- failing constraint names it (table.column). Each check is one scan of the child with a
-- primary-key lookup per row.
CREATE TEMP TABLE tavle_0018_existing (
    "school_year.school_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: school_year.school_id" CHECK ("school_year.school_id" = 0),
    "grp.school_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: grp.school_id" CHECK ("grp.school_id" = 0),
    "grp.school_year_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: grp.school_year_id" CHECK ("grp.school_year_id" = 0),
    "login.person_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: login.person_id" CHECK ("login.person_id" = 0),
    "external_identity.person_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: external_identity.person_id" CHECK ("external_identity.person_id" = 0),
    "person_school.person_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: person_school.person_id" CHECK ("person_school.person_id" = 0),
    "person_school.school_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: person_school.school_id" CHECK ("person_school.school_id" = 0),
    "membership.group_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: membership.group_id" CHECK ("membership.group_id" = 0),
    "membership.person_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: membership.person_id" CHECK ("membership.person_id" = 0),
    "staff_role.person_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: staff_role.person_id" CHECK ("staff_role.person_id" = 0),
    "staff_role.school_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: staff_role.school_id" CHECK ("staff_role.school_id" = 0),
    "session.person_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: session.person_id" CHECK ("session.person_id" = 0),
    "space.owner_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: space.owner_id" CHECK ("space.owner_id" = 0),
    "space.school_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: space.school_id" CHECK ("space.school_id" = 0),
    "space.root_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: space.root_id" CHECK ("space.root_id" = 0),
    "node.space_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: node.space_id" CHECK ("node.space_id" = 0),
    "node.parent_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: node.parent_id" CHECK ("node.parent_id" = 0),
    "node.blob_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: node.blob_id" CHECK ("node.blob_id" = 0),
    "node.created_by" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: node.created_by" CHECK ("node.created_by" = 0),
    "node.modified_by" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: node.modified_by" CHECK ("node.modified_by" = 0),
    "node.trashed_by" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: node.trashed_by" CHECK ("node.trashed_by" = 0),
    "file_version.node_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: file_version.node_id" CHECK ("file_version.node_id" = 0),
    "file_version.blob_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: file_version.blob_id" CHECK ("file_version.blob_id" = 0),
    "file_version.modified_by" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: file_version.modified_by" CHECK ("file_version.modified_by" = 0),
    "app_password.person_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: app_password.person_id" CHECK ("app_password.person_id" = 0),
    "dav_lock.space_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: dav_lock.space_id" CHECK ("dav_lock.space_id" = 0),
    "dav_lock.principal" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: dav_lock.principal" CHECK ("dav_lock.principal" = 0),
    "dav_property.node_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: dav_property.node_id" CHECK ("dav_property.node_id" = 0),
    "upload_session.person_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: upload_session.person_id" CHECK ("upload_session.person_id" = 0),
    "upload_session.folder_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: upload_session.folder_id" CHECK ("upload_session.folder_id" = 0),
    "upload_part.upload_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: upload_part.upload_id" CHECK ("upload_part.upload_id" = 0),
    "login_flow.person_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: login_flow.person_id" CHECK ("login_flow.person_id" = 0),
    "share.node_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: share.node_id" CHECK ("share.node_id" = 0),
    "share.created_by" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: share.created_by" CHECK ("share.created_by" = 0),
    "share.grantee_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: share.grantee_id" CHECK ("share.grantee_id" = 0),
    "share_link.node_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: share_link.node_id" CHECK ("share_link.node_id" = 0),
    "share_link.created_by" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: share_link.created_by" CHECK ("share_link.created_by" = 0),
    "assignment.school_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment.school_id" CHECK ("assignment.school_id" = 0),
    "assignment.group_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment.group_id" CHECK ("assignment.group_id" = 0),
    "assignment.created_by" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment.created_by" CHECK ("assignment.created_by" = 0),
    "hand_in.assignment_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: hand_in.assignment_id" CHECK ("hand_in.assignment_id" = 0),
    "hand_in.pupil_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: hand_in.pupil_id" CHECK ("hand_in.pupil_id" = 0),
    "hand_in_file.hand_in_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: hand_in_file.hand_in_id" CHECK ("hand_in_file.hand_in_id" = 0),
    "hand_in_file.blob_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: hand_in_file.blob_id" CHECK ("hand_in_file.blob_id" = 0),
    "assignment_change.assignment_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_change.assignment_id" CHECK ("assignment_change.assignment_id" = 0),
    "assignment_change.changed_by" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_change.changed_by" CHECK ("assignment_change.changed_by" = 0),
    "assignment_extra_time.assignment_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_extra_time.assignment_id" CHECK ("assignment_extra_time.assignment_id" = 0),
    "assignment_extra_time.pupil_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_extra_time.pupil_id" CHECK ("assignment_extra_time.pupil_id" = 0),
    "exam_start.assignment_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: exam_start.assignment_id" CHECK ("exam_start.assignment_id" = 0),
    "exam_start.pupil_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: exam_start.pupil_id" CHECK ("exam_start.pupil_id" = 0),
    "assignment_pupil.assignment_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_pupil.assignment_id" CHECK ("assignment_pupil.assignment_id" = 0),
    "assignment_pupil.pupil_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_pupil.pupil_id" CHECK ("assignment_pupil.pupil_id" = 0),
    "assignment_file.assignment_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_file.assignment_id" CHECK ("assignment_file.assignment_id" = 0),
    "assignment_file.blob_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_file.blob_id" CHECK ("assignment_file.blob_id" = 0),
    "assignment_work.assignment_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_work.assignment_id" CHECK ("assignment_work.assignment_id" = 0),
    "assignment_work.folder_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_work.folder_id" CHECK ("assignment_work.folder_id" = 0),
    "assignment_work.created_by" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_work.created_by" CHECK ("assignment_work.created_by" = 0),
    "assignment_work.slot" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: assignment_work.slot" CHECK ("assignment_work.slot" = 0),
    "feedback_file.hand_in_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: feedback_file.hand_in_id" CHECK ("feedback_file.hand_in_id" = 0),
    "feedback_file.blob_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: feedback_file.blob_id" CHECK ("feedback_file.blob_id" = 0),
    "login_device.person_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: login_device.person_id" CHECK ("login_device.person_id" = 0),
    "audit_event.actor_id" INTEGER NOT NULL CONSTRAINT "cross-tenant reference in existing rows: audit_event.actor_id" CHECK ("audit_event.actor_id" = 0)
);
INSERT INTO tavle_0018_existing VALUES (
    EXISTS (SELECT 1 FROM school_year c JOIN school p ON p.id = c.school_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM grp c JOIN school p ON p.id = c.school_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM grp c JOIN school_year p ON p.id = c.school_year_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM login c JOIN person p ON p.id = c.person_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM external_identity c JOIN person p ON p.id = c.person_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM person_school c JOIN person p ON p.id = c.person_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM person_school c JOIN school p ON p.id = c.school_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM membership c JOIN grp p ON p.id = c.group_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM membership c JOIN person p ON p.id = c.person_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM staff_role c JOIN person p ON p.id = c.person_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM staff_role c JOIN school p ON p.id = c.school_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM session c JOIN person p ON p.id = c.person_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM space c JOIN person p ON p.id = c.owner_id WHERE c.kind = 'personal' AND p.tenant_id IS NOT c.tenant_id) OR EXISTS (SELECT 1 FROM space c JOIN grp p ON p.id = c.owner_id WHERE c.kind = 'group' AND p.tenant_id IS NOT c.tenant_id) OR EXISTS (SELECT 1 FROM space c JOIN school p ON p.id = c.owner_id WHERE c.kind = 'staff' AND p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM space c JOIN school p ON p.id = c.school_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM space c JOIN node p ON p.id = c.root_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM node c JOIN space p ON p.id = c.space_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM node c JOIN node p ON p.id = c.parent_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM node c JOIN blob p ON p.id = c.blob_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM node c JOIN person p ON p.id = c.created_by WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM node c JOIN person p ON p.id = c.modified_by WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM node c JOIN person p ON p.id = c.trashed_by WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM file_version c JOIN node p ON p.id = c.node_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM file_version c JOIN blob p ON p.id = c.blob_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM file_version c JOIN person p ON p.id = c.modified_by WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM app_password c JOIN person p ON p.id = c.person_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM dav_lock c JOIN space p ON p.id = c.space_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM dav_lock c JOIN person p ON p.id = c.principal WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM dav_property c JOIN node p ON p.id = c.node_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM upload_session c JOIN person p ON p.id = c.person_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM upload_session c JOIN node p ON p.id = c.folder_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM upload_part c JOIN upload_session p ON p.id = c.upload_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM login_flow c JOIN person p ON p.id = c.person_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM share c JOIN node p ON p.id = c.node_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM share c JOIN person p ON p.id = c.created_by WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM share c JOIN person p ON p.id = c.grantee_id WHERE c.grantee_kind = 'person' AND p.tenant_id IS NOT c.tenant_id) OR EXISTS (SELECT 1 FROM share c JOIN grp p ON p.id = c.grantee_id WHERE c.grantee_kind = 'group' AND p.tenant_id IS NOT c.tenant_id) OR EXISTS (SELECT 1 FROM share c JOIN school p ON p.id = c.grantee_id WHERE c.grantee_kind = 'school' AND p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM share_link c JOIN node p ON p.id = c.node_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM share_link c JOIN person p ON p.id = c.created_by WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment c JOIN school p ON p.id = c.school_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment c JOIN grp p ON p.id = c.group_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment c JOIN person p ON p.id = c.created_by WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM hand_in c JOIN assignment p ON p.id = c.assignment_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM hand_in c JOIN person p ON p.id = c.pupil_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM hand_in_file c JOIN hand_in p ON p.id = c.hand_in_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM hand_in_file c JOIN blob p ON p.id = c.blob_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_change c JOIN assignment p ON p.id = c.assignment_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_change c JOIN person p ON p.id = c.changed_by WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_extra_time c JOIN assignment p ON p.id = c.assignment_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_extra_time c JOIN person p ON p.id = c.pupil_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM exam_start c JOIN assignment p ON p.id = c.assignment_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM exam_start c JOIN person p ON p.id = c.pupil_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_pupil c JOIN assignment p ON p.id = c.assignment_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_pupil c JOIN person p ON p.id = c.pupil_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_file c JOIN assignment p ON p.id = c.assignment_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_file c JOIN blob p ON p.id = c.blob_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_work c JOIN assignment p ON p.id = c.assignment_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_work c JOIN node p ON p.id = c.folder_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_work c JOIN person p ON p.id = c.created_by WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM assignment_work c JOIN person p ON p.id = c.slot WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM feedback_file c JOIN hand_in p ON p.id = c.hand_in_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM feedback_file c JOIN blob p ON p.id = c.blob_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM login_device c JOIN person p ON p.id = c.person_id WHERE p.tenant_id IS NOT c.tenant_id),
    EXISTS (SELECT 1 FROM audit_event c JOIN person p ON p.id = c.actor_id WHERE p.tenant_id IS NOT c.tenant_id)
);
DROP TABLE tavle_0018_existing;

-- One pair of triggers per referring column. The update trigger runs only when the column or
-- the row's tenant is in the statement's SET list, and looks the parent up only when one of
-- them really changed, so the frequent updates (ETags, sizes, times) cost nothing.

-- school_year
CREATE TRIGGER school_year_school_id_tenant_insert BEFORE INSERT ON school_year
WHEN EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: school_year.school_id'); END;
CREATE TRIGGER school_year_school_id_tenant_update BEFORE UPDATE OF school_id, tenant_id ON school_year
WHEN (NEW.school_id IS NOT OLD.school_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: school_year.school_id'); END;

-- grp
CREATE TRIGGER grp_school_id_tenant_insert BEFORE INSERT ON grp
WHEN EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: grp.school_id'); END;
CREATE TRIGGER grp_school_id_tenant_update BEFORE UPDATE OF school_id, tenant_id ON grp
WHEN (NEW.school_id IS NOT OLD.school_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: grp.school_id'); END;
CREATE TRIGGER grp_school_year_id_tenant_insert BEFORE INSERT ON grp
WHEN EXISTS (SELECT 1 FROM school_year WHERE id = NEW.school_year_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: grp.school_year_id'); END;
CREATE TRIGGER grp_school_year_id_tenant_update BEFORE UPDATE OF school_year_id, tenant_id ON grp
WHEN (NEW.school_year_id IS NOT OLD.school_year_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM school_year WHERE id = NEW.school_year_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: grp.school_year_id'); END;

-- login
CREATE TRIGGER login_person_id_tenant_insert BEFORE INSERT ON login
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: login.person_id'); END;
CREATE TRIGGER login_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON login
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: login.person_id'); END;

-- external_identity
CREATE TRIGGER external_identity_person_id_tenant_insert BEFORE INSERT ON external_identity
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: external_identity.person_id'); END;
CREATE TRIGGER external_identity_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON external_identity
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: external_identity.person_id'); END;

-- person_school
CREATE TRIGGER person_school_person_id_tenant_insert BEFORE INSERT ON person_school
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: person_school.person_id'); END;
CREATE TRIGGER person_school_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON person_school
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: person_school.person_id'); END;
CREATE TRIGGER person_school_school_id_tenant_insert BEFORE INSERT ON person_school
WHEN EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: person_school.school_id'); END;
CREATE TRIGGER person_school_school_id_tenant_update BEFORE UPDATE OF school_id, tenant_id ON person_school
WHEN (NEW.school_id IS NOT OLD.school_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: person_school.school_id'); END;

-- membership
CREATE TRIGGER membership_group_id_tenant_insert BEFORE INSERT ON membership
WHEN EXISTS (SELECT 1 FROM grp WHERE id = NEW.group_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: membership.group_id'); END;
CREATE TRIGGER membership_group_id_tenant_update BEFORE UPDATE OF group_id, tenant_id ON membership
WHEN (NEW.group_id IS NOT OLD.group_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM grp WHERE id = NEW.group_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: membership.group_id'); END;
CREATE TRIGGER membership_person_id_tenant_insert BEFORE INSERT ON membership
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: membership.person_id'); END;
CREATE TRIGGER membership_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON membership
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: membership.person_id'); END;

-- staff_role
CREATE TRIGGER staff_role_person_id_tenant_insert BEFORE INSERT ON staff_role
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: staff_role.person_id'); END;
CREATE TRIGGER staff_role_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON staff_role
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: staff_role.person_id'); END;
CREATE TRIGGER staff_role_school_id_tenant_insert BEFORE INSERT ON staff_role
WHEN EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: staff_role.school_id'); END;
CREATE TRIGGER staff_role_school_id_tenant_update BEFORE UPDATE OF school_id, tenant_id ON staff_role
WHEN (NEW.school_id IS NOT OLD.school_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: staff_role.school_id'); END;

-- session
CREATE TRIGGER session_person_id_tenant_insert BEFORE INSERT ON session
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: session.person_id'); END;
CREATE TRIGGER session_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON session
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: session.person_id'); END;

-- space
CREATE TRIGGER space_owner_id_tenant_insert BEFORE INSERT ON space
WHEN EXISTS (SELECT 1 FROM person WHERE NEW.kind = 'personal' AND id = NEW.owner_id AND tenant_id IS NOT NEW.tenant_id)
    OR EXISTS (SELECT 1 FROM grp WHERE NEW.kind = 'group' AND id = NEW.owner_id AND tenant_id IS NOT NEW.tenant_id)
    OR EXISTS (SELECT 1 FROM school WHERE NEW.kind = 'staff' AND id = NEW.owner_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: space.owner_id'); END;
CREATE TRIGGER space_owner_id_tenant_update BEFORE UPDATE OF owner_id, kind, tenant_id ON space
WHEN (NEW.owner_id IS NOT OLD.owner_id OR NEW.kind IS NOT OLD.kind OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND (EXISTS (SELECT 1 FROM person WHERE NEW.kind = 'personal' AND id = NEW.owner_id AND tenant_id IS NOT NEW.tenant_id)
    OR EXISTS (SELECT 1 FROM grp WHERE NEW.kind = 'group' AND id = NEW.owner_id AND tenant_id IS NOT NEW.tenant_id)
    OR EXISTS (SELECT 1 FROM school WHERE NEW.kind = 'staff' AND id = NEW.owner_id AND tenant_id IS NOT NEW.tenant_id))
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: space.owner_id'); END;
CREATE TRIGGER space_school_id_tenant_insert BEFORE INSERT ON space
WHEN EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: space.school_id'); END;
CREATE TRIGGER space_school_id_tenant_update BEFORE UPDATE OF school_id, tenant_id ON space
WHEN (NEW.school_id IS NOT OLD.school_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: space.school_id'); END;
CREATE TRIGGER space_root_id_tenant_insert BEFORE INSERT ON space
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.root_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: space.root_id'); END;
CREATE TRIGGER space_root_id_tenant_update BEFORE UPDATE OF root_id, tenant_id ON space
WHEN (NEW.root_id IS NOT OLD.root_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.root_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: space.root_id'); END;

-- node
CREATE TRIGGER node_space_id_tenant_insert BEFORE INSERT ON node
WHEN EXISTS (SELECT 1 FROM space WHERE id = NEW.space_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.space_id'); END;
CREATE TRIGGER node_space_id_tenant_update BEFORE UPDATE OF space_id, tenant_id ON node
WHEN (NEW.space_id IS NOT OLD.space_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM space WHERE id = NEW.space_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.space_id'); END;
CREATE TRIGGER node_parent_id_tenant_insert BEFORE INSERT ON node
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.parent_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.parent_id'); END;
CREATE TRIGGER node_parent_id_tenant_update BEFORE UPDATE OF parent_id, tenant_id ON node
WHEN (NEW.parent_id IS NOT OLD.parent_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.parent_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.parent_id'); END;
CREATE TRIGGER node_blob_id_tenant_insert BEFORE INSERT ON node
WHEN EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.blob_id'); END;
CREATE TRIGGER node_blob_id_tenant_update BEFORE UPDATE OF blob_id, tenant_id ON node
WHEN (NEW.blob_id IS NOT OLD.blob_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.blob_id'); END;
CREATE TRIGGER node_created_by_tenant_insert BEFORE INSERT ON node
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.created_by'); END;
CREATE TRIGGER node_created_by_tenant_update BEFORE UPDATE OF created_by, tenant_id ON node
WHEN (NEW.created_by IS NOT OLD.created_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.created_by'); END;
CREATE TRIGGER node_modified_by_tenant_insert BEFORE INSERT ON node
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.modified_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.modified_by'); END;
CREATE TRIGGER node_modified_by_tenant_update BEFORE UPDATE OF modified_by, tenant_id ON node
WHEN (NEW.modified_by IS NOT OLD.modified_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.modified_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.modified_by'); END;
CREATE TRIGGER node_trashed_by_tenant_insert BEFORE INSERT ON node
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.trashed_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.trashed_by'); END;
CREATE TRIGGER node_trashed_by_tenant_update BEFORE UPDATE OF trashed_by, tenant_id ON node
WHEN (NEW.trashed_by IS NOT OLD.trashed_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.trashed_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.trashed_by'); END;

-- file_version
CREATE TRIGGER file_version_node_id_tenant_insert BEFORE INSERT ON file_version
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: file_version.node_id'); END;
CREATE TRIGGER file_version_node_id_tenant_update BEFORE UPDATE OF node_id, tenant_id ON file_version
WHEN (NEW.node_id IS NOT OLD.node_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: file_version.node_id'); END;
CREATE TRIGGER file_version_blob_id_tenant_insert BEFORE INSERT ON file_version
WHEN EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: file_version.blob_id'); END;
CREATE TRIGGER file_version_blob_id_tenant_update BEFORE UPDATE OF blob_id, tenant_id ON file_version
WHEN (NEW.blob_id IS NOT OLD.blob_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: file_version.blob_id'); END;
CREATE TRIGGER file_version_modified_by_tenant_insert BEFORE INSERT ON file_version
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.modified_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: file_version.modified_by'); END;
CREATE TRIGGER file_version_modified_by_tenant_update BEFORE UPDATE OF modified_by, tenant_id ON file_version
WHEN (NEW.modified_by IS NOT OLD.modified_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.modified_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: file_version.modified_by'); END;

-- app_password
CREATE TRIGGER app_password_person_id_tenant_insert BEFORE INSERT ON app_password
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: app_password.person_id'); END;
CREATE TRIGGER app_password_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON app_password
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: app_password.person_id'); END;

-- dav_lock
CREATE TRIGGER dav_lock_space_id_tenant_insert BEFORE INSERT ON dav_lock
WHEN EXISTS (SELECT 1 FROM space WHERE id = NEW.space_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: dav_lock.space_id'); END;
CREATE TRIGGER dav_lock_space_id_tenant_update BEFORE UPDATE OF space_id, tenant_id ON dav_lock
WHEN (NEW.space_id IS NOT OLD.space_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM space WHERE id = NEW.space_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: dav_lock.space_id'); END;
CREATE TRIGGER dav_lock_principal_tenant_insert BEFORE INSERT ON dav_lock
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.principal AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: dav_lock.principal'); END;
CREATE TRIGGER dav_lock_principal_tenant_update BEFORE UPDATE OF principal, tenant_id ON dav_lock
WHEN (NEW.principal IS NOT OLD.principal OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.principal AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: dav_lock.principal'); END;

-- dav_property
CREATE TRIGGER dav_property_node_id_tenant_insert BEFORE INSERT ON dav_property
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: dav_property.node_id'); END;
CREATE TRIGGER dav_property_node_id_tenant_update BEFORE UPDATE OF node_id, tenant_id ON dav_property
WHEN (NEW.node_id IS NOT OLD.node_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: dav_property.node_id'); END;

-- upload_session
CREATE TRIGGER upload_session_person_id_tenant_insert BEFORE INSERT ON upload_session
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: upload_session.person_id'); END;
CREATE TRIGGER upload_session_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON upload_session
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: upload_session.person_id'); END;
CREATE TRIGGER upload_session_folder_id_tenant_insert BEFORE INSERT ON upload_session
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.folder_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: upload_session.folder_id'); END;
CREATE TRIGGER upload_session_folder_id_tenant_update BEFORE UPDATE OF folder_id, tenant_id ON upload_session
WHEN (NEW.folder_id IS NOT OLD.folder_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.folder_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: upload_session.folder_id'); END;

-- upload_part
CREATE TRIGGER upload_part_upload_id_tenant_insert BEFORE INSERT ON upload_part
WHEN EXISTS (SELECT 1 FROM upload_session WHERE id = NEW.upload_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: upload_part.upload_id'); END;
CREATE TRIGGER upload_part_upload_id_tenant_update BEFORE UPDATE OF upload_id, tenant_id ON upload_part
WHEN (NEW.upload_id IS NOT OLD.upload_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM upload_session WHERE id = NEW.upload_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: upload_part.upload_id'); END;

-- login_flow
CREATE TRIGGER login_flow_person_id_tenant_insert BEFORE INSERT ON login_flow
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: login_flow.person_id'); END;
CREATE TRIGGER login_flow_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON login_flow
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: login_flow.person_id'); END;

-- share
CREATE TRIGGER share_node_id_tenant_insert BEFORE INSERT ON share
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: share.node_id'); END;
CREATE TRIGGER share_node_id_tenant_update BEFORE UPDATE OF node_id, tenant_id ON share
WHEN (NEW.node_id IS NOT OLD.node_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: share.node_id'); END;
CREATE TRIGGER share_created_by_tenant_insert BEFORE INSERT ON share
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: share.created_by'); END;
CREATE TRIGGER share_created_by_tenant_update BEFORE UPDATE OF created_by, tenant_id ON share
WHEN (NEW.created_by IS NOT OLD.created_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: share.created_by'); END;
CREATE TRIGGER share_grantee_id_tenant_insert BEFORE INSERT ON share
WHEN EXISTS (SELECT 1 FROM person WHERE NEW.grantee_kind = 'person' AND id = NEW.grantee_id AND tenant_id IS NOT NEW.tenant_id)
    OR EXISTS (SELECT 1 FROM grp WHERE NEW.grantee_kind = 'group' AND id = NEW.grantee_id AND tenant_id IS NOT NEW.tenant_id)
    OR EXISTS (SELECT 1 FROM school WHERE NEW.grantee_kind = 'school' AND id = NEW.grantee_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: share.grantee_id'); END;
CREATE TRIGGER share_grantee_id_tenant_update BEFORE UPDATE OF grantee_id, grantee_kind, tenant_id ON share
WHEN (NEW.grantee_id IS NOT OLD.grantee_id OR NEW.grantee_kind IS NOT OLD.grantee_kind OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND (EXISTS (SELECT 1 FROM person WHERE NEW.grantee_kind = 'person' AND id = NEW.grantee_id AND tenant_id IS NOT NEW.tenant_id)
    OR EXISTS (SELECT 1 FROM grp WHERE NEW.grantee_kind = 'group' AND id = NEW.grantee_id AND tenant_id IS NOT NEW.tenant_id)
    OR EXISTS (SELECT 1 FROM school WHERE NEW.grantee_kind = 'school' AND id = NEW.grantee_id AND tenant_id IS NOT NEW.tenant_id))
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: share.grantee_id'); END;

-- share_link
CREATE TRIGGER share_link_node_id_tenant_insert BEFORE INSERT ON share_link
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: share_link.node_id'); END;
CREATE TRIGGER share_link_node_id_tenant_update BEFORE UPDATE OF node_id, tenant_id ON share_link
WHEN (NEW.node_id IS NOT OLD.node_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: share_link.node_id'); END;
CREATE TRIGGER share_link_created_by_tenant_insert BEFORE INSERT ON share_link
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: share_link.created_by'); END;
CREATE TRIGGER share_link_created_by_tenant_update BEFORE UPDATE OF created_by, tenant_id ON share_link
WHEN (NEW.created_by IS NOT OLD.created_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: share_link.created_by'); END;

-- assignment
CREATE TRIGGER assignment_school_id_tenant_insert BEFORE INSERT ON assignment
WHEN EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment.school_id'); END;
CREATE TRIGGER assignment_school_id_tenant_update BEFORE UPDATE OF school_id, tenant_id ON assignment
WHEN (NEW.school_id IS NOT OLD.school_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM school WHERE id = NEW.school_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment.school_id'); END;
CREATE TRIGGER assignment_group_id_tenant_insert BEFORE INSERT ON assignment
WHEN EXISTS (SELECT 1 FROM grp WHERE id = NEW.group_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment.group_id'); END;
CREATE TRIGGER assignment_group_id_tenant_update BEFORE UPDATE OF group_id, tenant_id ON assignment
WHEN (NEW.group_id IS NOT OLD.group_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM grp WHERE id = NEW.group_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment.group_id'); END;
CREATE TRIGGER assignment_created_by_tenant_insert BEFORE INSERT ON assignment
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment.created_by'); END;
CREATE TRIGGER assignment_created_by_tenant_update BEFORE UPDATE OF created_by, tenant_id ON assignment
WHEN (NEW.created_by IS NOT OLD.created_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment.created_by'); END;

-- hand_in
CREATE TRIGGER hand_in_assignment_id_tenant_insert BEFORE INSERT ON hand_in
WHEN EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: hand_in.assignment_id'); END;
CREATE TRIGGER hand_in_assignment_id_tenant_update BEFORE UPDATE OF assignment_id, tenant_id ON hand_in
WHEN (NEW.assignment_id IS NOT OLD.assignment_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: hand_in.assignment_id'); END;
CREATE TRIGGER hand_in_pupil_id_tenant_insert BEFORE INSERT ON hand_in
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.pupil_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: hand_in.pupil_id'); END;
CREATE TRIGGER hand_in_pupil_id_tenant_update BEFORE UPDATE OF pupil_id, tenant_id ON hand_in
WHEN (NEW.pupil_id IS NOT OLD.pupil_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.pupil_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: hand_in.pupil_id'); END;

-- hand_in_file
CREATE TRIGGER hand_in_file_hand_in_id_tenant_insert BEFORE INSERT ON hand_in_file
WHEN EXISTS (SELECT 1 FROM hand_in WHERE id = NEW.hand_in_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: hand_in_file.hand_in_id'); END;
CREATE TRIGGER hand_in_file_hand_in_id_tenant_update BEFORE UPDATE OF hand_in_id, tenant_id ON hand_in_file
WHEN (NEW.hand_in_id IS NOT OLD.hand_in_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM hand_in WHERE id = NEW.hand_in_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: hand_in_file.hand_in_id'); END;
CREATE TRIGGER hand_in_file_blob_id_tenant_insert BEFORE INSERT ON hand_in_file
WHEN EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: hand_in_file.blob_id'); END;
CREATE TRIGGER hand_in_file_blob_id_tenant_update BEFORE UPDATE OF blob_id, tenant_id ON hand_in_file
WHEN (NEW.blob_id IS NOT OLD.blob_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: hand_in_file.blob_id'); END;

-- assignment_change
CREATE TRIGGER assignment_change_assignment_id_tenant_insert BEFORE INSERT ON assignment_change
WHEN EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_change.assignment_id'); END;
CREATE TRIGGER assignment_change_assignment_id_tenant_update BEFORE UPDATE OF assignment_id, tenant_id ON assignment_change
WHEN (NEW.assignment_id IS NOT OLD.assignment_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_change.assignment_id'); END;
CREATE TRIGGER assignment_change_changed_by_tenant_insert BEFORE INSERT ON assignment_change
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.changed_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_change.changed_by'); END;
CREATE TRIGGER assignment_change_changed_by_tenant_update BEFORE UPDATE OF changed_by, tenant_id ON assignment_change
WHEN (NEW.changed_by IS NOT OLD.changed_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.changed_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_change.changed_by'); END;

-- assignment_extra_time
CREATE TRIGGER assignment_extra_time_assignment_id_tenant_insert BEFORE INSERT ON assignment_extra_time
WHEN EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_extra_time.assignment_id'); END;
CREATE TRIGGER assignment_extra_time_assignment_id_tenant_update BEFORE UPDATE OF assignment_id, tenant_id ON assignment_extra_time
WHEN (NEW.assignment_id IS NOT OLD.assignment_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_extra_time.assignment_id'); END;
CREATE TRIGGER assignment_extra_time_pupil_id_tenant_insert BEFORE INSERT ON assignment_extra_time
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.pupil_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_extra_time.pupil_id'); END;
CREATE TRIGGER assignment_extra_time_pupil_id_tenant_update BEFORE UPDATE OF pupil_id, tenant_id ON assignment_extra_time
WHEN (NEW.pupil_id IS NOT OLD.pupil_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.pupil_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_extra_time.pupil_id'); END;

-- exam_start
CREATE TRIGGER exam_start_assignment_id_tenant_insert BEFORE INSERT ON exam_start
WHEN EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: exam_start.assignment_id'); END;
CREATE TRIGGER exam_start_assignment_id_tenant_update BEFORE UPDATE OF assignment_id, tenant_id ON exam_start
WHEN (NEW.assignment_id IS NOT OLD.assignment_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: exam_start.assignment_id'); END;
CREATE TRIGGER exam_start_pupil_id_tenant_insert BEFORE INSERT ON exam_start
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.pupil_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: exam_start.pupil_id'); END;
CREATE TRIGGER exam_start_pupil_id_tenant_update BEFORE UPDATE OF pupil_id, tenant_id ON exam_start
WHEN (NEW.pupil_id IS NOT OLD.pupil_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.pupil_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: exam_start.pupil_id'); END;

-- assignment_pupil
CREATE TRIGGER assignment_pupil_assignment_id_tenant_insert BEFORE INSERT ON assignment_pupil
WHEN EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_pupil.assignment_id'); END;
CREATE TRIGGER assignment_pupil_assignment_id_tenant_update BEFORE UPDATE OF assignment_id, tenant_id ON assignment_pupil
WHEN (NEW.assignment_id IS NOT OLD.assignment_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_pupil.assignment_id'); END;
CREATE TRIGGER assignment_pupil_pupil_id_tenant_insert BEFORE INSERT ON assignment_pupil
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.pupil_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_pupil.pupil_id'); END;
CREATE TRIGGER assignment_pupil_pupil_id_tenant_update BEFORE UPDATE OF pupil_id, tenant_id ON assignment_pupil
WHEN (NEW.pupil_id IS NOT OLD.pupil_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.pupil_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_pupil.pupil_id'); END;

-- assignment_file
CREATE TRIGGER assignment_file_assignment_id_tenant_insert BEFORE INSERT ON assignment_file
WHEN EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_file.assignment_id'); END;
CREATE TRIGGER assignment_file_assignment_id_tenant_update BEFORE UPDATE OF assignment_id, tenant_id ON assignment_file
WHEN (NEW.assignment_id IS NOT OLD.assignment_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_file.assignment_id'); END;
CREATE TRIGGER assignment_file_blob_id_tenant_insert BEFORE INSERT ON assignment_file
WHEN EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_file.blob_id'); END;
CREATE TRIGGER assignment_file_blob_id_tenant_update BEFORE UPDATE OF blob_id, tenant_id ON assignment_file
WHEN (NEW.blob_id IS NOT OLD.blob_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_file.blob_id'); END;

-- assignment_work
CREATE TRIGGER assignment_work_assignment_id_tenant_insert BEFORE INSERT ON assignment_work
WHEN EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_work.assignment_id'); END;
CREATE TRIGGER assignment_work_assignment_id_tenant_update BEFORE UPDATE OF assignment_id, tenant_id ON assignment_work
WHEN (NEW.assignment_id IS NOT OLD.assignment_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM assignment WHERE id = NEW.assignment_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_work.assignment_id'); END;
CREATE TRIGGER assignment_work_folder_id_tenant_insert BEFORE INSERT ON assignment_work
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.folder_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_work.folder_id'); END;
CREATE TRIGGER assignment_work_folder_id_tenant_update BEFORE UPDATE OF folder_id, tenant_id ON assignment_work
WHEN (NEW.folder_id IS NOT OLD.folder_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.folder_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_work.folder_id'); END;
CREATE TRIGGER assignment_work_created_by_tenant_insert BEFORE INSERT ON assignment_work
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_work.created_by'); END;
CREATE TRIGGER assignment_work_created_by_tenant_update BEFORE UPDATE OF created_by, tenant_id ON assignment_work
WHEN (NEW.created_by IS NOT OLD.created_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.created_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_work.created_by'); END;
CREATE TRIGGER assignment_work_slot_tenant_insert BEFORE INSERT ON assignment_work
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.slot AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_work.slot'); END;
CREATE TRIGGER assignment_work_slot_tenant_update BEFORE UPDATE OF slot, tenant_id ON assignment_work
WHEN (NEW.slot IS NOT OLD.slot OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.slot AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment_work.slot'); END;

-- feedback_file
CREATE TRIGGER feedback_file_hand_in_id_tenant_insert BEFORE INSERT ON feedback_file
WHEN EXISTS (SELECT 1 FROM hand_in WHERE id = NEW.hand_in_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: feedback_file.hand_in_id'); END;
CREATE TRIGGER feedback_file_hand_in_id_tenant_update BEFORE UPDATE OF hand_in_id, tenant_id ON feedback_file
WHEN (NEW.hand_in_id IS NOT OLD.hand_in_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM hand_in WHERE id = NEW.hand_in_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: feedback_file.hand_in_id'); END;
CREATE TRIGGER feedback_file_blob_id_tenant_insert BEFORE INSERT ON feedback_file
WHEN EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: feedback_file.blob_id'); END;
CREATE TRIGGER feedback_file_blob_id_tenant_update BEFORE UPDATE OF blob_id, tenant_id ON feedback_file
WHEN (NEW.blob_id IS NOT OLD.blob_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM blob WHERE id = NEW.blob_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: feedback_file.blob_id'); END;

-- login_device
CREATE TRIGGER login_device_person_id_tenant_insert BEFORE INSERT ON login_device
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: login_device.person_id'); END;
CREATE TRIGGER login_device_person_id_tenant_update BEFORE UPDATE OF person_id, tenant_id ON login_device
WHEN (NEW.person_id IS NOT OLD.person_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.person_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: login_device.person_id'); END;

-- audit_event
CREATE TRIGGER audit_event_actor_id_tenant_insert BEFORE INSERT ON audit_event
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.actor_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: audit_event.actor_id'); END;
CREATE TRIGGER audit_event_actor_id_tenant_update BEFORE UPDATE OF actor_id, tenant_id ON audit_event
WHEN (NEW.actor_id IS NOT OLD.actor_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.actor_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: audit_event.actor_id'); END;

-- A row that others refer to keeps its tenant, so no reference checked above can come to point
-- into another tenant by its parent moving (PostgreSQL's composite keys refuse it too).
CREATE TRIGGER school_tenant_fixed BEFORE UPDATE OF tenant_id ON school
WHEN NEW.tenant_id IS NOT OLD.tenant_id
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: school.tenant_id cannot change'); END;
CREATE TRIGGER school_year_tenant_fixed BEFORE UPDATE OF tenant_id ON school_year
WHEN NEW.tenant_id IS NOT OLD.tenant_id
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: school_year.tenant_id cannot change'); END;
CREATE TRIGGER person_tenant_fixed BEFORE UPDATE OF tenant_id ON person
WHEN NEW.tenant_id IS NOT OLD.tenant_id
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: person.tenant_id cannot change'); END;
CREATE TRIGGER grp_tenant_fixed BEFORE UPDATE OF tenant_id ON grp
WHEN NEW.tenant_id IS NOT OLD.tenant_id
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: grp.tenant_id cannot change'); END;
CREATE TRIGGER node_tenant_fixed BEFORE UPDATE OF tenant_id ON node
WHEN NEW.tenant_id IS NOT OLD.tenant_id
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: node.tenant_id cannot change'); END;
CREATE TRIGGER space_tenant_fixed BEFORE UPDATE OF tenant_id ON space
WHEN NEW.tenant_id IS NOT OLD.tenant_id
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: space.tenant_id cannot change'); END;
CREATE TRIGGER blob_tenant_fixed BEFORE UPDATE OF tenant_id ON blob
WHEN NEW.tenant_id IS NOT OLD.tenant_id
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: blob.tenant_id cannot change'); END;
CREATE TRIGGER upload_session_tenant_fixed BEFORE UPDATE OF tenant_id ON upload_session
WHEN NEW.tenant_id IS NOT OLD.tenant_id
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: upload_session.tenant_id cannot change'); END;
CREATE TRIGGER assignment_tenant_fixed BEFORE UPDATE OF tenant_id ON assignment
WHEN NEW.tenant_id IS NOT OLD.tenant_id
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: assignment.tenant_id cannot change'); END;
CREATE TRIGGER hand_in_tenant_fixed BEFORE UPDATE OF tenant_id ON hand_in
WHEN NEW.tenant_id IS NOT OLD.tenant_id
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: hand_in.tenant_id cannot change'); END;
