-- A WebDAV lock's principal names its holder. Until now it was the login name the client
-- typed; from now on it is the holder's person id, by which the policy decides who may
-- refresh or release the lock (`policy::may_use_lock`). Locks taken before are rewritten;
-- one whose name matches no login keeps it, is held by nobody, and expires.
UPDATE dav_lock SET principal = (
    SELECT l.person_id FROM login l
    WHERE l.tenant_id = dav_lock.tenant_id AND lower(l.username) = lower(dav_lock.principal)
)
WHERE principal IS NOT NULL AND EXISTS (
    SELECT 1 FROM login l
    WHERE l.tenant_id = dav_lock.tenant_id AND lower(l.username) = lower(dav_lock.principal)
);
