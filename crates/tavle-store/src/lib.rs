//! The metadata store: one interface over SQLite (the embedded default) and PostgreSQL.
//!
//! Both backends are reached through sqlx's `Any` driver with the same SQL (`$1` placeholders
//! work on both), so every query exists once; what differs per backend lives here and in
//! `migrations/<backend>/`. Every query that touches a tenant's data takes a [`TenantId`]; the
//! few instance-level lookups (a login name, a session token, a tenant by code) are named so.
//!
//! Writes go through [`Store::write`], which on SQLite also queues writers in-process (SQLite
//! has one writer at a time; queueing fairly beats polling on `SQLITE_BUSY`).

pub mod assignments;
mod audit;
pub mod coherence;
mod comments;
pub mod dav;
pub mod document_images;
pub mod documents;
pub mod drive;
mod error;
mod exams;
mod facts;
mod groups;
pub mod handouts;
pub mod keys;
pub mod login_providers;
mod migrate;
pub mod office;
pub mod passkeys;
mod people;
mod roster;
mod row;
mod schools;
pub mod scim_tokens;
pub mod second_factors;
mod sessions;
pub mod tenant_tables;
mod tenants;
pub mod testing;
mod throttle;
pub mod uploads;

use std::ops::DerefMut;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
/// The connection type under [`Db`], for callers that are generic over reads and writes.
pub use sqlx::AnyConnection;
use sqlx::{Any, AnyPool, Connection, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use audit::{AuditEvent, AuditRecord};
pub use error::StoreError;
pub use groups::{GroupMember, MembershipRow};
pub use people::{LoginRecord, NewPerson, PersonOverview, PersonRow, PersonSchool, SchoolPerson};
pub use roster::{IdentityRow, LoginRow, MemberRow, PersonCols, PersonSchoolRow, RosterWrite, TenantSnapshot};
pub use sessions::SessionRecord;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle to the metadata database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// PostgreSQL only: where to open the connection that listens for other nodes' document
    /// changes (`LISTEN` needs a connection of its own, outside the pool).
    listen_url: Option<String>,
    /// SQLite only: serialises write transactions within this process.
    writer: Option<Arc<Mutex<()>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish()
    }
}

/// Connection options for [`Store::open`].
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { max_connections: 16, acquire_timeout: Duration::from_secs(10) }
    }
}

impl Store {
    /// Opens (and for SQLite creates) the database at `url` and brings its schema up to date.
    ///
    /// `url` is `sqlite:///path/to/tavle.db` or `postgres://user@host/db`.
    pub async fn open(url: &str, opts: &StoreOptions) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL {url:?}: use sqlite:///path/tavle.db or postgres://host/db"
            )));
        };
        let url = match backend {
            // Create the file on first start; the journal mode is set below.
            Backend::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        };
        let connect: AnyConnectOptions = url.parse().map_err(StoreError::Database)?;
        let pool = AnyPoolOptions::new()
            .max_connections(opts.max_connections)
            // A SQLite file cannot drop a connection, so pinging it before every use only
            // doubles the round trips; a PostgreSQL connection can die with a restart.
            .test_before_acquire(backend == Backend::Postgres)
            .acquire_timeout(opts.acquire_timeout)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; FULL makes every commit
                        // durable before it is acknowledged; foreign keys are off by default.
                        // Reading through a memory map (up to 256 MiB, address space only)
                        // saves a system call per page: GET /me ran 25 % faster with it.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA mmap_size = 268435456; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect)
            .await
            .map_err(StoreError::Database)?;
        let listen_url = (backend == Backend::Postgres).then(|| url.clone());
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        let store = Store { pool, backend, listen_url, writer };
        migrate::run(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for reads that need no transaction.
    pub async fn read(&self) -> Result<Conn> {
        let conn = self.pool.acquire().await.map_err(StoreError::Database)?;
        Ok(Db { conn, _writer: None })
    }

    /// Begins a write transaction. Dropping it without [`Tx::commit`] rolls it back.
    pub async fn write(&self) -> Result<Tx> {
        let permit = match &self.writer {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let tx = match self.backend {
            // IMMEDIATE takes the write lock at once, so a transaction that reads before it
            // writes cannot deadlock with another writer.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(StoreError::Database)?;
        Ok(Db { conn: tx, _writer: permit })
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(StoreError::Database)?;
        conn.ping().await.map_err(StoreError::Database)
    }

    /// Refreshes the query planner's statistics after a bulk change (a roster import), so
    /// that lookups keep using the right indexes.
    pub async fn optimize(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(StoreError::Database)?;
        let sql = match self.backend {
            Backend::Sqlite => "PRAGMA optimize",
            Backend::Postgres => "ANALYZE",
        };
        conn.execute(sql).await.map_err(StoreError::Database)?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// At most this many rows go into one statement; with at most 7 columns this stays far below
/// SQLite's limit of 32,766 bound values and PostgreSQL's 65,535.
pub(crate) const ROWS_PER_STATEMENT: usize = 1000;

/// `($1, $2, $3), ($1, $4, $5)` for `rows` tuples of `cols` values after the tenant (`$1`);
/// without `with_tenant` the tuples hold only their own values (`($2, $3), ($4, $5)`).
/// The result of an upsert whose update applies only to a row of the same tenant: a row of
/// another tenant with the same key is never changed, and the caller is told.
pub(crate) fn other_tenant(rows_affected: u64, table: &str) -> Result<()> {
    if rows_affected == 0 {
        return Err(StoreError::Conflict(format!("{table}: the row with this key belongs to another tenant")));
    }
    Ok(())
}

pub(crate) fn tuples(rows: usize, cols: usize, with_tenant: bool) -> String {
    let mut s = String::with_capacity(rows * (cols + 1) * 5);
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        if with_tenant {
            s.push_str("$1");
        }
        for c in 0..cols {
            if c > 0 || with_tenant {
                s.push_str(", ");
            }
            n += 1;
            s.push('$');
            s.push_str(&n.to_string());
        }
        s.push(')');
    }
    s
}

/// A database connection or transaction with Tavle's queries on it.
pub struct Db<C> {
    conn: C,
    _writer: Option<OwnedMutexGuard<()>>,
}

/// A read connection.
pub type Conn = Db<PoolConnection<Any>>;

/// What a [`Db`] runs its queries on: a pooled connection or a transaction. Code above the
/// store names this, never the driver's connection type, so a use case that works on either
/// reads `db: &mut Db<impl DbHandle>`.
pub trait DbHandle: DerefMut<Target = AnyConnection> + Send {}

impl<C: DerefMut<Target = AnyConnection> + Send> DbHandle for C {}
/// A write transaction.
pub type Tx = Db<Transaction<'static, Any>>;

impl<C: DerefMut<Target = AnyConnection> + Send> Db<C> {
    fn c(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl Tx {
    /// Marks a point the transaction can go back to (one at a time: `item`), so one of
    /// several pieces of work in a transaction can fail without undoing the others.
    pub async fn savepoint(&mut self) -> Result<()> {
        self.c().execute("SAVEPOINT item").await.map_err(StoreError::Database)?;
        Ok(())
    }

    /// Keeps what was done since [`Tx::savepoint`].
    pub async fn release_savepoint(&mut self) -> Result<()> {
        self.c().execute("RELEASE SAVEPOINT item").await.map_err(StoreError::Database)?;
        Ok(())
    }

    /// Undoes what was done since [`Tx::savepoint`] (also after a failed statement, which on
    /// PostgreSQL would otherwise end the whole transaction).
    pub async fn rollback_to_savepoint(&mut self) -> Result<()> {
        self.c().execute("ROLLBACK TO SAVEPOINT item; RELEASE SAVEPOINT item").await.map_err(StoreError::Database)?;
        Ok(())
    }

    /// Makes the transaction's writes durable and visible.
    pub async fn commit(self) -> Result<()> {
        self.conn.commit().await.map_err(StoreError::Database)
    }
}
