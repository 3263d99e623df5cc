//! Cohorts, enrolments, the daily register, completion and drop-out, and the timeline.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::builders::{Class, new_cohort, new_trainee, today};

#[actix_web::test]
async fn a_cohort_lists_its_mandatory_modules_and_starts_with_no_place_taken() {
    let class = Class::new(json!({"status": null})).await;
    let cohort = &class.cohort;
    assert_eq!(cohort["status"], "planned");
    assert_eq!(cohort["places_taken"], 0);
    assert_eq!(
        cohort["mandatory_modules"],
        json!(["safety", "fire_safety", "law", "mandarin"])
    );
    assert_eq!(cohort["version"], 1);
    let read = class.cohort_now().await;
    assert_eq!(&read, cohort);
}

#[actix_web::test]
async fn bad_cohorts_are_422_or_409_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let worker = app.field_staff(&["141125"]).await;
    let provider = app.organisation("providers", "培训学校").await;
    let agency = app.organisation("agencies", "评价机构").await;
    let base = new_cohort(&provider, "141125");
    let with = |changes: Value| {
        let mut body = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (
            json!({"end_date": today() - Duration::days(11)}),
            "end_date",
            "before_start",
        ),
        (json!({"planned_days": 22}), "planned_days", "exceeds_dates"),
        (json!({"start_date": "2015-12-31"}), "start_date", "range"),
        (json!({"capacity": 0}), "capacity", "range"),
        (json!({"provider_id": agency}), "provider_id", "unknown"),
        (
            json!({"provider_id": uuid::Uuid::new_v4()}),
            "provider_id",
            "unknown",
        ),
    ];
    for (changes, field, code) in cases {
        app.post_as(&worker, "/api/v1/cohorts", &with(changes))
            .await
            .invalid_field(field, code);
    }
    app.post_as(&worker, "/api/v1/cohorts", &with(json!({"level": "L6"})))
        .await
        .invalid_field("level", "invalid_choice");
    app.post_as(
        &worker,
        "/api/v1/cohorts",
        &with(json!({"county_code": "141102"})),
    )
    .await
    .problem(422, "/problems/rule-violated");
    let page = app.get_as(&worker, "/api/v1/cohorts").await.ok_json(200);
    assert_eq!(page["items"], json!([]));

    let first = app
        .post_as(&worker, "/api/v1/cohorts", &base)
        .await
        .ok_json(201);
    let replay = app
        .post_as(
            &worker,
            "/api/v1/cohorts",
            &with(json!({"id": first["id"]})),
        )
        .await
        .ok_json(200);
    assert_eq!(replay, first);
    let taken = app
        .post_as(&worker, "/api/v1/cohorts", &base)
        .await
        .problem(409, "/problems/conflict");
    assert_eq!(taken["existing_id"], first["id"]);
}

#[actix_web::test]
async fn cohorts_of_another_county_are_not_found() {
    let class = Class::new(json!({})).await;
    let other = class.app.field_staff(&["141102"]).await;
    let manager = class.app.manager(&["141102"]).await;
    for actor in [&other, &manager] {
        class
            .app
            .get_as(actor, &format!("/api/v1/cohorts/{}", class.id()))
            .await
            .problem(404, "/problems/not-found");
        let page = class
            .app
            .get_as(actor, "/api/v1/cohorts")
            .await
            .ok_json(200);
        assert_eq!(page["items"], json!([]));
    }
    let trainee = class
        .app
        .post_as(&other, "/api/v1/trainees", &new_trainee("141102"))
        .await
        .ok_json(201);
    class
        .app
        .post_as(
            &other,
            &format!("/api/v1/cohorts/{}/enrolments", class.id()),
            &json!({"trainee_id": trainee["id"]}),
        )
        .await
        .problem(404, "/problems/not-found");
    // Nor may a worker enrol a trainee of a county not theirs in their own cohort.
    class
        .enrol(trainee["id"].as_str().unwrap())
        .await
        .invalid_field("trainee_id", "unknown");
}

#[actix_web::test]
async fn a_cohort_moves_forward_only_and_keeps_its_places() {
    let class = Class::new(json!({"status": "planned", "capacity": 2})).await;
    let path = format!("/api/v1/cohorts/{}", class.id());
    let app = &class.app;
    app.patch_as(&class.worker, &path, "", &json!({"status": "open"}))
        .await
        .problem(428, "/problems/precondition-required");
    let open = app
        .patch_as(&class.worker, &path, "\"1\"", &json!({"status": "open"}))
        .await
        .ok_json(200);
    assert_eq!(open["status"], "open");
    app.patch_as(&class.worker, &path, "\"1\"", &json!({"status": "running"}))
        .await
        .problem(412, "/problems/precondition-failed");
    let running = app
        .patch_as(&class.worker, &path, "\"2\"", &json!({"status": "running"}))
        .await
        .ok_json(200);
    let back = app
        .patch_as(&class.worker, &path, "\"3\"", &json!({"status": "open"}))
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(back["errors"][0]["code"], "backwards");
    class.enrolled().await;
    class.enrolled().await;
    let version = class.cohort_now().await["version"].clone();
    assert!(version.as_i64().unwrap() > running["version"].as_i64().unwrap());
    let shrink = app
        .patch_as(
            &class.worker,
            &path,
            &format!("\"{version}\""),
            &json!({"capacity": 1}),
        )
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(shrink["errors"][0]["code"], "below_places_taken");
    // Enrolments were judged by the level the cohort teaches: it stays.
    let retrain = app
        .patch_as(
            &class.worker,
            &path,
            &format!("\"{version}\""),
            &json!({"level": "L3"}),
        )
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(retrain["errors"][0]["code"], "has_enrolments");
    let closed = app
        .patch_as(
            &class.worker,
            &path,
            &format!("\"{version}\""),
            &json!({"status": "closed"}),
        )
        .await
        .ok_json(200);
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["places_taken"], 2);
}

#[actix_web::test]
async fn enrolling_into_a_full_cohort_is_refused_and_nothing_is_stored() {
    let class = Class::new(json!({"capacity": 1})).await;
    class.enrolled().await;
    let second = class.trainee().await;
    let refused = class
        .enrol(&second)
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(refused["errors"][0]["field"], "cohort");
    assert_eq!(refused["errors"][0]["code"], "full");
    assert_eq!(class.enrolments().await.len(), 1);
    assert_eq!(class.cohort_now().await["places_taken"], 1);
}

#[actix_web::test]
async fn two_phones_taking_the_last_place_at_once_get_one_201_and_one_422() {
    let class = Class::new(json!({"capacity": 1})).await;
    let trainees = [class.trainee().await, class.trainee().await];
    let tasks: Vec<_> = trainees
        .iter()
        .map(|t| {
            let (app, worker, path, body) = (
                class.app.clone(),
                class.worker.clone(),
                format!("/api/v1/cohorts/{}/enrolments", class.id()),
                json!({"trainee_id": t}),
            );
            actix_web::rt::spawn(async move { app.post_as(&worker, &path, &body).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, vec![201, 422]);
    assert_eq!(class.enrolments().await.len(), 1);
}

#[actix_web::test]
async fn a_closed_cohort_a_second_enrolment_or_another_running_cohort_are_refused() {
    let class = Class::new(json!({})).await;
    let trainee = class.trainee().await;
    class.enrol(&trainee).await.ok_json(201);
    let twice = class
        .enrol(&trainee)
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(twice["errors"][0]["code"], "already_enrolled");

    let provider = class.cohort["provider_id"].as_str().unwrap();
    let other = class
        .app
        .post_as(
            &class.worker,
            "/api/v1/cohorts",
            &new_cohort(provider, "141125"),
        )
        .await
        .ok_json(201);
    let path = format!(
        "/api/v1/cohorts/{}/enrolments",
        other["id"].as_str().unwrap()
    );
    let elsewhere = class
        .app
        .post_as(&class.worker, &path, &json!({"trainee_id": trainee}))
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(elsewhere["errors"][0]["code"], "in_another_running_cohort");

    let closed = class
        .app
        .patch_as(
            &class.worker,
            &format!("/api/v1/cohorts/{}", other["id"].as_str().unwrap()),
            "\"1\"",
            &json!({"status": "closed"}),
        )
        .await
        .ok_json(200);
    assert_eq!(closed["status"], "closed");
    let newcomer = class.trainee().await;
    let refused = class
        .app
        .post_as(&class.worker, &path, &json!({"trainee_id": newcomer}))
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(refused["errors"][0]["code"], "closed");
    assert_eq!(class.enrolments().await.len(), 1);
}

#[actix_web::test]
async fn the_same_enrolment_replayed_stores_one_row_and_another_body_is_409() {
    let class = Class::new(json!({})).await;
    let trainee = class.trainee().await;
    let id = uuid::Uuid::new_v4();
    let path = format!("/api/v1/cohorts/{}/enrolments", class.id());
    let body = json!({"id": id, "trainee_id": trainee});
    let first = class
        .app
        .post_as(&class.worker, &path, &body)
        .await
        .ok_json(201);
    assert_eq!(first["status"], "enrolled");
    assert_eq!(first["attended_days"], 0);
    for _ in 0..2 {
        let again = class
            .app
            .post_as(&class.worker, &path, &body)
            .await
            .ok_json(200);
        assert_eq!(again, first);
    }
    let other = class.trainee().await;
    class
        .app
        .post_as(
            &class.worker,
            &path,
            &json!({"id": id, "trainee_id": other}),
        )
        .await
        .problem(409, "/problems/conflict");
    assert_eq!(class.enrolments().await.len(), 1);
    assert_eq!(class.cohort_now().await["places_taken"], 1);
}

#[actix_web::test]
async fn a_days_register_replaces_that_day_and_counts_attended_days() {
    let class = Class::new(json!({})).await;
    let (a, b) = (class.enrolled().await, class.enrolled().await);
    let day = today() - Duration::days(3);
    let taken = class.register(day, &[&a, &b, &a]).await.ok_json(200);
    assert_eq!(taken["present_count"], 2);
    assert_eq!(class.enrolment(&b).await["status"], "in_training");
    let replaced = class.register(day, &[&a]).await.ok_json(200);
    assert_eq!(replaced["present"], json!([a]));
    let (ea, eb) = (class.enrolment(&a).await, class.enrolment(&b).await);
    assert_eq!(ea["attended_days"], 1);
    assert_eq!(ea["status"], "in_training");
    assert_eq!(eb["attended_days"], 0);
    assert_eq!(eb["status"], "enrolled");
    // Sent again, it changes nothing.
    class.register(day, &[&a]).await.ok_json(200);
    assert_eq!(class.enrolment(&a).await["version"], ea["version"]);
    let read = class
        .app
        .get_as(
            &class.worker,
            &format!("/api/v1/cohorts/{}/attendance/{day}", class.id()),
        )
        .await
        .ok_json(200);
    assert_eq!(read["present"], json!([a]));
    class
        .register(day - Duration::days(1), &[&a, &b])
        .await
        .ok_json(200);
    assert_eq!(class.enrolment(&a).await["attended_days"], 2);
}

#[actix_web::test]
async fn a_register_outside_the_cohort_in_the_future_or_of_strangers_is_422() {
    let class = Class::new(json!({})).await;
    let a = class.enrolled().await;
    let start = today() - Duration::days(10);
    let outside = class
        .register(start - Duration::days(1), &[&a])
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(outside["errors"][0]["field"], "date");
    let future = class
        .register(today() + Duration::days(1), &[&a])
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(future["errors"][0]["code"], "future");
    let stranger = uuid::Uuid::new_v4().to_string();
    let strangers = class
        .register(start, &[&a, &stranger])
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(strangers["errors"][0]["field"], "present[1]");
    assert_eq!(class.enrolment(&a).await["attended_days"], 0);
    class
        .app
        .get_as(
            &class.worker,
            &format!("/api/v1/cohorts/{}/attendance/{start}", class.id()),
        )
        .await
        .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn completing_needs_the_planned_attendance() {
    let class = Class::new(json!({})).await;
    let a = class.enrolled().await;
    class.attend(&a, 3).await;
    let before = class.enrolment(&a).await;
    let refused = class
        .action(&a, "complete", "", json!({"completed_on": today()}))
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(refused["errors"][0]["field"], "attended_days");
    assert_eq!(refused["errors"][0]["code"], "insufficient_attendance");
    assert_eq!(class.enrolment(&a).await, before);

    class.attend(&a, 4).await;
    class
        .action(
            &a,
            "complete",
            "",
            json!({"completed_on": today() + Duration::days(1)}),
        )
        .await
        .invalid_field("completed_on", "future");
    let done = class
        .action(&a, "complete", "", json!({"completed_on": today()}))
        .await
        .ok_json(200);
    assert_eq!(done["status"], "completed");
    assert_eq!(done["completed_on"], json!(today()));
    assert_eq!(done["attended_days"], 4);
    // The same completion again answers it as it is; another date is refused.
    let again = class
        .action(&a, "complete", "", json!({"completed_on": today()}))
        .await
        .ok_json(200);
    assert_eq!(again, done);
    let other = class
        .action(
            &a,
            "complete",
            "",
            json!({"completed_on": today() - Duration::days(1)}),
        )
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(other["errors"][0]["code"], "finished");
}

#[actix_web::test]
async fn the_attendance_share_is_a_setting() {
    let db = crate::support::TestDatabase::create();
    let config = crate::support::config_with(
        &db.url,
        &[
            ("JWT_SECRET", crate::support::TEST_JWT_SECRET),
            ("COMPLETION_ATTENDANCE_PERCENT", "100"),
        ],
    );
    let app = TestApp::spawn_with(db, config).await;
    let worker = app.field_staff(&["141125"]).await;
    let provider = app.organisation("providers", "培训学校").await;
    let cohort = app
        .post_as(&worker, "/api/v1/cohorts", &new_cohort(&provider, "141125"))
        .await
        .ok_json(201);
    let class = Class {
        app,
        worker,
        cohort,
    };
    let a = class.enrolled().await;
    class.attend(&a, 4).await;
    class
        .action(&a, "complete", "", json!({"completed_on": today()}))
        .await
        .problem(422, "/problems/rule-violated");
    class.attend(&a, 5).await;
    class
        .action(&a, "complete", "", json!({"completed_on": today()}))
        .await
        .ok_json(200);
}

#[actix_web::test]
async fn an_idempotency_key_answers_a_retry_and_refuses_another_body() {
    let class = Class::new(json!({})).await;
    let a = class.enrolled().await;
    let body = json!({"dropped_on": today(), "reason": "外出务工"});
    let dropped = class
        .action(&a, "drop", "k-1", body.clone())
        .await
        .ok_json(200);
    let retry = class.action(&a, "drop", "k-1", body).await.ok_json(200);
    assert_eq!(retry, dropped);
    class
        .action(
            &a,
            "drop",
            "k-1",
            json!({"dropped_on": today(), "reason": "生病"}),
        )
        .await
        .problem(409, "/problems/conflict");
    class
        .action(
            &a,
            "drop",
            "bad key",
            json!({"dropped_on": today(), "reason": "生病"}),
        )
        .await
        .problem(400, "/problems/malformed-request");
    assert_eq!(class.enrolment(&a).await["drop_reason"], "外出务工");
}

#[actix_web::test]
async fn dropping_keeps_the_record_frees_the_place_and_ends_the_enrolment() {
    let class = Class::new(json!({"capacity": 1})).await;
    let a = class.enrolled().await;
    class.attend(&a, 1).await;
    class
        .action(
            &a,
            "drop",
            "",
            json!({"dropped_on": today() + Duration::days(1), "reason": "外出务工"}),
        )
        .await
        .invalid_field("dropped_on", "future");
    let dropped = class
        .action(
            &a,
            "drop",
            "",
            json!({"dropped_on": today(), "reason": "外出务工"}),
        )
        .await
        .ok_json(200);
    assert_eq!(dropped["status"], "dropped");
    assert_eq!(dropped["dropped_on"], json!(today()));
    assert_eq!(dropped["drop_reason"], "外出务工");
    assert_eq!(dropped["attended_days"], 1);
    assert_eq!(class.cohort_now().await["places_taken"], 0);
    class.enrolled().await;
    let finished = class
        .action(&a, "complete", "", json!({"completed_on": today()}))
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(finished["errors"][0]["code"], "finished");
    let late = class
        .register(today(), &[&a])
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(late["errors"][0]["code"], "dropped");
    assert_eq!(class.enrolments().await.len(), 2);
}

#[actix_web::test]
async fn the_timeline_tells_the_journey_in_date_order_and_the_list_filters_by_cohort() {
    let class = Class::new(json!({})).await;
    let trainee = class.trainee().await;
    let enrolment = class.enrol(&trainee).await.ok_json(201);
    let id = enrolment["id"].as_str().unwrap();
    class.attend(id, 4).await;
    class
        .action(id, "complete", "", json!({"completed_on": today()}))
        .await
        .ok_json(200);
    let timeline = class
        .app
        .get_as(
            &class.worker,
            &format!("/api/v1/trainees/{trainee}/timeline"),
        )
        .await
        .ok_json(200);
    let events = timeline["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    // Enrolled as of the cohort's first day, ten days before this test registered the person.
    assert_eq!(kinds, ["enrolled", "registered", "completed"]);
    assert_eq!(events[2]["cohort_code"], class.cohort["code"]);
    assert_eq!(events[2]["attended_days"], 4);
    assert_eq!(events[2]["planned_days"], 5);
    let dates: Vec<&str> = events.iter().map(|e| e["on"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort_unstable();
    assert_eq!(dates, sorted);

    class.trainee().await;
    let listed = class
        .app
        .get_as(
            &class.worker,
            &format!("/api/v1/trainees?cohort={}", class.id()),
        )
        .await
        .ok_json(200);
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [trainee.as_str()]);
    let stranger = class.app.field_staff(&["141102"]).await;
    class
        .app
        .get_as(&stranger, &format!("/api/v1/trainees/{trainee}/timeline"))
        .await
        .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn an_enrolment_is_seen_from_the_cohorts_county_and_the_trainees_but_changed_from_the_cohorts()
 {
    let class = Class::new(json!({})).await;
    let app = &class.app;
    let both = app.field_staff(&["141125", "141102"]).await;
    let home = app.field_staff(&["141102"]).await;
    let stranger = app.manager(&["141124"]).await;
    let trainee = app
        .post_as(&home, "/api/v1/trainees", &new_trainee("141102"))
        .await
        .ok_json(201);
    let enrolment = app
        .post_as(
            &both,
            &format!("/api/v1/cohorts/{}/enrolments", class.id()),
            &json!({"trainee_id": trainee["id"]}),
        )
        .await
        .ok_json(201);
    let path = format!("/api/v1/enrolments/{}", enrolment["id"].as_str().unwrap());
    for actor in [&class.worker, &home, &both] {
        assert_eq!(app.get_as(actor, &path).await.ok_json(200), enrolment);
    }
    app.get_as(&stranger, &path)
        .await
        .problem(404, "/problems/not-found");
    // The trainee's county reads it but takes no action in a cohort it does not run.
    app.post_as(
        &home,
        &format!("{path}/drop"),
        &json!({"dropped_on": today(), "reason": "外出务工"}),
    )
    .await
    .problem(404, "/problems/not-found");
    let timeline = app
        .get_as(
            &home,
            &format!(
                "/api/v1/trainees/{}/timeline",
                trainee["id"].as_str().unwrap()
            ),
        )
        .await
        .ok_json(200);
    assert_eq!(timeline["events"][1]["cohort_id"], class.cohort["id"]);
}

#[actix_web::test]
async fn cohorts_and_enrolments_answer_304_and_pull_by_updated_since() {
    let class = Class::new(json!({})).await;
    let app = &class.app;
    let a = class.enrolled().await;
    let cohort = class.cohort_now().await;
    let etag = format!("\"{}\"", cohort["version"]);
    for path in [
        format!("/api/v1/cohorts/{}", class.id()),
        format!("/api/v1/enrolments/{a}"),
    ] {
        let read = app.get_as(&class.worker, &path).await;
        let etag = read.header("etag").to_owned();
        assert!(!etag.is_empty());
        let cached = app
            .request(actix_web::http::Method::GET, &path)
            .auth(&class.worker)
            .header("if-none-match", &etag)
            .send()
            .await;
        assert_eq!(cached.status, 304, "{path}");
    }
    // Taking a place changes the cohort, so a copy read before is no longer current.
    class.enrolled().await;
    let stale = app
        .request(
            actix_web::http::Method::GET,
            &format!("/api/v1/cohorts/{}", class.id()),
        )
        .auth(&class.worker)
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(stale.status, 200);

    let mark = class.enrolment(&a).await["updated_at"]
        .as_str()
        .unwrap()
        .to_owned();
    class
        .register(today() - Duration::days(2), &[&a])
        .await
        .ok_json(200);
    let page = app
        .get_as(
            &class.worker,
            &format!(
                "/api/v1/cohorts/{}/enrolments?limit=1&updated_since={}",
                class.id(),
                mark.replace('+', "%2B")
            ),
        )
        .await
        .ok_json(200);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    // Pages walk the enrolments in the order they changed: the one just marked comes last.
    let mut seen = vec![items[0]["id"].clone()];
    let mut cursor = page["next_cursor"].clone();
    while let Some(next) = cursor.as_str() {
        let page = app
            .get_as(
                &class.worker,
                &format!(
                    "/api/v1/cohorts/{}/enrolments?limit=1&updated_since={}&cursor={next}",
                    class.id(),
                    mark.replace('+', "%2B")
                ),
            )
            .await
            .ok_json(200);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].clone()),
        );
        cursor = page["next_cursor"].clone();
    }
    assert_eq!(seen.last().unwrap(), &json!(a));
    assert_eq!(seen.len(), 2);
}

#[actix_web::test]
async fn the_day_of_enrolment_is_the_apps_within_the_cohort_and_not_in_the_future() {
    let class = Class::new(json!({})).await;
    let trainee = class.trainee().await;
    let path = format!("/api/v1/cohorts/{}/enrolments", class.id());
    let post = |body: Value| {
        let (app, worker, path) = (class.app.clone(), class.worker.clone(), path.clone());
        async move { app.post_as(&worker, &path, &body).await }
    };
    post(json!({"trainee_id": trainee, "enrolled_on": today() + Duration::days(1)}))
        .await
        .invalid_field("enrolled_on", "future");
    let short =
        Class::new(json!({"end_date": today() - Duration::days(5), "planned_days": 5})).await;
    let late = short
        .app
        .post_as(
            &short.worker,
            &format!("/api/v1/cohorts/{}/enrolments", short.id()),
            &json!({"trainee_id": short.trainee().await, "enrolled_on": today()}),
        )
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(late["errors"][0]["code"], "after_end");
    // Without a day, it is the day it was first sent, and a retry is the same request.
    let id = uuid::Uuid::new_v4();
    let first = post(json!({"id": id, "trainee_id": trainee}))
        .await
        .ok_json(201);
    assert_eq!(first["enrolled_on"], json!(today()));
    post(json!({"id": id, "trainee_id": trainee}))
        .await
        .ok_json(200);
    post(json!({"id": id, "trainee_id": trainee, "enrolled_on": today() - Duration::days(1)}))
        .await
        .problem(409, "/problems/conflict");
}

#[actix_web::test]
async fn finishing_dates_follow_the_enrolment_and_a_completion_keeps_its_days() {
    let class = Class::new(json!({})).await;
    let trainee = class.trainee().await;
    let late = class
        .app
        .post_as(
            &class.worker,
            &format!("/api/v1/cohorts/{}/enrolments", class.id()),
            &json!({"trainee_id": trainee, "enrolled_on": today() - Duration::days(3)}),
        )
        .await
        .ok_json(201);
    let late = late["id"].as_str().unwrap();
    let early = class
        .action(
            late,
            "drop",
            "",
            json!({"dropped_on": today() - Duration::days(4), "reason": "外出务工"}),
        )
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(early["errors"][0]["code"], "before_enrolment");

    let a = class.enrolled().await;
    class.attend(&a, 4).await;
    class
        .action(&a, "complete", "", json!({"completed_on": today()}))
        .await
        .ok_json(200);
    let first_day = today() - Duration::days(10);
    let removed = class
        .register(first_day, &[])
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(removed["errors"][0]["code"], "completed");
    assert_eq!(class.enrolment(&a).await["attended_days"], 4);
}

/// A trainee who joined a running cohort was not present before the day they joined: such a
/// register is refused naming the trainee, and nothing of it is stored.
#[actix_web::test]
async fn a_day_before_the_enrolment_cannot_be_marked_present() {
    let class = Class::new(json!({})).await;
    let start = today() - Duration::days(10);
    let early = class.enrolled().await;
    let trainee = class.trainee().await;
    let joined = start + Duration::days(3);
    let late = class
        .app
        .post_as(
            &class.worker,
            &format!("/api/v1/cohorts/{}/enrolments", class.id()),
            &json!({"trainee_id": trainee, "enrolled_on": joined}),
        )
        .await
        .ok_json(201);
    let late = late["id"].as_str().unwrap().to_owned();
    let refused = class
        .register(start + Duration::days(1), &[&early, &late])
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(refused["errors"][0]["field"], "present[1]");
    assert_eq!(refused["errors"][0]["code"], "before_enrolment");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(&trainee), "{message}");
    // Nothing of the refused register is stored.
    assert_eq!(class.enrolment(&early).await["attended_days"], 0);
    class
        .app
        .get_as(
            &class.worker,
            &format!(
                "/api/v1/cohorts/{}/attendance/{}",
                class.id(),
                start + Duration::days(1)
            ),
        )
        .await
        .problem(404, "/problems/not-found");
    // From the day they joined, they may be marked present.
    class.register(joined, &[&early, &late]).await.ok_json(200);
    assert_eq!(class.enrolment(&late).await["attended_days"], 1);
}

/// A completion is dated on or after the last day the register says the trainee attended.
#[actix_web::test]
async fn a_completion_before_the_last_day_attended_is_refused() {
    let class = Class::new(json!({})).await;
    let enrolment = class.enrolled().await;
    // Four days from the cohort's first (ten days ago), then one more three days ago.
    class.attend(&enrolment, 4).await;
    let last = today() - Duration::days(3);
    class.register(last, &[&enrolment]).await.ok_json(200);
    let early = class
        .action(
            &enrolment,
            "complete",
            "",
            json!({"completed_on": last - Duration::days(1)}),
        )
        .await
        .invalid_rule("completed_on", "before_last_attendance");
    assert!(
        early["detail"]
            .as_str()
            .unwrap()
            .contains(&last.to_string())
    );
    assert_eq!(class.enrolment(&enrolment).await["status"], "in_training");
    class
        .action(&enrolment, "complete", "", json!({"completed_on": last}))
        .await
        .ok_json(200);
    assert_eq!(class.enrolment(&enrolment).await["status"], "completed");
}
