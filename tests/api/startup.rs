//! The binary as an operator runs it: a wrong setting stops it with one line naming the
//! variable; a good one serves, and its request log carries no query strings.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::TestDatabase;

const BIN: &str = env!("CARGO_BIN_EXE_luliang-tracker");

/// Runs the binary with `vars` (and nothing else of ours) until it exits; returns its stderr.
fn run_to_exit(vars: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(BIN);
    for name in [
        "DATABASE_URL",
        "BIND_ADDR",
        "JWT_SECRET",
        "DB_POOL_SIZE",
        "HTTP_WORKERS",
    ] {
        command.env_remove(name);
    }
    let output = command
        .envs(vars.iter().copied())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_wrong_setting_stops_the_server_with_one_line_naming_it() {
    let db = TestDatabase::create();
    let cases = [
        ("DATABASE_URL", "mysql://localhost/x"),
        ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/nothing"),
        ("BIND_ADDR", "somewhere"),
        ("JWT_SECRET", "too-short"),
        ("DB_POOL_SIZE", "-1"),
        ("HTTP_WORKERS", "lots"),
    ];
    for (variable, value) in cases {
        let mut vars = vec![(variable, value)];
        if variable != "DATABASE_URL" {
            vars.push(("DATABASE_URL", db.url.as_str()));
        }
        let (success, stderr) = run_to_exit(&vars);
        assert!(!success, "{variable}={value} must stop the server");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(
            lines.len(),
            1,
            "{variable}={value}: one line, got {stderr:?}"
        );
        assert!(
            lines[0].starts_with(&format!("error: {variable}: ")),
            "{variable}={value}: {stderr:?}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // The real cause of a refused connection reaches the operator.
    let (_, stderr) = run_to_exit(&[("DATABASE_URL", "postgres://nobody@127.0.0.1:1/nothing")]);
    assert!(stderr.to_lowercase().contains("refused"), "{stderr}");
}

/// Sends one HTTP/1.1 GET and returns the status line.
/// Starts the binary on `db` on a free port with `vars` (and no signing secret unless one is
/// given); its log lines arrive on the receiver.
fn serve(
    db: &TestDatabase,
    vars: &[(&str, &str)],
) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .env("DATABASE_URL", &db.url)
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("HTTP_WORKERS", "1")
        .env("RUST_LOG", "info")
        .env_remove("JWT_SECRET")
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, lines)
}

fn http_get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer secret-token-value\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn the_binary_serves_and_logs_requests_without_personal_data() {
    let db = TestDatabase::create();
    let (mut child, lines) = serve(&db, &[]);
    let next = || {
        lines
            .recv_timeout(Duration::from_secs(60))
            .expect("a log line")
    };
    let port: u16 = loop {
        let line = next();
        if let Some(rest) = line.split("listening on port ").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };

    assert!(http_get(port, "/api/v1/counties?q=13812345678&limit=2").contains(" 200 "));
    let log_line = loop {
        let line = next();
        if line.contains("tracker::request") {
            break line;
        }
    };
    let _ = child.kill();
    let _ = child.wait();

    assert!(log_line.contains("GET /api/v1/counties 200"), "{log_line}");
    assert!(
        !log_line.contains("13812345678"),
        "query string logged: {log_line}"
    );
    assert!(
        !log_line.contains("limit"),
        "query string logged: {log_line}"
    );
    assert!(
        !log_line.contains("secret-token-value"),
        "token logged: {log_line}"
    );
}

/// Runs the binary until its first request log line is possible, returns (stdout, stderr).
fn first_start(db: &TestDatabase) -> (String, String) {
    let mut child = Command::new(BIN)
        .env("DATABASE_URL", &db.url)
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("HTTP_WORKERS", "1")
        .env("RUST_LOG", "info")
        .env_remove("ADMIN_PASSWORD")
        .env_remove("ADMIN_USERNAME")
        .env_remove("JWT_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut err_lines = BufReader::new(stderr).lines().map_while(Result::ok);
    let mut err = String::new();
    for line in err_lines.by_ref() {
        err.push_str(&line);
        err.push('\n');
        if line.contains("listening on port") {
            break;
        }
    }
    let _ = child.kill();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let _ = child.wait();
    (out, err)
}

#[test]
fn the_first_start_prints_a_generated_admin_password_once_and_never_logs_it() {
    let db = TestDatabase::create();
    let (out, err) = first_start(&db);
    let password = out
        .split("created with the password: ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no password printed: {out:?}"))
        .to_owned();
    assert!(password.len() >= 16, "{password}");
    assert!(!err.contains(&password), "the password reached the log");
    assert!(err.contains("JWT_SECRET is not set"), "{err}");

    // The second start finds the account and prints nothing.
    let (out, _) = first_start(&db);
    assert!(!out.contains("password"), "{out}");

    // The printed password signs in.
    let system = actix_web::rt::System::new();
    system.block_on(async {
        let config =
            crate::support::config_with(&db.url, &[("JWT_SECRET", ""), ("ADMIN_PASSWORD", "")]);
        let server = tracker::server::Server::bind(config).await.unwrap();
        let port = server.port();
        actix_web::rt::spawn(server.run());
        let client = awc::Client::default();
        let response = client
            .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
            .send_json(&serde_json::json!({"username": "admin", "password": password}))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    });
}

#[test]
fn three_instances_started_at_once_on_an_empty_database_all_come_up() {
    let db = TestDatabase::create();
    let vars = [
        ("ADMIN_PASSWORD", crate::support::ADMIN_PASSWORD),
        ("JWT_SECRET", crate::support::TEST_JWT_SECRET),
    ];
    let mut instances: Vec<_> = (0..3).map(|_| serve(&db, &vars)).collect();
    let mut ports = Vec::new();
    for (child, lines) in &mut instances {
        let mut seen = Vec::new();
        let port: u16 = loop {
            let line = match lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => line,
                Err(_) => {
                    let _ = child.kill();
                    panic!("an instance did not come up: {seen:#?}");
                }
            };
            if let Some(rest) = line.split("listening on port ").nth(1) {
                break rest.split_whitespace().next().unwrap().parse().unwrap();
            }
            seen.push(line);
        };
        ports.push(port);
    }
    // Each serves, on one database with one first account.
    for port in &ports {
        assert!(http_get(*port, "/readyz").contains(" 200 "), "{port}");
    }
    for (child, _) in &mut instances {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    // One first account was made, whichever instance made it.
    let system = actix_web::rt::System::new();
    system.block_on(async {
        let config = crate::support::test_config(&db.url);
        let app = crate::support::TestApp::spawn_with(db, config).await;
        let admin = app.admin().await;
        let users = app.get_as(&admin, "/api/v1/users").await.ok_json(200);
        assert_eq!(users["items"].as_array().unwrap().len(), 1, "{users}");
    });
}

#[test]
fn a_failed_migration_stops_the_start_with_its_own_error() {
    let db = TestDatabase::create();
    // A table in the way of a migration.
    if let Some(path) = db.sqlite_path() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::File::create(&path).unwrap();
    }
    let url = tracker::config::DatabaseUrl::parse(&db.url).unwrap();
    let mut conn = tracker::db::ConnectionManager::new(url)
        .establish()
        .unwrap();
    diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        "CREATE TABLE sync_horizon (id INTEGER)",
    )
    .unwrap();
    drop(conn);
    let (ok, stderr) = run_to_exit(&[
        ("DATABASE_URL", &db.url),
        ("BIND_ADDR", "127.0.0.1:0"),
        ("JWT_SECRET", crate::support::TEST_JWT_SECRET),
    ]);
    assert!(!ok);
    assert!(stderr.contains("migrations failed"), "{stderr}");
    assert!(stderr.contains("sync_horizon"), "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
}
