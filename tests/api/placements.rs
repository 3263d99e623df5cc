//! Placements, the employer's confirmation, follow-ups, the worklist, income thresholds and the
//! employment status they add up to.

use actix_web::http::Method;
use chrono::Duration;
use serde_json::{Value, json};

use crate::support::builders::{Trained, days_ago, still_there, today};
use crate::support::{Actor, TestApp};

#[actix_web::test]
async fn a_placement_counts_once_the_employer_confirms_it_and_its_income_meets_the_threshold() {
    let t = Trained::new(60).await;
    let id = t.placed().await;
    let reported = t
        .app()
        .get_as(t.worker(), &format!("/api/v1/placements/{id}"))
        .await
        .ok_json(200);
    assert_eq!(
        (
            &reported["lifecycle"],
            &reported["evidence"],
            &reported["kind"]
        ),
        (&json!("open"), &json!("unverified"), &json!("employer"))
    );
    assert_eq!(reported["employer_name"], "北京康养护理院");
    // Reported only: not evidence yet.
    assert_eq!(t.employment().await["status"], "not_employed");

    let confirmed = t
        .act(&t.boss, &id, "confirm", "", json!({}))
        .await
        .ok_json(200);
    assert_eq!(confirmed["evidence"], "employer_confirmed");
    assert!(confirmed["confirmed_at"].is_string());
    // No threshold in force for Liulin: counted apart, not as employed.
    let unassessed = t.employment().await;
    assert_eq!(unassessed["status"], "income_unassessed");
    assert_eq!(unassessed["placement_id"], id.as_str());
    assert_eq!(unassessed["monthly_income_fen"], 450_000);
    assert_eq!(unassessed["threshold_fen"], Value::Null);

    let before = t
        .app()
        .get_as(t.worker(), &format!("/api/v1/trainees/{}", t.trainee))
        .await;
    let etag = before.header("etag").to_owned();
    t.threshold(450_000, "2020-01-01", None).await.ok_json(201);
    let employed = t
        .app()
        .request(Method::GET, &format!("/api/v1/trainees/{}", t.trainee))
        .auth(t.worker())
        .header("if-none-match", &etag)
        .send()
        .await;
    // The record did not change, its employment did: no 304 for the old tag.
    let body = employed.ok_json(200);
    assert_ne!(employed.header("etag"), etag);
    assert_eq!(body["employment"]["status"], "employed");
    assert_eq!(body["employment"]["threshold_fen"], 450_000);
    let same = t
        .app()
        .request(Method::GET, &format!("/api/v1/trainees/{}", t.trainee))
        .auth(t.worker())
        .header("if-none-match", employed.header("etag"))
        .send()
        .await;
    assert_eq!(same.status, 304);
    // The tag with employment still serves as If-Match for a change of the record.
    t.app()
        .request(Method::PATCH, &format!("/api/v1/trainees/{}", t.trainee))
        .auth(t.worker())
        .header("if-match", employed.header("etag"))
        .json(&json!({"township": "穆村镇"}))
        .await
        .ok_json(200);

    // The latest follow-up's income is the one measured: one fen below is below the threshold.
    t.follow_up(&id, still_there(days_ago(5), Some(449_999)))
        .await
        .ok_json(201);
    assert_eq!(t.employment().await["status"], "employed_below_threshold");
    // A follow-up without an income keeps the last one known.
    t.follow_up(&id, still_there(days_ago(2), None))
        .await
        .ok_json(201);
    assert_eq!(t.employment().await["monthly_income_fen"], 449_999);
    t.follow_up(&id, still_there(days_ago(1), Some(450_000)))
        .await
        .ok_json(201);
    assert_eq!(t.employment().await["status"], "employed");
    // A follow-up saying they left ends the counting from its day.
    t.follow_up(
        &id,
        json!({"followed_up_on": today(), "channel": "visit", "still_employed": false,
               "same_employer": false}),
    )
    .await
    .ok_json(201);
    assert_eq!(t.employment().await["status"], "not_employed");
    let placement = t
        .app()
        .get_as(t.worker(), &format!("/api/v1/placements/{id}"))
        .await
        .ok_json(200);
    assert_eq!(placement["stopped_on"], today().to_string());
    assert_eq!(placement["last_follow_up_on"], today().to_string());
}

#[actix_web::test]
async fn only_the_employer_named_confirms_and_a_confirmation_stands() {
    let t = Trained::new(60).await;
    let id = t.placed().await;
    let stranger_employer = t.app().employer("别的护理院").await;
    let stranger = t.app().employer_user(&stranger_employer).await;
    t.act(&stranger, &id, "confirm", "", json!({}))
        .await
        .problem(404, "/problems/not-found");
    t.act(t.worker(), &id, "confirm", "", json!({}))
        .await
        .problem(403, "/problems/forbidden");
    // An employer sees its own placements only, with personal numbers masked.
    assert!(t.placements(&stranger).await.is_empty());
    let own = t.placements(&t.boss).await;
    assert_eq!(own.len(), 1);
    assert!(
        own[0]["trainee"]["id_number"]
            .as_str()
            .unwrap()
            .contains("********")
    );
    assert!(
        own[0]["trainee"]["phone"]
            .as_str()
            .unwrap()
            .contains("****")
    );
    // What the follow-ups find is not the employer's to read.
    assert_eq!(own[0]["follow_up_due_on"], Value::Null);
    assert!(t.placements(t.worker()).await[0]["follow_up_due_on"].is_string());
    t.act(&t.boss, &id, "dispute", "", json!({"reason": "   "}))
        .await
        .invalid_field("reason", "blank");
    t.app()
        .get_as(&t.boss, &format!("/api/v1/trainees/{}", t.trainee))
        .await
        .problem(403, "/problems/forbidden");

    let first = t
        .act(&t.boss, &id, "confirm", "key-1", json!({}))
        .await
        .ok_json(200);
    let replay = t
        .act(&t.boss, &id, "confirm", "key-1", json!({}))
        .await
        .ok_json(200);
    assert_eq!(replay["version"], first["version"]);
    assert_eq!(replay["confirmed_at"], first["confirmed_at"]);
    // Confirming again, without a key, answers the placement as it is.
    let again = t
        .act(&t.boss, &id, "confirm", "", json!({}))
        .await
        .ok_json(200);
    assert_eq!(again["version"], first["version"]);
    // Confirmed is not disputed after.
    t.act(&t.boss, &id, "dispute", "", json!({"reason": "查无此人"}))
        .await
        .problem(409, "/problems/conflict");
    // The key, reused for another request, is refused.
    t.act(
        &t.boss,
        &id,
        "dispute",
        "key-1",
        json!({"reason": "查无此人"}),
    )
    .await
    .problem(409, "/problems/conflict");
    let now = t
        .app()
        .get_as(t.worker(), &format!("/api/v1/placements/{id}"))
        .await
        .ok_json(200);
    assert_eq!(now["evidence"], "employer_confirmed");
    assert_eq!(now["version"], first["version"]);
}

#[actix_web::test]
async fn a_disputed_placement_does_not_count_until_a_manager_overrules_the_dispute() {
    let t = Trained::new(60).await;
    let id = t.placed().await;
    t.threshold(100_000, "2020-01-01", None).await.ok_json(201);
    let disputed = t
        .act(&t.boss, &id, "dispute", "", json!({"reason": "查无此人"}))
        .await
        .ok_json(200);
    assert_eq!(
        (&disputed["lifecycle"], &disputed["evidence"]),
        (&json!("open"), &json!("disputed"))
    );
    assert_eq!(disputed["dispute_reason"], "查无此人");
    assert_eq!(t.employment().await["status"], "not_employed");
    // The same dispute again is a retry; the employer does not confirm it after.
    t.act(&t.boss, &id, "dispute", "", json!({"reason": "查无此人"}))
        .await
        .ok_json(200);
    t.act(&t.boss, &id, "confirm", "", json!({}))
        .await
        .problem(409, "/problems/conflict");
    // Off the worklist while disputed.
    let worker_view = t
        .app()
        .get_as(t.worker(), &format!("/api/v1/placements/{id}"))
        .await
        .ok_json(200);
    assert_eq!(worker_view["follow_up_due_on"], Value::Null);
    // A call that finds the person there does not outweigh the dispute.
    t.follow_up(&id, still_there(days_ago(5), Some(450_000)))
        .await
        .ok_json(201);
    let still = t
        .app()
        .get_as(t.worker(), &format!("/api/v1/placements/{id}"))
        .await
        .ok_json(200);
    assert_eq!(still["evidence"], "disputed");
    assert_eq!(still["verified_on"], days_ago(5).to_string());
    assert_eq!(t.employment().await["status"], "not_employed");
    // Another piece of work may be reported beside it.
    t.report(&json!({
        "trainee_id": t.trainee, "household": {"name": "张女士", "phone": "+86 138-0013-8000"},
        "occupation": "maternity_care", "position": "月嫂", "work_city": "太原市",
        "start_date": days_ago(30), "monthly_wage_fen": 800_000, "contract_type": "household_service",
    }))
    .await
    .ok_json(201);
    // A manager settles it, with a reason that is kept; field staff and the employer may not.
    let overrule = json!({"outcome": "overruled", "reason": "上门核实：本人在该院工作"});
    t.act(t.worker(), &id, "resolve", "", overrule.clone())
        .await
        .problem(403, "/problems/forbidden");
    t.act(&t.boss, &id, "resolve", "", overrule.clone())
        .await
        .problem(403, "/problems/forbidden");
    let manager = t.app().manager(&["141125"]).await;
    t.act(
        &manager,
        &id,
        "resolve",
        "",
        json!({"outcome": "overruled", "reason": " "}),
    )
    .await
    .invalid_field("reason", "blank");
    let resolved = t
        .act(&manager, &id, "resolve", "", overrule.clone())
        .await
        .ok_json(200);
    assert_eq!(resolved["evidence"], "field_verified");
    assert_eq!(resolved["resolution"], "overruled");
    assert_eq!(resolved["resolution_reason"], "上门核实：本人在该院工作");
    assert!(resolved["resolved_at"].is_string());
    assert!(resolved["follow_up_due_on"].is_string());
    // It counts now (the household beside it, not yet verified, adds nothing).
    let employment = t.employment().await;
    assert_eq!(employment["status"], "employed");
    assert_eq!(employment["monthly_income_fen"], 450_000);
    // Settled once: the same settlement again is a retry, another is refused; the employer
    // neither disputes nor confirms it again.
    t.act(&manager, &id, "resolve", "", overrule)
        .await
        .ok_json(200);
    t.act(
        &manager,
        &id,
        "resolve",
        "",
        json!({"outcome": "upheld", "reason": "再议"}),
    )
    .await
    .problem(409, "/problems/conflict");
    t.act(&t.boss, &id, "dispute", "", json!({"reason": "查无此人"}))
        .await
        .problem(409, "/problems/conflict");
    // The audit trail names the settlement.
    let audit = t
        .app()
        .get_as(&t.app().admin().await, "/api/v1/audit?entity=placement")
        .await
        .ok_json(200);
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["action"] == "resolve" && row["entity_id"] == id.as_str()),
        "{audit}"
    );
}

#[actix_web::test]
async fn an_upheld_dispute_never_counts_and_only_a_dispute_is_resolved() {
    let t = Trained::new(60).await;
    let id = t.placed().await;
    t.threshold(100_000, "2020-01-01", None).await.ok_json(201);
    let manager = t.app().manager(&["141125"]).await;
    let uphold = json!({"outcome": "upheld", "reason": "核实无此人"});
    t.act(&manager, &id, "resolve", "", uphold.clone())
        .await
        .problem(409, "/problems/conflict");
    t.act(&t.boss, &id, "dispute", "", json!({"reason": "查无此人"}))
        .await
        .ok_json(200);
    let upheld = t
        .act(&manager, &id, "resolve", "", uphold)
        .await
        .ok_json(200);
    assert_eq!(upheld["evidence"], "disputed");
    assert_eq!(upheld["resolution"], "upheld");
    t.follow_up(&id, still_there(days_ago(3), Some(450_000)))
        .await
        .ok_json(201);
    assert_eq!(t.employment().await["status"], "not_employed");
    // A manager of another county does not see it.
    let elsewhere = t.app().manager(&["141126"]).await;
    t.act(
        &elsewhere,
        &id,
        "resolve",
        "",
        json!({"outcome": "overruled", "reason": "x"}),
    )
    .await
    .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn wages_of_zero_negative_or_absurd_are_refused_and_nothing_is_stored() {
    let t = Trained::new(60).await;
    for wage in [json!(0), json!(-450_000), json!(10_000_001), json!(1e12)] {
        let mut body = t.body(days_ago(30));
        body["monthly_wage_fen"] = wage.clone();
        let response = t.report(&body).await;
        assert_eq!(response.status, 422, "{wage}: {}", response.json());
        assert!(
            response.json().to_string().contains("monthly_wage_fen"),
            "{wage}"
        );
    }
    let mut top = t.body(days_ago(30));
    top["monthly_wage_fen"] = json!(10_000_000);
    assert!(t.placements(t.worker()).await.is_empty());
    t.report(&top).await.ok_json(201);
}

#[actix_web::test]
async fn a_placement_starts_after_training_and_not_in_the_future() {
    let t = Trained::new(60).await;
    t.report(&t.body(t.completed_on - Duration::days(1)))
        .await
        .invalid_rule("start_date", "before_training");
    t.report(&t.body(today() + Duration::days(1)))
        .await
        .invalid_rule("start_date", "future");
    // Someone who completed nothing is not placed.
    let untrained = t.class.trainee().await;
    let mut body = t.body(days_ago(1));
    body["trainee_id"] = json!(untrained);
    t.report(&body)
        .await
        .invalid_rule("trainee_id", "not_trained");
    // Employer or household: one, not both or neither.
    let mut both = t.body(days_ago(1));
    both["household"] = json!({"name": "张女士", "phone": "13800138000"});
    t.report(&both).await.invalid_field("employer_id", "one_of");
    let mut bad_phone = t.body(days_ago(1));
    bad_phone.as_object_mut().unwrap().remove("employer_id");
    bad_phone["household"] = json!({"name": "张女士", "phone": "12345"});
    t.report(&bad_phone)
        .await
        .invalid_field("household.phone", "invalid");
    assert!(t.placements(t.worker()).await.is_empty());
}

#[actix_web::test]
async fn the_same_work_is_open_once_and_ends_once() {
    let t = Trained::new(60).await;
    let first = t.placed().await;
    // The same employer again (two phones reporting one job): refused while it is open.
    t.report(&t.body(days_ago(10)))
        .await
        .invalid_rule("trainee_id", "open_placement");
    // Ending: by staff, not before the start, not in the future.
    t.act(
        &t.boss,
        &first,
        "end",
        "",
        json!({"ended_on": days_ago(11), "reason": "合同期满"}),
    )
    .await
    .problem(403, "/problems/forbidden");
    t.act(
        t.worker(),
        &first,
        "end",
        "",
        json!({"ended_on": t.completed_on, "reason": "合同期满"}),
    )
    .await
    .invalid_rule("ended_on", "before_start");
    let end = json!({"ended_on": days_ago(11), "reason": "合同期满"});
    let ended = t
        .act(t.worker(), &first, "end", "", end.clone())
        .await
        .ok_json(200);
    assert_eq!(ended["lifecycle"], "ended");
    assert_eq!(ended["evidence"], "unverified");
    assert_eq!(ended["follow_up_due_on"], Value::Null);
    // The same end again is a retry; another end is a conflict.
    t.act(t.worker(), &first, "end", "", end).await.ok_json(200);
    t.act(
        t.worker(),
        &first,
        "end",
        "",
        json!({"ended_on": days_ago(9), "reason": "合同期满"}),
    )
    .await
    .problem(409, "/problems/conflict");
    t.report(&t.body(days_ago(10))).await.ok_json(201);
}

#[actix_web::test]
async fn a_create_replayed_is_one_row_and_another_body_under_its_id_is_a_conflict() {
    let t = Trained::new(60).await;
    let mut body = t.body(days_ago(30));
    body["id"] = json!(uuid::Uuid::new_v4());
    let first = t.report(&body).await.ok_json(201);
    for _ in 0..3 {
        let again = t.report(&body).await.ok_json(200);
        assert_eq!(again["version"], first["version"]);
    }
    body["monthly_wage_fen"] = json!(460_000);
    t.report(&body).await.problem(409, "/problems/conflict");
    assert_eq!(t.placements(t.worker()).await.len(), 1);
}

#[actix_web::test]
async fn follow_ups_are_dated_within_the_placement_and_replays_are_one_row() {
    let t = Trained::new(60).await;
    let id = t.placed().await;
    let start = t.completed_on + Duration::days(1);
    t.follow_up(&id, still_there(start - Duration::days(1), Some(450_000)))
        .await
        .invalid_rule("followed_up_on", "before_start");
    t.follow_up(&id, still_there(today() + Duration::days(1), Some(450_000)))
        .await
        .invalid_rule("followed_up_on", "future");
    let mut negative = still_there(days_ago(3), Some(-1));
    t.follow_up(&id, negative.clone())
        .await
        .invalid_field("monthly_income_fen", "range");
    negative["monthly_income_fen"] = json!(100);
    negative["still_employed"] = json!(false);
    t.follow_up(&id, negative)
        .await
        .invalid_field("same_employer", "contradiction");

    let mut body = still_there(days_ago(20), Some(450_000));
    body["id"] = json!(uuid::Uuid::new_v4());
    body["recorded_at"] = json!("2026-01-02T03:04:05.123456Z");
    let first = t.follow_up(&id, body.clone()).await.ok_json(201);
    assert_eq!(first["recorded_at"], "2026-01-02T03:04:05.123456Z");
    assert!(first["received_at"].is_string());
    for _ in 0..5 {
        let again = t.follow_up(&id, body.clone()).await.ok_json(200);
        assert_eq!(again["received_at"], first["received_at"]);
    }
    body["monthly_income_fen"] = json!(1);
    t.follow_up(&id, body)
        .await
        .problem(409, "/problems/conflict");
    let page = t
        .app()
        .get_as(t.worker(), &format!("/api/v1/placements/{id}/follow-ups"))
        .await
        .ok_json(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    // Ended 10 days ago: a follow-up of before the end is fine, a newer one is refused.
    t.act(
        t.worker(),
        &id,
        "end",
        "",
        json!({"ended_on": days_ago(10), "reason": "离职"}),
    )
    .await
    .ok_json(200);
    t.follow_up(&id, still_there(days_ago(12), Some(450_000)))
        .await
        .ok_json(201);
    t.follow_up(&id, still_there(days_ago(9), Some(450_000)))
        .await
        .invalid_rule("followed_up_on", "after_end");
    // An end before a follow-up that found them at work there is refused.
    let t2 = Trained::new(60).await;
    let id2 = t2.placed().await;
    t2.follow_up(&id2, still_there(days_ago(5), None))
        .await
        .ok_json(201);
    t2.act(
        t2.worker(),
        &id2,
        "end",
        "",
        json!({"ended_on": days_ago(6), "reason": "离职"}),
    )
    .await
    .invalid_rule("ended_on", "before_follow_up");
}

#[actix_web::test]
async fn a_household_placement_is_verified_by_its_first_follow_up_at_work() {
    let t = Trained::new(60).await;
    t.threshold(100_000, "2020-01-01", Some("2099-12-31"))
        .await
        .ok_json(201);
    let placement = t
        .report(&json!({
            "trainee_id": t.trainee, "household": {"name": "张女士", "phone": "+86 138-0013-8000"},
            "occupation": "maternity_care", "position": "月嫂", "work_city": "太原市",
            "start_date": days_ago(40), "monthly_wage_fen": 800_000,
            "contract_type": "household_service",
        }))
        .await
        .ok_json(201);
    assert_eq!(placement["household"]["phone"], "13800138000");
    let id = placement["id"].as_str().unwrap();
    assert_eq!(t.employment().await["status"], "not_employed");
    // A household has no account: no employer may confirm it.
    t.act(&t.boss, id, "confirm", "", json!({}))
        .await
        .problem(404, "/problems/not-found");
    t.follow_up(
        id,
        json!({"followed_up_on": days_ago(30), "channel": "visit", "still_employed": false,
               "same_employer": false}),
    )
    .await
    .ok_json(201);
    assert_eq!(t.employment().await["status"], "not_employed");
    // The person's own word in the app is not field evidence.
    let mut by_app = still_there(days_ago(25), Some(820_000));
    by_app["channel"] = json!("app");
    t.follow_up(id, by_app).await.ok_json(201);
    let unverified = t
        .app()
        .get_as(t.worker(), &format!("/api/v1/placements/{id}"))
        .await
        .ok_json(200);
    assert_eq!(unverified["evidence"], "unverified");
    assert_eq!(t.employment().await["status"], "not_employed");
    t.follow_up(id, still_there(days_ago(20), Some(820_000)))
        .await
        .ok_json(201);
    let verified = t
        .app()
        .get_as(t.worker(), &format!("/api/v1/placements/{id}"))
        .await
        .ok_json(200);
    assert_eq!(verified["evidence"], "field_verified");
    assert_eq!(verified["verified_on"], days_ago(20).to_string());
    assert_eq!(verified["stopped_on"], Value::Null);
    let employment = t.employment().await;
    assert_eq!(employment["status"], "employed");
    assert_eq!(employment["monthly_income_fen"], 820_000);

    let timeline = t
        .app()
        .get_as(
            t.worker(),
            &format!("/api/v1/trainees/{}/timeline", t.trainee),
        )
        .await
        .ok_json(200);
    // Registered today, trained before: the entries of work come after the training's.
    let kinds: Vec<&str> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "enrolled",
            "completed",
            "placed",
            "followed_up",
            "followed_up",
            "verified",
            "followed_up",
            "registered"
        ],
    );
    let verified = &timeline["events"][5];
    assert_eq!(verified["employer_name"], "张女士");
    assert_eq!(timeline["events"][6]["monthly_income_fen"], 820_000);
}

async fn due(t: &Trained, actor: &Actor, query: &str) -> Value {
    t.app()
        .get_as(actor, &format!("/api/v1/follow-ups/due{query}"))
        .await
        .ok_json(200)
}

#[actix_web::test]
async fn the_worklist_lists_open_placements_due_for_a_follow_up_oldest_first() {
    let t = Trained::new(80).await;
    let id = t.placed().await; // started 79 days ago: due 49 days ago
    let mut later = t.body(t.completed_on + Duration::days(5));
    later["trainee_id"] = json!(t.another().await);
    let second = t.report(&later).await.ok_json(201);
    let page = due(&t, t.worker(), "").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    assert_eq!(items[0]["placement_id"], id.as_str());
    assert_eq!(items[1]["placement_id"], second["id"]);
    assert_eq!(items[1]["due_on"], days_ago(45).to_string());
    assert_eq!(items[0]["due_on"], days_ago(49).to_string());
    assert_eq!(items[0]["employer_name"], "北京康养护理院");
    // `before`: not yet due 50 days ago.
    let early = due(&t, t.worker(), &format!("?before={}", days_ago(50))).await;
    assert!(early["items"].as_array().unwrap().is_empty());
    // Another county's worker sees none of it.
    let elsewhere = t.app().field_staff(&["141102"]).await;
    assert!(
        due(&t, &elsewhere, "").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        due(&t, t.worker(), "?county=141102").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    t.app()
        .get_as(&elsewhere, &format!("/api/v1/placements/{id}"))
        .await
        .problem(404, "/problems/not-found");
    t.app()
        .post_as(
            &elsewhere,
            &format!("/api/v1/placements/{id}/follow-ups"),
            &still_there(days_ago(1), None),
        )
        .await
        .problem(404, "/problems/not-found");
    t.act(
        &elsewhere,
        &id,
        "end",
        "",
        json!({"ended_on": days_ago(1), "reason": "离职"}),
    )
    .await
    .problem(404, "/problems/not-found");
    // A follow-up takes it off the list until 30 days later.
    t.follow_up(&id, still_there(days_ago(29), Some(450_000)))
        .await
        .ok_json(201);
    let left = due(&t, t.worker(), "").await;
    assert_eq!(left["items"].as_array().unwrap().len(), 1);
    assert_eq!(left["items"][0]["placement_id"], second["id"]);
    let later = due(
        &t,
        t.worker(),
        &format!("?before={}", today() + Duration::days(1)),
    )
    .await;
    assert_eq!(later["items"][1]["placement_id"], id.as_str());
    assert_eq!(
        later["items"][1]["due_on"],
        (today() + Duration::days(1)).to_string()
    );
}

#[actix_web::test]
async fn thresholds_of_one_county_do_not_overlap() {
    let t = Trained::new(60).await;
    let first = t
        .threshold(78_000, "2024-07-01", Some("2025-06-30"))
        .await
        .ok_json(201);
    let clash = t.threshold(80_000, "2025-06-30", None).await;
    let body = clash.problem(409, "/problems/conflict");
    assert_eq!(body["existing_id"], first["id"]);
    t.threshold(80_000, "2024-01-01", Some("2024-07-01"))
        .await
        .problem(409, "/problems/conflict");
    t.threshold(80_000, "2025-07-01", Some("2025-06-01"))
        .await
        .invalid_field("valid_to", "before_valid_from");
    t.threshold(0, "2025-07-01", None)
        .await
        .invalid_field("monthly_fen", "range");
    t.threshold(80_000, "2025-07-01", None).await.ok_json(201);
    // Another county's periods are its own.
    let admin = t.app().admin().await;
    t.app()
        .post_as(
            &admin,
            "/api/v1/income-thresholds",
            &json!({"county_code": "141102", "monthly_fen": 90_000, "valid_from": "2025-01-01",
                    "source": "吕梁市民政局"}),
        )
        .await
        .ok_json(201);
    // A manager records only for their counties; field staff not at all.
    let manager = t.app().manager(&["141102"]).await;
    t.app()
        .post_as(
            &manager,
            "/api/v1/income-thresholds",
            &json!({"county_code": "141125", "monthly_fen": 90_000, "valid_from": "2030-01-01",
                    "source": "x"}),
        )
        .await
        .invalid_rule("county_code", "outside_your_counties");
    t.app()
        .get_as(t.worker(), "/api/v1/income-thresholds")
        .await
        .problem(403, "/problems/forbidden");
    let page = t
        .app()
        .get_as(&admin, "/api/v1/income-thresholds?county=141125")
        .await
        .ok_json(200);
    let froms: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["valid_from"].as_str().unwrap())
        .collect();
    assert_eq!(froms, ["2024-07-01", "2025-07-01"]);
}

#[actix_web::test]
async fn confirmed_work_counts_on_the_ladder_and_reported_work_does_not() {
    // Trained 26 months ago, certified L5 then, placed since: 24 months of work since L5 make
    // them eligible for L4 once the employer confirms the placement.
    let t = Trained::new(800).await;
    let issued = t.completed_on + Duration::days(1);
    t.app()
        .post_as(
            t.worker(),
            &format!("/api/v1/trainees/{}/certificates", t.trainee),
            &json!({"number": "1234567890123456", "kind": "skill_level",
                    "occupation": "elderly_care", "level": "L5", "issued_on": issued}),
        )
        .await
        .ok_json(201);
    let id = t.placed().await;
    let l4 = || async {
        let standing = t
            .app()
            .get_as(
                t.worker(),
                &format!("/api/v1/trainees/{}/progression", t.trainee),
            )
            .await
            .ok_json(200);
        standing
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["occupation"] == "elderly_care")
            .unwrap()
            .clone()
    };
    let before = l4().await;
    assert_eq!(before["next_level"], "L4");
    assert_eq!(before["eligible"], false, "{before}");
    t.act(&t.boss, &id, "confirm", "", json!({}))
        .await
        .ok_json(200);
    let after = l4().await;
    assert_eq!(after["eligible"], true, "{after}");
    // And the managers' list of candidates has them.
    let manager = t.app().manager(&["141125"]).await;
    let candidates = t
        .app()
        .get_as(
            &manager,
            "/api/v1/progression/candidates?level=L4&occupation=elderly_care",
        )
        .await
        .ok_json(200);
    assert!(
        candidates["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["trainee_id"] == t.trainee.as_str()),
        "{candidates}"
    );
    // Ended a year ago after a few days: the work no longer adds up.
    t.act(
        t.worker(),
        &id,
        "end",
        "",
        json!({"ended_on": issued + Duration::days(30), "reason": "离职"}),
    )
    .await
    .ok_json(200);
    assert_eq!(l4().await["eligible"], false);
}

/// Sends `bodies` to `path` at once, as `actor`, and answers their statuses in order.
async fn at_once(app: &TestApp, actor: &Actor, path: &str, bodies: Vec<Value>) -> Vec<u16> {
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let (app, actor, path) = (app.clone(), actor.clone(), path.to_owned());
            actix_web::rt::spawn(async move { app.post_as(&actor, &path, &body).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

#[actix_web::test]
async fn two_phones_reporting_placements_of_one_trainee_at_once_leave_one_open() {
    let t = Trained::new(60).await;
    let bodies = (0..2)
        .map(|i| {
            let mut body = t.body(days_ago(30 - i));
            body["id"] = json!(uuid::Uuid::new_v4());
            body
        })
        .collect();
    let mut statuses = at_once(t.app(), t.worker(), "/api/v1/placements", bodies).await;
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 422]);
    assert_eq!(t.placements(t.worker()).await.len(), 1);
}

#[actix_web::test]
async fn one_follow_up_sent_twice_at_once_is_one_row() {
    let t = Trained::new(60).await;
    let id = t.placed().await;
    let mut body = still_there(days_ago(3), Some(450_000));
    body["id"] = json!(uuid::Uuid::new_v4());
    let path = format!("/api/v1/placements/{id}/follow-ups");
    let mut statuses = at_once(t.app(), t.worker(), &path, vec![body.clone(), body]).await;
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 201]);
    let page = t.app().get_as(t.worker(), &path).await.ok_json(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    // With new work, which ends the placement the day before: the second is still a replay.
    let household = json!({"name": "赵女士", "phone": "13600136000"});
    let mut moved = still_there(days_ago(1), Some(500_000));
    moved["id"] = json!(uuid::Uuid::new_v4());
    moved["same_employer"] = json!(false);
    moved["new_work"] = json!({"household": household, "started_on": days_ago(2),
                               "monthly_income_fen": 500_000});
    let mut statuses = at_once(t.app(), t.worker(), &path, vec![moved.clone(), moved]).await;
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 201]);
    assert_eq!(t.placements(t.worker()).await.len(), 2);
}

#[actix_web::test]
async fn a_period_until_further_notice_is_closed_when_the_next_amount_is_announced() {
    let t = Trained::new(60).await;
    let admin = t.app().admin().await;
    let open = t.threshold(78_000, "2024-07-01", None).await.ok_json(201);
    let path = format!("/api/v1/income-thresholds/{}", open["id"].as_str().unwrap());
    // The next amount overlaps the open period until it is closed.
    t.threshold(80_000, "2025-07-01", None)
        .await
        .problem(409, "/problems/conflict");
    let read = t.app().get_as(&admin, &path).await;
    assert_eq!(read.header("etag"), "\"1\"");
    let change = |tag: &'static str, body: Value| {
        let (app, admin, path) = (t.app().clone(), admin.clone(), path.clone());
        async move {
            let mut request = app.request(Method::PATCH, &path).auth(&admin);
            if !tag.is_empty() {
                request = request.header("if-match", tag);
            }
            request.json(&body).await
        }
    };
    change("", json!({"valid_to": "2025-06-30"}))
        .await
        .problem(428, "/problems/precondition-required");
    change("\"1\"", json!({"valid_to": "2024-06-30"}))
        .await
        .invalid_field("valid_to", "before_valid_from");
    // The amount is a fact of the notice: a different amount is a new period.
    change("\"1\"", json!({"monthly_fen": 1}))
        .await
        .invalid_field("monthly_fen", "unknown_field");
    let closed = change("\"1\"", json!({"valid_to": "2025-06-30"}))
        .await
        .ok_json(200);
    assert_eq!(closed["valid_to"], "2025-06-30");
    assert_eq!(closed["version"], 2);
    change("\"1\"", json!({"valid_to": null}))
        .await
        .problem(412, "/problems/precondition-failed");
    t.threshold(80_000, "2025-07-01", None).await.ok_json(201);
    // Reopening the closed period would now overlap the next one.
    change("\"2\"", json!({"valid_to": null}))
        .await
        .problem(409, "/problems/conflict");
    // Another county's manager does not see it.
    let stranger = t.app().manager(&["141102"]).await;
    t.app()
        .get_as(&stranger, &path)
        .await
        .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn a_follow_up_at_work_that_arrives_after_the_end_still_verifies_a_household() {
    let t = Trained::new(60).await;
    let placement = t
        .report(&json!({
            "trainee_id": t.trainee, "household": {"name": "李先生", "phone": "13900139000"},
            "occupation": "elderly_care", "position": "居家护理", "work_city": "吕梁市",
            "start_date": days_ago(50), "monthly_wage_fen": 500_000,
            "contract_type": "unwritten",
        }))
        .await
        .ok_json(201);
    let id = placement["id"].as_str().unwrap();
    t.act(
        t.worker(),
        id,
        "end",
        "",
        json!({"ended_on": days_ago(5), "reason": "老人住院"}),
    )
    .await
    .ok_json(200);
    // The phone synced late: its visit of 20 days ago found the person at work there.
    t.follow_up(id, still_there(days_ago(20), Some(500_000)))
        .await
        .ok_json(201);
    let ended = t
        .app()
        .get_as(t.worker(), &format!("/api/v1/placements/{id}"))
        .await
        .ok_json(200);
    assert_eq!(
        (&ended["lifecycle"], &ended["evidence"]),
        (&json!("ended"), &json!("field_verified"))
    );
    assert_eq!(ended["verified_on"], days_ago(20).to_string());
    assert_eq!(ended["follow_up_due_on"], Value::Null);
    // Ended, so not employed today; the work it verified is not lost (the ladder counts it).
    assert_eq!(t.employment().await["status"], "not_employed");
}
