//! Assessments, certificates, the ladder, candidates for a level and the level gate.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use crate::support::builders::{
    Class, certificate_number as number, completed, new_trainee, pass, today,
};
use crate::support::{Actor, TestApp};

async fn assess(class: &Class, enrolment: &str, body: &Value) -> crate::support::TestResponse {
    class
        .app
        .post_as(
            &class.worker,
            &format!("/api/v1/enrolments/{enrolment}/assessments"),
            body,
        )
        .await
}

async fn progression(app: &TestApp, actor: &Actor, trainee: &str) -> Vec<Value> {
    app.get_as(actor, &format!("/api/v1/trainees/{trainee}/progression"))
        .await
        .ok_json(200)
        .as_array()
        .unwrap()
        .clone()
}

#[actix_web::test]
async fn a_pass_stores_its_certificate_with_it_and_the_ladder_moves_up() {
    let (class, trainee, enrolment, agency) = completed().await;
    let before = progression(&class.app, &class.worker, &trainee).await;
    assert_eq!(before[0]["current_level"], Value::Null);
    assert_eq!(before[0]["next_level"], "L5");
    assert_eq!(before[0]["eligible"], true);
    assert_eq!(before[0]["met_by"], "L5.completed_cohort");

    let n = number('5', today(), 1);
    let assessed = assess(&class, &enrolment, &pass(&agency, &n))
        .await
        .ok_json(201);
    assert_eq!(assessed["passed"], true);
    assert_eq!(assessed["certificate"]["number"], n);
    assert_eq!(assessed["certificate"]["level"], "L5");
    assert_eq!(assessed["certificate"]["occupation"], "elderly_care");
    assert_eq!(assessed["certificate"]["source"], "assessment");
    let listed = class
        .app
        .get_as(
            &class.worker,
            &format!("/api/v1/trainees/{trainee}/certificates"),
        )
        .await
        .ok_json(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let after = progression(&class.app, &class.worker, &trainee).await;
    assert_eq!(after[0]["occupation"], "elderly_care");
    assert_eq!(after[0]["current_level"], "L5");
    assert_eq!(after[0]["next_level"], "L4");
    assert_eq!(after[0]["eligible"], false);
    let lines: Vec<&str> = after[0]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["line"].as_str().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            "L4.work_24_months_since_L5",
            "L4.work_48_months",
            "L4.vocational_graduate"
        ]
    );

    let timeline = class
        .app
        .get_as(
            &class.worker,
            &format!("/api/v1/trainees/{trainee}/timeline"),
        )
        .await
        .ok_json(200);
    let kinds: Vec<&str> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    // In date order: the class ran before this test registered the person today.
    assert_eq!(
        kinds,
        [
            "enrolled",
            "completed",
            "assessed",
            "registered",
            "certified"
        ]
    );
}

#[actix_web::test]
async fn bad_assessments_are_refused_and_nothing_is_stored() {
    let (class, trainee, enrolment, agency) = completed().await;
    let id = uuid::Uuid::new_v4();
    let with = |changes: Value| {
        let mut body = pass(&agency, &number('5', today(), 2));
        body["id"] = json!(id);
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    assess(&class, &enrolment, &with(json!({"theory_score": 101})))
        .await
        .invalid_field("theory_score", "range");
    assess(&class, &enrolment, &with(json!({"practical_score": -1})))
        .await
        .invalid_field("practical_score", "range");
    let early = assess(
        &class,
        &enrolment,
        &with(json!({"assessed_on": today() - Duration::days(3)})),
    )
    .await
    .problem(422, "/problems/rule-violated");
    assert_eq!(early["errors"][0]["field"], "assessed_on");
    let mut body = with(json!({}));
    body["certificate"]["number"] = json!(number('4', today(), 2));
    assess(&class, &enrolment, &body)
        .await
        .invalid_field("certificate.number", "level_mismatch");
    body["certificate"]["number"] = json!("Y12345");
    assess(&class, &enrolment, &body)
        .await
        .invalid_field("certificate.number", "format");
    let mut body = with(json!({}));
    body["certificate"]["issued_on"] = json!(today() - Duration::days(2));
    let before = assess(&class, &enrolment, &body)
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(before["errors"][0]["field"], "certificate.issued_on");
    let failed_with_certificate = assess(&class, &enrolment, &with(json!({"passed": false})))
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(failed_with_certificate["errors"][0]["code"], "not_passed");
    let listed = class
        .app
        .get_as(
            &class.worker,
            &format!("/api/v1/trainees/{trainee}/certificates"),
        )
        .await
        .ok_json(200);
    assert_eq!(listed, json!([]));
    // None of the refusals stored the assessment: its id is still free.
    assess(&class, &enrolment, &with(json!({})))
        .await
        .ok_json(201);
    assess(&class, &enrolment, &with(json!({})))
        .await
        .ok_json(200);
}

#[actix_web::test]
async fn a_duplicate_number_is_409_and_only_completed_enrolments_are_assessed() {
    let (class, _, enrolment, agency) = completed().await;
    let n = number('5', today(), 3);
    let first = assess(&class, &enrolment, &pass(&agency, &n))
        .await
        .ok_json(201);
    let other = class.enrolled().await;
    let dup = assess(&class, &other, &pass(&agency, &n))
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(dup["errors"][0]["code"], "not_completed");
    // Retakes are kept; a retake cannot reuse a number.
    let taken = assess(&class, &enrolment, &pass(&agency, &n))
        .await
        .problem(409, "/problems/conflict");
    assert_eq!(taken["existing_id"], first["certificate"]["id"]);
    class
        .action(
            &other,
            "drop",
            "",
            json!({"dropped_on": today(), "reason": "外出务工"}),
        )
        .await
        .ok_json(200);
    let dropped = assess(&class, &other, &pass(&agency, &number('5', today(), 4)))
        .await
        .problem(422, "/problems/rule-violated");
    assert_eq!(dropped["errors"][0]["code"], "not_completed");
    let retake = json!({
        "agency_id": agency, "assessed_on": today(), "theory_score": 40,
        "practical_score": 55, "passed": false,
    });
    assess(&class, &enrolment, &retake).await.ok_json(201);
}

/// Registers a trainee of Liulin with `prior_care_work_months` and an L5 certificate earned
/// before the programme.
async fn with_l5(class: &Class, prior_months: i64) -> String {
    let mut body = new_trainee("141125");
    body["prior_care_work_months"] = json!(prior_months);
    let trainee = class
        .app
        .post_as(&class.worker, "/api/v1/trainees", &body)
        .await
        .ok_json(201);
    let id = trainee["id"].as_str().unwrap().to_owned();
    let issued = today() - Duration::days(200);
    let serial = usize::try_from(prior_months).unwrap() * 100 + rand_serial();
    class
        .app
        .post_as(
            &class.worker,
            &format!("/api/v1/trainees/{id}/certificates"),
            &json!({
                "number": number('5', issued, serial), "kind": "skill_level",
                "occupation": "elderly_care", "level": "L5", "issued_on": issued,
            }),
        )
        .await
        .ok_json(201);
    id
}

fn rand_serial() -> usize {
    usize::try_from(uuid::Uuid::new_v4().as_u128() % 90).unwrap()
}

#[actix_web::test]
async fn a_prior_certificate_is_checked_and_recorded() {
    let class = Class::new(json!({})).await;
    let trainee = class.trainee().await;
    let path = format!("/api/v1/trainees/{trainee}/certificates");
    let issued = NaiveDate::from_ymd_opt(2022, 6, 1).unwrap();
    let body = json!({
        "number": number('4', issued, 77), "kind": "skill_level",
        "occupation": "elderly_care", "level": "L5", "issued_on": issued,
    });
    class
        .app
        .post_as(&class.worker, &path, &body)
        .await
        .invalid_field("number", "level_mismatch");
    let mut good = body.clone();
    good["level"] = json!("L4");
    good["id"] = json!(uuid::Uuid::new_v4());
    let stored = class
        .app
        .post_as(&class.worker, &path, &good)
        .await
        .ok_json(201);
    assert_eq!(stored["source"], "prior");
    let again = class
        .app
        .post_as(&class.worker, &path, &good)
        .await
        .ok_json(200);
    assert_eq!(again, stored);
    let mut year = good.clone();
    year["id"] = json!(uuid::Uuid::new_v4());
    year["issued_on"] = json!("2023-06-01");
    class
        .app
        .post_as(&class.worker, &path, &year)
        .await
        .invalid_field("number", "year_mismatch");
    let standing = progression(&class.app, &class.worker, &trainee).await;
    assert_eq!(standing[0]["current_level"], "L4");
    assert_eq!(standing[0]["next_level"], "L3");
}

#[actix_web::test]
async fn the_level_gate_names_what_is_missing_and_only_a_manager_overrides_it() {
    let class = Class::new(json!({"level": "L4"})).await;
    let only_l5 = with_l5(&class, 0).await;
    let refused = class
        .enrol(&only_l5)
        .await
        .problem(422, "/problems/rule-violated");
    let errors = refused["errors"].as_array().unwrap();
    assert!(
        errors.iter().all(|e| e["code"] == "not_eligible"),
        "{refused}"
    );
    assert!(
        errors[0]["message"].as_str().unwrap().contains("24 months"),
        "{refused}"
    );
    let path = format!("/api/v1/cohorts/{}/enrolments", class.id());
    let body = json!({"trainee_id": only_l5, "override_reason": "县里特批：已在养老院工作两年"});
    class
        .app
        .post_as(&class.worker, &path, &body)
        .await
        .problem(403, "/problems/forbidden");
    assert!(class.enrolments().await.is_empty());
    let manager = class.app.manager(&["141125"]).await;
    let enrolled = class.app.post_as(&manager, &path, &body).await.ok_json(201);
    assert_eq!(enrolled["override_reason"], body["override_reason"]);
    let audit = class
        .app
        .get_as(&manager, "/api/v1/audit?limit=200")
        .await
        .ok_json(200);
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "override_level_gate" && e["entity_id"] == enrolled["id"]),
        "{audit}"
    );
    // Four years of declared care work make an L5 holder eligible for L4 on their own.
    let experienced = with_l5(&class, 48).await;
    let plain = class.enrol(&experienced).await.ok_json(201);
    assert_eq!(plain["override_reason"], Value::Null);
}

#[actix_web::test]
async fn candidates_are_the_eligible_not_yet_enrolled_of_the_callers_counties() {
    let class = Class::new(json!({"level": "L4", "status": "open"})).await;
    let eligible = with_l5(&class, 48).await;
    let not_yet = with_l5(&class, 0).await;
    let manager = class.app.manager(&["141125"]).await;
    let list = |actor: Actor| {
        let app = class.app.clone();
        async move {
            let page = app
                .get_as(
                    &actor,
                    "/api/v1/progression/candidates?level=L4&occupation=elderly_care",
                )
                .await
                .ok_json(200);
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["trainee_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(manager.clone()).await, std::slice::from_ref(&eligible));
    assert!(!list(manager.clone()).await.contains(&not_yet));
    let elsewhere = class.app.manager(&["141102"]).await;
    assert!(list(elsewhere).await.is_empty());
    // Declared work corrected on the record makes the other one a candidate as well.
    let path = format!("/api/v1/trainees/{not_yet}");
    class
        .app
        .patch_as(
            &class.worker,
            &path,
            "*",
            &json!({"prior_care_work_months": 60}),
        )
        .await
        .ok_json(200);
    let mut both = vec![eligible.clone(), not_yet.clone()];
    both.sort();
    assert_eq!(list(manager.clone()).await, both);
    class.enrol(&not_yet).await.ok_json(201);
    // Schooling in the field is a line of its own: no certificate needed for L4.
    let mut schooled = new_trainee("141125");
    schooled["education"] = json!("secondary_vocational");
    schooled["education_in_care"] = json!(true);
    let schooled = class
        .app
        .post_as(&class.worker, "/api/v1/trainees", &schooled)
        .await
        .ok_json(201);
    let schooled = schooled["id"].as_str().unwrap().to_owned();
    let mut listed = vec![eligible.clone(), schooled.clone()];
    listed.sort();
    assert_eq!(list(manager.clone()).await, listed);
    class.enrol(&eligible).await.ok_json(201);
    class.enrol(&schooled).await.ok_json(201);
    assert!(list(manager).await.is_empty());
    class
        .app
        .get_as(&class.worker, "/api/v1/progression/candidates?level=L9")
        .await
        .invalid_field("level", "invalid_choice");
}

#[actix_web::test]
async fn an_assessment_and_its_certificate_are_stored_together_or_not_at_all() {
    let (class, _, first, agency) = completed().await;
    let trainee = class.trainee().await;
    let second = class.enrol(&trainee).await.ok_json(201);
    let second = second["id"].as_str().unwrap().to_owned();
    // Both were present on the first four days (a register replaces its day).
    for d in 0..4 {
        class
            .register(today() - Duration::days(10 - d), &[&first, &second])
            .await
            .ok_json(200);
    }
    class
        .action(
            &second,
            "complete",
            "",
            json!({"completed_on": today() - Duration::days(2)}),
        )
        .await
        .ok_json(200);
    // Two phones record two passes with the same certificate number at once.
    let n = number('5', today(), 9);
    let ids = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()];
    let tasks: Vec<_> = [(&first, ids[0]), (&second, ids[1])]
        .into_iter()
        .map(|(enrolment, id)| {
            let mut body = pass(&agency, &n);
            body["id"] = json!(id);
            let (app, worker, path) = (
                class.app.clone(),
                class.worker.clone(),
                format!("/api/v1/enrolments/{enrolment}/assessments"),
            );
            actix_web::rt::spawn(async move { app.post_as(&worker, &path, &body).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [201, 409]);
    // The refused assessment was not stored without its certificate: its id is still free.
    let (loser, id) = if statuses[0] == 409 {
        (&first, ids[0])
    } else {
        (&second, ids[1])
    };
    let mut body = pass(&agency, &number('5', today(), 10));
    body["id"] = json!(id);
    assess(&class, loser, &body).await.ok_json(201);
}

#[actix_web::test]
async fn progression_and_certificates_of_another_county_are_not_found() {
    let (class, trainee, _, _) = completed().await;
    let stranger = class.app.manager(&["141102"]).await;
    for path in [
        format!("/api/v1/trainees/{trainee}/progression"),
        format!("/api/v1/trainees/{trainee}/certificates"),
    ] {
        class
            .app
            .get_as(&stranger, &path)
            .await
            .problem(404, "/problems/not-found");
    }
}

#[actix_web::test]
async fn candidates_of_one_county_follow_the_trainee_when_they_move() {
    let class = Class::new(json!({"level": "L4", "status": "open"})).await;
    let eligible = with_l5(&class, 48).await;
    let admin = class.app.admin().await;
    let of = |county: &'static str| {
        let (app, admin) = (class.app.clone(), admin.clone());
        async move {
            let page = app
                .get_as(
                    &admin,
                    &format!("/api/v1/progression/candidates?level=L4&county={county}"),
                )
                .await
                .ok_json(200);
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["trainee_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(of("141125").await, std::slice::from_ref(&eligible));
    assert!(of("141102").await.is_empty());
    class
        .app
        .patch_as(
            &admin,
            &format!("/api/v1/trainees/{eligible}"),
            "*",
            &json!({"county_code": "141102"}),
        )
        .await
        .ok_json(200);
    assert!(of("141125").await.is_empty());
    assert_eq!(of("141102").await, std::slice::from_ref(&eligible));
}
