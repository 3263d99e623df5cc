//! Income thresholds (城市低保标准) by county and period: recording one and changing one, each
//! in one unit of work that refreshes the county's placed trainees in the reports.

use chrono::NaiveDate;

use crate::access::Caller;
use crate::db::placements::{IncomeThreshold, ThresholdChanges, ThresholdCorrection};
use crate::db::trainees::Scope;
use crate::db::{self, AnyConnection, audit::Event};
use crate::error::AppError;
use crate::service::sync::Kind;
use crate::service::{Stale, UnitOfWork};

/// Threshold `id`, when it is of the caller's counties (404 otherwise).
pub fn get(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<IncomeThreshold, AppError> {
    caller.may("get_income_threshold")?;
    visible(caller, db::placements::find_threshold(conn, id)?)
}

/// 409 naming the stored threshold whose period overlaps `from ..= to`, if any.
fn check_overlap(
    conn: &mut AnyConnection,
    county_code: &str,
    from: NaiveDate,
    to: Option<NaiveDate>,
    except: &str,
) -> Result<(), AppError> {
    match db::placements::overlapping(conn, county_code, from, to, except)? {
        None => Ok(()),
        Some(other) => Err(AppError::Conflict {
            detail: format!(
                "The period overlaps the county's threshold from {} to {}",
                other.valid_from,
                other
                    .valid_to
                    .map_or("further notice".to_owned(), |d| d.to_string())
            ),
            existing_id: Some(other.id),
        }),
    }
}

fn replayed(
    conn: &mut AnyConnection,
    candidate: &IncomeThreshold,
) -> Result<Option<IncomeThreshold>, AppError> {
    match db::placements::find_threshold(conn, &candidate.id)? {
        None => Ok(None),
        Some(stored)
            if stored.county_code == candidate.county_code
                && stored.monthly_fen == candidate.monthly_fen
                && stored.valid_from == candidate.valid_from
                && stored.valid_to == candidate.valid_to
                && stored.source == candidate.source =>
        {
            Ok(Some(stored))
        }
        Some(_) => Err(AppError::conflict(
            "This id belongs to a different threshold",
        )),
    }
}

/// A threshold the caller may see: of their counties (404 otherwise).
fn visible(caller: &Caller, row: Option<IncomeThreshold>) -> Result<IncomeThreshold, AppError> {
    match (caller.trainee_scope()?, row) {
        (Scope::All, Some(row)) => Ok(row),
        (Scope::Counties(mine), Some(row)) if mine.contains(&row.county_code) => Ok(row),
        _ => Err(AppError::NotFound),
    }
}

/// Records `candidate` for `caller`: answers whether it was stored now (else it is the replay
/// of one stored) and the threshold. Periods of a county never overlap (409).
pub fn create(
    conn: &mut AnyConnection,
    caller: &Caller,
    candidate: IncomeThreshold,
) -> Result<(bool, IncomeThreshold), AppError> {
    caller.may("create_income_threshold")?;
    caller.require_county("county_code", &candidate.county_code)?;
    if candidate
        .valid_to
        .is_some_and(|to| to < candidate.valid_from)
    {
        return Err(AppError::field(
            "valid_to",
            "before_valid_from",
            "must be on or after valid_from",
        ));
    }
    if let Some(stored) = replayed(conn, &candidate)? {
        return Ok((false, stored));
    }
    let stored = UnitOfWork::run(conn, |c| {
        // Periods of one county are checked and written one request at a time.
        db::placements::lock_county(c, &candidate.county_code)?;
        check_overlap(
            c,
            &candidate.county_code,
            candidate.valid_from,
            candidate.valid_to,
            &candidate.id,
        )?;
        db::placements::insert_threshold(c, &candidate)?;
        c.changed(Kind::IncomeThreshold, &candidate.id);
        // Who is employed depends on the threshold in force.
        let placed = db::reports::placed_in(c, &candidate.county_code)?;
        c.touch_all(&placed, Stale::Reports);
        c.audit(Event {
            county_code: Some(&candidate.county_code),
            ..caller.event("create", "income_threshold", Some(&candidate.id))
        })?;
        Ok(())
    });
    match stored {
        Ok(()) => Ok((true, candidate)),
        Err(AppError::Conflict {
            existing_id: None, ..
        }) if let Some(stored) = replayed(conn, &candidate)? => Ok((false, stored)),
        Err(e) => Err(e),
    }
}

/// Changes threshold `id` for `caller`, based on `version` (from `If-Match`): its period may
/// not end before it starts nor come to overlap another of the county.
pub fn update(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
    version: Option<i32>,
    changes: ThresholdChanges,
) -> Result<IncomeThreshold, AppError> {
    caller.may("update_income_threshold")?;
    let current = visible(caller, db::placements::find_threshold(conn, id)?)?;
    let updated = UnitOfWork::run(conn, |c| {
        // The county's lock first (SQLite takes its write lock here), then read again.
        db::placements::lock_county(c, &current.county_code)?;
        let current = db::placements::find_threshold(c, id)?.ok_or(AppError::NotFound)?;
        super::check_version(version, current.version)?;
        let valid_to = changes.valid_to.unwrap_or(current.valid_to);
        if valid_to.is_some_and(|to| to < current.valid_from) {
            return Err(AppError::field(
                "valid_to",
                "before_valid_from",
                format!("must be on or after valid_from, {}", current.valid_from),
            ));
        }
        check_overlap(c, &current.county_code, current.valid_from, valid_to, id)?;
        if !db::placements::update_threshold(c, id, current.version, &changes, db::now())? {
            return Err(AppError::PreconditionFailed);
        }
        c.changed(Kind::IncomeThreshold, id);
        let placed = db::reports::placed_in(c, &current.county_code)?;
        c.touch_all(&placed, Stale::Reports);
        c.audit(Event {
            county_code: Some(&current.county_code),
            ..caller.event("update", "income_threshold", Some(id))
        })?;
        db::placements::find_threshold(c, id)?.ok_or(AppError::NotFound)
    })?;
    Ok(updated)
}

/// What an administrator corrects of a threshold: any of its amount and dates, with a reason.
#[derive(Debug, Clone)]
pub struct Correction {
    /// The amount, if it was wrong.
    pub monthly_fen: Option<i64>,
    /// The first day, if it was wrong.
    pub valid_from: Option<NaiveDate>,
    /// The last day (`Some(None)`: until further notice), if it was wrong.
    pub valid_to: Option<Option<NaiveDate>>,
    /// Why (trimmed).
    pub reason: String,
}

/// Corrects threshold `id` entered wrongly (administrators): the county's figures are counted
/// again by the corrected amount and period, which may not come to overlap another of the
/// county. A correction that changes nothing (sent again) answers the threshold as it is.
pub fn correct(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
    correction: Correction,
) -> Result<IncomeThreshold, AppError> {
    caller.may("correct_income_threshold")?;
    let current = visible(caller, db::placements::find_threshold(conn, id)?)?;
    UnitOfWork::run(conn, |c| {
        // The county's lock first (SQLite takes its write lock here), then read again.
        db::placements::lock_county(c, &current.county_code)?;
        let current = db::placements::find_threshold(c, id)?.ok_or(AppError::NotFound)?;
        let fixed = ThresholdCorrection {
            monthly_fen: correction.monthly_fen.unwrap_or(current.monthly_fen),
            valid_from: correction.valid_from.unwrap_or(current.valid_from),
            valid_to: correction.valid_to.unwrap_or(current.valid_to),
            correction_reason: Some(correction.reason.clone()),
            corrected_at: Some(db::now()),
            corrected_by: Some(caller.id.clone()),
        };
        if fixed.monthly_fen == current.monthly_fen
            && fixed.valid_from == current.valid_from
            && fixed.valid_to == current.valid_to
        {
            // Sent again, or nothing to correct: as it is.
            return Ok(current);
        }
        if let Some(to) = fixed.valid_to.filter(|to| *to < fixed.valid_from) {
            // The corrected period is the stored one with the days sent: it may not end
            // before it starts.
            return Err(AppError::conflict(format!(
                "The corrected period would end on {to}, before it starts on {}",
                fixed.valid_from
            )));
        }
        check_overlap(
            c,
            &current.county_code,
            fixed.valid_from,
            fixed.valid_to,
            id,
        )?;
        let at = fixed.corrected_at.unwrap_or_else(db::now);
        if !db::placements::correct_threshold(c, id, current.version, &fixed, at)? {
            return Err(AppError::PreconditionFailed);
        }
        c.changed(Kind::IncomeThreshold, id);
        let placed = db::reports::placed_in(c, &current.county_code)?;
        c.touch_all(&placed, Stale::Reports);
        c.audit(Event {
            county_code: Some(&current.county_code),
            ..caller.event("correct", "income_threshold", Some(id))
        })?;
        db::placements::find_threshold(c, id)?.ok_or(AppError::NotFound)
    })
}

/// A page of the thresholds of the caller's counties (or `county`), by county and start.
pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    county: Option<&str>,
    after: Option<(String, NaiveDate, String)>,
    limit: i64,
) -> Result<Vec<IncomeThreshold>, AppError> {
    caller.may("list_income_thresholds")?;
    let counties = caller.counties_within(county)?;
    Ok(db::placements::list_thresholds(
        conn, counties, after, limit,
    )?)
}
