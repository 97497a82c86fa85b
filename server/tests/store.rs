//! Store conformance: the same checks of the storage layer on SQLite and on
//! PostgreSQL — type round trips through `Exec`, error mapping, atomic
//! writes (a failed write leaves no trace, even inside a group-committed
//! batch), and gap-free event chains under concurrent writers.

mod common;

use common::{Backend, TestDb};
use waitwell_proto::ContactsErased;
use waitwell_server::config::Config;
use waitwell_server::error::AppError;
use waitwell_server::events::Outbox;
use waitwell_server::events::{self, Actor, NewEvent};
use waitwell_server::store::{Exec, Kind, q, read, read_tx, write, write_branch};

async fn open(backend: &Backend) -> (waitwell_server::app::AppState, TestDb) {
    let db = TestDb::create(backend).await;
    let state = waitwell_server::prepare(Config::for_tests(&db.url))
        .await
        .unwrap();
    (state, db)
}

async fn branch(state: &waitwell_server::app::AppState) -> i64 {
    waitwell_server::domain::branches::create(
        state,
        waitwell_server::domain::branches::NewBranch {
            name: "Store".into(),
            timezone: "Europe/Copenhagen".into(),
            rollover: None,
            languages: None,
            kiosk_message: None,
            kiosk_messages: None,
            policy: None,
        },
        Actor::System,
    )
    .await
    .unwrap()
    .id
}

async fn values_round_trip(backend: Backend) {
    let (state, db) = open(&backend).await;
    let b = branch(&state).await;
    let text = "Zażółć gęślą jaźń — Ærø ✓ 'quoted' \"double\" \\ ; drop table x;";
    write!(state.db, |c, _out| async move {
        c.run(q("insert into services (branch_id, code, name, names, category, standard_wait_s, expected_service_s, priority_allowed, active, created_at)
                 values ($1, 'Z', $2, '{}', '', $3, 1, $4, $5, $6)")
            .bind(b)
            .bind(text)
            .bind(i64::MAX)
            .bind(false)
            .bind(true)
            .bind(i64::MIN))
            .await?;
        Ok(())
    })
    .unwrap();
    let row: (String, i64, bool, i64, Option<i64>) = read!(state.db, |c| c
        .one(q("select s.name, s.standard_wait_s, s.priority_allowed, s.created_at, d.current_ticket_id
                from services s left join desks d on d.id = -1 where s.code = 'Z'"))
        .await
        .map_err(AppError::from))
    .unwrap();
    assert_eq!(row, (text.to_owned(), i64::MAX, false, i64::MIN, None));
    let avg: (Option<f64>,) = read!(state.db, |c| c
        .one(q(
            "select cast(avg(x) as double precision) from (select 1 as x union all select 2) s"
        ))
        .await
        .map_err(AppError::from))
    .unwrap();
    assert_eq!(avg.0, Some(1.5));
    state.db.close().await;
    db.drop_db().await;
}

async fn errors_map_to_api_errors(backend: Backend) {
    let (state, db) = open(&backend).await;
    let b = branch(&state).await;
    let dup = write!(state.db, |c, _out| async move {
        for _ in 0..2 {
            c.run(q("insert into desks (branch_id, name, status, active, created_at) values ($1, 'Same', 'closed', $2, 0)")
                .bind(b)
                .bind(true))
                .await?;
        }
        Ok(())
    });
    assert!(matches!(dup, Err(AppError::Conflict(_))), "{dup:?}");
    let missing: Result<(i64,), AppError> = read!(state.db, |c| c
        .one(q("select id from desks where id = $1").bind(-5))
        .await
        .map_err(AppError::from));
    assert!(matches!(missing, Err(AppError::NotFound(_))), "{missing:?}");
    let fk = write!(state.db, |c, _out| async move {
        c.run(q("insert into desks (branch_id, name, status, active, created_at) values ($1, 'Orphan', 'closed', $2, 0)")
            .bind(987_654)
            .bind(true))
            .await?;
        Ok(())
    });
    assert!(matches!(fk, Err(AppError::Validation(_))), "{fk:?}");
    // The failed writes left nothing behind.
    let (n,): (i64,) = read!(state.db, |c| c
        .one(q("select count(*) from desks"))
        .await
        .map_err(AppError::from))
    .unwrap();
    assert_eq!(n, 0);
    state.db.close().await;
    db.drop_db().await;
}

/// Appends event number `i` to branch `b` (any staff-only type will do;
/// `before` carries the number).
async fn numbered_event<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    b: i64,
    i: i64,
) -> Result<(), AppError> {
    let data = events::EventData::ContactsErased(ContactsErased {
        before: i,
        rows: Default::default(),
    });
    let event = NewEvent {
        branch_id: b,
        ticket_id: None,
        desk_id: None,
        data,
        actor: Actor::System,
        at: i,
    };
    events::append(c, out, event).await
}

/// One write of [`failed_writes_leave_no_trace_in_batches`]: a desk and an
/// event, refused after both when `i` is a multiple of three. Answers the
/// events in its outbox and, on PostgreSQL, its transaction's id.
async fn desk_refused_every_third<C: Exec>(
    c: &mut C,
    out: &mut Outbox,
    b: i64,
    i: i64,
) -> Result<(usize, i64), AppError> {
    waitwell_server::domain::branches::lock(c, b).await?;
    c.run(
        q("insert into desks (branch_id, name, status, active, created_at) values ($1, $2, 'closed', $3, 0)")
            .bind(b)
            .bind(format!("Desk {i}"))
            .bind(true),
    )
    .await?;
    numbered_event(c, out, b, i).await?;
    if i % 3 == 0 {
        return Err(AppError::conflict("refused on purpose"));
    }
    let (xid,): (i64,) = if C::KIND == Kind::Postgres {
        // The top-level transaction's id, also inside a savepoint.
        c.one(q("select cast(txid_current() as bigint)")).await?
    } else {
        (0,)
    };
    Ok((out.events().len(), xid))
}

/// Many concurrent writes, every third one failing after it has written
/// and appended an event: the failures leave no rows and no events, the
/// successes all stay, and the chain has no gaps. Once as plain writes,
/// once as writes of the branch (on PostgreSQL grouped into batches, which
/// the rows' transaction ids show).
async fn failed_writes_leave_no_trace_in_batches(backend: Backend) {
    let (state, db) = open(&backend).await;
    let b = branch(&state).await;
    let (before,): (i64,) = read!(state.db, |c| c
        .one(q("select event_seq from branches where id = $1").bind(b))
        .await
        .map_err(AppError::from))
    .unwrap();
    for per_branch in [false, true] {
        let mut tasks = Vec::new();
        for i in 0..90 {
            let store = state.db.clone();
            let i = if per_branch { 1000 + i } else { i };
            tasks.push(tokio::spawn(async move {
                if per_branch {
                    write_branch!(store, b, |c, out| async move {
                        desk_refused_every_third(c, out, b, i).await
                    })
                } else {
                    write!(store, |c, out| async move {
                        desk_refused_every_third(c, out, b, i).await
                    })
                }
            }));
        }
        let mut ok = 0;
        let mut transactions = std::collections::BTreeSet::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok((1, xid)) => {
                    ok += 1;
                    transactions.insert(xid);
                }
                Ok((n, _)) => panic!("a write saw {n} events in its outbox"),
                Err(AppError::Conflict(_)) => {}
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert_eq!(ok, 60);
        if per_branch && state.db.kind() == Kind::Postgres {
            // Committed together: far fewer transactions than writes.
            assert!(
                transactions.len() <= 30,
                "60 writes took {} transactions",
                transactions.len()
            );
        }
    }
    let (desks,): (i64,) = read!(state.db, |c| c
        .one(q("select count(*) from desks"))
        .await
        .map_err(AppError::from))
    .unwrap();
    assert_eq!(desks, 120);
    let report = read!(state.db, |c| events::verify(c, b).await).unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.events, before + 120);
    state.db.close().await;
    db.drop_db().await;
}

/// Events reach subscribers after the commit, in seq order, and never for
/// a write that failed.
async fn hub_publishes_committed_events_in_order(backend: Backend) {
    let (state, db) = open(&backend).await;
    let b = branch(&state).await;
    let mut rx = state.db.hub().subscribe();
    for i in 0..20 {
        let res = write!(state.db, |c, out| async move {
            numbered_event(c, out, b, i).await?;
            if i % 2 == 1 {
                return Err(AppError::conflict("odd"));
            }
            Ok(())
        });
        assert_eq!(res.is_ok(), i % 2 == 0);
    }
    // On PostgreSQL events arrive through LISTEN/NOTIFY, a moment after the
    // commit; wait for the ten that committed, then check nothing else comes.
    let mut seen = Vec::new();
    while seen.len() < 10 {
        let e = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
            .await
            .expect("committed events are published")
            .unwrap();
        // On PostgreSQL the branch's creation may still be on its way.
        if e.kind == "contacts.erased" {
            // Published after the commit: another connection already sees it.
            let (stored,): (i64,) = read!(state.db, |c| c
                .one(
                    q("select count(*) from events where branch_id = $1 and seq = $2")
                        .bind(b)
                        .bind(e.seq)
                )
                .await
                .map_err(AppError::from))
            .unwrap();
            assert_eq!(stored, 1, "event {} was published before its commit", e.seq);
            seen.push((e.seq, e.data()["before"].as_i64().unwrap()));
        }
    }
    if let Ok(Ok(e)) = tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv()).await
    {
        panic!("an event of a failed write was published: {e:?}");
    }
    let seqs: Vec<i64> = seen.iter().map(|s| s.0).collect();
    let first = seqs[0];
    assert_eq!(seqs, (first..first + 10).collect::<Vec<_>>());
    assert!(seen.iter().all(|(_, i)| i % 2 == 0));
    state.db.close().await;
    db.drop_db().await;
}

/// A read transaction sees one committed state throughout: a write that
/// commits between its two reads is not seen by the second, and is seen by
/// the next read. Live snapshots rely on it for their seq to match their
/// content without taking the writer.
async fn read_transactions_see_one_state(backend: Backend) {
    let (state, db) = open(&backend).await;
    let b = branch(&state).await;
    let count = "select count(*) from desks where branch_id = $1";
    let writer = state.db.clone();
    let (before, after) = read_tx!(state.db, |c| async {
        let (before,): (i64,) = c.one(q(count).bind(b)).await?;
        write!(writer, |w, _out| async move {
            w.run(q("insert into desks (branch_id, name, status, active, created_at) values ($1, 'New', 'closed', $2, 0)")
                .bind(b)
                .bind(true))
                .await?;
            Ok(())
        })?;
        let (after,): (i64,) = c.one(q(count).bind(b)).await?;
        Ok::<_, AppError>((before, after))
    }
    .await)
    .unwrap();
    assert_eq!(
        (before, after),
        (0, 0),
        "the second read saw a later commit"
    );
    let (now,): (i64,) = read!(state.db, |c| c
        .one(q(count).bind(b))
        .await
        .map_err(AppError::from))
    .unwrap();
    assert_eq!(now, 1);
    state.db.close().await;
    db.drop_db().await;
}

backend_tests!(
    values_round_trip,
    errors_map_to_api_errors,
    failed_writes_leave_no_trace_in_batches,
    hub_publishes_committed_events_in_order,
    read_transactions_see_one_state,
);

/// How one of a batch of concurrent writes goes wrong after its insert.
#[derive(Clone, Copy)]
enum Misstep {
    /// Panics halfway.
    Panic,
    /// Awaits a timer: something outside its transaction.
    AwaitOutside,
}

/// Runs `n` concurrent writes on the SQLite writer, each inserting a desk;
/// every `every`-th one then takes `misstep`. Returns how many were refused
/// with an internal error and how many desks exist afterwards.
async fn desks_written_with(
    state: &waitwell_server::app::AppState,
    b: i64,
    n: i64,
    every: i64,
    misstep: Misstep,
) -> (usize, i64) {
    let mut tasks = Vec::new();
    for i in 0..n {
        let store = state.db.clone();
        tasks.push(tokio::spawn(async move {
            write!(store, |c, _out| async move {
                c.run(q("insert into desks (branch_id, name, status, active, created_at) values ($1, $2, 'closed', $3, 0)")
                    .bind(b)
                    .bind(format!("Desk {i}"))
                    .bind(true))
                    .await?;
                if i % every == 0 {
                    match misstep {
                        Misstep::Panic => panic!("write {i} fails after its insert"),
                        Misstep::AwaitOutside => {
                            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                        }
                    }
                }
                Ok(())
            })
        }));
    }
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => {}
            Err(AppError::Internal(_)) => refused += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    let (count,): (i64,) = read!(state.db, |c| c
        .one(q("select count(*) from desks"))
        .await
        .map_err(AppError::from))
    .unwrap();
    (refused, count)
}

/// SQLite only (on PostgreSQL a write runs in the caller's task, where a
/// panic is the handler's): a write that panics halfway is rolled back to
/// its savepoint and answered with an error, the writes batched with it
/// commit, and the writer carries on.
#[tokio::test]
async fn sqlite_panicking_write_is_rolled_back() {
    let (state, db) = open(&Backend::Sqlite).await;
    let b = branch(&state).await;
    assert_eq!(
        desks_written_with(&state, b, 40, 4, Misstep::Panic).await,
        (10, 30)
    );
    // The writer still takes writes.
    let n: u64 = write!(state.db, |c, _out| async move {
        Ok(
            c.run(q("update desks set name = name || '.' where branch_id = $1").bind(b))
                .await?,
        )
    })
    .unwrap();
    assert_eq!(n, 30);
    state.db.close().await;
    db.drop_db().await;
}

/// SQLite only (the single writer): a write that awaits something outside
/// its transaction — here a timer — holds every other writer up, so the
/// writer rolls it back after one poll and answers it with an error; the
/// writes batched with it commit.
#[tokio::test]
async fn sqlite_write_that_awaits_outside_its_transaction_is_refused() {
    let (state, db) = open(&Backend::Sqlite).await;
    let b = branch(&state).await;
    assert_eq!(
        desks_written_with(&state, b, 20, 5, Misstep::AwaitOutside).await,
        (4, 16)
    );
    state.db.close().await;
    db.drop_db().await;
}
