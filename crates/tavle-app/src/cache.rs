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
//! An entry records its tenant's epoch *before* the database was read; a change that commits
//! meanwhile moves the epoch on and the entry is never used. Timeouts are checked on every
//! use, as without the cache.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use tavle_core::{TenantId, Timestamp};

use crate::auth::Session;
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
}

#[derive(Debug, Default)]
struct Seen {
    /// Change tokens seen per tenant, as returned by the last poll.
    org: HashMap<TenantId, HashSet<i64>>,
    revoked: HashSet<String>,
    primed: bool,
    /// Where the next poll starts.
    org_seq: i64,
    revoked_seq: i64,
}

/// Cached sessions by token hash, and the epochs that decide whether they still hold.
pub(crate) struct SessionCache {
    entries: quick_cache::sync::Cache<String, Arc<Entry>>,
    epochs: RwLock<HashMap<TenantId, u64>>,
    seen: Mutex<Seen>,
    /// Sessions seen since the last flush, with when: `last_seen_at` is written in batches,
    /// not as one durable transaction per session per minute.
    touched: Mutex<HashMap<String, Timestamp>>,
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
            epochs: RwLock::new(HashMap::new()),
            seen: Mutex::new(Seen::default()),
            touched: Mutex::new(HashMap::new()),
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

    /// The tenant's current epoch, to read before loading anything to cache; `None` until
    /// the first sync, before which nothing is cached.
    pub fn epoch(&self, tenant: TenantId) -> Option<u64> {
        if !self.seen.lock().is_ok_and(|s| s.primed) {
            return None;
        }
        self.epochs.read().ok().map(|e| e.get(&tenant).copied().unwrap_or(0))
    }

    /// The entry for a session, if it is still valid.
    pub fn get(&self, token_hash: &str) -> Option<Arc<Entry>> {
        let e = self.entries.get(token_hash)?;
        (Some(e.epoch) == self.epoch(e.session.actor.tenant_id)).then_some(e)
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

    /// Applies what a poll of the database returned: tenants with change tokens not seen
    /// before move to a new epoch; revoked sessions are dropped. The first poll only learns.
    /// The sequence numbers to poll after, or `None` before the first poll.
    pub fn poll_from(&self) -> Option<(i64, i64)> {
        self.seen.lock().ok().filter(|s| s.primed).map(|s| (s.org_seq, s.revoked_seq))
    }

    pub fn apply(&self, changes: tavle_store::coherence::Changes) {
        let Ok(mut seen) = self.seen.lock() else { return };
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
        if seen.primed && !changed.is_empty() {
            if let Ok(mut epochs) = self.epochs.write() {
                for t in changed {
                    *epochs.entry(t).or_default() += 1;
                }
            }
        }
        let revoked: HashSet<String> = changes.revoked.into_iter().collect();
        for hash in revoked.difference(&seen.revoked) {
            self.entries.remove(hash.as_str());
        }
        seen.revoked = revoked;
        seen.primed = true;
    }
}
