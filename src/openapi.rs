//! The OpenAPI document's frame: title, tags, the bearer scheme and the problem schema. The
//! operations themselves are collected from the handlers in `routes.rs`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

/// The document's frame.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lüliang caregiver programme tracker",
        description = "Follows every trainee of the Lüliang Mountain caregiver programme (吕梁山护工) from \
enrolment through training and certification to a job and its income, and up the ladder from \
caregiver to care specialist.\n\nErrors are `application/problem+json` (RFC 9457); clients branch \
on `type`. Money is integer fen, dates are `YYYY-MM-DD`, timestamps RFC 3339 UTC, ids UUIDs.",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "service", description = "Liveness and readiness"),
        (name = "reference", description = "Reference data: counties"),
        (name = "accounts", description = "Sign-in, accounts and the audit trail"),
        (name = "organisations", description = "Training providers, evaluation agencies and employers"),
        (name = "trainees", description = "The real-name register of trainees"),
        (name = "training", description = "Cohorts (classes), enrolments, attendance and completion"),
        (name = "certification", description = "Assessments, certificates and the ladder from caregiver to care specialist"),
        (name = "placements", description = "Placements in work, employers' confirmations, follow-ups and income thresholds"),
        (name = "reports", description = "The year's targets and the programme's reports"),
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerScheme),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("The access token from `POST /api/v1/auth/login`"))
                    .build(),
            ),
        );
    }
}
