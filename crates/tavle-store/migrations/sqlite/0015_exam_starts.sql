-- When each pupil first opened an exam after it began: what the invigilator's view calls
-- "working" (opened, not yet handed in) as against "not started".
CREATE TABLE exam_start (
    assignment_id TEXT NOT NULL REFERENCES assignment(id),
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    pupil_id TEXT NOT NULL REFERENCES person(id),
    opened_at INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, pupil_id)
);
