//! The drive part of the backend-agnostic store suite: spaces and their quota guard, blob
//! deduplication per tenant, names unique without case among live siblings, and shares. Every
//! test runs on SQLite and, when `TAVLE_TEST_POSTGRES_URL` is set, on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use tavle_core::drive::{Access, Grantee, NodeKind, SpaceKind};
use tavle_core::drive::{Node, Share, Space};
use tavle_core::org::PersonStatus;
use tavle_core::org::Tenant;
use tavle_core::{BlobId, GroupId, NodeId, PersonId, SpaceId, TenantId, Timestamp};
use tavle_store::drive::BlobRow;
use tavle_store::testing::{create_postgres_database, drop_postgres_database, postgres_url};
use tavle_store::{NewPerson, Store, StoreError, StoreOptions};

async fn on_every_backend<F, Fut>(f: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let store =
        Store::open(&format!("sqlite://{}/t.db", dir.path().display()), &StoreOptions::default()).await.unwrap();
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

fn node(space: &Space, parent: Option<NodeId>, name: &str, kind: NodeKind) -> Node {
    Node {
        id: NodeId::new(),
        tenant_id: space.tenant_id,
        space_id: space.id,
        parent_id: parent,
        name: name.into(),
        kind,
        blob_id: None,
        size: 0,
        sha256: None,
        etag: "e".into(),
        created_at: 1,
        created_by: None,
        modified_at: 1,
        modified_by: None,
        trashed_at: None,
        trashed_by: None,
    }
}

/// A tenant with one personal space (its root made), quota set to `quota`.
async fn space(store: &Store, code: &str, quota: i64) -> Space {
    let t = Tenant { id: TenantId::new(), code: code.into(), name: code.into() };
    let mut tx = store.write().await.unwrap();
    tx.insert_tenant(&t, Timestamp(1)).await.unwrap();
    let s = Space {
        id: SpaceId::new(),
        tenant_id: t.id,
        kind: SpaceKind::Personal(PersonId::new()),
        root_id: NodeId::new(),
        quota_bytes: Some(quota),
        used_bytes: 0,
        created_at: 1,
    };
    let mut root = node(&s, None, "", NodeKind::Folder);
    root.id = s.root_id;
    tx.insert_space(&s, &root).await.unwrap();
    tx.commit().await.unwrap();
    s
}

#[tokio::test]
async fn the_quota_guard_holds_in_one_statement() {
    on_every_backend(|store| async move {
        let s = space(&store, "a", 100).await;
        let mut tx = store.write().await.unwrap();
        assert!(tx.charge_space(s.tenant_id, s.id, 60, 100).await.unwrap());
        assert!(!tx.charge_space(s.tenant_id, s.id, 41, 100).await.unwrap(), "60 + 41 > 100");
        assert!(tx.charge_space(s.tenant_id, s.id, 40, 100).await.unwrap());
        assert!(tx.charge_space(s.tenant_id, s.id, -30, 100).await.unwrap(), "freeing always works");
        assert_eq!(tx.space(s.tenant_id, s.id).await.unwrap().unwrap().used_bytes, 70);
        tx.commit().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn identical_contents_are_one_blob_per_tenant_never_across() {
    on_every_backend(|store| async move {
        let a = space(&store, "a", 100).await;
        let b = space(&store, "b", 100).await;
        let blob =
            |tenant| BlobRow { id: BlobId::new(), tenant_id: tenant, sha256: "ab".repeat(32), size: 3, created_at: 1 };
        let mut tx = store.write().await.unwrap();
        let first = blob(a.tenant_id);
        assert_eq!(tx.record_blob(&first).await.unwrap().id, first.id);
        assert_eq!(tx.record_blob(&blob(a.tenant_id)).await.unwrap().id, first.id, "deduplicated");
        let other = blob(b.tenant_id);
        assert_eq!(tx.record_blob(&other).await.unwrap().id, other.id, "never shared across tenants");
        assert_eq!(tx.blob(b.tenant_id, first.id).await.unwrap(), None);
        tx.commit().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn live_sibling_names_are_unique_without_case_and_the_trash_frees_them() {
    on_every_backend(|store| async move {
        let s = space(&store, "a", 100).await;
        let mut tx = store.write().await.unwrap();
        let mut first = node(&s, Some(s.root_id), "Rapport.docx", NodeKind::File);
        tx.insert_node(&first).await.unwrap();
        tx.commit().await.unwrap();
        let same = node(&s, Some(s.root_id), "RAPPORT.DOCX", NodeKind::File);
        // A conflict ends its transaction on PostgreSQL: the caller gives it up.
        let mut tx = store.write().await.unwrap();
        assert!(matches!(tx.insert_node(&same).await, Err(StoreError::Conflict(_))));
        drop(tx);
        let mut tx = store.write().await.unwrap();
        first.trashed_at = Some(2);
        tx.update_node(&first).await.unwrap();
        tx.insert_node(&same).await.unwrap();
        assert_eq!(tx.children(s.tenant_id, s.root_id).await.unwrap().len(), 1, "the trashed one is not listed");
        assert_eq!(tx.trash(s.tenant_id, s.id).await.unwrap().len(), 1);
        tx.commit().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn shares_are_found_by_node_and_by_grantee_and_expire() {
    on_every_backend(|store| async move {
        let s = space(&store, "a", 100).await;
        let other = space(&store, "b", 100).await;
        let folder = node(&s, Some(s.root_id), "Delt", NodeKind::Folder);
        let group = GroupId::new();
        let person = PersonId::new();
        let mut tx = store.write().await.unwrap();
        let np = NewPerson {
            id: person,
            tenant_id: s.tenant_id,
            display_name: "Deler",
            status: PersonStatus::Active,
            source_id: None,
        };
        tx.insert_person(&np, Timestamp(1)).await.unwrap();
        tx.insert_node(&folder).await.unwrap();
        let share = |grantee, expires_at| Share {
            id: uuid::Uuid::now_v7(),
            tenant_id: s.tenant_id,
            node_id: folder.id,
            grantee,
            access: Access::View,
            created_by: person,
            created_at: 1,
            expires_at,
        };
        tx.put_share(&share(Grantee::Group(group), Some(100))).await.unwrap();
        // Sharing again with the same grantee changes the share, not adds one.
        let again = Share { access: Access::Edit, ..share(Grantee::Group(group), Some(100)) };
        assert_eq!(tx.put_share(&again).await.unwrap().access, Access::Edit);
        assert_eq!(tx.shares_on(s.tenant_id, &[folder.id], 50).await.unwrap().len(), 1);
        assert_eq!(tx.shares_with(s.tenant_id, &[Grantee::Group(group)], 50).await.unwrap().len(), 1);
        assert_eq!(tx.shares_with(s.tenant_id, &[Grantee::Group(group)], 100).await.unwrap().len(), 0, "expired");
        assert_eq!(tx.shares_with(other.tenant_id, &[Grantee::Group(group)], 50).await.unwrap().len(), 0);
        // A person whose id happens to be the group's is not the group.
        let as_person = Grantee::Person(PersonId(group.0));
        assert_eq!(tx.shares_with(s.tenant_id, &[as_person], 50).await.unwrap().len(), 0);
        tx.commit().await.unwrap();
    })
    .await;
}
