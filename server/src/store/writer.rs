//! The SQLite single writer with group commit.
//!
//! SQLite allows one writer at a time and, at `synchronous=FULL`, every
//! commit costs an fsync (about 0.3 ms here). One transaction per request
//! would cap the server at a few thousand writes per second, so all writes go
//! through this task instead: it takes every write waiting in its queue
//! (up to [`MAX_BATCH`]), runs each inside its own savepoint of one shared
//! transaction, commits once, and only then answers each caller. A write that
//! fails rolls back to its savepoint and leaves the others in the batch
//! untouched; a failed commit fails every write of the batch, none of which
//! was acknowledged.
//!
//! The task runs on a thread of its own with a single-threaded runtime, and
//! that thread owns the connection: a synchronous SQLite handle
//! ([`SyncConn`]) rather than a sqlx connection. A write is a chain of
//! statements (about nine for a ticket); through sqlx each would be a round
//! trip to the connection's worker thread, two thread wake-ups per statement,
//! and the whole server's write throughput would be that chain's length.
//! Here each statement runs where the write runs, without a hand-off, and
//! only the batch's arrival and its answers cross threads.
//!
//! A write runs to completion without waiting for anything outside its
//! transaction: every statement on [`SyncConn`] is ready at once, so the
//! writer polls each write exactly once. A write that is not finished after
//! that poll awaited something else (a timer, another task, the network)
//! while every other writer waited behind it; it is rolled back, its caller
//! gets an internal error and the writer logs it as a bug.

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context as _;
use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use super::SyncConn;
use crate::error::AppError;
use crate::events::{Hub, Outbox};

/// Most writes committed together. Large enough to amortise the fsync,
/// small enough to keep one batch's latency in the low milliseconds.
pub const MAX_BATCH: usize = 512;

/// Handle to the writer task.
pub struct Writer {
    /// Queue of writes. The server's handlers send; the writer task receives.
    /// The task ends when [`Writer::stop`] drops the last sender.
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    /// Fires when the writer thread has finished; awaited by [`Writer::stop`].
    done: Mutex<Option<oneshot::Receiver<()>>>,
}

/// Answers one write's caller once its batch has committed (`None`) or
/// failed (the commit's error).
type ReplyFn = Box<dyn FnOnce(Option<&sqlx::Error>) + Send>;

type RunFn = Box<dyn for<'c> FnOnce(&'c mut SyncConn) -> BoxFuture<'c, Finished> + Send>;

/// One write waiting for the writer.
struct Job {
    run: RunFn,
}

/// A write that has run inside the batch transaction and waits for the commit.
struct Finished {
    ok: bool,
    events: Outbox,
    /// Answers the caller: `None` once the batch committed, or the reason it did not.
    reply: ReplyFn,
}

/// Which database the writer opens.
#[derive(Debug, Clone)]
pub struct Target {
    /// A file path, or a `file:` URI.
    pub filename: PathBuf,
    /// A shared in-memory database (`sqlite::memory:`) rather than a file.
    pub in_memory: bool,
}

impl Writer {
    /// Starts the writer thread, which opens its own connection to `target`
    /// (migrations must have run), publishing committed events to `hub`.
    ///
    /// # Errors
    /// The thread or its runtime could not be started, or the database could
    /// not be opened.
    pub async fn start(target: Target, hub: Hub) -> anyhow::Result<Writer> {
        let (tx, rx) = mpsc::channel(MAX_BATCH * 4);
        let (done_tx, done_rx) = oneshot::channel();
        let (opened_tx, opened_rx) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("waitwell-writer".into())
            .spawn(move || {
                let conn = match SyncConn::open(&target.filename, target.in_memory) {
                    Ok(conn) => conn,
                    Err(e) => {
                        let _ = opened_tx.send(Err(e));
                        return;
                    }
                };
                let _ = opened_tx.send(Ok(()));
                runtime.block_on(run(conn, rx, hub));
                let _ = done_tx.send(());
            })?;
        opened_rx
            .await
            .context("the writer thread ended while opening the database")?
            .context("opening the SQLite writer connection")?;
        Ok(Writer {
            jobs: Mutex::new(Some(tx)),
            done: Mutex::new(Some(done_rx)),
        })
    }

    /// Runs `f` as part of the next batch and returns its value after the
    /// batch has committed.
    ///
    /// # Errors
    /// What `f` returns, a failed commit, or the writer having stopped.
    pub async fn submit<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SyncConn, &'c mut Outbox) -> BoxFuture<'c, Result<T, AppError>>
            + Send
            + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, AppError>>();
        let run: RunFn = Box::new(move |conn: &mut SyncConn| {
            Box::pin(async move {
                let mut events = Outbox::default();
                let result = super::caught(f(conn, &mut events)).await;
                Finished {
                    ok: result.is_ok(),
                    events,
                    reply: Box::new(move |commit_error| {
                        // The caller may have gone away (client disconnected);
                        // the write stands either way.
                        let _ = tx.send(super::after_commit(result, commit_error));
                    }),
                }
            })
        });
        let sender = self
            .jobs
            .lock()
            .expect("writer lock poisoned")
            .clone()
            .ok_or_else(AppError::shutting_down)?;
        sender
            .send(Job { run })
            .await
            .map_err(|_| AppError::shutting_down())?;
        rx.await
            .map_err(|_| AppError::internal("the writer stopped before answering"))?
    }

    /// Lets queued writes finish, then ends the writer task.
    pub async fn stop(&self) {
        drop(self.jobs.lock().expect("writer lock poisoned").take());
        let done = self.done.lock().expect("writer lock poisoned").take();
        if let Some(done) = done {
            let _ = done.await;
        }
    }
}

async fn run(mut conn: SyncConn, mut rx: mpsc::Receiver<Job>, hub: Hub) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        run_batch(&mut conn, batch.drain(..), &hub).await;
    }
    if let Err(e) = conn.close() {
        tracing::warn!(error = %e, "closing the SQLite writer connection");
    }
}

async fn run_batch(conn: &mut SyncConn, jobs: impl Iterator<Item = Job>, hub: &Hub) {
    let mut finished = Vec::new();
    let outcome: Result<(), sqlx::Error> = async {
        // IMMEDIATE: take the write lock now, waiting (busy timeout) for
        // another process that holds it, rather than fail later halfway
        // through the batch when a read would turn into a write.
        conn.execute("begin immediate")?;
        for job in jobs {
            // Each write in a savepoint of its own: a failed write undoes
            // only its own statements.
            conn.execute("savepoint write")?;
            match (job.run)(conn).now_or_never() {
                Some(done) => {
                    if !done.ok {
                        conn.execute("rollback to write")?;
                    }
                    conn.execute("release write")?;
                    finished.push(done);
                }
                None => {
                    // Dropping the write drops its reply: the caller hears
                    // that the writer did not answer (an internal error).
                    tracing::error!(
                        "a write awaited something outside its transaction; it was rolled back"
                    );
                    conn.execute("rollback to write")?;
                    conn.execute("release write")?;
                }
            }
        }
        conn.execute("commit")
    }
    .await;
    match outcome {
        Ok(()) => {
            // Answer the callers first, then publish: publishing wakes
            // every live connection, and a caller woken after them would
            // wait for the whole fan-out (a clerk's call-next answered
            // after 1,000 displays were sent the call). Clients cannot tell
            // the order apart: both happen after the commit.
            let mut committed = Vec::with_capacity(finished.len());
            for done in finished {
                if done.ok {
                    committed.push(done.events);
                }
                (done.reply)(None);
            }
            for events in committed {
                hub.publish(events);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "SQLite batch failed; every write in it was rolled back");
            // A failed statement may have ended the transaction already
            // (SQLite rolls back on some errors); otherwise end it here.
            if !conn.is_autocommit()
                && let Err(e) = conn.execute("rollback")
            {
                tracing::error!(error = %e, "rolling back a failed SQLite batch");
            }
            for done in finished {
                (done.reply)(Some(&e));
            }
            // Jobs never reached were dropped with their reply channel: their
            // callers see "the writer stopped before answering".
        }
    }
}
