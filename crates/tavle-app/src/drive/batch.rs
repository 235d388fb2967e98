//! Group commit for uploads. Each upload's bytes are made durable on their own (in
//! parallel); recording them is queued, and whoever takes the committer's turn records every
//! queued upload in one transaction, each in its own savepoint, and commits once. While that
//! commit waits for the disk, the next uploads queue up for the next one. On SQLite, where
//! writers take turns anyway, this turns one fsync per upload into one per batch.

use std::sync::Mutex;

use tavle_blob::Written;
use tavle_core::policy::Actor;
use tavle_core::{BlobId, NodeId};
use tokio::sync::oneshot;

use super::upload::{Conditions, Upload};
use crate::error::{AppError, AppResult};
use crate::App;

/// The most uploads recorded in one transaction.
const MAX_BATCH: usize = 256;

/// One upload waiting to be recorded.
pub(crate) struct Job {
    pub actor: Actor,
    pub parent: NodeId,
    pub name: String,
    pub written: Written,
    pub cond: Conditions,
    pub mtime: Option<i64>,
    pub reply: oneshot::Sender<AppResult<(Upload, BlobId)>>,
}

/// The queue and the committer's turn.
#[derive(Default)]
pub(crate) struct Batcher {
    queue: Mutex<Vec<Job>>,
    turn: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Batcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batcher")
    }
}

impl Batcher {
    pub fn queue(&self, job: Job) {
        if let Ok(mut q) = self.queue.lock() {
            q.push(job);
        }
    }

    /// Takes the committer's turn and records what is queued (the caller's own job among
    /// it, unless an earlier committer already took it).
    pub async fn run(&self, app: &App) {
        let _turn = self.turn.lock().await;
        loop {
            let jobs: Vec<Job> = match self.queue.lock() {
                Ok(mut q) => {
                    let n = q.len().min(MAX_BATCH);
                    q.drain(..n).collect()
                }
                Err(_) => return,
            };
            if jobs.is_empty() {
                return;
            }
            let more = jobs.len() == MAX_BATCH;
            app.commit_batch(jobs).await;
            if !more {
                return;
            }
        }
    }
}

impl App {
    async fn commit_batch(&self, jobs: Vec<Job>) {
        let mut tx = match self.store.write().await {
            Ok(tx) => tx,
            Err(e) => return fail_all(jobs, &e.to_string()),
        };
        let mut results = Vec::with_capacity(jobs.len());
        for job in &jobs {
            if let Err(e) = tx.savepoint().await {
                return fail_all(jobs, &e.to_string());
            }
            let r = self.record_in(&mut tx, job).await;
            let kept = match &r {
                Ok(_) => tx.release_savepoint().await,
                Err(_) => tx.rollback_to_savepoint().await,
            };
            if let Err(e) = kept {
                return fail_all(jobs, &e.to_string());
            }
            results.push(r);
        }
        if let Err(e) = tx.commit().await {
            return fail_all(jobs, &e.to_string());
        }
        for (job, r) in jobs.into_iter().zip(results) {
            let _ = job.reply.send(r);
        }
    }
}

fn fail_all(jobs: Vec<Job>, why: &str) {
    tracing::error!(error = why, uploads = jobs.len(), "recording a batch of uploads failed");
    for job in jobs {
        let _ = job.reply.send(Err(AppError::Internal(format!("recording the upload failed: {why}"))));
    }
}
