//! Group commit on PostgreSQL, per branch.
//!
//! Every write to a branch (a ticket issued, a visitor called) locks the
//! branch's row first, so a branch's writes run one after the other
//! whatever the number of clients or servers. With one transaction per
//! write, each also waits for its own commit (a WAL flush) while holding
//! that lock, and the next one waits for the lock to be handed over: a
//! branch stalled at a few hundred writes a second.
//!
//! Writes named with their branch ([`write_branch!`](crate::store::write_branch))
//! queue here instead. The first to arrive while no batch of its branch is
//! running starts a task that takes every write queued for the branch (up
//! to [`MAX_BATCH`]), runs each in a savepoint of one transaction, commits
//! once, and only then answers each caller; then it takes the writes that
//! queued meanwhile, until none is left. As on the SQLite writer
//! (`writer.rs`):
//!
//! - a write that fails rolls back to its savepoint and leaves the others
//!   untouched;
//! - a failed commit fails every write of the batch, none of which was
//!   acknowledged;
//! - nothing is answered before its commit.
//!
//! Different branches batch independently, in parallel, each on one pooled
//! connection; other instances' writes to the same branch wait for the
//! lock as before, so exactly-once and the hash chain hold as they do for
//! single writes. Events are published by the listener after the commit
//! (their NOTIFY is part of the transaction), as for every PostgreSQL write.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::BoxFuture;
use sqlx::{PgConnection, PgPool};
use tokio::sync::oneshot;

use crate::error::AppError;
use crate::events::Outbox;

/// Most writes committed together: enough to amortise the commit, few
/// enough to keep a batch within a few milliseconds.
pub const MAX_BATCH: usize = 64;

/// Answers one write's caller once its batch has committed (`None`) or
/// failed (the error that ended it).
type ReplyFn = Box<dyn FnOnce(Option<&sqlx::Error>) + Send>;

type RunFn = Box<dyn for<'c> FnOnce(&'c mut PgConnection) -> BoxFuture<'c, Finished> + Send>;

/// A write that has run inside the batch and waits for the commit.
struct Finished {
    ok: bool,
    reply: ReplyFn,
}

/// One queued write: run it in a batch, or tell its caller why it was not.
struct Job {
    run: RunFn,
    abort: Box<dyn FnOnce(&sqlx::Error) + Send>,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    /// A task is draining this branch's queue.
    running: bool,
}

/// The per-branch queues of one process.
pub struct BranchBatcher {
    pool: PgPool,
    queues: Mutex<HashMap<i64, Queue>>,
}

impl BranchBatcher {
    /// Batches on connections of `pool`.
    pub fn new(pool: PgPool) -> Arc<BranchBatcher> {
        Arc::new(BranchBatcher {
            pool,
            queues: Mutex::new(HashMap::new()),
        })
    }

    /// Runs `f` in the next batch of `branch_id`'s writes and returns its
    /// value once that batch has committed. `f` should only touch that
    /// branch (the batch holds its lock until the commit).
    ///
    /// # Errors
    /// What `f` returns, or a database error that ended the batch.
    pub async fn submit<T, F>(self: &Arc<Self>, branch_id: i64, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(
                &'c mut PgConnection,
                &'c mut Outbox,
            ) -> BoxFuture<'c, Result<T, AppError>>
            + Send
            + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, AppError>>();
        // Answered once: by the write's own reply, or by `abort` when its
        // batch failed before reaching it.
        let tx = Arc::new(Mutex::new(Some(tx)));
        let answer = move |tx: &Mutex<Option<oneshot::Sender<Result<T, AppError>>>>,
                           value: Result<T, AppError>| {
            if let Some(tx) = tx.lock().unwrap_or_else(PoisonError::into_inner).take() {
                // The caller may have gone away; the write stands.
                let _ = tx.send(value);
            }
        };
        let aborted = Arc::clone(&tx);
        let abort =
            Box::new(move |e: &sqlx::Error| answer(&aborted, Err(AppError::from_database(e))));
        let run: RunFn = Box::new(move |conn: &mut PgConnection| {
            Box::pin(async move {
                // Published by the listener after the commit, not from here.
                let mut events = Outbox::default();
                let result = super::caught(f(conn, &mut events)).await;
                Finished {
                    ok: result.is_ok(),
                    reply: Box::new(move |commit_error| {
                        answer(&tx, super::after_commit(result, commit_error));
                    }),
                }
            })
        });
        let start = {
            let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
            let queue = queues.entry(branch_id).or_default();
            queue.jobs.push(Job { run, abort });
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            // A task of its own: a caller that goes away (its request
            // dropped) must not take the others' batch with it.
            tokio::spawn(Arc::clone(self).drain(branch_id));
        }
        rx.await
            .map_err(|_| AppError::internal("the batch ended before answering"))?
    }

    /// Runs the branch's batches until its queue is empty.
    async fn drain(self: Arc<Self>, branch_id: i64) {
        loop {
            let jobs = {
                let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
                let Some(queue) = queues.get_mut(&branch_id) else {
                    return;
                };
                if queue.jobs.is_empty() {
                    queues.remove(&branch_id);
                    return;
                }
                let n = queue.jobs.len().min(MAX_BATCH);
                queue.jobs.drain(..n).collect::<Vec<_>>()
            };
            run_batch(&self.pool, jobs).await;
        }
    }
}

async fn run_batch(pool: &PgPool, jobs: Vec<Job>) {
    let mut finished = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter();
    let outcome: Result<(), sqlx::Error> = async {
        let mut tx = pool.begin().await?;
        for job in jobs.by_ref() {
            sqlx::query("savepoint write").execute(&mut *tx).await?;
            let done = (job.run)(&mut tx).await;
            let ok = done.ok;
            // Kept before anything else can fail, so its caller hears how
            // the batch ended.
            finished.push(done);
            if !ok {
                sqlx::query("rollback to savepoint write")
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("release savepoint write")
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }
    .await;
    match outcome {
        Ok(()) => {
            for done in finished {
                (done.reply)(None);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "PostgreSQL batch failed; every write in it was rolled back");
            for done in finished {
                (done.reply)(Some(&e));
            }
            // Writes the batch never reached (it failed to begin, or on the
            // way) did not run: their callers hear the same error.
            for job in jobs {
                (job.abort)(&e);
            }
        }
    }
}
