//! Every error the API answers, as RFC 9457 `application/problem+json`.
//!
//! One variant per problem `type`; clients branch on `type`, never on the text. A 500 or 503
//! logs its cause and tells the client nothing more.

use std::fmt;

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that failed, in a validation problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's path in the request: `limit`, `password`, `household.phone`, `categories[1]`.
    #[schema(example = "limit")]
    pub field: String,
    /// A stable code a client can branch on: `required`, `invalid_type`, `unknown_field`,
    /// `range`, `length`, `invalid`, …
    #[schema(example = "range")]
    pub code: String,
    /// A sentence for people.
    #[schema(example = "must be between 1 and 200")]
    pub message: String,
}

impl FieldError {
    /// A field error from its parts.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The body of every 4xx and 5xx answer (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "The request has invalid fields",
    "status": 422,
    "detail": "limit: must be between 1 and 200",
    "errors": [{"field": "limit", "code": "range", "message": "must be between 1 and 200"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the kind of problem; the same for every occurrence.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for people.
    pub detail: String,
    /// For validation problems: every field that failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<FieldError>,
    /// For conflicts with a stored record: its id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub existing_id: Option<String>,
}

/// What a handler or extractor can fail with.
#[derive(Debug)]
pub enum AppError {
    /// 400: the request cannot be read at all (not JSON, bad path segment).
    Malformed(String),
    /// 422: the request was read, but fields are missing, of the wrong type or out of range.
    Validation(Vec<FieldError>),
    /// 401: no valid access token (missing, malformed, expired, wrongly signed, or of a
    /// deactivated account), or wrong credentials at sign-in.
    Unauthenticated(&'static str),
    /// 403: signed in, but the role may not do this.
    Forbidden,
    /// 403: the operation is for other roles, named here (e.g. `admin, field_staff`).
    ForRoles(String),
    /// 404: nothing here, or nothing the caller may see.
    NotFound,
    /// 422: the request is well formed but breaks a rule of the programme.
    Rule(Vec<FieldError>),
    /// 409: the request clashes with what is stored; `existing_id` names the record it clashes with.
    Conflict {
        /// What clashes, for people.
        detail: String,
        /// The id of the stored record, when there is one to point at.
        existing_id: Option<String>,
    },
    /// 410: a sync cursor that cannot be continued (older than the feed keeps, or from before a
    /// change of the caller's counties); the app starts again from a snapshot.
    Gone(String),
    /// 412: `If-Match` names a version that is no longer current.
    PreconditionFailed,
    /// 428: the operation needs `If-Match`.
    PreconditionRequired,
    /// 429: too many attempts; retry after this many seconds.
    TooManyRequests(u64),
    /// 405: the path exists, the method does not.
    MethodNotAllowed(Vec<Method>),
    /// 413: the body is over the limit, in bytes.
    PayloadTooLarge(usize),
    /// 415: the body is not of a media type the operation reads.
    UnsupportedMediaType(String),
    /// 503: the database cannot be reached; the cause is logged.
    Unavailable(String),
    /// 500: a fault of ours; the cause is logged.
    Internal(String),
}

impl AppError {
    /// A 503 whose cause goes to the log only.
    pub fn unavailable(cause: impl fmt::Display) -> Self {
        Self::Unavailable(cause.to_string())
    }

    /// A 500 whose cause goes to the log only.
    pub fn internal(cause: impl fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// A 422 for one field.
    pub fn field(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    fn type_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::Malformed(_) => ("/problems/malformed-request", "The request cannot be read"),
            Self::Validation(_) => ("/problems/validation", "The request has invalid fields"),
            Self::Unauthenticated(_) => ("/problems/unauthenticated", "Not signed in"),
            Self::Forbidden | Self::ForRoles(_) => {
                ("/problems/forbidden", "Not allowed for this role")
            }
            Self::NotFound => ("/problems/not-found", "Not found"),
            Self::Rule(_) => ("/problems/rule-violated", "The request breaks a rule"),
            Self::Conflict { .. } => ("/problems/conflict", "Conflicts with a stored record"),
            Self::Gone(_) => ("/problems/sync-restart", "Start again from a snapshot"),
            Self::PreconditionFailed => (
                "/problems/precondition-failed",
                "The resource has changed since it was read",
            ),
            Self::PreconditionRequired => {
                ("/problems/precondition-required", "If-Match is required")
            }
            Self::TooManyRequests(_) => ("/problems/too-many-requests", "Too many attempts"),
            Self::MethodNotAllowed(_) => ("/problems/method-not-allowed", "Method not allowed"),
            Self::PayloadTooLarge(_) => (
                "/problems/payload-too-large",
                "The request body is too large",
            ),
            Self::UnsupportedMediaType(_) => (
                "/problems/unsupported-media-type",
                "The request body has an unsupported media type",
            ),
            Self::Unavailable(_) => (
                "/problems/service-unavailable",
                "The database is unavailable",
            ),
            Self::Internal(_) => ("/problems/internal", "Internal error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Malformed(detail) => detail.clone(),
            Self::Validation(errors) | Self::Rule(errors) if errors.len() == 1 => {
                format!("{}: {}", errors[0].field, errors[0].message)
            }
            Self::Validation(errors) | Self::Rule(errors) => {
                format!("{} fields are invalid", errors.len())
            }
            Self::Unauthenticated(detail) => (*detail).into(),
            Self::Forbidden => "Your role may not do this.".into(),
            Self::ForRoles(roles) => format!("Your role may not do this; it is for: {roles}."),
            Self::NotFound => "There is no such resource, or it is not yours to see.".into(),
            Self::Conflict { detail, .. } => detail.clone(),
            Self::Gone(detail) => detail.clone(),
            Self::PreconditionFailed => {
                "If-Match names an old version: read the resource again and reapply the change."
                    .into()
            }
            Self::PreconditionRequired => {
                "Send If-Match with the ETag you read, so a change is not lost.".into()
            }
            Self::TooManyRequests(seconds) => format!("Try again in {seconds} seconds."),
            Self::MethodNotAllowed(allow) => format!(
                "This path answers {}",
                allow
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::PayloadTooLarge(limit) => format!("The body may be at most {limit} bytes"),
            Self::UnsupportedMediaType(expected) => format!("Send the body as {expected}"),
            Self::Unavailable(_) => "The database cannot be reached now; try again shortly.".into(),
            Self::Internal(_) => "Something went wrong on our side; it has been logged.".into(),
        }
    }

    /// The body this error answers with.
    pub fn problem(&self) -> Problem {
        let (type_, title) = self.type_and_title();
        Problem {
            type_: type_.into(),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            errors: match self {
                Self::Validation(errors) | Self::Rule(errors) => errors.clone(),
                _ => Vec::new(),
            },
            existing_id: match self {
                Self::Conflict { existing_id, .. } => existing_id.clone(),
                _ => None,
            },
        }
    }
}

impl From<crate::domain::Refusal> for AppError {
    fn from(refusal: crate::domain::Refusal) -> Self {
        match refusal {
            crate::domain::Refusal::Conflict(detail) => Self::conflict(detail),
            crate::domain::Refusal::Rule(field, code, message) => Self::rule(field, code, message),
            crate::domain::Refusal::Invalid(field, code, message) => {
                Self::field(field, code, message)
            }
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (type_, _) = self.type_and_title();
        write!(f, "{type_}: {}", self.detail())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::ForRoles(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Rule(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // The causes may carry SQL or paths: the log gets them, the client does not.
            Self::Internal(cause) => log::error!("internal error: {cause}"),
            Self::Unavailable(cause) => log::warn!("database unavailable: {cause}"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            Self::MethodNotAllowed(allow) => {
                let allow = allow
                    .iter()
                    .map(Method::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                response.insert_header((header::ALLOW, allow));
            }
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::Unauthenticated(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::TooManyRequests(seconds) => {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl AppError {
    /// A 422 rule violation about one field.
    pub fn rule(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Rule(vec![FieldError::new(field, code, message)])
    }

    /// A 409 without a record to point at.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            existing_id: None,
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::NotFound,
            // A unique index caught a duplicate that two requests raced to insert.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::conflict("A record with the same unique value already exists")
            }
            // Validation should have caught these; the database is the last line, and what it
            // refuses is the request's fault, not ours. Logged, since it means a missed check.
            Error::DatabaseError(
                kind @ (DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::CheckViolation
                | DatabaseErrorKind::NotNullViolation),
                info,
            ) => {
                log::warn!(
                    "the database refused a write ({kind:?}): {}",
                    info.message()
                );
                Self::rule(
                    "body",
                    "refused",
                    "the record breaks a rule of the stored data",
                )
            }
            // Two writers met: the request may simply be sent again.
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                Self::unavailable(info.message())
            }
            Error::DatabaseError(_, info)
                if info.message().contains("database is locked")
                    || info.message().contains("deadlock detected") =>
            {
                Self::unavailable(info.message())
            }
            other => Self::internal(other),
        }
    }
}

impl From<validator::ValidationErrors> for AppError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields = Vec::new();
        collect_validation_errors(&errors, "", &mut fields);
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        Self::Validation(fields)
    }
}

fn collect_validation_errors(
    errors: &validator::ValidationErrors,
    prefix: &str,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for error in list {
                    let message = error
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| describe_validation(error));
                    out.push(FieldError::new(
                        path.clone(),
                        error.code.to_string(),
                        message,
                    ));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_validation_errors(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_validation_errors(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

/// A message for a validator error that carries none of its own.
fn describe_validation(error: &validator::ValidationError) -> String {
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    match error.code.as_ref() {
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".into(),
        },
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be {min} to {max} characters long"),
            (Some(min), None) => format!("must be at least {min} characters long"),
            (None, Some(max)) => format!("must be at most {max} characters long"),
            _ => "has the wrong length".into(),
        },
        code => format!("is invalid ({code})"),
    }
}
