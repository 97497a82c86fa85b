//! One query interface over both backends.
//!
//! Waitwell's SQL is written once, with `$1` placeholders that SQLite and
//! PostgreSQL both understand. Functions that run it are generic over
//! [`Exec`], which is implemented for sqlx's `SqliteConnection` and
//! `PgConnection` and for the SQLite writer's own connection
//! ([`SyncConn`](super::SyncConn)). Rows decode through
//! `#[derive(sqlx::FromRow)]`, which is itself generic over the two sqlx
//! backends, and through `#[derive(serde::Deserialize)]` on the writer's
//! connection (see [`Record`]). Arguments travel as [`Arg`] values because a
//! generic function cannot name a backend's `Encode` impls.

use std::future::Future;

use serde::de::DeserializeOwned;
use sqlx::{FromRow, PgConnection, SqliteConnection, postgres::PgRow, sqlite::SqliteRow};

/// A bound query argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Bool(bool),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Arg::Real(Some(v))
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_owned))
    }
}

/// A query: static SQL text and its arguments, built like `sqlx::query`.
#[derive(Debug, Clone)]
pub struct Q {
    pub(super) sql: &'static str,
    pub(super) args: Vec<Arg>,
}

/// Starts a query.
pub fn q(sql: &'static str) -> Q {
    Q {
        sql,
        args: Vec::new(),
    }
}

impl Q {
    /// Binds the next `$N` argument.
    #[must_use]
    pub fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }
}

/// A row type that decodes on every connection: sqlx's two backends
/// (`#[derive(sqlx::FromRow)]`) and the SQLite writer's connection
/// (`#[derive(serde::Deserialize)]`, a struct by column name, a tuple by
/// position).
///
/// The two derives must agree on the column names: a field with
/// `#[sqlx(rename = "type")]` also needs `#[serde(rename = "type")]`. A field
/// with `#[sqlx(skip)]` must be an `Option` (serde fills in `None` when the
/// row has no such column) or carry `#[serde(skip)]`, which also leaves it
/// out of the JSON form.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow>
    + for<'r> FromRow<'r, PgRow>
    + DeserializeOwned
    + Send
    + Unpin
    + 'static
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow>
        + for<'r> FromRow<'r, PgRow>
        + DeserializeOwned
        + Send
        + Unpin
        + 'static
{
}

/// A connection (or transaction) that runs [`Q`] queries.
pub trait Exec: Send {
    /// Which backend this connection belongs to, for the rare statement
    /// that exists on one only (PostgreSQL's NOTIFY).
    const KIND: super::Kind;
    /// All rows.
    fn all<T: Record>(&mut self, q: Q) -> impl Future<Output = sqlx::Result<Vec<T>>> + Send;
    /// At most one row.
    fn opt<T: Record>(&mut self, q: Q) -> impl Future<Output = sqlx::Result<Option<T>>> + Send;
    /// Exactly one row; `RowNotFound` otherwise.
    fn one<T: Record>(&mut self, q: Q) -> impl Future<Output = sqlx::Result<T>> + Send;
    /// Runs a statement and returns the number of rows it changed.
    fn run(&mut self, q: Q) -> impl Future<Output = sqlx::Result<u64>> + Send;
}

/// Implements [`Exec`] for one backend's connection type. The two expansions
/// differ only in the types named.
macro_rules! impl_exec {
    ($conn:ty, $db:ty, $kind:expr) => {
        impl Exec for $conn {
            const KIND: super::Kind = $kind;

            async fn all<T: Record>(&mut self, q: Q) -> sqlx::Result<Vec<T>> {
                let mut query = sqlx::query_as::<$db, T>(q.sql);
                for arg in q.args {
                    query = match arg {
                        Arg::Int(v) => query.bind(v),
                        Arg::Real(v) => query.bind(v),
                        Arg::Text(v) => query.bind(v),
                        Arg::Bool(v) => query.bind(v),
                    };
                }
                query.fetch_all(&mut *self).await
            }

            async fn opt<T: Record>(&mut self, q: Q) -> sqlx::Result<Option<T>> {
                let mut query = sqlx::query_as::<$db, T>(q.sql);
                for arg in q.args {
                    query = match arg {
                        Arg::Int(v) => query.bind(v),
                        Arg::Real(v) => query.bind(v),
                        Arg::Text(v) => query.bind(v),
                        Arg::Bool(v) => query.bind(v),
                    };
                }
                query.fetch_optional(&mut *self).await
            }

            async fn one<T: Record>(&mut self, q: Q) -> sqlx::Result<T> {
                self.opt(q).await?.ok_or(sqlx::Error::RowNotFound)
            }

            async fn run(&mut self, q: Q) -> sqlx::Result<u64> {
                let mut query = sqlx::query::<$db>(q.sql);
                for arg in q.args {
                    query = match arg {
                        Arg::Int(v) => query.bind(v),
                        Arg::Real(v) => query.bind(v),
                        Arg::Text(v) => query.bind(v),
                        Arg::Bool(v) => query.bind(v),
                    };
                }
                Ok(query.execute(&mut *self).await?.rows_affected())
            }
        }
    };
}

impl_exec!(SqliteConnection, sqlx::Sqlite, super::Kind::Sqlite);
impl_exec!(PgConnection, sqlx::Postgres, super::Kind::Postgres);
