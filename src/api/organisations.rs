//! Organisations: training providers (`/providers`), evaluation agencies (`/agencies`) and
//! employers (`/employers`). One record shape and one set of handlers serve the three; each
//! collection is mounted under its own path and operation ids by [`organisation_routes!`].
//!
//! Administrators keep this reference data. Field staff and managers read it (to pick a provider
//! for a cohort, an employer for a placement); an employer account sees its own employer only,
//! and no providers or agencies.

use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{
    CountyCode, PageParams, SyncParams, if_match, not_modified, parse_id, parse_time_key, time_key,
    utc, with_etag,
};
use crate::api::{Page, nullable};
use crate::auth::AuthUser;
use crate::db::organisations::{Filter, Organisation, OrganisationChanges};
use crate::db::{self, Db};
use crate::domain::{credit_code, phone};
use crate::error::{AppError, FieldError};
use crate::service;

pub use crate::domain::organisation::Kind;

limited! {
    body;
    /// A new provider, agency or employer.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CreateOrganisation {
        /// A client-made id; sending the same request again answers the stored record.
        pub id: Option<Uuid>,
        /// Registered name.
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "吕梁市康养护理院"
        )]
        [1, 200]
        pub name: String,
        /// Unified social credit code (统一社会信用代码, GB 32100): 18 characters with a check
        /// character; lower case is accepted.
        #[schema(pattern = "^[0-9A-Za-z]{18}$", example = "91110000100017643K")]
        pub credit_code: String,
        /// City, for an organisation outside Lüliang (or as well as its county).
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "北京市"
        )]
        [1, 50]
        pub city: Option<String>,
        /// County, for an organisation in Lüliang. At least one of `county_code` and `city`.
        pub county_code: Option<CountyCode>,
        /// Contact person.
        #[schema(pattern = r"^[^\u0000]*$")]
        [1, 50]
        pub contact_name: Option<String>,
        /// Contact mobile number; `+86`, spaces and dashes are accepted and removed.
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "13800138000"
        )]
        [1, 30]
        pub contact_phone: Option<String>,
    }
}

limited! {
    body;
    /// Changes to an organisation; absent fields stay as they are, `null` clears an optional one.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct UpdateOrganisation {
        /// Registered name.
        #[schema(pattern = r"^[^\u0000]*$")]
        [1, 200]
        pub name: Option<String>,
        /// A corrected credit code.
        #[schema(pattern = "^[0-9A-Za-z]{18}$")]
        pub credit_code: Option<String>,
        /// City.
        #[serde(default, deserialize_with = "nullable")]
        #[schema(value_type = Option<String>, pattern = r"^[^\u0000]*$")]
        [1, 50]
        pub city: Option<Option<String>>,
        /// County.
        #[serde(default, deserialize_with = "nullable")]
        #[schema(value_type = Option<CountyCode>)]
        pub county_code: Option<Option<CountyCode>>,
        /// Contact person.
        #[serde(default, deserialize_with = "nullable")]
        #[schema(value_type = Option<String>, pattern = r"^[^\u0000]*$")]
        [1, 50]
        pub contact_name: Option<Option<String>>,
        /// Contact mobile number.
        #[serde(default, deserialize_with = "nullable")]
        #[schema(value_type = Option<String>, pattern = r"^[^\u0000]*$")]
        [1, 30]
        pub contact_phone: Option<Option<String>>,
        /// Whether new records may name it; an inactive organisation keeps its history.
        pub active: Option<bool>,
    }
}

/// A provider, agency or employer.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationResponse {
    /// Id.
    pub id: Uuid,
    /// The role it plays.
    pub kind: Kind,
    /// Registered name.
    pub name: String,
    /// Unified social credit code; absent on records made before it was required.
    pub credit_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// County, for an organisation in Lüliang.
    pub county_code: Option<String>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact mobile number.
    pub contact_phone: Option<String>,
    /// Whether new records may name it.
    pub active: bool,
    /// The version (also the `ETag`).
    pub version: i32,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<Organisation> for OrganisationResponse {
    type Error = AppError;

    fn try_from(row: Organisation) -> Result<Self, AppError> {
        let Organisation {
            id,
            name,
            city,
            county_code,
            active,
            version,
            created_at,
            updated_at,
            kind,
            credit_code,
            contact_name,
            contact_phone,
        } = row;
        Ok(Self {
            id: parse_id(&id)?,
            kind: Kind::parse(&kind).ok_or_else(|| AppError::internal("stored kind is unknown"))?,
            name,
            credit_code,
            city,
            county_code,
            contact_name,
            contact_phone,
            active,
            version,
            created_at: utc(created_at),
            updated_at: utc(updated_at),
        })
    }
}

/// Filters of an organisation list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationFilter {
    /// Only active (`true`) or only inactive (`false`) ones.
    pub active: Option<bool>,
    /// Only this county.
    pub county: Option<CountyCode>,
}

fn check_credit_code(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    match credit_code::parse(raw) {
        Ok(code) => Some(code),
        Err((code, message)) => {
            errors.push(FieldError::new("credit_code", code, message));
            None
        }
    }
}

fn check_phone(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let normalised = phone::normalise(raw);
    if normalised.is_none() {
        errors.push(FieldError::new(
            "contact_phone",
            "format",
            "is not a mainland mobile number",
        ));
    }
    normalised
}

/// Registers an organisation of `kind` (administrators only).
pub async fn create(
    kind: Kind,
    db: &Db,
    caller: AuthUser,
    body: CreateOrganisation,
) -> Result<HttpResponse, AppError> {
    let mut errors = Vec::new();
    let code = check_credit_code(&body.credit_code, &mut errors);
    let contact_phone = body
        .contact_phone
        .as_deref()
        .and_then(|p| check_phone(p, &mut errors));
    if body.city.is_none() && body.county_code.is_none() {
        errors.push(service::organisations::no_place());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = db::now();
    let candidate = Organisation {
        id: body.id.unwrap_or_else(Uuid::new_v4).to_string(),
        name: body.name,
        city: body.city,
        county_code: body.county_code.map(|c| c.0),
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
        kind: kind.as_str().to_owned(),
        credit_code: code,
        contact_name: body.contact_name,
        contact_phone,
    };
    let (created, row) = db
        .run(move |conn| service::organisations::create(conn, &caller, kind, candidate))
        .await?;
    let response = OrganisationResponse::try_from(row)?;
    let status = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(status, response.version).json(response))
}

/// Lists organisations of `kind` in the order they last changed.
pub async fn list(
    kind: Kind,
    db: &Db,
    caller: AuthUser,
    page: PageParams,
    sync: SyncParams,
    filter: OrganisationFilter,
) -> Result<HttpResponse, AppError> {
    let after = page.after()?.as_deref().map(parse_time_key).transpose()?;
    let limit = page.limit();
    let filter = Filter {
        only: None,
        active: filter.active,
        county: filter.county.map(|c| c.0),
        since: sync.since(),
    };
    let rows = db
        .run(move |conn| {
            service::organisations::list(conn, &caller, kind, filter, after, limit + 1)
        })
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |o| time_key(o.updated_at, &o.id),
        OrganisationResponse::try_from,
    )?;
    Ok(HttpResponse::Ok().json(page))
}

/// One organisation of `kind`.
pub async fn get(
    kind: Kind,
    req: HttpRequest,
    db: &Db,
    caller: AuthUser,
    id: Uuid,
) -> Result<HttpResponse, AppError> {
    let id = id.to_string();
    let row = db
        .run(move |conn| service::organisations::get(conn, &caller, kind, &id))
        .await?;
    if let Some(response) = not_modified(&req, row.version) {
        return Ok(response);
    }
    let response = OrganisationResponse::try_from(row)?;
    Ok(with_etag(HttpResponse::Ok(), response.version).json(response))
}

/// Changes an organisation of `kind` (administrators only); needs `If-Match`.
#[allow(clippy::too_many_arguments)]
pub async fn update(
    kind: Kind,
    req: HttpRequest,
    db: &Db,
    caller: AuthUser,
    id: Uuid,
    body: UpdateOrganisation,
) -> Result<HttpResponse, AppError> {
    let id = id.to_string();
    let version = if_match(&req)?;
    let mut errors = Vec::new();
    let code = body
        .credit_code
        .as_deref()
        .and_then(|c| check_credit_code(c, &mut errors));
    let contact_phone = match &body.contact_phone {
        Some(Some(p)) => Some(check_phone(p, &mut errors)),
        Some(None) => Some(None),
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let changes = OrganisationChanges {
        name: body.name,
        credit_code: code,
        city: body.city,
        county_code: body.county_code.map(|c| c.map(|c| c.0)),
        contact_name: body.contact_name,
        contact_phone,
        active: body.active,
    };
    let row = db
        .run(move |conn| service::organisations::update(conn, &caller, kind, &id, version, changes))
        .await?;
    let response = OrganisationResponse::try_from(row)?;
    Ok(with_etag(HttpResponse::Ok(), response.version).json(response))
}

/// Mounts one kind of organisation: create, list, get and update handlers under `$collection`
/// and `$item`, with their OpenAPI operations named after the handlers.
macro_rules! organisation_routes {
    ($module:ident, $kind:expr, $tag:tt, $collection:tt, $item:tt,
     $create:ident, $list:ident, $get:ident, $update:ident, $who_reads:tt) => {
        /// Handlers of one kind of organisation.
        pub mod $module {
            use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
            use uuid::Uuid;

            use super::{CreateOrganisation, OrganisationFilter, OrganisationResponse, UpdateOrganisation};
            use crate::api::{Page, PageParams, SyncParams};
            use crate::auth::AuthUser;
            use crate::db::Db;
            use crate::error::{AppError, PROBLEM_JSON, Problem};
            use crate::extract::{Json, Query};

            /// Registers one (administrators: reference data).
            #[utoipa::path(
                tag = $tag,
                request_body = CreateOrganisation,
                responses(
                    (status = 201, description = "Created", body = OrganisationResponse),
                    (status = 200, description = "The same request again: the stored record", body = OrganisationResponse),
                    (status = 400, response = crate::openapi::Malformed),
                    (status = 401, response = crate::openapi::Unauthenticated),
                    (status = 403, response = crate::openapi::Forbidden),
                    (status = 409, description = "The credit code is registered already (`existing_id`), or the id is another record's",
                        body = Problem, content_type = PROBLEM_JSON),
                    (status = 415, response = crate::openapi::UnsupportedMediaType),
                    (status = 422, response = crate::openapi::Invalid),
                )
            )]
            #[post($collection)]
            pub async fn $create(
                db: web::Data<Db>,
                caller: AuthUser,
                Json(body): Json<CreateOrganisation>,
            ) -> Result<HttpResponse, AppError> {
                super::create($kind, &db, caller, body).await
            }

            #[doc = $who_reads]
            #[utoipa::path(
                tag = $tag,
                params(PageParams, SyncParams, OrganisationFilter),
                responses(
                    (status = 200, description = "One page, in the order they last changed", body = Page<OrganisationResponse>),
                    (status = 401, response = crate::openapi::Unauthenticated),
                    (status = 403, response = crate::openapi::Forbidden),
                    (status = 422, response = crate::openapi::Invalid),
                )
            )]
            #[get($collection)]
            pub async fn $list(
                db: web::Data<Db>,
                caller: AuthUser,
                Query(page): Query<PageParams>,
                Query(sync): Query<SyncParams>,
                Query(filter): Query<OrganisationFilter>,
            ) -> Result<HttpResponse, AppError> {
                super::list($kind, &db, caller, page, sync, filter).await
            }

            /// One record.
            #[utoipa::path(
                tag = $tag,
                params(
                    ("id" = Uuid, Path, description = "Id"),
                    ("If-None-Match" = Option<String>, Header, description = "An ETag read before: 304 when unchanged"),
                ),
                responses(
                    (status = 200, description = "The record", body = OrganisationResponse, headers(("ETag" = String, description = "The version"))),
                    (status = 304, description = "Unchanged since the ETag sent"),
                    (status = 400, response = crate::openapi::Malformed),
                    (status = 401, response = crate::openapi::Unauthenticated),
                    (status = 403, response = crate::openapi::Forbidden),
                    (status = 404, response = crate::openapi::NotFound),
                )
            )]
            #[get($item)]
            pub async fn $get(
                req: HttpRequest,
                db: web::Data<Db>,
                caller: AuthUser,
                id: web::Path<Uuid>,
            ) -> Result<HttpResponse, AppError> {
                super::get($kind, req, &db, caller, id.into_inner()).await
            }

            /// Changes a record (administrators); needs `If-Match` with the version read.
            #[utoipa::path(
                tag = $tag,
                params(
                    ("id" = Uuid, Path, description = "Id"),
                    ("If-Match" = String, Header, description = "The ETag (version) the change is based on, or `*`",
                        pattern = r#"^(\*|(W/)?"[0-9]+")$"#),
                ),
                request_body = UpdateOrganisation,
                responses(
                    (status = 200, description = "Changed", body = OrganisationResponse, headers(("ETag" = String, description = "The new version"))),
                    (status = 400, response = crate::openapi::Malformed),
                    (status = 401, response = crate::openapi::Unauthenticated),
                    (status = 403, response = crate::openapi::Forbidden),
                    (status = 404, response = crate::openapi::NotFound),
                    (status = 409, description = "The new credit code is another record's", body = Problem, content_type = PROBLEM_JSON),
                    (status = 412, response = crate::openapi::PreconditionFailed),
                    (status = 415, response = crate::openapi::UnsupportedMediaType),
                    (status = 422, response = crate::openapi::Invalid),
                    (status = 428, response = crate::openapi::PreconditionRequired),
                )
            )]
            #[patch($item)]
            pub async fn $update(
                req: HttpRequest,
                db: web::Data<Db>,
                caller: AuthUser,
                id: web::Path<Uuid>,
                Json(body): Json<UpdateOrganisation>,
            ) -> Result<HttpResponse, AppError> {
                super::update($kind, req, &db, caller, id.into_inner(), body).await
            }
        }
    };
}

organisation_routes!(
    providers,
    super::Kind::Provider,
    "organisations",
    "/providers",
    "/providers/{id}",
    create_provider,
    list_providers,
    get_provider,
    update_provider,
    "Lists training providers (not for employer accounts)."
);
organisation_routes!(
    agencies,
    super::Kind::Agency,
    "organisations",
    "/agencies",
    "/agencies/{id}",
    create_agency,
    list_agencies,
    get_agency,
    update_agency,
    "Lists evaluation agencies (not for employer accounts)."
);
organisation_routes!(
    employers,
    super::Kind::Employer,
    "organisations",
    "/employers",
    "/employers/{id}",
    create_employer,
    list_employers,
    get_employer,
    update_employer,
    "Lists employers; an employer account sees only its own."
);

/// Organisations in offline sync (for staff): the record as `GET /providers/{id}` (or
/// agencies, employers) answers it. Only administrators create and change them, online.
pub fn sync_kind() -> crate::api::SyncKind {
    crate::api::SyncKind {
        kind: service::sync::Kind::Organisation,
        schema: "OrganisationResponse",
        load: |conn, ctx, id| {
            crate::api::visible(
                service::organisations::get_any(conn, &ctx.caller, id)
                    .and_then(OrganisationResponse::try_from),
            )
        },
        actions: &[],
    }
}
