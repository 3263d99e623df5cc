//! The programme's counts (DOMAIN.md, "Rules that count"): what one trainee adds to each figure
//! of a year's report, on any day of that year.
//!
//! Every figure is a yes/no per trainee that can change from one day to the next (a completion,
//! a certificate, a job, a follow-up, a threshold coming into force, a birthday). [`changes`]
//! lists the days it changes as +1 / −1, so that a figure on a day is the sum of the changes up
//! to it: what the reports keep summed per group, and a late record simply adds changes to the
//! days it concerns.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::employment::{
    self, EmploymentStatus, FOLLOW_UP_EVERY_DAYS, PlacementFacts, Threshold, completeness_on,
    retained_on, status_on,
};
use super::id_number::age_on;
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
    /// Trained and holds a counting certificate for the cohort's occupation at its level or
    /// above.
    Certified,
    /// Trained and employed with an income at or above the threshold.
    Employed,
    /// Trained and in evidenced work paying below the threshold.
    EmployedBelowThreshold,
    /// Trained and in evidenced work where no threshold is in force.
    IncomeUnassessed,
    /// Employed and retained: six months within twelve at one employer.
    Retained,
    /// Trained, placed, and owing at least one follow-up.
    FollowUpDue,
    /// Of those owing follow-ups, every one owed was recorded.
    FollowUpRecorded,
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
    Employed = "employed",
    EmployedBelowThreshold = "employed_below_threshold",
    IncomeUnassessed = "income_unassessed",
    Retained = "retained",
    FollowUpDue = "follow_up_due",
    FollowUpRecorded = "follow_up_recorded",
    IntermediateTrained = "intermediate_trained",
    AdvancedTrained = "advanced_trained",
});

/// How many figures there are.
const FIGURES: usize = 12;

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
    /// The trainee's county.
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
    /// The cohort's occupation.
    pub occupation: String,
    /// The cohort's level digit (5 for L5 … 1 for L1).
    pub level: u8,
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
    /// The age from which no work counts.
    pub retirement_age: u32,
    /// The trainee's county.
    pub county_code: String,
    /// The trainee's categories.
    pub categories: Vec<String>,
    /// Enrolments completed or dropped.
    pub enrolments: Vec<Enrolment>,
    /// Certificates of counting kinds.
    pub certificates: Vec<Certificate>,
    /// Placements with their follow-ups.
    pub placements: Vec<PlacementFacts>,
    /// The income thresholds of the trainee's county.
    pub thresholds: Vec<Threshold>,
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

/// The first and last day of a programme year.
pub fn year_bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year, 12, 31)?,
    ))
}

/// The two-week period (from 0) of the year a day falls in.
pub fn period_of(day: NaiveDate) -> i32 {
    i32::try_from(day.ordinal0() / 14).unwrap_or(0)
}

/// The first day of period `index` (from 0) of `year`.
pub fn period_start(year: i32, index: i32) -> Option<NaiveDate> {
    let (first, _) = year_bounds(year)?;
    first.checked_add_signed(Duration::days(14 * i64::from(index)))
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

/// One figure changing on one day: +1 when the trainee starts to count, −1 when they stop.
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

/// Everything the person adds to `year`'s figures: for the county, each category, and each
/// cohort, provider and occupation of the year's enrolments. `None` when nothing.
pub fn year_facts(person: &Person, year: i32) -> Option<YearFacts> {
    let of_year: Vec<&Enrolment> = person
        .enrolments
        .iter()
        .filter(|e| e.cohort_end.year() == year)
        .filter(|e| e.completed_on.is_some() || e.dropped_on.is_some())
        .collect();
    if of_year.is_empty() {
        return None;
    }
    let changes = changes(person, &of_year, year);
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
            let own = (group.len() != of_year.len()).then(|| self::changes(person, &group, year));
            groups.push((dim, key.to_owned(), own));
        }
    }
    Some(YearFacts { changes, groups })
}

/// [`year_facts`] spelled out as contributions (empty when nothing).
pub fn contributions(person: &Person, year: i32) -> Vec<Contribution> {
    year_facts(person, year)
        .map(|f| f.contributions(&person.county_code))
        .unwrap_or_default()
}

/// The days a figure changes within `year`, counting the enrolments given.
fn changes(person: &Person, enrolments: &[&Enrolment], year: i32) -> Vec<Change> {
    let Some((first, last)) = year_bounds(year) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut before = [false; FIGURES];
    for day in candidate_days(person, enrolments, first, last) {
        let now = standing_on(person, enrolments, year, day);
        for &metric in Metric::ALL {
            let i = metric.index();
            if now[i] != before[i] {
                out.push(Change(metric, day, if now[i] { 1 } else { -1 }));
            }
        }
        before = now;
    }
    out
}

/// A day clamped into the year.
fn within(day: NaiveDate, first: NaiveDate, last: NaiveDate) -> NaiveDate {
    day.clamp(first, last)
}

/// The day an enrolment counts as trained in its year: its completion, held within the year
/// (a completion recorded in January for a December cohort counts on 31 December).
fn trained_day(e: &Enrolment, first: NaiveDate, last: NaiveDate) -> Option<NaiveDate> {
    e.completed_on.map(|d| within(d, first, last))
}

/// Each figure for the person on `day`, counting the enrolments given.
pub fn standing_on(
    person: &Person,
    enrolments: &[&Enrolment],
    year: i32,
    day: NaiveDate,
) -> [bool; FIGURES] {
    let mut out = [false; FIGURES];
    let Some((first, last)) = year_bounds(year) else {
        return out;
    };
    let mut set = |m: Metric, value: bool| out[m.index()] = value;
    let trained: Vec<(&Enrolment, NaiveDate)> = enrolments
        .iter()
        .filter_map(|e| trained_day(e, first, last).map(|d| (*e, d)))
        .filter(|(_, d)| *d <= day)
        .collect();
    let is_trained = !trained.is_empty();
    set(Metric::Trained, is_trained);
    set(
        Metric::Dropped,
        !is_trained
            && enrolments
                .iter()
                .filter_map(|e| e.dropped_on)
                .any(|d| within(d, first, last) <= day),
    );
    set(
        Metric::Assessed,
        trained
            .iter()
            .any(|(e, _)| e.assessed_on.is_some_and(|d| d <= day)),
    );
    set(
        Metric::Certified,
        trained.iter().any(|(e, _)| {
            person
                .certificates
                .iter()
                .any(|c| c.occupation == e.occupation && c.level <= e.level && c.issued_on <= day)
        }),
    );
    set(
        Metric::IntermediateTrained,
        trained.iter().any(|(e, _)| e.level == 4),
    );
    set(
        Metric::AdvancedTrained,
        trained.iter().any(|(e, _)| e.level <= 3),
    );
    if !is_trained || person.placements.is_empty() {
        return out;
    }
    let age = age_on(person.birth_date, day);
    let working_age = (16..person.retirement_age).contains(&age);
    let status = status_on(&person.placements, &person.thresholds, working_age, day).status;
    set(Metric::Employed, status == EmploymentStatus::Employed);
    set(
        Metric::EmployedBelowThreshold,
        status == EmploymentStatus::EmployedBelowThreshold,
    );
    set(
        Metric::IncomeUnassessed,
        status == EmploymentStatus::IncomeUnassessed,
    );
    set(
        Metric::Retained,
        status == EmploymentStatus::Employed && retained_on(&person.placements, day),
    );
    let owed: Vec<employment::Completeness> = person
        .placements
        .iter()
        .map(|p| completeness_on(p, day))
        .filter(|c| c.due > 0)
        .collect();
    set(Metric::FollowUpDue, !owed.is_empty());
    set(
        Metric::FollowUpRecorded,
        !owed.is_empty() && owed.iter().all(|c| c.recorded >= c.due),
    );
    out
}

/// Every day of the year on which some figure may change: outside these days nothing the
/// figures depend on does. Sorted, within the year, the year's first day included.
fn candidate_days(
    person: &Person,
    enrolments: &[&Enrolment],
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
        add(trained_day(e, first, last));
        add(e.dropped_on.map(|d| within(d, first, last)));
        add(e.assessed_on);
    }
    for c in &person.certificates {
        add(Some(c.issued_on));
    }
    if !person.placements.is_empty() {
        // Birthdays: turning 16 or the retirement age (29 February falls on 1 March).
        let birthday = NaiveDate::from_ymd_opt(
            first.year(),
            person.birth_date.month(),
            person.birth_date.day(),
        )
        .or_else(|| NaiveDate::from_ymd_opt(first.year(), 3, 1));
        add(birthday);
        for t in &person.thresholds {
            add(Some(t.valid_from));
            add(t.valid_to.and_then(|d| d.succ_opt()));
        }
        let step = Duration::days(FOLLOW_UP_EVERY_DAYS);
        for p in &person.placements {
            add(Some(p.start));
            add(p.ended_on.and_then(|d| d.succ_opt()));
            for f in &p.follow_ups {
                add(Some(f.on));
            }
            // A follow-up falls due every 30 days of the placement.
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
            occupation: "elderly_care".into(),
            level,
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
            county_code: "141125".into(),
            categories: vec!["rural_transfer".into()],
            enrolments,
            certificates: Vec::new(),
            placements: Vec::new(),
            thresholds: Vec::new(),
        }
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
    fn a_certificate_held_before_the_course_counts_from_the_completion() {
        let mut p = person(vec![enrolment("c1", 5, "2026-05-01")]);
        p.certificates = vec![Certificate {
            occupation: "elderly_care".into(),
            level: 5,
            issued_on: d("2024-01-01"),
        }];
        let list = contributions(&p, 2026);
        assert_eq!(sum(&list, Dim::County, Metric::Certified, "2026-04-30"), 0);
        assert_eq!(sum(&list, Dim::County, Metric::Certified, "2026-05-01"), 1);
    }

    #[test]
    fn employment_follows_the_threshold_in_force_and_the_follow_ups() {
        let mut p = person(vec![enrolment("c1", 5, "2026-02-01")]);
        let mut job = placement("2026-03-01", 150_000);
        job.follow_ups = vec![FollowUpFact {
            on: d("2026-05-20"),
            received_at: d("2026-05-20").and_hms_opt(8, 0, 0).unwrap(),
            still_employed: true,
            same_employer: true,
            income_fen: Some(90_000),
        }];
        p.placements = vec![job];
        p.thresholds = vec![Threshold {
            monthly_fen: 100_000,
            valid_from: d("2026-04-01"),
            valid_to: None,
        }];
        let list = contributions(&p, 2026);
        let at = |m, day| sum(&list, Dim::County, m, day);
        assert_eq!(at(Metric::Employed, "2026-02-28"), 0);
        assert_eq!(at(Metric::IncomeUnassessed, "2026-03-01"), 1);
        assert_eq!(at(Metric::Employed, "2026-03-31"), 0);
        assert_eq!(at(Metric::Employed, "2026-04-01"), 1);
        assert_eq!(at(Metric::IncomeUnassessed, "2026-04-01"), 0);
        assert_eq!(at(Metric::Employed, "2026-05-19"), 1);
        assert_eq!(at(Metric::Employed, "2026-05-20"), 0);
        assert_eq!(at(Metric::EmployedBelowThreshold, "2026-05-20"), 1);
    }

    #[test]
    fn retention_and_follow_up_completeness_change_on_their_days() {
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
        p.thresholds = vec![Threshold {
            monthly_fen: 100_000,
            valid_from: d("2020-01-01"),
            valid_to: None,
        }];
        let list = contributions(&p, 2026);
        let at = |m, day| sum(&list, Dim::County, m, day);
        assert_eq!(at(Metric::FollowUpDue, "2026-03-30"), 0);
        assert_eq!(at(Metric::FollowUpDue, "2026-03-31"), 1);
        assert_eq!(at(Metric::FollowUpRecorded, "2026-03-31"), 1);
        assert_eq!(at(Metric::FollowUpRecorded, "2026-04-30"), 0);
        assert_eq!(at(Metric::FollowUpDue, "2026-04-30"), 1);
        assert_eq!(at(Metric::Retained, "2026-08-31"), 0);
        assert_eq!(at(Metric::Retained, "2026-09-01"), 1);
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
    fn periods_are_fourteen_days_from_the_first_of_january() {
        assert_eq!(period_of(d("2026-01-01")), 0);
        assert_eq!(period_of(d("2026-01-14")), 0);
        assert_eq!(period_of(d("2026-01-15")), 1);
        assert_eq!(period_of(d("2026-12-30")), 25);
        assert_eq!(period_of(d("2026-12-31")), 26);
        assert_eq!(period_of(d("2024-12-31")), 26);
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
        for _ in 0..rng.next(7) {
            let to = from + Duration::days(rng.next(120) as i64);
            p.thresholds.push(Threshold {
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
                let Some(facts) = year_facts(&p, year) else {
                    assert!(of_year.is_empty());
                    continue;
                };
                let (first, last) = year_bounds(year).unwrap();
                let mut day = first;
                while day <= last {
                    let standing = standing_on(&p, &of_year, year, day);
                    for &metric in Metric::ALL {
                        let sum: i32 = facts
                            .changes
                            .iter()
                            .filter(|c| c.0 == metric && c.1 <= day)
                            .map(|c| c.2)
                            .sum();
                        assert_eq!(
                            sum,
                            i32::from(standing[metric.index()]),
                            "case {case}, {metric:?} on {day}: {p:?}"
                        );
                    }
                    day += Duration::days(1);
                }
            }
        }
    }
}
