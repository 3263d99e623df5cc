//! Programme reports: a year of one county built through the API, its figures checked against
//! a count made here from what was built; by group; two-weekly reports frozen and revised; CSV;
//! a rebuild of the kept data from scratch that finds the same figures; who may read what.

use std::collections::BTreeMap;

use actix_web::http::Method;
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use crate::support::builders::{certificate_number, id_number, new_cohort, new_trainee, today};
use crate::support::{Actor, TestApp};

const LIULIN: &str = "141125";
const SHILOU: &str = "141126";
const ALL_COUNTIES: [&str; 13] = [
    "141102", "141121", "141122", "141123", "141124", "141125", "141126", "141127", "141128",
    "141129", "141130", "141181", "141182",
];

fn day(year: i32, month: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, d).unwrap()
}

/// What happens to the i-th trainee of the scenario, by `i % 10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Drops out.
    Dropped,
    /// Completes; nothing more.
    Completed,
    /// Completes and fails the assessment.
    Failed,
    /// Completes, passes, is placed, confirmed, followed up every month (some ended in October).
    FollowedUp,
    /// Completes, passes, is placed and confirmed; never followed up.
    Confirmed,
    /// Completes, passes, is placed; the employer disputes it.
    Disputed,
    /// Completes, passes, is placed and confirmed at a wage below the threshold.
    BelowThreshold,
    /// Completes, passes, works for a household, verified by a follow-up.
    Household,
    /// Completes, passes, is placed; the employer never answers.
    Reported,
    /// Completes, passes; not placed.
    Unplaced,
}

fn fate(i: usize) -> Fate {
    [
        Fate::Dropped,
        Fate::Completed,
        Fate::Failed,
        Fate::FollowedUp,
        Fate::Confirmed,
        Fate::Disputed,
        Fate::BelowThreshold,
        Fate::Household,
        Fate::Reported,
        Fate::Unplaced,
    ][i % 10]
}

/// The trainees of the scenario.
const TRAINEES: usize = 100;

/// The first 60 take cohort A (March), the others cohort B (June).
fn in_a(i: usize) -> bool {
    i < 60
}

/// Followed-up trainees whose job ended in October.
fn ended(i: usize) -> bool {
    i % 20 == 3
}

/// Trainees of cohort A who also complete the L4 cohort C in September.
const INTERMEDIATE: [usize; 3] = [3, 13, 33];

/// The trainee whose completion arrives late, after the first two-weekly report.
const LATE: usize = 1;

struct Scenario {
    app: TestApp,
    year: i32,
    admin: Actor,
    worker: Actor,
    manager: Actor,
    city_manager: Actor,
    trainees: Vec<String>,
    enrolments: Vec<String>,
    cohorts: BTreeMap<&'static str, String>,
    providers: [String; 2],
}

impl Scenario {
    async fn cohort(&self, provider: &str, county: &str, changes: Value) -> Value {
        let mut body = new_cohort(provider, county);
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.app
            .post_as(&self.admin, "/api/v1/cohorts", &body)
            .await
            .ok_json(201)
    }

    async fn post(&self, actor: &Actor, path: &str, body: Value) -> Value {
        let response = self.app.post_as(actor, path, &body).await;
        assert!(
            response.status == 200 || response.status == 201,
            "POST {path} {body}: {} {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        );
        response.json()
    }

    async fn register(&self, cohort: &Value, enrolments: &[String]) {
        let start: NaiveDate = cohort["start_date"].as_str().unwrap().parse().unwrap();
        for d in 0..4 {
            self.app
                .put_as(
                    &self.worker,
                    &format!(
                        "/api/v1/cohorts/{}/attendance/{}",
                        cohort["id"].as_str().unwrap(),
                        start + Duration::days(d)
                    ),
                    &json!({ "present": enrolments }),
                )
                .await
                .ok_json(200);
        }
    }

    async fn complete(&self, enrolment: &str, on: NaiveDate) {
        self.post(
            &self.worker,
            &format!("/api/v1/enrolments/{enrolment}/complete"),
            json!({"completed_on": on}),
        )
        .await;
    }

    async fn report(&self, actor: &Actor, query: &str) -> Value {
        self.app
            .get_as(actor, &format!("/api/v1/reports/programme?{query}"))
            .await
            .ok_json(200)
    }

    async fn breakdown(&self, actor: &Actor, query: &str) -> BTreeMap<String, Value> {
        let body = self
            .app
            .get_as(
                actor,
                &format!("/api/v1/reports/programme/breakdown?{query}"),
            )
            .await
            .ok_json(200);
        body["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (g["key"].as_str().unwrap().to_owned(), g["figures"].clone()))
            .collect()
    }
}

/// The first and last day of the i-th trainee's cohort (A in March, B in June).
fn course(year: i32, i: usize) -> (NaiveDate, NaiveDate) {
    if in_a(i) {
        (day(year, 3, 2), day(year, 3, 27))
    } else {
        (day(year, 6, 1), day(year, 6, 26))
    }
}

/// The first day of the i-th trainee's work: two weeks after the course.
fn start_work(year: i32, i: usize) -> NaiveDate {
    course(year, i).1 + Duration::days(14)
}

/// The last day of a followed-up trainee's work and follow-ups: 15 October for those whose
/// job ended, else 31 December.
fn last_follow_up(year: i32, i: usize) -> NaiveDate {
    if ended(i) {
        day(year, 10, 15)
    } else {
        day(year, 12, 31)
    }
}

/// The days of the i-th trainee's follow-ups: monthly from 20 days into the work for the
/// followed up, one 10 days in for a household.
fn follow_up_days(year: i32, i: usize) -> Vec<NaiveDate> {
    let start = start_work(year, i);
    match fate(i) {
        Fate::FollowedUp => {
            let mut days = Vec::new();
            let mut on = start + Duration::days(20);
            while on <= last_follow_up(year, i) {
                days.push(on);
                on += Duration::days(30);
            }
            days
        }
        Fate::Household => vec![start + Duration::days(10)],
        _ => Vec::new(),
    }
}

/// The scenario's year: the year before last, whose outcome cut-off (31 March of last year)
/// has passed whatever the day the test runs.
fn scenario_year() -> i32 {
    today().year() - 2
}

/// Builds the scenario: a past year of Liulin (and one trainee of Shilou), through the API.
async fn scenario() -> Scenario {
    let app = TestApp::spawn().await;
    let year = scenario_year();
    let admin = app.admin().await;
    let worker = app.field_staff(&[LIULIN, SHILOU]).await;
    let manager = app.manager(&[LIULIN]).await;
    let city_manager = app.manager(&ALL_COUNTIES).await;
    let providers = [
        app.organisation("providers", "柳林县职业培训学校").await,
        app.organisation("providers", "吕梁市护理学校").await,
    ];
    let mut s = Scenario {
        app,
        year,
        admin,
        worker,
        manager,
        city_manager,
        trainees: Vec::new(),
        enrolments: Vec::new(),
        cohorts: BTreeMap::new(),
        providers,
    };
    let agency = s
        .app
        .organisation("agencies", "吕梁市职业技能评价中心")
        .await;
    let employer = s.app.employer("北京康养护理院").await;
    let boss = s.app.employer_user(&employer).await;
    s.post(
        &s.admin,
        "/api/v1/income-thresholds",
        json!({"county_code": LIULIN, "monthly_fen": 100_000, "valid_from": day(year, 1, 1),
               "source": "柳林县民政局"}),
    )
    .await;
    let a = s
        .cohort(
            &s.providers[0],
            LIULIN,
            json!({
                "start_date": day(year, 3, 2), "end_date": day(year, 3, 27), "capacity": 100,
            }),
        )
        .await;
    let b = s
        .cohort(
            &s.providers[1],
            LIULIN,
            json!({
                "occupation": "medical_care", "name": "医疗护理员培训班",
                "start_date": day(year, 6, 1), "end_date": day(year, 6, 26),
            }),
        )
        .await;
    for (name, cohort) in [("A", &a), ("B", &b)] {
        s.cohorts
            .insert(name, cohort["id"].as_str().unwrap().to_owned());
    }
    // Register and enrol.
    for i in 0..TRAINEES {
        let mut person = new_trainee(LIULIN);
        // Births spread over ten years: each one's ID number is its own.
        let birth = day(1975, 1, 1) + Duration::days(37 * i as i64);
        person["id_number"] = json!(id_number(
            LIULIN,
            &birth.format("%Y%m%d").to_string(),
            i % 2 == 0
        ));
        if i % 4 == 0 {
            person["categories"] = json!(["rural_transfer", "poverty_alleviated"]);
        }
        let trainee = s.post(&s.worker, "/api/v1/trainees", person).await;
        let trainee = trainee["id"].as_str().unwrap().to_owned();
        let cohort = if in_a(i) { &a } else { &b };
        let enrolment = s
            .post(
                &s.worker,
                &format!(
                    "/api/v1/cohorts/{}/enrolments",
                    cohort["id"].as_str().unwrap()
                ),
                json!({"trainee_id": trainee, "enrolled_on": cohort["start_date"]}),
            )
            .await;
        s.trainees.push(trainee);
        s.enrolments
            .push(enrolment["id"].as_str().unwrap().to_owned());
    }
    let (of_a, of_b): (Vec<usize>, Vec<usize>) = (0..TRAINEES).partition(|i| in_a(*i));
    let ids = |list: &[usize]| {
        list.iter()
            .map(|i| s.enrolments[*i].clone())
            .collect::<Vec<_>>()
    };
    s.register(&a, &ids(&of_a)).await;
    s.register(&b, &ids(&of_b)).await;
    // Complete or drop, assess, certify, place, follow up.
    for i in 0..TRAINEES {
        let (start, end) = course(year, i);
        let enrolment = s.enrolments[i].clone();
        let trainee = s.trainees[i].clone();
        if fate(i) == Fate::Dropped {
            s.post(
                &s.worker,
                &format!("/api/v1/enrolments/{enrolment}/drop"),
                json!({"dropped_on": start + Duration::days(5), "reason": "外出务工"}),
            )
            .await;
            continue;
        }
        if i != LATE {
            s.complete(&enrolment, end).await;
        }
        if matches!(fate(i), Fate::Dropped | Fate::Completed) {
            continue;
        }
        let passed = fate(i) != Fate::Failed;
        let mut assessment = json!({
            "agency_id": agency, "assessed_on": end + Duration::days(3),
            "theory_score": if passed { 85 } else { 40 }, "practical_score": 80, "passed": passed,
        });
        if passed {
            assessment["certificate"] = json!({
                "number": certificate_number('5', end, i), "kind": "skill_level",
                "issued_on": end + Duration::days(5),
            });
        }
        s.post(
            &s.worker,
            &format!("/api/v1/enrolments/{enrolment}/assessments"),
            assessment,
        )
        .await;
        let start_work = start_work(year, i);
        let mut placement = json!({
            "trainee_id": trainee, "employer_id": employer, "occupation": "elderly_care",
            "position": "养老护理员", "work_city": "北京市", "start_date": start_work,
            "monthly_wage_fen": 300_000, "contract_type": "labour_contract",
        });
        match fate(i) {
            Fate::Failed | Fate::Unplaced => continue,
            Fate::BelowThreshold => placement["monthly_wage_fen"] = json!(80_000),
            Fate::Household => {
                placement.as_object_mut().unwrap().remove("employer_id");
                placement["household"] = json!({"name": "张女士", "phone": "13800138000"});
                placement["contract_type"] = json!("household_service");
            }
            _ => {}
        }
        let placement = s.post(&s.worker, "/api/v1/placements", placement).await;
        let id = placement["id"].as_str().unwrap().to_owned();
        let path = |action: &str| format!("/api/v1/placements/{id}/{action}");
        match fate(i) {
            Fate::FollowedUp | Fate::Confirmed | Fate::BelowThreshold => {
                s.post(&boss, &path("confirm"), json!({})).await;
            }
            Fate::Disputed => {
                s.post(&boss, &path("dispute"), json!({"reason": "查无此人"}))
                    .await;
            }
            _ => {}
        }
        let follow_up = |on: NaiveDate, income: i64| {
            json!({"followed_up_on": on, "channel": "phone", "still_employed": true,
                   "same_employer": true, "monthly_income_fen": income})
        };
        for on in follow_up_days(year, i) {
            let income = if fate(i) == Fate::Household {
                200_000
            } else {
                300_000
            };
            s.post(&s.worker, &path("follow-ups"), follow_up(on, income))
                .await;
        }
        if fate(i) == Fate::FollowedUp && ended(i) {
            s.post(
                &s.worker,
                &path("end"),
                json!({"ended_on": last_follow_up(year, i), "reason": "合同到期"}),
            )
            .await;
        }
    }
    // Three of cohort A go on to the intermediate cohort C in September, by a manager's
    // override of the level gate.
    let c = s
        .cohort(
            &s.providers[0],
            LIULIN,
            json!({
                "level": "L4", "name": "养老护理员(四级)培训班",
                "start_date": day(year, 9, 1), "end_date": day(year, 9, 26),
            }),
        )
        .await;
    s.cohorts.insert("C", c["id"].as_str().unwrap().to_owned());
    let mut of_c = Vec::new();
    for i in INTERMEDIATE {
        let enrolment = s
            .post(
                &s.manager,
                &format!("/api/v1/cohorts/{}/enrolments", c["id"].as_str().unwrap()),
                json!({"trainee_id": s.trainees[i], "enrolled_on": c["start_date"],
                       "override_reason": "县里特批：进入中级班"}),
            )
            .await;
        of_c.push(enrolment["id"].as_str().unwrap().to_owned());
    }
    s.register(&c, &of_c).await;
    for enrolment in &of_c {
        s.complete(enrolment, day(year, 9, 26)).await;
    }
    // One trainee of Shilou, where no threshold is set: completes on 31 December, placed and
    // confirmed from that day (the year's last day counts in full).
    let d = s
        .cohort(
            &s.providers[0],
            SHILOU,
            json!({
                "start_date": day(year, 12, 1), "end_date": day(year, 12, 31),
            }),
        )
        .await;
    let shilou = s
        .post(&s.worker, "/api/v1/trainees", new_trainee(SHILOU))
        .await;
    let enrolment = s
        .post(
            &s.worker,
            &format!("/api/v1/cohorts/{}/enrolments", d["id"].as_str().unwrap()),
            json!({"trainee_id": shilou["id"], "enrolled_on": d["start_date"]}),
        )
        .await;
    let enrolment = enrolment["id"].as_str().unwrap().to_owned();
    s.register(&d, std::slice::from_ref(&enrolment)).await;
    s.complete(&enrolment, day(year, 12, 31)).await;
    let placement = s
        .post(
            &s.worker,
            "/api/v1/placements",
            json!({
                "trainee_id": shilou["id"], "employer_id": employer, "occupation": "elderly_care",
                "position": "护理员", "work_city": "太原市", "start_date": day(year, 12, 31),
                "monthly_wage_fen": 300_000, "contract_type": "labour_contract",
            }),
        )
        .await;
    s.post(
        &boss,
        &format!(
            "/api/v1/placements/{}/confirm",
            placement["id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await;
    s
}

/// The follow-up windows of work from `start` to `end` (or still going) that fell due from 1
/// January of `year` through `as_of`, and of those the ones with a follow-up: window k closes
/// on the 30k-th day after the start and holds the 30 days before.
fn windows(
    year: i32,
    start: NaiveDate,
    end: Option<NaiveDate>,
    follow_ups: &[NaiveDate],
    as_of: NaiveDate,
) -> (i64, i64) {
    let until = end.map_or(as_of, |end| end.min(as_of));
    let (mut due, mut recorded) = (0, 0);
    let mut closes = start + Duration::days(30);
    while closes <= until {
        if closes >= day(year, 1, 1) {
            due += 1;
            let opens = closes - Duration::days(30);
            recorded += i64::from(follow_ups.iter().any(|f| opens < *f && *f <= closes));
        }
        closes += Duration::days(30);
    }
    (due, recorded)
}

/// The figures of Liulin's year, counted here from the fates, as of the outcome cut-off (31
/// March of the year after).
fn expected(late_completed: bool) -> BTreeMap<&'static str, i64> {
    let year = scenario_year();
    let as_of = day(year + 1, 3, 31);
    let all: Vec<usize> = (0..TRAINEES).collect();
    let count = |f: &dyn Fn(usize) -> bool| all.iter().filter(|i| f(**i)).count() as i64;
    let trained_i = |i: usize| fate(i) != Fate::Dropped && (i != LATE || late_completed);
    // Thirty days at the threshold since the course: also those whose job ended in October.
    let employed_i = |i: usize| {
        matches!(
            fate(i),
            Fate::FollowedUp | Fate::Confirmed | Fate::Household
        )
    };
    // In work on 31 March: not those whose job ended.
    let employed_now_i = |i: usize| employed_i(i) && !(fate(i) == Fate::FollowedUp && ended(i));
    // Followed up, except the disputed.
    let placed_i = |i: usize| {
        matches!(
            fate(i),
            Fate::FollowedUp
                | Fate::Confirmed
                | Fate::BelowThreshold
                | Fate::Household
                | Fate::Reported
        )
    };
    let ended_on =
        |i: usize| (fate(i) == Fate::FollowedUp && ended(i)).then(|| last_follow_up(year, i));
    let windows_of = |i: usize| {
        windows(
            year,
            start_work(year, i),
            ended_on(i),
            &follow_up_days(year, i),
            as_of,
        )
    };
    let sum = |f: &dyn Fn(usize) -> i64| all.iter().map(|i| f(*i)).sum::<i64>();
    BTreeMap::from([
        ("trained", count(&trained_i)),
        ("dropped", count(&|i| fate(i) == Fate::Dropped)),
        (
            "assessed",
            count(&|i| trained_i(i) && !matches!(fate(i), Fate::Dropped | Fate::Completed)),
        ),
        (
            "certified",
            count(&|i| !matches!(fate(i), Fate::Dropped | Fate::Completed | Fate::Failed)),
        ),
        ("already_certified", 0),
        ("employed", count(&employed_i)),
        ("employed_now", count(&employed_now_i)),
        (
            "employed_below_threshold",
            count(&|i| fate(i) == Fate::BelowThreshold),
        ),
        ("income_unassessed", 0),
        // By 31 March, work from April and from July are both six months old.
        ("retained", count(&employed_now_i)),
        (
            "follow_up_windows_due",
            sum(&|i| if placed_i(i) { windows_of(i).0 } else { 0 }),
        ),
        (
            "follow_up_windows_recorded",
            sum(&|i| if placed_i(i) { windows_of(i).1 } else { 0 }),
        ),
        // Open and not followed up since January, or ever.
        (
            "follow_ups_overdue",
            count(&|i| placed_i(i) && ended_on(i).is_none()),
        ),
        ("intermediate_trained", INTERMEDIATE.len() as i64),
        ("advanced_trained", 0),
    ])
}

fn value(figures: &Value, name: &str) -> i64 {
    figures[name]["value"]
        .as_i64()
        .unwrap_or_else(|| panic!("{name}: {}", figures[name]))
}

fn assert_figures(figures: &Value, expected: &BTreeMap<&'static str, i64>) {
    let got: BTreeMap<&'static str, i64> = expected
        .keys()
        .map(|name| (*name, value(figures, name)))
        .collect();
    assert_eq!(&got, expected);
}

#[actix_web::test]
async fn a_year_of_one_county_adds_up_to_what_was_recorded() {
    let s = scenario().await;
    let year = s.year;
    let late_enrolment = s.enrolments[LATE].clone();

    // Liulin's manager and the administrator read the same figures for Liulin.
    let liulin = s
        .report(&s.manager, &format!("year={year}&county={LIULIN}"))
        .await;
    assert_eq!(liulin["scope"], LIULIN);
    // The outcome cut-off has passed: the report is as of it, and final.
    assert_eq!(liulin["as_of"], day(year + 1, 3, 31).to_string());
    assert_eq!(liulin["outcome_cutoff"], day(year + 1, 3, 31).to_string());
    assert_eq!(liulin["provisional"], false);
    assert_eq!(liulin["year_elapsed_percent"], 100.0);
    let before_late = expected(false);
    // The scenario tells the rules apart: work that ended in October is employed, not employed
    // now; some windows were followed up and some not.
    assert!(before_late["employed"] > before_late["employed_now"]);
    assert!(before_late["follow_up_windows_due"] > before_late["follow_up_windows_recorded"]);
    assert!(before_late["follow_up_windows_recorded"] > 0);
    assert_figures(&liulin["figures"], &before_late);
    let f = &liulin["figures"];
    let rate = |num: &str, den: &str| {
        let (n, d) = (value(f, num) as f64, value(f, den) as f64);
        ((10000.0 * n / d).round()) / 100.0
    };
    assert_eq!(
        f["certification_rate"]["value"].as_f64(),
        Some(rate("certified", "trained"))
    );
    assert_eq!(f["certification_rate"]["numerator"], value(f, "certified"));
    assert_eq!(
        f["retention_rate"]["value"].as_f64(),
        Some(rate("retained", "employed_now"))
    );
    assert_eq!(
        f["employment_rate"]["value"].as_f64(),
        Some(rate("employed", "trained"))
    );
    assert_eq!(
        f["follow_up_completeness"]["value"].as_f64(),
        Some(rate("follow_up_windows_recorded", "follow_up_windows_due"))
    );
    // Every figure defined, in Chinese and English.
    for (code, _) in f.as_object().unwrap() {
        let definition = &liulin["definitions"][code];
        assert!(
            definition["zh"].as_str().is_some_and(|t| !t.is_empty())
                && definition["en"].as_str().is_some_and(|t| !t.is_empty()),
            "{code}: {definition}"
        );
    }
    assert!(
        liulin["definitions"]["employed"]["en"]
            .as_str()
            .unwrap()
            .contains("minimum living guarantee")
    );
    assert!(
        liulin["definitions"]["employed"]["zh"]
            .as_str()
            .unwrap()
            .contains("低保")
    );
    let by_admin = s
        .report(&s.admin, &format!("year={year}&county={LIULIN}"))
        .await;
    assert_eq!(by_admin["figures"], liulin["figures"]);

    // The city adds Shilou's trainee: trained, in work from 31 December, and with no threshold
    // in Shilou, income unassessed; three windows due by 31 March, none followed up.
    let city = s.report(&s.city_manager, &format!("year={year}")).await;
    assert_eq!(city["scope"], "city");
    let mut city_expected = before_late.clone();
    for (figure, more) in [
        ("trained", 1),
        ("income_unassessed", 1),
        ("follow_up_windows_due", 3),
        ("follow_ups_overdue", 1),
    ] {
        *city_expected.get_mut(figure).unwrap() += more;
    }
    assert_figures(&city["figures"], &city_expected);

    // Targets: the year's city target against a full year elapsed.
    s.app
        .put_as(
            &s.admin,
            &format!("/api/v1/targets/{year}"),
            &json!({"scope": "city", "trained": 100, "certification_rate": 90, "employed": 20}),
        )
        .await
        .ok_json(201);
    let city = s.report(&s.admin, &format!("year={year}")).await;
    let trained = &city["figures"]["trained"];
    assert_eq!(trained["target"], 100);
    assert_eq!(
        trained["on_track"],
        value(&city["figures"], "trained") >= 100
    );
    assert_eq!(
        city["figures"]["employed"]["on_track"],
        value(&city["figures"], "employed") >= 20
    );
    assert_eq!(city["figures"]["certification_rate"]["target"], 90);
    assert!(city["figures"]["dropped"].get("target").is_none());

    // By group.
    let q = |by: &str| format!("year={year}&by={by}&county={LIULIN}");
    let cohorts = s.breakdown(&s.manager, &q("cohort")).await;
    let (a, b, c) = (&s.cohorts["A"], &s.cohorts["B"], &s.cohorts["C"]);
    let count_a = (0..TRAINEES)
        .filter(|i| in_a(*i) && fate(*i) != Fate::Dropped && *i != LATE)
        .count() as i64;
    assert_eq!(value(&cohorts[a], "trained"), count_a);
    assert_eq!(
        value(&cohorts[b], "trained"),
        before_late["trained"] - count_a
    );
    assert_eq!(value(&cohorts[c], "trained"), 3);
    assert_eq!(value(&cohorts[c], "intermediate_trained"), 3);
    // An L5 certificate does not certify an L4 course.
    assert_eq!(value(&cohorts[c], "certified"), 0);
    assert_eq!(value(&cohorts[a], "intermediate_trained"), 0);
    let providers = s.breakdown(&s.manager, &q("provider")).await;
    assert_eq!(value(&providers[&s.providers[0]], "trained"), count_a);
    assert_eq!(
        value(&providers[&s.providers[0]], "intermediate_trained"),
        3
    );
    assert_eq!(
        value(&providers[&s.providers[1]], "trained"),
        before_late["trained"] - count_a
    );
    let occupations = s.breakdown(&s.manager, &q("occupation")).await;
    assert_eq!(value(&occupations["elderly_care"], "trained"), count_a);
    assert_eq!(
        value(&occupations["medical_care"], "trained"),
        before_late["trained"] - count_a
    );
    let categories = s.breakdown(&s.manager, &q("category")).await;
    assert_figures(&categories["rural_transfer"], &before_late);
    let poor = (0..TRAINEES)
        .filter(|i| i % 4 == 0 && fate(*i) != Fate::Dropped && *i != LATE)
        .count() as i64;
    assert_eq!(value(&categories["poverty_alleviated"], "trained"), poor);
    let counties = s
        .breakdown(&s.admin, &format!("year={year}&by=county"))
        .await;
    assert_eq!(counties.keys().collect::<Vec<_>>(), vec![LIULIN, SHILOU]);
    assert_figures(&counties[LIULIN], &before_late);
    assert_eq!(value(&counties[SHILOU], "income_unassessed"), 1);

    // The two-weekly report of the period with 5 April, frozen; then the late completion of a
    // March course arrives, and freezing the period again issues a revision naming it.
    let period = (day(year, 4, 5).ordinal0() / 14 + 1) as i64;
    let freeze = json!({"year": year, "period": period, "county": LIULIN});
    let first = s
        .app
        .post_as(&s.manager, "/api/v1/reports/biweekly", &freeze)
        .await
        .ok_json(201);
    assert_eq!(first["revision"], 1);
    assert!(first["differences"].is_null());
    let trained_in_a = count_a;
    assert_eq!(value(&first["figures"], "trained"), trained_in_a);
    assert_eq!(value(&first["figures"], "employed"), 0);
    let again = s
        .app
        .post_as(&s.manager, "/api/v1/reports/biweekly", &freeze)
        .await
        .ok_json(200);
    assert_eq!(again["id"], first["id"]);
    s.complete(&late_enrolment, day(year, 3, 27)).await;
    let revised = s
        .app
        .post_as(&s.manager, "/api/v1/reports/biweekly", &freeze)
        .await
        .ok_json(201);
    assert_eq!(revised["revision"], 2);
    assert_eq!(value(&revised["figures"], "trained"), trained_in_a + 1);
    let trained_change = revised["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["figure"] == "trained")
        .unwrap()
        .clone();
    assert_eq!(trained_change["before"], trained_in_a);
    assert_eq!(trained_change["after"], trained_in_a + 1);
    assert_eq!(trained_change["added"], json!([s.trainees[LATE]]));
    assert_eq!(trained_change["removed"], json!([]));
    // The first revision is kept as issued.
    let kept = s
        .app
        .get_as(
            &s.manager,
            &format!("/api/v1/reports/biweekly/{}", first["id"].as_str().unwrap()),
        )
        .await
        .ok_json(200);
    assert_eq!(value(&kept["figures"], "trained"), trained_in_a);
    let frozen_a = kept["breakdowns"]["cohort"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == json!(a))
        .unwrap()
        .clone();
    assert_eq!(value(&frozen_a["figures"], "trained"), trained_in_a);
    assert_eq!(
        kept["breakdowns"]["county"][0]["figures"]["trained"],
        kept["figures"]["trained"]
    );
    let records = kept["records"]["trained"].as_array().unwrap();
    assert_eq!(records.len() as i64, trained_in_a);
    assert!(!records.contains(&json!(s.trainees[LATE])));
    let listed = s
        .app
        .get_as(
            &s.manager,
            &format!("/api/v1/reports/biweekly?county={LIULIN}&year={year}"),
        )
        .await
        .ok_json(200);
    let revisions: Vec<i64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["revision"].as_i64().unwrap())
        .collect();
    assert_eq!(revisions, vec![2, 1]);
    // One at a time: the cursor leads from the revision to the one before.
    let page = |cursor: String| {
        format!("/api/v1/reports/biweekly?county={LIULIN}&year={year}&limit=1{cursor}")
    };
    let first_page = s
        .app
        .get_as(&s.manager, &page(String::new()))
        .await
        .ok_json(200);
    assert_eq!(first_page["items"][0]["revision"], 2);
    let cursor = first_page["next_cursor"].as_str().unwrap().to_owned();
    let second_page = s
        .app
        .get_as(&s.manager, &page(format!("&cursor={cursor}")))
        .await
        .ok_json(200);
    assert_eq!(second_page["items"][0]["revision"], 1);
    assert!(second_page["next_cursor"].is_null());
    assert!(listed["items"][0].get("records").is_none());

    // The year now counts the late completion too.
    let after_late = expected(true);
    let liulin = s
        .report(&s.manager, &format!("year={year}&county={LIULIN}"))
        .await;
    assert_figures(&liulin["figures"], &after_late);

    // A threshold for Shilou: its trainee's income is judged, and they count as employed.
    s.post(
        &s.admin,
        "/api/v1/income-thresholds",
        json!({"county_code": SHILOU, "monthly_fen": 95_000, "valid_from": day(year, 1, 1),
               "source": "石楼县民政局"}),
    )
    .await;
    let city = s.report(&s.admin, &format!("year={year}")).await;
    assert_eq!(value(&city["figures"], "income_unassessed"), 0);
    assert_eq!(
        value(&city["figures"], "employed"),
        after_late["employed"] + 1
    );
    assert_eq!(
        value(&city["figures"], "employed_now"),
        after_late["employed_now"] + 1
    );

    // A trainee in work moves to Shilou: the figures stay where the trainee was trained.
    let mover = s.trainees[4].clone();
    assert_eq!(fate(4), Fate::Confirmed);
    let record = s
        .app
        .get_as(&s.worker, &format!("/api/v1/trainees/{mover}"))
        .await;
    let etag = record.header("etag").to_owned();
    s.app
        .patch_as(
            &s.worker,
            &format!("/api/v1/trainees/{mover}"),
            &etag,
            &json!({"county_code": SHILOU}),
        )
        .await
        .ok_json(200);
    let moved = s
        .report(&s.admin, &format!("year={year}&county={LIULIN}"))
        .await;
    assert_figures(&moved["figures"], &after_late);
    let shilou = s
        .report(&s.admin, &format!("year={year}&county={SHILOU}"))
        .await;
    assert_eq!(value(&shilou["figures"], "trained"), 1);
    let city_after_move = s.report(&s.admin, &format!("year={year}")).await;
    assert_eq!(city_after_move["figures"], city["figures"]);

    // Rebuilt from scratch, the kept data gives the same figures everywhere.
    let mut reads = vec![
        format!("/api/v1/reports/programme?year={year}"),
        format!("/api/v1/reports/programme?year={year}&county={LIULIN}"),
        format!("/api/v1/reports/programme/periods?year={year}"),
    ];
    for by in ["county", "cohort", "provider", "occupation", "category"] {
        reads.push(format!(
            "/api/v1/reports/programme/breakdown?year={year}&by={by}"
        ));
    }
    let mut before = Vec::new();
    for path in &reads {
        before.push(s.app.get_as(&s.admin, path).await.ok_json(200));
    }
    let rebuilt = s
        .app
        .post_as(&s.admin, "/api/v1/reports/rebuild", &json!({}))
        .await
        .ok_json(200);
    assert_eq!(rebuilt["trainees"], TRAINEES as i64 + 1);
    for (path, then) in reads.iter().zip(before) {
        let now = s.app.get_as(&s.admin, path).await.ok_json(200);
        assert_eq!(now, then, "{path} changed in the rebuild");
    }

    // On 31 December (the year's last two-weekly report): the work that ended in October is
    // counted in employed, not in employed_now.
    let december = s
        .post(
            &s.manager,
            "/api/v1/reports/biweekly",
            json!({"year": year, "period": 27, "county": LIULIN}),
        )
        .await;
    assert_eq!(december["as_of"], day(year, 12, 31).to_string());
    let ended_in_october = (0..TRAINEES)
        .filter(|i| fate(*i) == Fate::FollowedUp && ended(*i))
        .count() as i64;
    assert!(ended_in_october > 0);
    assert_eq!(
        value(&december["figures"], "employed") - value(&december["figures"], "employed_now"),
        ended_in_october
    );
    assert_eq!(
        value(&december["figures"], "employed"),
        after_late["employed"]
    );
}

#[actix_web::test]
async fn reports_come_as_csv_that_excel_opens() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let year = scenario_year();
    let response = app
        .request(
            Method::GET,
            &format!("/api/v1/reports/programme?year={year}"),
        )
        .auth(&admin)
        .header("accept", "text/csv")
        .send()
        .await;
    assert_eq!(response.status, 200);
    assert!(response.header("content-type").starts_with("text/csv"));
    assert!(response.body.starts_with("\u{feff}".as_bytes()), "no BOM");
    let text = String::from_utf8(response.body[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(
        lines[0].contains("指标代码 code") && lines[0].contains("数值 value"),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("trained,培训人数,0")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("certification_rate,持证率(%),")),
        "{text}"
    );
    let by_cohort = app
        .request(
            Method::GET,
            &format!("/api/v1/reports/programme/breakdown?year={year}&by=county"),
        )
        .auth(&admin)
        .header("accept", "text/csv")
        .send()
        .await;
    assert_eq!(by_cohort.status, 200);
    let text = String::from_utf8(by_cohort.body[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("分组 group,名称 name,培训人数 trained"),
        "{text}"
    );
    let periods = app
        .request(
            Method::GET,
            &format!("/api/v1/reports/programme/periods?year={year}"),
        )
        .auth(&admin)
        .header("accept", "text/csv")
        .send()
        .await;
    assert_eq!(periods.status, 200);
    let text = String::from_utf8(periods.body[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("期次 period,开始 start,截至 end,培训人数 trained"),
        "{text}"
    );
    // The 27 periods of the year, then the outcome window's seven to 31 March.
    assert_eq!(text.lines().count(), 1 + 27 + 7, "{text}");
    assert!(
        text.lines().last().unwrap().starts_with(&format!(
            "34,{}-03-26,{}-03-31,",
            year + 1,
            year + 1
        )),
        "{text}"
    );
}

#[actix_web::test]
async fn the_report_follows_each_write_of_the_current_year_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let worker = app.field_staff(&[LIULIN]).await;
    let provider = app.organisation("providers", "柳林县职业培训学校").await;
    let mut body = new_cohort(&provider, LIULIN);
    body["start_date"] = json!(today() - Duration::days(10));
    body["end_date"] = json!(today());
    let cohort = app
        .post_as(&admin, "/api/v1/cohorts", &body)
        .await
        .ok_json(201);
    let cohort = cohort["id"].as_str().unwrap();
    let trainee = app
        .post_as(&worker, "/api/v1/trainees", &new_trainee(LIULIN))
        .await
        .ok_json(201);
    let enrolment = app
        .post_as(
            &worker,
            &format!("/api/v1/cohorts/{cohort}/enrolments"),
            &json!({"trainee_id": trainee["id"], "enrolled_on": today() - Duration::days(10)}),
        )
        .await
        .ok_json(201);
    let enrolment = enrolment["id"].as_str().unwrap();
    for d in 0..4 {
        app.put_as(
            &worker,
            &format!(
                "/api/v1/cohorts/{cohort}/attendance/{}",
                today() - Duration::days(10 - d)
            ),
            &json!({"present": [enrolment]}),
        )
        .await
        .ok_json(200);
    }
    let path = format!(
        "/api/v1/reports/programme?year={}&county={LIULIN}",
        today().year()
    );
    let figures = |report: Value| report["figures"].clone();
    let now = figures(app.get_as(&admin, &path).await.ok_json(200));
    assert_eq!((value(&now, "trained"), value(&now, "employed")), (0, 0));
    app.post_as(
        &worker,
        &format!("/api/v1/enrolments/{enrolment}/complete"),
        &json!({"completed_on": today()}),
    )
    .await
    .ok_json(200);
    let now = figures(app.get_as(&admin, &path).await.ok_json(200));
    assert_eq!(value(&now, "trained"), 1);
    let threshold = app
        .post_as(
            &admin,
            "/api/v1/income-thresholds",
            &json!({"county_code": LIULIN, "monthly_fen": 100_000, "valid_from": "2000-01-01",
                    "source": "柳林县民政局"}),
        )
        .await
        .ok_json(201);
    let employer = app.employer("北京康养护理院").await;
    let boss = app.employer_user(&employer).await;
    let placement = app
        .post_as(
            &worker,
            "/api/v1/placements",
            &json!({
                "trainee_id": trainee["id"], "employer_id": employer, "occupation": "elderly_care",
                "position": "护理员", "work_city": "北京市", "start_date": today(),
                "monthly_wage_fen": 300_000, "contract_type": "labour_contract",
            }),
        )
        .await
        .ok_json(201);
    let now = figures(app.get_as(&admin, &path).await.ok_json(200));
    assert_eq!(
        value(&now, "employed"),
        0,
        "a reported placement is not work yet"
    );
    app.post_as(
        &boss,
        &format!(
            "/api/v1/placements/{}/confirm",
            placement["id"].as_str().unwrap()
        ),
        &json!({}),
    )
    .await
    .ok_json(200);
    let now = figures(app.get_as(&admin, &path).await.ok_json(200));
    // In work today at the threshold; employed (实现就业) takes thirty days of it.
    assert_eq!(
        (value(&now, "employed_now"), value(&now, "employed")),
        (1, 0)
    );
    // The threshold's period closed yesterday: today no threshold is in force, so the income
    // cannot be judged.
    app.patch_as(
        &admin,
        &format!(
            "/api/v1/income-thresholds/{}",
            threshold["id"].as_str().unwrap()
        ),
        &format!("\"{}\"", threshold["version"]),
        &json!({"valid_to": today() - Duration::days(1)}),
    )
    .await
    .ok_json(200);
    let now = figures(app.get_as(&admin, &path).await.ok_json(200));
    assert_eq!(
        (value(&now, "employed_now"), value(&now, "employed")),
        (0, 0)
    );
    let periods = app
        .get_as(
            &admin,
            &format!(
                "/api/v1/reports/programme/periods?year={}&county={LIULIN}",
                today().year()
            ),
        )
        .await
        .ok_json(200);
    let last = periods["periods"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["end"], today().to_string());
    assert_eq!(
        (last["trained"].as_i64(), last["employed"].as_i64()),
        (Some(1), Some(0))
    );
}

#[actix_web::test]
async fn reports_are_for_managers_within_their_counties() {
    let app = TestApp::spawn().await;
    let year = today().year() - 1;
    let manager = app.manager(&[LIULIN]).await;
    let worker = app.field_staff(&[LIULIN]).await;
    let programme = |q: String| format!("/api/v1/reports/programme?{q}");
    // Not their county: as if it did not exist.
    app.get_as(&manager, &programme(format!("year={year}&county={SHILOU}")))
        .await
        .problem(404, "/problems/not-found");
    // The city's figures are for managers of all 13 counties: the others name a county.
    app.get_as(&manager, &programme(format!("year={year}")))
        .await
        .invalid_field("county", "required");
    app.get_as(&worker, &programme(format!("year={year}&county={LIULIN}")))
        .await
        .problem(403, "/problems/forbidden");
    // A year not begun, a year out of range, an unknown grouping, an unknown county.
    app.get_as(
        &manager,
        &programme(format!("year={}&county={LIULIN}", today().year() + 1)),
    )
    .await
    .invalid_rule("year", "not_begun");
    app.get_as(&manager, &programme(format!("year=1999&county={LIULIN}")))
        .await
        .invalid_field("year", "range");
    let response = app
        .get_as(
            &manager,
            &format!("/api/v1/reports/programme/breakdown?year={year}&by=village&county={LIULIN}"),
        )
        .await;
    assert_eq!(
        response.status,
        422,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.json()["errors"][0]["field"], "by");
    let response = app
        .get_as(&manager, &programme(format!("year={year}&county=999999")))
        .await;
    assert_eq!(response.json()["errors"][0]["field"], "county");
    // A period not over cannot be frozen; a period the year does not have is refused.
    let today = today();
    let current = (today.ordinal0() / 14 + 1) as i64;
    app.post_as(
        &manager,
        "/api/v1/reports/biweekly",
        &json!({"year": today.year(), "period": current, "county": LIULIN}),
    )
    .await
    .invalid_rule("period", "not_over");
    app.post_as(
        &manager,
        "/api/v1/reports/biweekly",
        &json!({"year": 2023, "period": 28, "county": LIULIN}),
    )
    .await
    .invalid_field("period", "range");
    // A report of another county is not found.
    let admin = app.admin().await;
    let shilou = app
        .post_as(
            &admin,
            "/api/v1/reports/biweekly",
            &json!({"year": 2023, "period": 3, "county": SHILOU}),
        )
        .await
        .ok_json(201);
    app.get_as(
        &manager,
        &format!(
            "/api/v1/reports/biweekly/{}",
            shilou["id"].as_str().unwrap()
        ),
    )
    .await
    .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn the_managers_page_is_served_without_outside_assets() {
    let app = TestApp::spawn().await;
    let response = app.get("/dashboard").await;
    assert_eq!(response.status, 200);
    assert!(response.header("content-type").starts_with("text/html"));
    let csp = response.header("content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let html = String::from_utf8(response.body.to_vec()).unwrap();
    assert!(html.contains("/api/v1/reports/programme"));
    // Its labels come from the report's table of figures: every figure, in order, and no
    // placeholder left.
    assert!(!html.contains("/*FIGURES*/"));
    let mut at = 0;
    for figure in tracker::api::reports::FIGURES {
        let entry = format!("[\"{}\",\"{}\",\"{}\",", figure.code, figure.zh, figure.en);
        let found = html[at..]
            .find(&entry)
            .unwrap_or_else(|| panic!("{entry} missing"));
        at += found + entry.len();
    }
    // Nothing is fetched from elsewhere.
    for outside in [
        "https://",
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "src=\"//",
    ] {
        assert!(!html.contains(outside), "{outside}");
    }
}
