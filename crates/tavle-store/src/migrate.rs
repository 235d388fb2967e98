//! Schema migrations, embedded in the binary, one directory per backend. A migration that has
//! shipped is never edited; add a new numbered file instead.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::{Backend, Result, Store};

const SQLITE: &[(i64, &str, &str)] = &[
    (1, "organisation", include_str!("../migrations/sqlite/0001_organisation.sql")),
    (2, "cache_coherence", include_str!("../migrations/sqlite/0002_cache_coherence.sql")),
    (3, "drive", include_str!("../migrations/sqlite/0003_drive.sql")),
    (4, "dav", include_str!("../migrations/sqlite/0004_dav.sql")),
    (5, "uploads", include_str!("../migrations/sqlite/0005_uploads.sql")),
    (6, "login_flow", include_str!("../migrations/sqlite/0006_login_flow.sql")),
    (7, "shares", include_str!("../migrations/sqlite/0007_shares.sql")),
    (8, "share_links", include_str!("../migrations/sqlite/0008_share_links.sql")),
    (9, "app_password_revocation", include_str!("../migrations/sqlite/0009_app_password_revocation.sql")),
    (10, "instance_keys", include_str!("../migrations/sqlite/0010_instance_keys.sql")),
    (11, "assignments", include_str!("../migrations/sqlite/0011_assignments.sql")),
    (12, "feedback", include_str!("../migrations/sqlite/0012_feedback.sql")),
    (13, "assignment_changes", include_str!("../migrations/sqlite/0013_assignment_changes.sql")),
    (14, "extra_time", include_str!("../migrations/sqlite/0014_extra_time.sql")),
    (15, "exam_starts", include_str!("../migrations/sqlite/0015_exam_starts.sql")),
    (16, "audience_and_files", include_str!("../migrations/sqlite/0016_audience_and_files.sql")),
    (17, "login_devices", include_str!("../migrations/sqlite/0017_login_devices.sql")),
    (18, "tenant_integrity", include_str!("../migrations/sqlite/0018_tenant_integrity.sql")),
    (19, "lock_holders", include_str!("../migrations/sqlite/0019_lock_holders.sql")),
    (20, "documents", include_str!("../migrations/sqlite/0020_documents.sql")),
    (21, "version_labels", include_str!("../migrations/sqlite/0021_version_labels.sql")),
    (22, "document_comments", include_str!("../migrations/sqlite/0022_document_comments.sql")),
    (23, "office", include_str!("../migrations/sqlite/0023_office.sql")),
    (24, "document_images", include_str!("../migrations/sqlite/0024_document_images.sql")),
    (25, "work_by_folder", include_str!("../migrations/sqlite/0025_work_by_folder.sql")),
    (26, "login_providers", include_str!("../migrations/sqlite/0026_login_providers.sql")),
    (27, "second_factors", include_str!("../migrations/sqlite/0027_second_factors.sql")),
    (28, "passkeys", include_str!("../migrations/sqlite/0028_passkeys.sql")),
    (29, "scim_tokens", include_str!("../migrations/sqlite/0029_scim_tokens.sql")),
];
const POSTGRES: &[(i64, &str, &str)] = &[
    (1, "organisation", include_str!("../migrations/postgres/0001_organisation.sql")),
    (2, "cache_coherence", include_str!("../migrations/postgres/0002_cache_coherence.sql")),
    (3, "drive", include_str!("../migrations/postgres/0003_drive.sql")),
    (4, "dav", include_str!("../migrations/postgres/0004_dav.sql")),
    (5, "uploads", include_str!("../migrations/postgres/0005_uploads.sql")),
    (6, "login_flow", include_str!("../migrations/postgres/0006_login_flow.sql")),
    (7, "shares", include_str!("../migrations/postgres/0007_shares.sql")),
    (8, "share_links", include_str!("../migrations/postgres/0008_share_links.sql")),
    (9, "app_password_revocation", include_str!("../migrations/postgres/0009_app_password_revocation.sql")),
    (10, "instance_keys", include_str!("../migrations/postgres/0010_instance_keys.sql")),
    (11, "assignments", include_str!("../migrations/postgres/0011_assignments.sql")),
    (12, "feedback", include_str!("../migrations/postgres/0012_feedback.sql")),
    (13, "assignment_changes", include_str!("../migrations/postgres/0013_assignment_changes.sql")),
    (14, "extra_time", include_str!("../migrations/postgres/0014_extra_time.sql")),
    (15, "exam_starts", include_str!("../migrations/postgres/0015_exam_starts.sql")),
    (16, "audience_and_files", include_str!("../migrations/postgres/0016_audience_and_files.sql")),
    (17, "login_devices", include_str!("../migrations/postgres/0017_login_devices.sql")),
    (18, "tenant_integrity", include_str!("../migrations/postgres/0018_tenant_integrity.sql")),
    (19, "lock_holders", include_str!("../migrations/postgres/0019_lock_holders.sql")),
    (20, "documents", include_str!("../migrations/postgres/0020_documents.sql")),
    (21, "version_labels", include_str!("../migrations/postgres/0021_version_labels.sql")),
    (22, "document_comments", include_str!("../migrations/postgres/0022_document_comments.sql")),
    (23, "office", include_str!("../migrations/postgres/0023_office.sql")),
    (24, "document_images", include_str!("../migrations/postgres/0024_document_images.sql")),
    (25, "work_by_folder", include_str!("../migrations/postgres/0025_work_by_folder.sql")),
    (26, "login_providers", include_str!("../migrations/postgres/0026_login_providers.sql")),
    (27, "second_factors", include_str!("../migrations/postgres/0027_second_factors.sql")),
    (28, "passkeys", include_str!("../migrations/postgres/0028_passkeys.sql")),
    (29, "scim_tokens", include_str!("../migrations/postgres/0029_scim_tokens.sql")),
];

fn migrator(backend: Backend) -> Migrator {
    let files = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let migrations: Vec<Migration> = files
        .iter()
        .map(|(version, name, sql)| {
            Migration::new(*version, Cow::Borrowed(*name), MigrationType::Simple, Cow::Borrowed(*sql), false)
        })
        .collect();
    Migrator { migrations: Cow::Owned(migrations), ignore_missing: false, locking: true, no_tx: false }
}

/// Brings the schema up to date. Safe to run from several nodes at once on PostgreSQL
/// (sqlx takes an advisory lock).
pub(crate) async fn run(store: &Store) -> Result<()> {
    migrator(store.backend).run(&store.pool).await?;
    Ok(())
}

/// The newest schema version this binary knows, per backend.
#[allow(dead_code)] // Reported by `tavle migrate --status` (planned).
pub fn latest_version(backend: Backend) -> i64 {
    migrator(backend).migrations.iter().map(|m| m.version).max().unwrap_or(0)
}
