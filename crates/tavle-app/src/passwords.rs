//! Password hashing with Argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane), run off
//! the async runtime on a bounded set of blocking threads.
//!
//! A login storm at 08:00 must not starve every other request: at most `workers` hashes run at
//! once, at most `queue` more wait, and anything beyond that is told to try again shortly
//! instead of piling up.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

#[derive(Clone, Debug)]
pub struct PasswordConfig {
    /// Hashes computed at once (defaults to the number of cores).
    pub workers: usize,
    /// Logins allowed to wait for a worker before new ones are refused.
    pub queue: usize,
    /// Longest a login waits for a worker before it is refused.
    pub max_wait: Duration,
}

impl Default for PasswordConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        PasswordConfig { workers: cores, queue: 64 * cores, max_wait: Duration::from_secs(5) }
    }
}

#[derive(Clone)]
pub struct Passwords {
    workers: Arc<Semaphore>,
    admission: Arc<Semaphore>,
    max_wait: Duration,
    params: Params,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords").finish_non_exhaustive()
    }
}

/// OWASP Password Storage Cheat Sheet: Argon2id, m=19456 KiB, t=2, p=1.
fn owasp_params() -> AppResult<Params> {
    Params::new(19_456, 2, 1, None).map_err(|e| AppError::Internal(format!("argon2 parameters: {e}")))
}

fn argon2(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

impl Passwords {
    pub fn new(cfg: &PasswordConfig) -> AppResult<Self> {
        let workers = cfg.workers.max(1);
        Ok(Passwords {
            workers: Arc::new(Semaphore::new(workers)),
            admission: Arc::new(Semaphore::new(workers + cfg.queue)),
            max_wait: cfg.max_wait,
            params: owasp_params()?,
        })
    }

    /// Runs `f` on a blocking thread once a worker is free, or refuses with `Busy`.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce(Params) -> T + Send + 'static) -> AppResult<T> {
        let busy = || AppError::Busy { retry_after_secs: 2 };
        let _admitted = self.admission.clone().try_acquire_owned().map_err(|_| busy())?;
        let worker = tokio::time::timeout(self.max_wait, self.workers.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let params = self.params.clone();
        let out = tokio::task::spawn_blocking(move || {
            let _worker = worker;
            f(params)
        })
        .await
        .map_err(|e| AppError::Internal(format!("password worker: {e}")))?;
        Ok(out)
    }

    /// Hashes a new password into a PHC string.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.run(move |params| {
            let salt = SaltString::generate(&mut OsRng);
            argon2(&params)
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| AppError::Internal(format!("hashing: {e}")))
        })
        .await?
    }

    /// Checks a password against a stored PHC string. With no stored hash, a dummy hash is
    /// still computed so that unknown usernames take as long as wrong passwords.
    pub async fn verify(&self, password: String, stored: Option<String>) -> AppResult<bool> {
        self.run(move |params| {
            let hasher = argon2(&params);
            match stored.as_deref().map(PasswordHash::new) {
                Some(Ok(hash)) => hasher.verify_password(password.as_bytes(), &hash).is_ok(),
                _ => {
                    let salt = SaltString::generate(&mut OsRng);
                    let _ = hasher.hash_password(password.as_bytes(), &salt);
                    false
                }
            }
        })
        .await
    }

    /// Hashes synchronously, for seeding many accounts with one password (demo, tests).
    pub fn hash_blocking(&self, password: &str) -> AppResult<String> {
        let salt = SaltString::generate(&mut OsRng);
        argon2(&self.params)
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hashing: {e}")))
    }
}
