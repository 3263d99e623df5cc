//! Builders: the people, classes and placements most tests start from, arranged through the
//! API, so that a test says in a few lines what it checks.

use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::http::Method;
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use super::{Actor, TestApp, TestResponse};

static SEQUENCE: AtomicU32 = AtomicU32::new(0);

/// A valid identity number of `county` for someone born on `birth` (YYYYMMDD).
pub fn id_number(county: &str, birth: &str, female: bool) -> String {
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed) + std::process::id();
    let sex_digit = if female { (n % 5) * 2 } else { (n % 5) * 2 + 1 };
    let first17 = format!("{county}{birth}{:02}{sex_digit}", n % 100);
    let check = tracker::domain::id_number::check_character(first17.as_bytes()) as char;
    format!("{first17}{check}")
}

/// A unique mobile number.
pub fn phone() -> String {
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!(
        "139{:08}",
        (u64::from(n) * 7919 + u64::from(std::process::id())) % 100_000_000
    )
}

/// A registration body for a trainee of `county`, unique each call.
pub fn new_trainee(county: &str) -> Value {
    json!({
        "name": "王秀英",
        "id_number": id_number(county, "19800315", true),
        "phone": phone(),
        "county_code": county,
        "township": "穆村镇",
        "categories": ["rural_transfer"],
        "education": "junior_secondary",
    })
}

static CODES: AtomicU32 = AtomicU32::new(0);

pub fn today() -> NaiveDate {
    tracker::domain::today_in_china()
}

/// A cohort of `county` run by `provider`: running since ten days ago for another ten days,
/// 5 planned days (completion needs 4 at the default 80 %), 50 places; a fresh code each call.
pub fn new_cohort(provider: &str, county: &str) -> Value {
    let n = CODES.fetch_add(1, Ordering::Relaxed);
    json!({
        "code": format!("LL-{}-{n:03}", std::process::id()),
        "name": "养老护理员(五级)培训班",
        "provider_id": provider,
        "occupation": "elderly_care",
        "level": "L5",
        "county_code": county,
        "funding_type": "order_based",
        "mode": "in_person",
        "start_date": today() - Duration::days(10),
        "end_date": today() + Duration::days(10),
        "planned_days": 5,
        "planned_hours": 40,
        "capacity": 50,
        "status": "running",
    })
}

/// A field worker of Liulin, a provider, and a running cohort of Liulin with `changes` applied.
pub struct Class {
    pub app: TestApp,
    pub worker: Actor,
    pub cohort: Value,
}

impl Class {
    pub async fn new(changes: Value) -> Self {
        let app = TestApp::spawn().await;
        let worker = app.field_staff(&["141125"]).await;
        let provider = app.organisation("providers", "柳林县职业培训学校").await;
        let mut body = new_cohort(&provider, "141125");
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        let cohort = app
            .post_as(&worker, "/api/v1/cohorts", &body)
            .await
            .ok_json(201);
        Self {
            app,
            worker,
            cohort,
        }
    }

    pub fn id(&self) -> &str {
        self.cohort["id"].as_str().unwrap()
    }

    pub async fn trainee(&self) -> String {
        let body = self
            .app
            .post_as(&self.worker, "/api/v1/trainees", &new_trainee("141125"))
            .await
            .ok_json(201);
        body["id"].as_str().unwrap().to_owned()
    }

    /// Enrols `trainee` as of the cohort's first day.
    pub async fn enrol(&self, trainee: &str) -> TestResponse {
        self.app
            .post_as(
                &self.worker,
                &format!("/api/v1/cohorts/{}/enrolments", self.id()),
                &json!({"trainee_id": trainee, "enrolled_on": self.cohort["start_date"]}),
            )
            .await
    }

    pub async fn enrolled(&self) -> String {
        let trainee = self.trainee().await;
        let body = self.enrol(&trainee).await.ok_json(201);
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn register(&self, day: NaiveDate, present: &[&str]) -> TestResponse {
        self.app
            .put_as(
                &self.worker,
                &format!("/api/v1/cohorts/{}/attendance/{day}", self.id()),
                &json!({ "present": present }),
            )
            .await
    }

    pub async fn enrolment(&self, id: &str) -> Value {
        self.app
            .get_as(&self.worker, &format!("/api/v1/enrolments/{id}"))
            .await
            .ok_json(200)
    }

    pub async fn cohort_now(&self) -> Value {
        self.app
            .get_as(&self.worker, &format!("/api/v1/cohorts/{}", self.id()))
            .await
            .ok_json(200)
    }

    pub async fn enrolments(&self) -> Vec<Value> {
        let page = self
            .app
            .get_as(
                &self.worker,
                &format!("/api/v1/cohorts/{}/enrolments?limit=200", self.id()),
            )
            .await
            .ok_json(200);
        page["items"].as_array().unwrap().clone()
    }

    pub async fn action(&self, id: &str, action: &str, key: &str, body: Value) -> TestResponse {
        let mut request = self
            .app
            .request(
                actix_web::http::Method::POST,
                &format!("/api/v1/enrolments/{id}/{action}"),
            )
            .auth(&self.worker);
        if !key.is_empty() {
            request = request.header("idempotency-key", key);
        }
        request.json(&body).await
    }

    /// Marks `enrolment` present on `days` days of the cohort, one register each.
    pub async fn attend(&self, enrolment: &str, days: i64) {
        for d in 0..days {
            self.register(today() - Duration::days(10 - d), &[enrolment])
                .await
                .ok_json(200);
        }
    }
}

pub fn days_ago(n: i64) -> NaiveDate {
    today() - Duration::days(n)
}

/// A trainee of Liulin who completed, `completed` days ago, a cohort that ran from `completed +
/// 10` to `completed - 10` days ago; an employer and one of its users.
pub struct Trained {
    pub class: Class,
    pub trainee: String,
    pub enrolment: String,
    pub completed_on: NaiveDate,
    pub employer: String,
    pub boss: Actor,
}

impl Trained {
    pub async fn new(completed: i64) -> Self {
        let class = Class::new(json!({
            "start_date": days_ago(completed + 10),
            "end_date": days_ago(completed - 10),
        }))
        .await;
        let trainee = class.trainee().await;
        let enrolment = class.enrol(&trainee).await.ok_json(201);
        let enrolment = enrolment["id"].as_str().unwrap().to_owned();
        for d in 0..4 {
            class
                .register(days_ago(completed + 10 - d), &[&enrolment])
                .await
                .ok_json(200);
        }
        class
            .action(
                &enrolment,
                "complete",
                "",
                json!({"completed_on": days_ago(completed)}),
            )
            .await
            .ok_json(200);
        let employer = class.app.employer("北京康养护理院").await;
        let boss = class.app.employer_user(&employer).await;
        Self {
            class,
            trainee,
            enrolment,
            completed_on: days_ago(completed),
            employer,
            boss,
        }
    }

    /// Another trainee who completed the same cohort on the same day.
    pub async fn another(&self) -> String {
        let trainee = self.class.trainee().await;
        let enrolment = self.class.enrol(&trainee).await.ok_json(201);
        let enrolment = enrolment["id"].as_str().unwrap();
        let first_day = self.completed_on - Duration::days(10);
        for d in 0..4 {
            self.class
                .register(first_day + Duration::days(d), &[&self.enrolment, enrolment])
                .await
                .ok_json(200);
        }
        self.class
            .action(
                enrolment,
                "complete",
                "",
                json!({"completed_on": self.completed_on}),
            )
            .await
            .ok_json(200);
        trainee
    }

    pub fn app(&self) -> &TestApp {
        &self.class.app
    }

    pub fn worker(&self) -> &Actor {
        &self.class.worker
    }

    pub fn body(&self, start: NaiveDate) -> Value {
        json!({
            "trainee_id": self.trainee,
            "employer_id": self.employer,
            "occupation": "elderly_care",
            "position": "养老护理员",
            "work_city": "北京市",
            "start_date": start,
            "monthly_wage_fen": 450_000,
            "contract_type": "labour_contract",
        })
    }

    pub async fn report(&self, body: &Value) -> TestResponse {
        self.app()
            .post_as(self.worker(), "/api/v1/placements", body)
            .await
    }

    /// A placement with the employer, reported, starting the day after completion.
    pub async fn placed(&self) -> String {
        let body = self.body(self.completed_on + Duration::days(1));
        let placement = self.report(&body).await.ok_json(201);
        placement["id"].as_str().unwrap().to_owned()
    }

    pub async fn act(
        &self,
        actor: &Actor,
        id: &str,
        action: &str,
        key: &str,
        body: Value,
    ) -> TestResponse {
        let mut request = self
            .app()
            .request(Method::POST, &format!("/api/v1/placements/{id}/{action}"))
            .auth(actor);
        if !key.is_empty() {
            request = request.header("idempotency-key", key);
        }
        request.json(&body).await
    }

    pub async fn follow_up(&self, placement: &str, body: Value) -> TestResponse {
        self.app()
            .post_as(
                self.worker(),
                &format!("/api/v1/placements/{placement}/follow-ups"),
                &body,
            )
            .await
    }

    pub async fn placements(&self, actor: &Actor) -> Vec<Value> {
        let page = self
            .app()
            .get_as(actor, "/api/v1/placements?limit=200")
            .await
            .ok_json(200);
        page["items"].as_array().unwrap().clone()
    }

    pub async fn employment(&self) -> Value {
        let trainee = self
            .app()
            .get_as(self.worker(), &format!("/api/v1/trainees/{}", self.trainee))
            .await
            .ok_json(200);
        trainee["employment"].clone()
    }

    pub async fn threshold(&self, monthly_fen: i64, from: &str, to: Option<&str>) -> TestResponse {
        let admin = self.app().admin().await;
        self.app()
            .post_as(
                &admin,
                "/api/v1/income-thresholds",
                &json!({
                    "county_code": "141125", "monthly_fen": monthly_fen, "valid_from": from,
                    "valid_to": to, "source": "吕梁市民政局",
                }),
            )
            .await
    }
}

pub fn still_there(on: NaiveDate, income: Option<i64>) -> Value {
    json!({
        "followed_up_on": on, "channel": "phone", "still_employed": true,
        "same_employer": true, "monthly_income_fen": income,
    })
}

/// A certificate number of the current form for `level` (digit 1–5) issued on `on`.
pub fn certificate_number(level: char, on: NaiveDate, serial: usize) -> String {
    format!("Y140114110100{:02}{level}{serial:06}", on.year() % 100)
}

/// A class with one trainee who completed it two days ago, and an evaluation agency:
/// `(class, trainee, enrolment, agency)`.
pub async fn completed() -> (Class, String, String, String) {
    let class = Class::new(json!({})).await;
    let trainee = class.trainee().await;
    let enrolment = class.enrol(&trainee).await.ok_json(201);
    let enrolment = enrolment["id"].as_str().unwrap().to_owned();
    class.attend(&enrolment, 4).await;
    class
        .action(
            &enrolment,
            "complete",
            "",
            json!({"completed_on": today() - Duration::days(2)}),
        )
        .await
        .ok_json(200);
    let agency = class
        .app
        .organisation("agencies", "吕梁市职业技能评价中心")
        .await;
    (class, trainee, enrolment, agency)
}

/// An assessment passed yesterday, with a skill-level certificate `number` issued today.
pub fn pass(agency: &str, number: &str) -> Value {
    json!({
        "agency_id": agency,
        "assessed_on": today() - Duration::days(1),
        "theory_score": 82,
        "practical_score": 90,
        "passed": true,
        "certificate": {"number": number, "kind": "skill_level", "issued_on": today()},
    })
}
