//! WebDAV locks in the database, so several Tavle nodes agree on them. The rules are RFC
//! 4918's as `dav_server`'s in-memory lock system applies them: a lock covers its path and,
//! when deep, everything below; exclusive locks conflict with every other lock; a request
//! holds a lock when it submits the token and is the lock's principal.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use dav_server::davpath::DavPath;
use dav_server::ls::{DavLock, DavLockSystem, LsFuture};
use futures_util::FutureExt;
use tavle_core::dav::Lock;
use xmltree::Element;

use super::context::{path_key, segments, Context};

/// The lock system of one request.
#[derive(Clone)]
pub(crate) struct DbLocks {
    cx: Arc<Context>,
    /// The URL prefix of this request (`/remote.php/dav/files/<user>`), for the lock roots
    /// in answers; locks themselves are stored without it, so both prefixes see them.
    prefix: String,
}

impl std::fmt::Debug for DbLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbLocks")
    }
}

/// A path's key and its URL-encoded form without the prefix.
fn keys(path: &DavPath) -> (String, String) {
    let segs = segments(path).unwrap_or_default();
    let encoded: String =
        segs.iter().map(|s| format!("/{}", percent_encoding::utf8_percent_encode(s, super::SEGMENT))).collect();
    (path_key(&segs), if encoded.is_empty() { "/".into() } else { encoded })
}

/// The keys of a path and of each folder above it, the root first.
fn key_chain(key: &str) -> Vec<String> {
    let mut out = vec!["/".to_string()];
    let mut acc = String::new();
    for seg in key.split('/').filter(|s| !s.is_empty()) {
        acc.push('/');
        acc.push_str(seg);
        out.push(acc.clone());
    }
    out
}

fn is_below(key: &str, base: &str) -> bool {
    base == "/" || key == base || key.starts_with(&format!("{base}/"))
}

fn holds(l: &Lock, principal: Option<&str>, ignore_principal: bool, tokens: &[String]) -> bool {
    tokens.contains(&l.token) && (ignore_principal || principal == l.principal.as_deref())
}

/// A lock on the path or on a folder above it (deep ones only, above) that the request does
/// not hold. `shared_ok`: a shared lock is no conflict (for taking another shared lock).
fn conflict_up(
    locks: &[Lock],
    key: &str,
    principal: Option<&str>,
    ignore_principal: bool,
    tokens: &[String],
    shared_ok: bool,
) -> Option<Lock> {
    let chain = key_chain(key);
    let last = chain.len() - 1;
    let mut held = false;
    let mut first_shared: Option<&Lock> = None;
    for (i, k) in chain.iter().enumerate() {
        for l in locks.iter().filter(|l| l.path == *k) {
            if i < last && !l.deep {
                continue;
            }
            if holds(l, principal, ignore_principal, tokens) {
                held = true;
            } else if !l.shared {
                return Some(l.clone());
            } else if !shared_ok {
                first_shared.get_or_insert(l);
            }
        }
    }
    first_shared.filter(|_| !held).cloned()
}

/// A lock on or below the path that the request does not hold.
fn conflict_down(
    locks: &[Lock],
    key: &str,
    principal: Option<&str>,
    ignore_principal: bool,
    tokens: &[String],
    shared_ok: bool,
) -> Option<Lock> {
    locks
        .iter()
        .filter(|l| is_below(&l.path, key))
        .find(|l| (!l.shared || !shared_ok) && !holds(l, principal, ignore_principal, tokens))
        .cloned()
}

impl DbLocks {
    pub fn new(cx: Arc<Context>, prefix: String) -> Self {
        DbLocks { cx, prefix }
    }

    fn now_ms(&self) -> i64 {
        self.cx.app.clock().now().millis()
    }

    async fn locks(&self) -> Vec<Lock> {
        match self.cx.app.drive().dav_locks(&self.cx.session, &self.cx.space).await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = ?e, "reading WebDAV locks failed");
                // Answering as if the path were locked refuses the change: safer than allowing it.
                vec![self.unavailable()]
            }
        }
    }

    fn unavailable(&self) -> Lock {
        Lock {
            token: "opaquelocktoken:unavailable".into(),
            tenant_id: self.cx.session.actor().tenant_id,
            space_id: self.cx.space.space().id,
            path: "/".into(),
            href: "/".into(),
            principal: None,
            owner_xml: None,
            shared: false,
            deep: true,
            timeout_secs: None,
            expires_at: None,
        }
    }

    fn to_dav(&self, l: &Lock) -> DavLock {
        let href = format!("{}{}", self.prefix, l.href);
        let mut path = DavPath::new(&href).unwrap_or_else(|_| root_path());
        let _ = path.set_prefix(&self.prefix);
        DavLock {
            token: l.token.clone(),
            path: Box::new(path),
            principal: l.principal.clone(),
            owner: l.owner_xml.as_deref().and_then(|x| Element::parse(x.as_bytes()).ok()).map(Box::new),
            timeout_at: l.expires_at.map(|ms| UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))),
            timeout: l.timeout_secs.map(|s| Duration::from_secs(u64::try_from(s).unwrap_or(0))),
            shared: l.shared,
            deep: l.deep,
        }
    }

    fn find(&self, locks: &[Lock], key: &str, token: &str) -> Option<Lock> {
        let chain = key_chain(key);
        locks.iter().find(|l| l.token == token && chain.contains(&l.path)).cloned()
    }
}

#[allow(clippy::expect_used)] // "/" is a valid path; `from_uri` never fails on it.
fn root_path() -> DavPath {
    DavPath::from_uri(&axum::http::Uri::from_static("/")).expect("the root path")
}

/// The lock's owner element as standalone XML. It arrives cut out of the LOCK body, using
/// prefixes declared there, so the DAV: prefix is declared on it again.
fn owner_xml(owner: Option<&Element>) -> Option<String> {
    let mut o = owner?.clone();
    let mut ns = o.namespaces.take().unwrap_or_else(xmltree::Namespace::empty);
    ns.put("D", "DAV:");
    if let (Some(p), Some(uri)) = (o.prefix.clone(), o.namespace.clone()) {
        ns.put(p, uri);
    }
    o.namespaces = Some(ns);
    let mut out = Vec::new();
    o.write(&mut out).ok()?;
    String::from_utf8(out).ok()
}

impl DavLockSystem for DbLocks {
    fn lock(
        &'_ self,
        path: &DavPath,
        principal: Option<&str>,
        owner: Option<&Element>,
        timeout: Option<Duration>,
        shared: bool,
        deep: bool,
    ) -> LsFuture<'_, Result<DavLock, DavLock>> {
        let (key, href) = keys(path);
        let principal = principal.map(str::to_string);
        let owner = owner_xml(owner);
        async move {
            let now = self.now_ms();
            let row = Lock {
                token: format!("opaquelocktoken:{}", uuid::Uuid::new_v4()),
                tenant_id: self.cx.session.actor().tenant_id,
                space_id: self.cx.space.space().id,
                path: key.clone(),
                href,
                principal,
                owner_xml: owner,
                shared,
                deep,
                timeout_secs: timeout.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
                expires_at: timeout.map(|d| now.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))),
            };
            let conflicts = |locks: &[Lock]| {
                conflict_up(locks, &key, None, true, &[], shared).or_else(|| {
                    if deep {
                        conflict_down(locks, &key, None, true, &[], shared)
                    } else {
                        None
                    }
                })
            };
            match self.cx.app.drive().dav_lock(&self.cx.session, &self.cx.space, row, conflicts).await {
                Ok(Ok(l)) => Ok(self.to_dav(&l)),
                Ok(Err(conflict)) => Err(self.to_dav(&conflict)),
                Err(e) => {
                    tracing::warn!(error = ?e, "taking a WebDAV lock failed");
                    Err(self.to_dav(&self.unavailable()))
                }
            }
        }
        .boxed()
    }

    fn unlock(&'_ self, path: &DavPath, token: &str) -> LsFuture<'_, Result<(), ()>> {
        let (key, _) = keys(path);
        let token = token.to_string();
        async move {
            let locks = self.locks().await;
            if self.find(&locks, &key, &token).is_none() {
                return Err(());
            }
            match self.cx.app.drive().dav_unlock(&self.cx.session, &self.cx.space, &token).await {
                Ok(true) => Ok(()),
                _ => Err(()),
            }
        }
        .boxed()
    }

    fn refresh(&'_ self, path: &DavPath, token: &str, timeout: Option<Duration>) -> LsFuture<'_, Result<DavLock, ()>> {
        let (key, _) = keys(path);
        let token = token.to_string();
        async move {
            let locks = self.locks().await;
            let mut l = self.find(&locks, &key, &token).ok_or(())?;
            let now = self.now_ms();
            l.timeout_secs = timeout.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            l.expires_at = timeout.map(|d| now.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)));
            self.cx.app.drive().dav_refresh(&self.cx.session, &self.cx.space, &l).await.map_err(|_| ())?;
            Ok(self.to_dav(&l))
        }
        .boxed()
    }

    fn check(
        &'_ self,
        path: &DavPath,
        principal: Option<&str>,
        ignore_principal: bool,
        deep: bool,
        submitted_tokens: &[String],
    ) -> LsFuture<'_, Result<(), DavLock>> {
        let (key, _) = keys(path);
        let principal = principal.map(str::to_string);
        let tokens = submitted_tokens.to_vec();
        async move {
            let locks = self.locks().await;
            let p = principal.as_deref();
            let conflict = conflict_up(&locks, &key, p, ignore_principal, &tokens, false).or_else(|| {
                if deep {
                    conflict_down(&locks, &key, p, ignore_principal, &tokens, false)
                } else {
                    None
                }
            });
            match conflict {
                Some(l) => Err(self.to_dav(&l)),
                None => Ok(()),
            }
        }
        .boxed()
    }

    fn discover(&'_ self, path: &DavPath) -> LsFuture<'_, Vec<DavLock>> {
        let (key, _) = keys(path);
        async move {
            let chain = key_chain(&key);
            self.locks().await.iter().filter(|l| chain.contains(&l.path)).map(|l| self.to_dav(l)).collect()
        }
        .boxed()
    }

    fn delete(&'_ self, path: &DavPath) -> LsFuture<'_, Result<(), ()>> {
        let (key, _) = keys(path);
        async move { self.cx.app.drive().dav_unlock_under(&self.cx.session, &self.cx.space, &key).await.map_err(|_| ()) }
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_and_containment() {
        assert_eq!(key_chain("/"), vec!["/"]);
        assert_eq!(key_chain("/a/b"), vec!["/", "/a", "/a/b"]);
        assert!(is_below("/a/b", "/a"));
        assert!(is_below("/a", "/a"));
        assert!(!is_below("/ab", "/a"));
        assert!(is_below("/x", "/"));
    }
}
