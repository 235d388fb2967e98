-- Comments on a Tavle document (issue 17): on a live document (node_id) or on a document
-- handed in (hand_in_id and the file's position in the hand-in). A thread is its first
-- comment (thread_id = id) and the replies naming it; resolving is a change of the first.
-- `anchor` is where the passage is, as the editor encodes it (two Yjs relative positions,
-- which stay with the same characters through others' edits); `quote` is the passage's text
-- when the comment was made, so a comment whose passage was deleted still says what it was
-- about. Exactly one of node_id and hand_in_id is set (the store writes them from one
-- enum, `CommentOn`).
CREATE TABLE document_comment (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenant(id),
    node_id TEXT REFERENCES node(id),
    hand_in_id TEXT REFERENCES hand_in(id),
    file_position INTEGER,
    thread_id TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES person(id),
    body TEXT NOT NULL,
    anchor TEXT,
    quote TEXT,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by TEXT REFERENCES person(id)
);
CREATE INDEX document_comment_node ON document_comment (node_id, created_at);
CREATE INDEX document_comment_hand_in ON document_comment (hand_in_id, file_position, created_at);

-- A row refers only into its own tenant (as migration 0018 does for the tables before).
CREATE TRIGGER document_comment_node_id_tenant_insert BEFORE INSERT ON document_comment
WHEN EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_comment.node_id'); END;
CREATE TRIGGER document_comment_node_id_tenant_update BEFORE UPDATE OF node_id, tenant_id ON document_comment
WHEN (NEW.node_id IS NOT OLD.node_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM node WHERE id = NEW.node_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_comment.node_id'); END;

CREATE TRIGGER document_comment_hand_in_id_tenant_insert BEFORE INSERT ON document_comment
WHEN EXISTS (SELECT 1 FROM hand_in WHERE id = NEW.hand_in_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_comment.hand_in_id'); END;
CREATE TRIGGER document_comment_hand_in_id_tenant_update BEFORE UPDATE OF hand_in_id, tenant_id ON document_comment
WHEN (NEW.hand_in_id IS NOT OLD.hand_in_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM hand_in WHERE id = NEW.hand_in_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_comment.hand_in_id'); END;

CREATE TRIGGER document_comment_author_id_tenant_insert BEFORE INSERT ON document_comment
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.author_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_comment.author_id'); END;
CREATE TRIGGER document_comment_author_id_tenant_update BEFORE UPDATE OF author_id, tenant_id ON document_comment
WHEN (NEW.author_id IS NOT OLD.author_id OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.author_id AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_comment.author_id'); END;

CREATE TRIGGER document_comment_resolved_by_tenant_insert BEFORE INSERT ON document_comment
WHEN EXISTS (SELECT 1 FROM person WHERE id = NEW.resolved_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_comment.resolved_by'); END;
CREATE TRIGGER document_comment_resolved_by_tenant_update BEFORE UPDATE OF resolved_by, tenant_id ON document_comment
WHEN (NEW.resolved_by IS NOT OLD.resolved_by OR NEW.tenant_id IS NOT OLD.tenant_id)
    AND EXISTS (SELECT 1 FROM person WHERE id = NEW.resolved_by AND tenant_id IS NOT NEW.tenant_id)
BEGIN SELECT RAISE(ABORT, 'cross-tenant reference: document_comment.resolved_by'); END;
