//! Programme settings: the working ages, the completion share, the certified kinds, the outcome
//! cut-off and the days of work that make a trainee employed. Programme policy, kept in the
//! database so that every instance counts by the same values: administrators change them
//! through the API (audited, with the day they take effect), and a change counts the figures
//! again once, in its own transaction. The environment seeds them on a first start only.
//!
//! A request validates by the settings as its instance last read them (at most a second old);
//! the figures are always counted by the settings in the database, read in the transaction
//! that counts them.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use diesel::Connection;
use uuid::Uuid;

use crate::access::Caller;
use crate::db::settings::ProgrammeSettings;
use crate::db::{self, AnyConnection, Db};
use crate::domain::rules::{CertifiedKinds, Rules};
use crate::domain::today_in_china;
use crate::error::AppError;
use crate::service::report_facts::{self, Rebuilt};

/// How long an instance keeps the settings it read before reading them again.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// The settings as this instance last read them.
pub struct SettingsCache {
    last: Mutex<(Rules, Instant)>,
}

impl SettingsCache {
    /// A cache holding `rules`, read now.
    pub fn new(rules: Rules) -> Self {
        Self {
            last: Mutex::new((rules, Instant::now())),
        }
    }

    /// The settings in force: as read within the last second, else read again.
    pub async fn current(&self, db: &Db) -> Result<Rules, AppError> {
        if let Ok(last) = self.last.lock()
            && last.1.elapsed() < FRESH_FOR
        {
            return Ok(last.0);
        }
        let rules = db.run(load).await?;
        self.set(rules);
        Ok(rules)
    }

    /// Keeps `rules` as just read.
    pub fn set(&self, rules: Rules) {
        if let Ok(mut last) = self.last.lock() {
            *last = (rules, Instant::now());
        }
    }
}

/// The rules a stored row gives.
pub fn rules_of(row: &ProgrammeSettings) -> Result<Rules, AppError> {
    let stored = || AppError::internal("stored programme settings cannot be read");
    let number = |n: i32| u32::try_from(n).map_err(|_| stored());
    Ok(Rules {
        retirement_age_male: number(row.retirement_age_male)?,
        retirement_age_female: number(row.retirement_age_female)?,
        outcome_cutoff: Rules::parse_cutoff(&row.outcome_cutoff).ok_or_else(stored)?,
        employment_min_days: number(row.employment_min_days)?,
        completion_attendance_percent: number(row.completion_attendance_percent)?,
        certified_kinds: CertifiedKinds::parse(&row.certified_kinds).ok_or_else(stored)?,
    })
}

/// A row recording `rules`.
fn row_of(
    rules: &Rules,
    effective_from: NaiveDate,
    reason: &str,
    set_by: Option<&str>,
) -> ProgrammeSettings {
    let number = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    ProgrammeSettings {
        id: Uuid::new_v4().to_string(),
        retirement_age_male: number(rules.retirement_age_male),
        retirement_age_female: number(rules.retirement_age_female),
        completion_attendance_percent: number(rules.completion_attendance_percent),
        certified_kinds: rules.certified_kinds.names().join(","),
        outcome_cutoff: format!(
            "{:02}-{:02}",
            rules.outcome_cutoff.0, rules.outcome_cutoff.1
        ),
        employment_min_days: number(rules.employment_min_days),
        effective_from,
        reason: reason.to_owned(),
        set_by: set_by.map(str::to_owned),
        set_at: db::now(),
    }
}

/// The settings in force.
pub fn load(conn: &mut AnyConnection) -> Result<Rules, AppError> {
    let row = db::settings::programme_in_force(conn)?
        .ok_or_else(|| AppError::internal("no programme settings are stored"))?;
    rules_of(&row)
}

/// The settings to count the figures by, in a transaction that is about to count them: after
/// any rebuild under way (a change of the settings) has committed, so that what it kept and the
/// settings it kept it by are read together.
pub(super) fn load_for_counting(conn: &mut AnyConnection) -> Result<Rules, AppError> {
    db::reports::wait_for_rebuild(conn)?;
    load(conn)
}

/// At start: the settings in force, seeding them from the environment's (`seed`) on a first
/// start. Answers them and whether the environment's differ (they are then not used).
pub fn seed(conn: &mut AnyConnection, seed: &Rules) -> Result<(Rules, bool), AppError> {
    conn.transaction(|c| {
        db::reports::lock_facts(c)?;
        if let Some(row) = db::settings::programme_in_force(c)? {
            let rules = rules_of(&row)?;
            return Ok((rules, rules != *seed));
        }
        let row = row_of(
            seed,
            today_in_china(),
            "首次启动时取自环境变量 (seeded from the environment at the first start)",
            None,
        );
        db::settings::insert_programme(c, &row)?;
        Ok((*seed, false))
    })
}

/// The settings in force and the changes before, the latest first (administrators and
/// managers).
pub fn get(
    conn: &mut AnyConnection,
    caller: &Caller,
) -> Result<(ProgrammeSettings, Vec<ProgrammeSettings>), AppError> {
    caller.may("get_settings")?;
    let mut history = db::settings::programme_history(conn, 50)?;
    if history.is_empty() {
        return Err(AppError::internal("no programme settings are stored"));
    }
    let in_force = history.remove(0);
    Ok((in_force, history))
}

/// Sets the settings (administrators), in force from today: a change takes effect when it is
/// made. Values equal to those in force change nothing (`false`). Otherwise the change is
/// stored and audited, and the figures are counted again by it, in one transaction: every
/// instance counts by it from then on.
pub fn put(
    conn: &mut AnyConnection,
    caller: &Caller,
    rules: Rules,
    reason: &str,
) -> Result<(bool, ProgrammeSettings, Option<Rebuilt>), AppError> {
    caller.may("put_settings")?;
    let effective_from = today_in_china();
    conn.transaction(|c| {
        // Changes and rebuilds one at a time, and in the order they are stored.
        db::reports::lock_facts(c)?;
        let current = db::settings::programme_in_force(c)?;
        if let Some(current) = &current
            && rules_of(current)? == rules
        {
            return Ok((false, current.clone(), None));
        }
        let row = row_of(&rules, effective_from, reason, Some(&caller.id));
        db::settings::insert_programme(c, &row)?;
        db::audit::record(
            c,
            caller.event("update", "programme_settings", Some(&row.id)),
        )?;
        let rebuilt = report_facts::rebuild(c, &rules)?;
        Ok((true, row, Some(rebuilt)))
    })
}
