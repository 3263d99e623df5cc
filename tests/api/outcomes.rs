//! Outcomes counted for the year that trained them: a certificate of January counted for the
//! year before until its cut-off, a certificate held before the course, retention at the
//! current job, follow-up completeness by window, and a report that says when it is
//! provisional. Each a past year built through the API.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use crate::support::builders::{certificate_number, new_cohort, new_trainee, today};
use crate::support::{Actor, TestApp};

fn day(year: i32, month: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, d).unwrap()
}

/// The year before last: its outcome cut-off (31 March of last year) has passed.
fn year() -> i32 {
    today().year() - 2
}

struct World {
    app: TestApp,
    admin: Actor,
    worker: Actor,
    provider: String,
    agency: String,
}

impl World {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        Self::on(app).await
    }

    async fn on(app: TestApp) -> Self {
        let admin = app.admin().await;
        let worker = app
            .field_staff(&["141102", "141125", "141126", "141127"])
            .await;
        let provider = app.organisation("providers", "吕梁市护理学校").await;
        let agency = app.organisation("agencies", "吕梁市职业技能评价中心").await;
        Self {
            app,
            admin,
            worker,
            provider,
            agency,
        }
    }

    async fn post(&self, actor: &Actor, path: &str, body: Value) -> Value {
        let response = self.app.post_as(actor, path, &body).await;
        assert!(
            matches!(response.status, 200 | 201),
            "POST {path} {body}: {} {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        );
        response.json()
    }

    /// A trainee of `county` who attended the cohort from `start` and completed it on `end`:
    /// (trainee, enrolment).
    async fn trained(&self, county: &str, start: NaiveDate, end: NaiveDate) -> (String, String) {
        let (trainee, enrolment, _) = self.trained_in(county, start, end).await;
        (trainee, enrolment)
    }

    /// [`World::trained`], with the cohort's id.
    async fn trained_in(
        &self,
        county: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> (String, String, String) {
        let mut cohort = new_cohort(&self.provider, county);
        cohort["start_date"] = json!(start);
        cohort["end_date"] = json!(end);
        let cohort = self.post(&self.admin, "/api/v1/cohorts", cohort).await;
        let cohort = cohort["id"].as_str().unwrap().to_owned();
        let trainee = self
            .post(&self.worker, "/api/v1/trainees", new_trainee(county))
            .await;
        let trainee = trainee["id"].as_str().unwrap().to_owned();
        let enrolment = self
            .post(
                &self.worker,
                &format!("/api/v1/cohorts/{cohort}/enrolments"),
                json!({"trainee_id": trainee, "enrolled_on": start}),
            )
            .await;
        let enrolment = enrolment["id"].as_str().unwrap().to_owned();
        for d in 0..4 {
            self.app
                .put_as(
                    &self.worker,
                    &format!(
                        "/api/v1/cohorts/{cohort}/attendance/{}",
                        start + Duration::days(d)
                    ),
                    &json!({"present": [enrolment]}),
                )
                .await
                .ok_json(200);
        }
        self.post(
            &self.worker,
            &format!("/api/v1/enrolments/{enrolment}/complete"),
            json!({"completed_on": end}),
        )
        .await;
        (trainee, enrolment, cohort)
    }

    async fn threshold(&self, county: &str) {
        self.post(
            &self.admin,
            "/api/v1/income-thresholds",
            json!({"county_code": county, "monthly_fen": 100_000,
                   "valid_from": day(year() - 1, 1, 1), "source": "民政局"}),
        )
        .await;
    }

    async fn report(&self, county: &str) -> Value {
        self.app
            .get_as(
                &self.admin,
                &format!("/api/v1/reports/programme?year={}&county={county}", year()),
            )
            .await
            .ok_json(200)
    }
}

fn value(report: &Value, figure: &str) -> Value {
    report["figures"][figure]["value"].clone()
}

#[actix_web::test]
async fn a_january_certificate_counts_for_the_year_before_until_the_cut_off_and_not_after() {
    let w = World::new().await;
    let y = year();
    // Cohort ends 25 November; the certificate is issued on 5 January.
    let (_, enrolment) = w.trained("141102", day(y, 10, 30), day(y, 11, 25)).await;
    w.post(
        &w.worker,
        &format!("/api/v1/enrolments/{enrolment}/assessments"),
        json!({"agency_id": w.agency, "assessed_on": day(y, 12, 20), "theory_score": 80,
               "practical_score": 85, "passed": true,
               "certificate": {"number": certificate_number('5', day(y + 1, 1, 5), 7),
                               "kind": "skill_level", "issued_on": day(y + 1, 1, 5)}}),
    )
    .await;
    let report = w.report("141102").await;
    assert_eq!(report["as_of"], day(y + 1, 3, 31).to_string());
    assert_eq!(value(&report, "certified"), 1);
    assert_eq!(value(&report, "certification_rate"), 100);
    // With the cut-off on 4 January, the same certificate comes too late for the year.
    w.app
        .request(actix_web::http::Method::PUT, "/api/v1/settings")
        .auth(&w.admin)
        .json(&json!({
            "retirement_age_male": 60, "retirement_age_female": 55,
            "completion_attendance_percent": 80,
            "certified_kinds": ["skill_level", "special_ability"], "outcome_cutoff": "01-04",
            "employment_min_days": 30, "reason": "补贴申报截止日提前",
        }))
        .await
        .ok_json(201);
    let report = w.report("141102").await;
    assert_eq!(report["as_of"], day(y + 1, 1, 4).to_string());
    assert_eq!(value(&report, "certified"), 0);
    assert_eq!(value(&report, "trained"), 1);
}

#[actix_web::test]
async fn a_certificate_held_before_the_course_is_already_certified() {
    let w = World::new().await;
    let y = year();
    let (trainee, _) = w.trained("141127", day(y, 5, 4), day(y, 5, 29)).await;
    w.post(
        &w.worker,
        &format!("/api/v1/trainees/{trainee}/certificates"),
        json!({"number": "1234567890123456", "kind": "skill_level", "occupation": "elderly_care",
               "level": "L5", "issued_on": day(y - 3, 6, 1)}),
    )
    .await;
    let report = w.report("141127").await;
    assert_eq!(value(&report, "certified"), 0);
    assert_eq!(value(&report, "already_certified"), 1);
    assert_eq!(value(&report, "certification_rate"), 0);
}

#[actix_web::test]
async fn retention_is_at_the_current_job_not_a_past_one() {
    let w = World::new().await;
    let y = year();
    w.threshold("141125").await;
    let (trainee, _) = w.trained("141125", day(y, 1, 5), day(y, 1, 30)).await;
    let a = w.app.employer("柳林县康养中心").await;
    let a_boss = w.app.employer_user(&a).await;
    let b = w.app.employer("太原颐养中心").await;
    // Nine months at A, from February; then, found by a call in November, B.
    let placement = w
        .post(
            &w.worker,
            "/api/v1/placements",
            json!({"trainee_id": trainee, "employer_id": a, "occupation": "elderly_care",
                   "position": "护理员", "work_city": "柳林县", "start_date": day(y, 2, 1),
                   "monthly_wage_fen": 300_000, "contract_type": "labour_contract"}),
        )
        .await;
    let id = placement["id"].as_str().unwrap();
    w.post(
        &a_boss,
        &format!("/api/v1/placements/{id}/confirm"),
        json!({}),
    )
    .await;
    w.post(
        &w.worker,
        &format!("/api/v1/placements/{id}/follow-ups"),
        json!({"followed_up_on": day(y, 11, 5), "channel": "phone", "still_employed": true,
               "same_employer": false, "monthly_income_fen": 350_000,
               "new_work": {"employer_id": b, "started_on": day(y, 11, 1),
                            "monthly_income_fen": 350_000}}),
    )
    .await;
    let report = w.report("141125").await;
    assert_eq!(value(&report, "employed_now"), 1);
    // Five months at B by 31 March: not retained, though A had seven in the last twelve.
    assert_eq!(value(&report, "retained"), 0);
    assert_eq!(value(&report, "retention_rate"), 0);
    assert_eq!(value(&report, "employed"), 1);
}

#[actix_web::test]
async fn eleven_follow_ups_of_twelve_windows_are_ninety_two_percent() {
    let w = World::new().await;
    let y = year();
    w.threshold("141126").await;
    let (trainee, _) = w.trained("141126", day(y, 1, 5), day(y, 1, 30)).await;
    let start = day(y, 2, 1);
    let placement = w
        .post(
            &w.worker,
            "/api/v1/placements",
            json!({"trainee_id": trainee, "household": {"name": "张女士", "phone": "13800138000"},
                   "occupation": "elderly_care", "position": "住家护理", "work_city": "石楼县",
                   "start_date": start, "monthly_wage_fen": 300_000,
                   "contract_type": "household_service"}),
        )
        .await;
    let id = placement["id"].as_str().unwrap();
    // A call in each 30-day window but the fifth.
    for k in 1..=12 {
        if k != 5 {
            w.post(
                &w.worker,
                &format!("/api/v1/placements/{id}/follow-ups"),
                json!({"followed_up_on": start + Duration::days(30 * k - 3), "channel": "phone",
                       "still_employed": true, "same_employer": true}),
            )
            .await;
        }
    }
    // The work ended within the thirteenth window: twelve fell due.
    w.post(
        &w.worker,
        &format!("/api/v1/placements/{id}/end"),
        json!({"ended_on": start + Duration::days(370), "reason": "老人去世"}),
    )
    .await;
    let report = w.report("141126").await;
    assert_eq!(value(&report, "follow_up_windows_due"), 12);
    assert_eq!(value(&report, "follow_up_windows_recorded"), 11);
    assert_eq!(value(&report, "follow_up_completeness"), 91.67);
    assert_eq!(value(&report, "follow_ups_overdue"), 0);
    assert_eq!(value(&report, "employed"), 1);
    assert_eq!(value(&report, "employed_now"), 0);
}

#[actix_web::test]
async fn a_report_before_the_cut_off_is_provisional() {
    let w = World::new().await;
    let this_year = today().year();
    let report = w
        .app
        .get_as(
            &w.admin,
            &format!("/api/v1/reports/programme?year={this_year}&county=141125"),
        )
        .await
        .ok_json(200);
    assert_eq!(report["as_of"], today().to_string());
    assert_eq!(report["provisional"], true);
    assert_eq!(
        report["outcome_cutoff"],
        day(this_year + 1, 3, 31).to_string()
    );
    assert_eq!(w.report("141125").await["provisional"], false);
}

#[actix_web::test]
async fn a_report_frozen_under_earlier_rules_stays_as_issued_and_a_new_freeze_revises_it() {
    use diesel::RunQueryDsl;
    let w = World::new().await;
    let y = year();
    w.trained("141125", day(y, 3, 2), day(y, 3, 27)).await;
    let freeze = json!({"year": y, "period": 8, "county": "141125"});
    let first = w
        .post(&w.admin, "/api/v1/reports/biweekly", freeze.clone())
        .await;
    assert_eq!(first["revision"], 1);
    let id = first["id"].as_str().unwrap();
    // As the first version of the rules froze it: other figures, other names.
    let old = json!({
        "trained": {"value": 1}, "follow_up_due": {"value": 0}, "follow_up_recorded": {"value": 0},
    });
    let url = tracker::config::DatabaseUrl::parse(w.app.database_url()).unwrap();
    let mut conn = tracker::db::ConnectionManager::new(url)
        .establish()
        .unwrap();
    diesel::sql_query(format!(
        "UPDATE biweekly_reports SET figures = '{old}', breakdowns = '{{\"county\": []}}' \
         WHERE id = '{id}'"
    ))
    .execute(&mut conn)
    .unwrap();
    let kept = w
        .app
        .get_as(&w.admin, &format!("/api/v1/reports/biweekly/{id}"))
        .await
        .ok_json(200);
    assert_eq!(kept["figures"], old);
    let csv = w
        .app
        .request(
            actix_web::http::Method::GET,
            &format!("/api/v1/reports/biweekly/{id}"),
        )
        .auth(&w.admin)
        .header("accept", "text/csv")
        .send()
        .await;
    assert_eq!(csv.status, 200);
    assert!(String::from_utf8_lossy(&csv.body).contains("follow_up_due"));
    // Frozen again under today's rules: a revision, the one before kept.
    let revised = w
        .app
        .post_as(&w.admin, "/api/v1/reports/biweekly", &freeze)
        .await
        .ok_json(201);
    assert_eq!(revised["revision"], 2);
    assert_eq!(revised["figures"]["trained"]["value"], 1);
    assert!(revised["figures"]["follow_up_windows_due"].is_object());
    let kept = w
        .app
        .get_as(&w.admin, &format!("/api/v1/reports/biweekly/{id}"))
        .await
        .ok_json(200);
    assert_eq!(kept["figures"], old);
}

#[actix_web::test]
async fn a_threshold_entered_wrongly_is_corrected_with_a_reason_and_the_figures_follow() {
    let w = World::new().await;
    let y = year();
    let (trainee, _) = w.trained("141125", day(y, 1, 5), day(y, 1, 30)).await;
    let employer = w.app.employer("柳林县康养中心").await;
    let boss = w.app.employer_user(&employer).await;
    let placement = w
        .post(
            &w.worker,
            "/api/v1/placements",
            json!({"trainee_id": trainee, "employer_id": employer, "occupation": "elderly_care",
                   "position": "护理员", "work_city": "柳林县", "start_date": day(y, 2, 1),
                   "monthly_wage_fen": 300_000, "contract_type": "labour_contract"}),
        )
        .await;
    let id = placement["id"].as_str().unwrap();
    w.post(
        &boss,
        &format!("/api/v1/placements/{id}/confirm"),
        json!({}),
    )
    .await;
    // 780 yuan meant (78,000 fen), entered as 780,000 fen (7,800 yuan): above the wage.
    let threshold = w
        .post(
            &w.admin,
            "/api/v1/income-thresholds",
            json!({"county_code": "141125", "monthly_fen": 780_000,
                   "valid_from": day(y - 1, 1, 1), "source": "柳林县民政局"}),
        )
        .await;
    let threshold = threshold["id"].as_str().unwrap().to_owned();
    let report = w.report("141125").await;
    assert_eq!(value(&report, "employed"), 0);
    assert_eq!(value(&report, "employed_below_threshold"), 1);
    let path = format!("/api/v1/income-thresholds/{threshold}/correct");
    // A manager may close a period, not correct one; a reason is needed.
    let manager = w.app.manager(&["141125"]).await;
    let correction = json!({"monthly_fen": 78_000, "reason": "单位录入错误：应为780元"});
    w.app
        .post_as(&manager, &path, &correction)
        .await
        .problem(403, "/problems/forbidden");
    w.app
        .post_as(&w.admin, &path, &json!({"monthly_fen": 78_000}))
        .await
        .invalid_field("reason", "required");
    let corrected = w.post(&w.admin, &path, correction.clone()).await;
    assert_eq!(corrected["monthly_fen"], 78_000);
    assert_eq!(corrected["correction_reason"], "单位录入错误：应为780元");
    assert!(corrected["corrected_at"].is_string());
    assert_eq!(corrected["version"], 2);
    // The figures follow, for every day: employed from the start.
    let report = w.report("141125").await;
    assert_eq!(value(&report, "employed"), 1);
    assert_eq!(value(&report, "employed_below_threshold"), 0);
    // The same correction again changes nothing.
    let again = w.post(&w.admin, &path, correction).await;
    assert_eq!(again["version"], 2);
    // Its dates too: the corrected period may not end before it starts.
    w.app
        .post_as(
            &w.admin,
            &path,
            &json!({"valid_to": day(y - 2, 1, 1), "reason": "期限录入错误"}),
        )
        .await
        .problem(409, "/problems/conflict");
    let audit = w
        .app
        .get_as(&w.admin, &format!("/api/v1/audit?entity_id={threshold}"))
        .await
        .ok_json(200);
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["action"] == "correct"),
        "{audit}"
    );
}

#[actix_web::test]
async fn a_cohort_moved_to_another_county_takes_its_trainees_figures_with_it() {
    let w = World::new().await;
    let y = year();
    let (_, _, cohort) = w.trained_in("141127", day(y, 5, 4), day(y, 5, 29)).await;
    assert_eq!(value(&w.report("141127").await, "trained"), 1);
    let read = w
        .app
        .get_as(&w.admin, &format!("/api/v1/cohorts/{cohort}"))
        .await;
    let etag = read.header("etag").to_owned();
    w.app
        .patch_as(
            &w.admin,
            &format!("/api/v1/cohorts/{cohort}"),
            &etag,
            &json!({"county_code": "141128"}),
        )
        .await
        .ok_json(200);
    assert_eq!(value(&w.report("141127").await, "trained"), 0);
    assert_eq!(value(&w.report("141128").await, "trained"), 1);
}
