//! Tavle's use cases. Each public function on [`App`] is one thing a person or operator does:
//! it loads what it needs, asks the policy in `tavle_core::policy`, writes the change and its
//! audit record in one transaction, and returns a view. Nothing here knows about HTTP.

pub mod app_passwords;
pub mod assignments;
pub mod audit;
pub mod auth;
mod batch;
mod cache;
mod csv_out;
pub mod demo;
pub mod drive;
mod error;
pub mod import;
pub mod login_flow;
pub mod org;
pub mod passwords;
pub mod receipts;
pub mod views;

use std::sync::Arc;

use tavle_blob::BlobStore;
use tavle_core::Clock;
use tavle_store::Store;

pub use error::{AppError, AppResult, Conflict, Opened};
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

/// The application: the metadata store, the blob store, the clock and the password workers.
/// Cheap to clone: one reference count, because every request clones it (axum's state).
#[derive(Clone)]
pub struct App(Arc<AppParts>);

/// What an [`App`] holds, shared by its clones.
#[doc(hidden)]
pub struct AppParts {
    pub(crate) store: Store,
    pub(crate) blobs: BlobStore,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) passwords: Passwords,
    pub(crate) cfg: AppConfig,
    pub(crate) cache: Arc<cache::SessionCache>,
    /// Folder listings by folder, each with the folder ETag it is valid for (`drive::files`).
    pub(crate) listings: Arc<drive::Listings>,
    /// Uploads waiting to be recorded together (`batch`).
    pub(crate) uploads: Arc<batch::Batcher<drive::UploadJob>>,
    /// Hand-ins waiting to be recorded together.
    pub(crate) hand_ins: Arc<batch::Batcher<assignments::HandInJob>>,
    /// The key that signs receipts, read (or made) on first use.
    receipt_key: Arc<tokio::sync::OnceCell<receipts::ReceiptKey>>,
}

impl std::ops::Deref for App {
    type Target = AppParts;
    fn deref(&self) -> &AppParts {
        &self.0
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
        let cache = Arc::new(cache::SessionCache::new(cfg.session_cache_entries));
        Ok(App(Arc::new(AppParts {
            store,
            blobs,
            clock,
            passwords,
            cfg,
            cache,
            listings: Arc::new(drive::listings()),
            uploads: Arc::default(),
            hand_ins: Arc::default(),
            receipt_key: Arc::new(tokio::sync::OnceCell::new()),
        })))
    }

    /// The instance's receipt-signing key: read from the database, or made by the first node
    /// that needs it (every node then signs with the same key).
    pub async fn receipt_key(&self) -> AppResult<receipts::ReceiptKey> {
        const NAME: &str = "receipt-ed25519";
        let key = self
            .receipt_key
            .get_or_try_init(|| async {
                let mut tx = self.store.write().await?;
                let stored = match tx.instance_key(NAME).await? {
                    Some(k) => k,
                    None => {
                        use argon2::password_hash::rand_core::{OsRng, RngCore};
                        let mut seed = [0u8; 32];
                        OsRng.fill_bytes(&mut seed);
                        let fresh = receipts::ReceiptKey::from_secret(seed);
                        let k = tavle_store::keys::InstanceKey {
                            secret: fresh.secret_hex(),
                            public_key: fresh.public_hex(),
                        };
                        tx.put_instance_key(NAME, &k, self.clock.now().millis()).await?
                    }
                };
                tx.commit().await?;
                receipts::ReceiptKey::from_secret_hex(&stored.secret)
                    .map_err(|e| AppError::Internal(format!("the stored receipt key: {e}")))
            })
            .await?;
        Ok(key.clone())
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
        let backend = self.store.backend();
        let mut conn = self.store.read().await?;
        // The first poll starts at the newest records: nothing is cached before it.
        let (org, revoked) = match self.cache.poll_from() {
            Some(from) => from,
            None => conn.latest_change_seqs(backend).await?,
        };
        let changes = conn.recent_changes(backend, org, revoked).await?;
        drop(conn);
        self.cache.apply(changes);
        Ok(())
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

    /// Whether the database answers (for `/readyz`).
    pub async fn ready(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }
}

impl batch::BatcherOf<drive::UploadJob> for App {
    fn batcher(&self) -> &Arc<batch::Batcher<drive::UploadJob>> {
        &self.uploads
    }
}

impl batch::BatcherOf<assignments::HandInJob> for App {
    fn batcher(&self) -> &Arc<batch::Batcher<assignments::HandInJob>> {
        &self.hand_ins
    }
}
