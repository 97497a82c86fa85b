//! Short point reads on SQLite, answered in the calling thread.
//!
//! Every request is authenticated by looking up its bearer token. Through
//! the sqlx read pool that one indexed read costs a connection checkout and
//! a round trip to the connection's worker thread: two thread wake-ups for
//! a few microseconds of SQLite work, which under load cost more CPU than
//! the request itself. A lookup instead borrows a synchronous read-only
//! connection ([`SyncConn`]) and runs the statement where the request runs.
//! Only reads that touch a handful of rows through an index belong here; a
//! scan would hold up every other request on the same runtime thread, and
//! goes through [`read!`](crate::store::read) instead.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::Mutex;

use super::SyncConn;

/// Idle connections kept for reuse. A lookup holds its connection only
/// while it runs, so the number in use at once is about the number of
/// runtime threads; more than this are closed when given back.
const MAX_IDLE: usize = 8;

/// A pool of read-only connections to one SQLite file.
pub struct Lookups {
    filename: PathBuf,
    idle: Mutex<Vec<SyncConn>>,
}

impl Lookups {
    /// A pool for the database file `filename`; connections open on demand.
    pub fn new(filename: PathBuf) -> Lookups {
        Lookups {
            filename,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle connection, or a new one when none is idle.
    ///
    /// # Errors
    /// The database could not be opened.
    pub fn take(&self) -> sqlx::Result<Lookup<'_>> {
        let idle = self.idle.lock().expect("lookup pool poisoned").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => SyncConn::open_read_only(&self.filename)?,
        };
        Ok(Lookup {
            pool: self,
            conn: Some(conn),
        })
    }

    /// Connections currently idle.
    pub fn idle(&self) -> usize {
        self.idle.lock().expect("lookup pool poisoned").len()
    }
}

/// A connection borrowed from [`Lookups`]; given back when dropped.
pub struct Lookup<'p> {
    pool: &'p Lookups,
    conn: Option<SyncConn>,
}

impl Deref for Lookup<'_> {
    type Target = SyncConn;

    fn deref(&self) -> &SyncConn {
        self.conn.as_ref().expect("a lookup holds its connection")
    }
}

impl DerefMut for Lookup<'_> {
    fn deref_mut(&mut self) -> &mut SyncConn {
        self.conn.as_mut().expect("a lookup holds its connection")
    }
}

impl Drop for Lookup<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut idle = self.pool.idle.lock().expect("lookup pool poisoned");
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt as _;

    use super::*;
    use crate::store::{Exec as _, q};

    #[test]
    fn reads_the_last_commit_and_reuses_connections() {
        let dir = std::env::temp_dir().join(format!("waitwell-lookups-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lookups.db");
        let mut writer = SyncConn::open(&path, false).unwrap();
        writer
            .execute("create table t (id integer primary key, v text not null)")
            .unwrap();
        let lookups = Lookups::new(path);
        let read = |lookups: &Lookups| -> Option<(String,)> {
            let mut c = lookups.take().unwrap();
            c.opt(q("select v from t where id = $1").bind(1_i64))
                .now_or_never()
                .unwrap()
                .unwrap()
        };
        assert_eq!(read(&lookups), None);
        writer
            .execute("insert into t (id, v) values (1, 'a')")
            .unwrap();
        assert_eq!(read(&lookups), Some(("a".to_owned(),)));
        // One connection, taken and given back each time.
        assert_eq!(lookups.idle(), 1);
        // Two at once: both given back, up to the idle limit.
        let a = lookups.take().unwrap();
        let b = lookups.take().unwrap();
        drop((a, b));
        assert_eq!(lookups.idle(), 2);
        // A lookup connection cannot write.
        let mut c = lookups.take().unwrap();
        assert!(c.run(q("delete from t")).now_or_never().unwrap().is_err());
        drop(c);
        drop((lookups, writer));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
