//! Tavle's use cases. Each public function on [`App`] is one thing a person or operator does:
//! it loads what it needs, asks the policy in `tavle_core::policy`, writes the change and its
//! audit record in one transaction, and returns a view. Nothing here knows about HTTP.

pub mod access;
pub mod app_passwords;
pub mod assignments;
pub mod audit;
pub mod auth;
mod batch;
mod cache;
pub mod caller;
pub mod content;
mod csv_out;
pub mod demo;
pub mod documents;
pub mod drive;
mod error;
pub mod federation;
pub mod import;
mod instance_keys;
pub mod login_flow;
pub mod office;
pub mod org;
pub mod passwords;
pub mod provisioning;
pub mod receipts;
pub mod second_factor;
mod secrets;
pub mod views;

use std::sync::Arc;

use tavle_blob::BlobStore;
use tavle_core::Clock;
use tavle_store::Store;

pub use error::{AppError, AppResult, Conflict, LoginRefusal, Opened};
pub use passwords::{PasswordConfig, Passwords};

/// How long sessions live and how failed logins are throttled.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// A session unused this long ends (seconds).
    pub session_idle_secs: i64,
    /// A session ends this long after login however much it is used (seconds).
    pub session_absolute_secs: i64,
    pub throttle: ThrottleConfig,
    pub passwords: PasswordConfig,
    /// How many sessions the session cache holds (about 3 KB each with their `/me` view).
    pub session_cache_entries: usize,
    pub drive: drive::DriveConfig,
    /// Whether WebDAV and the sync clients may log in with a person's password as well as
    /// with app passwords (the demo allows it; production should not).
    pub dav_accepts_login_password: bool,
    /// A hand-in begun before its deadline counts as on time if it is recorded within this
    /// many seconds after it (a slow upload in the last minute; exams too).
    pub hand_in_grace_secs: i64,
    /// The lowest class grade (årgang) whose work gets grades on the 7-point scale.
    pub grades_from_grade: u8,
    /// How long an open document with nobody in it stays in memory (seconds).
    pub document_idle_secs: u64,
    /// Let login services live on this machine (plain `http` on loopback): tests and a
    /// provider beside Tavle. Otherwise a login service must be `https` on a public address.
    pub oidc_allow_loopback: bool,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            session_idle_secs: 4 * 3600,
            session_absolute_secs: 12 * 3600,
            throttle: ThrottleConfig::default(),
            passwords: PasswordConfig::default(),
            session_cache_entries: 100_000,
            drive: drive::DriveConfig::default(),
            dav_accepts_login_password: false,
            hand_in_grace_secs: 120,
            grades_from_grade: 8,
            document_idle_secs: 30,
            oidc_allow_loopback: false,
        }
    }
}

/// Failed-login limits. They are counted per account, per (account, source) pair and per
/// source, each over `window_secs`. The per-source limit is high on purpose: a whole school
/// sits behind one NAT address, and 600 children mistyping must not lock each other out.
#[derive(Clone, Debug)]
pub struct ThrottleConfig {
    pub window_secs: i64,
    pub per_account_and_source: i64,
    pub per_account: i64,
    pub per_source: i64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig { window_secs: 15 * 60, per_account_and_source: 10, per_account: 50, per_source: 1000 }
    }
}

/// What every service works with: the metadata store, the blob store, the clock, the
/// password workers, the configuration and the session cache. One per application, shared.
#[doc(hidden)]
pub struct Base {
    pub(crate) store: Store,
    pub(crate) blobs: BlobStore,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) passwords: Passwords,
    pub(crate) cfg: AppConfig,
    pub(crate) cache: cache::SessionCache,
    /// Moves on whenever who may reach what may have changed (a share or a node removed or
    /// moved, an organisation changed, a session ended): open documents check their
    /// connections again.
    pub(crate) access_events: tokio::sync::watch::Sender<u64>,
    /// This process among the nodes sharing the database (a random id per start): what it
    /// announces to the others carries it, so it can skip its own notices.
    pub(crate) instance: String,
}

impl Base {
    /// Reads what changed in the database (on any node, in any process) and drops what the
    /// session cache holds of it.
    pub(crate) async fn sync_cache(&self) -> AppResult<()> {
        let backend = self.store.backend();
        let mut conn = self.store.read().await?;
        // The first poll starts at the newest records: nothing is cached before it.
        let (org, revoked) = match self.cache.poll_from() {
            Some(from) => from,
            None => conn.latest_change_seqs(backend).await?,
        };
        let changes = conn.recent_changes(backend, org, revoked).await?;
        drop(conn);
        if self.cache.apply(changes) {
            // Every node reads these changes itself: nothing to tell the others.
            self.access_changed_here();
        }
        Ok(())
    }

    /// Says that who may reach what may have changed (a share removed, a node moved or
    /// trashed, an assignment's clock changed), so open connections check again — here at
    /// once, and on the other nodes sharing the database by a PostgreSQL notice (sent in the
    /// background, after the change was committed).
    pub(crate) fn access_changed(&self) {
        self.access_changed_here();
        if self.store.backend() != tavle_store::Backend::Postgres {
            return;
        }
        let (store, origin) = (self.store.clone(), self.instance.clone());
        tokio::spawn(async move {
            let r = async {
                let mut conn = store.read().await?;
                let nil = uuid::Uuid::nil();
                let (tenant, node) = (tavle_core::TenantId(nil), tavle_core::NodeId(nil));
                conn.announce_document_signal(store.backend(), &origin, tenant, node, "x").await?;
                Ok::<_, AppError>(())
            }
            .await;
            if let Err(e) = r {
                tracing::warn!(error = %e, "telling the other nodes that access changed failed");
            }
        });
    }

    /// As [`Base::access_changed`], on this node only (what another node announced, or what
    /// every node learns by itself).
    pub(crate) fn access_changed_here(&self) {
        self.access_events.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Commits a write that changes the organisation or ends sessions, then brings the
    /// session cache up to date before the caller answers, so the change holds at once.
    pub(crate) async fn commit(&self, tx: tavle_store::Tx) -> AppResult<()> {
        tx.commit().await?;
        if let Err(e) = self.sync_cache().await {
            // The write stands; the periodic sync will catch up.
            tracing::warn!(error = %e, "session cache sync after a write failed");
        }
        Ok(())
    }
}

/// A service: its own use cases, the [`Base`] it works with (as `self.store`, `self.clock`,
/// ...), and, as named fields, the services it depends on. The dependencies run one way:
///
/// ```text
/// sessions ─▶ organisation
/// office ─▶ drive ────────┬─▶ access ─▶ content
/// assignments ─▶ documents ┘
/// (assignments and office use access and content directly too)
/// ```
macro_rules! service {
    ($name:ident) => {
        impl std::ops::Deref for $name {
            type Target = crate::Base;
            fn deref(&self) -> &crate::Base {
                &self.base
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($name))
            }
        }
    };
}
pub(crate) use service;

/// The application: every service, built once over one [`Base`]. Cheap to clone: one
/// reference count, because every request clones it (axum's state). Each use case is a
/// method of the service it belongs to (`app.drive().upload(..)`); `App` itself only
/// builds them and does what spans them (housekeeping, the demo).
#[derive(Clone)]
pub struct App(Arc<Services>);

#[doc(hidden)]
pub struct Services {
    base: Arc<Base>,
    access: access::AccessControl,
    content: content::Content,
    organisation: org::Organisation,
    sessions: auth::Sessions,
    drive: drive::Drive,
    assignments: assignments::Assignments,
    documents: documents::Documents,
    office: office::Office,
    federation: federation::Federation,
    provisioning: provisioning::Provisioning,
}

impl std::ops::Deref for App {
    type Target = Base;
    fn deref(&self) -> &Base {
        &self.0.base
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("store", &self.store).finish_non_exhaustive()
    }
}

impl App {
    pub fn new(store: Store, blobs: BlobStore, clock: Arc<dyn Clock>, cfg: AppConfig) -> AppResult<Self> {
        let passwords = Passwords::new(&cfg.passwords)?;
        let cache = cache::SessionCache::new(cfg.session_cache_entries);
        let (access_events, _) = tokio::sync::watch::channel(0);
        let instance = uuid::Uuid::new_v4().simple().to_string();
        let base = Arc::new(Base { store, blobs, clock, passwords, cfg, cache, access_events, instance });
        let content = content::Content::new(base.clone());
        let access = access::AccessControl::new(base.clone(), content.clone());
        let organisation = org::Organisation::new(base.clone());
        let documents = documents::Documents::new(base.clone(), access.clone(), content.clone());
        let drive = drive::Drive::new(base.clone(), access.clone(), content.clone());
        let office = office::Office::new(base.clone(), access.clone(), drive.clone());
        let sessions = auth::Sessions::new(base.clone(), organisation.clone());
        let federation = federation::Federation::new(base.clone(), sessions.clone())?;
        let provisioning = provisioning::Provisioning::new(base.clone());
        Ok(App(Arc::new(Services {
            sessions,
            federation,
            provisioning,
            drive,
            office,
            assignments: assignments::Assignments::new(
                base.clone(),
                access.clone(),
                content.clone(),
                documents.clone(),
            ),
            documents,
            organisation,
            access,
            content,
            base,
        })))
    }

    /// Who may reach what: drives and the nodes in them, and what running exams shut.
    pub fn access(&self) -> &access::AccessControl {
        &self.0.access
    }

    /// File contents: taking them in, reading them out.
    pub fn content(&self) -> &content::Content {
        &self.0.content
    }

    /// Schools, school years, classes and teams, people, `/me`, roster imports.
    pub fn org(&self) -> &org::Organisation {
        &self.0.organisation
    }

    /// Logins, sessions, app passwords and devices, Login Flow v2.
    pub fn sessions(&self) -> &auth::Sessions {
        &self.0.sessions
    }

    /// The drive: spaces, files and folders, uploads, trash and versions, sharing, links,
    /// WebDAV locks and properties.
    pub fn drive(&self) -> &drive::Drive {
        &self.0.drive
    }

    /// Assignments, hand-ins, exams, marking and feedback.
    pub fn assignments(&self) -> &assignments::Assignments {
        &self.0.assignments
    }

    /// Tavle documents: making them, editing them together in real time.
    pub fn documents(&self) -> &documents::Documents {
        &self.0.documents
    }

    /// Logins through the municipalities' login services (OpenID Connect): Unilogin,
    /// OS2faktor, Keycloak; their settings; back-channel logout.
    pub fn federation(&self) -> &federation::Federation {
        &self.0.federation
    }

    /// SCIM provisioning: the municipalities' tokens and the SCIM door.
    pub fn provisioning(&self) -> &provisioning::Provisioning {
        &self.0.provisioning
    }

    /// Office files through WOPI: the municipality's office server, and the WOPI host.
    pub fn office(&self) -> &office::Office {
        &self.0.office
    }

    /// Changes whenever who may reach what may have changed (see [`Base::access_events`]);
    /// a long-lived connection (a document's socket) checks its access again when it does.
    pub fn access_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.access_events.subscribe()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub fn passwords(&self) -> &Passwords {
        &self.passwords
    }

    /// Reads what changed in the database (on any node, in any process) and drops what the
    /// session cache holds of it. Run after every write that changes the organisation or
    /// ends sessions, and periodically by the server.
    pub async fn sync_cache(&self) -> AppResult<()> {
        self.0.base.sync_cache().await
    }

    /// Removes expired sessions and old login failures, and expires the trash and old
    /// versions of every municipality; run periodically by the server. Several nodes doing
    /// it at once find nothing left to do.
    pub async fn housekeeping(&self) -> AppResult<()> {
        self.sessions().expire().await?;
        let tenants = self.store.read().await?.tenants().await?;
        for t in tenants {
            self.drive().expire_drive(t.id).await?;
        }
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ready(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }
}
