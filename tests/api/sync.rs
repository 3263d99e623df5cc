//! Offline sync: the change feed read by `GET /sync/pull`, and `POST /sync/push`.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use actix_web::http::Method;
use chrono::Duration;
use serde_json::{Value, json};

use crate::support::builders::{Trained, days_ago, id_number, new_trainee, still_there};
use crate::support::{Actor, TestApp, TestResponse};

const LIULIN: &str = "141125";
const LISHI: &str = "141102";

/// Pulls once from `cursor` (a first sync when empty).
async fn pull_page(app: &TestApp, actor: &Actor, cursor: &str, extra: &str) -> TestResponse {
    let limit = if extra.contains("limit=") {
        ""
    } else {
        "limit=500"
    };
    let mut path = format!("/api/v1/sync/pull?{limit}{extra}");
    if !cursor.is_empty() {
        path.push_str(&format!("&cursor={cursor}"));
    }
    app.get_as(actor, &path).await
}

/// Pulls from `cursor` until nothing more follows: the changes by `(kind, id)` (the last of
/// each) and the cursor to go on from.
async fn pull_all(
    app: &TestApp,
    actor: &Actor,
    cursor: &str,
) -> (BTreeMap<(String, String), Value>, String) {
    let mut cursor = cursor.to_owned();
    let mut changes = BTreeMap::new();
    loop {
        let page = pull_page(app, actor, &cursor, "").await.ok_json(200);
        for change in page["changes"].as_array().unwrap() {
            let key = (
                change["kind"].as_str().unwrap().to_owned(),
                change["id"].as_str().unwrap().to_owned(),
            );
            changes.insert(key, change.clone());
        }
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == false {
            return (changes, cursor);
        }
    }
}

fn change<'a>(
    changes: &'a BTreeMap<(String, String), Value>,
    kind: &str,
    id: &str,
) -> Option<&'a Value> {
    changes.get(&(kind.to_owned(), id.to_owned()))
}

async fn push(app: &TestApp, actor: &Actor, body: &Value) -> Value {
    app.post_as(actor, "/api/v1/sync/push", body)
        .await
        .ok_json(200)
}

fn op(op_id: &str, kind: &str, action: &str, id: &str, body: Value) -> Value {
    json!({"op_id": op_id, "kind": kind, "action": action, "id": id, "body": body})
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn trainee_count(app: &TestApp, actor: &Actor) -> usize {
    let page = app
        .get_as(actor, "/api/v1/trainees?limit=200")
        .await
        .ok_json(200);
    page["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn a_first_pull_is_a_snapshot_of_the_callers_counties_in_the_shapes_of_their_gets() {
    let trained = Trained::new(40).await;
    let app = trained.app();
    let placement = trained.placed().await;
    trained
        .follow_up(&placement, still_there(days_ago(5), Some(450_000)))
        .await
        .ok_json(201);
    let elsewhere = app.field_staff(&[LISHI]).await;
    let other = app
        .post_as(&elsewhere, "/api/v1/trainees", &new_trainee(LISHI))
        .await
        .ok_json(201);

    let (changes, _) = pull_all(app, trained.worker(), "").await;
    // Every record arrives as its resource's GET answers it.
    let mut trainee = app
        .get_as(
            trained.worker(),
            &format!("/api/v1/trainees/{}", trained.trainee),
        )
        .await
        .ok_json(200);
    let pulled = change(&changes, "trainee", &trained.trainee).expect("the trainee");
    assert_eq!(pulled["action"], "put");
    // All of it but the employment judged today, which the app reads with the GET.
    assert!(
        trainee
            .as_object_mut()
            .unwrap()
            .remove("employment")
            .is_some()
    );
    assert_eq!(pulled["record"], trainee);
    let got = app
        .get_as(trained.worker(), &format!("/api/v1/placements/{placement}"))
        .await
        .ok_json(200);
    assert_eq!(
        change(&changes, "placement", &placement).unwrap()["record"],
        got
    );
    let enrolment = app
        .get_as(
            trained.worker(),
            &format!("/api/v1/enrolments/{}", trained.enrolment),
        )
        .await
        .ok_json(200);
    assert_eq!(
        change(&changes, "enrolment", &trained.enrolment).unwrap()["record"],
        enrolment
    );
    let kinds: std::collections::BTreeSet<&str> =
        changes.keys().map(|(kind, _)| kind.as_str()).collect();
    for kind in [
        "trainee",
        "cohort",
        "enrolment",
        "attendance_day",
        "placement",
        "follow_up",
        "organisation",
        "account",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    // Only the caller's own account, and nothing of another county.
    let accounts: Vec<_> = changes
        .keys()
        .filter(|(kind, _)| kind == "account")
        .collect();
    assert_eq!(
        accounts,
        vec![&("account".to_owned(), trained.worker().id.clone())]
    );
    assert!(change(&changes, "trainee", other["id"].as_str().unwrap()).is_none());
    // A first sync has nothing to remove.
    assert!(changes.values().all(|c| c["action"] == "put"));
}

#[actix_web::test]
async fn an_incremental_pull_answers_only_what_changed_and_pages_in_order() {
    let trained = Trained::new(40).await;
    let app = trained.app();
    let worker = trained.worker();
    let (_, cursor) = pull_all(app, worker, "").await;
    let empty = pull_page(app, worker, &cursor, "").await.ok_json(200);
    assert_eq!(empty["changes"], json!([]));
    assert_eq!(empty["has_more"], false);

    let etag = app
        .get_as(worker, &format!("/api/v1/trainees/{}", trained.trainee))
        .await
        .header("etag")
        .to_owned();
    app.patch_as(
        worker,
        &format!("/api/v1/trainees/{}", trained.trainee),
        &etag,
        &json!({"township": "留誉镇"}),
    )
    .await
    .ok_json(200);
    let mut created = Vec::new();
    for _ in 0..3 {
        let t = app
            .post_as(worker, "/api/v1/trainees", &new_trainee(LIULIN))
            .await
            .ok_json(201);
        created.push(t["id"].as_str().unwrap().to_owned());
    }
    // One at a time: four pages of one change each, in commit order.
    let mut cursor = cursor;
    let mut seen = Vec::new();
    loop {
        let page = pull_page(app, worker, &cursor, "&limit=1").await;
        let page = page.ok_json(200);
        let changes = page["changes"].as_array().unwrap();
        assert!(changes.len() <= 1);
        seen.extend(changes.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == false {
            break;
        }
    }
    let mut expected = vec![trained.trainee.clone()];
    expected.extend(created);
    assert_eq!(seen, expected);
    let moved = pull_page(app, worker, &cursor, "").await.ok_json(200);
    assert_eq!(moved["changes"], json!([]));
}

#[actix_web::test]
async fn a_trainee_moved_between_counties_is_revoked_in_the_old_and_put_in_the_new() {
    let trained = Trained::new(40).await;
    let app = trained.app();
    let placement = trained.placed().await;
    let follow_up = trained
        .follow_up(&placement, still_there(days_ago(5), Some(450_000)))
        .await
        .ok_json(201);
    let old = trained.worker();
    let new = app.field_staff(&[LISHI]).await;
    let both = app.field_staff(&[LIULIN, LISHI]).await;
    let (_, old_cursor) = pull_all(app, old, "").await;
    let (before, new_cursor) = pull_all(app, &new, "").await;
    assert!(change(&before, "trainee", &trained.trainee).is_none());

    let path = format!("/api/v1/trainees/{}", trained.trainee);
    let etag = app.get_as(&both, &path).await.header("etag").to_owned();
    app.patch_as(&both, &path, &etag, &json!({"county_code": LISHI}))
        .await
        .ok_json(200);

    let (gone, _) = pull_all(app, old, &old_cursor).await;
    let follow_up_id = follow_up["id"].as_str().unwrap();
    for (kind, id) in [
        ("trainee", trained.trainee.as_str()),
        ("placement", &placement),
        ("follow_up", follow_up_id),
    ] {
        let c = change(&gone, kind, id).unwrap_or_else(|| panic!("{kind} not revoked: {gone:?}"));
        assert_eq!(c["action"], "revoke", "{c}");
        assert!(c.get("record").is_none());
    }
    // The enrolment stays: its cohort is Liulin's.
    assert_eq!(
        change(&gone, "enrolment", &trained.enrolment).unwrap()["action"],
        "put"
    );
    let (arrived, _) = pull_all(app, &new, &new_cursor).await;
    for (kind, id) in [
        ("trainee", trained.trainee.as_str()),
        ("placement", &placement),
        ("follow_up", follow_up_id),
        ("enrolment", &trained.enrolment),
    ] {
        let c = change(&arrived, kind, id).unwrap_or_else(|| panic!("{kind} not put: {arrived:?}"));
        assert_eq!(c["action"], "put", "{c}");
    }
    assert_eq!(
        change(&arrived, "trainee", &trained.trainee).unwrap()["record"]["county_code"],
        LISHI
    );
}

#[actix_web::test]
async fn a_cursor_from_before_a_change_of_the_callers_counties_answers_410() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&[LIULIN]).await;
    let (_, cursor) = pull_all(&app, &worker, "").await;
    let admin = app.admin().await;
    let path = format!("/api/v1/users/{}", worker.id);
    let etag = app.get_as(&admin, &path).await.header("etag").to_owned();
    app.patch_as(
        &admin,
        &path,
        &etag,
        &json!({"county_codes": [LIULIN, LISHI]}),
    )
    .await
    .ok_json(200);
    pull_page(&app, &worker, &cursor, "")
        .await
        .problem(410, "/problems/sync-restart");
    // Starting again works, and shows the account's new counties.
    let (changes, _) = pull_all(&app, &worker, "").await;
    let me = change(&changes, "account", &worker.id).unwrap();
    assert_eq!(me["record"]["county_codes"], json!([LISHI, LIULIN]));
}

#[actix_web::test]
async fn forged_truncated_and_foreign_cursors_answer_400() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&[LIULIN]).await;
    let other = app.field_staff(&[LIULIN]).await;
    let (_, cursor) = pull_all(&app, &worker, "").await;
    let mut tampered = cursor.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bad in [
        tampered.as_str(),
        &cursor[..cursor.len() - 5],
        "not-a-cursor",
        "%00abc",
        "eyJhbGciOiJub25lIn0.e30.",
    ] {
        pull_page(&app, &worker, bad, "")
            .await
            .problem(400, "/problems/malformed-request");
    }
    // Another account's cursor is not yours.
    pull_page(&app, &other, &cursor, "")
        .await
        .problem(400, "/problems/malformed-request");
    // A cursor is a token on every list: one with NUL in it is broken (400), as documented.
    app.get_as(&worker, "/api/v1/trainees?cursor=c1%00")
        .await
        .problem(400, "/problems/malformed-request");
    // An access token is not a cursor.
    pull_page(&app, &worker, &worker.token, "")
        .await
        .problem(400, "/problems/malformed-request");
    app.get("/api/v1/sync/pull")
        .await
        .problem(401, "/problems/unauthenticated");
    app.request(Method::POST, "/api/v1/sync/push")
        .json(&json!({"device_id": "d", "ops": []}))
        .await
        .problem(401, "/problems/unauthenticated");
}

#[actix_web::test]
async fn a_cursor_older_than_the_feeds_retention_answers_410() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&[LIULIN]).await;
    let both = app.field_staff(&[LIULIN, LISHI]).await;
    let trainee = app
        .post_as(&worker, "/api/v1/trainees", &new_trainee(LIULIN))
        .await
        .ok_json(201);
    let (_, cursor) = pull_all(&app, &worker, "").await;
    let path = format!("/api/v1/trainees/{}", trainee["id"].as_str().unwrap());
    let etag = app.get_as(&both, &path).await.header("etag").to_owned();
    app.patch_as(&both, &path, &etag, &json!({"county_code": LISHI}))
        .await
        .ok_json(200);
    // Kept: the cursor goes on.
    pull_page(&app, &worker, &cursor, "").await.ok_json(200);

    // The retention passes: the tombstone of the move is pruned.
    let url = tracker::config::DatabaseUrl::parse(app.database_url()).unwrap();
    let db = tracker::db::Db::connect(&url, 1).unwrap();
    let pruned = db
        .run(|conn| tracker::service::sync::prune(conn, tracker::db::now() + Duration::days(1)))
        .await
        .unwrap();
    assert!(pruned >= 1, "{pruned}");
    pull_page(&app, &worker, &cursor, "")
        .await
        .problem(410, "/problems/sync-restart");
    let (changes, _) = pull_all(&app, &worker, "").await;
    assert!(changes.keys().all(|(kind, _)| kind != "trainee"));
}

#[actix_web::test]
async fn employers_pull_only_their_placements_as_they_see_them() {
    let trained = Trained::new(40).await;
    let app = trained.app();
    let placement = trained.placed().await;
    let (changes, _) = pull_all(app, &trained.boss, "").await;
    let kinds: std::collections::BTreeSet<&str> =
        changes.keys().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["account", "placement"].into_iter().collect());
    let got = app
        .get_as(&trained.boss, &format!("/api/v1/placements/{placement}"))
        .await
        .ok_json(200);
    assert_eq!(
        change(&changes, "placement", &placement).unwrap()["record"],
        got
    );
    // The employer's push carries its own actions, and only those.
    let device = new_id();
    let answer = push(
        app,
        &trained.boss,
        &json!({"device_id": device, "ops": [
            op("1", "placement", "confirm", &placement, json!({})),
            op("2", "trainee", "create", &new_id(), new_trainee(LIULIN)),
        ]}),
    )
    .await;
    assert_eq!(answer["results"][0]["status"], 200, "{answer}");
    assert_eq!(
        answer["results"][0]["record"]["evidence"],
        "employer_confirmed"
    );
    assert_eq!(answer["results"][1]["status"], 403, "{answer}");
    // The employer renamed: its placements, which show the name, come again.
    let (_, cursor) = pull_all(app, &trained.boss, "").await;
    let admin = app.admin().await;
    let path = format!("/api/v1/employers/{}", trained.employer);
    app.patch_as(&admin, &path, "*", &json!({"name": "北京康养护理院(新)"}))
        .await
        .ok_json(200);
    let (renamed, _) = pull_all(app, &trained.boss, &cursor).await;
    let now = change(&renamed, "placement", &placement).expect("the placement again");
    assert_eq!(
        now["record"]["employer_name"], "北京康养护理院(新)",
        "{now}"
    );
}

/// A registration of Liulin whose identity number no other in a batch of up to 1,000 shares.
fn unique_trainee(i: usize) -> Value {
    let mut body = new_trainee(LIULIN);
    let birth = format!(
        "{}{:02}{:02}",
        1975 + i / 336,
        1 + (i / 28) % 12,
        1 + i % 28
    );
    body["id_number"] = json!(id_number(LIULIN, &birth, i.is_multiple_of(2)));
    body
}

fn trainee_ops(n: usize) -> (Vec<Value>, Vec<String>) {
    let ids: Vec<String> = (0..n).map(|_| new_id()).collect();
    let ops = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            op(
                &format!("op-{i}"),
                "trainee",
                "create",
                id,
                unique_trainee(i),
            )
        })
        .collect();
    (ops, ids)
}

#[actix_web::test]
async fn a_push_applies_each_operation_and_names_the_field_of_the_one_refused() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&[LIULIN]).await;
    let (mut ops, ids) = trainee_ops(100);
    ops[37]["body"]["id_number"] = json!("141125198003150000");
    let answer = push(&app, &worker, &json!({"device_id": "phone-1", "ops": ops})).await;
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 100);
    for (i, result) in results.iter().enumerate() {
        assert_eq!(result["op_id"], format!("op-{i}"));
        if i == 37 {
            assert_eq!(result["status"], 422, "{result}");
            assert_eq!(
                result["problem"]["errors"][0]["field"], "id_number",
                "{result}"
            );
            assert!(result.get("record").is_none());
        } else {
            assert_eq!(result["status"], 201, "{result}");
            assert_eq!(result["record"]["id"], ids[i]);
        }
    }
    assert_eq!(trainee_count(&app, &worker).await, 99);
    assert!(answer["position"].as_i64().unwrap() > 0);
    // Audited like the endpoint.
    let admin = app.admin().await;
    let audit = app
        .get_as(&admin, &format!("/api/v1/audit?entity_id={}", ids[0]))
        .await
        .ok_json(200);
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "create"),
        "{audit}"
    );
}

#[actix_web::test]
async fn an_atomic_push_stores_nothing_when_one_operation_is_refused() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&[LIULIN]).await;
    let (mut ops, _) = trainee_ops(100);
    ops[50]["body"]["id_number"] = json!("141125198003150000");
    let answer = push(
        &app,
        &worker,
        &json!({"device_id": "phone-1", "mode": "atomic", "ops": ops}),
    )
    .await;
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 100);
    assert_eq!(results[50]["status"], 422);
    assert!(
        results
            .iter()
            .enumerate()
            .all(|(i, r)| i == 50 || r["status"] == 424),
        "{answer}"
    );
    assert_eq!(trainee_count(&app, &worker).await, 0);
    // Nothing was kept of it: the same operations, mended, apply.
    ops[50]["body"] = unique_trainee(50);
    let answer = push(
        &app,
        &worker,
        &json!({"device_id": "phone-1", "mode": "atomic", "ops": ops}),
    )
    .await;
    assert!(
        answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == 201),
        "{answer}"
    );
    assert_eq!(trainee_count(&app, &worker).await, 100);
}

#[actix_web::test]
async fn the_same_push_sent_again_or_twice_at_once_answers_the_same_and_stores_once() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&[LIULIN]).await;
    let (ops, _) = trainee_ops(20);
    let body = json!({"device_id": "phone-1", "ops": ops});
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let (app, worker, body) = (app.clone(), worker.clone(), body.clone());
            actix_web::rt::spawn(
                async move { app.post_as(&worker, "/api/v1/sync/push", &body).await },
            )
        })
        .collect();
    // Both answer: where the other stored an operation first, its stored answer.
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap().ok_json(200));
    }
    let again = push(&app, &worker, &body).await;
    let statuses = |a: &Value| -> Vec<Value> {
        a["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].clone())
            .collect()
    };
    assert!(
        statuses(&answers[0]).iter().all(|s| *s == 201),
        "{}",
        answers[0]
    );
    assert_eq!(statuses(&answers[0]), statuses(&answers[1]));
    assert_eq!(statuses(&answers[0]), statuses(&again));
    assert!(
        again["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["replayed"] == true)
    );
    assert_eq!(
        again["results"][3]["record"],
        answers[0]["results"][3]["record"]
    );
    assert_eq!(trainee_count(&app, &worker).await, 20);
    // A replay answers the record as it is now, not as it was first stored.
    let third = answers[0]["results"][3]["record"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/trainees/{third}");
    app.patch_as(&worker, &path, "*", &json!({"township": "留誉镇"}))
        .await
        .ok_json(200);
    let replay = push(&app, &worker, &body).await;
    assert_eq!(replay["results"][3]["record"]["version"], 2, "{replay}");
    assert_eq!(replay["results"][3]["status"], 201);
    // One op_id twice in one push is refused whole.
    let twice = json!({"device_id": "phone-1", "ops": [body["ops"][0], body["ops"][0]]});
    app.post_as(&worker, "/api/v1/sync/push", &twice)
        .await
        .invalid_field("ops[1].op_id", "duplicate");
    // Another device's op ids are its own.
    let other = push(&app, &worker, &json!({"device_id": "phone-2", "ops": [op("op-0", "trainee", "create", &new_id(), new_trainee(LIULIN))]})).await;
    assert_eq!(other["results"][0]["status"], 201);
    assert_eq!(other["results"][0]["replayed"], false);
}

#[actix_web::test]
async fn operations_outside_the_scope_or_unknown_are_refused_each_and_store_nothing() {
    let trained = Trained::new(40).await;
    let app = trained.app();
    let elsewhere = app.field_staff(&[LISHI]).await;
    let answer = push(
        app,
        &elsewhere,
        &json!({"device_id": "phone-9", "ops": [
            op("1", "trainee", "update", &trained.trainee, json!({"township": "x"})),
            op("2", "enrolment", "create", &new_id(), json!({"cohort_id": trained.class.id(), "trainee_id": trained.trainee})),
            op("3", "placement", "create", &new_id(), trained.body(trained.completed_on + Duration::days(1))),
            op("4", "spaceship", "create", &new_id(), json!({})),
            op("5", "trainee", "launch", &new_id(), json!({})),
            op("6", "enrolment", "create", &new_id(), json!({"trainee_id": trained.trainee})),
        ]}),
    )
    .await;
    let results = answer["results"].as_array().unwrap();
    let statuses: Vec<_> = results
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    // As the endpoints answer: an update needs its version first, a cohort not yours is 404, a
    // trainee not yours named in a body is 422.
    assert_eq!(statuses[..3], [428, 404, 422], "{answer}");
    assert_eq!(results[2]["problem"]["errors"][0]["field"], "trainee_id");
    assert_eq!(statuses[3..], [422, 422, 422], "{answer}");
    assert_eq!(results[3]["problem"]["errors"][0]["field"], "kind");
    assert_eq!(results[4]["problem"]["errors"][0]["field"], "action");
    assert_eq!(
        results[5]["problem"]["errors"][0]["field"],
        "body.cohort_id"
    );
    let with_version = push(
        app,
        &elsewhere,
        &json!({"device_id": "phone-9", "ops": [
            {"op_id": "7", "kind": "trainee", "action": "update", "id": trained.trainee, "base_version": 1, "body": {"township": "x"}},
        ]}),
    )
    .await;
    assert_eq!(with_version["results"][0]["status"], 404);
    assert!(trained.placements(trained.worker()).await.is_empty());
    let trainee = app
        .get_as(
            trained.worker(),
            &format!("/api/v1/trainees/{}", trained.trainee),
        )
        .await
        .ok_json(200);
    assert_eq!(trainee["version"], 1);
}

#[actix_web::test]
async fn more_than_500_operations_are_refused_whole() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&[LIULIN]).await;
    let (ops, _) = trainee_ops(501);
    app.post_as(
        &worker,
        "/api/v1/sync/push",
        &json!({"device_id": "p", "ops": ops}),
    )
    .await
    .invalid_field("ops", "length");
    assert_eq!(trainee_count(&app, &worker).await, 0);
}

#[actix_web::test]
async fn a_stale_base_version_is_a_409_carrying_the_current_record_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&[LIULIN]).await;
    let trainee = app
        .post_as(&worker, "/api/v1/trainees", &new_trainee(LIULIN))
        .await
        .ok_json(201);
    let id = trainee["id"].as_str().unwrap();
    let path = format!("/api/v1/trainees/{id}");
    app.patch_as(&worker, &path, "\"1\"", &json!({"township": "留誉镇"}))
        .await
        .ok_json(200);
    let answer = push(
        &app,
        &worker,
        &json!({"device_id": "p", "ops": [
            {"op_id": "a", "kind": "trainee", "action": "update", "id": id, "base_version": 1, "body": {"township": "穆村镇"}},
            {"op_id": "b", "kind": "trainee", "action": "update", "id": id, "body": {"township": "穆村镇"}},
            {"op_id": "c", "kind": "trainee", "action": "update", "id": id, "base_version": 2, "body": {"township": "孟门镇"}},
        ]}),
    )
    .await;
    // The stale change is not applied; its answer carries the record as the push left it.
    let a = &answer["results"][0];
    assert_eq!(a["status"], 409, "{answer}");
    assert_eq!(a["problem"]["type"], "/problems/conflict");
    assert_eq!(a["record"]["version"], 3);
    assert_eq!(a["record"]["township"], "孟门镇");
    assert_eq!(answer["results"][1]["status"], 428);
    assert_eq!(answer["results"][2]["status"], 200);
    assert_eq!(answer["results"][2]["record"]["township"], "孟门镇");
    let mut now = app.get_as(&worker, &path).await.ok_json(200);
    assert_eq!(now["version"], 3);
    now.as_object_mut().unwrap().remove("employment");
    // Alone, the current record is the one the stale change was not applied to.
    let alone = push(
        &app,
        &worker,
        &json!({"device_id": "p", "ops": [
            {"op_id": "d", "kind": "trainee", "action": "update", "id": id, "base_version": 1, "body": {"township": "穆村镇"}},
        ]}),
    )
    .await;
    assert_eq!(alone["results"][0]["status"], 409);
    assert_eq!(alone["results"][0]["record"], now);
}

#[actix_web::test]
async fn a_month_offline_two_hundred_queued_operations_apply_in_order() {
    let trained = Trained::new(60).await;
    let app = trained.app();
    let worker = trained.worker();
    let placement = trained.placed().await;
    let mut ops = Vec::new();
    let (creates, ids) = trainee_ops(85);
    ops.extend(creates);
    // Each registered, then changed: the change only applies after its create.
    for (i, id) in ids.iter().enumerate() {
        ops.push(
            json!({"op_id": format!("u-{i}"), "kind": "trainee", "action": "update", "id": id,
            "base_version": 1, "body": {"township": format!("村 {i}")}}),
        );
    }
    // A follow-up a day for thirty days.
    for d in 0..30 {
        let mut body = still_there(days_ago(30 - d), Some(450_000));
        body["placement_id"] = json!(placement);
        ops.push(op(
            &format!("f-{d}"),
            "follow_up",
            "create",
            &new_id(),
            body,
        ));
    }
    assert_eq!(ops.len(), 200);
    let answer = push(app, worker, &json!({"device_id": "phone-30", "ops": ops})).await;
    let results = answer["results"].as_array().unwrap();
    assert!(results[..85].iter().all(|r| r["status"] == 201), "{answer}");
    assert!(
        results[85..170]
            .iter()
            .all(|r| r["status"] == 200 && r["record"]["version"] == 2),
        "{answer}"
    );
    assert!(
        results[170..].iter().all(|r| r["status"] == 201),
        "{answer}"
    );
    let follow_ups = app
        .get_as(
            worker,
            &format!("/api/v1/placements/{placement}/follow-ups?limit=200"),
        )
        .await
        .ok_json(200);
    assert_eq!(follow_ups["items"].as_array().unwrap().len(), 30);
    // The derived data followed: the visits field-verified the placement.
    let got = app
        .get_as(worker, &format!("/api/v1/placements/{placement}"))
        .await
        .ok_json(200);
    assert_eq!(got["evidence"], "field_verified");
    assert_eq!(got["last_follow_up_on"], json!(days_ago(1)));
}

#[actix_web::test]
async fn a_device_is_not_sent_its_own_pushed_records_but_is_sent_what_they_changed() {
    let trained = Trained::new(40).await;
    let app = trained.app();
    let worker = trained.worker();
    let placement = trained.placed().await;
    let (_, cursor) = pull_all(app, worker, "").await;
    let follow_up = new_id();
    let mut body = still_there(days_ago(3), Some(450_000));
    body["placement_id"] = json!(placement);
    let answer = push(
        app,
        worker,
        &json!({"device_id": "phone-1", "ops": [op("1", "follow_up", "create", &follow_up, body)]}),
    )
    .await;
    assert_eq!(answer["results"][0]["status"], 201, "{answer}");
    let page = pull_page(app, worker, &cursor, "&device_id=phone-1")
        .await
        .ok_json(200);
    let kinds: Vec<&str> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    // The placement it verified comes back; the follow-up the device holds does not.
    assert_eq!(kinds, ["placement"], "{page}");
    assert_eq!(page["changes"][0]["record"]["evidence"], "field_verified");
    let from_another = pull_page(app, worker, &cursor, "&device_id=tablet")
        .await
        .ok_json(200);
    assert_eq!(
        from_another["changes"].as_array().unwrap().len(),
        2,
        "{from_another}"
    );
    // Starting again, the device gets everything, its own records too.
    let fresh = pull_page(app, worker, "", "&device_id=phone-1")
        .await
        .ok_json(200);
    assert!(
        fresh["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == follow_up.as_str()),
        "{fresh}"
    );

    // A renamed trainee: the placement, which shows the name, comes again with it.
    let cursor = page["next_cursor"].as_str().unwrap();
    let path = format!("/api/v1/trainees/{}", trained.trainee);
    app.patch_as(worker, &path, "*", &json!({"name": "王秀兰"}))
        .await
        .ok_json(200);
    let renamed = pull_page(app, worker, cursor, "&device_id=phone-1")
        .await
        .ok_json(200);
    let placement_now = renamed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "placement")
        .unwrap_or_else(|| panic!("no placement in {renamed}"));
    assert_eq!(
        placement_now["record"]["trainee"]["name"], "王秀兰",
        "{placement_now}"
    );
}

#[actix_web::test]
async fn every_field_action_is_pushed_through_its_endpoints_rules() {
    let trained = Trained::new(40).await;
    let app = trained.app();
    let worker = trained.worker();
    let cohort = trained.class.id();
    let trainee = new_id();
    let enrolment = new_id();
    let day = days_ago(49);
    let day_id =
        uuid::Uuid::new_v5(&cohort.parse().unwrap(), day.to_string().as_bytes()).to_string();
    let answer = push(
        app,
        worker,
        &json!({"device_id": "phone-1", "ops": [
            op("1", "trainee", "create", &trainee, new_trainee(LIULIN)),
            op("2", "enrolment", "create", &enrolment, json!({"cohort_id": cohort, "trainee_id": trainee, "enrolled_on": days_ago(50)})),
            op("3", "attendance_day", "put", &day_id, json!({"cohort_id": cohort, "date": day, "present": [enrolment, trained.enrolment]})),
            op("4", "attendance_day", "put", &new_id(), json!({"cohort_id": cohort, "date": day, "present": []})),
            op("5", "enrolment", "drop", &enrolment, json!({"dropped_on": days_ago(45), "reason": "外出务工"})),
        ]}),
    )
    .await;
    let statuses: Vec<_> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 201, 200, 422, 200], "{answer}");
    assert_eq!(answer["results"][2]["record"]["present_count"], 2);
    assert_eq!(answer["results"][3]["problem"]["errors"][0]["field"], "id");
    assert_eq!(answer["results"][4]["record"]["status"], "dropped");
    // The register is the endpoint's.
    let register = app
        .get_as(
            worker,
            &format!("/api/v1/cohorts/{cohort}/attendance/{day}"),
        )
        .await
        .ok_json(200);
    assert_eq!(register["present_count"], 2);
    let (changes, _) = pull_all(app, worker, "").await;
    assert_eq!(
        change(&changes, "attendance_day", &day_id).unwrap()["record"],
        register
    );
    // An enrolment refused by its rule (enrolled already) is refused the same way.
    let again = push(app, worker, &json!({"device_id": "phone-1", "ops": [
        op("6", "enrolment", "create", &new_id(), json!({"cohort_id": cohort, "trainee_id": trained.trainee})),
    ]})).await;
    assert_eq!(again["results"][0]["status"], 422, "{again}");
}

#[actix_web::test]
async fn pull_and_push_are_compressed_when_the_client_asks() {
    let trained = Trained::new(40).await;
    let app = trained.app();
    let worker = trained.worker();
    let plain = pull_page(app, worker, "", "").await.ok_json(200);
    let zipped = app
        .request(Method::GET, "/api/v1/sync/pull?limit=500")
        .auth(worker)
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(zipped.status, 200);
    assert_eq!(zipped.header("content-encoding"), "gzip");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&zipped.body[..])
        .read_to_string(&mut text)
        .unwrap();
    let unzipped: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(unzipped["changes"], plain["changes"]);
    assert!(zipped.body.len() < text.len());

    let (ops, _) = trainee_ops(3);
    let body = serde_json::to_vec(&json!({"device_id": "phone-z", "ops": ops})).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&body).unwrap();
    let answer = app
        .request(Method::POST, "/api/v1/sync/push")
        .auth(worker)
        .header("content-encoding", "gzip")
        .body("application/json", encoder.finish().unwrap())
        .await
        .ok_json(200);
    assert!(
        answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == 201),
        "{answer}"
    );
}

#[actix_web::test]
async fn a_transaction_committing_late_is_never_skipped_by_a_pull() {
    use tracker::service::UnitOfWork;
    use tracker::service::sync::Kind;

    let app = TestApp::spawn().await;
    let worker = app.field_staff(&[LIULIN]).await;
    let early = app
        .post_as(&worker, "/api/v1/trainees", &new_trainee(LIULIN))
        .await
        .ok_json(201);
    let late_starter = early["id"].as_str().unwrap().to_owned();
    let other = app
        .post_as(&worker, "/api/v1/trainees", &new_trainee(LIULIN))
        .await
        .ok_json(201);
    let (_, cursor) = pull_all(&app, &worker, "").await;

    // Transaction A starts first (on PostgreSQL it writes its trainee at once; SQLite has one
    // writer at a time, so there it only holds its transaction open) and waits.
    let url = tracker::config::DatabaseUrl::parse(app.database_url()).unwrap();
    let postgres = matches!(url, tracker::config::DatabaseUrl::Postgres(_));
    let (opened, opened_rx) = std::sync::mpsc::channel();
    let (release, release_rx) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        use diesel::RunQueryDsl;
        let mut conn = tracker::db::ConnectionManager::new(url)
            .establish()
            .unwrap();
        UnitOfWork::run(&mut conn, |uow| {
            if postgres {
                diesel::sql_query("UPDATE trainees SET township = '晚' WHERE id = $1")
                    .bind::<diesel::sql_types::Text, _>(&late_starter)
                    .execute(&mut **uow)?;
            }
            uow.changed(Kind::Trainee, &late_starter);
            opened.send(()).unwrap();
            release_rx.recv().unwrap();
            Ok(())
        })
        .unwrap();
    });
    opened_rx.recv().unwrap();
    // Transaction B starts later and commits first.
    let other_id = other["id"].as_str().unwrap();
    let path = format!("/api/v1/trainees/{other_id}");
    app.patch_as(&worker, &path, "\"1\"", &json!({"township": "早"}))
        .await
        .ok_json(200);
    let page = pull_page(&app, &worker, &cursor, "").await.ok_json(200);
    let ids: Vec<&str> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [other_id]);
    let after_b = page["next_cursor"].as_str().unwrap().to_owned();
    // A commits last: it is after B in the feed, so the reader who has read B still gets it.
    release.send(()).unwrap();
    actix_web::rt::task::spawn_blocking(move || writer.join().unwrap())
        .await
        .unwrap();
    let page = pull_page(&app, &worker, &after_b, "").await.ok_json(200);
    let ids: Vec<&str> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [early["id"].as_str().unwrap()]);
}
