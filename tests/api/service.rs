//! Liveness and readiness.

use crate::support::{TestApp, TestDatabase, proxy::Proxy, test_config};

#[actix_web::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let body = app.get("/healthz").await.ok_json(200);
    assert_eq!(body["status"], "ok");
}

#[actix_web::test]
async fn readyz_answers_ready_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.ok_json(200)["status"], "ready");
    assert!(!response.header("x-request-id").is_empty());
}

/// Takes the database away from a running server, then gives it back: readyz says 503 while it
/// is gone and 200 again without a restart. PostgreSQL is cut at a proxy in front of it; a
/// SQLite file is moved away and back.
#[actix_web::test]
async fn readyz_turns_503_while_the_database_is_gone_and_recovers() {
    let db = TestDatabase::create();
    if db.is_postgres() {
        let target = {
            let rest = db.url.split_once('@').map_or(db.url.as_str(), |(_, r)| r);
            rest.split('/').next().unwrap().to_owned()
        };
        let proxy = Proxy::start(target);
        let config = test_config(&db.url_via(proxy.port));
        let app = TestApp::spawn_with(db, config).await;
        app.get("/readyz").await.ok_json(200);

        proxy.cut();
        app.get("/readyz")
            .await
            .problem(503, "/problems/service-unavailable");
        let counties = app.get("/api/v1/counties").await;
        counties.problem(503, "/problems/service-unavailable");
        assert_eq!(counties.header("retry-after"), "5");

        proxy.restore();
        app.get("/readyz").await.ok_json(200);
        app.get("/api/v1/counties").await.ok_json(200);
    } else {
        let file = db.sqlite_path().unwrap();
        let aside = file.with_extension("aside");
        let config = test_config(&db.url);
        let app = TestApp::spawn_with(db, config).await;
        app.get("/readyz").await.ok_json(200);

        std::fs::rename(&file, &aside).unwrap();
        let body = app
            .get("/readyz")
            .await
            .problem(503, "/problems/service-unavailable");
        assert!(
            !body["detail"].as_str().unwrap().contains("tracker.db"),
            "no internals: {body}"
        );

        std::fs::rename(&aside, &file).unwrap();
        app.get("/readyz").await.ok_json(200);
    }
}
