-- Who an assignment is for: its whole class or team ('group'), some of its pupils ('pupils'),
-- or teams of its pupils who hand in together ('teams'); for the last two, assignment_pupil
-- lists them (team 0 for 'pupils', 1, 2, … for 'teams').
ALTER TABLE assignment ADD COLUMN audience TEXT NOT NULL DEFAULT 'group';
CREATE TABLE assignment_pupil (
    assignment_id TEXT NOT NULL REFERENCES assignment(id),
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    pupil_id TEXT NOT NULL REFERENCES person(id),
    team INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, pupil_id)
);
CREATE INDEX assignment_pupil_pupil ON assignment_pupil (tenant_id, pupil_id);

-- The files handed out with an assignment: attachments to read, and the template copied into
-- each working folder. Frozen like a hand-in's files: they point at blobs, which never change,
-- so a teacher editing the original later changes nothing handed out.
CREATE TABLE assignment_file (
    assignment_id TEXT NOT NULL REFERENCES assignment(id),
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    position INTEGER NOT NULL,
    -- 'attachment' or 'template'.
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    blob_id TEXT NOT NULL REFERENCES blob(id),
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (assignment_id, position)
);
CREATE INDEX assignment_file_blob ON assignment_file (blob_id);

-- Each pupil's (or team's) working folder, made at their first opening after the assignment
-- opened: a folder of the drive of the pupil who opened it, shared with the rest of a team.
-- slot is the pupil's id, or 'team-N'.
CREATE TABLE assignment_work (
    assignment_id TEXT NOT NULL REFERENCES assignment(id),
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    slot TEXT NOT NULL,
    folder_id TEXT NOT NULL REFERENCES node(id),
    created_by TEXT NOT NULL REFERENCES person(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (assignment_id, slot)
);

-- A team's hand-in counts for every pupil of the team (0: a pupil's own).
ALTER TABLE hand_in ADD COLUMN team INTEGER NOT NULL DEFAULT 0;

-- Files a teacher gives back with feedback, frozen like the hand-in's own.
CREATE TABLE feedback_file (
    hand_in_id TEXT NOT NULL REFERENCES hand_in(id),
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    blob_id TEXT NOT NULL REFERENCES blob(id),
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (hand_in_id, position)
);
CREATE INDEX feedback_file_blob ON feedback_file (blob_id);
