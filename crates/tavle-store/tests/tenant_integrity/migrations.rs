//! The migrations that make the schema check tenants, run on data written before them: 0018
//! keeps consistent data and refuses data that already crosses tenants; 0019 names each lock
//! holder by person id.

use super::*;

/// The migration files of a backend, in order, up to and including `last`.
fn migrations(backend: Backend, last: u32) -> Vec<(u32, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    });
    let mut files: Vec<(u32, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| {
            let n = p.file_name().unwrap().to_string_lossy()[..4].parse().unwrap();
            (n, std::fs::read_to_string(&p).unwrap())
        })
        .filter(|(n, _)| *n <= last)
        .collect();
    files.sort();
    files
}

/// The tables migrations after 0019 add: a graph written at 0017 or 0018 has no rows of them.
/// A migration that adds a tenant table lists it here.
fn later_tables() -> HashSet<&'static str> {
    HashSet::from([
        "document",
        "document_update",
        "document_comment",
        "office_server",
        "wopi_lock",
        "document_image",
        "login_provider",
        "login_provider_keys",
        "logout_token_seen",
        "totp_credential",
        "recovery_code",
        "login_pending",
        "second_factor_rule",
        "passkey_credential",
        "webauthn_ceremony",
        "scim_token",
    ])
}

#[tokio::test]
async fn migration_0018_keeps_consistent_data_and_refuses_a_cross_tenant_reference_already_there() {
    // (a change that breaks the data before 0018 runs, what 0018 then says per backend)
    let breakages = [
        ("UPDATE node SET created_by = {b_person}", "node.created_by", "node.created_by"),
        ("UPDATE membership SET group_id = {b_grp}", "membership.group_id", "membership_group_id_tenant_fkey"),
    ];
    let mut backends = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        backends.push(Backend::Postgres);
    }
    for backend in backends {
        for breakage in std::iter::once(None).chain(breakages.iter().map(Some)) {
            let dir = tempfile::tempdir().unwrap();
            let url = match backend {
                Backend::Sqlite => format!("sqlite://{}/m.db?mode=rwc", dir.path().display()),
                Backend::Postgres => create_postgres_database(&postgres_url().unwrap()).await.unwrap(),
            };
            let mut conn = AnyConnection::connect(&url).await.unwrap();
            for (_, sql) in migrations(backend, 17) {
                conn.execute(sql.as_str()).await.unwrap();
            }
            write_graph(&mut conn, A, &later_tables()).await;
            write_graph(&mut conn, B, &later_tables()).await;
            if let Some((change, _, _)) = breakage {
                let change = change
                    .replace("{b_person}", &lit(&row_id(B, "person", false)))
                    .replace("{b_grp}", &lit(&row_id(B, "grp", false)));
                conn.execute(format!("{change} WHERE tenant_id = {}", lit(&uuid(A))).as_str()).await.unwrap();
            }
            let (_, sql) = migrations(backend, 18).pop().unwrap();
            let result = conn.execute(sql.as_str()).await;
            match breakage {
                None => {
                    result.unwrap_or_else(|e| panic!("{backend:?}: 0018 failed on consistent data: {e}"));
                }
                Some((_, sqlite, postgres)) => {
                    let expected = if backend == Backend::Sqlite { sqlite } else { postgres };
                    let err = result.err().map(|e| e.to_string());
                    assert!(
                        err.as_deref().is_some_and(|e| e.contains(expected)),
                        "{backend:?}: 0018 on broken data gave {err:?}, not {expected:?}"
                    );
                }
            }
            conn.close().await.unwrap();
            if backend == Backend::Postgres {
                drop_postgres_database(&postgres_url().unwrap(), &url).await.unwrap();
            }
        }
    }
}

#[tokio::test]
async fn migration_0019_names_each_lock_holder_by_person_id() {
    let mut backends = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        backends.push(Backend::Postgres);
    }
    for backend in backends {
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}/m.db?mode=rwc", dir.path().display()),
            Backend::Postgres => create_postgres_database(&postgres_url().unwrap()).await.unwrap(),
        };
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        for (_, sql) in migrations(backend, 18) {
            conn.execute(sql.as_str()).await.unwrap();
        }
        write_graph(&mut conn, A, &later_tables()).await;
        write_graph(&mut conn, B, &later_tables()).await;
        // Before 0019 a lock named its holder by the login name as the client typed it.
        let login =
            strings(&mut conn, &format!("SELECT username, person_id FROM login WHERE tenant_id = {}", lit(&uuid(A))))
                .await;
        let (username, person) = login.first().cloned().expect("a login in tenant a");
        let a_lock = format!(
            "UPDATE dav_lock SET principal = {} WHERE tenant_id = {}",
            lit(&username.to_uppercase()),
            lit(&uuid(A))
        );
        conn.execute(a_lock.as_str()).await.unwrap();
        let b_lock = format!("UPDATE dav_lock SET principal = 'nobody-known' WHERE tenant_id = {}", lit(&uuid(B)));
        conn.execute(b_lock.as_str()).await.unwrap();
        let (_, sql) = migrations(backend, 19).pop().unwrap();
        conn.execute(sql.as_str()).await.unwrap();
        let after = |t: &str| format!("SELECT principal, tenant_id FROM dav_lock WHERE tenant_id = {}", lit(&uuid(t)));
        let a = strings(&mut conn, &after(A)).await;
        assert!(!a.is_empty() && a.iter().all(|(p, _)| *p == person), "{backend:?}: {a:?}");
        let b = strings(&mut conn, &after(B)).await;
        assert!(!b.is_empty() && b.iter().all(|(p, _)| p == "nobody-known"), "{backend:?}: {b:?}");
        conn.close().await.unwrap();
        if backend == Backend::Postgres {
            drop_postgres_database(&postgres_url().unwrap(), &url).await.unwrap();
        }
    }
}
