//! The `waitwell` command as a person uses it.

use e2e::{Api, ScratchDb, Server, binary};
use reqwest::StatusCode;
use tokio::io::AsyncBufReadExt as _;

#[tokio::test]
async fn help_documents_every_setting() {
    let out = std::process::Command::new(binary())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for setting in [
        "WAITWELL_LISTEN",
        "WAITWELL_DATABASE_URL",
        "WAITWELL_ADMIN_PASSWORD",
        "WAITWELL_CONFIG",
        "--demo",
    ] {
        assert!(
            help.contains(setting),
            "serve --help does not mention {setting}:\n{help}"
        );
    }
    // Every setting the help lists has its row in the README's table.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let vars: Vec<&str> = help
        .split("[env: ")
        .skip(1)
        .map(|rest| rest.split(['=', ']']).next().unwrap())
        .collect();
    assert!(vars.len() >= 17, "too few settings in the help: {vars:?}");
    for var in vars {
        assert!(
            readme.contains(&format!("| `{var}` |")),
            "the README's settings table has no row for {var}"
        );
    }
}

#[tokio::test]
async fn invalid_settings_stop_startup_naming_the_setting() {
    for (var, value) in [
        ("WAITWELL_LISTEN", "not-an-address"),
        ("WAITWELL_DATABASE_URL", "mysql://localhost/x"),
        ("WAITWELL_ADMIN_PASSWORD", "short"),
    ] {
        let out = std::process::Command::new(binary())
            .arg("serve")
            .env("WAITWELL_DATABASE_URL", "sqlite::memory:")
            .env(var, value)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{var}={value} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(var), "error for {var} does not name it: {err}");
    }
}

#[tokio::test]
async fn demo_prints_sign_in_details_that_work() {
    let db = ScratchDb::sqlite();
    let mut server = Server::start(&db.url, &["--demo"]).await.unwrap();
    let mut lines = tokio::io::BufReader::new(server.stdout().unwrap()).lines();
    let mut printed = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let done = line.contains("listening on");
        printed.push(line);
        if done {
            break;
        }
    }
    let text = printed.join("\n");
    assert!(
        text.contains("sign in as manager / waitwell-demo"),
        "{text}"
    );
    let kiosk = printed
        .iter()
        .find_map(|l| l.trim().strip_prefix("kiosk token:"))
        .map(str::trim)
        .unwrap()
        .to_owned();
    let api = Api::new(&server.base);
    let clerk = api.login("clerk1", "waitwell-demo").await.unwrap();
    let services = api
        .send(
            reqwest::Method::GET,
            Some(&kiosk),
            "/api/v1/branches/1/services",
            None,
        )
        .await
        .unwrap();
    assert_eq!(services.0, StatusCode::OK);
    assert_eq!(services.1.as_array().unwrap().len(), 4);
    let ticket = api
        .post_ok(
            &kiosk,
            "/api/v1/branches/1/tickets",
            serde_json::json!({ "service_id": 1 }),
            StatusCode::CREATED,
        )
        .await
        .unwrap();
    assert_eq!(ticket["number"], "A001");
    let (s, me) = api
        .send(reqwest::Method::GET, Some(&clerk), "/api/v1/auth/me", None)
        .await
        .unwrap();
    assert_eq!(s, StatusCode::OK, "{me}");
    assert!(
        server.terminate().await.unwrap(),
        "waitwell did not exit cleanly on SIGTERM"
    );
    db.remove().await;
}

#[tokio::test]
async fn migrate_user_add_and_audit_verify() {
    let db = ScratchDb::sqlite();
    let run = |args: &[&str], password: Option<&str>| {
        let mut cmd = std::process::Command::new(binary());
        cmd.args(args)
            .env("WAITWELL_DATABASE_URL", &db.url)
            .env("WAITWELL_LOG", "warn");
        if let Some(p) = password {
            cmd.env("WAITWELL_NEW_PASSWORD", p);
        }
        cmd.output().unwrap()
    };
    let out = run(&["migrate"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &["user", "add", "--username", "root-admin", "--role", "admin"],
        Some("a-long-password"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &["user", "add", "--username", "x", "--role", "admin"],
        Some("a-long-password"),
    );
    assert!(
        !out.status.success(),
        "a 1-character user name was accepted"
    );
    let out = run(
        &["user", "add", "--username", "boss", "--role", "king"],
        Some("a-long-password"),
    );
    assert!(!out.status.success(), "an unknown role was accepted");

    let server = Server::start(&db.url, &[]).await.unwrap();
    let api = Api::new(&server.base);
    let token = api.login("root-admin", "a-long-password").await.unwrap();
    api.post_ok(
        &token,
        "/api/v1/branches",
        serde_json::json!({ "name": "X", "timezone": "UTC" }),
        StatusCode::CREATED,
    )
    .await
    .unwrap();
    server.terminate().await.unwrap();

    let (ok, report) = e2e::audit_verify(&db.url).await.unwrap();
    assert!(ok, "{report}");
    assert!(report.contains("chain intact"), "{report}");

    // Edit history behind the server's back: the chain must name the event.
    {
        use sqlx::Connection as _;
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query("update events set payload = '{}' where seq = 1")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let (ok, report) = e2e::audit_verify(&db.url).await.unwrap();
    assert!(!ok, "tampering went unnoticed: {report}");
    assert!(report.contains("BROKEN at event 1"), "{report}");
    db.remove().await;
}

#[tokio::test]
async fn replay_prints_both_predictors_and_refuses_bad_input() {
    // Generated days need no database.
    let out = std::process::Command::new(binary())
        .args(["replay", "--days", "1", "--seed", "3", "--runs", "30"])
        .env("WAITWELL_DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Replaying 1 generated day(s), seed 3"),
        "{text}"
    );
    for column in ["MAE new", "MAE old", "median new", "in range"] {
        assert!(text.contains(column), "{column}: {text}");
    }
    for row in ["all", "Passports", "Vehicles", "Information"] {
        assert!(text.lines().any(|l| l.starts_with(row)), "{row}: {text}");
    }

    // A recorded day: the branch and the day must both be given and exist.
    let db = ScratchDb::sqlite();
    for (args, says) in [
        (vec!["replay", "--branch", "1"], "--day"),
        (
            vec!["replay", "--branch", "1", "--day", "2026-13-01"],
            "YYYY-MM-DD",
        ),
        (
            vec!["replay", "--branch", "7", "--day", "2026-01-05"],
            "branch",
        ),
        (vec!["replay", "--days", "0"], "--days"),
    ] {
        let out = std::process::Command::new(binary())
            .args(&args)
            .env("WAITWELL_DATABASE_URL", &db.url)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
