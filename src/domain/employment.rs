//! Whether a trainee is employed on a day, whether they kept the job, and whether their
//! follow-ups were made (DOMAIN.md, Rules that count: Employed, Retention, Follow-up
//! completeness). Pure: the caller gathers placements, follow-ups and the county's thresholds.
//!
//! Follow-ups are read in the order they describe, `(on, received_at)`: the day a follow-up is
//! about comes first, and of two about the same day the one received later is the better word.
//! Whatever is asked "on" a day only hears follow-ups dated on or before it, so a report for a
//! past date is not changed by what was learnt of later days.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Months, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::training::stored_names;

/// How often a follow-up is due while a placement lasts.
pub const FOLLOW_UP_EVERY_DAYS: i64 = 30;

/// What one follow-up said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpFact {
    /// The day it describes.
    pub on: NaiveDate,
    /// When it was recorded; orders follow-ups about the same day.
    pub received_at: NaiveDateTime,
    /// Whether the person was working at all.
    pub still_employed: bool,
    /// Whether it was still at the placement's employer.
    pub same_employer: bool,
    /// The monthly income they reported, if they did.
    pub income_fen: Option<i64>,
}

impl FollowUpFact {
    /// Whether it found the person working at this placement: employed elsewhere is not.
    pub fn works_there(&self) -> bool {
        self.still_employed && self.same_employer
    }

    /// The order follow-ups are read in.
    fn order(&self) -> (NaiveDate, NaiveDateTime) {
        (self.on, self.received_at)
    }
}

/// What is known of one placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementFacts {
    /// The placement's id.
    pub id: String,
    /// Same employer ⇔ same key (a registered employer's id, or a household's name+phone).
    pub employer_key: String,
    /// First day of work.
    pub start: NaiveDate,
    /// Confirmed by the employer or verified by a follow-up (a household), at any time.
    pub evidenced: bool,
    /// Disputed by the employer: never counts.
    pub disputed: bool,
    /// Last day of work, inclusive, once ended.
    pub ended_on: Option<NaiveDate>,
    /// The monthly wage reported with the placement.
    pub wage_fen: i64,
    /// Any order.
    pub follow_ups: Vec<FollowUpFact>,
}

/// One row of a county's minimum-living-guarantee table (城市低保标准).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    /// The monthly amount.
    pub monthly_fen: i64,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// Last day in force, inclusive; `None` = until further notice.
    pub valid_to: Option<NaiveDate>,
}

/// How a trainee stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentStatus {
    /// Working, with an income at or above the threshold: counts as employed (就业).
    Employed,
    /// Working, but every income is below the threshold: not counted.
    EmployedBelowThreshold,
    /// Working, but no threshold is in force to judge the income by: not counted.
    IncomeUnassessed,
    /// No placement that counts, or not of working age.
    NotEmployed,
}

stored_names!(EmploymentStatus {
    Employed = "employed",
    EmployedBelowThreshold = "employed_below_threshold",
    IncomeUnassessed = "income_unassessed",
    NotEmployed = "not_employed",
});

/// A trainee's employment on a day, and what it was judged on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employment {
    /// The answer.
    pub status: EmploymentStatus,
    /// The placement the answer rests on (of several, the best paid); `None` when not employed.
    pub placement_id: Option<String>,
    /// The income on the day: the sum over every placement that counts that day.
    pub income_fen: Option<i64>,
    /// The threshold in force on the day, if any (reported even when not employed).
    pub threshold_fen: Option<i64>,
}

/// The last follow-up dated on or before `date` (of two on the same day, the one received
/// later).
pub fn latest_on(follow_ups: &[FollowUpFact], date: NaiveDate) -> Option<&FollowUpFact> {
    follow_ups
        .iter()
        .filter(|f| f.on <= date)
        .max_by_key(|f| f.order())
}

/// The day the person stopped working at the placement, by the latest word: when the latest
/// follow-up of all does not find them there, the day of the first of the follow-ups in a row
/// that say so. A "not there" followed by a "works there" was corrected and is forgotten.
pub fn stopped_on(follow_ups: &[FollowUpFact]) -> Option<NaiveDate> {
    let mut ordered: Vec<&FollowUpFact> = follow_ups.iter().collect();
    ordered.sort_by_key(|f| f.order());
    ordered
        .iter()
        .rev()
        .take_while(|f| !f.works_there())
        .last()
        .map(|f| f.on)
}

/// Whether the placement counts as work on `date`: evidenced, not disputed, started, not yet
/// ended (the end day is worked), and the latest follow-up by then, if any, found them there.
pub fn works_on(p: &PlacementFacts, date: NaiveDate) -> bool {
    p.evidenced
        && !p.disputed
        && p.start <= date
        && p.ended_on.is_none_or(|end| date <= end)
        && latest_on(&p.follow_ups, date).is_none_or(FollowUpFact::works_there)
}

/// The placement's monthly income on `date`: the latest reported by a follow-up by then
/// (follow-ups that report none are skipped), else the wage it was placed at.
pub fn income_on(p: &PlacementFacts, date: NaiveDate) -> i64 {
    p.follow_ups
        .iter()
        .filter(|f| f.on <= date)
        .filter_map(|f| f.income_fen.map(|income| (f.order(), income)))
        .max_by_key(|(order, _)| *order)
        .map_or(p.wage_fen, |(_, income)| income)
}

/// The threshold in force on `date`: the row whose days (both ends counted) include it; of
/// overlapping rows, which the table should not have, the one in force most recently.
pub fn threshold_on(thresholds: &[Threshold], date: NaiveDate) -> Option<i64> {
    thresholds
        .iter()
        .filter(|t| t.valid_from <= date && t.valid_to.is_none_or(|to| date <= to))
        .max_by_key(|t| t.valid_from)
        .map(|t| t.monthly_fen)
}

/// How a trainee stands on `date`. Only placements that `works_on` that day count, and their
/// incomes add up (two households part-time, a business and a job). With none, or out of
/// working age, not employed. With no threshold in force the income cannot be judged: income
/// unassessed. Otherwise employed if the sum reaches the threshold (equal is enough), else
/// employed below it. The placement named is the best paid (ties: the newest).
pub fn status_on(
    placements: &[PlacementFacts],
    thresholds: &[Threshold],
    of_working_age: bool,
    date: NaiveDate,
) -> Employment {
    use EmploymentStatus::{Employed, EmployedBelowThreshold, IncomeUnassessed, NotEmployed};
    let threshold_fen = threshold_on(thresholds, date);
    // Out of working age, no job counts.
    let counting: Vec<(&PlacementFacts, i64)> = placements
        .iter()
        .filter(|p| of_working_age && works_on(p, date))
        .map(|p| (p, income_on(p, date)))
        .collect();
    let Some((best, _)) = counting.iter().max_by_key(|(p, income)| (*income, p.start)) else {
        return Employment {
            status: NotEmployed,
            placement_id: None,
            income_fen: None,
            threshold_fen,
        };
    };
    let income: i64 = counting.iter().map(|(_, income)| income).sum();
    let status = match threshold_fen {
        None => IncomeUnassessed,
        Some(threshold) if income >= threshold => Employed,
        Some(_) => EmployedBelowThreshold,
    };
    Employment {
        status,
        placement_id: Some(best.id.clone()),
        income_fen: Some(income),
        threshold_fen,
    }
}

/// The days the placement was worked, as far as is known today: from its start to the earlier
/// of its end and the day before a follow-up found them gone (`stopped_on`), or still going
/// (`None`) when neither. `None` for a placement that does not count (not evidenced, disputed)
/// or was never worked (stopped on or before its first day).
pub fn work_period(p: &PlacementFacts) -> Option<(NaiveDate, Option<NaiveDate>)> {
    if !p.evidenced || p.disputed {
        return None;
    }
    // The follow-up's day was found not worked: the last day worked is the one before.
    let last_seen = stopped_on(&p.follow_ups).map(|day| day.pred_opt().unwrap_or(day));
    let end = match (p.ended_on, last_seen) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    match end {
        Some(end) if end < p.start => None,
        end => Some((p.start, end)),
    }
}

/// Whether, on `date`, the person has worked for one of the employers (households, businesses)
/// `at` at least six months (counted in calendar days: those of the six months ending on `date`,
/// both ends counted) within the year ending on it. Periods at the same employer add up across
/// gaps and placements, overlaps counted once; ongoing work runs to `date`; work before the
/// year is cut off. Whom to ask (those employed on `date`) and at which employers (those of
/// their current work) is the caller's choice.
pub fn retained_at(placements: &[PlacementFacts], date: NaiveDate, at: &BTreeSet<&str>) -> bool {
    let Some(six_months_back) = date.checked_sub_months(Months::new(6)) else {
        return false;
    };
    let needed = (date - six_months_back).num_days() + 1;
    let window_start = date
        .checked_sub_months(Months::new(12))
        .unwrap_or(NaiveDate::MIN);
    let mut by_employer: BTreeMap<&str, Vec<(NaiveDate, NaiveDate)>> = BTreeMap::new();
    for p in placements
        .iter()
        .filter(|p| at.contains(p.employer_key.as_str()))
    {
        let Some((start, end)) = work_period(p) else {
            continue;
        };
        let from = start.max(window_start);
        let to = end.map_or(date, |end| end.min(date));
        if from <= to {
            by_employer
                .entry(p.employer_key.as_str())
                .or_default()
                .push((from, to));
        }
    }
    by_employer
        .into_values()
        .any(|periods| days_covered(periods) >= needed)
}

/// The days covered by periods (both ends counted), each day once however many cover it.
fn days_covered(mut periods: Vec<(NaiveDate, NaiveDate)>) -> i64 {
    periods.sort();
    let mut days = 0;
    // The first day not yet counted: sorted by start, a period only adds the days after it.
    let mut uncounted = NaiveDate::MIN;
    for (from, to) in periods {
        let from = from.max(uncounted);
        if from <= to {
            days += (to - from).num_days() + 1;
            uncounted = to.succ_opt().unwrap_or(NaiveDate::MAX);
        }
    }
    days
}

/// The day the next follow-up is due: 30 days after the last one, or after the start if none.
pub fn due_on(start: NaiveDate, last_follow_up_on: Option<NaiveDate>) -> NaiveDate {
    let from = last_follow_up_on.unwrap_or(start);
    from.checked_add_signed(Duration::days(FOLLOW_UP_EVERY_DAYS))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A follow-up at the same employer, received at noon on its day.
    fn follow_up(on: &str, still_employed: bool, income_fen: Option<i64>) -> FollowUpFact {
        FollowUpFact {
            on: d(on),
            received_at: d(on).and_hms_opt(12, 0, 0).unwrap(),
            still_employed,
            same_employer: true,
            income_fen,
        }
    }

    /// A confirmed placement paying 3,000 yuan, not ended, never followed up.
    fn placement(id: &str, employer: &str, start: &str) -> PlacementFacts {
        PlacementFacts {
            id: id.to_owned(),
            employer_key: employer.to_owned(),
            start: d(start),
            evidenced: true,
            disputed: false,
            ended_on: None,
            wage_fen: 300_000,
            follow_ups: Vec::new(),
        }
    }

    /// A row of a threshold table.
    fn row(monthly_fen: i64, from: &str, to: Option<&str>) -> Threshold {
        let (valid_from, valid_to) = (d(from), to.map(d));
        Threshold {
            monthly_fen,
            valid_from,
            valid_to,
        }
    }

    /// 800 yuan a month, in force through 2026.
    fn table() -> Vec<Threshold> {
        vec![row(80_000, "2026-01-01", Some("2026-12-31"))]
    }

    /// "status placement" on a day, by the 2026 table.
    fn judged(placements: &[PlacementFacts], on: &str) -> String {
        let e = status_on(placements, &table(), true, d(on));
        format!(
            "{} {}",
            e.status.as_str(),
            e.placement_id.as_deref().unwrap_or("-")
        )
    }

    /// Retention at any of the employers.
    fn retained_on(placements: &[PlacementFacts], date: NaiveDate) -> bool {
        let all = placements.iter().map(|p| p.employer_key.as_str()).collect();
        retained_at(placements, date, &all)
    }

    /// A work period as `work_period` gives it.
    fn period(from: &str, to: Option<&str>) -> Option<(NaiveDate, Option<NaiveDate>)> {
        Some((d(from), to.map(d)))
    }

    #[test]
    fn latest_on_reads_by_day_then_by_receipt_and_ignores_later_days() {
        let mut late = follow_up("2026-03-01", false, None);
        late.received_at = d("2026-03-05").and_hms_opt(9, 0, 0).unwrap();
        let follow_ups = vec![
            follow_up("2026-04-01", true, None),
            late,
            follow_up("2026-03-01", true, None),
        ];
        let latest = |on| latest_on(&follow_ups, d(on)).map(|f| (f.on, f.works_there()));
        assert_eq!(latest("2026-02-28"), None);
        // Of two about 1 March, the one received later says they had gone.
        assert_eq!(latest("2026-03-01"), Some((d("2026-03-01"), false)));
        assert_eq!(latest("2026-03-31"), Some((d("2026-03-01"), false)));
        assert_eq!(latest("2026-04-01"), Some((d("2026-04-01"), true)));
    }

    #[test]
    fn stopped_on_is_the_start_of_the_trailing_run_of_not_there() {
        assert_eq!(stopped_on(&[]), None);
        let mut f = vec![
            follow_up("2026-02-01", false, None),
            follow_up("2026-03-01", true, None),
        ];
        // Corrected by a later "works there".
        assert_eq!(stopped_on(&f), None);
        f.push(follow_up("2026-05-01", false, None));
        f.push(follow_up("2026-04-01", false, None));
        assert_eq!(stopped_on(&f), Some(d("2026-04-01")));
        f.push(follow_up("2026-06-01", true, None));
        assert_eq!(stopped_on(&f), None);
    }

    #[test]
    fn reported_and_disputed_placements_never_count() {
        let mut p = placement("p1", "e1", "2026-03-01");
        p.evidenced = false;
        assert!(!works_on(&p, d("2026-06-01")));
        assert_eq!(judged(&[p.clone()], "2026-06-01"), "not_employed -");
        assert_eq!(work_period(&p), None);
        p.evidenced = true;
        p.disputed = true;
        p.follow_ups = vec![follow_up("2026-04-01", true, Some(400_000))];
        assert!(!works_on(&p, d("2026-06-01")));
        assert_eq!(work_period(&p), None);
        assert!(!retained_on(&[p], d("2026-12-01")));
    }

    #[test]
    fn work_counts_from_the_start_through_the_last_day() {
        let mut p = placement("p1", "e1", "2026-03-01");
        p.ended_on = Some(d("2026-06-30"));
        assert!(!works_on(&p, d("2026-02-28")));
        assert!(works_on(&p, d("2026-03-01")));
        assert!(works_on(&p, d("2026-06-30")));
        assert!(!works_on(&p, d("2026-07-01")));
    }

    #[test]
    fn a_not_employed_follow_up_stops_counting_from_its_day_until_corrected() {
        let mut p = placement("p1", "e1", "2026-03-01");
        p.follow_ups.push(follow_up("2026-05-01", false, None));
        assert!(works_on(&p, d("2026-04-30")));
        assert!(!works_on(&p, d("2026-05-01")));
        p.follow_ups.push(follow_up("2026-05-20", true, None));
        assert!(!works_on(&p, d("2026-05-19")));
        assert!(works_on(&p, d("2026-05-20")));
    }

    #[test]
    fn working_elsewhere_stops_counting_the_placement() {
        let mut p = placement("p1", "e1", "2026-03-01");
        let mut moved = follow_up("2026-05-01", true, Some(500_000));
        assert!(moved.works_there());
        moved.same_employer = false;
        assert!(!moved.works_there());
        p.follow_ups.push(moved);
        assert!(!works_on(&p, d("2026-05-01")));
        assert_eq!(stopped_on(&p.follow_ups), Some(d("2026-05-01")));
    }

    #[test]
    fn income_is_the_latest_reported_else_the_wage() {
        let mut p = placement("p1", "e1", "2026-03-01");
        assert_eq!(income_on(&p, d("2026-06-01")), 300_000);
        p.follow_ups = vec![
            follow_up("2026-07-01", true, Some(350_000)),
            follow_up("2026-05-01", true, None),
            follow_up("2026-04-01", true, Some(320_000)),
        ];
        assert_eq!(income_on(&p, d("2026-03-31")), 300_000);
        assert_eq!(income_on(&p, d("2026-04-01")), 320_000);
        // The May follow-up named no income: April's still stands; July's is not heard yet.
        assert_eq!(income_on(&p, d("2026-06-01")), 320_000);
        assert_eq!(income_on(&p, d("2026-07-01")), 350_000);
    }

    #[test]
    fn threshold_in_force_counts_both_ends() {
        let mut t = table();
        assert_eq!(threshold_on(&t, d("2025-12-31")), None);
        assert_eq!(threshold_on(&t, d("2026-01-01")), Some(80_000));
        assert_eq!(threshold_on(&t, d("2026-12-31")), Some(80_000));
        assert_eq!(threshold_on(&t, d("2027-01-01")), None);
        t.push(row(85_000, "2026-07-01", None));
        // Overlapping rows: the newer wins; an open row runs on.
        assert_eq!(threshold_on(&t, d("2026-07-01")), Some(85_000));
        assert_eq!(threshold_on(&t, d("2030-01-01")), Some(85_000));
    }

    #[test]
    fn income_equal_to_the_threshold_is_employed_one_fen_less_is_not() {
        let mut p = placement("p1", "e1", "2026-03-01");
        p.wage_fen = 80_000;
        let e = status_on(std::slice::from_ref(&p), &table(), true, d("2026-06-01"));
        assert_eq!(
            judged(std::slice::from_ref(&p), "2026-06-01"),
            "employed p1"
        );
        assert_eq!(
            (e.income_fen, e.threshold_fen),
            (Some(80_000), Some(80_000))
        );
        p.wage_fen = 79_999;
        assert_eq!(judged(&[p], "2026-06-01"), "employed_below_threshold p1");
    }

    #[test]
    fn no_threshold_in_force_leaves_income_unassessed() {
        let p = [placement("p1", "e1", "2025-03-01")];
        let before = status_on(&p, &table(), true, d("2025-12-31"));
        assert_eq!(before.status, EmploymentStatus::IncomeUnassessed);
        assert_eq!(before.placement_id.as_deref(), Some("p1"));
        assert_eq!(
            (before.income_fen, before.threshold_fen),
            (Some(300_000), None)
        );
        assert_eq!(judged(&p, "2027-01-01"), "income_unassessed p1");
    }

    #[test]
    fn out_of_working_age_or_without_work_is_not_employed() {
        let p = [placement("p1", "e1", "2026-03-01")];
        let e = status_on(&p, &table(), false, d("2026-06-01"));
        let expected = Employment {
            status: EmploymentStatus::NotEmployed,
            placement_id: None,
            income_fen: None,
            threshold_fen: Some(80_000),
        };
        assert_eq!(e, expected);
        assert_eq!(status_on(&[], &table(), true, d("2026-06-01")), expected);
    }

    #[test]
    fn the_incomes_of_work_on_the_day_add_up_and_the_best_paid_is_named() {
        // Two households part-time at 500 yuan each, against 800: employed.
        let mut old = placement("old", "e1", "2026-01-01");
        old.wage_fen = 50_000;
        let mut new = placement("new", "e2", "2026-04-01");
        new.wage_fen = 50_000;
        let both = [old.clone(), new.clone()];
        // Equal pay: the newest is named.
        assert_eq!(judged(&both, "2026-06-01"), "employed new");
        assert_eq!(
            status_on(&both, &table(), true, d("2026-06-01")).income_fen,
            Some(100_000)
        );
        // Before the second started, the first alone is below.
        assert_eq!(judged(&both, "2026-03-31"), "employed_below_threshold old");
        let unassessed = status_on(&both, &[], true, d("2026-06-01"));
        assert_eq!(unassessed.status, EmploymentStatus::IncomeUnassessed);
        assert_eq!(unassessed.income_fen, Some(100_000));
        // Together still below: the best paid is named.
        old.wage_fen = 30_000;
        new.wage_fen = 40_000;
        assert_eq!(
            judged(&[old.clone(), new.clone()], "2026-06-01"),
            "employed_below_threshold new"
        );
        // Work that does not count adds nothing.
        new.evidenced = false;
        new.wage_fen = 900_000;
        assert_eq!(
            judged(&[old, new], "2026-06-01"),
            "employed_below_threshold old"
        );
    }

    #[test]
    fn work_period_ends_at_the_end_or_the_day_before_the_stop() {
        let mut p = placement("p1", "e1", "2026-03-01");
        assert_eq!(work_period(&p), period("2026-03-01", None));
        p.follow_ups.push(follow_up("2026-06-01", false, None));
        assert_eq!(work_period(&p), period("2026-03-01", Some("2026-05-31")));
        p.ended_on = Some(d("2026-04-30"));
        assert_eq!(work_period(&p), period("2026-03-01", Some("2026-04-30")));
        p.ended_on = Some(d("2026-07-31"));
        assert_eq!(work_period(&p), period("2026-03-01", Some("2026-05-31")));
        // Gone on the first day: never worked.
        p.follow_ups = vec![follow_up("2026-03-01", false, None)];
        assert_eq!(work_period(&p), None);
    }

    #[test]
    fn retention_needs_exactly_six_calendar_months() {
        let p = [placement("p1", "e1", "2026-03-01")];
        assert!(!retained_on(&p, d("2026-08-31")));
        assert!(retained_on(&p, d("2026-09-01")));
    }

    #[test]
    fn retention_adds_periods_at_one_employer_only_across_gaps_and_overlaps() {
        let mut first = placement("p1", "e1", "2026-01-01");
        first.ended_on = Some(d("2026-03-31")); // 90 days
        let mut overlap = placement("p2", "e1", "2026-02-01");
        overlap.ended_on = Some(d("2026-03-15"));
        let second = placement("p3", "e1", "2026-05-01");
        let elsewhere = placement("p4", "e2", "2026-04-01");
        let all = [first, overlap, second, elsewhere];
        // 31 July: 90 + 92 days worked, 182 needed (31 Jan – 31 July).
        assert!(retained_on(&all, d("2026-07-31")));
        assert!(!retained_on(&all, d("2026-07-30")));
        // Four months at each of two employers is not retention.
        let mut a = placement("p1", "e1", "2026-01-01");
        a.ended_on = Some(d("2026-04-30"));
        let b = placement("p2", "e2", "2026-05-01");
        assert!(!retained_on(&[a, b], d("2026-08-31")));
    }

    #[test]
    fn retention_ignores_work_before_the_year_and_after_a_stop() {
        let mut p = placement("p1", "e1", "2025-01-01");
        p.ended_on = Some(d("2025-12-31"));
        let p = [p];
        // From 1 June 2025: 214 days in the year; from 1 September 2025: 122.
        assert!(retained_on(&p, d("2026-06-01")));
        assert!(!retained_on(&p, d("2026-09-01")));
        let mut stopped = placement("p2", "e1", "2026-01-01");
        stopped.follow_ups = vec![follow_up("2026-05-01", false, None)];
        assert!(!retained_on(&[stopped], d("2026-09-01")));
    }

    #[test]
    fn retention_counts_at_the_employers_asked_about_only() {
        // A from January to July, B from August: on 31 December, six months at A within the
        // year, five at B — not retained at the current job.
        let mut a = placement("p1", "e1", "2026-01-01");
        a.ended_on = Some(d("2026-07-31"));
        let b = placement("p2", "e2", "2026-08-01");
        let both = [a, b];
        assert!(retained_on(&both, d("2026-12-31")));
        let current = BTreeSet::from(["e2"]);
        assert!(!retained_at(&both, d("2026-12-31"), &current));
        assert!(retained_at(&both, d("2027-02-01"), &current));
    }

    #[test]
    fn the_next_follow_up_is_due_thirty_days_on() {
        assert_eq!(due_on(d("2026-01-01"), None), d("2026-01-31"));
        let last = Some(d("2026-02-10"));
        assert_eq!(due_on(d("2026-01-01"), last), d("2026-03-12"));
    }

    #[test]
    fn status_names_round_trip() {
        for s in EmploymentStatus::ALL {
            assert_eq!(EmploymentStatus::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        let below = EmploymentStatus::EmployedBelowThreshold;
        assert_eq!(below.as_str(), "employed_below_threshold");
    }
}
