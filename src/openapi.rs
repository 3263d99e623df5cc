//! The OpenAPI document's frame: title, tags, the bearer scheme and the problem schema. The
//! operations themselves are collected from the handlers in `routes.rs`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::{FieldError, PROBLEM_JSON, Problem};

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
        (name = "sync", description = "Offline sync for the field app: pull the change feed, push queued operations"),
    ),
    components(
        schemas(Problem, FieldError),
        responses(
            Malformed,
            Unauthenticated,
            Forbidden,
            NotFound,
            PreconditionFailed,
            UnsupportedMediaType,
            Invalid,
            PreconditionRequired,
        ),
    ),
    modifiers(&BearerScheme),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

/// Declares problem responses shared by every operation: each a component that operations
/// reference (`(status = 401, response = Unauthenticated)`), so its wording is written once.
macro_rules! problem_responses {
    ($($name:ident: $description:literal;)+) => {
        $(
            #[doc = $description]
            pub struct $name;

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    let content = ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build();
                    let response = ResponseBuilder::new()
                        .description($description)
                        .content(PROBLEM_JSON, content)
                        .build();
                    (stringify!($name), response.into())
                }
            }
        )+
    };
}

problem_responses! {
    Malformed: "The request cannot be read: its body, a path segment, a query parameter or a header";
    Unauthenticated: "Not signed in: no valid access token";
    Forbidden: "The caller's role may not do this; the problem names the roles that may";
    NotFound: "No such record, or none the caller may see";
    PreconditionFailed: "The record changed since it was read: If-Match names an old version";
    UnsupportedMediaType: "The body is not JSON";
    Invalid: "A field is invalid; `errors` names each field and why";
    PreconditionRequired: "If-Match is missing: send the ETag that was read";
}

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
