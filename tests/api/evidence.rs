//! Employment evidenced the way the field gathers it: an employer placement confirmed after its
//! end, or never confirmed but found at work by a call; several pieces of work at once, their
//! incomes added; self-employment; and a follow-up that finds the person in new work.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::builders::{Trained, days_ago, still_there};

async fn placement(t: &Trained, id: &str) -> Value {
    t.app()
        .get_as(t.worker(), &format!("/api/v1/placements/{id}"))
        .await
        .ok_json(200)
}

#[actix_web::test]
async fn an_employer_placement_ended_before_it_was_confirmed_is_confirmed_after() {
    // Trained 26 months ago, certified L5 then, worked since and left ten days ago: 24 months
    // of work since L5 make them eligible for L4 once the work is evidenced.
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
    t.act(
        t.worker(),
        &id,
        "end",
        "",
        json!({"ended_on": days_ago(10), "reason": "合同期满"}),
    )
    .await
    .ok_json(200);
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
            .unwrap()["eligible"]
            .clone()
    };
    assert_eq!(l4().await, false);
    // The employer answers after the end: the months worked count.
    let confirmed = t
        .act(&t.boss, &id, "confirm", "", json!({}))
        .await
        .ok_json(200);
    assert_eq!(
        (&confirmed["lifecycle"], &confirmed["evidence"]),
        (&json!("ended"), &json!("employer_confirmed"))
    );
    assert_eq!(l4().await, true);
    // Ended: not employed today.
    assert_eq!(t.employment().await["status"], "not_employed");
}

#[actix_web::test]
async fn an_employer_placement_ended_unconfirmed_is_field_verified_by_a_call_synced_later() {
    let t = Trained::new(120).await;
    let id = t.placed().await;
    t.act(
        t.worker(),
        &id,
        "end",
        "",
        json!({"ended_on": days_ago(20), "reason": "合同期满"}),
    )
    .await
    .ok_json(200);
    assert_eq!(placement(&t, &id).await["evidence"], "unverified");
    // The phone syncs a call of 40 days ago that found the person at work there.
    t.follow_up(&id, still_there(days_ago(40), Some(450_000)))
        .await
        .ok_json(201);
    let verified = placement(&t, &id).await;
    assert_eq!(
        (&verified["lifecycle"], &verified["evidence"]),
        (&json!("ended"), &json!("field_verified"))
    );
    assert_eq!(verified["verified_on"], days_ago(40).to_string());
    assert_eq!(verified["follow_up_due_on"], Value::Null);
}

#[actix_web::test]
async fn an_employer_who_never_answers_is_outweighed_by_a_call_that_finds_the_person_at_work() {
    let t = Trained::new(90).await;
    t.threshold(100_000, "2020-01-01", None).await.ok_json(201);
    let id = t.placed().await;
    assert_eq!(t.employment().await["status"], "not_employed");
    // 电话回访: the person is at work there.
    t.follow_up(&id, still_there(days_ago(10), Some(480_000)))
        .await
        .ok_json(201);
    let verified = placement(&t, &id).await;
    assert_eq!(verified["evidence"], "field_verified");
    assert_eq!(verified["verified_on"], days_ago(10).to_string());
    let employment = t.employment().await;
    assert_eq!(employment["status"], "employed");
    assert_eq!(employment["monthly_income_fen"], 480_000);
    // The employer may still confirm (stronger evidence) ...
    let confirmed = t
        .act(&t.boss, &id, "confirm", "", json!({}))
        .await
        .ok_json(200);
    assert_eq!(confirmed["evidence"], "employer_confirmed");
    // ... and a call after that leaves the confirmation as it is.
    t.follow_up(&id, still_there(days_ago(2), Some(480_000)))
        .await
        .ok_json(201);
    assert_eq!(placement(&t, &id).await["evidence"], "employer_confirmed");
}

#[actix_web::test]
async fn two_households_part_time_add_up_above_the_threshold() {
    let t = Trained::new(90).await;
    // 800 yuan a month; two households at 500 each.
    t.threshold(80_000, "2020-01-01", None).await.ok_json(201);
    let household = |name: &str, phone: &str| {
        json!({
            "trainee_id": t.trainee, "kind": "household",
            "household": {"name": name, "phone": phone},
            "occupation": "domestic_service", "position": "钟点工", "work_city": "离石区",
            "start_date": days_ago(60), "monthly_wage_fen": 50_000,
            "contract_type": "unwritten",
        })
    };
    let first = t
        .report(&household("张女士", "13800138000"))
        .await
        .ok_json(201);
    let second = t
        .report(&household("李先生", "13900139000"))
        .await
        .ok_json(201);
    // The same household twice is one piece of work.
    t.report(&household("张女士", "13800138000"))
        .await
        .invalid_rule("trainee_id", "open_placement");
    let first = first["id"].as_str().unwrap();
    let second = second["id"].as_str().unwrap();
    t.follow_up(first, still_there(days_ago(30), None))
        .await
        .ok_json(201);
    // One verified: 500 yuan is below 800.
    let one = t.employment().await;
    assert_eq!(one["status"], "employed_below_threshold");
    assert_eq!(one["monthly_income_fen"], 50_000);
    t.follow_up(second, still_there(days_ago(29), None))
        .await
        .ok_json(201);
    let both = t.employment().await;
    assert_eq!(both["status"], "employed");
    assert_eq!(both["monthly_income_fen"], 100_000);
    // A kind that does not match the body is refused, naming the field.
    let mut wrong = household("王女士", "13700137000");
    wrong["kind"] = json!("employer");
    t.report(&wrong).await.invalid_field("kind", "mismatch");
}

#[actix_web::test]
async fn a_self_employed_trainee_is_placed_with_a_business_and_its_declared_income() {
    let t = Trained::new(90).await;
    t.threshold(100_000, "2020-01-01", None).await.ok_json(201);
    let body = json!({
        "trainee_id": t.trainee, "kind": "self_employed",
        "business": {"description": "村里开办的托老所"},
        "occupation": "elderly_care", "position": "经营者", "work_city": "柳林县",
        "start_date": days_ago(45), "monthly_wage_fen": 300_000, "contract_type": "unwritten",
    });
    let created = t.report(&body).await.ok_json(201);
    assert_eq!(created["kind"], "self_employed");
    assert_eq!(created["business"]["description"], "村里开办的托老所");
    assert_eq!(created["employer_id"], Value::Null);
    let id = created["id"].as_str().unwrap();
    // No employer confirms a business: a visit verifies it.
    t.act(&t.boss, id, "confirm", "", json!({}))
        .await
        .problem(404, "/problems/not-found");
    let mut visit = still_there(days_ago(15), Some(350_000));
    visit["channel"] = json!("visit");
    t.follow_up(id, visit).await.ok_json(201);
    let employment = t.employment().await;
    assert_eq!(employment["status"], "employed");
    assert_eq!(employment["monthly_income_fen"], 350_000);
    // A business and a household at once: a blank description is refused.
    let mut blank = body.clone();
    blank["business"] = json!({"description": "  "});
    t.report(&blank)
        .await
        .invalid_field("business.description", "blank");
    // Two of employer, household and business at once are refused.
    let mut both = body;
    both["employer_id"] = json!(t.employer);
    t.report(&both).await.invalid_field("employer_id", "one_of");
}

#[actix_web::test]
async fn a_follow_up_that_finds_the_person_working_elsewhere_moves_them_to_the_new_work() {
    let t = Trained::new(120).await;
    t.threshold(100_000, "2020-01-01", None).await.ok_json(201);
    let old = t.placed().await;
    t.act(&t.boss, &old, "confirm", "", json!({}))
        .await
        .ok_json(200);
    t.follow_up(&old, still_there(days_ago(60), Some(450_000)))
        .await
        .ok_json(201);
    let taiyuan = t.app().employer("太原颐养中心").await;
    let follow_up_id = uuid::Uuid::new_v4();
    let new_id = uuid::Uuid::new_v4();
    let found = json!({
        "id": follow_up_id, "followed_up_on": days_ago(5), "channel": "phone",
        "still_employed": true, "same_employer": false, "monthly_income_fen": 500_000,
        "new_work": {
            "id": new_id, "employer_id": taiyuan, "work_city": "太原市",
            "started_on": days_ago(20), "monthly_income_fen": 500_000,
            "contract_type": "labour_contract",
        },
    });
    let recorded = t.follow_up(&old, found.clone()).await.ok_json(201);
    assert_eq!(recorded["new_placement_id"], new_id.to_string());
    // The old placement ended the day before the new work started ...
    let ended = placement(&t, &old).await;
    assert_eq!(ended["lifecycle"], "ended");
    assert_eq!(ended["ended_on"], days_ago(21).to_string());
    assert_eq!(ended["evidence"], "employer_confirmed");
    // ... and the new one opened, field-verified by the call, with the old one's occupation
    // and position where the follow-up named none.
    let new = placement(&t, &new_id.to_string()).await;
    assert_eq!(
        (&new["lifecycle"], &new["evidence"], &new["kind"]),
        (&json!("open"), &json!("field_verified"), &json!("employer"))
    );
    assert_eq!(new["start_date"], days_ago(20).to_string());
    assert_eq!(new["verified_on"], days_ago(5).to_string());
    assert_eq!(new["position"], "养老护理员");
    assert_eq!(new["work_city"], "太原市");
    assert_eq!(
        new["follow_up_due_on"],
        (days_ago(5) + Duration::days(30)).to_string()
    );
    // The call that found the person there is the new work's latest follow-up: its end may
    // not come before it.
    assert_eq!(new["last_follow_up_on"], days_ago(5).to_string());
    t.act(
        t.worker(),
        &new_id.to_string(),
        "end",
        "",
        json!({"ended_on": days_ago(10), "reason": "离职"}),
    )
    .await
    .invalid_rule("ended_on", "before_follow_up");
    // Employed, at 5,000 yuan, without waiting for anyone.
    let employment = t.employment().await;
    assert_eq!(employment["status"], "employed");
    assert_eq!(employment["placement_id"], new_id.to_string());
    assert_eq!(employment["monthly_income_fen"], 500_000);
    // The phone sends it again (no signal on the first answer): nothing is made twice.
    let again = t.follow_up(&old, found.clone()).await.ok_json(200);
    assert_eq!(again["id"], recorded["id"]);
    assert_eq!(t.placements(t.worker()).await.len(), 2);
    // New work only with still_employed and not same_employer; not after the follow-up's day;
    // not before the placement's latest follow-up.
    let mut same = found.clone();
    same["id"] = json!(uuid::Uuid::new_v4());
    same["same_employer"] = json!(true);
    t.follow_up(&new_id.to_string(), same)
        .await
        .invalid_field("new_work", "contradiction");
    let mut late = found.clone();
    late["id"] = json!(uuid::Uuid::new_v4());
    late["new_work"]["id"] = json!(uuid::Uuid::new_v4());
    late["new_work"]["started_on"] = json!(days_ago(1));
    t.follow_up(&new_id.to_string(), late)
        .await
        .invalid_rule("new_work.started_on", "after_follow_up");
}

#[actix_web::test]
async fn new_work_that_would_end_a_placement_before_its_follow_ups_is_refused_whole() {
    let t = Trained::new(120).await;
    let old = t.placed().await;
    t.follow_up(&old, still_there(days_ago(10), Some(450_000)))
        .await
        .ok_json(201);
    let body = json!({
        "followed_up_on": days_ago(5), "channel": "visit", "still_employed": true,
        "same_employer": false,
        "new_work": {
            "household": {"name": "赵女士", "phone": "13600136000"},
            "started_on": days_ago(20), "monthly_income_fen": 600_000,
        },
    });
    // Ending the old one on day -21 would put it before the follow-up of day -10.
    t.follow_up(&old, body.clone())
        .await
        .invalid_rule("new_work.started_on", "before_follow_up");
    // Nothing of it was stored: no follow-up, no new placement, the old one still open.
    assert_eq!(t.placements(t.worker()).await.len(), 1);
    assert_eq!(placement(&t, &old).await["lifecycle"], "open");
    let follow_ups = t
        .app()
        .get_as(t.worker(), &format!("/api/v1/placements/{old}/follow-ups"))
        .await
        .ok_json(200);
    assert_eq!(follow_ups["items"].as_array().unwrap().len(), 1);
    // New work for the same employer is not new work.
    let mut same_employer = body;
    same_employer["new_work"] = json!({
        "employer_id": t.employer, "started_on": days_ago(5), "monthly_income_fen": 600_000,
    });
    t.follow_up(&old, same_employer)
        .await
        .invalid_field("new_work", "same_work");
}
