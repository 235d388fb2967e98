-- Assignments and hand-ins. An assignment is for a class or team (its pupils when they hand
-- in); NULL opens_at is a draft. A hand-in is a frozen snapshot: its files point at blobs,
-- which are immutable, so later changes to the working copy never reach it. Handing in again
-- supersedes the earlier hand-in (withdrawn_at), which stays for the record. The receipt is
-- kept exactly as it was signed and given out, so a retry gets the same bytes.
CREATE TABLE assignment (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    school_id TEXT NOT NULL REFERENCES school(id),
    group_id TEXT NOT NULL REFERENCES grp(id),
    title TEXT NOT NULL,
    instructions TEXT NOT NULL,
    -- 'assignment', 'exam' or 'closed_exam'.
    mode TEXT NOT NULL,
    opens_at BIGINT,
    deadline BIGINT NOT NULL,
    late_allowed INTEGER NOT NULL,
    resubmit_allowed INTEGER NOT NULL,
    created_by TEXT NOT NULL REFERENCES person(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX assignment_group ON assignment (tenant_id, group_id);

CREATE TABLE hand_in (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    assignment_id TEXT NOT NULL REFERENCES assignment(id),
    pupil_id TEXT NOT NULL REFERENCES person(id),
    -- The client's key for this hand-in: a retry with the same key gets the same hand-in.
    idempotency_key TEXT NOT NULL,
    -- When the request began, and when it was recorded (the server's clock).
    started_at BIGINT NOT NULL,
    handed_in_at BIGINT NOT NULL,
    late_by_secs BIGINT NOT NULL,
    withdrawn_at BIGINT,
    receipt TEXT NOT NULL,
    UNIQUE (assignment_id, pupil_id, idempotency_key)
);
CREATE INDEX hand_in_assignment ON hand_in (tenant_id, assignment_id, pupil_id);

CREATE TABLE hand_in_file (
    hand_in_id TEXT NOT NULL REFERENCES hand_in(id),
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    blob_id TEXT NOT NULL REFERENCES blob(id),
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (hand_in_id, position)
);
CREATE INDEX hand_in_file_blob ON hand_in_file (blob_id);
