//! The ladder from caregiver to care specialist (护工 → 护师): which level of an occupation a
//! person may be assessed for next, by the national standard's conditions (DOMAIN.md,
//! Progression). Pure: the caller gathers certificates, completions, work and education.
//!
//! Time is counted in calendar months: 24 months of work from 1 March are reached on 1 March
//! two years on. Gaps between periods of work push that day out by their length. Months of
//! care work declared at registration count towards the totals, but not towards work "since" a
//! certificate, which they came before.

use chrono::{Duration, Months, NaiveDate};

use super::training::{Level, Occupation};

/// A certificate of a level in an occupation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// The level certified.
    pub level: Level,
    /// When it was issued.
    pub issued_on: NaiveDate,
}

/// A period of relevant work (a confirmed or verified placement), from `start` through `end`
/// (inclusive), or still going when `end` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkPeriod {
    /// First day.
    pub start: NaiveDate,
    /// Last day, if it ended.
    pub end: Option<NaiveDate>,
}

/// Schooling that the standard names, in the field of the occupation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Schooling {
    /// None that counts (or not in the field).
    None,
    /// 中职 / 中专 in the field.
    Vocational,
    /// 高职 in the field.
    HigherVocational,
    /// 技师学院 in the field.
    TechnicianCollege,
    /// 大专 or above in the field.
    College,
}

/// What is known of one person for one occupation.
#[derive(Debug, Clone)]
pub struct Record {
    /// Certificates of this occupation (any order).
    pub certificates: Vec<Held>,
    /// The day they completed a programme cohort of this occupation, if they did.
    pub completed_cohort_on: Option<NaiveDate>,
    /// Relevant work (any order, may overlap).
    pub work: Vec<WorkPeriod>,
    /// Months of care work declared before the programme.
    pub prior_work_months: u32,
    /// Schooling in the field.
    pub schooling: Schooling,
}

/// How one line of the table stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Which line: `L4.work_since_L5`, …
    pub id: &'static str,
    /// What is still missing, in words; empty when the line is met.
    pub missing: Vec<String>,
    /// When only time is missing and work goes on: the day it will be met.
    pub met_from: Option<NaiveDate>,
}

/// The answer for one occupation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The occupation.
    pub occupation: Occupation,
    /// The highest level certified, if any.
    pub current_level: Option<Level>,
    /// The level above it (L5 first); `None` at L1.
    pub next_level: Option<Level>,
    /// Whether they may be assessed for (and enrol in a cohort of) `next_level` today.
    pub eligible: bool,
    /// The line that is met.
    pub met_by: Option<&'static str>,
    /// For each line not met, what is missing.
    pub missing: Vec<Line>,
    /// The earliest day a line will be met if only time is missing.
    pub eligible_from: Option<NaiveDate>,
}

/// The level above `level` (L5 → L4 → … → L1).
pub fn next(level: Level) -> Option<Level> {
    match level {
        Level::L5 => Some(Level::L4),
        Level::L4 => Some(Level::L3),
        Level::L3 => Some(Level::L2),
        Level::L2 => Some(Level::L1),
        Level::L1 => None,
    }
}

/// The level below `level`, which a person must hold to aim for it (none below L5).
pub fn below(level: Level) -> Option<Level> {
    match level {
        Level::L5 => None,
        Level::L4 => Some(Level::L5),
        Level::L3 => Some(Level::L4),
        Level::L2 => Some(Level::L3),
        Level::L1 => Some(Level::L2),
    }
}

/// How high a level is: L5 = 1 … L1 = 5.
fn rank(level: Level) -> u8 {
    match level {
        Level::L5 => 1,
        Level::L4 => 2,
        Level::L3 => 3,
        Level::L2 => 4,
        Level::L1 => 5,
    }
}

/// Where the work clock stands for a number of months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clock {
    /// Reached on that day (today or before).
    Reached(NaiveDate),
    /// Work goes on and will reach it on that day.
    Later(NaiveDate),
    /// The work stopped short of it.
    Short,
}

/// When `months` of work are reached, counting only work from `since` on, with `credit` months
/// done before any of it.
fn work_clock(
    work: &[WorkPeriod],
    since: Option<NaiveDate>,
    months: u32,
    credit: u32,
    today: NaiveDate,
) -> Clock {
    let needed = months.saturating_sub(credit);
    let mut periods: Vec<WorkPeriod> = work
        .iter()
        .filter_map(|p| {
            let start = since.map_or(p.start, |s| p.start.max(s));
            match p.end {
                Some(end) if end < start => None,
                end => Some(WorkPeriod { start, end }),
            }
        })
        .collect();
    if needed == 0 {
        // Done before the programme knew of it: met since the first day anything counts.
        let from = since
            .or_else(|| periods.iter().map(|p| p.start).min())
            .unwrap_or(today);
        return Clock::Reached(from.min(today));
    }
    periods.sort_by_key(|p| p.start);
    // Merge overlapping or touching periods.
    let mut merged: Vec<WorkPeriod> = Vec::new();
    for p in periods {
        match merged.last_mut() {
            Some(last) => match last.end {
                None => {}
                Some(end) if p.start <= end + Duration::days(1) => {
                    last.end = p.end.map(|e| e.max(end));
                }
                Some(_) => merged.push(p),
            },
            None => merged.push(p),
        }
    }
    let Some(first) = merged.first() else {
        return Clock::Short;
    };
    let Some(continuous) = first.start.checked_add_months(Months::new(needed)) else {
        return Clock::Short;
    };
    let mut gaps = Duration::zero();
    for (i, period) in merged.iter().enumerate() {
        if i > 0
            && let Some(previous_end) = merged[i - 1].end
        {
            gaps += period.start - (previous_end + Duration::days(1));
        }
        let target = continuous + gaps;
        let covered = match period.end {
            None => true,
            Some(end) => target <= end + Duration::days(1),
        };
        if covered {
            // Work that has not happened yet is not work: an ongoing period reaches it later.
            return if target <= today {
                Clock::Reached(target)
            } else if period.end.is_none() {
                Clock::Later(target)
            } else {
                Clock::Short
            };
        }
    }
    Clock::Short
}

/// One line of the table: the certificate it needs (held since when), the months of work (and
/// whether since that certificate, and whether declared work counts), the schooling.
struct Rule {
    id: &'static str,
    holds: Option<Level>,
    months: u32,
    since_certificate: bool,
    schooling: &'static [Schooling],
    completed_cohort: bool,
}

const VOCATIONAL: &[Schooling] = &[
    Schooling::Vocational,
    Schooling::HigherVocational,
    Schooling::TechnicianCollege,
    Schooling::College,
];
const HIGHER_VOCATIONAL: &[Schooling] =
    &[Schooling::HigherVocational, Schooling::TechnicianCollege];
const TECHNICIAN: &[Schooling] = &[Schooling::TechnicianCollege];
const COLLEGE: &[Schooling] = &[Schooling::College];

/// The table of DOMAIN.md (养老护理员 national standard, 2019), each line a rule.
fn rules(level: Level) -> Vec<Rule> {
    let line = |id, holds, months, since_certificate, schooling| Rule {
        id,
        holds,
        months,
        since_certificate,
        schooling,
        completed_cohort: false,
    };
    match level {
        Level::L5 => vec![
            Rule {
                completed_cohort: true,
                ..line("L5.completed_cohort", None, 0, false, &[])
            },
            line("L5.work_12_months", None, 12, false, &[]),
        ],
        Level::L4 => vec![
            line("L4.work_24_months_since_L5", Some(Level::L5), 24, true, &[]),
            line("L4.work_48_months", None, 48, false, &[]),
            line("L4.vocational_graduate", None, 0, false, VOCATIONAL),
        ],
        Level::L3 => vec![
            line("L3.work_48_months_since_L4", Some(Level::L4), 48, true, &[]),
            line(
                "L3.higher_vocational_graduate",
                Some(Level::L4),
                0,
                false,
                HIGHER_VOCATIONAL,
            ),
            line(
                "L3.college_and_24_months_since_L4",
                Some(Level::L4),
                24,
                true,
                COLLEGE,
            ),
        ],
        Level::L2 => vec![
            line("L2.work_48_months_since_L3", Some(Level::L3), 48, true, &[]),
            line(
                "L2.technician_college_and_36_months_since_L3",
                Some(Level::L3),
                36,
                true,
                TECHNICIAN,
            ),
            line(
                "L2.college_and_24_months_since_L3",
                Some(Level::L3),
                24,
                true,
                COLLEGE,
            ),
        ],
        Level::L1 => vec![line(
            "L1.work_48_months_since_L2",
            Some(Level::L2),
            48,
            true,
            &[],
        )],
    }
}

/// How one rule stands for `record` on `today`.
fn judge(rule: &Rule, record: &Record, today: NaiveDate) -> Line {
    let mut missing = Vec::new();
    let mut met_from = None;
    let mut since = None;
    if let Some(level) = rule.holds {
        // The earliest certificate at that level or above starts the clock.
        let held = record
            .certificates
            .iter()
            .filter(|c| rank(c.level) >= rank(level) && c.issued_on <= today)
            .map(|c| c.issued_on)
            .min();
        match held {
            Some(on) => since = Some(on),
            None => missing.push(format!("a {} certificate", level.as_str())),
        }
    }
    if rule.completed_cohort && record.completed_cohort_on.is_none_or(|d| d > today) {
        missing.push("completion of a programme cohort of the occupation".to_owned());
    }
    if !rule.schooling.is_empty() && !rule.schooling.contains(&record.schooling) {
        missing.push("a graduation in the field that this line names".to_owned());
    }
    if rule.months > 0 {
        let credit = if rule.since_certificate {
            0
        } else {
            record.prior_work_months
        };
        let holds_needed = rule.holds.is_some() && rule.since_certificate;
        if holds_needed && since.is_none() {
            missing.push(format!(
                "{} months of relevant work after that certificate",
                rule.months
            ));
        } else {
            let from = if rule.since_certificate { since } else { None };
            match work_clock(&record.work, from, rule.months, credit, today) {
                Clock::Reached(_) => {}
                Clock::Later(on) => {
                    missing.push(format!(
                        "{} months of relevant work{}: reached on {on} if the current work goes on",
                        rule.months,
                        if rule.since_certificate {
                            " since the certificate"
                        } else {
                            ""
                        }
                    ));
                    met_from = Some(on);
                }
                Clock::Short => missing.push(format!(
                    "{} months of relevant work{}",
                    rule.months,
                    if rule.since_certificate {
                        " since the certificate"
                    } else {
                        ""
                    }
                )),
            }
        }
    }
    // Only time is missing when the clock is the one thing short.
    let only_time = missing.len() == 1 && met_from.is_some();
    Line {
        id: rule.id,
        missing,
        met_from: if only_time { met_from } else { None },
    }
}

/// Whether `record` is eligible for `level` of its occupation on `today`, and why or why not.
pub fn eligibility(
    level: Level,
    record: &Record,
    today: NaiveDate,
) -> (Option<&'static str>, Vec<Line>) {
    let lines: Vec<Line> = rules(level)
        .iter()
        .map(|rule| judge(rule, record, today))
        .collect();
    match lines.iter().find(|l| l.missing.is_empty()) {
        Some(met) => (Some(met.id), Vec::new()),
        None => (None, lines),
    }
}

/// Where a person stands on the ladder of `occupation`: the level held, the next one, and
/// whether (or from when) they may go for it.
pub fn standing(occupation: Occupation, record: &Record, today: NaiveDate) -> Standing {
    let current_level = record
        .certificates
        .iter()
        .filter(|c| c.issued_on <= today)
        .map(|c| c.level)
        .max_by_key(|l| rank(*l));
    let next_level = match current_level {
        None => Some(Level::L5),
        Some(level) => next(level),
    };
    let Some(target) = next_level else {
        return Standing {
            occupation,
            current_level,
            next_level: None,
            eligible: false,
            met_by: None,
            missing: Vec::new(),
            eligible_from: None,
        };
    };
    let (met_by, missing) = eligibility(target, record, today);
    let eligible_from = missing.iter().filter_map(|l| l.met_from).min();
    Standing {
        occupation,
        current_level,
        next_level,
        eligible: met_by.is_some(),
        met_by,
        missing,
        eligible_from,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn record() -> Record {
        Record {
            certificates: Vec::new(),
            completed_cohort_on: None,
            work: Vec::new(),
            prior_work_months: 0,
            schooling: Schooling::None,
        }
    }

    fn cert(level: Level, on: &str) -> Held {
        Held {
            level,
            issued_on: d(on),
        }
    }

    fn working(from: &str, to: Option<&str>) -> WorkPeriod {
        WorkPeriod {
            start: d(from),
            end: to.map(d),
        }
    }

    fn met(level: Level, r: &Record, today: &str) -> Option<&'static str> {
        eligibility(level, r, d(today)).0
    }

    #[test]
    fn l5_by_a_completed_cohort_or_a_year_of_work() {
        let mut r = record();
        assert_eq!(met(Level::L5, &r, "2026-06-01"), None);
        r.completed_cohort_on = Some(d("2026-03-26"));
        assert_eq!(
            met(Level::L5, &r, "2026-06-01"),
            Some("L5.completed_cohort")
        );
        let mut r = record();
        r.work = vec![working("2025-06-01", None)];
        assert_eq!(met(Level::L5, &r, "2026-05-31"), None);
        assert_eq!(met(Level::L5, &r, "2026-06-01"), Some("L5.work_12_months"));
        let mut r = record();
        r.prior_work_months = 12;
        assert_eq!(met(Level::L5, &r, "2026-06-01"), Some("L5.work_12_months"));
    }

    #[test]
    fn l4_by_24_months_since_l5_to_the_day() {
        let mut r = record();
        r.certificates = vec![cert(Level::L5, "2024-01-01")];
        r.work = vec![working("2024-01-01", None)];
        // Exactly 24 months: met. 23 months and 30 days: not yet, and the day is named.
        assert_eq!(
            met(Level::L4, &r, "2026-01-01"),
            Some("L4.work_24_months_since_L5")
        );
        let s = standing(Occupation::ElderlyCare, &r, d("2025-12-31"));
        assert!(!s.eligible);
        assert_eq!(s.current_level, Some(Level::L5));
        assert_eq!(s.next_level, Some(Level::L4));
        assert_eq!(s.eligible_from, Some(d("2026-01-01")));
    }

    #[test]
    fn work_before_the_certificate_and_declared_work_do_not_count_since_it() {
        let mut r = record();
        r.certificates = vec![cert(Level::L5, "2025-01-01")];
        r.work = vec![working("2023-01-01", None)];
        r.prior_work_months = 40;
        // 24 months since L5 are reached on 2027-01-01; 48 months in all (40 declared + work
        // from 2023-01-01) were reached on 2023-09-01.
        assert_eq!(met(Level::L4, &r, "2026-06-01"), Some("L4.work_48_months"));
        r.prior_work_months = 0;
        let (met_by, lines) = eligibility(Level::L4, &r, d("2026-06-01"));
        assert_eq!(met_by, None);
        assert_eq!(lines[0].met_from, Some(d("2027-01-01")));
        assert_eq!(lines[1].met_from, Some(d("2027-01-01")));
    }

    #[test]
    fn l4_by_48_months_of_work_counting_declared_months() {
        let mut r = record();
        r.prior_work_months = 30;
        r.work = vec![working("2025-01-01", Some("2026-06-30"))];
        // 30 declared + 18 worked = 48.
        assert_eq!(met(Level::L4, &r, "2026-07-01"), Some("L4.work_48_months"));
        assert_eq!(met(Level::L4, &r, "2026-06-30"), None);
    }

    #[test]
    fn gaps_between_jobs_push_the_day_out() {
        let mut r = record();
        r.certificates = vec![cert(Level::L5, "2024-01-01")];
        r.work = vec![
            working("2024-01-01", Some("2024-12-31")),
            working("2025-03-01", None),
        ];
        // 59 days without work (January and February 2025): 2026-01-01 + 59 days.
        let s = standing(Occupation::ElderlyCare, &r, d("2026-01-15"));
        assert_eq!(s.eligible_from, Some(d("2026-03-01")));
        assert!(standing(Occupation::ElderlyCare, &r, d("2026-03-01")).eligible);
    }

    #[test]
    fn work_that_stopped_short_names_no_day() {
        let mut r = record();
        r.certificates = vec![cert(Level::L5, "2024-01-01")];
        r.work = vec![working("2024-01-01", Some("2025-06-30"))];
        let s = standing(Occupation::ElderlyCare, &r, d("2026-06-01"));
        assert!(!s.eligible);
        assert_eq!(s.eligible_from, None);
        assert!(
            s.missing[0].missing[0].contains("24 months"),
            "{:?}",
            s.missing
        );
    }

    #[test]
    fn l4_by_a_vocational_graduation_in_the_field() {
        let mut r = record();
        r.schooling = Schooling::Vocational;
        assert_eq!(
            met(Level::L4, &r, "2026-06-01"),
            Some("L4.vocational_graduate")
        );
        r.schooling = Schooling::None;
        assert_eq!(met(Level::L4, &r, "2026-06-01"), None);
    }

    #[test]
    fn l3_lines() {
        let mut r = record();
        r.certificates = vec![cert(Level::L4, "2022-01-01")];
        r.work = vec![working("2022-01-01", None)];
        assert_eq!(met(Level::L3, &r, "2025-12-31"), None);
        assert_eq!(
            met(Level::L3, &r, "2026-01-01"),
            Some("L3.work_48_months_since_L4")
        );
        r.schooling = Schooling::HigherVocational;
        assert_eq!(
            met(Level::L3, &r, "2022-01-01"),
            Some("L3.higher_vocational_graduate")
        );
        r.schooling = Schooling::College;
        assert_eq!(met(Level::L3, &r, "2023-12-31"), None);
        assert_eq!(
            met(Level::L3, &r, "2024-01-01"),
            Some("L3.college_and_24_months_since_L4")
        );
        // Schooling alone, without L4, is not enough.
        r.certificates = vec![cert(Level::L5, "2022-01-01")];
        r.schooling = Schooling::HigherVocational;
        assert_eq!(met(Level::L3, &r, "2026-01-01"), None);
    }

    #[test]
    fn l2_and_l1_lines() {
        let mut r = record();
        r.certificates = vec![cert(Level::L3, "2020-01-01")];
        r.work = vec![working("2020-01-01", None)];
        assert_eq!(met(Level::L2, &r, "2023-12-31"), None);
        assert_eq!(
            met(Level::L2, &r, "2024-01-01"),
            Some("L2.work_48_months_since_L3")
        );
        r.schooling = Schooling::TechnicianCollege;
        assert_eq!(met(Level::L2, &r, "2022-12-31"), None);
        assert_eq!(
            met(Level::L2, &r, "2023-01-01"),
            Some("L2.technician_college_and_36_months_since_L3")
        );
        r.schooling = Schooling::College;
        assert_eq!(
            met(Level::L2, &r, "2022-01-01"),
            Some("L2.college_and_24_months_since_L3")
        );
        let mut r = record();
        r.certificates = vec![cert(Level::L2, "2020-01-01")];
        r.work = vec![working("2020-01-01", None)];
        assert_eq!(met(Level::L1, &r, "2023-12-31"), None);
        assert_eq!(
            met(Level::L1, &r, "2024-01-01"),
            Some("L1.work_48_months_since_L2")
        );
        let top = standing(
            Occupation::ElderlyCare,
            &{
                let mut r = record();
                r.certificates = vec![cert(Level::L1, "2020-01-01")];
                r
            },
            d("2026-01-01"),
        );
        assert_eq!(top.next_level, None);
        assert!(!top.eligible);
    }

    #[test]
    fn a_higher_certificate_starts_the_clock_for_the_lines_below() {
        let mut r = record();
        // Straight to L4 by schooling: the L4 certificate counts as holding L5 too.
        r.certificates = vec![cert(Level::L4, "2024-01-01")];
        assert_eq!(
            standing(Occupation::ElderlyCare, &r, d("2026-01-01")).next_level,
            Some(Level::L3)
        );
        r.work = vec![working("2024-01-01", None)];
        assert_eq!(
            met(Level::L4, &r, "2026-01-01"),
            Some("L4.work_24_months_since_L5")
        );
    }

    #[test]
    fn a_person_with_nothing_is_told_every_line_for_l5() {
        let s = standing(Occupation::InfantCare, &record(), d("2026-06-01"));
        assert_eq!(s.current_level, None);
        assert_eq!(s.next_level, Some(Level::L5));
        assert!(!s.eligible);
        assert_eq!(s.missing.len(), 2);
        assert_eq!(s.missing[0].id, "L5.completed_cohort");
    }
}
