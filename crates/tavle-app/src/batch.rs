//! Group commit: writes that each must be durable before they are acknowledged (uploads to
//! the drive, hand-ins) are queued, and whoever takes the committer's turn records every
//! queued job in one transaction, each in its own savepoint, and commits once. While that
//! commit waits for the disk, the next jobs queue up for the next one. On SQLite, where
//! writers take turns anyway, this turns one fsync per write into one per batch; on
//! PostgreSQL it turns one commit round trip per write into one per batch.
//!
//! Each job is answered only after the commit that holds it. The batch runs as a task of its
//! own: if a request is dropped (the client went away) while its batch commits, the commit
//! still finishes and answers everyone else in it.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tavle_store::Tx;
use tokio::sync::oneshot;

use crate::error::{AppError, AppResult};
use crate::Base;

/// The most jobs recorded in one transaction.
const MAX_BATCH: usize = 256;

/// A write to record inside a batch's transaction.
pub(crate) trait Record: Sized + Send + Sync + 'static {
    type Out: Send + 'static;
    /// The service that records these jobs (and keeps their batcher).
    type By: BatcherOf<Self> + std::ops::Deref<Target = Base> + Clone + Send + Sync + 'static;
    /// What the logs call these jobs ("uploads", "hand-ins").
    const WHAT: &'static str;
    /// Records the job in `tx` (inside a savepoint of its own).
    fn record(&self, by: &Self::By, tx: &mut Tx) -> impl Future<Output = AppResult<Self::Out>> + Send;
}

type Queued<J> = (J, oneshot::Sender<AppResult<<J as Record>::Out>>);

/// The queue and the committer's turn.
pub(crate) struct Batcher<J: Record> {
    queue: Mutex<Vec<Queued<J>>>,
    turn: tokio::sync::Mutex<()>,
}

impl<J: Record> Default for Batcher<J> {
    fn default() -> Self {
        Batcher { queue: Mutex::new(Vec::new()), turn: tokio::sync::Mutex::new(()) }
    }
}

impl<J: Record> std::fmt::Debug for Batcher<J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Batcher({})", J::WHAT)
    }
}

/// Where a service keeps the batcher for jobs of type `J`.
pub(crate) trait BatcherOf<J: Record> {
    fn batcher(&self) -> &Arc<Batcher<J>>;
}

impl<J: Record> Batcher<J> {
    /// Queues `job`, sees that a batch runs, and waits for its answer (after its commit).
    pub async fn submit(by: &J::By, job: J) -> AppResult<J::Out> {
        let (reply, answer) = oneshot::channel();
        let batcher = by.batcher().clone();
        if let Ok(mut q) = batcher.queue.lock() {
            q.push((job, reply));
        }
        let by = by.clone();
        tokio::spawn(async move { batcher.run(&by).await });
        answer
            .await
            .unwrap_or_else(|_| Err(AppError::Internal(format!("a batch of {} ended without an answer", J::WHAT))))
    }

    /// Takes the committer's turn and records what is queued (the caller's own job among it,
    /// unless an earlier committer already took it).
    async fn run(&self, by: &J::By) {
        let _turn = self.turn.lock().await;
        loop {
            let jobs: Vec<Queued<J>> = match self.queue.lock() {
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
            commit(by, jobs).await;
            if !more {
                return;
            }
        }
    }
}

async fn commit<J: Record>(by: &J::By, jobs: Vec<Queued<J>>) {
    let mut tx = match by.store.write().await {
        Ok(tx) => tx,
        Err(e) => return fail_all(jobs, &e.to_string()),
    };
    let mut results = Vec::with_capacity(jobs.len());
    for (job, _) in &jobs {
        if let Err(e) = tx.savepoint().await {
            return fail_all(jobs, &e.to_string());
        }
        let r = job.record(by, &mut tx).await;
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
    for ((_, reply), r) in jobs.into_iter().zip(results) {
        let _ = reply.send(r);
    }
}

fn fail_all<J: Record>(jobs: Vec<Queued<J>>, why: &str) {
    tracing::error!(error = why, jobs = jobs.len(), what = J::WHAT, "recording a batch failed");
    for (_, reply) in jobs {
        let _ = reply.send(Err(AppError::Internal(format!("recording the {} failed: {why}", J::WHAT))));
    }
}
