//! Who may do what: the roles, the caller, the county scope and the employer binding, and the
//! table of operations and the roles allowed each (DOMAIN.md, "Actors").
//!
//! The table is read in three places: the gate in front of every handler (`server.rs`), which
//! answers 401/403 before a request body is read; the service layer, which checks the same
//! entry when an operation is run by other means than its own endpoint; and the role × operation
//! test. A new role or operation is a change here and nowhere else.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db;
use crate::db::trainees::Scope;
use crate::error::AppError;

/// What an account may do (DOMAIN.md, "Actors").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// System operator: everything.
    Admin,
    /// Programme manager of the city or of some counties.
    Manager,
    /// County or township field worker.
    FieldStaff,
    /// A user of one employer.
    Employer,
}

impl Role {
    /// Every role, in the order the documents list them.
    pub const ALL: [Role; 4] = [Self::Admin, Self::Manager, Self::FieldStaff, Self::Employer];

    /// The name stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::FieldStaff => "field_staff",
            Self::Employer => "employer",
        }
    }

    /// The role of a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Whether the role works within a list of counties.
    pub fn is_county_scoped(self) -> bool {
        matches!(self, Self::Manager | Self::FieldStaff)
    }
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Anyone, signed in or not.
    Anyone,
    /// Any signed-in account.
    SignedIn,
    /// Accounts of these roles.
    Roles(&'static [Role]),
}

impl Who {
    /// Whether an account of `role` may call.
    pub fn admits(self, role: Role) -> bool {
        match self {
            Self::Anyone | Self::SignedIn => true,
            Self::Roles(roles) => roles.contains(&role),
        }
    }
}

const ADMIN: Who = Who::Roles(&[Role::Admin]);
const ADMIN_MANAGER: Who = Who::Roles(&[Role::Admin, Role::Manager]);
const ADMIN_FIELD: Who = Who::Roles(&[Role::Admin, Role::FieldStaff]);
/// Staff: everyone but employers' users.
const STAFF: Who = Who::Roles(&[Role::Admin, Role::Manager, Role::FieldStaff]);
const EMPLOYER: Who = Who::Roles(&[Role::Employer]);

/// Every operation of the API by its OpenAPI `operationId`, and who may call it. Finer rules
/// (a county, an employer's own records, a manager's override) are the service layer's, on top.
pub const OPERATIONS: &[(&str, Who)] = &[
    ("get_health", Who::Anyone),
    ("get_readiness", Who::Anyone),
    ("get_dashboard", Who::Anyone),
    ("list_counties", Who::Anyone),
    ("login", Who::Anyone),
    ("refresh_token", Who::Anyone),
    ("logout", Who::SignedIn),
    ("get_me", Who::SignedIn),
    // Each change pulled is of a record the caller may read; each operation pushed is checked
    // as its own endpoint checks it.
    ("pull_changes", Who::SignedIn),
    ("push_changes", Who::SignedIn),
    ("create_user", ADMIN),
    ("list_users", ADMIN),
    ("get_user", ADMIN),
    ("update_user", ADMIN),
    ("create_provider", ADMIN),
    ("list_providers", STAFF),
    ("get_provider", STAFF),
    ("update_provider", ADMIN),
    ("create_agency", ADMIN),
    ("list_agencies", STAFF),
    ("get_agency", STAFF),
    ("update_agency", ADMIN),
    ("create_employer", ADMIN),
    ("list_employers", Who::SignedIn),
    ("get_employer", Who::SignedIn),
    ("update_employer", ADMIN),
    ("list_audit", ADMIN_MANAGER),
    ("create_trainee", ADMIN_FIELD),
    ("list_trainees", STAFF),
    ("get_trainee", STAFF),
    ("update_trainee", ADMIN_FIELD),
    ("get_timeline", STAFF),
    ("create_cohort", ADMIN_FIELD),
    ("list_cohorts", STAFF),
    ("get_cohort", STAFF),
    ("update_cohort", ADMIN_FIELD),
    ("create_enrolment", STAFF),
    ("list_enrolments", STAFF),
    ("get_enrolment", STAFF),
    ("complete_enrolment", ADMIN_FIELD),
    ("drop_enrolment", ADMIN_FIELD),
    ("take_register", ADMIN_FIELD),
    ("get_register", STAFF),
    ("create_assessment", STAFF),
    ("create_certificate", STAFF),
    ("list_certificates", STAFF),
    ("get_progression", STAFF),
    ("list_candidates", STAFF),
    ("create_placement", STAFF),
    ("list_placements", Who::SignedIn),
    ("get_placement", Who::SignedIn),
    ("confirm_placement", EMPLOYER),
    ("dispute_placement", EMPLOYER),
    ("resolve_placement", ADMIN_MANAGER),
    ("end_placement", STAFF),
    ("create_follow_up", ADMIN_FIELD),
    ("list_follow_ups", STAFF),
    ("list_due_follow_ups", STAFF),
    ("create_income_threshold", ADMIN_MANAGER),
    ("list_income_thresholds", ADMIN_MANAGER),
    ("get_income_threshold", ADMIN_MANAGER),
    ("update_income_threshold", ADMIN_MANAGER),
    ("correct_income_threshold", ADMIN),
    ("get_settings", ADMIN_MANAGER),
    ("put_settings", ADMIN),
    ("put_target", ADMIN_MANAGER),
    ("get_targets", ADMIN_MANAGER),
    ("get_programme_report", ADMIN_MANAGER),
    ("get_programme_breakdown", ADMIN_MANAGER),
    ("get_programme_periods", ADMIN_MANAGER),
    ("freeze_biweekly", ADMIN_MANAGER),
    ("list_biweekly", ADMIN_MANAGER),
    ("get_biweekly", ADMIN_MANAGER),
    ("rebuild_reports", ADMIN),
];

/// Who may call the operation `operation_id`; `None` for an operation the table lacks (a test
/// keeps the table and the OpenAPI document equal).
pub fn who_may(operation_id: &str) -> Option<Who> {
    OPERATIONS
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map(|(_, who)| *who)
}

/// The signed-in caller, loaded afresh from the database on every request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Account id.
    pub id: String,
    /// Sign-in name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Counties of a manager or field worker.
    pub county_codes: Vec<String>,
    /// Employer of an employer account.
    pub employer_id: Option<String>,
    /// This request's id, for the audit trail.
    pub request_id: Uuid,
}

impl Caller {
    /// 403 unless the table lets the caller's role call `operation_id`.
    pub fn may(&self, operation_id: &str) -> Result<(), AppError> {
        match who_may(operation_id) {
            Some(who) if who.admits(self.role) => Ok(()),
            Some(who) => Err(forbidden(who)),
            None => Err(AppError::internal(format!(
                "operation {operation_id} is not in the access table"
            ))),
        }
    }

    /// 403 unless the caller has one of `roles` (a rule finer than the operation's entry, such
    /// as a manager's override).
    pub fn require(&self, roles: &'static [Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(forbidden(Who::Roles(roles)))
        }
    }

    /// Whether the caller works in all 13 counties: a manager of the city.
    pub fn covers_city(&self) -> bool {
        crate::domain::COUNTY_CODES
            .iter()
            .all(|c| self.county_codes.iter().any(|mine| mine == c))
    }

    /// An audit event done by this caller.
    pub fn event<'a>(
        &'a self,
        action: &'a str,
        entity: &'a str,
        entity_id: Option<&'a str>,
    ) -> db::audit::Event<'a> {
        db::audit::Event {
            actor_id: Some(&self.id),
            action,
            entity,
            entity_id,
            county_code: None,
            request_id: Some(self.request_id),
        }
    }

    /// The trainees the caller may see: all for administrators, their counties' for managers and
    /// field staff; employers' users none (403).
    pub fn trainee_scope(&self) -> Result<Scope, AppError> {
        match self.role {
            Role::Admin => Ok(Scope::All),
            Role::Manager | Role::FieldStaff => Ok(Scope::Counties(self.county_codes.clone())),
            Role::Employer => Err(forbidden(STAFF)),
        }
    }

    /// The counties a list is filtered to: the caller's (within `county`, when asked for one),
    /// or `None` for all when an administrator asks for none.
    pub fn counties_within(&self, county: Option<&str>) -> Result<Option<Vec<String>>, AppError> {
        Ok(match self.trainee_scope()? {
            Scope::All => county.map(|c| vec![c.to_owned()]),
            Scope::Counties(mine) => Some(match county {
                Some(county) => mine.into_iter().filter(|c| c == county).collect(),
                None => mine,
            }),
        })
    }

    /// 422 naming `field` unless the caller works in `county`.
    pub fn require_county(&self, field: &str, county: &str) -> Result<(), AppError> {
        if self.role == Role::Admin || self.county_codes.iter().any(|c| c == county) {
            Ok(())
        } else {
            Err(AppError::rule(
                field,
                "outside_your_counties",
                "is not one of your counties",
            ))
        }
    }

    /// Which placements the caller may see: staff by county, an employer's users those naming
    /// their employer.
    pub fn placement_scope(&self) -> Result<db::placements::PlacementScope, AppError> {
        match self.role {
            Role::Employer => self
                .employer_id
                .clone()
                .map(db::placements::PlacementScope::Employer)
                .ok_or(AppError::Forbidden),
            _ => Ok(db::placements::PlacementScope::Trainees(
                self.trainee_scope()?,
            )),
        }
    }
}

/// The 403 for a caller whose role is not among `who`: it names the roles that may.
pub fn forbidden(who: Who) -> AppError {
    match who {
        Who::Roles(roles) => AppError::ForRoles(
            roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Who::Anyone | Who::SignedIn => AppError::Forbidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn every_operation_appears_once() {
        let mut ids: Vec<&str> = OPERATIONS.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before);
    }

    #[test]
    fn only_listed_roles_are_admitted() {
        assert!(ADMIN_FIELD.admits(Role::FieldStaff));
        assert!(!ADMIN_FIELD.admits(Role::Manager));
        assert!(Who::SignedIn.admits(Role::Employer));
        assert_eq!(who_may("create_trainee"), Some(ADMIN_FIELD));
        assert_eq!(who_may("no_such_operation"), None);
    }
}
