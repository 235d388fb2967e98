-- Keys of the instance as a whole (not of a municipality): the Ed25519 key that signs hand-in
-- receipts. Kept in the database so that every node signs with the same key; the first node
-- to need it makes it, and the others read it.
CREATE TABLE instance_key (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
