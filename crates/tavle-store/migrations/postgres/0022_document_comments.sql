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
    node_id TEXT,
    hand_in_id TEXT,
    file_position INTEGER,
    thread_id TEXT NOT NULL,
    author_id TEXT NOT NULL,
    body TEXT NOT NULL,
    anchor TEXT,
    quote TEXT,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by TEXT,
    CONSTRAINT document_comment_node_id_tenant_fkey FOREIGN KEY (tenant_id, node_id) REFERENCES node (tenant_id, id),
    CONSTRAINT document_comment_hand_in_id_tenant_fkey FOREIGN KEY (tenant_id, hand_in_id) REFERENCES hand_in (tenant_id, id),
    CONSTRAINT document_comment_author_id_tenant_fkey FOREIGN KEY (tenant_id, author_id) REFERENCES person (tenant_id, id),
    CONSTRAINT document_comment_resolved_by_tenant_fkey FOREIGN KEY (tenant_id, resolved_by) REFERENCES person (tenant_id, id)
);
CREATE INDEX document_comment_node ON document_comment (node_id, created_at);
CREATE INDEX document_comment_hand_in ON document_comment (hand_in_id, file_position, created_at);
