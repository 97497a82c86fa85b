//! A synchronous SQLite connection (`rusqlite`): the writer's own, which
//! lives on the writer thread, and the read-only ones of [`Lookups`](super::Lookups),
//! which answer short point reads (a bearer token) in the calling thread.
//!
//! sqlx runs each SQLite connection on a worker thread of its own and every
//! statement is a round trip to it: the caller sends the statement, the
//! worker wakes, runs it, sends the rows back, and the caller wakes again.
//! A ticket takes about nine statements, so on the single writer those
//! hand-offs (not SQLite) set the server's write throughput. This handle runs
//! statements in the calling thread instead; its [`Exec`] methods finish
//! without ever waiting.
//!
//! It speaks the same `$N` SQL and decodes the same record types as the sqlx
//! connections, so the code generic over [`Exec`] runs on it unchanged:
//!
//! * SQLite treats `$3` as a *named* parameter and numbers parameters in order
//!   of first appearance, so each parameter is bound by its name: `$3` gets
//!   the third argument, wherever it appears in the statement.
//! * Rows decode through the record types' `serde::Deserialize`: a struct by
//!   column name, a tuple by position.
//! * Errors become `sqlx::Error`s with the same kinds (unique and foreign-key
//!   violations, no row), so callers and `AppError` see no difference.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::future::{Future, ready};
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Statement, ffi};
use sqlx::error::{DatabaseError, ErrorKind};

use super::Kind;
use super::exec::{Arg, Exec, Q, Record};

/// Statements kept compiled. Waitwell's writes use about a hundred distinct
/// statements; rusqlite's default cache holds 16.
const STATEMENT_CACHE: usize = 512;

/// How long a statement waits for a lock held by another process before it
/// fails with "database is locked" (the same as the sqlx connections).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A synchronous connection. Not shared: the writer's belongs to the writer
/// thread, which lends it to one write at a time; a lookup connection is
/// taken from its pool for one read.
pub struct SyncConn {
    conn: Connection,
    /// Column names of each query's result, by the address of its SQL text
    /// (queries are `&'static str`), worked out once per statement.
    columns: HashMap<(usize, usize), Box<[String]>>,
}

impl fmt::Debug for SyncConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncConn").finish_non_exhaustive()
    }
}

impl SyncConn {
    /// Opens `filename` (a path, or a `file:` URI) read-write, with the same
    /// settings as the server's sqlx connections: WAL, `synchronous=FULL`,
    /// foreign keys enforced, a 5 s busy timeout. `in_memory` opens a shared
    /// in-memory database, as sqlx does for `sqlite::memory:`.
    ///
    /// # Errors
    /// The database cannot be opened or a setting refused.
    pub fn open(filename: &Path, in_memory: bool) -> sqlx::Result<SyncConn> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if in_memory {
            flags |= OpenFlags::SQLITE_OPEN_MEMORY | OpenFlags::SQLITE_OPEN_SHARED_CACHE;
        } else {
            flags |= OpenFlags::SQLITE_OPEN_PRIVATE_CACHE;
        }
        let conn = Connection::open_with_flags(filename, flags).map_err(to_sqlx)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(to_sqlx)?;
        // The same order sqlx uses: journal mode first. WAL is already the
        // file's mode (the migrations' connection set it); asking again is
        // harmless. `synchronous` is per connection: FULL syncs the WAL at
        // every commit, so an acknowledged write survives power loss.
        //
        // `temp_store = memory` keeps the savepoint journal (the original
        // of each page a write changes, to roll back to its savepoint) in
        // memory. Otherwise SQLite moves it to a temporary file once it
        // outgrows 64 KiB, and from then on every page a write first touches
        // costs a `write` system call, for data that is discarded at the
        // commit and never needs to survive a crash (the WAL is what makes a
        // commit durable).
        conn.execute_batch(
            "pragma journal_mode = wal; pragma foreign_keys = on; pragma synchronous = full;
             pragma temp_store = memory;",
        )
        .map_err(to_sqlx)?;
        Ok(SyncConn::new(conn))
    }

    /// Opens an existing database file read-only, for lookups. Reads in WAL
    /// mode see the last commit and never wait for the writer.
    ///
    /// # Errors
    /// The database cannot be opened.
    pub fn open_read_only(filename: &Path) -> sqlx::Result<SyncConn> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_PRIVATE_CACHE;
        let conn = Connection::open_with_flags(filename, flags).map_err(to_sqlx)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(to_sqlx)?;
        Ok(SyncConn::new(conn))
    }

    fn new(conn: Connection) -> SyncConn {
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        SyncConn {
            conn,
            columns: HashMap::new(),
        }
    }

    /// Runs a statement that takes no arguments and returns no rows, such as
    /// the writer's `begin`, `savepoint` and `commit`.
    ///
    /// # Errors
    /// What SQLite reports.
    pub fn execute(&mut self, sql: &'static str) -> sqlx::Result<()> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(to_sqlx)?;
        stmt.raw_execute().map_err(to_sqlx)?;
        Ok(())
    }

    /// Whether no transaction is open (SQLite's autocommit mode), e.g. after
    /// an error that made SQLite roll the whole transaction back.
    pub fn is_autocommit(&self) -> bool {
        self.conn.is_autocommit()
    }

    /// Closes the connection.
    ///
    /// # Errors
    /// What SQLite reports (the handle is closed either way).
    pub fn close(self) -> sqlx::Result<()> {
        self.conn.close().map_err(|(_, e)| to_sqlx(e))
    }

    /// Up to `limit` rows of `q`, decoded.
    fn fetch<T: Record>(&mut self, q: Q, limit: usize) -> sqlx::Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(q.sql).map_err(to_sqlx)?;
        bind(&mut stmt, q.sql, &q.args)?;
        let columns = self
            .columns
            .entry((q.sql.as_ptr() as usize, q.sql.len()))
            .or_insert_with(|| column_names(&stmt));
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        // Stopping early is safe for `insert/update ... returning`: SQLite
        // makes all of a statement's changes at its first step.
        while out.len() < limit {
            match rows.next().map_err(to_sqlx)? {
                Some(row) => out.push(
                    serde_rusqlite::from_row_with_columns::<T>(row, columns)
                        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                ),
                None => break,
            }
        }
        Ok(out)
    }

    /// Runs `q` to the end and returns the number of rows it changed.
    fn execute_q(&mut self, q: Q) -> sqlx::Result<u64> {
        let mut stmt = self.conn.prepare_cached(q.sql).map_err(to_sqlx)?;
        bind(&mut stmt, q.sql, &q.args)?;
        if stmt.column_count() == 0 {
            let changed = stmt.raw_execute().map_err(to_sqlx)?;
            return Ok(changed as u64);
        }
        // A statement with a result (`... returning`): step through it.
        let readonly = stmt.readonly();
        let mut rows = stmt.raw_query();
        while rows.next().map_err(to_sqlx)?.is_some() {}
        drop(rows);
        drop(stmt);
        Ok(if readonly { 0 } else { self.conn.changes() })
    }
}

/// Binds `args` to `stmt` by parameter name: `$N` gets `args[N - 1]`.
///
/// SQLite numbers the parameters of `... where b = $2 and a = $1` in order
/// of appearance (`$2` is parameter 1), so binding by position would swap
/// them. Arguments no placeholder names are ignored, as sqlx does.
fn bind(stmt: &mut Statement<'_>, sql: &str, args: &[Arg]) -> sqlx::Result<()> {
    for index in 1..=stmt.parameter_count() {
        let n = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n >= 1)
            .ok_or_else(|| {
                sqlx::Error::InvalidArgument(format!(
                    "parameter {index} of {sql:?} is not of the form $N"
                ))
            })?;
        let arg = args.get(n - 1).ok_or_else(|| {
            sqlx::Error::InvalidArgument(format!(
                "{sql:?} uses ${n} but has {} arguments",
                args.len()
            ))
        })?;
        let bound = match arg {
            Arg::Int(v) => stmt.raw_bind_parameter(index, v),
            Arg::Real(v) => stmt.raw_bind_parameter(index, v),
            Arg::Text(v) => stmt.raw_bind_parameter(index, v.as_deref()),
            Arg::Bool(v) => stmt.raw_bind_parameter(index, i64::from(*v)),
        };
        bound.map_err(to_sqlx)?;
    }
    Ok(())
}

/// The statement's column names for decoding rows by name. A name that occurs
/// more than once (`select t.*, s.id ...`) decodes from its last occurrence,
/// as with sqlx; the earlier ones are renamed out of the way.
fn column_names(stmt: &Statement<'_>) -> Box<[String]> {
    let names = stmt.column_names();
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    for (i, &name) in names.iter().enumerate() {
        last.insert(name, i);
    }
    names
        .iter()
        .enumerate()
        .map(|(i, &name)| {
            if last[name] == i {
                name.to_owned()
            } else {
                format!("\0shadowed {i}")
            }
        })
        .collect()
}

impl Exec for SyncConn {
    const KIND: Kind = Kind::Sqlite;

    fn all<T: Record>(&mut self, q: Q) -> impl Future<Output = sqlx::Result<Vec<T>>> + Send {
        ready(self.fetch(q, usize::MAX))
    }

    fn opt<T: Record>(&mut self, q: Q) -> impl Future<Output = sqlx::Result<Option<T>>> + Send {
        ready(self.fetch(q, 1).map(|rows| rows.into_iter().next()))
    }

    fn one<T: Record>(&mut self, q: Q) -> impl Future<Output = sqlx::Result<T>> + Send {
        ready(
            self.fetch(q, 1)
                .and_then(|rows| rows.into_iter().next().ok_or(sqlx::Error::RowNotFound)),
        )
    }

    fn run(&mut self, q: Q) -> impl Future<Output = sqlx::Result<u64>> + Send {
        ready(self.execute_q(q))
    }
}

/// Turns a rusqlite error into the `sqlx::Error` the sqlx SQLite driver would
/// have returned, so constraint violations keep their meaning.
fn to_sqlx(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(error, message) => {
            let message = message.unwrap_or_else(|| error.to_string());
            sqlx::Error::Database(Box::new(SqliteFailure {
                code: error.extended_code,
                message,
            }))
        }
        rusqlite::Error::SqlInputError { error, msg, .. } => {
            sqlx::Error::Database(Box::new(SqliteFailure {
                code: error.extended_code,
                message: msg,
            }))
        }
        e @ (rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::Utf8Error(..)
        | rusqlite::Error::InvalidColumnType(..)) => sqlx::Error::Decode(Box::new(e)),
        e @ rusqlite::Error::ToSqlConversionFailure(..) => sqlx::Error::Encode(Box::new(e)),
        e => sqlx::Error::Protocol(e.to_string()),
    }
}

/// An error SQLite returned, with its extended result code.
#[derive(Debug)]
struct SqliteFailure {
    code: i32,
    message: String,
}

impl fmt::Display for SqliteFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same form as sqlx's SQLite errors.
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for SqliteFailure {}

impl DatabaseError for SqliteFailure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    use futures_util::FutureExt as _;

    use super::*;
    use crate::store::q;

    /// The writer connection's futures are finished when returned.
    fn now<F: Future>(f: F) -> F::Output {
        f.now_or_never()
            .expect("a SyncConn future completes at once")
    }

    fn conn() -> SyncConn {
        let mut c = SyncConn::open(Path::new(":memory:"), false).unwrap();
        c.execute(
            "create table t (id integer primary key, kind text not null unique,
                             note text, flag integer not null, ratio real)",
        )
        .unwrap();
        c
    }

    #[test]
    fn binds_placeholders_by_number_not_by_position() {
        let mut c = conn();
        // `$2` appears first, so SQLite calls it parameter 1.
        let (d,): (i64,) = now(c.one(q("select $2 - $1").bind(10_i64).bind(3_i64))).unwrap();
        assert_eq!(d, -7);
        // A placeholder used twice and a gap-free but reordered insert.
        now(c.run(
            q("insert into t (flag, kind, note, id) values ($3, $1, $1 || $2, $4)")
                .bind("a")
                .bind("b")
                .bind(true)
                .bind(5_i64),
        ))
        .unwrap();
        let row: (i64, String, String, i64) =
            now(c.one(q("select id, kind, note, flag from t"))).unwrap();
        assert_eq!(row, (5, "a".into(), "ab".into(), 1));
        // A placeholder with no argument is an error, not a NULL.
        assert!(now(c.run(q("update t set note = $2").bind("x"))).is_err());
    }

    #[derive(Debug, PartialEq, sqlx::FromRow, serde::Deserialize)]
    struct Row {
        id: i64,
        #[sqlx(rename = "type")]
        #[serde(rename = "type")]
        kind: String,
        note: Option<String>,
        flag: bool,
        ratio: Option<f64>,
        /// No such column: `None`, like `#[sqlx(skip)]`.
        #[sqlx(skip)]
        extra: Option<i64>,
    }

    #[test]
    fn decodes_structs_by_name_and_tuples_by_position() {
        let mut c = conn();
        for (id, kind, note, flag) in [(1_i64, "x", Some("n"), true), (2, "y", None, false)] {
            now(c.run(
                q("insert into t (id, kind, note, flag, ratio) values ($1, $2, $3, $4, $5)")
                    .bind(id)
                    .bind(kind)
                    .bind(note)
                    .bind(flag)
                    .bind(Arg::Real(None)),
            ))
            .unwrap();
        }
        let rows: Vec<Row> = now(c.all(q(
            "select flag, note, kind as type, id, 0.5 * id as ratio from t order by id",
        )))
        .unwrap();
        assert_eq!(
            rows,
            [
                Row {
                    id: 1,
                    kind: "x".into(),
                    note: Some("n".into()),
                    flag: true,
                    ratio: Some(0.5),
                    extra: None,
                },
                Row {
                    id: 2,
                    kind: "y".into(),
                    note: None,
                    flag: false,
                    ratio: Some(1.0),
                    extra: None,
                },
            ]
        );
        let pairs: Vec<(String, Option<String>, bool)> =
            now(c.all(q("select kind, note, flag from t order by id"))).unwrap();
        assert_eq!(
            pairs,
            [
                ("x".into(), Some("n".into()), true),
                ("y".into(), None, false)
            ]
        );
        // A repeated column name decodes from its last occurrence, as in sqlx.
        let row: Row = now(c.one(q(
            "select 7 as id, 'k' as type, null as note, 1 as flag, null as ratio, t.id from t where id = 2",
        )))
        .unwrap();
        assert_eq!((row.id, row.kind.as_str(), row.ratio), (2, "k", None));
    }

    #[test]
    fn reports_rows_changed_and_missing_rows() {
        let mut c = conn();
        for id in 1..=3_i64 {
            now(c.run(
                q("insert into t (id, kind, flag) values ($1, $2, 0)")
                    .bind(id)
                    .bind(format!("k{id}")),
            ))
            .unwrap();
        }
        assert_eq!(
            now(c.run(q("update t set flag = 1 where id > $1").bind(1_i64))).unwrap(),
            2
        );
        // A statement with a result runs to the end through `run` too.
        assert_eq!(
            now(c.run(q("update t set flag = 0 returning id"))).unwrap(),
            3
        );
        let none: Option<(i64,)> =
            now(c.opt(q("select id from t where id = $1").bind(9_i64))).unwrap();
        assert_eq!(none, None);
        let err = now(c.one::<(i64,)>(q("select id from t where id = $1").bind(9_i64)));
        assert!(matches!(err, Err(sqlx::Error::RowNotFound)), "{err:?}");
    }

    #[test]
    fn keeps_the_meaning_of_constraint_errors() {
        let mut c = conn();
        c.execute("create table child (t_id integer not null references t (id))")
            .unwrap();
        now(c.run(q("insert into t (id, kind, flag) values (1, 'a', 0)"))).unwrap();
        let dup = now(c.run(q("insert into t (id, kind, flag) values (2, 'a', 0)")));
        let Err(sqlx::Error::Database(e)) = &dup else {
            panic!("{dup:?}")
        };
        assert!(e.is_unique_violation(), "{e}");
        let orphan = now(c.run(q("insert into child (t_id) values (42)")));
        let Err(sqlx::Error::Database(e)) = &orphan else {
            panic!("{orphan:?}")
        };
        assert!(e.is_foreign_key_violation(), "{e}");
        assert!(matches!(
            crate::error::AppError::from(dup.unwrap_err()),
            crate::error::AppError::Conflict(_)
        ));
    }
}
