//! The role × operation matrix: every operation of the OpenAPI document, called by every role
//! and by an anonymous caller, answers as the table says. A new operation missing from the table
//! fails the test.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::support::{ADMIN_PASSWORD, Actor, TestApp, TestResponse};

/// Expected statuses: admin, manager, field_staff, employer, anonymous.
type Expect = [u16; 5];

const PUBLIC: Expect = [200, 200, 200, 200, 200];
const SIGNED_IN: Expect = [200, 200, 200, 200, 401];
const ADMIN_ONLY: Expect = [200, 403, 403, 403, 401];
const NOT_EMPLOYERS: Expect = [200, 200, 200, 403, 401];
const REPORTS: Expect = [200, 200, 403, 403, 401];

/// The table: every operation and who may call it.
const MATRIX: &[(&str, &str, Expect)] = &[
    ("GET", "/healthz", PUBLIC),
    ("GET", "/readyz", PUBLIC),
    ("GET", "/api/v1/counties", PUBLIC),
    ("POST", "/api/v1/auth/login", PUBLIC),
    ("POST", "/api/v1/auth/refresh", PUBLIC),
    ("POST", "/api/v1/auth/logout", [204, 204, 204, 204, 401]),
    ("GET", "/api/v1/me", SIGNED_IN),
    // Every role syncs what it may read; each pushed operation is checked as its endpoint.
    ("GET", "/api/v1/sync/pull", SIGNED_IN),
    ("POST", "/api/v1/sync/push", SIGNED_IN),
    ("POST", "/api/v1/users", [201, 403, 403, 403, 401]),
    ("GET", "/api/v1/users", ADMIN_ONLY),
    ("GET", "/api/v1/users/{id}", ADMIN_ONLY),
    ("PATCH", "/api/v1/users/{id}", ADMIN_ONLY),
    ("POST", "/api/v1/providers", [201, 403, 403, 403, 401]),
    ("GET", "/api/v1/providers", NOT_EMPLOYERS),
    ("GET", "/api/v1/providers/{id}", NOT_EMPLOYERS),
    ("PATCH", "/api/v1/providers/{id}", ADMIN_ONLY),
    ("POST", "/api/v1/agencies", [201, 403, 403, 403, 401]),
    ("GET", "/api/v1/agencies", NOT_EMPLOYERS),
    ("GET", "/api/v1/agencies/{id}", NOT_EMPLOYERS),
    ("PATCH", "/api/v1/agencies/{id}", ADMIN_ONLY),
    ("POST", "/api/v1/employers", [201, 403, 403, 403, 401]),
    ("GET", "/api/v1/employers", SIGNED_IN),
    // An employer account reading another employer: 404, as if it did not exist.
    ("GET", "/api/v1/employers/{id}", [200, 200, 200, 404, 401]),
    ("PATCH", "/api/v1/employers/{id}", ADMIN_ONLY),
    ("GET", "/api/v1/audit", [200, 200, 403, 403, 401]),
    ("POST", "/api/v1/trainees", [201, 403, 201, 403, 401]),
    ("GET", "/api/v1/trainees", [200, 200, 200, 403, 401]),
    ("GET", "/api/v1/trainees/{id}", [200, 200, 200, 403, 401]),
    ("PATCH", "/api/v1/trainees/{id}", [200, 403, 200, 403, 401]),
    ("GET", "/api/v1/trainees/{id}/timeline", NOT_EMPLOYERS),
    ("POST", "/api/v1/cohorts", [201, 403, 201, 403, 401]),
    ("GET", "/api/v1/cohorts", NOT_EMPLOYERS),
    ("GET", "/api/v1/cohorts/{id}", NOT_EMPLOYERS),
    ("PATCH", "/api/v1/cohorts/{id}", [200, 403, 200, 403, 401]),
    (
        "POST",
        "/api/v1/cohorts/{id}/enrolments",
        [201, 201, 201, 403, 401],
    ),
    ("GET", "/api/v1/cohorts/{id}/enrolments", NOT_EMPLOYERS),
    (
        "PUT",
        "/api/v1/cohorts/{id}/attendance/{date}",
        [200, 403, 200, 403, 401],
    ),
    (
        "GET",
        "/api/v1/cohorts/{id}/attendance/{date}",
        NOT_EMPLOYERS,
    ),
    ("GET", "/api/v1/enrolments/{id}", NOT_EMPLOYERS),
    // Completing or dropping again with the same body answers the enrolment as it is.
    (
        "POST",
        "/api/v1/enrolments/{id}/complete",
        [200, 403, 200, 403, 401],
    ),
    (
        "POST",
        "/api/v1/enrolments/{id}/drop",
        [200, 403, 200, 403, 401],
    ),
    (
        "POST",
        "/api/v1/enrolments/{id}/assessments",
        [201, 201, 201, 403, 401],
    ),
    (
        "POST",
        "/api/v1/trainees/{id}/certificates",
        [201, 201, 201, 403, 401],
    ),
    ("GET", "/api/v1/trainees/{id}/certificates", NOT_EMPLOYERS),
    ("GET", "/api/v1/trainees/{id}/progression", NOT_EMPLOYERS),
    ("GET", "/api/v1/progression/candidates", NOT_EMPLOYERS),
    // The same placement (same id and body) again answers 200.
    ("POST", "/api/v1/placements", [201, 200, 200, 403, 401]),
    ("GET", "/api/v1/placements", SIGNED_IN),
    ("GET", "/api/v1/placements/{id}", SIGNED_IN),
    (
        "POST",
        "/api/v1/placements/{id}/confirm",
        [403, 403, 403, 200, 401],
    ),
    // Confirmed already: the employer does not dispute what it confirmed.
    (
        "POST",
        "/api/v1/placements/{id}/dispute",
        [403, 403, 403, 409, 401],
    ),
    // Not disputed: there is nothing for a manager to settle.
    (
        "POST",
        "/api/v1/placements/{id}/resolve",
        [409, 409, 403, 403, 401],
    ),
    (
        "POST",
        "/api/v1/placements/{id}/follow-ups",
        [201, 403, 201, 403, 401],
    ),
    ("GET", "/api/v1/placements/{id}/follow-ups", NOT_EMPLOYERS),
    ("GET", "/api/v1/follow-ups/due", NOT_EMPLOYERS),
    (
        "POST",
        "/api/v1/placements/{id}/end",
        [200, 200, 200, 403, 401],
    ),
    (
        "POST",
        "/api/v1/income-thresholds",
        [201, 201, 403, 403, 401],
    ),
    (
        "GET",
        "/api/v1/income-thresholds",
        [200, 200, 403, 403, 401],
    ),
    (
        "GET",
        "/api/v1/income-thresholds/{id}",
        [200, 200, 403, 403, 401],
    ),
    (
        "PATCH",
        "/api/v1/income-thresholds/{id}",
        [200, 200, 403, 403, 401],
    ),
    ("GET", "/api/v1/settings", [200, 200, 403, 403, 401]),
    ("PUT", "/api/v1/settings", [201, 403, 403, 403, 401]),
    // A correction of what was entered wrongly is the administrator's.
    (
        "POST",
        "/api/v1/income-thresholds/{id}/correct",
        [200, 403, 403, 403, 401],
    ),
    // The same target again answers 200.
    ("PUT", "/api/v1/targets/{year}", [201, 200, 403, 403, 401]),
    ("GET", "/api/v1/targets/{year}", [200, 200, 403, 403, 401]),
    ("GET", "/api/v1/reports/programme", REPORTS),
    ("GET", "/api/v1/reports/programme/breakdown", REPORTS),
    ("GET", "/api/v1/reports/programme/periods", REPORTS),
    // The admin issues the period's report; the manager's freeze finds it unchanged.
    (
        "POST",
        "/api/v1/reports/biweekly",
        [201, 200, 403, 403, 401],
    ),
    ("GET", "/api/v1/reports/biweekly", REPORTS),
    ("GET", "/api/v1/reports/biweekly/{id}", REPORTS),
    ("POST", "/api/v1/reports/rebuild", ADMIN_ONLY),
    ("GET", "/dashboard", PUBLIC),
];

struct World {
    actors: Vec<Option<Actor>>,
    user_id: String,
    other_employer: String,
    trainee_id: String,
    provider: String,
    agency: String,
    cohort: String,
    day: String,
    today: String,
    completed: String,
    completed_trainee: String,
    dropped: String,
    own_employer: String,
    placement: String,
    threshold: String,
    biweekly: String,
}

async fn call(
    app: &TestApp,
    world: &World,
    who: usize,
    method: &str,
    template: &str,
) -> TestResponse {
    let path = template
        .replace("/users/{id}", &format!("/users/{}", world.user_id))
        .replace(
            "/employers/{id}",
            &format!("/employers/{}", world.other_employer),
        )
        .replace("/trainees/{id}", &format!("/trainees/{}", world.trainee_id))
        .replace("/providers/{id}", &format!("/providers/{}", world.provider))
        .replace("/agencies/{id}", &format!("/agencies/{}", world.agency))
        .replace("/cohorts/{id}", &format!("/cohorts/{}", world.cohort))
        .replace("{date}", &world.day)
        .replace("{year}", "2023")
        .replace(
            "/enrolments/{id}/drop",
            &format!("/enrolments/{}/drop", world.dropped),
        )
        .replace(
            "/enrolments/{id}",
            &format!("/enrolments/{}", world.completed),
        )
        .replace(
            "/income-thresholds/{id}",
            &format!("/income-thresholds/{}", world.threshold),
        )
        .replace(
            "/placements/{id}",
            &format!("/placements/{}", world.placement),
        )
        .replace(
            "/progression/candidates",
            "/progression/candidates?level=L4",
        )
        .replace(
            "/reports/biweekly/{id}",
            &format!("/reports/biweekly/{}", world.biweekly),
        );
    let path = match (method, template) {
        ("GET", "/api/v1/reports/programme" | "/api/v1/reports/programme/periods") => {
            format!("{path}?year=2023&county=141125")
        }
        ("GET", "/api/v1/reports/programme/breakdown") => {
            format!("{path}?year=2023&by=cohort&county=141125")
        }
        ("GET", "/api/v1/reports/biweekly") => format!("{path}?county=141125"),
        _ => path,
    };
    let actor = world.actors[who].as_ref();
    let body: Option<Value> = match (method, template) {
        ("POST", "/api/v1/auth/login") => {
            Some(json!({"username": "admin", "password": ADMIN_PASSWORD}))
        }
        ("POST", "/api/v1/auth/refresh") => {
            let fresh = app.admin().await;
            Some(json!({"refresh_token": fresh.refresh_token}))
        }
        ("POST", "/api/v1/auth/logout") => Some(json!({
            "refresh_token": actor.map_or("none".to_owned(), |a| a.refresh_token.clone())
        })),
        ("POST", "/api/v1/sync/push") => Some(json!({"device_id": "matrix", "ops": []})),
        ("POST", "/api/v1/users") => Some(json!({
            "username": format!("u-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]),
            "display_name": "矩阵", "role": "field_staff", "county_codes": ["141125"],
            "password": "matrix-password",
        })),
        ("PATCH", "/api/v1/users/{id}") => Some(json!({"display_name": format!("改 {who}")})),
        ("PATCH", "/api/v1/trainees/{id}") => Some(json!({"township": format!("镇 {who}")})),
        ("POST", "/api/v1/providers" | "/api/v1/agencies" | "/api/v1/employers") => Some(json!({
            "name": "矩阵机构", "county_code": "141125", "credit_code": crate::support::credit_code(),
        })),
        (
            "PATCH",
            "/api/v1/providers/{id}" | "/api/v1/agencies/{id}" | "/api/v1/employers/{id}",
        ) => Some(json!({"contact_name": format!("联系人 {who}")})),
        ("POST", "/api/v1/cohorts") => Some(crate::support::builders::new_cohort(
            &world.provider,
            "141125",
        )),
        ("PATCH", "/api/v1/cohorts/{id}") => Some(json!({"name": format!("班 {who}")})),
        ("POST", "/api/v1/cohorts/{id}/enrolments") => {
            let admin = world.actors[0].as_ref().unwrap();
            let trainee = app
                .post_as(
                    admin,
                    "/api/v1/trainees",
                    &crate::support::builders::new_trainee("141125"),
                )
                .await
                .ok_json(201);
            Some(json!({"trainee_id": trainee["id"]}))
        }
        ("PUT", "/api/v1/cohorts/{id}/attendance/{date}") => {
            Some(json!({"present": [world.completed]}))
        }
        ("POST", "/api/v1/enrolments/{id}/complete") => Some(json!({"completed_on": world.today})),
        ("POST", "/api/v1/enrolments/{id}/assessments") => Some(json!({
            "agency_id": world.agency, "assessed_on": world.today, "theory_score": 50,
            "practical_score": 50, "passed": false,
        })),
        ("POST", "/api/v1/trainees/{id}/certificates") => Some(json!({
            "number": format!("1{:015}", uuid::Uuid::new_v4().as_u128() % 1_000_000_000_000_000),
            "kind": "skill_level", "occupation": "elderly_care", "level": "L5",
            "issued_on": "2020-05-01",
        })),
        ("POST", "/api/v1/enrolments/{id}/drop") => {
            Some(json!({"dropped_on": world.today, "reason": "外出务工"}))
        }
        ("POST", "/api/v1/trainees") => Some(crate::support::builders::new_trainee("141125")),
        ("POST", "/api/v1/placements") => Some(json!({
            "id": world.placement, "trainee_id": world.completed_trainee,
            "employer_id": world.own_employer, "occupation": "elderly_care",
            "position": "护理员", "work_city": "北京市", "start_date": world.today,
            "monthly_wage_fen": 450_000, "contract_type": "labour_contract",
        })),
        ("POST", "/api/v1/placements/{id}/confirm") => Some(json!({})),
        ("POST", "/api/v1/placements/{id}/dispute") => Some(json!({"reason": "查无此人"})),
        ("POST", "/api/v1/placements/{id}/resolve") => {
            Some(json!({"outcome": "overruled", "reason": "上门核实在岗"}))
        }
        ("POST", "/api/v1/placements/{id}/end") => {
            Some(json!({"ended_on": world.today, "reason": "合同期满"}))
        }
        ("POST", "/api/v1/placements/{id}/follow-ups") => Some(json!({
            "followed_up_on": world.today, "channel": "phone", "still_employed": true,
            "same_employer": true, "monthly_income_fen": 450_000,
        })),
        ("POST", "/api/v1/reports/rebuild") => Some(json!({})),
        ("POST", "/api/v1/reports/biweekly") => {
            Some(json!({"year": 2023, "period": 1, "county": "141125"}))
        }
        ("PUT", "/api/v1/targets/{year}") => Some(json!({
            "scope": "141125", "trained": 900, "certification_rate": 90, "employed": 540,
        })),
        ("PATCH", "/api/v1/income-thresholds/{id}") => {
            Some(json!({"source": format!("吕梁市民政局 {who}")}))
        }
        ("PUT", "/api/v1/settings") => Some(json!({
            "retirement_age_male": 60, "retirement_age_female": 55,
            "completion_attendance_percent": 80,
            "certified_kinds": ["skill_level", "special_ability"], "outcome_cutoff": "03-31",
            "employment_min_days": 31, "reason": "测试",
        })),
        ("POST", "/api/v1/income-thresholds/{id}/correct") => {
            Some(json!({"monthly_fen": 78_000, "reason": "单位录入错误"}))
        }
        ("POST", "/api/v1/income-thresholds") => Some(json!({
            "county_code": "141125", "monthly_fen": 80_000, "source": "吕梁市民政局",
            "valid_from": format!("{}-01-01", 2000 + who),
            "valid_to": format!("{}-12-31", 2000 + who),
        })),
        ("GET", _) => None,
        other => panic!("no request body for {other:?}: add one"),
    };
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app.request(method.clone(), &path);
    if let Some(actor) = actor {
        request = request.auth(actor);
    }
    if method == Method::PATCH {
        // The current version, read as the administrator.
        let admin = world.actors[0].as_ref().unwrap();
        let current = app.get_as(admin, &path).await;
        request = request.header("if-match", current.header("etag"));
    }
    match body {
        Some(body) => request.json(&body).await,
        None => request.send().await,
    }
}

#[actix_web::test]
async fn every_operation_answers_every_role_as_the_table_says() {
    let doc = serde_json::to_value(tracker::routes::openapi()).unwrap();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    let tabled: Vec<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    for op in &documented {
        assert!(
            tabled.contains(op),
            "{} {} is missing from the access matrix",
            op.0,
            op.1
        );
    }
    for op in &tabled {
        assert!(
            documented.contains(op),
            "{} {} is in the matrix but not in the API",
            op.0,
            op.1
        );
    }

    let app = TestApp::spawn().await;
    let own_employer = app.employer("本企业").await;
    let other_employer = app.employer("别的企业").await;
    let target = app.field_staff(&["141125"]).await;
    let admin = app.admin().await;
    let trainee = app
        .post_as(
            &admin,
            "/api/v1/trainees",
            &crate::support::builders::new_trainee("141125"),
        )
        .await
        .ok_json(201);
    let provider = app.organisation("providers", "矩阵培训学校").await;
    let agency = app.organisation("agencies", "矩阵评价机构").await;
    let today = tracker::domain::today_in_china();
    let day = today - chrono::Duration::days(1);
    let cohort = app
        .post_as(
            &admin,
            "/api/v1/cohorts",
            &json!({
                "code": "MATRIX-1", "name": "矩阵班", "provider_id": provider,
                "occupation": "elderly_care", "level": "L5", "county_code": "141125",
                "funding_type": "order_based", "mode": "in_person",
                "start_date": day, "end_date": today, "planned_days": 1, "planned_hours": 8,
                "capacity": 50, "status": "running",
            }),
        )
        .await
        .ok_json(201);
    let cohort = cohort["id"].as_str().unwrap().to_owned();
    let mut enrolments = Vec::new();
    let mut trainees = Vec::new();
    for _ in 0..2 {
        let trainee = app
            .post_as(
                &admin,
                "/api/v1/trainees",
                &crate::support::builders::new_trainee("141125"),
            )
            .await
            .ok_json(201);
        let enrolment = app
            .post_as(
                &admin,
                &format!("/api/v1/cohorts/{cohort}/enrolments"),
                // As of the cohort's first day, the day the register is taken.
                &json!({"trainee_id": trainee["id"], "enrolled_on": day}),
            )
            .await
            .ok_json(201);
        enrolments.push(enrolment["id"].as_str().unwrap().to_owned());
        trainees.push(trainee["id"].as_str().unwrap().to_owned());
    }
    app.request(
        Method::PUT,
        &format!("/api/v1/cohorts/{cohort}/attendance/{day}"),
    )
    .auth(&admin)
    .json(&json!({"present": [enrolments[0]]}))
    .await
    .ok_json(200);
    let threshold = app
        .post_as(
            &admin,
            "/api/v1/income-thresholds",
            &json!({"county_code": "141125", "monthly_fen": 80_000, "valid_from": "1990-01-01",
                    "valid_to": "1990-12-31", "source": "吕梁市民政局"}),
        )
        .await
        .ok_json(201);
    let biweekly = app
        .post_as(
            &admin,
            "/api/v1/reports/biweekly",
            &json!({"year": 2023, "period": 2, "county": "141125"}),
        )
        .await
        .ok_json(201);
    let world = World {
        biweekly: biweekly["id"].as_str().unwrap().to_owned(),
        actors: vec![
            Some(app.admin().await),
            Some(app.manager(&["141125"]).await),
            Some(app.field_staff(&["141125"]).await),
            Some(app.employer_user(&own_employer).await),
            None,
        ],
        user_id: target.id.clone(),
        other_employer,
        trainee_id: trainee["id"].as_str().unwrap().to_owned(),
        provider,
        agency,
        cohort,
        day: day.to_string(),
        today: today.to_string(),
        completed: enrolments[0].clone(),
        completed_trainee: trainees[0].clone(),
        dropped: enrolments[1].clone(),
        own_employer: own_employer.clone(),
        placement: uuid::Uuid::new_v4().to_string(),
        threshold: threshold["id"].as_str().unwrap().to_owned(),
    };
    let roles = ["admin", "manager", "field_staff", "employer", "anonymous"];
    let mut failures = Vec::new();
    for (method, template, expect) in MATRIX {
        // Sign-out ends the session: call it last for each role, after the rest of the table.
        if *template == "/api/v1/auth/logout" {
            continue;
        }
        for (who, role) in roles.iter().enumerate() {
            let response = call(&app, &world, who, method, template).await;
            if response.status != expect[who] {
                failures.push(format!(
                    "{method} {template} as {role}: {} (expected {})",
                    response.status, expect[who]
                ));
            }
        }
    }
    let logout = MATRIX
        .iter()
        .find(|(_, p, _)| *p == "/api/v1/auth/logout")
        .unwrap();
    for (who, role) in roles.iter().enumerate() {
        let response = call(&app, &world, who, logout.0, logout.1).await;
        if response.status != logout.2[who] {
            failures.push(format!(
                "POST /api/v1/auth/logout as {role}: {} (expected {})",
                response.status, logout.2[who]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "the access matrix is broken:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_access_table_names_every_documented_operation_and_no_other() {
    let doc = serde_json::to_value(tracker::routes::openapi()).unwrap();
    let mut documented: Vec<String> = Vec::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            documented.push(operation["operationId"].as_str().unwrap().to_owned());
        }
    }
    documented.sort();
    let mut tabled: Vec<String> = tracker::access::OPERATIONS
        .iter()
        .map(|(id, _)| (*id).to_owned())
        .collect();
    tabled.sort();
    assert_eq!(documented, tabled);
}

/// A role that may not call an operation is told so (naming the roles that may) before its body
/// is read: an employer's empty body is a 403, not a list of missing fields.
#[actix_web::test]
async fn a_refused_role_gets_403_before_its_body_is_validated() {
    let app = TestApp::spawn().await;
    let employer = app.employer("门外企业").await;
    let employer = app.employer_user(&employer).await;
    let manager = app.manager(&["141125"]).await;
    for (actor, path, roles) in [
        (&employer, "/api/v1/trainees", "admin, field_staff"),
        (&manager, "/api/v1/trainees", "admin, field_staff"),
        (
            &employer,
            "/api/v1/placements",
            "admin, manager, field_staff",
        ),
        (&manager, "/api/v1/users", "admin"),
    ] {
        let response = app.post_as(actor, path, &json!({})).await;
        let problem = response.problem(403, "/problems/forbidden");
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.ends_with(&format!("it is for: {roles}.")),
            "{detail}"
        );
        assert!(problem.get("errors").is_none_or(|e| e == &json!([])));
    }
    // Not signed in: 401 whatever the body, also one that is not JSON.
    let response = app
        .request(Method::POST, "/api/v1/trainees")
        .body("application/json", "{not json")
        .await;
    response.problem(401, "/problems/unauthenticated");
    // A role that may: the same empty body is read and its fields named.
    let staff = app.field_staff(&["141125"]).await;
    app.post_as(&staff, "/api/v1/trainees", &json!({}))
        .await
        .problem(422, "/problems/validation");
    // Nothing was stored by the refused requests.
    let list = app
        .get_as(&app.admin().await, "/api/v1/trainees")
        .await
        .ok_json(200);
    assert_eq!(list["items"], json!([]));
}

/// The service layer holds every operation to the access table and the caller's scope by
/// itself, without the HTTP gate: what the offline sync will run is checked the same way.
#[actix_web::test]
async fn service_operations_check_the_caller_without_the_gate() {
    use tracker::access::{Caller, Role};
    use tracker::error::AppError;

    let app = TestApp::spawn().await;
    let staff = app.field_staff(&["141125"]).await;
    let trainee = app
        .post_as(
            &staff,
            "/api/v1/trainees",
            &crate::support::builders::new_trainee("141125"),
        )
        .await
        .ok_json(201);
    let trainee_id = trainee["id"].as_str().unwrap().to_owned();
    let url = tracker::config::DatabaseUrl::parse(app.database_url()).unwrap();
    let db = tracker::db::Db::connect(&url, 1).unwrap();
    let caller = |role: Role, counties: &[&str]| Caller {
        id: uuid::Uuid::new_v4().to_string(),
        username: "service.test".into(),
        role,
        county_codes: counties.iter().map(|c| (*c).to_owned()).collect(),
        employer_id: None,
        request_id: uuid::Uuid::new_v4(),
    };
    let manager = caller(Role::Manager, &["141125"]);
    let elsewhere = caller(Role::FieldStaff, &["141126"]);
    let here = caller(Role::FieldStaff, &["141125"]);
    let rules = crate::support::test_config(app.database_url()).rules;
    let id = trainee_id.clone();
    let (refused, hidden, seen) = db
        .run(move |conn| {
            // Accounts are the administrator's: a manager is refused, naming who may.
            let account = tracker::service::users::NewAccount {
                id: uuid::Uuid::new_v4().to_string(),
                username: "not.created".into(),
                display_name: "未建".into(),
                role: Role::FieldStaff,
                county_codes: vec!["141125".into()],
                employer_id: None,
                active: true,
                password: "a-long-password".into(),
                password_hash: "unused".into(),
            };
            let refused = tracker::service::users::create(conn, &manager, account);
            // A trainee of another county is absent for a field worker elsewhere.
            let hidden = tracker::service::trainees::get(conn, &rules, &elsewhere, &id);
            let seen = tracker::service::trainees::get(conn, &rules, &here, &id);
            Ok((
                refused.err(),
                hidden.err(),
                seen.map(|(row, _)| row.trainee.id),
            ))
        })
        .await
        .unwrap();
    assert!(
        matches!(&refused, Some(AppError::ForRoles(roles)) if roles == "admin"),
        "{refused:?}"
    );
    assert!(matches!(hidden, Some(AppError::NotFound)), "{hidden:?}");
    assert_eq!(seen.unwrap(), trainee_id);
    // Nothing was stored by the refused call.
    let admin = app.admin().await;
    let users = app
        .get_as(&admin, "/api/v1/users?limit=200")
        .await
        .ok_json(200);
    assert!(
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["username"] != "not.created")
    );
}
