//! The backend-agnostic store suite: every test runs on SQLite in a temporary directory, and
//! on PostgreSQL too when `TAVLE_TEST_POSTGRES_URL` is set (CI always sets it).
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use tavle_core::org::{Group, GroupKind, MemberRole, PersonStatus, School, SchoolYear, StaffRole, Tenant};
use tavle_core::{GroupId, PersonId, SchoolId, SchoolYearId, TenantId, Timestamp};
use tavle_store::testing::{create_postgres_database, drop_postgres_database, postgres_url};
use tavle_store::{NewPerson, SessionRecord, Store, StoreError, StoreOptions};

/// Runs `f` once per configured backend, each time on an empty database.
async fn on_every_backend<F, Fut>(f: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    f(store.clone()).await;
    store.close().await;
    if let Some(admin) = postgres_url() {
        let url = create_postgres_database(&admin).await.unwrap();
        let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
        f(store.clone()).await;
        store.close().await;
        drop_postgres_database(&admin, &url).await.unwrap();
    }
}

struct Fixture {
    tenant: TenantId,
    school: SchoolId,
    year: SchoolYearId,
    group: GroupId,
    person: PersonId,
}

async fn fixture(store: &Store, code: &str) -> Fixture {
    let now = Timestamp(1_780_000_000_000);
    let t = Tenant { id: TenantId::new(), code: code.into(), name: format!("Kommune {code}") };
    let s = School {
        id: SchoolId::new(),
        tenant_id: t.id,
        name: "Ærøskøbing Skole".into(),
        institution_number: "280001".into(),
    };
    let y = SchoolYear {
        id: SchoolYearId::new(),
        tenant_id: t.id,
        school_id: s.id,
        label: "2026/27".into(),
        starts_on: time::macros::date!(2026 - 08 - 10),
        ends_on: time::macros::date!(2027 - 06 - 25),
    };
    let g = Group {
        id: GroupId::new(),
        tenant_id: t.id,
        school_id: s.id,
        school_year_id: y.id,
        name: "5.Ø".into(),
        kind: GroupKind::Class { grade: 5, letter: "Ø".into() },
    };
    let p = PersonId::new();
    let mut tx = store.write().await.unwrap();
    tx.insert_tenant(&t, now).await.unwrap();
    tx.insert_school(&s).await.unwrap();
    tx.insert_school_year(&y, Some("y1")).await.unwrap();
    tx.insert_group(&g, Some("g1")).await.unwrap();
    let np = NewPerson {
        id: p,
        tenant_id: t.id,
        display_name: "Åse Kjær-Østergaard",
        status: PersonStatus::Active,
        source_id: Some("u1"),
    };
    tx.insert_person(&np, now).await.unwrap();
    tx.insert_login(t.id, p, &format!("aase-{code}"), Some("hash")).await.unwrap();
    tx.put_membership(t.id, g.id, p, MemberRole::Pupil).await.unwrap();
    tx.put_person_school(t.id, p, s.id, "pupil").await.unwrap();
    tx.commit().await.unwrap();
    Fixture { tenant: t.id, school: s.id, year: y.id, group: g.id, person: p }
}

#[tokio::test]
async fn round_trips_the_organisation_exactly() {
    on_every_backend(|store| async move {
        let f = fixture(&store, "a").await;
        let mut c = store.read().await.unwrap();
        let p = c.person(f.tenant, f.person).await.unwrap().unwrap();
        assert_eq!(p.display_name, "Åse Kjær-Østergaard");
        assert_eq!(p.username.as_deref(), Some("aase-a"));
        assert_eq!(p.source_id.as_deref(), Some("u1"));
        let g = c.group(f.tenant, f.group).await.unwrap().unwrap();
        assert_eq!(g.kind, GroupKind::Class { grade: 5, letter: "Ø".into() });
        assert_eq!(g.school_year_id, f.year);
        let y = c.school_year(f.tenant, f.year).await.unwrap().unwrap();
        assert_eq!(y.starts_on, time::macros::date!(2026 - 08 - 10));
        let members = c.group_members(f.tenant, f.group).await.unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].role, MemberRole::Pupil);
        let actor = c.actor(f.tenant, f.person, PersonStatus::Active).await.unwrap();
        assert_eq!(actor.schools, vec![f.school]);
        assert_eq!(actor.memberships.len(), 1);
        // A person's own overview in one query, the same as the queries it replaces.
        let o = c.person_overview(f.tenant, f.person).await.unwrap().unwrap();
        assert_eq!(o.display_name, "Åse Kjær-Østergaard");
        assert_eq!(o.username.as_deref(), Some("aase-a"));
        assert_eq!(o.status, PersonStatus::Active);
        assert_eq!(o.schools, c.schools_of(f.tenant, f.person).await.unwrap());
        assert_eq!(o.identities, c.identities_of(f.tenant, f.person).await.unwrap());
        assert!(c.person_overview(f.tenant, PersonId::new()).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn every_tenant_scoped_query_is_sealed_from_other_tenants() {
    on_every_backend(|store| async move {
        let a = fixture(&store, "a").await;
        let b = fixture(&store, "b").await;
        // A teacher of tenant A's class.
        let teacher = PersonId::new();
        let mut tx = store.write().await.unwrap();
        let np = NewPerson {
            id: teacher,
            tenant_id: a.tenant,
            display_name: "Ærling Lærer",
            status: PersonStatus::Active,
            source_id: None,
        };
        tx.insert_person(&np, Timestamp(1)).await.unwrap();
        tx.put_membership(a.tenant, a.group, teacher, MemberRole::Teacher).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        assert_eq!(c.teachers_of_tenant(a.tenant).await.unwrap(), vec![(a.group, "Ærling Lærer".to_string())]);
        // Asking with tenant B for tenant A's objects finds nothing.
        assert!(c.person(b.tenant, a.person).await.unwrap().is_none());
        assert!(c.group(b.tenant, a.group).await.unwrap().is_none());
        assert!(c.school(b.tenant, a.school).await.unwrap().is_none());
        assert!(c.school_year(b.tenant, a.year).await.unwrap().is_none());
        assert!(c.group_members(b.tenant, a.group).await.unwrap().is_empty());
        assert!(c.memberships_of(b.tenant, a.person).await.unwrap().is_empty());
        assert!(c.schools_of(b.tenant, a.person).await.unwrap().is_empty());
        assert!(c.people_of_school(b.tenant, a.school).await.unwrap().is_empty());
        assert_eq!(c.people(b.tenant).await.unwrap().len(), 1);
        assert_eq!(c.schools(b.tenant).await.unwrap().len(), 1);
        assert!(c.person_overview(b.tenant, a.person).await.unwrap().is_none());
        assert!(c.teachers_of_tenant(b.tenant).await.unwrap().is_empty());
        drop(c);
        // Writes with the wrong tenant change nothing.
        let mut tx = store.write().await.unwrap();
        assert!(!tx.remove_membership(b.tenant, a.group, a.person).await.unwrap());
        tx.update_person(b.tenant, a.person, "Hacked", PersonStatus::Disabled, Timestamp(1)).await.unwrap();
        assert_eq!(tx.delete_sessions_of(b.tenant, a.person).await.unwrap(), 0);
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let p = c.person(a.tenant, a.person).await.unwrap().unwrap();
        assert_eq!(p.display_name, "Åse Kjær-Østergaard");
        assert_eq!(p.status, PersonStatus::Active);
    })
    .await;
}

#[tokio::test]
async fn uniqueness_is_a_conflict_not_a_database_failure() {
    on_every_backend(|store| async move {
        let a = fixture(&store, "a").await;
        let mut tx = store.write().await.unwrap();
        let err = tx.insert_login(a.tenant, PersonId::new(), "aase-a", None).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
        drop(tx);
        // The failed transaction was rolled back and the store still works.
        assert!(store.read().await.unwrap().login_by_username("aase-a").await.unwrap().is_some());
    })
    .await;
}

#[tokio::test]
async fn a_dropped_transaction_leaves_nothing_behind() {
    on_every_backend(|store| async move {
        let a = fixture(&store, "a").await;
        let mut tx = store.write().await.unwrap();
        tx.update_person(a.tenant, a.person, "Changed", PersonStatus::Left, Timestamp(2)).await.unwrap();
        drop(tx);
        let p = store.read().await.unwrap().person(a.tenant, a.person).await.unwrap().unwrap();
        assert_eq!(p.display_name, "Åse Kjær-Østergaard");
    })
    .await;
}

#[tokio::test]
async fn sessions_staff_roles_and_throttle_counters() {
    on_every_backend(|store| async move {
        let a = fixture(&store, "a").await;
        let mut tx = store.write().await.unwrap();
        let rec = SessionRecord {
            token_hash: "h1".into(),
            tenant_id: a.tenant,
            person_id: a.person,
            csrf_token: "c".into(),
            created_at: Timestamp(10),
            last_seen_at: Timestamp(10),
            source: "127.0.0.1".into(),
            user_agent: "test".into(),
            person_status: PersonStatus::Active,
        };
        tx.insert_session(&rec).await.unwrap();
        tx.grant_staff(a.tenant, a.person, StaffRole::SchoolAdmin(a.school)).await.unwrap();
        tx.grant_staff(a.tenant, a.person, StaffRole::SchoolAdmin(a.school)).await.unwrap();
        tx.record_login_failure(&["account:x", "source:y"], Timestamp(100)).await.unwrap();
        tx.record_login_failure(&["account:x"], Timestamp(200)).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = store.read().await.unwrap();
        let found = c.session_by_hash("h1").await.unwrap().unwrap();
        assert_eq!(found.person_id, a.person);
        assert_eq!(c.staff_of(a.tenant, a.person).await.unwrap(), vec![StaffRole::SchoolAdmin(a.school)]);
        assert_eq!(c.login_failures_since("account:x", Timestamp(0)).await.unwrap(), 2);
        assert_eq!(c.login_failures_since("account:x", Timestamp(150)).await.unwrap(), 1);
        drop(c);
        let mut tx = store.write().await.unwrap();
        assert_eq!(tx.delete_expired_sessions(Timestamp(11), Timestamp(0)).await.unwrap(), 1);
        tx.commit().await.unwrap();
        assert!(store.read().await.unwrap().session_by_hash("h1").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn opening_twice_runs_migrations_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let s1 = Store::open(&url, &StoreOptions::default()).await.unwrap();
    fixture(&s1, "a").await;
    s1.close().await;
    let s2 = Store::open(&url, &StoreOptions::default()).await.unwrap();
    assert_eq!(s2.read().await.unwrap().tenants().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_broken_database_is_an_error_not_an_absence() {
    on_every_backend(|store| async move {
        store.close().await;
        let err = store.read().await.err().expect("a closed pool must fail");
        assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    })
    .await;
}

/// The roster import's bulk writes: more rows than fit in one statement, upserts, deletes by
/// row value, and a snapshot that reads back exactly what was written, sealed by tenant.
#[tokio::test]
async fn bulk_roster_writes_round_trip_and_stay_in_their_tenant() {
    use tavle_store::{LoginRow, MemberRow, PersonCols, PersonSchoolRow, RosterWrite};
    on_every_backend(|store| async move {
        let a = fixture(&store, "a").await;
        let b = fixture(&store, "b").await;
        let now = Timestamp(1_780_000_000_000);
        let people: Vec<PersonCols> = (0..2500)
            .map(|i| PersonCols {
                id: PersonId::new(),
                display_name: format!("Elev Æ{i}"),
                status: PersonStatus::Active,
                source_id: Some(format!("bulk{i}")),
            })
            .collect();
        let w = RosterWrite {
            new_logins: people
                .iter()
                .enumerate()
                .map(|(i, p)| LoginRow { person_id: p.id, username: format!("bulk{i}"), password_hash: None })
                .collect(),
            put_memberships: people
                .iter()
                .map(|p| MemberRow { group_id: a.group, person_id: p.id, role: MemberRole::Pupil })
                .chain([MemberRow { group_id: a.group, person_id: a.person, role: MemberRole::Teacher }])
                .collect(),
            put_person_schools: people
                .iter()
                .map(|p| PersonSchoolRow { person_id: p.id, school_id: a.school, role: "pupil".into() })
                .collect(),
            new_people: people.clone(),
            ..RosterWrite::default()
        };
        let mut written = 0;
        let mut tx = store.write().await.unwrap();
        tx.apply_roster(a.tenant, &w, now, &mut |n| written += n).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(written, w.rows());

        let snap = store.read().await.unwrap().tenant_snapshot(a.tenant).await.unwrap();
        assert_eq!(snap.people.len(), 2501);
        assert!(people.iter().all(|p| snap.people.contains(p)));
        assert_eq!(snap.logins.len(), 2501);
        assert_eq!(snap.memberships.len(), 2501);
        let upserted = snap.memberships.iter().find(|m| m.person_id == a.person).unwrap();
        assert_eq!(upserted.role, MemberRole::Teacher);
        assert_eq!(snap.person_schools.len(), 2501);

        // Remove most again, with the other tenant's rows named too: they must survive.
        let w = RosterWrite {
            removed_memberships: people
                .iter()
                .take(1500)
                .map(|p| (a.group, p.id))
                .chain([(b.group, b.person)])
                .collect(),
            removed_person_schools: vec![(b.person, b.school)],
            removed_logins: vec![b.person, people[0].id],
            end_sessions: vec![b.person],
            ..RosterWrite::default()
        };
        let mut tx = store.write().await.unwrap();
        tx.apply_roster(a.tenant, &w, now, &mut |_| {}).await.unwrap();
        tx.commit().await.unwrap();
        let snap = store.read().await.unwrap().tenant_snapshot(a.tenant).await.unwrap();
        assert_eq!(snap.memberships.len(), 1001);
        assert_eq!(snap.logins.len(), 2500);
        let other = store.read().await.unwrap().tenant_snapshot(b.tenant).await.unwrap();
        assert_eq!((other.memberships.len(), other.person_schools.len(), other.logins.len()), (1, 1, 1));
        assert_eq!(other.people.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn passkeys_ceremonies_the_rule_and_waiting_logins() {
    use tavle_store::passkeys::{Ceremony, PasskeyRecord};
    use tavle_store::second_factors::PendingLogin;
    on_every_backend(|store| async move {
        let a = fixture(&store, "a").await;
        let b = fixture(&store, "b").await;
        let key = |id: &str| PasskeyRecord {
            credential_id: id.into(),
            name: "Min telefon".into(),
            passkey: "{\"cred\":1}".into(),
            created_at: 5,
            last_used_at: None,
        };
        let mut tx = store.write().await.unwrap();
        assert!(tx.insert_passkey(a.tenant, a.person, &key("k1")).await.unwrap());
        // A credential id is the instance's once: another person (or tenant) cannot take it.
        assert!(!tx.insert_passkey(b.tenant, b.person, &key("k1")).await.unwrap());
        tx.set_second_factor_rule(a.tenant, &["school_admin".into(), "staff".into()], 7).await.unwrap();
        tx.insert_ceremony(
            "c1",
            &Ceremony { kind: "login".into(), tenant_id: None, person_id: None, state: "{}".into(), expires_at: 100 },
        )
        .await
        .unwrap();
        let pending = PendingLogin {
            tenant_id: a.tenant,
            person_id: a.person,
            expires_at: 50,
            tries: 0,
            first_step: Some("{\"auth_method\":\"oidc\"}".into()),
            must_enrol: true,
        };
        tx.insert_login_pending("p1", &pending, 1).await.unwrap();
        tx.commit().await.unwrap();

        let mut c = store.read().await.unwrap();
        assert_eq!(c.passkeys_of(a.tenant, a.person).await.unwrap(), vec![key("k1")]);
        assert!(c.passkeys_of(b.tenant, b.person).await.unwrap().is_empty());
        let owned = c.passkey_by_credential("k1").await.unwrap().unwrap();
        assert_eq!((owned.tenant_id, owned.person_id), (a.tenant, a.person));
        assert_eq!(c.second_factor_rule(a.tenant).await.unwrap(), ["school_admin", "staff"]);
        assert!(c.second_factor_rule(b.tenant).await.unwrap().is_empty());
        assert_eq!(c.login_pending("p1").await.unwrap(), Some(pending.clone()));
        drop(c);

        let mut tx = store.write().await.unwrap();
        // Another tenant can neither change nor remove the passkey.
        tx.passkey_used(b.tenant, "k1", "{\"cred\":2}", 9).await.unwrap();
        assert!(!tx.delete_passkey(b.tenant, a.person, "k1").await.unwrap());
        tx.passkey_used(a.tenant, "k1", "{\"cred\":3}", 9).await.unwrap();
        // A ceremony is taken once.
        assert_eq!(tx.take_ceremony("c1").await.unwrap().unwrap().kind, "login");
        assert!(tx.take_ceremony("c1").await.unwrap().is_none());
        assert_eq!(tx.try_login_pending("p1").await.unwrap().unwrap().tries, 1);
        let c2 =
            Ceremony { kind: "login".into(), tenant_id: None, person_id: None, state: "{}".into(), expires_at: 100 };
        tx.insert_ceremony("c2", &c2).await.unwrap();
        assert_eq!(tx.live_ceremonies("login", 50).await.unwrap(), 1);
        assert_eq!(tx.live_ceremonies("login", 100).await.unwrap(), 0, "expired at 100");
        assert_eq!(tx.delete_expired_ceremonies(200).await.unwrap(), 1);
        tx.commit().await.unwrap();
        let got = store.read().await.unwrap().passkeys_of(a.tenant, a.person).await.unwrap();
        assert_eq!((got[0].passkey.as_str(), got[0].last_used_at), ("{\"cred\":3}", Some(9)));

        // Resetting a person's factors takes their passkeys too; removing TOTP alone does not.
        let mut tx = store.write().await.unwrap();
        tx.delete_totp(a.tenant, a.person).await.unwrap();
        assert_eq!(tx.passkeys_of(a.tenant, a.person).await.unwrap().len(), 1);
        assert_eq!(tx.delete_second_factors(a.tenant, a.person).await.unwrap(), 1);
        tx.commit().await.unwrap();
    })
    .await;
}
