//! Work as the rules see it: a placement and its follow-ups as facts, and a trainee's
//! employment on a day (DOMAIN.md, "Placements and evidence").

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::placements::{FollowUp, Placement};
use crate::db::{self, AnyConnection};
use crate::domain::employment::{self, FollowUpFact, PlacementFacts};
use crate::domain::id_number;
use crate::domain::placement::Evidence;
use crate::error::AppError;

/// The ladder's and the employment rule's view of a placement and its follow-ups.
pub fn facts(placement: &Placement, follow_ups: &[FollowUp]) -> PlacementFacts {
    PlacementFacts {
        id: placement.id.clone(),
        employer_key: employer_key(placement),
        start: placement.start_date,
        evidenced: evidence(placement).counts(),
        disputed: evidence(placement) == Evidence::Disputed,
        ended_on: placement.ended_on,
        wage_fen: placement.monthly_wage_fen,
        follow_ups: follow_ups
            .iter()
            .filter_map(|f| {
                let fact = FollowUpFact {
                    on: f.followed_up_on,
                    received_at: f.received_at,
                    still_employed: f.still_employed,
                    same_employer: f.same_employer,
                    income_fen: f.monthly_income_fen,
                };
                if f.placement_id == placement.id {
                    Some(fact)
                } else if f.new_placement_id.as_deref() == Some(placement.id.as_str()) {
                    // The follow-up that found the person in this work, recorded on the work
                    // before: for this placement, it found them there.
                    Some(FollowUpFact {
                        still_employed: true,
                        same_employer: true,
                        ..fact
                    })
                } else {
                    None
                }
            })
            .collect(),
    }
}

/// Who the work is for, the same for every placement of one: a registered employer's id, a
/// household's name and phone, or the business.
pub fn employer_key(placement: &Placement) -> String {
    match (
        &placement.employer_id,
        &placement.household_phone,
        &placement.business,
    ) {
        (Some(employer), _, _) => employer.clone(),
        (None, Some(phone), _) => format!(
            "household:{}|{phone}",
            placement.household_name.as_deref().unwrap_or_default()
        ),
        (None, None, business) => {
            format!("business:{}", business.as_deref().unwrap_or_default())
        }
    }
}

/// The placement's evidence as stored (a name the database's check admits).
pub fn evidence(placement: &Placement) -> Evidence {
    Evidence::parse(&placement.evidence).unwrap_or(Evidence::Unverified)
}

/// Every placement of a trainee with its follow-ups, as facts.
pub fn facts_of_trainee(
    conn: &mut AnyConnection,
    trainee_id: &str,
) -> Result<Vec<PlacementFacts>, AppError> {
    let placements = db::placements::of_trainee(conn, trainee_id)?;
    if placements.is_empty() {
        return Ok(Vec::new());
    }
    let follow_ups = db::placements::follow_ups_of_trainee(conn, trainee_id)?;
    Ok(placements.iter().map(|p| facts(p, &follow_ups)).collect())
}

/// A trainee's employment today: the counting work of the day, whose incomes (each the latest
/// follow-up giving one, else the wage) add up to at least the threshold in force in the county
/// where the trainee trained last.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmploymentResponse {
    /// `employed`, `employed_below_threshold`, `income_unassessed` (no threshold in force) or
    /// `not_employed`.
    pub status: employment::EmploymentStatus,
    /// The day it was judged on (today, China time).
    pub as_of: NaiveDate,
    /// The placement it rests on.
    pub placement_id: Option<Uuid>,
    /// The latest known monthly income there, in fen.
    pub monthly_income_fen: Option<i64>,
    /// The county's threshold in force, in fen (`null` when none is, or when the trainee has
    /// never been placed).
    pub threshold_fen: Option<i64>,
}

/// The employment of a trainee on `day`.
pub fn employment_of(
    conn: &mut AnyConnection,
    trainee: &crate::db::trainees::Trainee,
    rules: &crate::domain::rules::Rules,
    day: NaiveDate,
) -> Result<EmploymentResponse, AppError> {
    let placements = facts_of_trainee(conn, &trainee.id)?;
    if placements.is_empty() {
        // Most of the register: nothing to judge, and no threshold to look up.
        return Ok(EmploymentResponse {
            status: employment::EmploymentStatus::NotEmployed,
            as_of: day,
            placement_id: None,
            monthly_income_fen: None,
            threshold_fen: None,
        });
    }
    // Judged, as the reports judge it, by the county where the trainee trained last.
    let county = db::reports::latest_training_county(conn, &trainee.id)?
        .unwrap_or_else(|| trainee.county_code.clone());
    let thresholds: Vec<employment::Threshold> = db::placements::thresholds_of(conn, &county)?
        .into_iter()
        .map(|t| employment::Threshold {
            monthly_fen: t.monthly_fen,
            valid_from: t.valid_from,
            valid_to: t.valid_to,
        })
        .collect();
    let age = id_number::age_on(trainee.birth_date, day);
    let judged = employment::status_on(
        &placements,
        &thresholds,
        rules.of_working_age(id_number::Sex::parse(&trainee.sex), age),
        day,
    );
    Ok(EmploymentResponse {
        status: judged.status,
        as_of: day,
        placement_id: judged
            .placement_id
            .as_deref()
            .map(Uuid::parse_str)
            .transpose()
            .map_err(AppError::internal)?,
        monthly_income_fen: judged.income_fen,
        threshold_fen: judged.threshold_fen,
    })
}
