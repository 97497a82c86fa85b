//! Storage: connects to SQLite or PostgreSQL (chosen by the URL scheme), runs
//! the embedded migrations and gives the rest of the server two ways in.
//!
//! * [`read!`] runs a block on a pooled read connection; [`read_tx!`] runs
//!   it in one read-only transaction, for reads whose parts must agree.
//! * [`lookup!`] runs a short point read (a bearer token); on SQLite in the
//!   calling thread ([`lookups`]).
//! * [`write!`] runs a block as one atomic write. On SQLite every write goes
//!   through a single writer task that commits concurrent writes together
//!   (group commit, [`writer`]); on PostgreSQL each write is its own
//!   transaction. Either way the caller gets its answer only after its own
//!   commit, and the events the block appended are published to the live
//!   [`Hub`](crate::events::Hub) in commit order.
//!
//! The SQL itself lives in the functions of the submodules, generic over
//! [`Exec`], so each statement is written once for both backends.

mod exec;
pub mod lookups;
pub mod pg_batch;
pub mod pg_listener;
pub mod sql;
mod sync_conn;
pub mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures_util::future::BoxFuture;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection as _, PgConnection};

pub use exec::{Arg, Exec, Q, Record, q};
pub use lookups::Lookups;
pub use sync_conn::SyncConn;
pub use writer::Writer;

use crate::error::AppError;
use crate::events::{Hub, Outbox};

/// Migrations for SQLite, embedded in the binary.
pub static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");
/// Migrations for PostgreSQL, embedded in the binary.
pub static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

/// Longest a request waits for a database connection. With the database
/// down, a request fails after this (503 with `Retry-After`, see
/// `error.rs`) instead of hanging: long enough for a pool under load, short
/// enough that clients and load balancers learn of an outage at once.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// Longest one PostgreSQL statement may run (`statement_timeout`), so that
/// a stuck database cannot hold requests until the HTTP timeout. Reports
/// over long periods are the slowest statements, well under this.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);

/// The database behind the server. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    backend: Arc<Backend>,
    hub: Hub,
}

/// The two supported backends.
pub enum Backend {
    /// One file, one writer task, a small pool of readers (WAL lets readers
    /// run beside the writer).
    Sqlite {
        /// Read-only connections.
        read: SqlitePool,
        /// Read-only connections for point reads in the calling thread;
        /// `None` for an in-memory database, whose shared cache makes a
        /// reader wait on table locks that only sqlx's driver waits out.
        lookups: Option<Lookups>,
        /// The single writer; see [`writer`].
        writer: Writer,
    },
    /// A pool shared by readers and writers; several servers may share the
    /// database.
    Postgres {
        /// Every connection of this process.
        pool: PgPool,
        /// Relays committed events from the database to the hub.
        listener: pg_listener::Listener,
        /// Group commit of each branch's writes; see [`pg_batch`].
        batcher: Arc<pg_batch::BranchBatcher>,
    },
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `sqlite:` URLs.
    Sqlite,
    /// `postgres:` / `postgresql:` URLs.
    Postgres,
}

impl Kind {
    /// Reads the backend from a database URL.
    ///
    /// # Errors
    /// A URL with any other scheme.
    pub fn from_url(url: &str) -> anyhow::Result<Kind> {
        if url.starts_with("sqlite:") {
            Ok(Kind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Kind::Postgres)
        } else {
            anyhow::bail!(
                "WAITWELL_DATABASE_URL must start with sqlite: or postgres://, got {:?}",
                redact_url(url)
            )
        }
    }
}

/// Whether a SQLite URL names an in-memory database: `sqlite::memory:`,
/// `sqlite://:memory:` or `?mode=memory` (the forms sqlx opens in memory,
/// with a shared cache so that every connection sees the same database).
fn is_in_memory(url: &str) -> bool {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:" || params.split('&').any(|p| p == "mode=memory")
}

/// A database URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Db {
    /// Connects, runs pending migrations and, on SQLite, starts the writer.
    ///
    /// # Errors
    /// A bad URL, an unreachable database or a failed migration.
    pub async fn connect(url: &str, hub: Hub) -> anyhow::Result<Db> {
        let backend = match Kind::from_url(url)? {
            Kind::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .with_context(|| format!("invalid SQLite URL {url:?}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // FULL: the WAL is synced at every commit, so an
                    // acknowledged ticket survives power loss. Group commit
                    // (see writer.rs) is what keeps this affordable.
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true);
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .with_context(|| format!("cannot open SQLite database {url:?}"))?;
                SQLITE_MIGRATOR
                    .run(&mut conn)
                    .await
                    .context("running SQLite migrations")?;
                // The writer opens a connection of its own, with the same
                // settings (see sync_conn.rs), on its own thread.
                let target = writer::Target {
                    filename: options.get_filename().to_owned(),
                    in_memory: is_in_memory(url),
                };
                let read = SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options.read_only(true))
                    .await
                    .context("opening SQLite read connections")?;
                let lookups = (!target.in_memory).then(|| Lookups::new(target.filename.clone()));
                let writer = Writer::start(target, hub.clone())
                    .await
                    .context("starting the SQLite writer")?;
                // Closed only now: an in-memory database lives as long as
                // one connection to it is open.
                if let Err(e) = conn.close().await {
                    tracing::warn!(error = %e, "closing the SQLite migration connection");
                }
                Backend::Sqlite {
                    read,
                    lookups,
                    writer,
                }
            }
            Kind::Postgres => {
                let options = PgConnectOptions::from_str(url)
                    .with_context(|| format!("invalid PostgreSQL URL {:?}", redact_url(url)))?;
                // Migrations on a connection of their own, without the
                // pool's statement timeout: one may rightly take long.
                let mut conn = PgConnection::connect_with(&options)
                    .await
                    .with_context(|| format!("cannot connect to {}", redact_url(url)))?;
                POSTGRES_MIGRATOR
                    .run(&mut conn)
                    .await
                    .context("running PostgreSQL migrations")?;
                if let Err(e) = conn.close().await {
                    tracing::warn!(error = %e, "closing the PostgreSQL migration connection");
                }
                let timeout = format!("{}ms", STATEMENT_TIMEOUT.as_millis());
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options.options([("statement_timeout", timeout.as_str())]))
                    .await
                    .with_context(|| format!("cannot connect to {}", redact_url(url)))?;
                let listener = pg_listener::Listener::start(pool.clone(), hub.clone())
                    .await
                    .context("listening for events on PostgreSQL")?;
                let batcher = pg_batch::BranchBatcher::new(pool.clone());
                Backend::Postgres {
                    pool,
                    listener,
                    batcher,
                }
            }
        };
        Ok(Db {
            backend: Arc::new(backend),
            hub,
        })
    }

    /// The backend, for the [`read!`] and [`write!`] macros.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The live event hub writes publish to.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The branch's read model, current as of this call (see
    /// [`ReadModels::current`](crate::domain::read_model::ReadModels::current)).
    ///
    /// # Errors
    /// Database errors; NotFound for an unknown branch.
    pub async fn model(
        &self,
        branch_id: i64,
    ) -> Result<crate::domain::read_model::Current, AppError> {
        self.hub.models().current(self, branch_id).await
    }

    /// Which backend this is.
    pub fn kind(&self) -> Kind {
        match *self.backend {
            Backend::Sqlite { .. } => Kind::Sqlite,
            Backend::Postgres { .. } => Kind::Postgres,
        }
    }

    /// Finishes queued writes and closes every connection.
    pub async fn close(&self) {
        match &*self.backend {
            Backend::Sqlite { read, writer, .. } => {
                writer.stop().await;
                read.close().await;
            }
            Backend::Postgres { pool, listener, .. } => {
                listener.stop().await;
                pool.close().await;
            }
        }
    }

    /// Runs `f` in one PostgreSQL transaction and publishes its events after
    /// the commit. Used by [`write!`]; not meant to be called directly.
    ///
    /// # Errors
    /// What `f` returns, or a database error.
    pub async fn pg_transact<T, F>(&self, pool: &PgPool, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(
                &'c mut PgConnection,
                &'c mut Outbox,
            ) -> BoxFuture<'c, Result<T, AppError>>
            + Send
            + 'static,
    {
        let mut tx = pool.begin().await.map_err(AppError::from)?;
        let mut outbox = Outbox::default();
        let value = f(&mut tx, &mut outbox).await?;
        tx.commit().await.map_err(AppError::from)?;
        // Not published here: the NOTIFY sent with each event reaches this
        // instance's listener, which publishes in commit order for every
        // instance alike (see pg_listener.rs).
        drop(outbox);
        Ok(value)
    }
}

/// Runs one write of a batch; a write that panics is an internal error
/// (rolled back to its savepoint by the batch), not the end of the batch.
pub(crate) async fn caught<T>(
    write: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    use futures_util::FutureExt as _;
    std::panic::AssertUnwindSafe(write)
        .catch_unwind()
        .await
        .unwrap_or_else(|_| Err(AppError::internal("a write panicked")))
}

/// A batched write's answer once its batch has ended: its own result,
/// unless the batch failed to commit (a full disk or an unreachable
/// database says so, 507 / 503; anything else is internal).
pub(crate) fn after_commit<T>(
    result: Result<T, AppError>,
    commit_error: Option<&sqlx::Error>,
) -> Result<T, AppError> {
    match (result, commit_error) {
        (Ok(value), None) => Ok(value),
        (Ok(_), Some(e)) => Err(AppError::from_database(e)),
        (Err(e), _) => Err(e),
    }
}

/// Runs a block on a read connection: `read!(db, |c| some_query(c).await)`,
/// where `c: &mut impl Exec`. The block evaluates to a `Result` whose error
/// converts from [`AppError`]; a failure to get a connection becomes that
/// error.
#[macro_export]
#[doc(hidden)]
macro_rules! __db_read {
    ($db:expr, |$c:ident| $body:expr) => {{
        match $db.backend() {
            $crate::store::Backend::Sqlite { read, .. } => match read.acquire().await {
                Ok(mut conn) => {
                    let $c: &mut ::sqlx::SqliteConnection = &mut conn;
                    $body
                }
                Err(e) => Err($crate::error::AppError::from(e).into()),
            },
            $crate::store::Backend::Postgres { pool, .. } => match pool.acquire().await {
                Ok(mut conn) => {
                    let $c: &mut ::sqlx::PgConnection = &mut conn;
                    $body
                }
                Err(e) => Err($crate::error::AppError::from(e).into()),
            },
        }
    }};
}
pub use crate::__db_read as read;

/// Runs a block in one read-only transaction, so that every statement in it
/// sees the same committed state: `read_tx!(db, |c| some_reads(c).await)`.
/// For reads whose parts must agree, like a live snapshot and the event seq
/// it stands at. SQLite (WAL) gives a deferred transaction one snapshot from
/// its first read on; PostgreSQL gets `REPEATABLE READ, READ ONLY`. Never
/// runs on the writer.
#[macro_export]
#[doc(hidden)]
macro_rules! __db_read_tx {
    ($db:expr, |$c:ident| $body:expr) => {{
        match $db.backend() {
            $crate::store::Backend::Sqlite { read, .. } => match read.begin().await {
                Ok(mut tx) => {
                    let $c: &mut ::sqlx::SqliteConnection = &mut tx;
                    let value = $body;
                    // Read-only: ending it either way releases the snapshot.
                    let _ = tx.rollback().await;
                    value
                }
                Err(e) => Err($crate::error::AppError::from(e).into()),
            },
            $crate::store::Backend::Postgres { pool, .. } => match pool.begin().await {
                Ok(mut tx) => {
                    match ::sqlx::Executor::execute(
                        &mut *tx,
                        "set transaction isolation level repeatable read, read only",
                    )
                    .await
                    {
                        Ok(_) => {
                            let $c: &mut ::sqlx::PgConnection = &mut tx;
                            let value = $body;
                            let _ = tx.rollback().await;
                            value
                        }
                        Err(e) => Err($crate::error::AppError::from(e).into()),
                    }
                }
                Err(e) => Err($crate::error::AppError::from(e).into()),
            },
        }
    }};
}
pub use crate::__db_read_tx as read_tx;

/// Runs a short point read: `lookup!(db, |c| some_query(c).await)`, like
/// [`read!`]. On a SQLite file it runs in the calling thread on a
/// connection of [`Lookups`]; elsewhere it is [`read!`]. Only for reads of
/// a few rows through an index: a longer read would hold up the thread.
#[macro_export]
#[doc(hidden)]
macro_rules! __db_lookup {
    ($db:expr, |$c:ident| $body:expr) => {{
        match $db.backend() {
            $crate::store::Backend::Sqlite {
                lookups: Some(lookups),
                ..
            } => match lookups.take() {
                Ok(mut conn) => {
                    let $c: &mut $crate::store::SyncConn = &mut conn;
                    $body
                }
                Err(e) => Err($crate::error::AppError::from(e).into()),
            },
            _ => $crate::store::read!($db, |$c| $body),
        }
    }};
}
pub use crate::__db_lookup as lookup;

/// Runs an async block as one atomic write:
/// `write!(db, |c, out| async move { ...; Ok(value) })`, where
/// `c: &mut impl Exec` and `out: &mut Outbox` collects the events appended.
/// Evaluates to `Result<T, AppError>`, available after the commit.
#[macro_export]
#[doc(hidden)]
macro_rules! __db_write {
    ($db:expr, |$c:ident, $out:ident| $body:expr) => {{
        let db: &$crate::store::Db = &$db;
        match db.backend() {
            $crate::store::Backend::Sqlite { writer, .. } => {
                writer
                    .submit(move |$c, $out| ::std::boxed::Box::pin($body))
                    .await
            }
            $crate::store::Backend::Postgres { pool, .. } => {
                db.pg_transact(pool, move |$c, $out| ::std::boxed::Box::pin($body))
                    .await
            }
        }
    }};
}
pub use crate::__db_write as write;

/// Runs a block as one write to one branch: like [`write!`], but on
/// PostgreSQL the write joins that branch's next batch (see [`pg_batch`])
/// and is committed with the writes queued beside it. The block must touch
/// only that branch. On SQLite every write is batched already.
/// `write_branch!(db, branch_id, |c, out| body)`.
#[macro_export]
#[doc(hidden)]
macro_rules! __db_write_branch {
    ($db:expr, $branch_id:expr, |$c:ident, $out:ident| $body:expr) => {{
        let db: &$crate::store::Db = &$db;
        match db.backend() {
            $crate::store::Backend::Sqlite { writer, .. } => {
                writer
                    .submit(move |$c, $out| ::std::boxed::Box::pin($body))
                    .await
            }
            $crate::store::Backend::Postgres { batcher, .. } => {
                batcher
                    .submit($branch_id, move |$c, $out| ::std::boxed::Box::pin($body))
                    .await
            }
        }
    }};
}
pub use crate::__db_write_branch as write_branch;

#[cfg(test)]
mod tests {
    use super::is_in_memory;

    #[test]
    fn recognises_in_memory_sqlite_urls() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://:memory:"));
        assert!(is_in_memory("sqlite://scratch.db?mode=memory"));
        assert!(is_in_memory("sqlite://x.db?cache=shared&mode=memory"));
        assert!(!is_in_memory("sqlite://waitwell.db"));
        assert!(!is_in_memory("sqlite:///var/lib/waitwell/memory.db"));
        assert!(!is_in_memory("sqlite://waitwell.db?mode=rwc"));
    }
}
