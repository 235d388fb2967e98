//! Tenant integrity in the schema (migration 0018), on SQLite and, when
//! `TAVLE_TEST_POSTGRES_URL` is set, on PostgreSQL: every reference the registry of tenant
//! tables declares is tried across two tenants (insert and update refused, same tenant
//! accepted), the live schema holds exactly the registry's tables, checks and coherence
//! triggers, and an upsert cannot reach into another tenant.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::collections::{BTreeSet, HashSet};
use std::hash::{Hash, Hasher};

use sqlx::{AnyConnection, Connection, Executor, Row};
use tavle_core::assignments::Assignment;
use tavle_core::assignments::{Audience, Mode};
use tavle_store::tenant_tables::{
    instance_table, is_referenced, tenant_table, Check, Reference, TenantTable, Watch, INSTANCE_TABLES, TENANT_TABLES,
};
use tavle_store::testing::{create_postgres_database, drop_postgres_database, postgres_url};
use tavle_store::{Backend, Store, StoreError, StoreOptions};

/// The two tenants every test writes: `a` is the one under test, `b` the other municipality.
const A: &str = "a";
const B: &str = "b";

/// Runs `f` on a freshly migrated database per configured backend, with the store and a raw
/// connection for the SQL the store has no function for.
async fn on_every_backend<F, Fut>(f: F)
where
    F: Fn(Store, AnyConnection, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let mut conn = AnyConnection::connect(&url).await.unwrap();
    conn.execute("PRAGMA foreign_keys = ON").await.unwrap();
    f(store.clone(), conn, url).await;
    store.close().await;
    if let Some(admin) = postgres_url() {
        let url = create_postgres_database(&admin).await.unwrap();
        let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
        let conn = AnyConnection::connect(&url).await.unwrap();
        f(store.clone(), conn, url.clone()).await;
        store.close().await;
        drop_postgres_database(&admin, &url).await.unwrap();
    }
}

fn backend_of(url: &str) -> Backend {
    if url.starts_with("sqlite:") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    }
}

/// A stable UUID for a label such as `a/person`, so rows can name each other.
fn uuid(label: &str) -> String {
    let h = |salt: u8| {
        let mut s = std::collections::hash_map::DefaultHasher::new();
        (label, salt).hash(&mut s);
        s.finish()
    };
    uuid::Uuid::from_u64_pair(h(1), h(2)).to_string()
}

/// The id of a tenant's row of `table` in the graph (`case` rows get their own).
fn row_id(tenant: &str, table: &str, case: bool) -> String {
    if table == "tenant" {
        uuid(tenant)
    } else {
        uuid(&format!("{tenant}/{table}/{}", if case { "case" } else { "graph" }))
    }
}

/// Every column a row needs except the references, which come from the registry: `@id` is the
/// row's own id, `@tenant` the tenant's, `@fresh` a value unique to the row, `@seq` 0 in the
/// graph and 1 in a test's own row (positions in composite keys), digits an integer, anything
/// else text.
const TEMPLATES: &[(&str, &str)] = &[
    ("tenant", "id=@tenant code=@fresh name=Kommune created_at=0"),
    ("school", "id=@id tenant_id=@tenant name=Skole institution_number=@fresh"),
    ("school_year", "id=@id tenant_id=@tenant label=@fresh starts_on=2026-08-10 ends_on=2027-06-25"),
    ("grp", "id=@id tenant_id=@tenant name=5.A kind=class"),
    ("person", "id=@id tenant_id=@tenant display_name=Åse status=active created_at=0 updated_at=0"),
    ("login", "username=@fresh tenant_id=@tenant"),
    ("external_identity", "tenant_id=@tenant issuer=idp subject=@fresh"),
    ("login_provider", "id=@id tenant_id=@tenant slug=@fresh display_name=U preset=other issuer=i client_id=c scopes=openid claim=sub namespace=i enabled=1 position=0 created_at=0"),
    ("login_provider_keys", "tenant_id=@tenant jwks={} fetched_at=0"),
    ("logout_token_seen", "tenant_id=@tenant jti=@fresh expires_at=0"),
    ("totp_credential", "tenant_id=@tenant secret=s created_at=0"),
    ("recovery_code", "code_hash=@fresh tenant_id=@tenant created_at=0"),
    ("login_pending", "token_hash=@fresh tenant_id=@tenant created_at=0 expires_at=0 tries=0"),
    ("second_factor_rule", "tenant_id=@tenant role=@fresh set_at=0"),
    ("passkey_credential", "credential_id=@fresh tenant_id=@tenant name=Nøgle passkey={} created_at=0"),
    ("webauthn_ceremony", "id_hash=@fresh kind=step tenant_id=@tenant state={} expires_at=0"),
    ("scim_token", "id=@id tenant_id=@tenant name=IdM token_hash=@fresh created_at=0"),
    ("person_school", "tenant_id=@tenant role=pupil"),
    ("membership", "tenant_id=@tenant role=pupil"),
    ("staff_role", "tenant_id=@tenant role=school_admin"),
    ("session", "token_hash=@fresh tenant_id=@tenant csrf_token=c created_at=0 last_seen_at=0 source=::1 user_agent=ua"),
    ("space", "id=@id tenant_id=@tenant kind=personal created_at=0"),
    ("blob", "id=@id tenant_id=@tenant sha256=@fresh size=1 created_at=0"),
    ("node", "id=@id tenant_id=@tenant name=@fresh name_key=@fresh kind=folder size=0 etag=e created_at=0 modified_at=0"),
    ("file_version", "id=@id tenant_id=@tenant size=1 sha256=s modified_at=0 replaced_at=0"),
    ("app_password", "id=@id tenant_id=@tenant name=phone secret_hash=@fresh created_at=0"),
    ("dav_lock", "token=@fresh tenant_id=@tenant path=/ href=/ shared=0 deep=0"),
    ("dav_property", "tenant_id=@tenant namespace=ns name=@fresh prefix=p xml=<x/>"),
    ("document", "tenant_id=@tenant snapshot=x compacted_at=0"),
    ("document_update", "tenant_id=@tenant data=x at=0"),
    ("office_server", "tenant_id=@tenant discovery_url=u discovery={} fetched_at=0"),
    ("wopi_lock", "tenant_id=@tenant lock_id=l expires_at=0"),
    ("document_comment", "id=@id tenant_id=@tenant thread_id=@id body=b created_at=0"),
    ("document_image", "id=@id tenant_id=@tenant sha256=@fresh content_type=image/png width=1 height=1 added_at=0"),
    ("upload_session", "id=@id tenant_id=@tenant protocol=tus client_key=@fresh received=0 created_at=0 expires_at=0"),
    ("upload_part", "tenant_id=@tenant name=@fresh blob_id=@fresh size=1 created_at=0"),
    ("login_flow", "login_token_hash=@fresh poll_token_hash=@fresh device=d created_at=0 expires_at=0 tenant_id=@tenant username=@fresh"),
    ("share", "id=@id tenant_id=@tenant grantee_kind=person access=view created_at=0"),
    ("share_link", "id=@id tenant_id=@tenant token=@fresh kind=download created_at=0"),
    ("assignment", "id=@id tenant_id=@tenant title=Stil instructions=- mode=assignment deadline=0 late_allowed=0 resubmit_allowed=0 created_at=0 updated_at=0"),
    ("hand_in", "id=@id tenant_id=@tenant idempotency_key=@fresh started_at=0 handed_in_at=0 late_by_secs=0 receipt={}"),
    ("hand_in_file", "tenant_id=@tenant position=@seq name=f size=1 sha256=s"),
    ("assignment_change", "id=@id tenant_id=@tenant at=0 fields=[]"),
    ("assignment_extra_time", "tenant_id=@tenant extra_secs=60"),
    ("exam_start", "tenant_id=@tenant opened_at=0"),
    ("assignment_pupil", "tenant_id=@tenant team=0"),
    ("assignment_file", "tenant_id=@tenant position=@seq kind=attachment name=f size=1 sha256=s"),
    ("assignment_work", "tenant_id=@tenant created_at=0"),
    ("feedback_file", "tenant_id=@tenant position=@seq name=f size=1 sha256=s"),
    ("login_device", "token_hash=@fresh tenant_id=@tenant created_at=0 last_used_at=0"),
    ("audit_event", "tenant_id=@tenant at=0 action=x.y outcome=ok detail={}"),
];

/// A row as (column, SQL literal) pairs.
type Cells = Vec<(String, String)>;

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn set(row: &mut Cells, column: &str, value: String) {
    match row.iter_mut().find(|(c, _)| c == column) {
        Some(cell) => cell.1 = value,
        None => row.push((column.to_string(), value)),
    }
}

/// A tenant's row of `table`: the graph's, or a test's own (`case`), whose references name
/// the graph's rows. In the graph a row's reference to its own table (a node's parent) is NULL.
/// A key to a table in `absent` (one a graph leaves out, e.g. a table an older schema lacks,
/// whose column the older schema lacks too) is left out, so the column keeps its default.
fn build(table: &TenantTable, tenant: &str, case: bool, absent: &HashSet<&'static str>) -> Cells {
    let suffix = if case { "case" } else { "graph" };
    let (_, template) = TEMPLATES
        .iter()
        .find(|(t, _)| *t == table.name)
        .unwrap_or_else(|| panic!("no template for {}: add one beside its registry entry", table.name));
    let mut row: Cells = template
        .split(' ')
        .map(|cell| {
            let (c, v) = cell.split_once('=').unwrap();
            let value = match v {
                "@id" => lit(&row_id(tenant, table.name, case)),
                "@tenant" => lit(&uuid(tenant)),
                "@fresh" => lit(&format!("{tenant}-{}-{c}-{suffix}", table.name)),
                "@seq" => i64::from(case).to_string(),
                v if v.bytes().all(|b| b.is_ascii_digit()) => v.to_string(),
                v => lit(v),
            };
            (c.to_string(), value)
        })
        .collect();
    for r in table.references {
        let applies = r.only_when.is_none_or(|(kind, v)| row.iter().any(|(c, x)| c == kind && *x == lit(v)));
        if !applies || (r.check == Check::CompositeKey && absent.contains(r.parent)) {
            continue;
        }
        let value = if !case && r.parent == table.name { "NULL".into() } else { lit(&row_id(tenant, r.parent, false)) };
        set(&mut row, r.column, value);
    }
    row
}

fn insert_sql(table: &str, row: &Cells) -> String {
    let cols: Vec<&str> = row.iter().map(|(c, _)| c.as_str()).collect();
    let vals: Vec<&str> = row.iter().map(|(_, v)| v.as_str()).collect();
    format!("INSERT INTO {table} ({}) VALUES ({})", cols.join(", "), vals.join(", "))
}

/// `table` and every table whose rows cannot exist without it (declared keys, transitively).
fn needs(table: &str) -> HashSet<&'static str> {
    let mut out: HashSet<&'static str> = HashSet::new();
    out.insert(tenant_table(table).unwrap().name);
    loop {
        let more: Vec<&'static str> = TENANT_TABLES
            .iter()
            .filter(|t| !out.contains(t.name))
            .filter(|t| t.references.iter().any(|r| r.check == Check::CompositeKey && out.contains(r.parent)))
            .map(|t| t.name)
            .collect();
        if more.is_empty() {
            return out;
        }
        out.extend(more);
    }
}

/// Writes a tenant's graph: one row per tenant table, except `skip`.
async fn write_graph(conn: &mut AnyConnection, tenant: &str, skip: &HashSet<&'static str>) {
    for t in TENANT_TABLES.iter().filter(|t| !skip.contains(t.name)) {
        let sql = insert_sql(t.name, &build(t, tenant, false, skip));
        conn.execute(sql.as_str()).await.unwrap_or_else(|e| panic!("graph row of {}: {e}\n{sql}", t.name));
    }
}

/// What the database says when it refuses `r` of `table` across tenants.
fn refusal(backend: Backend, table: &str, r: &Reference) -> String {
    match (backend, r.check) {
        (Backend::Postgres, Check::CompositeKey) => format!("{table}_{}_tenant_fkey", r.column),
        _ => format!("cross-tenant reference: {table}.{}", r.column),
    }
}

/// Runs `sql` inside a savepoint and returns its error, undoing whatever it did.
async fn refused(conn: &mut AnyConnection, sql: &str) -> Option<String> {
    conn.execute("SAVEPOINT attempt").await.unwrap();
    let result = conn.execute(sql).await;
    conn.execute("ROLLBACK TO SAVEPOINT attempt").await.unwrap();
    conn.execute("RELEASE SAVEPOINT attempt").await.unwrap();
    result.err().map(|e| e.to_string())
}

#[tokio::test]
async fn every_reference_is_refused_across_tenants_and_accepted_within_one() {
    on_every_backend(|_store, mut conn, url| async move {
        let backend = backend_of(&url);
        let mut tried = 0;
        for child in TENANT_TABLES {
            for r in child.references {
                let what = format!("{}.{} -> {}", child.name, r.column, r.parent);
                let expected = refusal(backend, child.name, r);
                // The tenant under test has no row of the child yet (so the test's row meets no
                // uniqueness rule), except where the child is its own parent; the other tenant
                // has every row the parent needs to exist.
                let skip = needs(child.name);
                let skip_a = if r.parent == child.name { HashSet::new() } else { skip.clone() };
                let skip_b = if skip.contains(r.parent) { HashSet::new() } else { skip };
                conn.execute("BEGIN").await.unwrap();
                write_graph(&mut conn, A, &skip_a).await;
                write_graph(&mut conn, B, &skip_b).await;

                let mut row = build(child, A, true, &HashSet::new());
                for other in child.references.iter().filter(|o| o.check == Check::CompositeKey && *o != r) {
                    if skip_a.contains(other.parent) {
                        set(&mut row, other.column, "NULL".into());
                    }
                }
                if let Some((kind, v)) = r.only_when {
                    set(&mut row, kind, lit(v));
                }
                let own = lit(&row_id(A, r.parent, false));
                let foreign = lit(&row_id(B, r.parent, false));
                set(&mut row, r.column, foreign.clone());
                let err = refused(&mut conn, &insert_sql(child.name, &row)).await;
                assert!(
                    err.as_deref().is_some_and(|e| e.contains(&expected)),
                    "{what}: inserting a row that refers into another tenant gave {err:?}, not {expected:?}"
                );
                set(&mut row, r.column, own.clone());
                let sql = insert_sql(child.name, &row);
                conn.execute(sql.as_str()).await.unwrap_or_else(|e| panic!("{what}: same tenant refused: {e}\n{sql}"));

                let mine = format!("WHERE tenant_id = {} AND {} = {own}", lit(&uuid(A)), r.column);
                let err =
                    refused(&mut conn, &format!("UPDATE {} SET {} = {foreign} {mine}", child.name, r.column)).await;
                assert!(
                    err.as_deref().is_some_and(|e| e.contains(&expected)),
                    "{what}: updating a row to refer into another tenant gave {err:?}, not {expected:?}"
                );
                let sql = format!("UPDATE {} SET {} = {own} {mine}", child.name, r.column);
                conn.execute(sql.as_str()).await.unwrap_or_else(|e| panic!("{what}: same-tenant update refused: {e}"));
                // Moving the row itself into the other tenant leaves its references behind.
                let err =
                    refused(&mut conn, &format!("UPDATE {} SET tenant_id = {} {mine}", child.name, lit(&uuid(B))))
                        .await;
                assert!(
                    err.as_deref().is_some_and(|e| e.contains("cross-tenant reference") || e.contains("_tenant_fkey")),
                    "{what}: moving the row to another tenant gave {err:?}"
                );
                conn.execute("ROLLBACK").await.unwrap();
                tried += 1;
            }
        }
        assert_eq!(tried, TENANT_TABLES.iter().map(|t| t.references.len()).sum::<usize>());
        assert!(tried > 60, "only {tried} references declared");
    })
    .await;
}

#[tokio::test]
async fn a_row_that_others_refer_to_keeps_its_tenant() {
    on_every_backend(|_store, mut conn, _url| async move {
        conn.execute("BEGIN").await.unwrap();
        write_graph(&mut conn, A, &HashSet::new()).await;
        write_graph(&mut conn, B, &HashSet::new()).await;
        let parents: BTreeSet<&str> = TENANT_TABLES.iter().flat_map(|t| t.references).map(|r| r.parent).collect();
        assert!(parents.len() >= 10, "{parents:?}");
        for p in parents {
            assert!(is_referenced(p));
            let sql = format!("UPDATE {p} SET tenant_id = {} WHERE id = {}", lit(&uuid(B)), lit(&row_id(A, p, false)));
            let err = refused(&mut conn, &sql).await;
            assert!(
                err.as_deref().is_some_and(|e| e.contains("cross-tenant reference: ")),
                "moving a {p} to another tenant gave {err:?}"
            );
        }
        conn.execute("ROLLBACK").await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_upsert_does_not_reach_into_another_tenant() {
    on_every_backend(|store, mut conn, _url| async move {
        write_graph(&mut conn, A, &HashSet::new()).await;
        write_graph(&mut conn, B, &HashSet::new()).await;
        let p = |tenant: &str, table: &str| row_id(tenant, table, false);
        // Tenant b writes an assignment of its own under the id of tenant a's assignment.
        let row = Assignment {
            id: p(A, "assignment").parse().unwrap(),
            tenant_id: uuid(B).parse().unwrap(),
            school_id: p(B, "school").parse().unwrap(),
            group_id: p(B, "grp").parse().unwrap(),
            title: "Overtaget".into(),
            instructions: String::new(),
            mode: Mode::Assignment,
            audience: Audience::Group,
            opens_at: None,
            deadline: 1,
            late_allowed: false,
            resubmit_allowed: false,
            created_by: p(B, "person").parse().unwrap(),
            created_at: 1,
            updated_at: 1,
        };
        let mut tx = store.write().await.unwrap();
        let got = tx.put_assignment(&row).await;
        assert!(matches!(got, Err(StoreError::Conflict(_))), "{got:?}");
        drop(tx);
        let title = assignment_title(&mut conn, &p(A, "assignment")).await;
        assert_eq!(title, "Stil", "tenant a's assignment was changed by tenant b");
        // Within its own tenant the upsert still replaces.
        let own = Assignment {
            tenant_id: uuid(A).parse().unwrap(),
            school_id: p(A, "school").parse().unwrap(),
            group_id: p(A, "grp").parse().unwrap(),
            created_by: p(A, "person").parse().unwrap(),
            ..row
        };
        let mut tx = store.write().await.unwrap();
        tx.put_assignment(&own).await.unwrap();
        tx.commit().await.unwrap();
        let title = assignment_title(&mut conn, &p(A, "assignment")).await;
        assert_eq!(title, "Overtaget");
    })
    .await;
}

async fn assignment_title(conn: &mut AnyConnection, id: &str) -> String {
    sqlx::query("SELECT title FROM assignment WHERE id = $1").bind(id).fetch_one(conn).await.unwrap().get("title")
}

async fn strings(conn: &mut AnyConnection, sql: &str) -> Vec<(String, String)> {
    let rows = sqlx::query(sql).fetch_all(conn).await.unwrap();
    rows.iter().map(|r| (r.get::<String, _>(0), r.get::<String, _>(1))).collect()
}

#[tokio::test]
async fn every_table_of_the_schema_is_in_exactly_one_list_of_the_registry() {
    let mut names = HashSet::new();
    for name in TENANT_TABLES.iter().map(|t| t.name).chain(INSTANCE_TABLES.iter().map(|t| t.name)) {
        assert!(names.insert(name), "{name} is declared twice");
    }
    on_every_backend(|_store, mut conn, url| async move {
        let backend = backend_of(&url);
        let sql = match backend {
            Backend::Sqlite => "SELECT name, type FROM sqlite_master WHERE type = 'table'",
            Backend::Postgres => {
                "SELECT table_name::text, table_type::text FROM information_schema.tables \
                 WHERE table_schema = current_schema()"
            }
        };
        let live: BTreeSet<String> = strings(&mut conn, sql).await.into_iter().map(|(n, _)| n).collect();
        let unknown: Vec<&String> =
            live.iter().filter(|n| tenant_table(n).is_none() && instance_table(n).is_none()).collect();
        assert!(unknown.is_empty(), "{backend:?}: tables the registry does not know: {unknown:?}");
        let declared = TENANT_TABLES
            .iter()
            .map(|t| t.name)
            .chain(INSTANCE_TABLES.iter().filter(|t| t.only_on.is_none_or(|b| b == backend)).map(|t| t.name));
        let missing: Vec<&str> = declared.filter(|n| !live.contains(*n)).collect();
        assert!(missing.is_empty(), "{backend:?}: declared but not in the schema: {missing:?}");
    })
    .await;
}

#[tokio::test]
async fn coherence_triggers_watch_exactly_the_tables_the_registry_says() {
    on_every_backend(|_store, mut conn, url| async move {
        let backend = backend_of(&url);
        // A trigger's body says what it records: the organisation epoch or change log, or the
        // revocation of a session or app password.
        let sql = match backend {
            Backend::Sqlite => "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'",
            Backend::Postgres => {
                "SELECT c.relname::text, p.prosrc FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
                 JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
            }
        };
        let mut live = BTreeSet::new();
        for (table, body) in strings(&mut conn, sql).await {
            if body.contains("org_epoch") || body.contains("org_change") {
                live.insert((table.clone(), "organisation"));
            }
            if body.contains("session_revocation") {
                live.insert((table, "revocation"));
            }
        }
        let declared: BTreeSet<(String, &str)> = TENANT_TABLES
            .iter()
            .filter_map(|t| match t.watched {
                Watch::None => None,
                Watch::Organisation => Some((t.name.to_string(), "organisation")),
                Watch::Revocation => Some((t.name.to_string(), "revocation")),
            })
            .collect();
        assert_eq!(live, declared, "{backend:?}: coherence triggers and the registry disagree");
    })
    .await;
}

#[tokio::test]
async fn the_schema_checks_exactly_the_references_of_the_registry() {
    on_every_backend(|_store, mut conn, url| async move {
        let backend = backend_of(&url);
        let refs = || TENANT_TABLES.iter().flat_map(|t| t.references.iter().map(move |r| (t.name, r)));
        let mut triggers: BTreeSet<String> = BTreeSet::new();
        for (table, r) in refs() {
            match backend {
                Backend::Sqlite => {
                    triggers.insert(format!("{table}_{}_tenant_insert", r.column));
                    triggers.insert(format!("{table}_{}_tenant_update", r.column));
                }
                Backend::Postgres if r.check == Check::Trigger => {
                    triggers.insert(format!("{table}_tenant_insert"));
                    triggers.insert(format!("{table}_tenant_update"));
                }
                Backend::Postgres => {}
            }
            triggers.insert(format!("{}_tenant_fixed", r.parent));
        }
        let sql = match backend {
            Backend::Sqlite => "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'",
            Backend::Postgres => {
                "SELECT t.tgname::text, c.relname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
                 WHERE NOT t.tgisinternal"
            }
        };
        let live: BTreeSet<String> = strings(&mut conn, sql)
            .await
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| ["_tenant_insert", "_tenant_update", "_tenant_fixed"].iter().any(|s| n.ends_with(s)))
            .collect();
        assert_eq!(live, triggers, "{backend:?}: tenant triggers and the registry disagree");

        // Declared foreign keys (other than to the tenant itself) are the registry's keys.
        let keys: BTreeSet<String> = refs()
            .filter(|(_, r)| r.check == Check::CompositeKey)
            .map(|(t, r)| match backend {
                Backend::Sqlite => format!("{t}.{} -> {}", r.column, r.parent),
                Backend::Postgres => format!(
                    "{t}_{c}_tenant_fkey: FOREIGN KEY (tenant_id, {c}) REFERENCES {p}(tenant_id, id)",
                    c = r.column,
                    p = r.parent
                ),
            })
            .collect();
        let live: BTreeSet<String> = match backend {
            Backend::Sqlite => strings(
                &mut conn,
                "SELECT m.name || '.' || f.\"from\", f.\"table\" FROM sqlite_master m \
                 JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
            )
            .await
            .into_iter()
            .filter(|(_, parent)| parent != "tenant")
            .map(|(col, parent)| format!("{col} -> {parent}"))
            .collect(),
            Backend::Postgres => strings(
                &mut conn,
                "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
                 WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
            )
            .await
            .into_iter()
            .filter(|(_, def)| !def.ends_with("REFERENCES tenant(id)"))
            .map(|(name, def)| format!("{name}: {}", def.trim_end_matches(" MATCH FULL")))
            .collect(),
        };
        assert_eq!(live, keys, "{backend:?}: foreign keys and the registry disagree");
    })
    .await;
}

mod migrations;
