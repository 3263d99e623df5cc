//! What the programme reports count, kept up to date (migration 000011): per trainee and year
//! the changes they add to each figure (`report_facts`), and their sums per group, by two-week
//! period (`report_counts`) and, for the days a report may end on, by day
//! (`report_day_counts`). Also the issued two-weekly reports.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::upsert::excluded;

use super::AnyConnection;
use super::schema::{
    assessments, biweekly_reports, certificates, cohorts, enrolments, income_thresholds,
    report_counts, report_day_counts, report_facts, trainee_categories, trainees,
};

/// Rows written in one statement.
const CHUNK: usize = 1000;

/// Trainees' birth dates and sexes: (trainee, birth date, sex).
pub fn trainees_in(
    conn: &mut AnyConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, NaiveDate, String)>> {
    trainees::table
        .filter(trainees::id.eq_any(ids))
        .select((trainees::id, trainees::birth_date, trainees::sex))
        .load(conn)
}

/// Trainees' categories: (trainee, category).
pub fn categories_in(
    conn: &mut AnyConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    trainee_categories::table
        .filter(trainee_categories::trainee_id.eq_any(ids))
        .select((trainee_categories::trainee_id, trainee_categories::category))
        .order((trainee_categories::trainee_id, trainee_categories::category))
        .load(conn)
}

/// An enrolment that ended, with what the report needs of its cohort.
#[derive(Debug, Clone, Queryable)]
pub struct EndedEnrolment {
    /// The enrolment.
    pub id: String,
    /// The trainee.
    pub trainee_id: String,
    /// The cohort.
    pub cohort_id: String,
    /// The cohort's provider.
    pub provider_id: String,
    /// The cohort's county.
    pub county_code: String,
    /// The cohort's occupation.
    pub occupation: String,
    /// The cohort's level.
    pub level: String,
    /// The enrolment's first day.
    pub enrolled_on: NaiveDate,
    /// The cohort's last day.
    pub end_date: NaiveDate,
    /// When completed.
    pub completed_on: Option<NaiveDate>,
    /// When dropped.
    pub dropped_on: Option<NaiveDate>,
}

/// The completed and dropped enrolments of the trainees.
pub fn ended_enrolments_in(
    conn: &mut AnyConnection,
    ids: &[String],
) -> QueryResult<Vec<EndedEnrolment>> {
    enrolments::table
        .inner_join(cohorts::table)
        .filter(enrolments::trainee_id.eq_any(ids))
        .filter(enrolments::status.eq_any(["completed", "dropped"]))
        .select((
            enrolments::id,
            enrolments::trainee_id,
            cohorts::id,
            cohorts::provider_id,
            cohorts::county_code,
            cohorts::occupation,
            cohorts::level,
            enrolments::enrolled_on,
            cohorts::end_date,
            enrolments::completed_on,
            enrolments::dropped_on,
        ))
        .order(enrolments::id)
        .load(conn)
}

/// The assessment days of the enrolments: (enrolment, day).
pub fn assessment_days_in(
    conn: &mut AnyConnection,
    enrolment_ids: &[String],
) -> QueryResult<Vec<(String, NaiveDate)>> {
    assessments::table
        .filter(assessments::enrolment_id.eq_any(enrolment_ids))
        .select((assessments::enrolment_id, assessments::assessed_on))
        .load(conn)
}

/// The trainees' certificates of the kinds given: (trainee, occupation, level, issued on).
pub fn certificates_in(
    conn: &mut AnyConnection,
    ids: &[String],
    kinds: &[&str],
) -> QueryResult<Vec<(String, String, String, NaiveDate)>> {
    certificates::table
        .filter(certificates::trainee_id.eq_any(ids))
        .filter(certificates::kind.eq_any(kinds))
        .select((
            certificates::trainee_id,
            certificates::occupation,
            certificates::level,
            certificates::issued_on,
        ))
        .load(conn)
}

/// A threshold as the reports read it: (county, amount, from, to).
pub type ThresholdRow = (String, i64, NaiveDate, Option<NaiveDate>);

/// The income thresholds of the counties.
pub fn thresholds_in(
    conn: &mut AnyConnection,
    counties: &[String],
) -> QueryResult<Vec<ThresholdRow>> {
    income_thresholds::table
        .filter(income_thresholds::county_code.eq_any(counties))
        .select((
            income_thresholds::county_code,
            income_thresholds::monthly_fen,
            income_thresholds::valid_from,
            income_thresholds::valid_to,
        ))
        .load(conn)
}

/// One trainee's kept facts: (year, county, changes as JSON).
pub fn facts_of(
    conn: &mut AnyConnection,
    trainee_id: &str,
) -> QueryResult<Vec<(i32, String, String)>> {
    report_facts::table
        .filter(report_facts::trainee_id.eq(trainee_id))
        .select((
            report_facts::year,
            report_facts::county_code,
            report_facts::changes,
        ))
        .order(report_facts::year)
        .load(conn)
}

/// Keeps one trainee's facts for a year, replacing what was kept.
pub fn put_facts(
    conn: &mut AnyConnection,
    trainee_id: &str,
    year: i32,
    county_code: &str,
    changes: &str,
) -> QueryResult<()> {
    let row = (
        report_facts::trainee_id.eq(trainee_id),
        report_facts::year.eq(year),
        report_facts::county_code.eq(county_code),
        report_facts::changes.eq(changes),
    );
    crate::with_conn!(conn, |c| diesel::insert_into(report_facts::table)
        .values(row)
        .on_conflict((report_facts::trainee_id, report_facts::year))
        .do_update()
        .set((
            report_facts::county_code.eq(excluded(report_facts::county_code)),
            report_facts::changes.eq(excluded(report_facts::changes)),
        ))
        .execute(c))
    .map(drop)
}

/// Forgets one trainee's facts for a year.
pub fn delete_facts(conn: &mut AnyConnection, trainee_id: &str, year: i32) -> QueryResult<()> {
    diesel::delete(report_facts::table.find((trainee_id, year)))
        .execute(conn)
        .map(drop)
}

/// The kept facts of a year in the counties: (trainee, changes as JSON), by trainee.
pub fn facts_in(
    conn: &mut AnyConnection,
    year: i32,
    counties: &[String],
) -> QueryResult<Vec<(String, String)>> {
    report_facts::table
        .filter(report_facts::year.eq(year))
        .filter(report_facts::county_code.eq_any(counties))
        .select((report_facts::trainee_id, report_facts::changes))
        .order(report_facts::trainee_id)
        .load(conn)
}

/// A sum kept for a group: (year, dim, group, county, metric) and its period or day.
pub type GroupKey = (i32, String, String, String, String);

/// Adds to the sums by period. Rows in key order, so that writers meet in the same order.
pub fn add_to_periods(conn: &mut AnyConnection, rows: &[(GroupKey, i32, i64)]) -> QueryResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let values: Vec<_> = chunk
            .iter()
            .map(|((year, dim, key, county, metric), period, n)| {
                (
                    report_counts::year.eq(*year),
                    report_counts::dim.eq(dim.as_str()),
                    report_counts::group_key.eq(key.as_str()),
                    report_counts::county_code.eq(county.as_str()),
                    report_counts::metric.eq(metric.as_str()),
                    report_counts::period.eq(*period),
                    report_counts::n.eq(*n),
                )
            })
            .collect();
        crate::with_conn!(conn, |c| diesel::insert_into(report_counts::table)
            .values(&values)
            .on_conflict((
                report_counts::year,
                report_counts::dim,
                report_counts::group_key,
                report_counts::county_code,
                report_counts::metric,
                report_counts::period,
            ))
            .do_update()
            .set(report_counts::n.eq(report_counts::n + excluded(report_counts::n)))
            .execute(c))?;
    }
    Ok(())
}

/// Adds to the sums by day. Rows in key order.
pub fn add_to_days(
    conn: &mut AnyConnection,
    rows: &[(GroupKey, NaiveDate, i64)],
) -> QueryResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let values: Vec<_> = chunk
            .iter()
            .map(|((year, dim, key, county, metric), day, n)| {
                (
                    report_day_counts::year.eq(*year),
                    report_day_counts::dim.eq(dim.as_str()),
                    report_day_counts::group_key.eq(key.as_str()),
                    report_day_counts::county_code.eq(county.as_str()),
                    report_day_counts::metric.eq(metric.as_str()),
                    report_day_counts::day.eq(*day),
                    report_day_counts::n.eq(*n),
                )
            })
            .collect();
        crate::with_conn!(conn, |c| diesel::insert_into(report_day_counts::table)
            .values(&values)
            .on_conflict((
                report_day_counts::year,
                report_day_counts::dim,
                report_day_counts::group_key,
                report_day_counts::county_code,
                report_day_counts::metric,
                report_day_counts::day,
            ))
            .do_update()
            .set(report_day_counts::n.eq(report_day_counts::n + excluded(report_day_counts::n)))
            .execute(c))?;
    }
    Ok(())
}

/// Takes the reports' data for this transaction alone (PostgreSQL: the facts table; SQLite: the
/// database's write lock): a rebuild, or a change of the settings it counts by, one at a time,
/// and no refresh meanwhile.
pub fn lock_facts(conn: &mut AnyConnection) -> QueryResult<()> {
    match conn {
        AnyConnection::Postgresql(c) => {
            diesel::sql_query("LOCK TABLE report_facts IN ACCESS EXCLUSIVE MODE").execute(c)?;
        }
        AnyConnection::Sqlite(c) => {
            // A write, however small, takes SQLite's write lock for the transaction.
            diesel::sql_query("UPDATE app_settings SET value = value WHERE key = 'report_facts'")
                .execute(c)?;
        }
    }
    Ok(())
}

/// Waits for a rebuild under way (PostgreSQL; SQLite's writers queue already), so that what is
/// read next is what it committed.
pub fn wait_for_rebuild(conn: &mut AnyConnection) -> QueryResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        diesel::sql_query("LOCK TABLE report_facts IN ROW EXCLUSIVE MODE").execute(c)?;
    }
    Ok(())
}

/// Forgets everything kept, before a rebuild. On PostgreSQL the facts table stays locked to
/// the end of the transaction: writes that would change it wait for the rebuild.
pub fn clear(conn: &mut AnyConnection) -> QueryResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        // Refreshes read the facts before they write: they wait for the rebuild, then correct
        // what it kept.
        diesel::sql_query("LOCK TABLE report_facts IN ACCESS EXCLUSIVE MODE").execute(c)?;
        diesel::sql_query("LOCK TABLE report_counts, report_day_counts IN EXCLUSIVE MODE")
            .execute(c)?;
    }
    diesel::delete(report_day_counts::table).execute(conn)?;
    diesel::delete(report_counts::table).execute(conn)?;
    diesel::delete(report_facts::table).execute(conn)?;
    Ok(())
}

/// Keeps many trainees' facts at once (after [`clear`]): (trainee, year, county, changes).
pub fn insert_facts(
    conn: &mut AnyConnection,
    rows: &[(String, i32, String, String)],
) -> QueryResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(trainee, year, county, changes)| {
                (
                    report_facts::trainee_id.eq(trainee.as_str()),
                    report_facts::year.eq(*year),
                    report_facts::county_code.eq(county.as_str()),
                    report_facts::changes.eq(changes.as_str()),
                )
            })
            .collect();
        crate::with_conn!(conn, |c| diesel::insert_into(report_facts::table)
            .values(&values)
            .execute(c))?;
    }
    Ok(())
}

/// The trainees with an enrolment that ended, after `after`, by id: a rebuild's next batch.
pub fn trainees_with_ended_enrolments(
    conn: &mut AnyConnection,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<String>> {
    enrolments::table
        .filter(enrolments::status.eq_any(["completed", "dropped"]))
        .filter(enrolments::trainee_id.gt(after))
        .select(enrolments::trainee_id)
        .distinct()
        .order(enrolments::trainee_id)
        .limit(limit)
        .load(conn)
}

/// The trainees with a placement who completed or left a cohort of the county: those a
/// threshold of the county may be counted against.
pub fn placed_in(conn: &mut AnyConnection, county_code: &str) -> QueryResult<Vec<String>> {
    use super::schema::placements;
    let trained_there = enrolments::table
        .inner_join(cohorts::table)
        .filter(cohorts::county_code.eq(county_code.to_owned()))
        .filter(enrolments::status.eq_any(["completed", "dropped"]))
        .select(enrolments::trainee_id);
    placements::table
        .filter(placements::trainee_id.eq_any(trained_there))
        .select(placements::trainee_id)
        .distinct()
        .order(placements::trainee_id)
        .load(conn)
}

/// The county of the cohort a trainee completed last: the one whose threshold judges their
/// income, as the reports judge it.
pub fn latest_training_county(
    conn: &mut AnyConnection,
    trainee_id: &str,
) -> QueryResult<Option<String>> {
    enrolments::table
        .inner_join(cohorts::table)
        .filter(enrolments::trainee_id.eq(trainee_id.to_owned()))
        .filter(enrolments::status.eq("completed"))
        .select(cohorts::county_code)
        .order((enrolments::completed_on.desc(), cohorts::id.desc()))
        .first(conn)
        .optional()
}

/// The counties of the cohorts a trainee completed or left: those the trainee is counted in.
pub fn counted_in(conn: &mut AnyConnection, trainee_id: &str) -> QueryResult<Vec<String>> {
    enrolments::table
        .inner_join(cohorts::table)
        .filter(enrolments::trainee_id.eq(trainee_id.to_owned()))
        .filter(enrolments::status.eq_any(["completed", "dropped"]))
        .select(cohorts::county_code)
        .distinct()
        .order(cohorts::county_code)
        .load(conn)
}

/// The trainees with an ended enrolment in a cohort: those a change of the cohort touches.
pub fn ended_in_cohort(conn: &mut AnyConnection, cohort_id: &str) -> QueryResult<Vec<String>> {
    enrolments::table
        .filter(enrolments::cohort_id.eq(cohort_id))
        .filter(enrolments::status.eq_any(["completed", "dropped"]))
        .select(enrolments::trainee_id)
        .order(enrolments::trainee_id)
        .load(conn)
}

/// The sums of a year's figures per group of `dim`, in the counties: up to the end of
/// `period` (none when `None`), plus the days from `from` through `to`: (group, metric, sum).
pub fn sums(
    conn: &mut AnyConnection,
    year: i32,
    dim: &str,
    counties: &[String],
    period: Option<i32>,
    days: Option<(NaiveDate, NaiveDate)>,
) -> QueryResult<Vec<(String, String, i64)>> {
    let total = || sql::<BigInt>("CAST(SUM(n) AS BIGINT)");
    // The whole city reads the period's whole range; a few counties filter it. Days are kept
    // by county first: one short range each.
    let everywhere = crate::domain::COUNTY_CODES
        .iter()
        .all(|c| counties.iter().any(|mine| mine == c));
    let mut query = report_counts::table
        .filter(report_counts::year.eq(year))
        .filter(report_counts::dim.eq(dim))
        .filter(report_counts::period.eq(period.unwrap_or(-1)))
        .group_by((report_counts::group_key, report_counts::metric))
        .select((report_counts::group_key, report_counts::metric, total()))
        .into_boxed();
    if !everywhere {
        query = query.filter(report_counts::county_code.eq_any(counties));
    }
    let mut rows: Vec<(String, String, i64)> = query.load(conn)?;
    if let Some((from, to)) = days {
        let query = report_day_counts::table
            .filter(report_day_counts::year.eq(year))
            .filter(report_day_counts::dim.eq(dim))
            .filter(report_day_counts::day.between(from, to))
            .group_by((report_day_counts::group_key, report_day_counts::metric))
            .select((
                report_day_counts::group_key,
                report_day_counts::metric,
                total(),
            ))
            .filter(report_day_counts::county_code.eq_any(counties));
        rows.extend(query.load::<(String, String, i64)>(conn)?);
    }
    Ok(rows)
}

/// The sums of a year's county figures up to the end of each period, in the counties:
/// (period, metric, sum).
pub fn by_period(
    conn: &mut AnyConnection,
    year: i32,
    counties: &[String],
) -> QueryResult<Vec<(i32, String, i64)>> {
    report_counts::table
        .filter(report_counts::year.eq(year))
        .filter(report_counts::dim.eq("county"))
        .filter(report_counts::group_key.eq_any(counties))
        .group_by((report_counts::period, report_counts::metric))
        .select((
            report_counts::period,
            report_counts::metric,
            sql::<BigInt>("CAST(SUM(n) AS BIGINT)"),
        ))
        .load(conn)
}

/// An issued two-weekly report.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = biweekly_reports)]
pub struct Biweekly {
    /// UUID.
    pub id: String,
    /// The programme year.
    pub year: i32,
    /// The period, from 1.
    pub period: i32,
    /// `city` or a county code.
    pub scope: String,
    /// 1, then one more for each freeze that found other figures.
    pub revision: i32,
    /// The last day of the period (or of the year).
    pub as_of: NaiveDate,
    /// The figures (JSON).
    pub figures: String,
    /// The trainee ids behind each figure (JSON).
    pub records: String,
    /// The figures by each grouping (JSON).
    pub breakdowns: String,
    /// What changed since the revision before (JSON).
    pub differences: Option<String>,
    /// Who froze it.
    pub frozen_by: Option<String>,
    /// When.
    pub frozen_at: NaiveDateTime,
}

/// Stores an issued report.
pub fn insert_biweekly(conn: &mut AnyConnection, row: &Biweekly) -> QueryResult<()> {
    diesel::insert_into(biweekly_reports::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The latest revision of a period's report.
pub fn latest_biweekly(
    conn: &mut AnyConnection,
    year: i32,
    period: i32,
    scope: &str,
) -> QueryResult<Option<Biweekly>> {
    biweekly_reports::table
        .filter(biweekly_reports::year.eq(year))
        .filter(biweekly_reports::period.eq(period))
        .filter(biweekly_reports::scope.eq(scope))
        .order(biweekly_reports::revision.desc())
        .select(Biweekly::as_select())
        .first(conn)
        .optional()
}

/// One issued report.
pub fn find_biweekly(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Biweekly>> {
    biweekly_reports::table
        .find(id)
        .select(Biweekly::as_select())
        .first(conn)
        .optional()
}

/// Issued reports of the scopes, optionally of one year, newest period first, after the
/// cursor (year, period, scope, revision).
pub fn list_biweekly(
    conn: &mut AnyConnection,
    scopes: &[String],
    year: Option<i32>,
    after: Option<(i32, i32, String, i32)>,
    limit: i64,
) -> QueryResult<Vec<Biweekly>> {
    let mut query = biweekly_reports::table
        .filter(biweekly_reports::scope.eq_any(scopes))
        .select(Biweekly::as_select())
        .order((
            biweekly_reports::year.desc(),
            biweekly_reports::period.desc(),
            biweekly_reports::scope,
            biweekly_reports::revision.desc(),
        ))
        .limit(limit)
        .into_boxed();
    if let Some(year) = year {
        query = query.filter(biweekly_reports::year.eq(year));
    }
    if let Some((year, period, scope, revision)) = after {
        query = query.filter(
            biweekly_reports::year
                .lt(year)
                .or(biweekly_reports::year.eq(year).and(
                    biweekly_reports::period
                        .lt(period)
                        .or(biweekly_reports::period.eq(period).and(
                            biweekly_reports::scope
                                .gt(scope.clone())
                                .or(biweekly_reports::scope
                                    .eq(scope)
                                    .and(biweekly_reports::revision.lt(revision))),
                        )),
                )),
        );
    }
    query.load(conn)
}

/// The trainees' placements.
pub fn placements_in(
    conn: &mut AnyConnection,
    ids: &[String],
) -> QueryResult<Vec<super::placements::Placement>> {
    use super::schema::placements;
    placements::table
        .filter(placements::trainee_id.eq_any(ids))
        .select(super::placements::Placement::as_select())
        .order(placements::id)
        .load(conn)
}

/// The placements' follow-ups.
pub fn follow_ups_in(
    conn: &mut AnyConnection,
    placement_ids: &[String],
) -> QueryResult<Vec<super::placements::FollowUp>> {
    use super::schema::follow_ups;
    follow_ups::table
        .filter(follow_ups::placement_id.eq_any(placement_ids))
        .select(super::placements::FollowUp::as_select())
        .order(follow_ups::id)
        .load(conn)
}

/// Cohorts' codes and names: (id, code, name).
pub fn cohort_labels(
    conn: &mut AnyConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String, String)>> {
    cohorts::table
        .filter(cohorts::id.eq_any(ids))
        .select((cohorts::id, cohorts::code, cohorts::name))
        .load(conn)
}

/// Holds the counties (PostgreSQL: a shared row lock to the end of the transaction) so that a
/// threshold recorded for one of them meanwhile waits: the threshold's own refresh then sees
/// this transaction's placements. SQLite runs one writer at a time and needs none.
pub fn share_counties(conn: &mut AnyConnection, codes: &[String]) -> QueryResult<()> {
    use super::schema::counties;
    if let AnyConnection::Postgresql(c) = conn {
        let mut codes = codes.to_vec();
        codes.sort();
        counties::table
            .filter(counties::code.eq_any(codes))
            .order(counties::code)
            .select(counties::code)
            .for_share()
            .load::<String>(c)?;
    }
    Ok(())
}
