-- App passwords are cached like sessions (an authenticated WebDAV request need not read the
-- database); revoking one is recorded like an ended session, under 'app:' and its hash, so
-- every node drops it (see 0002_cache_coherence).
CREATE FUNCTION tavle_app_password_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO session_revocation (token_hash, at) SELECT 'app:' || secret_hash, tavle_now_ms() FROM old_rows;
    RETURN NULL;
END $$;

CREATE TRIGGER app_password_revoked AFTER DELETE ON app_password
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tavle_app_password_revoked();
