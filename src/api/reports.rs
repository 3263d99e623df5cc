//! Programme reports (DOMAIN.md, Reporting): the year's figures against its targets and the
//! share of the year elapsed, the same figures by group, the two-weekly reports as issued
//! (双周调度), CSV for every report, and the managers' page.
//!
//! Reports read only what is kept for them: what each trainee adds to each figure, as changes
//! by day ([`crate::domain::report`]), kept in the transaction of every write that changes it
//! ([`refresh`]) and summed per group by two-week period and by day. So a report costs the
//! same however many follow-ups there are, and [`rebuild`] recomputes it all from the records.
//!
//! Who: administrators, and managers within their counties (the city's figures for a manager
//! of all 13). Field staff and employers: 403.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use diesel::Connection;
use serde::{Deserialize, Serialize, Serializer};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{CountyCode, Page, PageParams, parse_id, utc};
use crate::auth::{AuthUser, Role};
use crate::db::reports::Biweekly;
use crate::db::targets::Target;
use crate::db::{self, AnyConnection, Db, audit::Event};
use crate::domain::report::{Change, Dim, Metric, period_of, period_start, year_bounds};
use crate::domain::rules::Rules;
use crate::domain::{COUNTY_CODES, today_in_china};
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};
use crate::service::report_facts;

mod figures;

pub use figures::{DEFINITIONS, Definitions, FIGURES, Figures};

use crate::service::targets::CITY;

/// The programme years reports are asked for.
const YEARS: std::ops::RangeInclusive<i32> = 2016..=2100;

/// The last day of a programme year's training (DOMAIN.md): the share of the year elapsed is
/// counted against it.
const TRAINING_ENDS: (u32, u32) = (11, 30);

/// Recomputes the reports' data from the records (administrators). Needed only after data
/// was loaded around the API; the server also does it at start when the rules it counts by
/// changed.
#[utoipa::path(
    tag = "reports",
    responses(
        (status = 200, description = "Rebuilt", body = report_facts::Rebuilt),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[post("/reports/rebuild")]
pub async fn rebuild_reports(
    db: web::Data<Db>,
    rules: web::Data<Rules>,
    caller: AuthUser,
) -> Result<HttpResponse, AppError> {
    if caller.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let rules = **rules;
    let done = db
        .run(move |conn| {
            let done = report_facts::rebuild(conn, &rules)?;
            db::audit::record(conn, caller.event("rebuild", "reports", None))?;
            Ok(done)
        })
        .await?;
    log::info!(
        "report data rebuilt: {} trainees, {} facts, {:.1} s",
        done.trainees,
        done.facts,
        done.seconds
    );
    Ok(HttpResponse::Ok().json(done))
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Whose figures: the city or a county, and the counties summed.
struct ReportScope {
    name: String,
    counties: Vec<String>,
}

/// The scope asked for, within the caller's: a county of theirs (404 outside), or the city
/// (administrators, and managers of all 13 counties; others must name a county).
fn scope_for(caller: &AuthUser, county: Option<CountyCode>) -> Result<ReportScope, AppError> {
    let all = || COUNTY_CODES.iter().map(|c| (*c).to_owned()).collect();
    match (caller.role, county) {
        (Role::FieldStaff | Role::Employer, _) => Err(AppError::Forbidden),
        (Role::Admin, Some(county)) => Ok(ReportScope {
            name: county.0.clone(),
            counties: vec![county.0],
        }),
        (Role::Manager, Some(county)) => {
            if caller.county_codes.contains(&county.0) {
                Ok(ReportScope {
                    name: county.0.clone(),
                    counties: vec![county.0],
                })
            } else {
                Err(AppError::NotFound)
            }
        }
        (Role::Admin, None) => Ok(ReportScope {
            name: CITY.to_owned(),
            counties: all(),
        }),
        (Role::Manager, None) => {
            if caller.covers_city() {
                Ok(ReportScope {
                    name: CITY.to_owned(),
                    counties: all(),
                })
            } else {
                Err(AppError::field(
                    "county",
                    "required",
                    "name one of your counties: the city's figures are for managers of all 13",
                ))
            }
        }
    }
}

/// The day a year's report is counted to: today in the current year, 31 December for a past
/// one; a year not yet begun is 422.
fn as_of(year: i32) -> Result<NaiveDate, AppError> {
    if !YEARS.contains(&year) {
        return Err(AppError::field(
            "year",
            "range",
            format!(
                "must be a programme year from {} to {}",
                YEARS.start(),
                YEARS.end()
            ),
        ));
    }
    let today = today_in_china();
    let (first, last) = year_bounds(year).ok_or_else(|| AppError::internal("year bounds"))?;
    if today < first {
        return Err(AppError::rule(
            "year",
            "not_begun",
            format!("{year} has not begun"),
        ));
    }
    Ok(today.min(last))
}

/// The share of the programme year elapsed on `day`, in percent: from 1 January to the end of
/// training on 30 November, both counted; 100 from then on.
fn elapsed_percent(day: NaiveDate) -> f64 {
    let year = day.year();
    let (Some(first), Some(end)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, TRAINING_ENDS.0, TRAINING_ENDS.1),
    ) else {
        return 0.0;
    };
    let done = (day.min(end) - first).num_days() + 1;
    let all = (end - first).num_days() + 1;
    round2(100.0 * done as f64 / all as f64)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Numbers without a fraction are written as integers.
fn number<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => s.serialize_i64(*v as i64),
        Some(v) => s.serialize_f64(*v),
        None => s.serialize_none(),
    }
}

/// One figure: its value, and where a target is set, the target, the share of it achieved and
/// whether that keeps pace with the year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Figure {
    /// A count of trainees, or for a rate the percent (`null` when nothing to divide by).
    #[serde(serialize_with = "number")]
    #[schema(value_type = Option<f64>, example = 812)]
    pub value: Option<f64>,
    /// For a rate: the trainees counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<i64>,
    /// For a rate: the trainees it is a share of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<i64>,
    /// The year's target (a count, or a percent for a rate), when set.
    #[serde(serialize_with = "number", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub target: Option<f64>,
    /// The value as a percent of the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achieved_percent: Option<f64>,
    /// A count: at least the target times the share of the year elapsed. A rate: at least the
    /// target rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_track: Option<bool>,
}

impl Figure {
    fn count(n: i64) -> Self {
        Self {
            value: Some(n as f64),
            numerator: None,
            denominator: None,
            target: None,
            achieved_percent: None,
            on_track: None,
        }
    }

    fn rate(numerator: i64, denominator: i64) -> Self {
        Self {
            value: (denominator > 0).then(|| round2(100.0 * numerator as f64 / denominator as f64)),
            numerator: Some(numerator),
            denominator: Some(denominator),
            ..Self::count(0)
        }
    }

    /// Sets a count's target.
    fn against(mut self, target: Option<i64>, elapsed_percent: f64) -> Self {
        if let (Some(target), Some(value)) = (target, self.value) {
            self.target = Some(target as f64);
            self.achieved_percent = (target > 0).then(|| round2(100.0 * value / target as f64));
            self.on_track = Some(value >= target as f64 * elapsed_percent / 100.0 - 1e-9);
        }
        self
    }

    /// Sets a rate's target, in percent.
    fn against_rate(mut self, target: Option<f64>) -> Self {
        if let Some(target) = target {
            self.target = Some(target);
            if let Some(value) = self.value {
                self.achieved_percent = (target > 0.0).then(|| round2(100.0 * value / target));
                self.on_track = Some(value >= target - 1e-9);
            }
        }
        self
    }
}

/// The sums of the figures per group on `day`: periods before `day`'s, days from its
/// period's start.
fn counts_on(
    conn: &mut AnyConnection,
    year: i32,
    dim: Dim,
    counties: &[String],
    day: NaiveDate,
) -> Result<HashMap<String, HashMap<Metric, i64>>, AppError> {
    let period = period_of(day);
    let from = period_start(year, period).ok_or_else(|| AppError::internal("period start"))?;
    // On a period's last day (31 December for a past year) the period's sum is whole; within a
    // period, the sum up to the end of the one before and the days since. Sums by day are kept
    // only for the days a report of today may end on.
    let rows = if period_end(year, period) == Some(day) {
        db::reports::sums(conn, year, dim.as_str(), counties, Some(period), None)?
    } else {
        let before = (period > 0).then(|| period - 1);
        db::reports::sums(
            conn,
            year,
            dim.as_str(),
            counties,
            before,
            Some((from, day)),
        )?
    };
    Ok(group_counts(rows))
}

fn group_counts(rows: Vec<(String, String, i64)>) -> HashMap<String, HashMap<Metric, i64>> {
    let mut out: HashMap<String, HashMap<Metric, i64>> = HashMap::new();
    for (group, metric, n) in rows {
        if let Some(metric) = Metric::parse(&metric) {
            *out.entry(group).or_default().entry(metric).or_default() += n;
        }
    }
    out
}

fn total(groups: HashMap<String, HashMap<Metric, i64>>) -> HashMap<Metric, i64> {
    let mut out = HashMap::new();
    for counts in groups.into_values() {
        for (metric, n) in counts {
            *out.entry(metric).or_default() += n;
        }
    }
    out
}

/// `?year=&county=` of a report.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// The programme year.
    #[param(minimum = 2016, maximum = 2100, example = 2026)]
    pub year: i32,
    /// One county (of the caller's); without it, the city.
    pub county: Option<CountyCode>,
}

/// The programme report of a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeReport {
    /// The programme year.
    pub year: i32,
    /// `city` or the county code.
    pub scope: String,
    /// The report date: today for the current year, 31 December for a past one.
    pub as_of: NaiveDate,
    /// The share of the programme year elapsed on `as_of`, in percent.
    pub year_elapsed_percent: f64,
    /// The figures.
    pub figures: Figures,
    /// What each figure counts.
    pub definitions: Definitions,
}

/// Whether the client asked for CSV.
fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("text/csv"))
}

/// A CSV answer: UTF-8 with a byte-order mark, CRLF lines, as Excel opens it.
fn csv_response(name: &str, rows: Vec<Vec<String>>) -> HttpResponse {
    let mut body = String::from("\u{feff}");
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
        body.push_str(&cells.join(","));
        body.push_str("\r\n");
    }
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ))
        .body(body)
}

/// A CSV cell: quoted when it must be, and text that a spreadsheet would run as a formula
/// made inert.
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err()
    {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn cell(value: Option<f64>) -> String {
    match value {
        Some(v) if v.fract() == 0.0 => format!("{}", v as i64),
        Some(v) => format!("{v:.2}"),
        None => String::new(),
    }
}

fn track_cell(on_track: Option<bool>) -> String {
    match on_track {
        Some(true) => "正常 on_track".into(),
        Some(false) => "落后 behind".into(),
        None => String::new(),
    }
}

/// The figures as CSV rows, under a header.
fn figure_rows(figures: &Figures) -> Vec<Vec<String>> {
    let mut rows = vec![
        [
            "指标代码 code",
            "指标 figure",
            "数值 value",
            "目标 target",
            "完成率 achieved_percent",
            "进度 on_track",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (def, f) in figures.rows() {
        rows.push(vec![
            def.code.to_owned(),
            def.csv_name(),
            cell(f.value),
            cell(f.target),
            cell(f.achieved_percent),
            track_cell(f.on_track),
        ]);
    }
    rows
}

/// The year's figures for the city or a county, against the targets, as of today (31 December
/// for a past year). `Accept: text/csv` answers CSV.
#[utoipa::path(
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "The report", content(
            (ProgrammeReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, description = "A query parameter is invalid, or the year has not begun", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[get("/reports/programme")]
pub async fn get_programme_report(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    Query(params): Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let scope = scope_for(&caller, params.county)?;
    let year = params.year;
    let day = as_of(year)?;
    let name = scope.name.clone();
    let (counts, target) = db
        .run(move |conn| {
            let counts = total(counts_on(conn, year, Dim::County, &scope.counties, day)?);
            let target = db::targets::find(conn, year, &scope.name)?;
            Ok((counts, target))
        })
        .await?;
    let elapsed = elapsed_percent(day);
    let report = ProgrammeReport {
        year,
        scope: name,
        as_of: day,
        year_elapsed_percent: elapsed,
        figures: Figures::from_counts(&counts, target.as_ref(), elapsed),
        definitions: DEFINITIONS,
    };
    if wants_csv(&req) {
        return Ok(csv_response(
            &format!("programme-{year}-{}", report.scope),
            figure_rows(&report.figures),
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}

/// `?year=&by=&county=` of a breakdown.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BreakdownParams {
    /// The programme year.
    #[param(minimum = 2016, maximum = 2100, example = 2026)]
    pub year: i32,
    /// The grouping.
    pub by: Dim,
    /// Only this county (of the caller's); without it, the city.
    pub county: Option<CountyCode>,
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Group {
    /// The county code, cohort id, provider id, occupation or category.
    pub key: String,
    /// Its name.
    pub label: String,
    /// Its figures (with targets for counties).
    pub figures: Figures,
}

/// A year's figures per group.
#[derive(Debug, Serialize, ToSchema)]
pub struct Breakdown {
    /// The programme year.
    pub year: i32,
    /// `city` or the county code.
    pub scope: String,
    /// The grouping.
    pub by: Dim,
    /// The report date.
    pub as_of: NaiveDate,
    /// The share of the programme year elapsed, in percent.
    pub year_elapsed_percent: f64,
    /// The groups with anyone counted, by key. A trainee counts in every group they belong
    /// to (several categories, two cohorts of the year), so groups may add up to more than
    /// the programme report.
    pub groups: Vec<Group>,
    /// What each figure counts.
    pub definitions: Definitions,
}

/// The names of the groups.
fn labels(
    conn: &mut AnyConnection,
    by: Dim,
    keys: Vec<String>,
) -> Result<HashMap<String, String>, AppError> {
    Ok(match by {
        Dim::County => db::counties::list(conn, None, 100)?
            .into_iter()
            .map(|c| (c.code, c.name))
            .collect(),
        Dim::Cohort => db::reports::cohort_labels(conn, &keys)?
            .into_iter()
            .map(|(id, code, name)| (id, format!("{code} {name}")))
            .collect(),
        Dim::Provider => db::placements::employer_names(conn, keys)?
            .into_iter()
            .collect(),
        Dim::Occupation | Dim::Category => keys
            .into_iter()
            .map(|k| {
                let name = chinese_name(&k).unwrap_or(&k).to_owned();
                (k, name)
            })
            .collect(),
    })
}

/// The Chinese names of occupations and categories (DOMAIN.md, Enumerations).
fn chinese_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "elderly_care" => "养老护理员",
        "medical_care" => "医疗护理员",
        "infant_care" => "育婴员",
        "maternity_care" => "母婴护理",
        "domestic_service" => "家政服务员",
        "long_term_care" => "长期照护师",
        "rural_transfer" => "农村转移劳动力",
        "unemployed" => "失业人员",
        "poverty_alleviated" => "脱贫劳动力",
        "poverty_monitoring" => "防返贫监测对象",
        "college_graduate" => "高校毕业生",
        "vocational_graduate" => "中职毕业生",
        "flexible_worker" => "灵活就业人员",
        "gig_market" => "零工市场求职人员",
        "disabled" => "残疾人",
        "veteran" => "退役军人",
        "enterprise_employee" => "企业职工",
        _ => return None,
    })
}

/// The figures of each group of `by` with anyone counted, on `day`, by key.
fn groups(
    conn: &mut AnyConnection,
    year: i32,
    by: Dim,
    counties: &[String],
    day: NaiveDate,
    elapsed: f64,
) -> Result<Vec<Group>, AppError> {
    let counts = counts_on(conn, year, by, counties, day)?;
    let targets: HashMap<String, Target> = if by == Dim::County {
        db::targets::of_year(conn, year, Some(counties.to_vec()))?
            .into_iter()
            .map(|t| (t.scope.clone(), t))
            .collect()
    } else {
        HashMap::new()
    };
    let mut keys: Vec<String> = counts
        .iter()
        .filter(|(_, c)| c.values().any(|n| *n != 0))
        .map(|(k, _)| k.clone())
        .collect();
    keys.sort();
    let names = labels(conn, by, keys.clone())?;
    Ok(keys
        .into_iter()
        .map(|key| Group {
            label: names.get(&key).cloned().unwrap_or_else(|| key.clone()),
            figures: Figures::from_counts(&counts[&key], targets.get(&key), elapsed),
            key,
        })
        .collect())
}

/// Groups as CSV rows, under a header: one row per group, one column per figure.
fn group_rows(groups: &[Group]) -> Vec<Vec<String>> {
    let mut header = vec!["分组 group".to_owned(), "名称 name".to_owned()];
    header.extend(
        FIGURES
            .iter()
            .map(|def| format!("{} {}", def.csv_name(), def.code)),
    );
    let mut rows = vec![header];
    for g in groups {
        let mut row = vec![g.key.clone(), g.label.clone()];
        row.extend(g.figures.rows().iter().map(|(_, f)| cell(f.value)));
        rows.push(row);
    }
    rows
}

/// The year's figures per county, cohort, provider, occupation or category, as of today (31
/// December for a past year). `Accept: text/csv` answers CSV, one row per group.
#[utoipa::path(
    tag = "reports",
    params(BreakdownParams),
    responses(
        (status = 200, description = "The breakdown", content(
            (Breakdown = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, description = "A query parameter is invalid, or the year has not begun", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[get("/reports/programme/breakdown")]
pub async fn get_programme_breakdown(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    Query(params): Query<BreakdownParams>,
) -> Result<HttpResponse, AppError> {
    let scope = scope_for(&caller, params.county)?;
    let (year, by) = (params.year, params.by);
    let day = as_of(year)?;
    let name = scope.name.clone();
    let elapsed = elapsed_percent(day);
    let groups = db
        .run(move |conn| groups(conn, year, by, &scope.counties, day, elapsed))
        .await?;
    if wants_csv(&req) {
        return Ok(csv_response(
            &format!("breakdown-{year}-{name}-{}", by.as_str()),
            group_rows(&groups),
        ));
    }
    Ok(HttpResponse::Ok().json(Breakdown {
        year,
        scope: name,
        by,
        as_of: day,
        year_elapsed_percent: elapsed,
        groups,
        definitions: DEFINITIONS,
    }))
}

/// Cumulative figures at the end of one two-week period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodPoint {
    /// The period, from 1.
    pub period: i32,
    /// Its first day.
    pub start: NaiveDate,
    /// Its last day (or the report date, for the period under way).
    pub end: NaiveDate,
    /// Trained by then.
    pub trained: i64,
    /// Certified by then.
    pub certified: i64,
    /// Employed on that day.
    pub employed: i64,
}

/// The year's figures period by period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodSeries {
    /// The programme year.
    pub year: i32,
    /// `city` or the county code.
    pub scope: String,
    /// The periods begun by the report date.
    pub periods: Vec<PeriodPoint>,
}

/// The last day of period `index` (from 0) of `year`.
fn period_end(year: i32, index: i32) -> Option<NaiveDate> {
    let (_, last) = year_bounds(year)?;
    Some((period_start(year, index)? + Duration::days(13)).min(last))
}

/// Trained, certified and employed at the end of each two-week period of the year so far: the
/// chart of the managers' page. `Accept: text/csv` answers CSV.
#[utoipa::path(
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "The periods", content(
            (PeriodSeries = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, description = "A query parameter is invalid, or the year has not begun", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[get("/reports/programme/periods")]
pub async fn get_programme_periods(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    Query(params): Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let scope = scope_for(&caller, params.county)?;
    let year = params.year;
    let day = as_of(year)?;
    let name = scope.name.clone();
    let periods = db
        .run(move |conn| {
            let rows = db::reports::by_period(conn, year, &scope.counties)?;
            let today = total(counts_on(conn, year, Dim::County, &scope.counties, day)?);
            let mut per_period: BTreeMap<i32, HashMap<Metric, i64>> = BTreeMap::new();
            for (period, metric, n) in rows {
                if let Some(metric) = Metric::parse(&metric) {
                    *per_period
                        .entry(period)
                        .or_default()
                        .entry(metric)
                        .or_default() += n;
                }
            }
            let current = period_of(day);
            let none = HashMap::new();
            let mut out = Vec::new();
            for index in 0..=current {
                // The sums are kept up to the end of each period.
                let running = per_period.get(&index).unwrap_or(&none);
                let end = period_end(year, index).ok_or_else(|| AppError::internal("period"))?;
                // The period under way ends today: its figures are today's.
                let (end, counts) = if end > day {
                    (day, &today)
                } else {
                    (end, running)
                };
                let n = |m: Metric| counts.get(&m).copied().unwrap_or(0);
                out.push(PeriodPoint {
                    period: index + 1,
                    start: period_start(year, index).ok_or_else(|| AppError::internal("period"))?,
                    end,
                    trained: n(Metric::Trained),
                    certified: n(Metric::Certified),
                    employed: n(Metric::Employed),
                });
            }
            Ok(out)
        })
        .await?;
    if wants_csv(&req) {
        let mut rows = vec![
            [
                "期次 period",
                "开始 start",
                "截至 end",
                "培训人数 trained",
                "取得证书 certified",
                "就业人数 employed",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for p in &periods {
            rows.push(vec![
                p.period.to_string(),
                p.start.to_string(),
                p.end.to_string(),
                p.trained.to_string(),
                p.certified.to_string(),
                p.employed.to_string(),
            ]);
        }
        return Ok(csv_response(&format!("periods-{year}-{name}"), rows));
    }
    Ok(HttpResponse::Ok().json(PeriodSeries {
        year,
        scope: name,
        periods,
    }))
}

// ---------------------------------------------------------------------------------------------
// Two-weekly reports

/// A two-weekly report to freeze.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeBiweekly {
    /// The programme year.
    #[validate(range(min = 2016, max = 2100))]
    #[schema(minimum = 2016, maximum = 2100, example = 2026)]
    pub year: i32,
    /// The two-week period, from 1 (1–14 January) to 27 (31 December, and 30 in a leap year).
    #[validate(range(min = 1, max = 27))]
    #[schema(minimum = 1, maximum = 27, example = 22)]
    pub period: i32,
    /// One county (of the caller's); without it, the city.
    pub county: Option<CountyCode>,
}

/// How one figure changed from the revision before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Difference {
    /// The figure's code.
    pub figure: String,
    /// Its count in the revision before.
    pub before: i64,
    /// Its count now.
    pub after: i64,
    /// Trainees counted now and not before.
    pub added: Vec<String>,
    /// Trainees counted before and not now.
    pub removed: Vec<String>,
}

/// An issued two-weekly report.
#[derive(Debug, Serialize, ToSchema)]
pub struct BiweeklyReport {
    /// Id.
    pub id: Uuid,
    /// The programme year.
    pub year: i32,
    /// The period, from 1.
    pub period: i32,
    /// Its first day.
    pub period_start: NaiveDate,
    /// Its last day: the figures are as of this day.
    pub as_of: NaiveDate,
    /// `city` or the county code.
    pub scope: String,
    /// 1 when first issued; one more for each freeze that found other figures (late data).
    pub revision: i32,
    /// When frozen.
    pub frozen_at: DateTime<Utc>,
    /// The figures as frozen, against the targets of that day.
    pub figures: Figures,
    /// For a revision: what changed from the one before.
    pub differences: Option<Vec<Difference>>,
    /// The figures as frozen by county, cohort, provider, occupation and category (read one
    /// report to get them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breakdowns: Option<BTreeMap<String, Vec<Group>>>,
    /// The trainee ids behind each counted figure, by figure code (read one report to get
    /// them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<BTreeMap<String, Vec<String>>>,
}

fn biweekly_response(row: Biweekly, with_records: bool) -> Result<BiweeklyReport, AppError> {
    let parse = |what: &str, text: &str| {
        AppError::internal(format!("stored two-weekly {what} cannot be read: {text}"))
    };
    Ok(BiweeklyReport {
        id: parse_id(&row.id)?,
        year: row.year,
        period: row.period,
        period_start: period_start(row.year, row.period - 1)
            .ok_or_else(|| AppError::internal("period"))?,
        as_of: row.as_of,
        scope: row.scope,
        revision: row.revision,
        frozen_at: utc(row.frozen_at),
        figures: serde_json::from_str(&row.figures)
            .map_err(|e| parse("figures", &e.to_string()))?,
        differences: row
            .differences
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| parse("differences", &e.to_string()))?,
        records: if with_records {
            Some(serde_json::from_str(&row.records).map_err(|e| parse("records", &e.to_string()))?)
        } else {
            None
        },
        breakdowns: if with_records {
            Some(
                serde_json::from_str(&row.breakdowns)
                    .map_err(|e| parse("breakdowns", &e.to_string()))?,
            )
        } else {
            None
        },
    })
}

/// The trainees counted in each figure on `day`, from the kept facts.
fn records_on(
    conn: &mut AnyConnection,
    year: i32,
    counties: &[String],
    day: NaiveDate,
) -> Result<BTreeMap<String, Vec<String>>, AppError> {
    let mut out: BTreeMap<String, Vec<String>> = Metric::ALL
        .iter()
        .map(|m| (m.as_str().to_owned(), Vec::new()))
        .collect();
    for (trainee, text) in db::reports::facts_in(conn, year, counties)? {
        let facts = report_facts::from_json(&text)?;
        let mut counted: HashMap<Metric, i32> = HashMap::new();
        for Change(metric, on, delta) in &facts.changes {
            if *on <= day {
                *counted.entry(*metric).or_default() += delta;
            }
        }
        for (metric, n) in counted {
            if n > 0
                && let Some(ids) = out.get_mut(metric.as_str())
            {
                ids.push(trainee.clone());
            }
        }
    }
    Ok(out)
}

/// The numbers of breakdowns, without targets: what a new revision is issued for.
fn values(breakdowns: &BTreeMap<String, Vec<Group>>) -> Vec<(&str, &str, Vec<Option<f64>>)> {
    breakdowns
        .iter()
        .flat_map(|(by, groups)| {
            groups.iter().map(move |g| {
                (
                    by.as_str(),
                    g.key.as_str(),
                    g.figures.rows().iter().map(|(_, f)| f.value).collect(),
                )
            })
        })
        .collect()
}

fn differences(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
) -> Vec<Difference> {
    let mut out = Vec::new();
    for (figure, now) in after {
        let then = before.get(figure).cloned().unwrap_or_default();
        if &then == now {
            continue;
        }
        let (then_set, now_set): (BTreeSet<&String>, BTreeSet<&String>) =
            (then.iter().collect(), now.iter().collect());
        out.push(Difference {
            figure: figure.clone(),
            before: then.len() as i64,
            after: now.len() as i64,
            added: now_set
                .difference(&then_set)
                .map(|s| (*s).clone())
                .collect(),
            removed: then_set
                .difference(&now_set)
                .map(|s| (*s).clone())
                .collect(),
        });
    }
    out
}

/// Freezes the two-weekly report of a period (it must be over): the figures as of its last
/// day and the trainee ids behind each. Freezing a period again answers the report issued
/// (200) when nothing changed, else issues a new revision with the differences (201).
#[utoipa::path(
    tag = "reports",
    request_body = FreezeBiweekly,
    responses(
        (status = 201, description = "Issued: the first revision, or a new one", body = BiweeklyReport),
        (status = 200, description = "Nothing changed since the revision issued", body = BiweeklyReport),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "Frozen at the same moment by another request: send again", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A field is invalid, or the period is not over", body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/reports/biweekly")]
pub async fn freeze_biweekly(
    db: web::Data<Db>,
    caller: AuthUser,
    Json(body): Json<FreezeBiweekly>,
) -> Result<HttpResponse, AppError> {
    let scope = scope_for(&caller, body.county)?;
    let (year, period) = (body.year, body.period);
    let index = period - 1;
    let end = period_end(year, index)
        .filter(|end| end.year() == year)
        .ok_or_else(|| {
            AppError::field("period", "range", format!("{year} has no period {period}"))
        })?;
    if end >= today_in_china() {
        return Err(AppError::rule(
            "period",
            "not_over",
            format!("period {period} of {year} ends on {end}: freeze it from the day after"),
        ));
    }
    let elapsed = elapsed_percent(end);
    let (row, created) = db
        .run(move |conn| {
            conn.transaction(|c| {
                let records = records_on(c, year, &scope.counties, end)?;
                let counts: HashMap<Metric, i64> = records
                    .iter()
                    .filter_map(|(m, ids)| Metric::parse(m).map(|m| (m, ids.len() as i64)))
                    .collect();
                let mut breakdowns = BTreeMap::new();
                for &by in Dim::ALL {
                    let groups = groups(c, year, by, &scope.counties, end, elapsed)?;
                    breakdowns.insert(by.as_str().to_owned(), groups);
                }
                let latest = db::reports::latest_biweekly(c, year, period, &scope.name)?;
                let stored_breakdowns = latest
                    .as_ref()
                    .map(|l| serde_json::from_str::<BTreeMap<String, Vec<Group>>>(&l.breakdowns))
                    .transpose()
                    .map_err(|e| AppError::internal(e.to_string()))?;
                let stored_records = latest
                    .as_ref()
                    .map(|l| serde_json::from_str::<BTreeMap<String, Vec<String>>>(&l.records))
                    .transpose()
                    .map_err(|e| AppError::internal(e.to_string()))?;
                if let (Some(latest), Some(before), Some(groups_before)) =
                    (&latest, &stored_records, &stored_breakdowns)
                    && *before == records
                    && values(groups_before) == values(&breakdowns)
                {
                    return Ok((latest.clone(), false));
                }
                let target = db::targets::find(c, year, &scope.name)?;
                let figures = Figures::from_counts(&counts, target.as_ref(), elapsed);
                let row = Biweekly {
                    id: Uuid::new_v4().to_string(),
                    year,
                    period,
                    scope: scope.name.clone(),
                    revision: latest.as_ref().map_or(1, |l| l.revision + 1),
                    as_of: end,
                    figures: serde_json::to_string(&figures)
                        .map_err(|e| AppError::internal(e.to_string()))?,
                    records: serde_json::to_string(&records)
                        .map_err(|e| AppError::internal(e.to_string()))?,
                    breakdowns: serde_json::to_string(&breakdowns)
                        .map_err(|e| AppError::internal(e.to_string()))?,
                    differences: stored_records
                        .map(|before| serde_json::to_string(&differences(&before, &records)))
                        .transpose()
                        .map_err(|e| AppError::internal(e.to_string()))?,
                    frozen_by: Some(caller.id.clone()),
                    frozen_at: db::now(),
                };
                db::reports::insert_biweekly(c, &row)?;
                db::audit::record(
                    c,
                    Event {
                        county_code: (scope.name != CITY).then_some(scope.name.as_str()),
                        ..caller.event("freeze", "biweekly_report", Some(&row.id))
                    },
                )?;
                Ok((row, true))
            })
        })
        .await?;
    let body = biweekly_response(row, false)?;
    Ok(if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

/// `?year=&county=` of the list of two-weekly reports.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BiweeklyFilter {
    /// Only this year.
    #[validate(range(min = 2016, max = 2100))]
    #[param(minimum = 2016, maximum = 2100)]
    pub year: Option<i32>,
    /// Only this county's (of the caller's); without it, the city's.
    pub county: Option<CountyCode>,
}

/// Issued two-weekly reports of the city or a county, the latest period first and within it
/// the latest revision first (without the record ids).
#[utoipa::path(
    tag = "reports",
    params(BiweeklyFilter, PageParams),
    responses(
        (status = 200, description = "One page of reports", body = Page<BiweeklyReport>),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[get("/reports/biweekly")]
pub async fn list_biweekly(
    db: web::Data<Db>,
    caller: AuthUser,
    Query(filter): Query<BiweeklyFilter>,
    Query(page): Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let scope = scope_for(&caller, filter.county)?;
    let limit = page.limit();
    let after = page
        .after()?
        .as_deref()
        .map(parse_biweekly_key)
        .transpose()?;
    let year = filter.year;
    let rows = db
        .run(move |conn| {
            Ok(db::reports::list_biweekly(
                conn,
                &[scope.name],
                year,
                after,
                limit + 1,
            )?)
        })
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |r| format!("{}|{}|{}|{}", r.year, r.period, r.scope, r.revision),
        |r| biweekly_response(r, false),
    )?;
    Ok(HttpResponse::Ok().json(page))
}

fn parse_biweekly_key(key: &str) -> Result<(i32, i32, String, i32), AppError> {
    let parts: Vec<&str> = key.splitn(4, '|').collect();
    match parts[..] {
        [year, period, scope, revision] => match (year.parse(), period.parse(), revision.parse()) {
            (Ok(year), Ok(period), Ok(revision)) => Ok((year, period, scope.to_owned(), revision)),
            _ => Err(bad_cursor()),
        },
        _ => Err(bad_cursor()),
    }
}

fn bad_cursor() -> AppError {
    AppError::field("cursor", "invalid", "is not a cursor of this list")
}

/// One issued two-weekly report, with the trainee ids behind each figure. `Accept: text/csv`
/// answers its figures as CSV.
#[utoipa::path(
    tag = "reports",
    params(("id" = Uuid, Path, description = "The report")),
    responses(
        (status = 200, description = "The report", content(
            (BiweeklyReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/reports/biweekly/{id}")]
pub async fn get_biweekly(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    if matches!(caller.role, Role::FieldStaff | Role::Employer) {
        return Err(AppError::Forbidden);
    }
    let id = id.into_inner().to_string();
    let row = db
        .run(move |conn| Ok(db::reports::find_biweekly(conn, &id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let visible = match caller.role {
        Role::Admin => true,
        _ if row.scope == CITY => caller.covers_city(),
        _ => caller.county_codes.contains(&row.scope),
    };
    if !visible {
        return Err(AppError::NotFound);
    }
    let report = biweekly_response(row, true)?;
    if wants_csv(&req) {
        let mut rows = vec![vec![
            "双周调度 biweekly".to_owned(),
            format!(
                "{} 第{}期 period {}",
                report.year, report.period, report.period
            ),
            format!("截至 as_of {}", report.as_of),
            format!("范围 scope {}", report.scope),
            format!("修订 revision {}", report.revision),
        ]];
        rows.extend(figure_rows(&report.figures));
        for (by, groups) in report.breakdowns.iter().flatten() {
            rows.push(Vec::new());
            rows.push(vec![format!("分组方式 by {by}")]);
            rows.extend(group_rows(groups));
        }
        return Ok(csv_response(
            &format!(
                "biweekly-{}-{}-{}-r{}",
                report.year, report.period, report.scope, report.revision
            ),
            rows,
        ));
    }
    Ok(HttpResponse::Ok().json(report))
}

// ---------------------------------------------------------------------------------------------
// The managers' page

/// The page: no external assets; it signs in and reads the reports above with the manager's
/// token.
const DASHBOARD: &str = include_str!("dashboard.html");

/// The programme managers' page: the year's figures against targets and a chart of
/// cumulative trained, certified and employed by period. Served as HTML; it reads the reports
/// with the token of whoever signs in on it.
#[utoipa::path(
    tag = "reports",
    security(()),
    responses((status = 200, description = "The page", content_type = "text/html", body = String)),
)]
#[get("/dashboard")]
pub async fn get_dashboard() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'none'",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(DASHBOARD_PAGE.as_str())
}

/// The page with its list of figures filled in from the report's table.
static DASHBOARD_PAGE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| DASHBOARD.replacen("/*FIGURES*/[]", &figures::dashboard_list(), 1));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_of_the_year_runs_to_the_end_of_november() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(elapsed_percent(d("2026-01-01")), round2(100.0 / 334.0));
        assert_eq!(elapsed_percent(d("2026-11-30")), 100.0);
        assert_eq!(elapsed_percent(d("2026-12-31")), 100.0);
        assert_eq!(elapsed_percent(d("2024-11-30")), 100.0);
    }

    #[test]
    fn a_count_is_on_track_when_it_keeps_pace_with_the_year() {
        let f = Figure::count(450).against(Some(900), 50.0);
        assert_eq!(f.on_track, Some(true));
        assert_eq!(f.achieved_percent, Some(50.0));
        assert_eq!(
            Figure::count(449).against(Some(900), 50.0).on_track,
            Some(false)
        );
        let rate = Figure::rate(89, 100).against_rate(Some(90.0));
        assert_eq!((rate.value, rate.on_track), (Some(89.0), Some(false)));
        assert_eq!(Figure::rate(0, 0).against_rate(Some(90.0)).on_track, None);
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_made_inert() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_cell("-12"), "-12");
        assert_eq!(csv_cell("培训人数"), "培训人数");
    }

    #[test]
    fn differences_name_who_came_and_went() {
        let map = |ids: &[&str]| {
            BTreeMap::from([(
                "trained".to_owned(),
                ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            )])
        };
        let d = differences(&map(&["a", "b"]), &map(&["b", "c"]));
        assert_eq!(
            d,
            vec![Difference {
                figure: "trained".into(),
                before: 2,
                after: 2,
                added: vec!["c".into()],
                removed: vec!["a".into()],
            }]
        );
        assert!(differences(&map(&["a"]), &map(&["a"])).is_empty());
    }
}
