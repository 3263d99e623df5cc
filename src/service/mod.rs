//! The service layer: what each operation does, below HTTP and above the tables.
//!
//! A write runs in one [`UnitOfWork`]: the service function writes through it, says which
//! trainees its change touches, and at commit the unit of work does, once, what every write
//! implies — each touched trainee locked (in id order) and its derived data refreshed: the
//! eligibility the ladder keeps ([`ladder`]) and what the trainee adds to the reports
//! ([`report_facts`]). Nothing else refreshes derived data, so no write can forget it.

pub mod follow_ups;
pub mod ladder;
pub mod report_facts;
pub mod work;

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

use diesel::Connection;

use crate::db::{self, AnyConnection};
use crate::domain::rules::Rules;
use crate::error::AppError;

/// What a change to a trainee's records makes stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    /// The eligibility on the ladder (certificates, completions, counting work, schooling).
    Eligibility,
    /// What the trainee adds to the reports (enrolments, assessments, placements, thresholds).
    Reports,
    /// Both.
    Both,
}

impl Stale {
    fn eligibility(self) -> bool {
        matches!(self, Self::Eligibility | Self::Both)
    }

    fn reports(self) -> bool {
        matches!(self, Self::Reports | Self::Both)
    }
}

/// One write's transaction and its consequences. Writes go through it (it derefs to the
/// connection); [`UnitOfWork::touch`] names the trainees whose derived data the write changes.
pub struct UnitOfWork<'c> {
    conn: &'c mut AnyConnection,
    rules: Rules,
    /// Trainee id -> (eligibility stale, reports stale).
    touched: BTreeMap<String, (bool, bool)>,
}

impl<'c> UnitOfWork<'c> {
    /// Runs `work` in one transaction and, if it succeeds, the consequences of what it touched
    /// before the commit; if either fails, nothing is written.
    pub fn run<T>(
        conn: &mut AnyConnection,
        rules: &Rules,
        work: impl FnOnce(&mut UnitOfWork<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let rules = *rules;
        conn.transaction(|c| {
            let mut unit = UnitOfWork {
                conn: c,
                rules,
                touched: BTreeMap::new(),
            };
            let out = work(&mut unit)?;
            unit.finish()?;
            Ok(out)
        })
    }

    /// The programme's settings in force.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Marks `trainee_id`'s derived data stale: refreshed once, at commit, whatever touched it.
    pub fn touch(&mut self, trainee_id: &str, stale: Stale) {
        let entry = self.touched.entry(trainee_id.to_owned()).or_default();
        entry.0 |= stale.eligibility();
        entry.1 |= stale.reports();
    }

    /// [`UnitOfWork::touch`] for many trainees.
    pub fn touch_all<'a>(
        &mut self,
        trainee_ids: impl IntoIterator<Item = &'a String>,
        stale: Stale,
    ) {
        for id in trainee_ids {
            self.touch(id, stale);
        }
    }

    /// Appends an audit row of this write.
    pub fn audit(&mut self, event: db::audit::Event<'_>) -> Result<(), AppError> {
        db::audit::record(self.conn, event)?;
        Ok(())
    }

    /// The consequences: every touched trainee locked in id order (after whatever the write
    /// holds: a placement, a county, a cohort), so that refreshes of one person queue and each
    /// reads what the last one kept; then each refreshed once.
    fn finish(self) -> Result<(), AppError> {
        let UnitOfWork {
            conn,
            rules,
            touched,
        } = self;
        if touched.is_empty() {
            return Ok(());
        }
        for id in touched.keys() {
            db::trainees::lock(conn, id)?;
        }
        for (id, _) in touched.iter().filter(|(_, (eligibility, _))| *eligibility) {
            ladder::refresh(conn, id)?;
        }
        let reports: Vec<String> = touched
            .into_iter()
            .filter(|(_, (_, reports))| *reports)
            .map(|(id, _)| id)
            .collect();
        if !reports.is_empty() {
            report_facts::refresh(conn, &reports, &rules)?;
        }
        Ok(())
    }
}

impl Deref for UnitOfWork<'_> {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        self.conn
    }
}

impl DerefMut for UnitOfWork<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn
    }
}
