//! Accounts managed by administrators, employers bound to accounts, and the audit trail.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::support::{Actor, TestApp, USER_PASSWORD};

fn new_user(username: &str, role: &str, counties: &[&str]) -> Value {
    json!({
        "username": username,
        "display_name": "王芳",
        "role": role,
        "county_codes": counties,
        "password": USER_PASSWORD,
    })
}

async fn user_count(app: &TestApp, admin: &Actor) -> usize {
    let body = app
        .get_as(admin, "/api/v1/users?limit=200")
        .await
        .ok_json(200);
    body["items"].as_array().unwrap().len()
}

async fn audit(app: &TestApp, admin: &Actor, query: &str) -> Vec<Value> {
    let body = app
        .get_as(admin, &format!("/api/v1/audit?{query}"))
        .await
        .ok_json(200);
    body["items"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn an_admin_creates_a_field_worker_who_can_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = app
        .post_as(
            &admin,
            "/api/v1/users",
            &new_user("wang.fang", "field_staff", &["141125", "141124", "141125"]),
        )
        .await;
    let body = created.ok_json(201);
    assert_eq!(created.header("etag"), "\"1\"");
    assert_eq!(body["county_codes"], json!(["141124", "141125"]));
    assert_eq!(body["role"], "field_staff");
    assert_eq!(body["active"], true);
    assert!(body.get("password").is_none() && body.get("password_hash").is_none());

    let worker = app.sign_in("wang.fang", USER_PASSWORD).await;
    let me = app.get_as(&worker, "/api/v1/me").await.ok_json(200);
    assert_eq!(me["county_codes"], json!(["141124", "141125"]));
    assert_eq!(me["display_name"], "王芳");
}

#[actix_web::test]
async fn invalid_accounts_are_422_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = user_count(&app, &admin).await;
    let audit_before = audit(&app, &admin, "entity=user&limit=200").await.len();
    let mut short = new_user("short.pw", "field_staff", &["141125"]);
    short["password"] = json!("123456789");
    let mut employer_without = new_user("emp.user", "employer", &[]);
    employer_without["employer_id"] = Value::Null;
    let mut unknown_employer = new_user("emp.user2", "employer", &[]);
    unknown_employer["employer_id"] = json!(uuid::Uuid::new_v4());
    let mut bad_role = new_user("root.user", "field_staff", &["141125"]);
    bad_role["role"] = json!("root");
    let cases = [
        (short, "password", "length"),
        (
            new_user("Bad Name", "field_staff", &["141125"]),
            "username",
            "pattern",
        ),
        (
            new_user("ab", "field_staff", &["141125"]),
            "username",
            "length",
        ),
        (
            new_user("no.county", "field_staff", &[]),
            "county_codes",
            "required",
        ),
        (
            new_user("manager.x", "manager", &["141125", "999999"]),
            "county_codes[1]",
            "unknown_county",
        ),
        (
            new_user("admin.two", "admin", &["141125"]),
            "county_codes",
            "not_allowed",
        ),
        (employer_without, "employer_id", "required"),
        (unknown_employer, "employer_id", "unknown_employer"),
        (bad_role, "role", "invalid_choice"),
    ];
    for (body, field, code) in cases {
        app.post_as(&admin, "/api/v1/users", &body)
            .await
            .invalid_field(field, code);
    }
    assert_eq!(user_count(&app, &admin).await, before);
    assert_eq!(
        audit(&app, &admin, "entity=user&limit=200").await.len(),
        audit_before
    );
}

#[actix_web::test]
async fn a_taken_username_is_409_with_the_existing_id() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let first = app
        .post_as(
            &admin,
            "/api/v1/users",
            &new_user("li.na", "field_staff", &["141125"]),
        )
        .await
        .ok_json(201);
    let again = app
        .post_as(
            &admin,
            "/api/v1/users",
            &new_user("li.na", "manager", &["141124"]),
        )
        .await;
    let problem = again.problem(409, "/problems/conflict");
    assert_eq!(problem["existing_id"], first["id"]);
}

#[actix_web::test]
async fn a_create_sent_again_with_its_id_answers_the_stored_account() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = uuid::Uuid::new_v4().to_string();
    let mut body = new_user("zhao.lei", "manager", &["141125"]);
    body["id"] = json!(id);
    let first = app
        .post_as(&admin, "/api/v1/users", &body)
        .await
        .ok_json(201);
    let replay = app
        .post_as(&admin, "/api/v1/users", &body)
        .await
        .ok_json(200);
    assert_eq!(first, replay);
    body["display_name"] = json!("赵磊");
    let clash = app
        .post_as(&admin, "/api/v1/users", &body)
        .await
        .problem(409, "/problems/conflict");
    assert_eq!(clash["existing_id"], json!(id));
    let stored = app
        .get_as(&admin, &format!("/api/v1/users/{id}"))
        .await
        .ok_json(200);
    assert_eq!(stored["display_name"], "王芳");
}

async fn patch_user(
    app: &TestApp,
    admin: &Actor,
    path: &str,
    etag: Option<&str>,
    body: Value,
) -> crate::support::TestResponse {
    let mut request = app.request(Method::PATCH, path).auth(admin);
    if let Some(etag) = etag {
        request = request.header("if-match", etag);
    }
    request.json(&body).await
}

#[actix_web::test]
async fn changes_need_the_current_version() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let user = app
        .post_as(
            &admin,
            "/api/v1/users",
            &new_user("sun.li", "field_staff", &["141125"]),
        )
        .await
        .ok_json(201);
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let patch =
        |etag: Option<&'static str>, body: Value| patch_user(&app, &admin, &path, etag, body);

    patch(None, json!({"display_name": "孙丽"}))
        .await
        .problem(428, "/problems/precondition-required");
    patch(Some("\"7\""), json!({"display_name": "孙丽"}))
        .await
        .problem(412, "/problems/precondition-failed");
    patch(Some("garbage"), json!({"display_name": "孙丽"}))
        .await
        .problem(400, "/problems/malformed-request");
    patch(Some("\"99999999999\""), json!({"display_name": "孙丽"}))
        .await
        .problem(412, "/problems/precondition-failed");

    let changed = patch(
        Some("\"1\""),
        json!({"display_name": "孙丽", "county_codes": ["141102"]}),
    )
    .await;
    let body = changed.ok_json(200);
    assert_eq!(changed.header("etag"), "\"2\"");
    assert_eq!(body["version"], 2);
    assert_eq!(body["display_name"], "孙丽");
    assert_eq!(body["county_codes"], json!(["141102"]));
    // The old version is stale now, and nothing of the stale change is stored.
    patch(Some("\"1\""), json!({"display_name": "lost"}))
        .await
        .problem(412, "/problems/precondition-failed");

    let not_modified = app
        .request(Method::GET, &path)
        .auth(&admin)
        .header("if-none-match", "\"2\"")
        .send()
        .await;
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    let fresh = app
        .request(Method::GET, &path)
        .auth(&admin)
        .header("if-none-match", "\"1\"")
        .send()
        .await;
    assert_eq!(fresh.ok_json(200)["display_name"], "孙丽");

    // Changing the role to one without counties clears them.
    let admin_now = patch(Some("\"2\""), json!({"role": "admin"}))
        .await
        .ok_json(200);
    assert_eq!(admin_now["county_codes"], json!([]));
    // `If-Match: *` applies to whatever version is current.
    let any = patch(Some("*"), json!({"display_name": "任意"}))
        .await
        .ok_json(200);
    assert_eq!(any["version"], 4);
}

#[actix_web::test]
async fn fields_a_body_may_not_set_are_refused_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let worker = app.field_staff(&["141125"]).await;

    // Mass assignment at sign-in, and on an account change.
    let login = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&json!({"username": worker.username, "password": USER_PASSWORD, "role": "admin"}))
        .await;
    login.invalid_field("role", "unknown_field");
    let path = format!("/api/v1/users/{}", worker.id);
    for body in [
        json!({"username": "renamed"}),
        json!({"version": 9}),
        json!({"password_hash": "x"}),
    ] {
        app.request(Method::PATCH, &path)
            .auth(&admin)
            .header("if-match", "\"1\"")
            .json(&body)
            .await
            .problem(422, "/problems/validation");
    }
    // A field worker cannot make themselves an administrator.
    let own = app
        .request(Method::PATCH, &path)
        .auth(&worker)
        .header("if-match", "\"1\"")
        .json(&json!({"role": "admin"}))
        .await;
    own.problem(403, "/problems/forbidden");
    let stored = app.get_as(&admin, &path).await.ok_json(200);
    assert_eq!(stored["role"], "field_staff");
    assert_eq!(stored["version"], 1);
    assert_eq!(stored["username"], worker.username);
}

#[actix_web::test]
async fn an_admin_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let path = format!("/api/v1/users/{}", admin.id);
    for body in [
        json!({"active": false}),
        json!({"role": "manager", "county_codes": ["141125"]}),
    ] {
        app.request(Method::PATCH, &path)
            .auth(&admin)
            .header("if-match", "\"1\"")
            .json(&body)
            .await
            .problem(422, "/problems/rule-violated");
    }
    app.get_as(&admin, "/api/v1/me").await.ok_json(200);
}

#[actix_web::test]
async fn an_employer_account_sees_only_its_own_employer() {
    let app = TestApp::spawn().await;
    let mine = app.employer("吕梁康养中心").await;
    let theirs = app.employer("太原护理院").await;
    let user = app.employer_user(&mine).await;

    let me = app.get_as(&user, "/api/v1/me").await.ok_json(200);
    assert_eq!(me["employer_id"], json!(mine));
    app.get_as(&user, &format!("/api/v1/employers/{mine}"))
        .await
        .ok_json(200);
    app.get_as(&user, &format!("/api/v1/employers/{theirs}"))
        .await
        .problem(404, "/problems/not-found");
    let list = app.get_as(&user, "/api/v1/employers").await.ok_json(200);
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![mine.as_str()]);
    // Employers read nothing of the accounts or the audit trail.
    app.get_as(&user, "/api/v1/users")
        .await
        .problem(403, "/problems/forbidden");
    app.get_as(&user, "/api/v1/audit")
        .await
        .problem(403, "/problems/forbidden");
}

#[actix_web::test]
async fn every_write_and_sign_in_leaves_an_audit_row_without_personal_data() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = app
        .post_as(
            &admin,
            "/api/v1/users",
            &new_user("qian.jing", "field_staff", &["141125"]),
        )
        .await;
    let user = created.ok_json(201);
    let id = user["id"].as_str().unwrap();
    app.login("qian.jing", "wrong-password-here").await;

    let rows = audit(&app, &admin, &format!("entity=user&entity_id={id}")).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["action"], "create");
    assert_eq!(rows[0]["actor"], json!(admin.id));
    assert_eq!(rows[0]["request_id"], json!(created.header("x-request-id")));

    let sign_ins = audit(&app, &admin, &format!("actor={}&entity=session", admin.id)).await;
    assert!(sign_ins.iter().any(|r| r["action"] == "sign_in"));
    let failed = audit(&app, &admin, "entity=session").await;
    let failed: Vec<&Value> = failed
        .iter()
        .filter(|r| r["action"] == "sign_in_failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["actor"].is_null());

    let everything = app.get_as(&admin, "/api/v1/audit?limit=200").await;
    let text = String::from_utf8_lossy(&everything.body);
    for secret in ["qian.jing", "wrong-password-here", USER_PASSWORD, "王芳"] {
        assert!(!text.contains(secret), "audit carries {secret}");
    }
}

#[actix_web::test]
async fn the_audit_trail_pages_newest_first_and_filters_by_time() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let start = chrono::Utc::now();
    for i in 0..5 {
        app.post_as(
            &admin,
            "/api/v1/users",
            &new_user(&format!("user.{i}"), "field_staff", &["141125"]),
        )
        .await
        .ok_json(201);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/audit?entity=user&limit=2".to_owned();
    loop {
        let page = app.get_as(&admin, &path).await.ok_json(200);
        seen.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/audit?entity=user&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    // Five creates plus the first administrator's.
    assert_eq!(seen.len(), 6);
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> = seen
        .iter()
        .map(|r| chrono::DateTime::parse_from_rfc3339(r["at"].as_str().unwrap()).unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    let since = start.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let recent = audit(
        &app,
        &admin,
        &format!("entity=user&since={}", since.replace('+', "%2B")),
    )
    .await;
    assert_eq!(recent.len(), 5);
    app.get_as(&admin, "/api/v1/audit?since=yesterday")
        .await
        .invalid_field("since", "invalid");
}

#[actix_web::test]
async fn a_manager_reads_the_audit_of_their_counties_and_own_actions_only() {
    let app = TestApp::spawn().await;
    let manager = app.manager(&["141125"]).await;
    let worker = app.field_staff(&["141125"]).await;
    let rows = audit(&app, &manager, "limit=200").await;
    // Their own sign-in, nothing of the administrator's account work.
    assert!(
        rows.iter().all(|r| r["actor"] == json!(manager.id)),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r["action"] == "sign_in"));
    app.get_as(&worker, "/api/v1/audit")
        .await
        .problem(403, "/problems/forbidden");
    let admin = app.admin().await;
    let all = audit(&app, &admin, "limit=200").await;
    assert!(
        all.iter()
            .any(|r| r["action"] == "create" && r["entity"] == "user")
    );
}
