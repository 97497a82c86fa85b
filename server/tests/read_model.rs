//! The read model answers exactly what the database answers.
//!
//! Random sequences of everything that changes a branch's live state —
//! issuing, every desk action, visitors cancelling and postponing, desks
//! opening and pausing, allocations, services and policy changing — run
//! against the real server; after every few steps each instance's model is
//! read (which catches it up to the database's head) and compared with the
//! SQL answer at the same moment: the live snapshot (as staff, as a device,
//! filtered), the queue view (branch-wide and per desk), every visitor's
//! ticket view and the branch. On PostgreSQL the steps alternate between
//! two server instances over one database, and each instance is compared.
//!
//! The models must follow the events: a model loaded again behind the
//! test's back (an event it could not apply) would hide a bug, so the
//! number of loads is checked too.

mod common;

use common::{Backend, Office, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use waitwell_server::domain::projection::Filter;
use waitwell_server::domain::read_model::{Applied, BranchModel, snapshot_from_db};
use waitwell_server::domain::{branches, tickets, visitor};
use waitwell_server::error::AppError;
use waitwell_server::events;
use waitwell_server::store::{read, read_tx};

/// A small deterministic generator, so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One random step on `app`; refusals (409, 422) are part of the game.
async fn step(app: &TestApp, office: &Office, rng: &mut Rng, tokens: &mut Vec<String>) {
    let b = office.branch_id;
    let desk = rng.below(office.desks.len());
    let desk_id = office.desks[desk];
    let clerk = &office.clerks[desk];
    let service = *rng.pick(&office.services);
    let desk_path = |action: &str| format!("/api/v1/desks/{desk_id}/{action}");
    match rng.below(20) {
        0..=4 => {
            let priority = *rng.pick(&["normal", "normal", "normal", "priority"]);
            let (s, t) = app
                .post(
                    &office.kiosk,
                    &format!("/api/v1/branches/{b}/tickets"),
                    json!({ "service_id": service, "priority": priority }),
                )
                .await;
            if s == StatusCode::CREATED
                && let Some(token) = t["public_token"].as_str()
            {
                tokens.push(token.to_owned());
            }
        }
        5..=7 => {
            app.post_empty(clerk, &desk_path("call-next")).await;
        }
        8 => {
            app.post_empty(clerk, &desk_path("recall")).await;
        }
        9 => {
            app.post_empty(clerk, &desk_path("start")).await;
        }
        10..=11 => {
            app.post(clerk, &desk_path("finish"), json!({})).await;
        }
        12 => {
            let action = *rng.pick(&["no-show", "park"]);
            app.post_empty(clerk, &desk_path(action)).await;
        }
        13 => {
            app.post(
                clerk,
                &desk_path("transfer"),
                json!({ "service_id": service }),
            )
            .await;
        }
        14 => {
            let action = *rng.pick(&["open", "open", "close"]);
            app.post_empty(clerk, &desk_path(action)).await;
            if action == "close" {
                app.post(clerk, &desk_path("pause"), json!({ "reason": "break" }))
                    .await;
            }
        }
        15 => {
            if !tokens.is_empty() {
                let token = rng.pick(tokens).clone();
                let action = *rng.pick(&["cancel", "postpone", "postpone"]);
                app.send(
                    reqwest::Method::POST,
                    None,
                    &format!("/api/v1/public/tickets/{token}/{action}"),
                    None,
                )
                .await;
            }
        }
        16 => {
            let mut allocation = Vec::new();
            for s in &office.services {
                if rng.below(3) > 0 {
                    allocation.push(json!({ "service_id": s, "weight": 1 + rng.below(4) }));
                }
            }
            app.put(
                &office.manager,
                &desk_path("services"),
                Value::Array(allocation),
            )
            .await;
        }
        17 => {
            let active = rng.below(4) > 0;
            app.patch(
                &office.manager,
                &format!("/api/v1/services/{service}"),
                json!({ "active": active, "expected_service_s": 60 + 60 * rng.below(5) }),
            )
            .await;
        }
        18 => {
            app.patch(
                &office.manager,
                &format!("/api/v1/branches/{b}"),
                json!({ "policy": { "priority_credit_s": 60 * rng.below(20), "appointment_credit_s": 300,
                                    "weight_step_s": 60, "priority_interleave": rng.below(4) } }),
            )
            .await;
        }
        _ => {
            // Call a parked ticket back, by id, from the queue view.
            let (_, queue) = app
                .get(&office.manager, &format!("/api/v1/branches/{b}/queue"))
                .await;
            if let Some(id) = queue["parked"][0]["id"].as_i64() {
                app.post(
                    clerk,
                    &desk_path("call"),
                    json!({ "ticket_id": id, "reason": "called back" }),
                )
                .await;
            }
        }
    }
}

/// Every answer of `app`'s model for the branch equals the database's.
async fn compare(app: &TestApp, office: &Office, tokens: &[String], context: &str) {
    let db = &app.state.db;
    let b = office.branch_id;
    let current = db.model(b).await.expect("the model reads");
    let filters = [
        Filter {
            staff: true,
            ..Filter::default()
        },
        Filter::default(),
        Filter {
            services: Some([office.services[0]].into()),
            desks: Some([office.desks[0]].into()),
            staff: false,
        },
    ];
    for filter in &filters {
        let memory = current.with(|m| m.snapshot(filter)).unwrap();
        let sql = {
            let filter = filter.clone();
            read_tx!(db, |c| snapshot_from_db(c, b, &filter).await).unwrap()
        };
        assert_eq!(
            serde_json::to_value(&memory).unwrap(),
            serde_json::to_value(&sql).unwrap(),
            "{context}: snapshot for {filter:?}"
        );
    }
    let now = waitwell_server::now_ms();
    for desk in std::iter::once(None).chain(office.desks.iter().copied().map(Some)) {
        let memory = current
            .with(|m| m.queue_inputs(desk))
            .unwrap()
            .unwrap()
            .view(now);
        let sql = read!(db, |c| tickets::queue_view(c, b, desk, now).await).unwrap();
        // As served: the row's secrets (token, issuing kiosk) are never
        // serialised, and the model does not keep them.
        assert_eq!(
            serde_json::to_value(&memory).unwrap(),
            serde_json::to_value(&sql).unwrap(),
            "{context}: queue view for desk {desk:?}"
        );
    }
    let branch = current.with(|m| m.branch().to_api()).unwrap();
    let sql = read!(db, |c| branches::get(c, b).await).unwrap().to_api();
    assert_eq!(branch, sql, "{context}: branch");
    let (at, _) = current.predictions(now).unwrap();
    for token in tokens {
        let (first, _) = db.hub().models().token(db, token).await.unwrap().unwrap();
        let memory = current.public_view(first, now).unwrap();
        let (open, sql) = async {
            read!(db, |c| {
                let t = visitor::by_token(c, token).await?;
                let open = t.status().is_ok_and(|s| s.is_open());
                Ok::<_, AppError>((open, visitor::view_at(c, token, at).await?))
            })
        }
        .await
        .unwrap();
        match memory {
            Some((_, memory)) => assert_eq!(memory, sql, "{context}: ticket page {token}"),
            None => assert!(
                !open,
                "{context}: an open ticket missing from memory: {sql:?}"
            ),
        }
    }
}

async fn random_days(backend: Backend, seeds: &[u64], steps: usize) {
    let app = TestApp::spawn(backend.clone()).await;
    // On PostgreSQL a second instance over the same database.
    let second = match backend {
        Backend::Postgres(_) => {
            let url = app.db.as_ref().unwrap().url.clone();
            Some(TestApp::spawn_with(waitwell_server::config::Config::for_tests(&url), None).await)
        }
        Backend::Sqlite => None,
    };
    let instances: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    for &seed in seeds {
        let office = app.office(3).await;
        for i in 0..2 {
            app.open_desk(&office, i).await;
        }
        let mut rng = Rng(seed);
        let mut tokens = Vec::new();
        for n in 0..steps {
            let on = instances[rng.below(instances.len())];
            step(on, &office, &mut rng, &mut tokens).await;
            if n % 5 == 4 {
                for (i, instance) in instances.iter().enumerate() {
                    compare(
                        instance,
                        &office,
                        &tokens,
                        &format!("seed {seed}, step {n}, instance {i}"),
                    )
                    .await;
                }
            }
        }
    }
    for instance in &instances {
        // Loaded once per branch on its first read, then fed by events.
        assert_eq!(
            instance.state.db.hub().models().loads(),
            seeds.len() as u64,
            "a model was loaded again instead of following the events"
        );
    }
    if let Some(second) = second {
        second.stop().await;
    }
    app.stop().await;
}

async fn memory_answers_equal_sql_answers(backend: Backend) {
    random_days(backend, &[1, 7, 42], 120).await;
}

/// A model takes each event once, in seq order: a skipped event is a gap,
/// a repeated one is old, unreadable text changes nothing; fed in order it
/// answers as a model freshly loaded.
async fn a_model_applies_events_in_order_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office = app.office(1).await;
    let db = &app.state.db;
    let b = office.branch_id;
    let mut model = read_tx!(db, |c| BranchModel::load(c, b).await).unwrap();
    let start = model.seq();
    app.issue(&office, office.services[0], "normal").await;
    app.open_desk(&office, 0).await;
    app.issue(&office, office.services[1], "priority").await;
    let fed = read!(db, |c| events::between(c, b, start, start + 100).await).unwrap();
    assert!(fed.len() >= 3, "{fed:?}");

    assert_eq!(model.apply(&fed[1]), Applied::Gap);
    let mut bad = fed[0].clone();
    bad.payload = "{\"ticket\": ".into();
    assert_eq!(model.apply(&bad), Applied::Unreadable);
    assert_eq!(model.seq(), start, "nothing applied");
    for e in &fed {
        assert_eq!(model.apply(e), Applied::Done, "{}", e.kind);
    }
    assert_eq!(model.apply(&fed[0]), Applied::Old);
    assert_eq!(model.seq(), fed.last().unwrap().seq);

    let fresh = read_tx!(db, |c| BranchModel::load(c, b).await).unwrap();
    let staff = Filter {
        staff: true,
        ..Filter::default()
    };
    assert_eq!(
        serde_json::to_value(model.snapshot(&staff)).unwrap(),
        serde_json::to_value(fresh.snapshot(&staff)).unwrap()
    );
    let now = waitwell_server::now_ms();
    assert_eq!(
        serde_json::to_value(model.queue_inputs(None).unwrap().view(now)).unwrap(),
        serde_json::to_value(fresh.queue_inputs(None).unwrap().view(now)).unwrap()
    );
    app.stop().await;
}

backend_tests!(
    memory_answers_equal_sql_answers,
    a_model_applies_events_in_order_only
);
