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

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{CountyCode, Page, PageParams, parse_id, utc};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::db::reports::Biweekly;
use crate::domain::report::{Dim, period_start};
use crate::domain::rules::Rules;
use crate::domain::today_in_china;
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};
use crate::service;
use crate::service::report_facts;

use crate::domain::report::period_end;
pub use crate::service::reports::{
    DEFINITIONS, Definitions, Difference, FIGURES, Figure, Figures, Group, PeriodPoint,
};
use crate::service::reports::{as_of, elapsed_percent, scope_for};

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
    caller: AuthUser,
) -> Result<HttpResponse, AppError> {
    let done = db
        .run(move |conn| service::reports::rebuild(conn, &caller))
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
    /// The report date: today, until the year's outcome cut-off (31 March of the year after by
    /// default); the cut-off once it has passed.
    pub as_of: NaiveDate,
    /// The year's outcome cut-off: certificates and work achieved by then count for the year.
    pub outcome_cutoff: NaiveDate,
    /// Whether the figures may still grow: the report date is before the cut-off.
    pub provisional: bool,
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
/// Figures as stored with a frozen report, as CSV rows: by the table when they are today's
/// figures, else each as it was issued.
fn stored_figure_rows(figures: &serde_json::Value) -> Vec<Vec<String>> {
    if let Ok(today) = serde_json::from_value::<Figures>(figures.clone()) {
        return figure_rows(&today);
    }
    let mut rows = figure_rows_header();
    for (code, f) in figures.as_object().into_iter().flatten() {
        let number = |key: &str| f[key].as_f64().map(|v| cell(Some(v))).unwrap_or_default();
        rows.push(vec![
            code.clone(),
            code.clone(),
            number("value"),
            number("target"),
            number("achieved_percent"),
            track_cell(f["on_track"].as_bool()),
        ]);
    }
    rows
}

fn figure_rows_header() -> Vec<Vec<String>> {
    vec![
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
    ]
}

fn figure_rows(figures: &Figures) -> Vec<Vec<String>> {
    let mut rows = figure_rows_header();
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
    rules: Rules,
    caller: AuthUser,
    Query(params): Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let county = params.county.map(|c| c.0);
    let name = scope_for(&caller, county.clone())?.name;
    let year = params.year;
    let at = as_of(year, &rules)?;
    let (counts, target) = db
        .run(move |conn| service::reports::programme(conn, &caller, county, year, at))
        .await?;
    let elapsed = elapsed_percent(year, at.day);
    let report = ProgrammeReport {
        year,
        scope: name,
        as_of: at.day,
        outcome_cutoff: at.last,
        provisional: at.provisional,
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
    /// Whether the figures may still grow: the report date is before the year's cut-off.
    pub provisional: bool,
    /// The share of the programme year elapsed, in percent.
    pub year_elapsed_percent: f64,
    /// The groups with anyone counted, by key. A trainee counts in every group they belong
    /// to (several categories, two cohorts of the year), so groups may add up to more than
    /// the programme report.
    pub groups: Vec<Group>,
    /// What each figure counts.
    pub definitions: Definitions,
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
    rules: Rules,
    caller: AuthUser,
    Query(params): Query<BreakdownParams>,
) -> Result<HttpResponse, AppError> {
    let county = params.county.map(|c| c.0);
    let name = scope_for(&caller, county.clone())?.name;
    let (year, by) = (params.year, params.by);
    let at = as_of(year, &rules)?;
    let elapsed = elapsed_percent(year, at.day);
    let groups = db
        .run(move |conn| service::reports::breakdown(conn, &caller, county, (year, by), at))
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
        as_of: at.day,
        provisional: at.provisional,
        year_elapsed_percent: elapsed,
        groups,
        definitions: DEFINITIONS,
    }))
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
    rules: Rules,
    caller: AuthUser,
    Query(params): Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let county = params.county.map(|c| c.0);
    let name = scope_for(&caller, county.clone())?.name;
    let year = params.year;
    let at = as_of(year, &rules)?;
    let periods = db
        .run(move |conn| service::reports::periods(conn, &caller, county, year, at))
        .await?;
    if wants_csv(&req) {
        let mut rows = vec![
            [
                "期次 period",
                "开始 start",
                "截至 end",
                "培训人数 trained",
                "取证人数 certified",
                "实现就业 employed",
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
    /// The figures as frozen, against the targets of that day. Kept as issued: a report frozen
    /// under earlier rules keeps the figures it had (freezing its period again issues a
    /// revision with today's).
    #[schema(value_type = Figures)]
    pub figures: serde_json::Value,
    /// For a revision: what changed from the one before.
    pub differences: Option<Vec<Difference>>,
    /// The figures as frozen by county, cohort, provider, occupation and category (read one
    /// report to get them), kept as issued like `figures`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BTreeMap<String, Vec<Group>>>)]
    pub breakdowns: Option<serde_json::Value>,
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
    rules: Rules,
    caller: AuthUser,
    Json(body): Json<FreezeBiweekly>,
) -> Result<HttpResponse, AppError> {
    let county = body.county.map(|c| c.0);
    scope_for(&caller, county.clone())?;
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
    let elapsed = elapsed_percent(year, end);
    let (row, created) = db
        .run(move |conn| {
            service::reports::freeze(conn, &rules, &caller, county, (year, period), end, elapsed)
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
    let county = filter.county.map(|c| c.0);
    scope_for(&caller, county.clone())?;
    let limit = page.limit();
    let after = page
        .after()?
        .as_deref()
        .map(parse_biweekly_key)
        .transpose()?;
    let year = filter.year;
    let rows = db
        .run(move |conn| {
            service::reports::list_biweekly(conn, &caller, county, year, after, limit + 1)
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
    let id = id.into_inner().to_string();
    let row = db
        .run(move |conn| service::reports::get_biweekly(conn, &caller, &id))
        .await?;
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
        rows.extend(stored_figure_rows(&report.figures));
        // Breakdowns frozen under earlier rules have other columns: they stay in the JSON.
        let breakdowns: Option<BTreeMap<String, Vec<Group>>> = report
            .breakdowns
            .as_ref()
            .and_then(|b| serde_json::from_value(b.clone()).ok());
        for (by, groups) in breakdowns.iter().flatten() {
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
static DASHBOARD_PAGE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    DASHBOARD.replacen(
        "/*FIGURES*/[]",
        &crate::service::reports::figures::dashboard_list(),
        1,
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_made_inert() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_cell("-12"), "-12");
        assert_eq!(csv_cell("培训人数"), "培训人数");
    }
}
