//! What each trainee adds to the programme reports, kept on write (DOMAIN.md, "Reporting").
//!
//! Every figure is a yes/no per trainee that changes on some days ([`crate::domain::report`]);
//! those changes are kept per trainee and year, and summed per group by two-week period and by
//! day, in the transaction of every write that changes them (the unit of work calls
//! [`refresh`]). [`rebuild`] recomputes it all from the records.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate};
use diesel::Connection;
use serde::Serialize;
use utoipa::ToSchema;

use super::work::facts;
use crate::db::reports::GroupKey;
use crate::db::{self, AnyConnection};
use crate::domain::employment::Threshold;
use crate::domain::id_number::Sex;
use crate::domain::report::{
    self, Certificate, Counting, Enrolment, Person, YearFacts, level_digit, period_in, period_start,
};
use crate::domain::rules::Rules;
use crate::domain::today_in_china;
use crate::error::AppError;

/// Trainees loaded at a time when many are refreshed or rebuilt.
const BATCH: usize = 500;

/// The version of how facts are computed: bump it when a metric's rule changes. A new metric,
/// or a change of the settings the facts depend on, changes the fingerprint by itself; either
/// makes the server rebuild the facts when it starts.
const FACTS_VERSION: &str = "report-facts-2";

/// The changes to the sums a write makes: to the sums up to the end of each period from the
/// change's on, and, for the days a report may still end on (from the start of the period
/// before today's), to the day's.
#[derive(Debug)]
struct Sums {
    periods: BTreeMap<(GroupKey, i32), i64>,
    days: BTreeMap<(GroupKey, NaiveDate), i64>,
    from_day: Option<NaiveDate>,
    counting: Counting,
}

impl Sums {
    fn new(counting: Counting) -> Self {
        let today = today_in_china();
        // From the start of the period before today's: a report that began on the last day of
        // a period (or on a server whose clock is a little behind) still finds its days. Until
        // the cut-off a report of last year ends today too, on its own grid of periods.
        let start_before = |year: i32| {
            period_start(year, period_in(year, today))
                .and_then(|start| start.checked_sub_signed(Duration::days(14)))
        };
        Self {
            periods: BTreeMap::new(),
            days: BTreeMap::new(),
            from_day: [start_before(today.year()), start_before(today.year() - 1)]
                .into_iter()
                .flatten()
                .min(),
            counting,
        }
    }

    fn add(&mut self, year: i32, county: &str, facts: &YearFacts, sign: i64) {
        for report::Contribution(dim, key, metric, day, delta) in facts.contributions(county) {
            let group: GroupKey = (
                year,
                dim.as_str().to_owned(),
                key,
                county.to_owned(),
                metric.as_str().to_owned(),
            );
            let n = sign * i64::from(delta);
            if self.from_day.is_some_and(|from| day >= from) {
                *self.days.entry((group.clone(), day)).or_default() += n;
            }
            *self
                .periods
                .entry((group, period_in(year, day)))
                .or_default() += n;
        }
    }

    /// Writes the changes, in key order, and forgets them. A change in a period changes the
    /// sums up to the end of that period and of every later one of the year's window: a report
    /// reads one row per figure.
    fn write(&mut self, conn: &mut AnyConnection) -> Result<(), AppError> {
        let mut periods: Vec<(GroupKey, i32, i64)> = Vec::new();
        let mut changes = std::mem::take(&mut self.periods).into_iter().peekable();
        while let Some(((group, first), n)) = changes.next() {
            let last = self
                .counting
                .window(group.0)
                .map_or(first, |(_, last)| period_in(group.0, last));
            let mut running = n;
            for period in first..=last {
                if period > first
                    && let Some(((_, _), more)) =
                        changes.next_if(|((g, p), _)| *g == group && *p == period)
                {
                    running += more;
                }
                if running != 0 {
                    periods.push((group.clone(), period, running));
                }
            }
        }
        let days: Vec<(GroupKey, NaiveDate, i64)> = std::mem::take(&mut self.days)
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .map(|((group, day), n)| (group, day, n))
            .collect();
        db::reports::add_to_periods(conn, &periods)?;
        db::reports::add_to_days(conn, &days)?;
        Ok(())
    }
}

/// The people named, as the reports count them: those with an enrolment that ended.
fn people(
    conn: &mut AnyConnection,
    ids: &[String],
    rules: &Rules,
) -> Result<BTreeMap<String, Person>, AppError> {
    let ended = db::reports::ended_enrolments_in(conn, ids)?;
    let mut people: BTreeMap<String, Person> = BTreeMap::new();
    let with_ended: Vec<String> = ended
        .iter()
        .map(|e| e.trainee_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if with_ended.is_empty() {
        return Ok(people);
    }
    for (id, birth_date, sex) in db::reports::trainees_in(conn, &with_ended)? {
        people.insert(
            id,
            Person {
                birth_date,
                retirement_age: rules.retirement_age(Sex::parse(&sex)),
                categories: Vec::new(),
                enrolments: Vec::new(),
                certificates: Vec::new(),
                placements: Vec::new(),
                thresholds: BTreeMap::new(),
            },
        );
    }
    for (id, category) in db::reports::categories_in(conn, &with_ended)? {
        if let Some(p) = people.get_mut(&id) {
            p.categories.push(category);
        }
    }
    let mut assessed: HashMap<String, NaiveDate> = HashMap::new();
    let enrolment_ids: Vec<String> = ended.iter().map(|e| e.id.clone()).collect();
    for chunk in enrolment_ids.chunks(BATCH) {
        for (enrolment, day) in db::reports::assessment_days_in(conn, chunk)? {
            let first = assessed.entry(enrolment).or_insert(day);
            *first = (*first).min(day);
        }
    }
    for e in ended {
        let level = level_digit(&e.level).ok_or_else(|| AppError::internal("stored level"))?;
        if let Some(p) = people.get_mut(&e.trainee_id) {
            p.enrolments.push(Enrolment {
                assessed_on: assessed.get(&e.id).copied(),
                cohort_id: e.cohort_id,
                provider_id: e.provider_id,
                county_code: e.county_code,
                occupation: e.occupation,
                level,
                enrolled_on: e.enrolled_on,
                cohort_end: e.end_date,
                completed_on: e.completed_on,
                dropped_on: e.dropped_on,
            });
        }
    }
    let kinds = rules.certified_kinds.names();
    for (id, occupation, level, issued_on) in
        db::reports::certificates_in(conn, &with_ended, &kinds)?
    {
        if let (Some(p), Some(level)) = (people.get_mut(&id), level_digit(&level)) {
            p.certificates.push(Certificate {
                occupation,
                level,
                issued_on,
            });
        }
    }
    let placements = db::reports::placements_in(conn, &with_ended)?;
    if placements.is_empty() {
        return Ok(people);
    }
    let placement_ids: Vec<String> = placements.iter().map(|p| p.id.clone()).collect();
    let mut follow_ups: HashMap<String, Vec<db::placements::FollowUp>> = HashMap::new();
    for chunk in placement_ids.chunks(BATCH) {
        for f in db::reports::follow_ups_in(conn, chunk)? {
            // A follow-up that found new work counts for the new placement too.
            if let Some(new) = &f.new_placement_id {
                follow_ups.entry(new.clone()).or_default().push(f.clone());
            }
            follow_ups
                .entry(f.placement_id.clone())
                .or_default()
                .push(f);
        }
    }
    let mut counties = BTreeSet::new();
    for p in &placements {
        if let Some(person) = people.get_mut(&p.trainee_id) {
            let own = follow_ups.get(&p.id).map_or(&[][..], Vec::as_slice);
            person.placements.push(facts(p, own));
            counties.extend(person.enrolments.iter().map(|e| e.county_code.clone()));
        }
    }
    let counties: Vec<String> = counties.into_iter().collect();
    let mut thresholds: HashMap<String, Vec<Threshold>> = HashMap::new();
    for (county, monthly_fen, valid_from, valid_to) in db::reports::thresholds_in(conn, &counties)?
    {
        thresholds.entry(county).or_default().push(Threshold {
            monthly_fen,
            valid_from,
            valid_to,
        });
    }
    for person in people.values_mut() {
        if !person.placements.is_empty() {
            for e in &person.enrolments {
                if let Some(rows) = thresholds.get(&e.county_code) {
                    person
                        .thresholds
                        .insert(e.county_code.clone(), rows.clone());
                }
            }
        }
    }
    Ok(people)
}

fn to_json(facts: &YearFacts) -> Result<String, AppError> {
    serde_json::to_string(facts).map_err(|e| AppError::internal(e.to_string()))
}

/// Reads a trainee-year's kept facts.
pub fn from_json(text: &str) -> Result<YearFacts, AppError> {
    serde_json::from_str(text).map_err(|e| AppError::internal(format!("stored report facts: {e}")))
}

/// Recomputes what the trainees add to the reports and corrects the sums by the difference;
/// run in the transaction of every write that changes what a report counts, after it.
pub(super) fn refresh(
    conn: &mut AnyConnection,
    ids: &[String],
    rules: &Rules,
) -> Result<(), AppError> {
    let counting = Counting::from(rules);
    let mut sums = Sums::new(counting);
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    for batch in ids.chunks(BATCH) {
        let people = people(conn, batch, rules)?;
        for id in batch {
            let stored = db::reports::facts_of(conn, id)?;
            let person = people.get(id);
            let mut years: BTreeSet<i32> = stored.iter().map(|(year, _, _)| *year).collect();
            if let Some(person) = person {
                years.extend(report::years(person));
            }
            for year in years {
                let old = stored
                    .iter()
                    .find(|(y, _, _)| *y == year)
                    .map(|(_, county, text)| from_json(text).map(|f| (county.clone(), f)))
                    .transpose()?;
                let new = person.and_then(|p| report::year_facts(p, year, counting));
                if old == new {
                    continue;
                }
                if let Some((county, facts)) = &old {
                    sums.add(year, county, facts, -1);
                }
                match &new {
                    Some((county, facts)) => {
                        sums.add(year, county, facts, 1);
                        db::reports::put_facts(conn, id, year, county, &to_json(facts)?)?;
                    }
                    None => db::reports::delete_facts(conn, id, year)?,
                }
            }
        }
    }
    sums.write(conn)
}

/// What a rebuild did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rebuilt {
    /// Trainees with an enrolment that ended.
    pub trainees: u64,
    /// Trainee-years kept.
    pub facts: u64,
    /// How long it took.
    pub seconds: f64,
}

/// Forgets everything kept for the reports and recomputes it from the records, in one
/// transaction (writes that would change it wait).
pub fn rebuild(conn: &mut AnyConnection, rules: &Rules) -> Result<Rebuilt, AppError> {
    let started = Instant::now();
    conn.transaction(|c| {
        db::reports::clear(c)?;
        let counting = Counting::from(rules);
        let mut sums = Sums::new(counting);
        let (mut trainees, mut kept) = (0_u64, 0_u64);
        let mut after = String::new();
        loop {
            let ids = db::reports::trainees_with_ended_enrolments(c, &after, BATCH as i64)?;
            let Some(last) = ids.last() else { break };
            after = last.clone();
            let people = people(c, &ids, rules)?;
            let mut rows = Vec::new();
            for (id, person) in &people {
                trainees += 1;
                for year in report::years(person) {
                    if let Some((county, facts)) = report::year_facts(person, year, counting) {
                        sums.add(year, &county, &facts, 1);
                        rows.push((id.clone(), year, county, to_json(&facts)?));
                    }
                }
            }
            kept += rows.len() as u64;
            db::reports::insert_facts(c, &rows)?;
        }
        sums.write(c)?;
        db::settings::put(c, db::settings::REPORT_FACTS_KEY, &fingerprint(rules))?;
        Ok(Rebuilt {
            trainees,
            facts: kept,
            seconds: started.elapsed().as_secs_f64(),
        })
    })
}

/// What the kept facts were computed with.
fn fingerprint(rules: &Rules) -> String {
    let metrics: Vec<&str> = report::Metric::ALL.iter().map(|m| m.as_str()).collect();
    format!(
        "{FACTS_VERSION};metrics={};retirement_age_male={};retirement_age_female={};\
         certified_kinds={};outcome_cutoff={:02}-{:02};employment_min_days={}",
        metrics.join(","),
        rules.retirement_age_male,
        rules.retirement_age_female,
        rules.certified_kinds.names().join(","),
        rules.outcome_cutoff.0,
        rules.outcome_cutoff.1,
        rules.employment_min_days,
    )
}

/// Rebuilds the kept facts when they were computed otherwise (another version, other
/// settings) or never: at start, before the server answers. The settings and the fingerprint
/// are read holding the reports' data, so instances starting at once rebuild once, and by the
/// settings in force then.
pub fn rebuild_if_stale(conn: &mut AnyConnection) -> Result<Option<Rebuilt>, AppError> {
    conn.transaction(|c| {
        db::reports::lock_facts(c)?;
        let rules = super::settings::load(c)?;
        let stored = db::settings::get(c, db::settings::REPORT_FACTS_KEY)?;
        if stored.as_deref() == Some(fingerprint(&rules).as_str()) {
            return Ok(None);
        }
        rebuild(c, &rules).map(Some)
    })
}
