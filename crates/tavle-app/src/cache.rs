//! The session cache: authenticated sessions (the actor) and their `/me` view, kept in memory
//! so that a request of a logged-in person need not touch the database at all.
//!
//! The database stays the truth. An entry is used only while its tenant's organisation has not
//! changed since it was loaded and its session has not been revoked; both are recorded by
//! database triggers (so no write path can forget) and read by [`App::sync_cache`]:
//!
//! - after every write this node commits, before the request that wrote answers, so on one
//!   node a change (a person disabled, a class changed, a logout) takes effect at once;
//! - every `cache_sync_ms` in the background, so a change made by another node or by
//!   `tavle import roster` in another process takes effect within that interval.
//!
//! An entry is cached only if no epoch moved while it was read from the database (the cache's
//! *generation* is the same before and after), so a change that commits meanwhile cannot be
//! hidden in it. Timeouts are checked on every use, as without the cache.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use tavle_core::org::{Group, School, SchoolYear, Tenant};
use tavle_core::{GroupId, TenantId, Timestamp};

use crate::caller::Session;
use crate::views::MeView;

/// One cached session.
#[derive(Debug)]
pub(crate) struct Entry {
    pub session: Session,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The tenant's epoch when the entry was loaded.
    pub epoch: u64,
    pub me: OnceLock<Arc<MeView>>,
    /// For an app password (keyed `app:` and its hash): the username it was checked with, and
    /// the app password's id.
    pub app_password: Option<(String, uuid::Uuid)>,
}

/// What every person of a tenant sees alike on `/me`: the tenant, its schools, school years,
/// groups and each group's teachers. Cached per tenant beside the sessions and voided with
/// them, so the first request of each of a morning's sessions reads only the person. (The tenant's
/// own record is not watched by the change triggers; it changes only by an operator, and
/// the cached `/me` views hold it the same way.)
#[derive(Debug)]
pub(crate) struct TenantOrg {
    pub tenant: Tenant,
    pub schools: Vec<School>,
    pub years: Vec<SchoolYear>,
    pub groups: HashMap<GroupId, Group>,
    /// Each group's teachers, by name.
    pub teachers: HashMap<GroupId, Vec<String>>,
}

/// Per-tenant epochs; read on every cached request, so kept apart from [`Seen`].
#[derive(Debug, Default)]
struct Epochs {
    /// Nothing is cached before the first sync.
    primed: bool,
    /// Moves whenever any tenant's epoch moves.
    generation: u64,
    of: HashMap<TenantId, u64>,
}

#[derive(Debug, Default)]
struct Seen {
    /// Change tokens seen per tenant, as returned by the last poll.
    org: HashMap<TenantId, HashSet<i64>>,
    revoked: HashSet<String>,
    /// Where the next poll starts.
    org_seq: i64,
    revoked_seq: i64,
}

/// Cached sessions by token hash, and the epochs that decide whether they still hold.
pub(crate) struct SessionCache {
    entries: quick_cache::sync::Cache<String, Arc<Entry>>,
    epochs: RwLock<Epochs>,
    seen: Mutex<Seen>,
    /// Sessions seen since the last flush, with when: `last_seen_at` is written in batches,
    /// not as one durable transaction per session per minute.
    touched: Mutex<HashMap<String, Timestamp>>,
    /// Each tenant's [`TenantOrg`], with the epoch it was loaded in.
    tenants: RwLock<HashMap<TenantId, (u64, Arc<TenantOrg>)>>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache").field("entries", &self.entries.len()).finish()
    }
}

impl SessionCache {
    pub fn new(capacity: usize) -> Self {
        SessionCache {
            entries: quick_cache::sync::Cache::new(capacity.max(1)),
            epochs: RwLock::new(Epochs::default()),
            seen: Mutex::new(Seen::default()),
            touched: Mutex::new(HashMap::new()),
            tenants: RwLock::new(HashMap::new()),
        }
    }

    /// The tenant's [`TenantOrg`], if one is cached for its current epoch.
    pub fn tenant_org(&self, tenant: TenantId) -> Option<Arc<TenantOrg>> {
        let current = self.epochs.read().ok()?.of.get(&tenant).copied().unwrap_or(0);
        let tenants = self.tenants.read().ok()?;
        tenants.get(&tenant).filter(|(epoch, _)| *epoch == current).map(|(_, org)| org.clone())
    }

    /// Caches a tenant's [`TenantOrg`] read since `generation` (see [`SessionCache::epoch_since`]).
    pub fn put_tenant_org(&self, tenant: TenantId, generation: Option<u64>, org: Arc<TenantOrg>) {
        if let Some(epoch) = generation.and_then(|g| self.epoch_since(tenant, g)) {
            if let Ok(mut t) = self.tenants.write() {
                t.insert(tenant, (epoch, org));
            }
        }
    }

    /// Notes that a session was used at `at`, for the next flush.
    pub fn touch(&self, token_hash: &str, at: Timestamp) {
        if let Ok(mut t) = self.touched.lock() {
            t.insert(token_hash.to_string(), at);
        }
    }

    /// When a session was last used according to touches not yet flushed.
    pub fn pending_touch(&self, token_hash: &str) -> Option<Timestamp> {
        self.touched.lock().ok().and_then(|t| t.get(token_hash).copied())
    }

    /// Takes the touches to flush.
    pub fn take_touches(&self) -> Vec<String> {
        self.touched.lock().map(|mut t| t.drain().map(|(h, _)| h).collect()).unwrap_or_default()
    }

    /// The generation to read before loading anything to cache; `None` until the first sync.
    pub fn generation(&self) -> Option<u64> {
        self.epochs.read().ok().filter(|e| e.primed).map(|e| e.generation)
    }

    /// The tenant's epoch for an entry loaded since `generation` was read, or `None` if any
    /// epoch moved meanwhile (then the entry must not be cached).
    pub fn epoch_since(&self, tenant: TenantId, generation: u64) -> Option<u64> {
        let e = self.epochs.read().ok()?;
        (e.primed && e.generation == generation).then(|| e.of.get(&tenant).copied().unwrap_or(0))
    }

    /// The entry for a session, if it is still valid.
    pub fn get(&self, token_hash: &str) -> Option<Arc<Entry>> {
        let e = self.entries.get(token_hash)?;
        let epochs = self.epochs.read().ok()?;
        (epochs.of.get(&e.session.actor.tenant_id).copied().unwrap_or(0) == e.epoch).then_some(e)
    }

    /// Caches an entry, unless its session was revoked meanwhile. Holding the lock that
    /// [`SessionCache::apply`] holds makes "revoked, then cached" impossible.
    pub fn put(&self, entry: Entry) {
        let Ok(seen) = self.seen.lock() else { return };
        if !seen.revoked.contains(&entry.session.token_hash) {
            self.entries.insert(entry.session.token_hash.clone(), Arc::new(entry));
        }
    }

    pub fn remove(&self, token_hash: &str) {
        self.entries.remove(token_hash);
    }

    /// The sequence numbers to poll after, or `None` before the first poll.
    pub fn poll_from(&self) -> Option<(i64, i64)> {
        self.generation()?;
        self.seen.lock().ok().map(|s| (s.org_seq, s.revoked_seq))
    }

    /// Applies what a poll of the database returned: tenants with change tokens not seen
    /// before move to a new epoch; revoked sessions are dropped. The first poll only learns.
    /// Whether anything changed (an organisation, or a session that ended).
    pub fn apply(&self, changes: tavle_store::coherence::Changes) -> bool {
        let Ok(mut seen) = self.seen.lock() else { return false };
        seen.org_seq = seen.org_seq.max(changes.org_seq);
        seen.revoked_seq = seen.revoked_seq.max(changes.revoked_seq);
        let mut latest: HashMap<TenantId, HashSet<i64>> = HashMap::new();
        for (tenant, token) in changes.org {
            latest.entry(tenant).or_default().insert(token);
        }
        let mut changed = Vec::new();
        for (tenant, tokens) in &latest {
            let before = seen.org.get(tenant);
            if before.is_none_or(|b| !tokens.is_subset(b)) {
                changed.push(*tenant);
            }
        }
        seen.org = latest;
        let Ok(mut epochs) = self.epochs.write() else { return false };
        let primed = epochs.primed;
        if epochs.primed && !changed.is_empty() {
            epochs.generation += 1;
            for t in changed.iter().copied() {
                *epochs.of.entry(t).or_default() += 1;
            }
        }
        let revoked: HashSet<String> = changes.revoked.into_iter().collect();
        let mut ended = false;
        for hash in revoked.difference(&seen.revoked) {
            self.entries.remove(hash.as_str());
            ended = true;
        }
        seen.revoked = revoked;
        epochs.primed = true;
        primed && (!changed.is_empty() || ended)
    }
}

/// Each municipality's second-factor rule as this node last read it, and when (kept by
/// `Sessions`, read at every login; `second_factor/steps.rs`).
pub(crate) type KeptRules = std::sync::Arc<
    std::sync::Mutex<
        std::collections::HashMap<tavle_core::TenantId, (std::time::Instant, std::sync::Arc<Vec<String>>)>,
    >,
>;
