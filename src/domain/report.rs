//! The programme's counts (DOMAIN.md, "Rules that count"): what one trainee adds to each figure
//! of a training year's report, on any day from 1 January to the year's outcome cut-off.
//!
//! Every figure is a number per trainee that can change from one day to the next (a completion,
//! a certificate, a job, a follow-up, a threshold coming into force, a birthday): most are
//! yes/no, the follow-up figures count windows and placements. [`changes`] lists the days it
//! changes and by how much, so that a figure on a day is the sum of the changes up to it: what
//! the reports keep summed per group, and a late record simply adds changes to the days it
//! concerns.
//!
//! A trainee is counted for year Y in the county of the cohort they completed (or left), fixed
//! at training; their certificates and work count for Y until the outcome cut-off of Y (31 March
//! of Y+1 by default).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::employment::{
    EmploymentStatus, FOLLOW_UP_EVERY_DAYS, PlacementFacts, Threshold, due_on, latest_on,
    retained_at, status_on, works_on,
};
use super::id_number::age_on;
use super::rules::Rules;
use super::training::stored_names;

/// A figure of the programme report counted per trainee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Completed a cohort of the year.
    Trained,
    /// Left a cohort of the year and completed none.
    Dropped,
    /// Trained and assessed after that cohort.
    Assessed,
    /// Trained, and obtained a counting certificate for the cohort's occupation at its level or
    /// above on or after the enrolment's start.
    Certified,
    /// Trained, not certified, and held such a certificate before the enrolment.
    AlreadyCertified,
    /// Trained, and since the completion in counting work at or above the threshold for the
    /// minimum consecutive days (实现就业).
    Employed,
    /// Trained and, on the day, in counting work at or above the threshold (在岗).
    EmployedNow,
    /// Trained, in counting work for the minimum days, never at the threshold that long.
    EmployedBelowThreshold,
    /// Trained, in counting work for the minimum days, not employed, and some day of the work
    /// had no threshold in force.
    IncomeUnassessed,
    /// Employed now, and at the current work's employer six months within twelve.
    Retained,
    /// The 30-day windows of the trainee's placements that fell due in the year's span.
    FollowUpWindowsDue,
    /// Of those, the windows with a follow-up.
    FollowUpWindowsRecorded,
    /// The trainee's open placements whose follow-up is overdue on the day.
    FollowUpsOverdue,
    /// Completed an L4 cohort of the year.
    IntermediateTrained,
    /// Completed an L3, L2 or L1 cohort of the year.
    AdvancedTrained,
}

stored_names!(Metric {
    Trained = "trained",
    Dropped = "dropped",
    Assessed = "assessed",
    Certified = "certified",
    AlreadyCertified = "already_certified",
    Employed = "employed",
    EmployedNow = "employed_now",
    EmployedBelowThreshold = "employed_below_threshold",
    IncomeUnassessed = "income_unassessed",
    Retained = "retained",
    FollowUpWindowsDue = "follow_up_windows_due",
    FollowUpWindowsRecorded = "follow_up_windows_recorded",
    FollowUpsOverdue = "follow_ups_overdue",
    IntermediateTrained = "intermediate_trained",
    AdvancedTrained = "advanced_trained",
});

/// How many figures there are.
const FIGURES: usize = 15;

impl Metric {
    fn index(self) -> usize {
        Self::ALL.iter().position(|m| *m == self).unwrap_or(0)
    }
}

/// How a report is broken down.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    /// The county of the cohort the trainee completed (or left) in the year.
    County,
    /// The cohort completed or left.
    Cohort,
    /// The cohort's training provider.
    Provider,
    /// The cohort's occupation.
    Occupation,
    /// Each of the trainee's categories.
    Category,
}

stored_names!(Dim {
    County = "county",
    Cohort = "cohort",
    Provider = "provider",
    Occupation = "occupation",
    Category = "category",
});

/// One enrolment that ended in a cohort, as the report sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The cohort.
    pub cohort_id: String,
    /// The cohort's provider.
    pub provider_id: String,
    /// The cohort's county: where the trainee is counted.
    pub county_code: String,
    /// The cohort's occupation.
    pub occupation: String,
    /// The cohort's level digit (5 for L5 … 1 for L1).
    pub level: u8,
    /// The enrolment's first day: certificates from it on were obtained by the course.
    pub enrolled_on: NaiveDate,
    /// The cohort's last day: its year is the programme year the enrolment counts in.
    pub cohort_end: NaiveDate,
    /// When completed.
    pub completed_on: Option<NaiveDate>,
    /// When dropped.
    pub dropped_on: Option<NaiveDate>,
    /// The day of the first assessment of this enrolment.
    pub assessed_on: Option<NaiveDate>,
}

/// A certificate of a counting kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// Its occupation.
    pub occupation: String,
    /// Its level digit.
    pub level: u8,
    /// When issued.
    pub issued_on: NaiveDate,
}

/// Everything about one trainee that a report counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// From the ID number.
    pub birth_date: NaiveDate,
    /// The age at which the trainee's working age ends (by sex).
    pub retirement_age: u32,
    /// The trainee's categories.
    pub categories: Vec<String>,
    /// Enrolments completed or dropped.
    pub enrolments: Vec<Enrolment>,
    /// Certificates of counting kinds.
    pub certificates: Vec<Certificate>,
    /// Placements with their follow-ups.
    pub placements: Vec<PlacementFacts>,
    /// The income thresholds of the counties the trainee is counted in.
    pub thresholds: BTreeMap<String, Vec<Threshold>>,
}

/// How the figures are counted: the outcome cut-off and the days of work that make employed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counting {
    /// The cut-off's month and day in the year after the training year.
    pub cutoff: (u32, u32),
    /// The consecutive days of work that make a trainee employed.
    pub min_days: u32,
}

impl From<&Rules> for Counting {
    fn from(rules: &Rules) -> Self {
        Self {
            cutoff: rules.outcome_cutoff,
            min_days: rules.employment_min_days,
        }
    }
}

impl Counting {
    /// The days a training year's figures run over: 1 January to the cut-off in the year after.
    pub fn window(&self, year: i32) -> Option<(NaiveDate, NaiveDate)> {
        Some((
            NaiveDate::from_ymd_opt(year, 1, 1)?,
            NaiveDate::from_ymd_opt(year.checked_add(1)?, self.cutoff.0, self.cutoff.1)?,
        ))
    }
}

/// A change of one figure on one day, for one group: what is kept per trainee and summed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Contribution(pub Dim, pub String, pub Metric, pub NaiveDate, pub i32);

/// The level digit of a stored level (`L5` → 5).
pub fn level_digit(level: &str) -> Option<u8> {
    level
        .strip_prefix('L')
        .and_then(|d| d.parse::<u8>().ok())
        .filter(|d| (1..=5).contains(d))
}

/// The first and last day of a calendar year.
pub fn year_bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year, 12, 31)?,
    ))
}

/// The first period of the year after, in a year's count of periods: periods 0–26 are the
/// calendar year's (26 holds 31 December, and 30 December in a leap year), and the outcome
/// window goes on from 1 January in periods of its own.
pub const AFTER_YEAR: i32 = 27;

/// The two-week period (from 0) of `year`'s count a day falls in: fourteen days at a time from
/// 1 January of the year, and again from 1 January of the year after (the outcome window).
pub fn period_in(year: i32, day: NaiveDate) -> i32 {
    let from = |y: i32, base: i32| {
        NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|first| i32::try_from((day - first).num_days().div_euclid(14)).ok())
            .map_or(0, |p| base + p)
    };
    if day.year() <= year {
        from(year, 0)
    } else {
        from(year + 1, AFTER_YEAR)
    }
}

/// The first day of period `index` (from 0) of `year`'s count.
pub fn period_start(year: i32, index: i32) -> Option<NaiveDate> {
    let (first, index) = if index < AFTER_YEAR {
        (NaiveDate::from_ymd_opt(year, 1, 1)?, index)
    } else {
        (NaiveDate::from_ymd_opt(year + 1, 1, 1)?, index - AFTER_YEAR)
    };
    first.checked_add_signed(Duration::days(14 * i64::from(index)))
}

/// The last day of period `index` (from 0) of `year`'s count: 31 December ends the year's last.
pub fn period_end(year: i32, index: i32) -> Option<NaiveDate> {
    let end = period_start(year, index)? + Duration::days(13);
    if index < AFTER_YEAR {
        Some(end.min(NaiveDate::from_ymd_opt(year, 12, 31)?))
    } else {
        Some(end)
    }
}

/// The programme years a person counts in: those of the cohorts they completed or left.
pub fn years(person: &Person) -> BTreeSet<i32> {
    person
        .enrolments
        .iter()
        .filter(|e| e.completed_on.is_some() || e.dropped_on.is_some())
        .map(|e| e.cohort_end.year())
        .collect()
}

/// One figure changing on one day, by `delta`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Change(pub Metric, pub NaiveDate, pub i32);

/// Everything a person adds to one year's figures, as kept per trainee: the changes of the
/// trainee (counted for the county and each category), and the groups the trainee is counted
/// in, with their own changes where they differ (a cohort of two the trainee took that year).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearFacts {
    /// The trainee's changes.
    pub changes: Vec<Change>,
    /// The groups, with `None` where the group's changes are the trainee's.
    pub groups: Vec<(Dim, String, Option<Vec<Change>>)>,
}

impl YearFacts {
    /// Every change of every group, the county's first.
    pub fn contributions(&self, county_code: &str) -> Vec<Contribution> {
        let mut out: Vec<Contribution> = self
            .changes
            .iter()
            .map(|Change(m, day, delta)| {
                Contribution(Dim::County, county_code.to_owned(), *m, *day, *delta)
            })
            .collect();
        for (dim, key, own) in &self.groups {
            for Change(m, day, delta) in own.as_ref().unwrap_or(&self.changes) {
                out.push(Contribution(*dim, key.clone(), *m, *day, *delta));
            }
        }
        out
    }
}

/// How an enrolment's group is named.
type KeyOf = fn(&Enrolment) -> &str;

/// The enrolments of `year` that ended (completed or dropped).
fn of_year(person: &Person, year: i32) -> Vec<&Enrolment> {
    person
        .enrolments
        .iter()
        .filter(|e| e.cohort_end.year() == year)
        .filter(|e| e.completed_on.is_some() || e.dropped_on.is_some())
        .collect()
}

/// The county a trainee is counted in for a year: that of the first cohort of the year they
/// completed, else of the first they left. Fixed at training: where the trainee lives later
/// does not move it.
pub fn county_of(enrolments: &[&Enrolment]) -> Option<String> {
    let first = |of: &dyn Fn(&Enrolment) -> Option<NaiveDate>| {
        enrolments
            .iter()
            .filter_map(|e| of(e).map(|day| (day, &e.cohort_id, &e.county_code)))
            .min()
            .map(|(_, _, county)| county.clone())
    };
    first(&|e| e.completed_on).or_else(|| first(&|e| e.dropped_on))
}

/// Everything the person adds to `year`'s figures, with the county they are counted in: for
/// the county, each category, and each cohort, provider and occupation of the year's
/// enrolments. `None` when nothing.
pub fn year_facts(person: &Person, year: i32, counting: Counting) -> Option<(String, YearFacts)> {
    let of_year = of_year(person, year);
    let county = county_of(&of_year)?;
    let changes = changes(person, &of_year, year, &county, counting);
    let mut groups: Vec<(Dim, String, Option<Vec<Change>>)> = person
        .categories
        .iter()
        .map(|c| (Dim::Category, c.clone(), None))
        .collect();
    let by: [(Dim, KeyOf); 3] = [
        (Dim::Cohort, |e| &e.cohort_id),
        (Dim::Provider, |e| &e.provider_id),
        (Dim::Occupation, |e| &e.occupation),
    ];
    for (dim, key_of) in by {
        let keys: BTreeSet<&str> = of_year.iter().map(|e| key_of(e)).collect();
        for key in keys {
            let group: Vec<&Enrolment> = of_year
                .iter()
                .copied()
                .filter(|e| key_of(e) == key)
                .collect();
            let own = (group.len() != of_year.len())
                .then(|| self::changes(person, &group, year, &county, counting));
            groups.push((dim, key.to_owned(), own));
        }
    }
    Some((county, YearFacts { changes, groups }))
}

/// [`year_facts`] spelled out as contributions (empty when nothing).
pub fn contributions(person: &Person, year: i32, counting: Counting) -> Vec<Contribution> {
    year_facts(person, year, counting)
        .map(|(county, f)| f.contributions(&county))
        .unwrap_or_default()
}

/// When the trainee's work reached each of its marks since the completion: the first day of
/// the minimum days of work at the threshold (employed), of counting work of any income
/// (worked), and the first day of counting work with no threshold in force.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkMarks {
    /// Employed (实现就业) from this day.
    pub employed_from: Option<NaiveDate>,
    /// In counting work for the minimum days from this day.
    pub worked_from: Option<NaiveDate>,
    /// The first day of counting work without a threshold to judge it by.
    pub unassessed_from: Option<NaiveDate>,
}

/// The trainee's employment on `day` (of working age that day or not).
fn status(person: &Person, thresholds: &[Threshold], day: NaiveDate) -> EmploymentStatus {
    let age = age_on(person.birth_date, day);
    let working_age = (16..person.retirement_age).contains(&age);
    status_on(&person.placements, thresholds, working_age, day).status
}

/// The marks of the work from `from` through `last`, judged on `days` (sorted): the employment
/// found on a day holds until the next of them. Given every day on which the employment may
/// change, this is the same as judging every day.
pub fn work_marks(
    person: &Person,
    thresholds: &[Threshold],
    from: NaiveDate,
    last: NaiveDate,
    days: &[NaiveDate],
    min_days: u32,
) -> WorkMarks {
    use EmploymentStatus::{Employed, IncomeUnassessed, NotEmployed};
    let mut marks = WorkMarks::default();
    let need = i64::from(min_days.max(1)) - 1;
    let (mut employed_run, mut work_run): (Option<NaiveDate>, Option<NaiveDate>) = (None, None);
    let mut starts: Vec<NaiveDate> = days
        .iter()
        .copied()
        .filter(|d| (from..=last).contains(d))
        .collect();
    if starts.first() != Some(&from) {
        starts.insert(0, from);
    }
    for (i, &start) in starts.iter().enumerate() {
        let end = starts
            .get(i + 1)
            .and_then(|next| next.pred_opt())
            .unwrap_or(last);
        let now = status(person, thresholds, start);
        // A run reaches its mark on its (min_days)th day, if that falls in this stretch.
        let reach = |run: &mut Option<NaiveDate>, on: bool, mark: &mut Option<NaiveDate>| {
            if !on {
                *run = None;
                return;
            }
            let began = *run.get_or_insert(start);
            let at = began + Duration::days(need);
            if mark.is_none() && at <= end {
                *mark = Some(at.max(start));
            }
        };
        reach(&mut employed_run, now == Employed, &mut marks.employed_from);
        reach(&mut work_run, now != NotEmployed, &mut marks.worked_from);
        if now == IncomeUnassessed && marks.unassessed_from.is_none() {
            marks.unassessed_from = Some(start);
        }
    }
    marks
}

/// The days a figure changes within the year's window, counting the enrolments given, in the
/// county the trainee is counted in.
fn changes(
    person: &Person,
    enrolments: &[&Enrolment],
    year: i32,
    county: &str,
    counting: Counting,
) -> Vec<Change> {
    let Some((first, last)) = counting.window(year) else {
        return Vec::new();
    };
    let thresholds = person.thresholds.get(county).map_or(&[][..], Vec::as_slice);
    let mut days = candidate_days(person, enrolments, thresholds, first, last);
    let marks = work_from(enrolments, first)
        .map(|from| work_marks(person, thresholds, from, last, &days, counting.min_days))
        .unwrap_or_default();
    for mark in [
        marks.employed_from,
        marks.worked_from,
        marks.unassessed_from,
    ]
    .into_iter()
    .flatten()
    {
        if let Err(at) = days.binary_search(&mark) {
            days.insert(at, mark);
        }
    }
    let mut out = Vec::new();
    let mut before = [0_i32; FIGURES];
    for day in days {
        let now = standing_on(person, enrolments, year, thresholds, &marks, day);
        for &metric in Metric::ALL {
            let i = metric.index();
            if now[i] != before[i] {
                out.push(Change(metric, day, now[i] - before[i]));
            }
        }
        before = now;
    }
    out
}

/// The day work starts to count for the enrolments: the first completion, within the window.
pub fn work_from(enrolments: &[&Enrolment], first: NaiveDate) -> Option<NaiveDate> {
    enrolments
        .iter()
        .filter_map(|e| e.completed_on)
        .min()
        .map(|d| d.max(first))
}

/// A day clamped into the year.
fn within(day: NaiveDate, first: NaiveDate, last: NaiveDate) -> NaiveDate {
    day.clamp(first, last)
}

/// The day an enrolment counts as trained in its year: its completion, held within the
/// calendar year (a completion recorded in January for a December cohort counts on 31
/// December).
fn trained_day(e: &Enrolment) -> Option<NaiveDate> {
    let (first, last) = year_bounds(e.cohort_end.year())?;
    e.completed_on.map(|d| within(d, first, last))
}

/// Each figure for the person on `day`, counting the enrolments given, with the marks of their
/// work.
pub fn standing_on(
    person: &Person,
    enrolments: &[&Enrolment],
    year: i32,
    thresholds: &[Threshold],
    marks: &WorkMarks,
    day: NaiveDate,
) -> [i32; FIGURES] {
    let mut out = [0; FIGURES];
    let Some((first, last)) = year_bounds(year) else {
        return out;
    };
    let mut set = |m: Metric, value: i32| out[m.index()] = value;
    let yes = i32::from;
    let trained: Vec<&Enrolment> = enrolments
        .iter()
        .copied()
        .filter(|e| trained_day(e).is_some_and(|d| d <= day))
        .collect();
    let is_trained = !trained.is_empty();
    set(Metric::Trained, yes(is_trained));
    set(
        Metric::Dropped,
        yes(!is_trained
            && enrolments
                .iter()
                .filter_map(|e| e.dropped_on)
                .any(|d| within(d, first, last) <= day)),
    );
    set(
        Metric::Assessed,
        yes(trained
            .iter()
            .any(|e| e.assessed_on.is_some_and(|d| d <= day))),
    );
    let for_course =
        |e: &Enrolment, c: &Certificate| c.occupation == e.occupation && c.level <= e.level;
    let certified = trained.iter().any(|e| {
        person
            .certificates
            .iter()
            .any(|c| for_course(e, c) && e.enrolled_on <= c.issued_on && c.issued_on <= day)
    });
    set(Metric::Certified, yes(certified));
    set(
        Metric::AlreadyCertified,
        yes(!certified
            && trained.iter().any(|e| {
                person
                    .certificates
                    .iter()
                    .any(|c| for_course(e, c) && c.issued_on < e.enrolled_on)
            })),
    );
    set(
        Metric::IntermediateTrained,
        yes(trained.iter().any(|e| e.level == 4)),
    );
    set(
        Metric::AdvancedTrained,
        yes(trained.iter().any(|e| e.level <= 3)),
    );
    if !is_trained || person.placements.is_empty() {
        return out;
    }
    let by = |mark: Option<NaiveDate>| mark.is_some_and(|d| d <= day);
    let employed = by(marks.employed_from);
    let worked = by(marks.worked_from);
    set(Metric::Employed, yes(employed));
    set(
        Metric::IncomeUnassessed,
        yes(worked && !employed && by(marks.unassessed_from)),
    );
    set(
        Metric::EmployedBelowThreshold,
        yes(worked && !employed && !by(marks.unassessed_from)),
    );
    let now = status(person, thresholds, day) == EmploymentStatus::Employed;
    set(Metric::EmployedNow, yes(now));
    // Retention: at the current work's employer (household, business), six months in twelve.
    let current: BTreeSet<&str> = person
        .placements
        .iter()
        .filter(|p| works_on(p, day))
        .map(|p| p.employer_key.as_str())
        .collect();
    set(
        Metric::Retained,
        yes(now && retained_at(&person.placements, day, &current)),
    );
    let (mut due, mut recorded, mut overdue) = (0, 0, 0);
    for p in person.placements.iter().filter(|p| !p.disputed) {
        let (d, r) = windows(p, first, day);
        due += d;
        recorded += r;
        overdue += i32::from(is_overdue(p, day));
    }
    set(Metric::FollowUpWindowsDue, due);
    set(Metric::FollowUpWindowsRecorded, recorded);
    set(Metric::FollowUpsOverdue, overdue);
    out
}

/// The 30-day windows of a placement that fell due from `from` through `day` (and by its end),
/// and of those the ones with a follow-up. Window k runs from the day after `start + 30(k−1)`
/// through `start + 30k`, and falls due on its last day.
fn windows(p: &PlacementFacts, from: NaiveDate, day: NaiveDate) -> (i32, i32) {
    let until = p.ended_on.map_or(day, |end| end.min(day));
    let (mut due, mut recorded) = (0, 0);
    let mut k: i64 = 1;
    loop {
        let closes = p.start + Duration::days(FOLLOW_UP_EVERY_DAYS * k);
        if closes > until {
            break;
        }
        if closes >= from {
            due += 1;
            let opens = closes - Duration::days(FOLLOW_UP_EVERY_DAYS);
            recorded += i32::from(p.follow_ups.iter().any(|f| opens < f.on && f.on <= closes));
        }
        k += 1;
    }
    (due, recorded)
}

/// Whether the placement is open on `day` and its follow-up overdue: due (30 days after the
/// latest follow-up by then, or its start) before `day`.
fn is_overdue(p: &PlacementFacts, day: NaiveDate) -> bool {
    let open = p.start <= day && p.ended_on.is_none_or(|end| day <= end);
    open && due_on(p.start, latest_on(&p.follow_ups, day).map(|f| f.on)) < day
}

/// Every day of the window on which some figure may change: outside these days nothing the
/// figures depend on does (the marks of the work are added by the caller). Sorted, within the
/// window, its first day included.
fn candidate_days(
    person: &Person,
    enrolments: &[&Enrolment],
    thresholds: &[Threshold],
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<NaiveDate> {
    let mut days = BTreeSet::from([first]);
    let mut add = |day: Option<NaiveDate>| {
        if let Some(day) = day
            && (first..=last).contains(&day)
        {
            days.insert(day);
        }
    };
    for e in enrolments {
        add(trained_day(e));
        add(e.completed_on);
        add(e.dropped_on.and_then(|d| {
            let (from, to) = year_bounds(e.cohort_end.year())?;
            Some(within(d, from, to))
        }));
        add(e.assessed_on);
    }
    for c in &person.certificates {
        add(Some(c.issued_on));
    }
    if !person.placements.is_empty() {
        // Birthdays: turning 16 or the retirement age (29 February falls on 1 March).
        for year in first.year()..=last.year() {
            add(
                NaiveDate::from_ymd_opt(year, person.birth_date.month(), person.birth_date.day())
                    .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1)),
            );
        }
        for t in thresholds {
            add(Some(t.valid_from));
            add(t.valid_to.and_then(|d| d.succ_opt()));
        }
        let step = Duration::days(FOLLOW_UP_EVERY_DAYS);
        for p in &person.placements {
            add(Some(p.start));
            add(p.ended_on.and_then(|d| d.succ_opt()));
            // Overdue from the day after the next follow-up fell due.
            add(due_on(p.start, None).succ_opt());
            for f in &p.follow_ups {
                add(Some(f.on));
                add(due_on(p.start, Some(f.on)).succ_opt());
            }
            // A follow-up window closes every 30 days of the placement.
            let mut due = p.start + step;
            while due <= last && p.ended_on.is_none_or(|end| due <= end) {
                add(Some(due));
                due += step;
            }
        }
        // Retention is judged over a sliding year: from six months after the first evidenced
        // work it may change on any day.
        if let Some(from) = person
            .placements
            .iter()
            .filter(|p| p.evidenced && !p.disputed)
            .map(|p| p.start)
            .min()
            .and_then(|start| start.checked_add_months(Months::new(6)))
            .and_then(|d| d.checked_sub_signed(Duration::days(3)))
        {
            let mut day = from.max(first);
            while day <= last {
                days.insert(day);
                day += Duration::days(1);
            }
        }
    }
    days.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::employment::FollowUpFact;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn enrolment(cohort: &str, level: u8, end: &str) -> Enrolment {
        Enrolment {
            cohort_id: cohort.into(),
            provider_id: "p1".into(),
            county_code: "141125".into(),
            occupation: "elderly_care".into(),
            level,
            enrolled_on: d(end) - Duration::days(26),
            cohort_end: d(end),
            completed_on: Some(d(end)),
            dropped_on: None,
            assessed_on: None,
        }
    }

    fn person(enrolments: Vec<Enrolment>) -> Person {
        Person {
            birth_date: d("1980-06-15"),
            retirement_age: 60,
            categories: vec!["rural_transfer".into()],
            enrolments,
            certificates: Vec::new(),
            placements: Vec::new(),
            thresholds: BTreeMap::new(),
        }
    }

    /// The default counting: cut-off 31 March, 30 days of work.
    const COUNTING: Counting = Counting {
        cutoff: (3, 31),
        min_days: 30,
    };

    fn contributions(p: &Person, year: i32) -> Vec<Contribution> {
        super::contributions(p, year, COUNTING)
    }

    /// Liulin's thresholds.
    fn liulin(rows: Vec<Threshold>) -> BTreeMap<String, Vec<Threshold>> {
        BTreeMap::from([("141125".to_owned(), rows)])
    }

    fn placement(start: &str, wage: i64) -> PlacementFacts {
        PlacementFacts {
            id: "pl".into(),
            employer_key: "e1".into(),
            start: d(start),
            evidenced: true,
            disputed: false,
            ended_on: None,
            wage_fen: wage,
            follow_ups: Vec::new(),
        }
    }

    /// The figure on `day` from the changes, as the reports sum them.
    fn sum(list: &[Contribution], dim: Dim, metric: Metric, day: &str) -> i32 {
        list.iter()
            .filter(|c| c.0 == dim && c.2 == metric && c.3 <= d(day))
            .map(|c| c.4)
            .sum()
    }

    #[test]
    fn a_completion_counts_trained_from_its_day_in_every_group() {
        let p = person(vec![enrolment("c1", 5, "2026-03-10")]);
        let list = contributions(&p, 2026);
        for dim in [
            Dim::County,
            Dim::Category,
            Dim::Cohort,
            Dim::Provider,
            Dim::Occupation,
        ] {
            assert_eq!(sum(&list, dim, Metric::Trained, "2026-03-09"), 0, "{dim:?}");
            assert_eq!(sum(&list, dim, Metric::Trained, "2026-03-10"), 1, "{dim:?}");
        }
        assert!(contributions(&p, 2025).is_empty());
        assert_eq!(
            sum(
                &list,
                Dim::County,
                Metric::IntermediateTrained,
                "2026-12-31"
            ),
            0
        );
    }

    #[test]
    fn a_late_completion_counts_on_the_last_day_of_the_cohorts_year() {
        let mut e = enrolment("c1", 4, "2025-12-20");
        e.completed_on = Some(d("2026-01-05"));
        let list = contributions(&person(vec![e]), 2025);
        assert_eq!(sum(&list, Dim::County, Metric::Trained, "2025-12-30"), 0);
        assert_eq!(sum(&list, Dim::County, Metric::Trained, "2025-12-31"), 1);
        assert_eq!(
            sum(
                &list,
                Dim::County,
                Metric::IntermediateTrained,
                "2025-12-31"
            ),
            1
        );
    }

    #[test]
    fn dropped_counts_until_another_cohort_of_the_year_is_completed() {
        let mut left = enrolment("c1", 5, "2026-04-01");
        left.completed_on = None;
        left.dropped_on = Some(d("2026-03-01"));
        let list = contributions(&person(vec![left.clone()]), 2026);
        assert_eq!(sum(&list, Dim::County, Metric::Dropped, "2026-03-01"), 1);
        let done = enrolment("c2", 5, "2026-08-01");
        let list = contributions(&person(vec![left, done]), 2026);
        assert_eq!(sum(&list, Dim::County, Metric::Dropped, "2026-07-31"), 1);
        assert_eq!(sum(&list, Dim::County, Metric::Dropped, "2026-08-01"), 0);
        assert_eq!(sum(&list, Dim::County, Metric::Trained, "2026-08-01"), 1);
        // The cohort left still counts its drop-out: groups count their own enrolments.
        assert_eq!(sum(&list, Dim::Cohort, Metric::Dropped, "2026-12-31"), 1);
    }

    #[test]
    fn certified_needs_the_occupation_at_the_cohorts_level_or_above() {
        let mut p = person(vec![enrolment("c1", 4, "2026-05-01")]);
        p.certificates = vec![Certificate {
            occupation: "elderly_care".into(),
            level: 5,
            issued_on: d("2026-05-10"),
        }];
        let list = contributions(&p, 2026);
        assert_eq!(sum(&list, Dim::County, Metric::Certified, "2026-12-31"), 0);
        p.certificates.push(Certificate {
            occupation: "infant_care".into(),
            level: 3,
            issued_on: d("2026-05-10"),
        });
        assert_eq!(
            sum(
                &contributions(&p, 2026),
                Dim::County,
                Metric::Certified,
                "2026-12-31"
            ),
            0
        );
        p.certificates.push(Certificate {
            occupation: "elderly_care".into(),
            level: 3,
            issued_on: d("2026-06-01"),
        });
        let list = contributions(&p, 2026);
        assert_eq!(sum(&list, Dim::County, Metric::Certified, "2026-05-31"), 0);
        assert_eq!(sum(&list, Dim::County, Metric::Certified, "2026-06-01"), 1);
    }

    #[test]
    fn a_certificate_held_before_the_course_is_already_certified_not_certified() {
        let mut p = person(vec![enrolment("c1", 5, "2026-05-01")]);
        p.certificates = vec![Certificate {
            occupation: "elderly_care".into(),
            level: 5,
            issued_on: d("2024-01-01"),
        }];
        let list = contributions(&p, 2026);
        assert_eq!(sum(&list, Dim::County, Metric::Certified, "2026-12-31"), 0);
        assert_eq!(
            sum(&list, Dim::County, Metric::AlreadyCertified, "2026-04-30"),
            0
        );
        assert_eq!(
            sum(&list, Dim::County, Metric::AlreadyCertified, "2026-05-01"),
            1
        );
        // A new one obtained by the course counts as certified, and no longer as already.
        p.certificates.push(Certificate {
            occupation: "elderly_care".into(),
            level: 5,
            issued_on: d("2026-05-10"),
        });
        let list = contributions(&p, 2026);
        assert_eq!(sum(&list, Dim::County, Metric::Certified, "2026-05-10"), 1);
        assert_eq!(
            sum(&list, Dim::County, Metric::AlreadyCertified, "2026-05-10"),
            0
        );
    }

    #[test]
    fn a_certificate_of_january_counts_for_the_year_before_until_the_cut_off() {
        // Cohort ends 25 November, certificate 5 January.
        let mut p = person(vec![enrolment("c1", 5, "2025-11-25")]);
        p.certificates = vec![Certificate {
            occupation: "elderly_care".into(),
            level: 5,
            issued_on: d("2026-01-05"),
        }];
        let list = contributions(&p, 2025);
        assert_eq!(sum(&list, Dim::County, Metric::Certified, "2025-12-31"), 0);
        assert_eq!(sum(&list, Dim::County, Metric::Certified, "2026-01-05"), 1);
        // Issued after the cut-off: never counted for 2025.
        p.certificates[0].issued_on = d("2026-04-01");
        let list = contributions(&p, 2025);
        assert_eq!(sum(&list, Dim::County, Metric::Certified, "2026-03-31"), 0);
        assert!(list.iter().all(|c| c.3 <= d("2026-03-31")));
    }

    #[test]
    fn employed_needs_thirty_days_at_the_threshold_and_stays_achieved() {
        let mut p = person(vec![enrolment("c1", 5, "2026-02-01")]);
        let mut job = placement("2026-03-01", 150_000);
        // From 20 May a follow-up says the income fell below the threshold.
        job.follow_ups = vec![FollowUpFact {
            on: d("2026-05-20"),
            received_at: d("2026-05-20").and_hms_opt(8, 0, 0).unwrap(),
            still_employed: true,
            same_employer: true,
            income_fen: Some(90_000),
        }];
        p.placements = vec![job];
        // No threshold in March; 1,000 yuan from April.
        p.thresholds = liulin(vec![Threshold {
            monthly_fen: 100_000,
            valid_from: d("2026-04-01"),
            valid_to: None,
        }]);
        let list = contributions(&p, 2026);
        let at = |m, day| sum(&list, Dim::County, m, day);
        assert_eq!(at(Metric::EmployedNow, "2026-02-28"), 0);
        // March: in work, income unassessed, after 30 days.
        assert_eq!(at(Metric::IncomeUnassessed, "2026-03-29"), 0);
        assert_eq!(at(Metric::IncomeUnassessed, "2026-03-30"), 1);
        assert_eq!(at(Metric::EmployedNow, "2026-04-01"), 1);
        // Employed on the 30th day at the threshold: 1 April + 29.
        assert_eq!(at(Metric::Employed, "2026-04-29"), 0);
        assert_eq!(at(Metric::Employed, "2026-04-30"), 1);
        assert_eq!(at(Metric::IncomeUnassessed, "2026-04-30"), 0);
        // Below the threshold from 20 May: not employed now, still employed (achieved).
        assert_eq!(at(Metric::EmployedNow, "2026-05-20"), 0);
        assert_eq!(at(Metric::Employed, "2026-12-31"), 1);
        assert_eq!(at(Metric::EmployedBelowThreshold, "2026-12-31"), 0);
    }

    #[test]
    fn work_from_april_to_october_is_employed_but_not_employed_now_in_december() {
        let mut p = person(vec![enrolment("c1", 5, "2026-03-20")]);
        let mut job = placement("2026-04-01", 300_000);
        job.ended_on = Some(d("2026-10-31"));
        p.placements = vec![job];
        p.thresholds = liulin(vec![Threshold {
            monthly_fen: 100_000,
            valid_from: d("2020-01-01"),
            valid_to: None,
        }]);
        let list = contributions(&p, 2026);
        let at = |m, day| sum(&list, Dim::County, m, day);
        assert_eq!(at(Metric::Employed, "2026-12-31"), 1);
        assert_eq!(at(Metric::EmployedNow, "2026-12-31"), 0);
        assert_eq!(at(Metric::EmployedNow, "2026-10-31"), 1);
        // Twenty-nine days are not enough.
        p.placements[0].ended_on = Some(d("2026-04-29"));
        let list = contributions(&p, 2026);
        assert_eq!(sum(&list, Dim::County, Metric::Employed, "2026-12-31"), 0);
        // Below threshold is counted on the same basis: 29 days are not work either.
        assert_eq!(
            sum(
                &list,
                Dim::County,
                Metric::EmployedBelowThreshold,
                "2026-12-31"
            ),
            0
        );
    }

    #[test]
    fn a_november_cohort_placed_in_january_counts_for_its_year_before_the_cut_off() {
        let mut p = person(vec![enrolment("c1", 5, "2025-11-25")]);
        p.placements = vec![placement("2026-01-10", 300_000)];
        p.thresholds = liulin(vec![Threshold {
            monthly_fen: 100_000,
            valid_from: d("2020-01-01"),
            valid_to: None,
        }]);
        let list = contributions(&p, 2025);
        let at = |m, day| sum(&list, Dim::County, m, day);
        assert_eq!(at(Metric::Employed, "2025-12-31"), 0);
        assert_eq!(at(Metric::Employed, "2026-02-08"), 1);
        assert_eq!(at(Metric::Employed, "2026-03-31"), 1);
    }

    #[test]
    fn out_of_working_age_work_does_not_count() {
        // A woman turning 55 on 15 June, working from 1 June at the threshold.
        let mut p = person(vec![enrolment("c1", 5, "2026-05-20")]);
        p.birth_date = d("1971-06-15");
        p.retirement_age = 55;
        p.placements = vec![placement("2026-06-01", 300_000)];
        p.thresholds = liulin(vec![Threshold {
            monthly_fen: 100_000,
            valid_from: d("2020-01-01"),
            valid_to: None,
        }]);
        let list = contributions(&p, 2026);
        assert_eq!(sum(&list, Dim::County, Metric::Employed, "2026-12-31"), 0);
        assert_eq!(
            sum(&list, Dim::County, Metric::EmployedNow, "2026-06-14"),
            1
        );
        assert_eq!(
            sum(&list, Dim::County, Metric::EmployedNow, "2026-06-15"),
            0
        );
        // The same man is of working age until 60.
        p.retirement_age = 60;
        let list = contributions(&p, 2026);
        assert_eq!(sum(&list, Dim::County, Metric::Employed, "2026-12-31"), 1);
    }

    #[test]
    fn retention_and_follow_up_windows_change_on_their_days() {
        let mut p = person(vec![enrolment("c1", 5, "2026-02-01")]);
        let mut job = placement("2026-03-01", 500_000);
        // One follow-up in the first 30 days, none in the second.
        job.follow_ups = vec![FollowUpFact {
            on: d("2026-03-20"),
            received_at: d("2026-03-20").and_hms_opt(8, 0, 0).unwrap(),
            still_employed: true,
            same_employer: true,
            income_fen: None,
        }];
        p.placements = vec![job];
        p.thresholds = liulin(vec![Threshold {
            monthly_fen: 100_000,
            valid_from: d("2020-01-01"),
            valid_to: None,
        }]);
        let list = contributions(&p, 2026);
        let at = |m, day| sum(&list, Dim::County, m, day);
        assert_eq!(at(Metric::FollowUpWindowsDue, "2026-03-30"), 0);
        assert_eq!(at(Metric::FollowUpWindowsDue, "2026-03-31"), 1);
        assert_eq!(at(Metric::FollowUpWindowsRecorded, "2026-03-31"), 1);
        assert_eq!(at(Metric::FollowUpWindowsDue, "2026-04-30"), 2);
        assert_eq!(at(Metric::FollowUpWindowsRecorded, "2026-04-30"), 1);
        // Overdue the day after it fell due: 30 days after the follow-up of 20 March.
        assert_eq!(at(Metric::FollowUpsOverdue, "2026-04-19"), 0);
        assert_eq!(at(Metric::FollowUpsOverdue, "2026-04-20"), 1);
        assert_eq!(at(Metric::Retained, "2026-08-31"), 0);
        assert_eq!(at(Metric::Retained, "2026-09-01"), 1);
    }

    #[test]
    fn eleven_windows_of_twelve_are_ninety_two_percent_not_zero() {
        let mut job = placement("2025-01-01", 500_000);
        // A follow-up in every window but the fifth (days 121–150).
        for k in 1..=12 {
            if k != 5 {
                let on = job.start + Duration::days(30 * k - 5);
                job.follow_ups.push(FollowUpFact {
                    on,
                    received_at: on.and_hms_opt(8, 0, 0).unwrap(),
                    still_employed: true,
                    same_employer: true,
                    income_fen: None,
                });
            }
        }
        let day = job.start + Duration::days(360);
        assert_eq!(windows(&job, d("2025-01-01"), day), (12, 11));
        // Windows that fell due before the span are not the report's.
        assert_eq!(windows(&job, d("2025-06-01"), day), (7, 7));
    }

    #[test]
    fn the_trainee_is_counted_in_the_county_of_the_cohort_and_its_thresholds() {
        let mut e = enrolment("c1", 5, "2026-02-01");
        e.county_code = "141126".into();
        let mut p = person(vec![e]);
        p.placements = vec![placement("2026-03-01", 90_000)];
        p.thresholds = BTreeMap::from([
            (
                "141125".to_owned(),
                vec![Threshold {
                    monthly_fen: 80_000,
                    valid_from: d("2020-01-01"),
                    valid_to: None,
                }],
            ),
            (
                "141126".to_owned(),
                vec![Threshold {
                    monthly_fen: 100_000,
                    valid_from: d("2020-01-01"),
                    valid_to: None,
                }],
            ),
        ]);
        let (county, facts) = year_facts(&p, 2026, COUNTING).unwrap();
        assert_eq!(county, "141126");
        let list = facts.contributions(&county);
        // Judged by Shilou's threshold, 1,000 yuan: 900 is below.
        assert_eq!(
            sum(
                &list,
                Dim::County,
                Metric::EmployedBelowThreshold,
                "2026-12-31"
            ),
            1
        );
        assert!(list.iter().all(|c| c.0 != Dim::County || c.1 == "141126"));
    }

    #[test]
    fn groups_count_only_their_own_enrolments() {
        let mut l4 = enrolment("c2", 4, "2026-09-01");
        l4.provider_id = "p2".into();
        let p = person(vec![enrolment("c1", 5, "2026-03-01"), l4]);
        let list = contributions(&p, 2026);
        let group = |dim, key: &str, m, day| -> i32 {
            list.iter()
                .filter(|c| c.0 == dim && c.1 == key && c.2 == m && c.3 <= d(day))
                .map(|c| c.4)
                .sum()
        };
        assert_eq!(
            group(Dim::County, "141125", Metric::Trained, "2026-12-31"),
            1
        );
        assert_eq!(group(Dim::Cohort, "c1", Metric::Trained, "2026-03-01"), 1);
        assert_eq!(group(Dim::Cohort, "c2", Metric::Trained, "2026-08-31"), 0);
        assert_eq!(
            group(
                Dim::Provider,
                "p2",
                Metric::IntermediateTrained,
                "2026-09-01"
            ),
            1
        );
        assert_eq!(
            group(
                Dim::Provider,
                "p1",
                Metric::IntermediateTrained,
                "2026-12-31"
            ),
            0
        );
        assert_eq!(
            group(
                Dim::County,
                "141125",
                Metric::IntermediateTrained,
                "2026-09-01"
            ),
            1
        );
    }

    #[test]
    fn periods_are_fourteen_days_from_the_first_of_january_and_again_after_the_year() {
        assert_eq!(period_in(2026, d("2026-01-01")), 0);
        assert_eq!(period_in(2026, d("2026-01-14")), 0);
        assert_eq!(period_in(2026, d("2026-01-15")), 1);
        assert_eq!(period_in(2026, d("2026-12-30")), 25);
        assert_eq!(period_in(2026, d("2026-12-31")), 26);
        assert_eq!(period_in(2024, d("2024-12-31")), 26);
        assert_eq!(period_end(2026, 26), Some(d("2026-12-31")));
        assert_eq!(period_end(2024, 25), Some(d("2024-12-29")));
        // The outcome window: from 1 January of the year after.
        assert_eq!(period_in(2026, d("2027-01-01")), AFTER_YEAR);
        assert_eq!(period_in(2026, d("2027-03-31")), AFTER_YEAR + 6);
        assert_eq!(period_start(2026, AFTER_YEAR + 1), Some(d("2027-01-15")));
        assert_eq!(period_end(2026, AFTER_YEAR), Some(d("2027-01-14")));
        // The two counts agree on the days of the year after.
        let day = d("2027-02-20");
        assert_eq!(
            period_start(2026, period_in(2026, day)),
            period_start(2027, period_in(2027, day))
        );
        assert_eq!(period_start(2026, 1), Some(d("2026-01-15")));
        assert_eq!(level_digit("L4"), Some(4));
        assert_eq!(level_digit("L9"), None);
    }

    /// A small deterministic generator, so that the property below covers many shapes of
    /// person without a dependency.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }

        fn day(&mut self, from: &str, span: u64) -> NaiveDate {
            d(from) + Duration::days(self.next(span) as i64)
        }
    }

    fn random_person(rng: &mut Lcg) -> Person {
        let mut enrolments = Vec::new();
        for k in 0..=rng.next(3) {
            let end = rng.day("2025-10-01", 600);
            let mut e = enrolment(&format!("c{k}"), 5 - rng.next(3) as u8, "2026-01-01");
            e.cohort_end = end;
            e.completed_on = None;
            match rng.next(3) {
                0 => e.completed_on = Some(end + Duration::days(rng.next(40) as i64 - 10)),
                1 => e.dropped_on = Some(end - Duration::days(rng.next(20) as i64)),
                _ => {}
            }
            if rng.next(2) == 0 {
                e.assessed_on = Some(end + Duration::days(rng.next(60) as i64));
            }
            enrolments.push(e);
        }
        let mut p = person(enrolments);
        // Some turn the retirement age within the year, some were born on 29 February.
        p.birth_date = match rng.next(3) {
            0 => rng.day("1966-01-01", 400),
            1 => d("1968-02-29"),
            _ => rng.day("1980-01-01", 3000),
        };
        for _ in 0..rng.next(3) {
            p.certificates.push(Certificate {
                occupation: "elderly_care".into(),
                level: 5 - rng.next(3) as u8,
                issued_on: rng.day("2025-06-01", 700),
            });
        }
        for k in 0..rng.next(3) {
            let mut job = placement(
                &rng.day("2025-09-01", 500).to_string(),
                60_000 + 20_000 * rng.next(8) as i64,
            );
            job.id = format!("pl{k}");
            job.employer_key = format!("e{}", rng.next(2));
            job.evidenced = rng.next(4) != 0;
            job.disputed = rng.next(6) == 0;
            if rng.next(3) == 0 {
                job.ended_on = Some(job.start + Duration::days(rng.next(300) as i64));
            }
            for _ in 0..rng.next(8) {
                let on = job.start + Duration::days(rng.next(400) as i64);
                job.follow_ups.push(FollowUpFact {
                    on,
                    received_at: on.and_hms_opt(rng.next(24) as u32, 0, 0).unwrap(),
                    still_employed: rng.next(5) != 0,
                    same_employer: rng.next(8) != 0,
                    income_fen: (rng.next(3) != 0).then(|| 50_000 + 20_000 * rng.next(8) as i64),
                });
            }
            p.placements.push(job);
        }
        let mut from = d("2025-01-01");
        let rows = p.thresholds.entry("141125".to_owned()).or_default();
        for _ in 0..rng.next(7) {
            let to = from + Duration::days(rng.next(120) as i64);
            rows.push(Threshold {
                monthly_fen: 80_000 + 10_000 * rng.next(4) as i64,
                valid_from: from,
                valid_to: (rng.next(3) != 0).then_some(to),
            });
            from = to + Duration::days(1 + rng.next(30) as i64);
        }
        p
    }

    #[test]
    fn on_every_day_of_the_year_the_changes_add_up_to_the_standing_that_day() {
        let mut rng = Lcg(7);
        for case in 0..1000 {
            let p = random_person(&mut rng);
            for year in [2025, 2026, 2027] {
                let of_year: Vec<&Enrolment> = p
                    .enrolments
                    .iter()
                    .filter(|e| e.cohort_end.year() == year)
                    .filter(|e| e.completed_on.is_some() || e.dropped_on.is_some())
                    .collect();
                let Some((county, facts)) = year_facts(&p, year, COUNTING) else {
                    assert!(of_year.is_empty());
                    continue;
                };
                let (first, last) = COUNTING.window(year).unwrap();
                let thresholds = p.thresholds.get(&county).map_or(&[][..], Vec::as_slice);
                // The marks of the work judged on every day: independent of the days the
                // changes are computed on.
                let every_day: Vec<NaiveDate> =
                    first.iter_days().take_while(|d| *d <= last).collect();
                let marks = work_from(&of_year, first)
                    .map(|from| work_marks(&p, thresholds, from, last, &every_day, 30))
                    .unwrap_or_default();
                let mut day = first;
                while day <= last {
                    let standing = standing_on(&p, &of_year, year, thresholds, &marks, day);
                    for &metric in Metric::ALL {
                        let sum: i32 = facts
                            .changes
                            .iter()
                            .filter(|c| c.0 == metric && c.1 <= day)
                            .map(|c| c.2)
                            .sum();
                        assert_eq!(
                            sum,
                            standing[metric.index()],
                            "case {case}, {metric:?} on {day}: {p:?}"
                        );
                    }
                    day += Duration::days(1);
                }
            }
        }
    }
}
