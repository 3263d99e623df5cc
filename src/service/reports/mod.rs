//! Programme reports (DOMAIN.md, Reporting): the year's figures against its targets and the
//! share of the year elapsed, the same figures by group, by two-week period, and the two-weekly
//! reports as frozen. Reports read only the sums kept by `report_facts`.

pub mod figures;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use diesel::Connection;
use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;
use uuid::Uuid;

pub use figures::{DEFINITIONS, Definitions, FIGURES, Figures};

use crate::access::{Caller, Role};
use crate::db::audit::Event;
use crate::db::reports::Biweekly;
use crate::db::targets::Target;
use crate::db::{self, AnyConnection};
use crate::domain::report::{Change, Counting, Dim, Metric, period_end, period_in, period_start};
use crate::domain::rules::Rules;
use crate::domain::{COUNTY_CODES, today_in_china};
use crate::error::AppError;
use crate::service::UnitOfWork;
use crate::service::report_facts;
use crate::service::targets::CITY;

/// The programme years reports are asked for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2016..=2100;

/// The last day of a programme year's training (DOMAIN.md): the share of the year elapsed is
/// counted against it.
pub const TRAINING_ENDS: (u32, u32) = (11, 30);

/// Whose figures: the city or a county, and the counties summed.
pub struct ReportScope {
    /// `city` or the county's code.
    pub name: String,
    /// The counties summed.
    pub counties: Vec<String>,
}

/// The scope asked for, within the caller's: a county of theirs (404 outside), or the city
/// (administrators, and managers of all 13 counties; others must name a county).
pub fn scope_for(caller: &Caller, county: Option<String>) -> Result<ReportScope, AppError> {
    let all = || COUNTY_CODES.iter().map(|c| (*c).to_owned()).collect();
    match (caller.role, county) {
        (Role::FieldStaff | Role::Employer, _) => {
            Err(crate::access::forbidden(crate::access::Who::Roles(&[
                Role::Admin,
                Role::Manager,
            ])))
        }
        (Role::Admin, Some(county)) => Ok(ReportScope {
            name: county.clone(),
            counties: vec![county],
        }),
        (Role::Manager, Some(county)) => {
            if caller.county_codes.contains(&county) {
                Ok(ReportScope {
                    name: county.clone(),
                    counties: vec![county],
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

/// The day a report is counted to, and what it is counted within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    /// The report date.
    pub day: NaiveDate,
    /// The last day of the year's outcome window (its cut-off).
    pub last: NaiveDate,
    /// Whether outcomes may still come in for the year: the report date is before the cut-off.
    pub provisional: bool,
}

/// The day a training year's report is counted to: today until the year's outcome cut-off (31
/// March of the year after by default), the cut-off once it has passed; before it, the report
/// is provisional. A year not yet begun is 422.
pub fn as_of(year: i32, rules: &Rules) -> Result<AsOf, AppError> {
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
    let (first, last) = Counting::from(rules)
        .window(year)
        .ok_or_else(|| AppError::internal("year window"))?;
    if today < first {
        return Err(AppError::rule(
            "year",
            "not_begun",
            format!("{year} has not begun"),
        ));
    }
    Ok(AsOf {
        day: today.min(last),
        last,
        provisional: today < last,
    })
}

/// The report of a frozen period: as of its last day, within the year's window.
pub fn as_of_period_end(year: i32, end: NaiveDate, rules: &Rules) -> Result<AsOf, AppError> {
    let (_, last) = Counting::from(rules)
        .window(year)
        .ok_or_else(|| AppError::internal("year window"))?;
    Ok(AsOf {
        day: end,
        last,
        provisional: end < last,
    })
}

/// The share of programme year `year` elapsed on `day`, in percent: from 1 January to the end
/// of training on 30 November, both counted; 100 from then on (and in the outcome window).
pub fn elapsed_percent(year: i32, day: NaiveDate) -> f64 {
    if day.year() > year {
        return 100.0;
    }
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

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Numbers without a fraction are written as integers.
pub fn number<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
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
    pub fn count(n: i64) -> Self {
        Self {
            value: Some(n as f64),
            numerator: None,
            denominator: None,
            target: None,
            achieved_percent: None,
            on_track: None,
        }
    }

    pub fn rate(numerator: i64, denominator: i64) -> Self {
        Self {
            value: (denominator > 0).then(|| round2(100.0 * numerator as f64 / denominator as f64)),
            numerator: Some(numerator),
            denominator: Some(denominator),
            ..Self::count(0)
        }
    }

    /// Sets a count's target.
    pub fn against(mut self, target: Option<i64>, elapsed_percent: f64) -> Self {
        if let (Some(target), Some(value)) = (target, self.value) {
            self.target = Some(target as f64);
            self.achieved_percent = (target > 0).then(|| round2(100.0 * value / target as f64));
            self.on_track = Some(value >= target as f64 * elapsed_percent / 100.0 - 1e-9);
        }
        self
    }

    /// Sets a rate's target, in percent.
    pub fn against_rate(mut self, target: Option<f64>) -> Self {
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

/// The sums of the figures per group on `at.day`: periods before its own, days from its
/// period's start.
pub fn counts_on(
    conn: &mut AnyConnection,
    year: i32,
    dim: Dim,
    counties: &[String],
    at: AsOf,
) -> Result<HashMap<String, HashMap<Metric, i64>>, AppError> {
    let day = at.day;
    let period = period_in(year, day);
    let from = period_start(year, period).ok_or_else(|| AppError::internal("period start"))?;
    // On a period's last day (31 December, the cut-off) the period's sum is whole; within a
    // period, the sum up to the end of the one before and the days since. Sums by day are kept
    // only for the days a report of today may end on.
    let rows = if period_end(year, period) == Some(day) || day == at.last {
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

pub fn group_counts(rows: Vec<(String, String, i64)>) -> HashMap<String, HashMap<Metric, i64>> {
    let mut out: HashMap<String, HashMap<Metric, i64>> = HashMap::new();
    for (group, metric, n) in rows {
        if let Some(metric) = Metric::parse(&metric) {
            *out.entry(group).or_default().entry(metric).or_default() += n;
        }
    }
    out
}

pub fn total(groups: HashMap<String, HashMap<Metric, i64>>) -> HashMap<Metric, i64> {
    let mut out = HashMap::new();
    for counts in groups.into_values() {
        for (metric, n) in counts {
            *out.entry(metric).or_default() += n;
        }
    }
    out
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

/// The names of the groups.
pub fn labels(
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
pub fn chinese_name(code: &str) -> Option<&'static str> {
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

/// The figures of each group of `by` with anyone counted, on `at.day`, by key.
pub fn groups(
    conn: &mut AnyConnection,
    year: i32,
    by: Dim,
    counties: &[String],
    at: AsOf,
    elapsed: f64,
) -> Result<Vec<Group>, AppError> {
    let counts = counts_on(conn, year, by, counties, at)?;
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

/// The trainee ids behind each figure, by the figure's code.
pub type Records = BTreeMap<String, Vec<String>>;

/// Each figure on `day` from the kept facts, and the trainees counted in it (for windows and
/// overdue placements, the trainees with any).
pub fn records_on(
    conn: &mut AnyConnection,
    year: i32,
    counties: &[String],
    day: NaiveDate,
) -> Result<(HashMap<Metric, i64>, Records), AppError> {
    let mut out: Records = Metric::ALL
        .iter()
        .map(|m| (m.as_str().to_owned(), Vec::new()))
        .collect();
    let mut sums: HashMap<Metric, i64> = HashMap::new();
    for (trainee, text) in db::reports::facts_in(conn, year, counties)? {
        let facts = report_facts::from_json(&text)?;
        let mut counted: HashMap<Metric, i32> = HashMap::new();
        for Change(metric, on, delta) in &facts.changes {
            if *on <= day {
                *counted.entry(*metric).or_default() += delta;
            }
        }
        for (metric, n) in counted {
            *sums.entry(metric).or_default() += i64::from(n);
            if n > 0
                && let Some(ids) = out.get_mut(metric.as_str())
            {
                ids.push(trainee.clone());
            }
        }
    }
    Ok((sums, out))
}

/// The numbers of breakdowns, without targets: what a new revision is issued for.
pub fn values(breakdowns: &BTreeMap<String, Vec<Group>>) -> Vec<(&str, &str, Vec<Option<f64>>)> {
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

/// How one figure changed from the revision before: the trainees it counts. For the
/// follow-up window and overdue figures, which count windows and placements, the trainees with
/// any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Difference {
    /// The figure's code.
    pub figure: String,
    /// The trainees counted in the revision before.
    pub before: i64,
    /// The trainees counted now.
    pub after: i64,
    /// Trainees counted now and not before.
    pub added: Vec<String>,
    /// Trainees counted before and not now.
    pub removed: Vec<String>,
}

pub fn differences(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_of_the_year_runs_to_the_end_of_november() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            elapsed_percent(2026, d("2026-01-01")),
            round2(100.0 / 334.0)
        );
        assert_eq!(elapsed_percent(2026, d("2026-11-30")), 100.0);
        assert_eq!(elapsed_percent(2026, d("2026-12-31")), 100.0);
        assert_eq!(elapsed_percent(2024, d("2024-11-30")), 100.0);
        assert_eq!(elapsed_percent(2025, d("2026-01-10")), 100.0);
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
    /// Employed (实现就业) by then.
    pub employed: i64,
}

/// Recomputes the reports' data from the records (administrators), audited, by the settings
/// in the database.
pub fn rebuild(
    conn: &mut AnyConnection,
    caller: &Caller,
) -> Result<report_facts::Rebuilt, AppError> {
    caller.may("rebuild_reports")?;
    conn.transaction(|c| {
        db::reports::lock_facts(c)?;
        let rules = crate::service::settings::load(c)?;
        let done = report_facts::rebuild(c, &rules)?;
        db::audit::record(c, caller.event("rebuild", "reports", None))?;
        Ok(done)
    })
}

/// The sums of the figures of `scope` in `year` on `at.day`, and the scope's target.
pub fn programme(
    conn: &mut AnyConnection,
    caller: &Caller,
    county: Option<String>,
    year: i32,
    at: AsOf,
) -> Result<(HashMap<Metric, i64>, Option<Target>), AppError> {
    caller.may("get_programme_report")?;
    let scope = scope_for(caller, county)?;
    let counts = total(counts_on(conn, year, Dim::County, &scope.counties, at)?);
    let target = db::targets::find(conn, year, &scope.name)?;
    Ok((counts, target))
}

/// Trained, certified and employed of `scope`, cumulative at the end of each two-week period
/// of `year` (and of its outcome window) up to `at.day` (the period under way ends on it).
pub fn periods(
    conn: &mut AnyConnection,
    caller: &Caller,
    county: Option<String>,
    year: i32,
    at: AsOf,
) -> Result<Vec<PeriodPoint>, AppError> {
    caller.may("get_programme_periods")?;
    let scope = scope_for(caller, county)?;
    let day = at.day;
    let rows = db::reports::by_period(conn, year, &scope.counties)?;
    let today = total(counts_on(conn, year, Dim::County, &scope.counties, at)?);
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
    let current = period_in(year, day);
    let none = HashMap::new();
    let mut out = Vec::new();
    for index in 0..=current {
        // The sums are kept up to the end of each period.
        let running = per_period.get(&index).unwrap_or(&none);
        let end = period_end(year, index)
            .ok_or_else(|| AppError::internal("period"))?
            .min(at.last);
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
}

/// Freezes the two-weekly report of `scope` for `(year, period)`, counted to its last day
/// `end`, with the records behind each figure and the breakdowns. The same figures again answer
/// the report issued (`false`); changed ones a new revision with its differences (`true`).
pub fn freeze(
    conn: &mut AnyConnection,
    rules: &Rules,
    caller: &Caller,
    county: Option<String>,
    (year, period): (i32, i32),
    end: NaiveDate,
    elapsed: f64,
) -> Result<(Biweekly, bool), AppError> {
    caller.may("freeze_biweekly")?;
    let scope = scope_for(caller, county)?;
    let at = as_of_period_end(year, end, rules)?;
    UnitOfWork::run(conn, |c| {
        let (counts, records) = records_on(c, year, &scope.counties, end)?;
        let mut breakdowns = BTreeMap::new();
        for &by in Dim::ALL {
            let groups = groups(c, year, by, &scope.counties, at, elapsed)?;
            breakdowns.insert(by.as_str().to_owned(), groups);
        }
        let latest = db::reports::latest_biweekly(c, year, period, &scope.name)?;
        // A revision frozen under other rules (other figures) does not read as today's: the
        // period is then issued anew.
        let stored_breakdowns = latest
            .as_ref()
            .and_then(|l| serde_json::from_str::<BTreeMap<String, Vec<Group>>>(&l.breakdowns).ok());
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
        c.audit(Event {
            county_code: (scope.name != CITY).then_some(scope.name.as_str()),
            ..caller.event("freeze", "biweekly_report", Some(&row.id))
        })?;
        Ok((row, true))
    })
}

/// A page of the two-weekly reports of `scope`, optionally of one `year`, after `after`.
pub fn list_biweekly(
    conn: &mut AnyConnection,
    caller: &Caller,
    county: Option<String>,
    year: Option<i32>,
    after: Option<(i32, i32, String, i32)>,
    limit: i64,
) -> Result<Vec<Biweekly>, AppError> {
    caller.may("list_biweekly")?;
    let scope = scope_for(caller, county)?;
    Ok(db::reports::list_biweekly(
        conn,
        std::slice::from_ref(&scope.name),
        year,
        after,
        limit,
    )?)
}

/// The figures of `scope` in `year` on `at.day` by `by` (county, cohort, provider, occupation
/// or category).
pub fn breakdown(
    conn: &mut AnyConnection,
    caller: &Caller,
    county: Option<String>,
    (year, by): (i32, Dim),
    at: AsOf,
) -> Result<Vec<Group>, AppError> {
    caller.may("get_programme_breakdown")?;
    let scope = scope_for(caller, county)?;
    groups(
        conn,
        year,
        by,
        &scope.counties,
        at,
        elapsed_percent(year, at.day),
    )
}

/// Two-weekly report `id`, when it is of a scope the caller may read (404 otherwise).
pub fn get_biweekly(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<Biweekly, AppError> {
    caller.may("get_biweekly")?;
    let row = db::reports::find_biweekly(conn, id)?.ok_or(AppError::NotFound)?;
    let visible = match caller.role {
        Role::Admin => true,
        _ if row.scope == CITY => caller.covers_city(),
        _ => caller.county_codes.contains(&row.scope),
    };
    if visible {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}
