-- App passwords are cached like sessions (an authenticated WebDAV request need not read the
-- database); revoking one is recorded like an ended session, under 'app:' and its hash, so
-- every node drops it (see 0002_cache_coherence).
CREATE TRIGGER app_password_revoked AFTER DELETE ON app_password BEGIN
    INSERT INTO session_revocation (token_hash, at)
    VALUES ('app:' || OLD.secret_hash, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
