//! The register of trainees (劳动力建档): registering one person once, and changing a record,
//! each in one unit of work.

use crate::access::Caller;
use crate::db::trainees::{Scope, Trainee, TraineeChanges, TraineeWithCategories};
use crate::db::{self, AnyConnection, audit::Event};
use crate::domain::rules::Rules;
use crate::error::AppError;
use crate::service::sync::Kind;
use crate::service::{Stale, UnitOfWork};

/// 409 for an identity number registered already. The existing record is named only when the
/// caller may see it: outside their counties it is "404, never the data".
fn number_taken(
    conn: &mut AnyConnection,
    existing_id: String,
    scope: &Scope,
) -> Result<AppError, AppError> {
    let visible = db::trainees::find(conn, &existing_id, scope)?.is_some();
    Ok(AppError::Conflict {
        detail: if visible {
            "A trainee with this identity number is already registered: one person, one record"
                .into()
        } else {
            "A trainee with this identity number is already registered in a county that is not yours".into()
        },
        existing_id: visible.then_some(existing_id),
    })
}

/// Whether a replayed registration carries the same data as the stored one.
fn same_registration(
    stored: &TraineeWithCategories,
    candidate: &Trainee,
    categories: &[String],
) -> bool {
    let t = &stored.trainee;
    t.name == candidate.name
        && t.id_number == candidate.id_number
        && t.phone == candidate.phone
        && t.county_code == candidate.county_code
        && t.township == candidate.township
        && t.education == candidate.education
        && t.education_in_care == candidate.education_in_care
        && t.prior_care_work_months == candidate.prior_care_work_months
        && stored.categories == categories
}

/// The answer to a create whose id is stored already: the stored trainee (200) when the body is
/// the same, 409 when it is not; `None` when the id is new.
fn replayed(
    conn: &mut AnyConnection,
    candidate: &Trainee,
    categories: &[String],
) -> Result<Option<TraineeWithCategories>, AppError> {
    match db::trainees::find(conn, &candidate.id, &Scope::All)? {
        None => Ok(None),
        Some(stored) if same_registration(&stored, candidate, categories) => Ok(Some(stored)),
        Some(_) => Err(AppError::Conflict {
            detail: "This id belongs to a different trainee".into(),
            existing_id: Some(candidate.id.clone()),
        }),
    }
}

fn county_event<'a>(caller: &'a Caller, action: &'a str, trainee: &'a Trainee) -> Event<'a> {
    Event {
        county_code: Some(&trainee.county_code),
        ..caller.event(action, "trainee", Some(&trainee.id))
    }
}

/// Changes trainee `id` for `caller`, based on `version` (from `If-Match`): a move to another
/// county takes the trainee's placements with it; the ladder and the reports follow.
pub fn update(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
    version: Option<i32>,
    changes: TraineeChanges,
    categories: Option<Vec<String>>,
) -> Result<TraineeWithCategories, AppError> {
    caller.may("update_trainee")?;
    let scope = caller.trainee_scope()?;
    let current = db::trainees::find(conn, id, &scope)?.ok_or(AppError::NotFound)?;
    super::check_version(version, current.trainee.version)?;
    if let Some(county) = &changes.county_code {
        caller.require_county("county_code", county)?;
    }
    if let Some(number) = &changes.id_number
        && let Some(other) = db::trainees::id_of_number(conn, number)?
        && other != id
    {
        return Err(number_taken(conn, other, &scope)?);
    }
    let now = db::now();
    let applied = UnitOfWork::run(conn, |c| {
        if let Some(county) = &changes.county_code
            && *county != current.trainee.county_code
        {
            // A threshold of either county waits for the move (its refresh must see it).
            db::reports::share_counties(c, &[county.clone(), current.trainee.county_code.clone()])?;
            // A trainee's placements are followed up by the county they live in now.
            // Placements first, the trainee after: the order every write takes.
            db::placements::move_trainee(c, id, county, now)?;
        }
        if !db::trainees::update(c, id, &scope, current.trainee.version, &changes, now)? {
            return Ok(false);
        }
        // A move takes the trainee's records along: the feed follows (see `sync::record`).
        c.changed(Kind::Trainee, id);
        if let Some(categories) = &categories {
            db::trainees::set_categories(c, id, categories)?;
        }
        // Education and declared work count on the ladder.
        c.touch(id, Stale::Both);
        let county = changes
            .county_code
            .as_deref()
            .unwrap_or(&current.trainee.county_code);
        c.audit(Event {
            county_code: Some(county),
            ..caller.event("update", "trainee", Some(id))
        })?;
        Ok::<_, AppError>(true)
    })?;
    if !applied {
        return Err(AppError::PreconditionFailed);
    }
    db::trainees::find(conn, id, &Scope::All)?.ok_or(AppError::NotFound)
}

/// Trainee `id` as stored, without what is judged of it today, when the caller may see it
/// (404 otherwise).
pub fn stored(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
) -> Result<TraineeWithCategories, AppError> {
    caller.may("get_trainee")?;
    let scope = caller.trainee_scope()?;
    db::trainees::find(conn, id, &scope)?.ok_or(AppError::NotFound)
}

/// Registers `candidate` with its `categories` for `caller`: answers whether it was stored now
/// (else it is the replay of one stored) and the trainee as stored. One person, one record: an
/// identity number registered already is 409, naming the record when the caller may see it.
pub fn create(
    conn: &mut AnyConnection,
    caller: &Caller,
    candidate: Trainee,
    categories: Vec<String>,
) -> Result<(bool, TraineeWithCategories), AppError> {
    caller.may("create_trainee")?;
    caller.require_county("county_code", &candidate.county_code)?;
    let scope = caller.trainee_scope()?;
    let id = candidate.id.clone();
    if let Some(stored) = replayed(conn, &candidate, &categories)? {
        return Ok((false, stored));
    }
    if let Some(existing) = db::trainees::id_of_number(conn, &candidate.id_number)? {
        return Err(number_taken(conn, existing, &scope)?);
    }
    let stored = UnitOfWork::run(conn, |c| {
        db::trainees::insert(c, &candidate, &categories)?;
        c.changed(Kind::Trainee, &candidate.id);
        // Declared work or schooling may make them a candidate at once.
        c.touch(&candidate.id, Stale::Eligibility);
        c.audit(county_event(caller, "create", &candidate))?;
        Ok::<_, AppError>(())
    });
    match stored {
        Ok(()) => {}
        // Another request got there between the checks and the insert: the same create
        // sent twice at once, or two phones registering one person. The unique indexes
        // decided; answer as if this request had come second.
        Err(AppError::Conflict { .. }) => {
            if let Some(stored) = replayed(conn, &candidate, &categories)? {
                return Ok((false, stored));
            }
            return match db::trainees::id_of_number(conn, &candidate.id_number)? {
                Some(existing) => Err(number_taken(conn, existing, &scope)?),
                None => Err(AppError::conflict(
                    "A unique value of this trainee is taken",
                )),
            };
        }
        Err(e) => return Err(e),
    }
    let row = db::trainees::find(conn, &id, &Scope::All)?.ok_or(AppError::NotFound)?;
    Ok((true, row))
}

/// Everything recorded of one trainee, for the timeline.
pub struct Records {
    /// The trainee.
    pub trainee: Trainee,
    /// Their enrolments, each with its cohort.
    pub enrolments: Vec<(db::enrolments::Enrolment, db::enrolments::CohortSummary)>,
    /// Their assessments, each with its cohort's id.
    pub assessments: Vec<(db::certification::Assessment, String)>,
    /// Their certificates.
    pub certificates: Vec<db::certification::Certificate>,
    /// Their placements.
    pub placements: Vec<db::placements::Placement>,
    /// The follow-ups of their placements.
    pub follow_ups: Vec<db::placements::FollowUp>,
    /// The names of the employers of their placements, by id.
    pub employers: std::collections::HashMap<String, String>,
}

/// The records of trainee `id`, when the caller may see them (404 otherwise).
pub fn timeline(conn: &mut AnyConnection, caller: &Caller, id: &str) -> Result<Records, AppError> {
    caller.may("get_timeline")?;
    let scope = caller.trainee_scope()?;
    let trainee = db::trainees::find(conn, id, &scope)?.ok_or(AppError::NotFound)?;
    let placements = db::placements::of_trainee(conn, id)?;
    let employers = db::placements::employer_names(
        conn,
        placements
            .iter()
            .filter_map(|p| p.employer_id.clone())
            .collect(),
    )?
    .into_iter()
    .collect();
    Ok(Records {
        trainee: trainee.trainee,
        enrolments: db::enrolments::of_trainee(conn, id)?,
        assessments: db::certification::assessments_of_trainee(conn, id)?,
        certificates: db::certification::of_trainee(conn, id)?,
        placements,
        follow_ups: db::placements::follow_ups_of_trainee(conn, id)?,
        employers,
    })
}

/// A page of the trainees the caller may see, by `filter` (whose scope is set here).
pub fn list(
    conn: &mut AnyConnection,
    caller: &Caller,
    filter: db::trainees::Filter,
    after: Option<db::trainees::After>,
    limit: i64,
) -> Result<Vec<TraineeWithCategories>, AppError> {
    caller.may("list_trainees")?;
    let filter = db::trainees::Filter {
        scope: caller.trainee_scope()?,
        ..filter
    };
    Ok(db::trainees::list(conn, &filter, after, limit)?)
}

/// Trainee `id`, when the caller may see them (404 otherwise), with their employment today.
pub fn get(
    conn: &mut AnyConnection,
    rules: &Rules,
    caller: &Caller,
    id: &str,
) -> Result<(TraineeWithCategories, super::work::EmploymentResponse), AppError> {
    let row = stored(conn, caller, id)?;
    let today = crate::domain::today_in_china();
    let employment = super::work::employment_of(conn, &row.trainee, rules, today)?;
    Ok((row, employment))
}
