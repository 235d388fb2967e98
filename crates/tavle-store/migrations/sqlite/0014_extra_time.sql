-- Extra time for one pupil on one assignment or exam (forlænget tid), in seconds after the
-- deadline everyone else has.
CREATE TABLE assignment_extra_time (
    assignment_id TEXT NOT NULL REFERENCES assignment(id),
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    pupil_id TEXT NOT NULL REFERENCES person(id),
    extra_secs INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, pupil_id)
);
