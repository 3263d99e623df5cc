//! Placements, their follow-ups and the income thresholds they are measured against.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{counties, follow_ups, income_thresholds, organisations, placements, trainees};
use super::trainees::Scope;

/// One placement row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = placements)]
pub struct Placement {
    /// UUID.
    pub id: String,
    /// The trainee placed.
    pub trainee_id: String,
    /// The trainee's county.
    pub county_code: String,
    /// `employer`, `household` or `self_employed`.
    pub kind: String,
    /// The employer, for a placement with one.
    pub employer_id: Option<String>,
    /// The household's contact name, for a household placement.
    pub household_name: Option<String>,
    /// The household's mobile number.
    pub household_phone: Option<String>,
    /// What the business is, for self-employment.
    pub business: Option<String>,
    /// Occupation.
    pub occupation: String,
    /// Position.
    pub position: String,
    /// Where the work is.
    pub work_city: String,
    /// First day of work.
    pub start_date: NaiveDate,
    /// Monthly wage agreed, or income declared, in fen.
    pub monthly_wage_fen: i64,
    /// Contract type.
    pub contract_type: String,
    /// `open` or `ended`.
    pub lifecycle: String,
    /// `unverified`, `employer_confirmed`, `field_verified` or `disputed`.
    pub evidence: String,
    /// When the employer confirmed it.
    pub confirmed_at: Option<NaiveDateTime>,
    /// When the employer disputed it.
    pub disputed_at: Option<NaiveDateTime>,
    /// Why.
    pub dispute_reason: Option<String>,
    /// The day of the first visit or call that found the person at work there.
    pub verified_on: Option<NaiveDate>,
    /// How a manager settled the dispute: `upheld` or `overruled`.
    pub resolution: Option<String>,
    /// Why.
    pub resolution_reason: Option<String>,
    /// When.
    pub resolved_at: Option<NaiveDateTime>,
    /// The manager's account.
    pub resolved_by: Option<String>,
    /// Last day of work, once ended.
    pub ended_on: Option<NaiveDate>,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// The latest follow-up's day.
    pub last_follow_up_on: Option<NaiveDate>,
    /// The day follow-ups say the person stopped working there (the latest word).
    pub stopped_on: Option<NaiveDate>,
    /// When the next follow-up is due, while open.
    pub follow_up_due_on: Option<NaiveDate>,
    /// Version.
    pub version: i32,
    /// When created.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
}

/// What an action or a follow-up changes on a placement.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = placements, treat_none_as_null = true)]
pub struct PlacementState {
    /// Open or ended.
    pub lifecycle: String,
    /// Evidence.
    pub evidence: String,
    /// Confirmation time.
    pub confirmed_at: Option<NaiveDateTime>,
    /// Dispute time.
    pub disputed_at: Option<NaiveDateTime>,
    /// Dispute reason.
    pub dispute_reason: Option<String>,
    /// Verification day.
    pub verified_on: Option<NaiveDate>,
    /// How a dispute was settled.
    pub resolution: Option<String>,
    /// Why.
    pub resolution_reason: Option<String>,
    /// When.
    pub resolved_at: Option<NaiveDateTime>,
    /// By whom.
    pub resolved_by: Option<String>,
    /// End day.
    pub ended_on: Option<NaiveDate>,
    /// End reason.
    pub end_reason: Option<String>,
    /// Latest follow-up day.
    pub last_follow_up_on: Option<NaiveDate>,
    /// Stop day from follow-ups.
    pub stopped_on: Option<NaiveDate>,
    /// Next follow-up due.
    pub follow_up_due_on: Option<NaiveDate>,
}

impl Placement {
    /// The placement's current state.
    pub fn state(&self) -> PlacementState {
        PlacementState {
            lifecycle: self.lifecycle.clone(),
            evidence: self.evidence.clone(),
            confirmed_at: self.confirmed_at,
            disputed_at: self.disputed_at,
            dispute_reason: self.dispute_reason.clone(),
            verified_on: self.verified_on,
            resolution: self.resolution.clone(),
            resolution_reason: self.resolution_reason.clone(),
            resolved_at: self.resolved_at,
            resolved_by: self.resolved_by.clone(),
            ended_on: self.ended_on,
            end_reason: self.end_reason.clone(),
            last_follow_up_on: self.last_follow_up_on,
            stopped_on: self.stopped_on,
            follow_up_due_on: self.follow_up_due_on,
        }
    }
}

/// Who may see a placement.
#[derive(Debug, Clone)]
pub enum PlacementScope {
    /// Staff: placements of trainees they may see.
    Trainees(Scope),
    /// An employer's users: placements naming it.
    Employer(String),
}

/// One follow-up row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = follow_ups)]
pub struct FollowUp {
    /// UUID.
    pub id: String,
    /// The placement.
    pub placement_id: String,
    /// The day of the follow-up.
    pub followed_up_on: NaiveDate,
    /// `visit`, `phone` or `app`.
    pub channel: String,
    /// Still in work.
    pub still_employed: bool,
    /// At the placement's employer.
    pub same_employer: bool,
    /// Monthly income reported, in fen.
    pub monthly_income_fen: Option<i64>,
    /// Note.
    pub note: Option<String>,
    /// The phone's clock.
    pub recorded_at: NaiveDateTime,
    /// The server's clock.
    pub received_at: NaiveDateTime,
    /// The account that sent it.
    pub recorded_by: Option<String>,
    /// The placement it opened, when it found the person in new work.
    pub new_placement_id: Option<String>,
}

/// One income threshold row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = income_thresholds)]
pub struct IncomeThreshold {
    /// UUID.
    pub id: String,
    /// County.
    pub county_code: String,
    /// Monthly amount, in fen.
    pub monthly_fen: i64,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// Last day in force; `None` until further notice.
    pub valid_to: Option<NaiveDate>,
    /// Where the figure comes from.
    pub source: String,
    /// Version.
    pub version: i32,
    /// When recorded.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
    /// Why an administrator last corrected its amount or dates.
    pub correction_reason: Option<String>,
    /// When.
    pub corrected_at: Option<NaiveDateTime>,
    /// By whom.
    pub corrected_by: Option<String>,
}

/// An administrator's correction of a threshold entered wrongly.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = income_thresholds, treat_none_as_null = true)]
pub struct ThresholdCorrection {
    /// The amount it should have had.
    pub monthly_fen: i64,
    /// Its first day in force.
    pub valid_from: NaiveDate,
    /// Its last day in force.
    pub valid_to: Option<NaiveDate>,
    /// Why.
    pub correction_reason: Option<String>,
    /// When.
    pub corrected_at: Option<NaiveDateTime>,
    /// By whom.
    pub corrected_by: Option<String>,
}

/// Writes a correction over `version`; `false` when the threshold changed meanwhile.
pub fn correct_threshold(
    conn: &mut AnyConnection,
    id: &str,
    version: i32,
    correction: &ThresholdCorrection,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        income_thresholds::table
            .filter(income_thresholds::id.eq(id.to_owned()))
            .filter(income_thresholds::version.eq(version)),
    )
    .set((
        correction,
        income_thresholds::version.eq(version + 1),
        income_thresholds::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// A change of a threshold: its period's end, or its source.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = income_thresholds)]
pub struct ThresholdChanges {
    /// The new last day (`Some(None)`: until further notice).
    pub valid_to: Option<Option<NaiveDate>>,
    /// The new source.
    pub source: Option<String>,
}

/// Stores a placement.
pub fn insert(conn: &mut AnyConnection, row: &Placement) -> QueryResult<()> {
    diesel::insert_into(placements::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// A placement by id, whoever may see it.
pub fn find_any(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Placement>> {
    placements::table
        .find(id)
        .select(Placement::as_select())
        .first(conn)
        .optional()
}

/// A placement by id, if `scope` may see it.
pub fn find(
    conn: &mut AnyConnection,
    id: &str,
    scope: &PlacementScope,
) -> QueryResult<Option<Placement>> {
    let mut query = placements::table
        .filter(placements::id.eq(id.to_owned()))
        .select(Placement::as_select())
        .into_boxed();
    match scope {
        PlacementScope::Trainees(Scope::All) => {}
        PlacementScope::Trainees(Scope::Counties(codes)) => {
            query = query.filter(placements::county_code.eq_any(codes.clone()));
        }
        PlacementScope::Employer(employer) => {
            query = query.filter(placements::employer_id.eq(employer.clone()));
        }
    }
    query.first(conn).optional()
}

/// Filters of the list of placements.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// One trainee's.
    pub trainee_id: Option<String>,
    /// Open or ended.
    pub lifecycle: Option<String>,
    /// With one evidence.
    pub evidence: Option<String>,
    /// Of one county.
    pub county: Option<String>,
    /// Changed at or after.
    pub since: Option<NaiveDateTime>,
}

/// One page of placements in the order they last changed.
pub fn list(
    conn: &mut AnyConnection,
    scope: &PlacementScope,
    filter: &Filter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<Placement>> {
    let mut query = placements::table
        .select(Placement::as_select())
        .order((placements::updated_at, placements::id))
        .limit(limit)
        .into_boxed();
    match scope {
        PlacementScope::Trainees(Scope::All) => {}
        PlacementScope::Trainees(Scope::Counties(codes)) => {
            query = query.filter(placements::county_code.eq_any(codes.clone()));
        }
        PlacementScope::Employer(employer) => {
            query = query.filter(placements::employer_id.eq(employer.clone()));
        }
    }
    if let Some(trainee) = &filter.trainee_id {
        query = query.filter(placements::trainee_id.eq(trainee.clone()));
    }
    if let Some(lifecycle) = &filter.lifecycle {
        query = query.filter(placements::lifecycle.eq(lifecycle.clone()));
    }
    if let Some(evidence) = &filter.evidence {
        query = query.filter(placements::evidence.eq(evidence.clone()));
    }
    if let Some(county) = &filter.county {
        query = query.filter(placements::county_code.eq(county.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(placements::updated_at.ge(since));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            placements::updated_at
                .gt(at)
                .or(placements::updated_at.eq(at).and(placements::id.gt(id))),
        );
    }
    query.load(conn)
}

/// A trainee's open placements.
pub fn open_of_trainee(conn: &mut AnyConnection, trainee_id: &str) -> QueryResult<Vec<Placement>> {
    placements::table
        .filter(placements::trainee_id.eq(trainee_id.to_owned()))
        .filter(placements::lifecycle.eq("open"))
        .select(Placement::as_select())
        .order((placements::start_date, placements::id))
        .load(conn)
}

/// A trainee's placements, by start.
pub fn of_trainee(conn: &mut AnyConnection, trainee_id: &str) -> QueryResult<Vec<Placement>> {
    placements::table
        .filter(placements::trainee_id.eq(trainee_id.to_owned()))
        .select(Placement::as_select())
        .order((placements::start_date, placements::id))
        .load(conn)
}

/// The names of employers, by id, for the placements given.
pub fn employer_names(
    conn: &mut AnyConnection,
    ids: Vec<String>,
) -> QueryResult<Vec<(String, String)>> {
    organisations::table
        .filter(organisations::id.eq_any(ids))
        .select((organisations::id, organisations::name))
        .load(conn)
}

/// `(id, name, id_number, phone)` of a trainee.
pub type TraineeBrief = (String, String, String, Option<String>);

/// What a placement shows of the trainees given.
pub fn trainee_briefs(
    conn: &mut AnyConnection,
    ids: Vec<String>,
) -> QueryResult<Vec<TraineeBrief>> {
    trainees::table
        .filter(trainees::id.eq_any(ids))
        .select((
            trainees::id,
            trainees::name,
            trainees::id_number,
            trainees::phone,
        ))
        .load(conn)
}

/// Takes the placement's row lock for the rest of the transaction; `false` when it is absent.
pub fn lock(conn: &mut AnyConnection, id: &str) -> QueryResult<bool> {
    let locked = diesel::update(placements::table.filter(placements::id.eq(id.to_owned())))
        .set(placements::version.eq(placements::version))
        .execute(conn)?;
    Ok(locked == 1)
}

/// Writes a new state over `version`; `false` when the placement changed meanwhile.
pub fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    version: i32,
    state: &PlacementState,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        placements::table
            .filter(placements::id.eq(id.to_owned()))
            .filter(placements::version.eq(version)),
    )
    .set((
        state,
        placements::version.eq(version + 1),
        placements::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Moves a trainee's placements with them when their county changes.
pub fn move_trainee(
    conn: &mut AnyConnection,
    trainee_id: &str,
    county_code: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(placements::table.filter(placements::trainee_id.eq(trainee_id.to_owned())))
        .set((
            placements::county_code.eq(county_code.to_owned()),
            placements::version.eq(placements::version + 1),
            placements::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// Stores a follow-up.
pub fn insert_follow_up(conn: &mut AnyConnection, row: &FollowUp) -> QueryResult<()> {
    diesel::insert_into(follow_ups::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// A follow-up by id.
pub fn find_follow_up(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<FollowUp>> {
    follow_ups::table
        .find(id)
        .select(FollowUp::as_select())
        .first(conn)
        .optional()
}

/// Every follow-up of a placement (with the one that found the person in it, when it was new
/// work), in the order received.
pub fn follow_ups_of(conn: &mut AnyConnection, placement_id: &str) -> QueryResult<Vec<FollowUp>> {
    follow_ups::table
        .filter(
            follow_ups::placement_id
                .eq(placement_id.to_owned())
                .or(follow_ups::new_placement_id.eq(placement_id.to_owned())),
        )
        .select(FollowUp::as_select())
        .order((follow_ups::received_at, follow_ups::id))
        .load(conn)
}

/// One page of a placement's follow-ups, in the order received.
pub fn list_follow_ups(
    conn: &mut AnyConnection,
    placement_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<FollowUp>> {
    let mut query = follow_ups::table
        .filter(follow_ups::placement_id.eq(placement_id.to_owned()))
        .select(FollowUp::as_select())
        .order((follow_ups::received_at, follow_ups::id))
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            follow_ups::received_at
                .gt(at)
                .or(follow_ups::received_at.eq(at).and(follow_ups::id.gt(id))),
        );
    }
    query.load(conn)
}

/// Every follow-up of a trainee's placements.
pub fn follow_ups_of_trainee(
    conn: &mut AnyConnection,
    trainee_id: &str,
) -> QueryResult<Vec<FollowUp>> {
    follow_ups::table
        .inner_join(placements::table)
        .filter(placements::trainee_id.eq(trainee_id.to_owned()))
        .select(FollowUp::as_select())
        .order((follow_ups::received_at, follow_ups::id))
        .load(conn)
}

/// A placement on the worklist, with who to call.
#[derive(Debug, Clone, Queryable)]
pub struct Due {
    /// The placement.
    pub placement: Placement,
    /// The trainee's name.
    pub trainee_name: String,
    /// The trainee's phone.
    pub trainee_phone: Option<String>,
    /// The employer's name.
    pub employer_name: Option<String>,
}

/// Open placements whose follow-up is due on or before `before`, the longest overdue first.
pub fn due(
    conn: &mut AnyConnection,
    counties: Option<Vec<String>>,
    before: NaiveDate,
    after: Option<(NaiveDate, String)>,
    limit: i64,
) -> QueryResult<Vec<Due>> {
    let mut query = placements::table
        .inner_join(trainees::table)
        .left_join(organisations::table)
        .filter(placements::follow_up_due_on.le(before))
        .select((
            Placement::as_select(),
            trainees::name,
            trainees::phone,
            organisations::name.nullable(),
        ))
        .order((placements::follow_up_due_on, placements::id))
        .limit(limit)
        .into_boxed();
    if let Some(codes) = counties {
        query = query.filter(placements::county_code.eq_any(codes));
    }
    if let Some((on, id)) = after {
        query = query.filter(
            placements::follow_up_due_on
                .gt(on)
                .or(placements::follow_up_due_on
                    .eq(on)
                    .and(placements::id.gt(id))),
        );
    }
    query.load(conn)
}

/// Takes the county's row lock, so that the threshold periods of one county are checked and
/// written one request at a time.
pub fn lock_county(conn: &mut AnyConnection, county_code: &str) -> QueryResult<bool> {
    let locked = diesel::update(counties::table.filter(counties::code.eq(county_code.to_owned())))
        .set(counties::name.eq(counties::name))
        .execute(conn)?;
    Ok(locked == 1)
}

/// Stores a threshold.
pub fn insert_threshold(conn: &mut AnyConnection, row: &IncomeThreshold) -> QueryResult<()> {
    diesel::insert_into(income_thresholds::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// A threshold by id.
pub fn find_threshold(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<IncomeThreshold>> {
    income_thresholds::table
        .find(id)
        .select(IncomeThreshold::as_select())
        .first(conn)
        .optional()
}

/// Writes a change over `version`; `false` when the threshold changed meanwhile.
pub fn update_threshold(
    conn: &mut AnyConnection,
    id: &str,
    version: i32,
    changes: &ThresholdChanges,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        income_thresholds::table
            .filter(income_thresholds::id.eq(id.to_owned()))
            .filter(income_thresholds::version.eq(version)),
    )
    .set((
        changes,
        income_thresholds::version.eq(version + 1),
        income_thresholds::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Another threshold of the county (not `except`) whose period overlaps `from ..= to` (`to`
/// open when `None`).
pub fn overlapping(
    conn: &mut AnyConnection,
    county_code: &str,
    from: NaiveDate,
    to: Option<NaiveDate>,
    except: &str,
) -> QueryResult<Option<IncomeThreshold>> {
    let mut query = income_thresholds::table
        .filter(income_thresholds::county_code.eq(county_code.to_owned()))
        .filter(income_thresholds::id.ne(except.to_owned()))
        .filter(
            income_thresholds::valid_to
                .is_null()
                .or(income_thresholds::valid_to.ge(from)),
        )
        .select(IncomeThreshold::as_select())
        .order(income_thresholds::valid_from)
        .into_boxed();
    if let Some(to) = to {
        query = query.filter(income_thresholds::valid_from.le(to));
    }
    query.first(conn).optional()
}

/// The thresholds of one county, oldest first.
pub fn thresholds_of(
    conn: &mut AnyConnection,
    county_code: &str,
) -> QueryResult<Vec<IncomeThreshold>> {
    income_thresholds::table
        .filter(income_thresholds::county_code.eq(county_code.to_owned()))
        .select(IncomeThreshold::as_select())
        .order(income_thresholds::valid_from)
        .load(conn)
}

/// One page of thresholds, by county and start.
pub fn list_thresholds(
    conn: &mut AnyConnection,
    counties: Option<Vec<String>>,
    after: Option<(String, NaiveDate, String)>,
    limit: i64,
) -> QueryResult<Vec<IncomeThreshold>> {
    let mut query = income_thresholds::table
        .select(IncomeThreshold::as_select())
        .order((
            income_thresholds::county_code,
            income_thresholds::valid_from,
            income_thresholds::id,
        ))
        .limit(limit)
        .into_boxed();
    if let Some(codes) = counties {
        query = query.filter(income_thresholds::county_code.eq_any(codes));
    }
    if let Some((county, from, id)) = after {
        query = query.filter(
            income_thresholds::county_code
                .gt(county.clone())
                .or(income_thresholds::county_code.eq(county).and(
                    income_thresholds::valid_from
                        .gt(from)
                        .or(income_thresholds::valid_from
                            .eq(from)
                            .and(income_thresholds::id.gt(id))),
                )),
        );
    }
    query.load(conn)
}
