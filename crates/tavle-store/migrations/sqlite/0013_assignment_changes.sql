-- What a teacher changed in an assignment after it opened, so its pupils see what changed:
-- when, and which fields (JSON: [{"field": "deadline", "from": …, "to": …}, …]).
CREATE TABLE assignment_change (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    assignment_id TEXT NOT NULL REFERENCES assignment(id),
    at INTEGER NOT NULL,
    changed_by TEXT NOT NULL REFERENCES person(id),
    fields TEXT NOT NULL
);
CREATE INDEX assignment_change_assignment ON assignment_change (tenant_id, assignment_id, at);
