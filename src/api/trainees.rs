//! The real-name register of trainees (劳动力建档): registration by field staff, searched and
//! read within the caller's counties, with identity and phone numbers masked where the role
//! does not need them.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{
    CountyCode, Page, PageParams, SyncParams, if_match, not_modified_tag, parse_time_key, time_key,
    utc, with_etag,
};
use crate::api::{SyncAction, SyncApplied, SyncKind, parse_id, visible};
use crate::auth::{AuthUser, Role};
use crate::db::trainees::{After, Trainee, TraineeChanges, TraineeWithCategories};
use crate::db::{self, Db};
use crate::domain::rules::Rules;
use crate::domain::{id_number, phone};
use crate::error::{AppError, FieldError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};
use crate::service::work::EmploymentResponse;
use crate::service::{self, sync};

/// A group of people the programme reports on (several per trainee).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 农村转移劳动力
    RuralTransfer,
    /// 失业人员
    Unemployed,
    /// 脱贫劳动力
    PovertyAlleviated,
    /// 防返贫监测对象
    PovertyMonitoring,
    /// 高校毕业生
    CollegeGraduate,
    /// 中职毕业生
    VocationalGraduate,
    /// 灵活就业人员
    FlexibleWorker,
    /// 零工市场求职人员
    GigMarket,
    /// 残疾人
    Disabled,
    /// 退役军人
    Veteran,
    /// 企业职工
    EnterpriseEmployee,
}

impl Category {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RuralTransfer => "rural_transfer",
            Self::Unemployed => "unemployed",
            Self::PovertyAlleviated => "poverty_alleviated",
            Self::PovertyMonitoring => "poverty_monitoring",
            Self::CollegeGraduate => "college_graduate",
            Self::VocationalGraduate => "vocational_graduate",
            Self::FlexibleWorker => "flexible_worker",
            Self::GigMarket => "gig_market",
            Self::Disabled => "disabled",
            Self::Veteran => "veteran",
            Self::EnterpriseEmployee => "enterprise_employee",
        }
    }
}

/// Highest completed education.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Education {
    /// No schooling completed.
    None,
    /// 小学
    Primary,
    /// 初中
    JuniorSecondary,
    /// 高中
    SeniorSecondary,
    /// 中职 / 中专
    SecondaryVocational,
    /// 技师学院
    TechnicianCollege,
    /// 高职
    HigherVocational,
    /// 大专
    College,
    /// 本科及以上
    Bachelor,
}

impl Education {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Primary => "primary",
            Self::JuniorSecondary => "junior_secondary",
            Self::SeniorSecondary => "senior_secondary",
            Self::SecondaryVocational => "secondary_vocational",
            Self::TechnicianCollege => "technician_college",
            Self::HigherVocational => "higher_vocational",
            Self::College => "college",
            Self::Bachelor => "bachelor",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [
            Self::None,
            Self::Primary,
            Self::JuniorSecondary,
            Self::SeniorSecondary,
            Self::SecondaryVocational,
            Self::TechnicianCollege,
            Self::HigherVocational,
            Self::College,
            Self::Bachelor,
        ]
        .into_iter()
        .find(|e| e.as_str() == name)
    }
}

limited! {
    body;
    /// A new trainee.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CreateTrainee {
        /// A client-made id; sending the same request again answers the stored trainee.
        pub id: Option<Uuid>,
        /// Real name.
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "王秀英"
        )]
        [1, 50]
        pub name: String,
        /// Resident identity number (GB 11643-1999); a lower-case `x` is accepted.
        #[schema(pattern = "^[0-9]{17}[0-9Xx]$", example = "11010519491231002X")]
        pub id_number: String,
        /// Mobile number; `+86`, spaces and dashes are accepted and removed.
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "+86 138-0013-8000"
        )]
        [1, 30]
        pub phone: Option<String>,
        /// County of residence.
        pub county_code: CountyCode,
        /// Township (乡镇).
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "穆村镇"
        )]
        [1, 50]
        pub township: Option<String>,
        /// Groups the person belongs to.
        #[serde(default)]
        [items 11]
        pub categories: Vec<Category>,
        /// Highest completed education.
        pub education: Option<Education>,
        /// Whether that education was in care work (counts towards the ladder).
        pub education_in_care: Option<bool>,
        /// Months of care work before the programme (declared).
        #[validate(range(min = 0, max = 600))]
        #[schema(minimum = 0, maximum = 600)]
        pub prior_care_work_months: Option<i32>,
    }
}

limited! {
    body;
    /// Changes to a trainee; absent fields stay as they are.
    #[derive(Debug, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct UpdateTrainee {
        /// Real name.
        #[schema(pattern = r"^[^\u0000]*$")]
        [1, 50]
        pub name: Option<String>,
        /// A corrected identity number (sex and birth date follow it).
        #[schema(pattern = "^[0-9]{17}[0-9Xx]$")]
        pub id_number: Option<String>,
        /// Mobile number.
        #[schema(pattern = r"^[^\u0000]*$")]
        [1, 30]
        pub phone: Option<String>,
        /// County (a field worker may move a trainee only between their own counties).
        pub county_code: Option<CountyCode>,
        /// Township.
        #[schema(pattern = r"^[^\u0000]*$")]
        [1, 50]
        pub township: Option<String>,
        /// Groups (replaces the list).
        [items 11]
        pub categories: Option<Vec<Category>>,
        /// Highest completed education.
        pub education: Option<Education>,
        /// Whether that education was in care work.
        pub education_in_care: Option<bool>,
        /// Months of care work before the programme.
        #[validate(range(min = 0, max = 600))]
        #[schema(minimum = 0, maximum = 600)]
        pub prior_care_work_months: Option<i32>,
    }
}

/// A trainee. For roles that do not need them in full (managers, in lists), `id_number` and
/// `phone` are masked and `birth_date` is left out.
#[derive(Debug, Serialize, ToSchema)]
pub struct TraineeResponse {
    /// Trainee id.
    pub id: Uuid,
    /// Real name.
    pub name: String,
    /// Identity number, or `141125********1234` when masked.
    pub id_number: String,
    /// `male` or `female`, from the identity number.
    #[schema(example = "female")]
    pub sex: String,
    /// From the identity number; absent when the number is masked.
    pub birth_date: Option<NaiveDate>,
    /// Mobile number, or `138****5678` when masked.
    pub phone: Option<String>,
    /// County of residence.
    pub county_code: String,
    /// Township.
    pub township: Option<String>,
    /// Groups, sorted.
    pub categories: Vec<Category>,
    /// Highest completed education.
    pub education: Option<Education>,
    /// Whether that education was in care work.
    pub education_in_care: bool,
    /// Declared months of care work before the programme.
    pub prior_care_work_months: i32,
    /// The version (also the `ETag`).
    pub version: i32,
    /// When registered.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
    /// Employment today, on `GET /trainees/{id}` only (not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employment: Option<EmploymentResponse>,
}

/// Whether personal numbers are shown in full or masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Full,
    Masked,
}

fn response(row: TraineeWithCategories, view: View) -> Result<TraineeResponse, AppError> {
    let TraineeWithCategories {
        trainee,
        categories,
    } = row;
    let Trainee {
        id,
        name,
        id_number,
        sex,
        birth_date,
        phone,
        county_code,
        township,
        education,
        education_in_care,
        prior_care_work_months,
        version,
        created_at,
        updated_at,
    } = trainee;
    let masked = view == View::Masked;
    let categories = categories
        .iter()
        .map(|c| parse_category(c).ok_or_else(|| AppError::internal("stored category is unknown")))
        .collect::<Result<_, _>>()?;
    Ok(TraineeResponse {
        id: parse_id(&id)?,
        name,
        id_number: if masked {
            id_number::mask(&id_number)
        } else {
            id_number
        },
        sex,
        birth_date: (!masked).then_some(birth_date),
        phone: phone.map(|p| if masked { phone::mask(&p) } else { p }),
        county_code,
        township,
        categories,
        education: education.as_deref().and_then(Education::parse),
        education_in_care,
        prior_care_work_months,
        version,
        created_at: utc(created_at),
        updated_at: utc(updated_at),
        employment: None,
    })
}

fn parse_category(name: &str) -> Option<Category> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// Checks the identity number (and, at registration, the age it gives) and the phone; collects
/// every error. A correction is not held to the age limit: a mistyped number must always be
/// mendable.
fn check_person(
    age_limit: Option<&Rules>,
    id_number: Option<&str>,
    phone: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> (Option<id_number::IdNumber>, Option<String>) {
    let today = crate::domain::today_in_china();
    let id = id_number.and_then(|raw| match id_number::IdNumber::parse(raw, today) {
        Ok(id) => {
            let age = id_number::age_on(id.birth_date(), today);
            if let Some(rules) = age_limit
                && !rules.of_working_age(id.sex(), age)
            {
                errors.push(FieldError::new(
                    "id_number",
                    "age",
                    format!(
                        "gives an age of {age}; trainees are of working age, for {} 16 to {} \
                         years old",
                        id.sex().people(),
                        rules.retirement_age(id.sex()) - 1
                    ),
                ));
                None
            } else {
                Some(id)
            }
        }
        Err(e) => {
            errors.push(FieldError::new("id_number", e.code, e.message));
            None
        }
    });
    let phone = phone.and_then(|raw| {
        let normalised = phone::normalise(raw);
        if normalised.is_none() {
            errors.push(FieldError::new(
                "phone",
                "format",
                "is not a mainland mobile number",
            ));
        }
        normalised
    });
    (id, phone)
}

fn sorted_categories(categories: &[Category]) -> Vec<String> {
    let mut names: Vec<String> = categories.iter().map(|c| c.as_str().to_owned()).collect();
    names.sort();
    names.dedup();
    names
}

/// Registers a trainee.
///
/// One person, one record: a second registration of the same identity number answers 409 with
/// `existing_id`, also when two phones send it at the same time.
#[utoipa::path(
    tag = "trainees",
    operation_id = "create_trainee",
    request_body = CreateTrainee,
    responses(
        (status = 201, description = "Registered", body = TraineeResponse),
        (status = 200, description = "The same request again: the stored trainee", body = TraineeResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, description = "The identity number is registered already, or the id is another trainee's",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "A field is invalid, or the county is not the caller's", body = Problem,
            content_type = PROBLEM_JSON),
    )
)]
#[post("/trainees")]
pub async fn create_trainee(
    db: web::Data<Db>,
    rules: Rules,
    caller: AuthUser,
    Json(body): Json<CreateTrainee>,
) -> Result<HttpResponse, AppError> {
    let id = body.id.unwrap_or_else(Uuid::new_v4);
    let (created, response) = db
        .run(move |conn| create_with(conn, &rules, &caller, body, id))
        .await?;
    let status = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(with_etag(status, response.version).json(response))
}

/// Registers the trainee of `body` under `id`: the create endpoint's work, and a pushed
/// operation's.
fn create_with(
    conn: &mut db::AnyConnection,
    rules: &Rules,
    caller: &crate::access::Caller,
    body: CreateTrainee,
    id: Uuid,
) -> Result<(bool, TraineeResponse), AppError> {
    let mut errors = Vec::new();
    let (id_number, phone) = check_person(
        Some(rules),
        Some(&body.id_number),
        body.phone.as_deref(),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let id_number = id_number.ok_or_else(|| AppError::internal("checked identity number"))?;
    let categories = sorted_categories(&body.categories);
    let id = id.to_string();
    let now = db::now();
    let candidate = Trainee {
        id: id.clone(),
        name: body.name,
        id_number: id_number.as_str().to_owned(),
        sex: id_number.sex().as_str().to_owned(),
        birth_date: id_number.birth_date(),
        phone,
        county_code: body.county_code.0,
        township: body.township,
        education: body.education.map(|e| e.as_str().to_owned()),
        education_in_care: body.education_in_care.unwrap_or(false),
        prior_care_work_months: body.prior_care_work_months.unwrap_or(0),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let (created, row) = service::trainees::create(conn, caller, candidate, categories)?;
    Ok((created, response(row, View::Full)?))
}

limited! {
    query;
    /// Filters of the trainee list.
    #[derive(Debug, Deserialize, Validate, IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct TraineeFilter {
        /// Only this county.
        #[validate(custom(function = "six_digits"))]
        #[param(value_type = Option<String>, pattern = "^[0-9]{6}$")]
        pub county: Option<String>,
        /// Only this group.
        pub category: Option<Category>,
        /// A name prefix, or a mobile number.
        #[param(pattern = r"^[^\u0000]*$")]
        [1, 50]
        pub q: Option<String>,
        /// An exact identity number.
        #[validate(custom(function = "identity_number_shape"))]
        #[param(pattern = "^[0-9]{17}[0-9Xx]$")]
        pub id_number: Option<String>,
        /// Only trainees enrolled in this cohort (in any state).
        pub cohort: Option<Uuid>,
    }
}

fn six_digits(value: &str) -> Result<(), validator::ValidationError> {
    if value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("pattern")
            .with_message("must be a six-digit county code".into()))
    }
}

fn identity_number_shape(value: &str) -> Result<(), validator::ValidationError> {
    let bytes = value.as_bytes();
    let shaped = bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && (bytes[17].is_ascii_digit() || bytes[17] == b'X' || bytes[17] == b'x');
    if shaped {
        Ok(())
    } else {
        Err(validator::ValidationError::new("pattern")
            .with_message("must be 17 digits and a digit or X".into()))
    }
}

/// Lists and searches trainees of the caller's counties, in the order they last changed; a
/// search by name (`q` that is not a phone number) answers in name order.
#[utoipa::path(
    tag = "trainees",
    operation_id = "list_trainees",
    params(PageParams, SyncParams, TraineeFilter),
    responses(
        (status = 200, description = "One page of trainees", body = Page<TraineeResponse>),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[get("/trainees")]
pub async fn list_trainees(
    db: web::Data<Db>,
    caller: AuthUser,
    Query(page): Query<PageParams>,
    Query(sync): Query<SyncParams>,
    Query(filter): Query<TraineeFilter>,
) -> Result<HttpResponse, AppError> {
    let limit = page.limit();
    let (name_prefix, phone) = match filter.q.as_deref().map(str::trim) {
        Some(q) => match phone::normalise(q) {
            Some(phone) => (None, Some(phone)),
            None => (Some(q.to_owned()), None),
        },
        None => (None, None),
    };
    let by_name = name_prefix.is_some();
    let after = match page.after()? {
        None => None,
        Some(key) if by_name => Some(parse_name_key(&key)?),
        Some(key) => {
            let (at, id) = parse_time_key(&key)?;
            Some(After::Changed(at, id))
        }
    };
    let filter = db::trainees::Filter {
        scope: db::trainees::Scope::All,
        county: filter.county,
        category: filter.category.map(|c| c.as_str().to_owned()),
        name_prefix,
        phone,
        id_number: filter.id_number.map(|n| n.to_ascii_uppercase()),
        cohort: filter.cohort.map(|c| c.to_string()),
        since: sync.since(),
    };
    let view = if caller.role == Role::Manager {
        View::Masked
    } else {
        View::Full
    };
    let rows = db
        .run(move |conn| service::trainees::list(conn, &caller, filter, after, limit + 1))
        .await?;
    // Managers read lists masked; the record itself shows them the numbers.
    let page = Page::from_rows(
        rows,
        limit,
        |r| {
            if by_name {
                format!("n|{}|{}", r.trainee.name, r.trainee.id)
            } else {
                time_key(r.trainee.updated_at, &r.trainee.id)
            }
        },
        |r| response(r, view),
    )?;
    Ok(HttpResponse::Ok().json(page))
}

/// The `(name, id)` position a cursor of a name search carries.
fn parse_name_key(key: &str) -> Result<After, AppError> {
    let invalid = || AppError::field("cursor", "invalid", "is not a cursor of this search");
    let rest = key.strip_prefix("n|").ok_or_else(invalid)?;
    // Ids are UUIDs, so the last `|` ends the name, whatever the name holds.
    let (name, id) = rest.rsplit_once('|').ok_or_else(invalid)?;
    Ok(After::Named(name.to_owned(), id.to_owned()))
}

/// One trainee of the caller's counties (404 for any other).
#[utoipa::path(
    tag = "trainees",
    operation_id = "get_trainee",
    params(
        ("id" = Uuid, Path, description = "Trainee id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before: 304 when unchanged"),
    ),
    responses(
        (status = 200, description = "The trainee", body = TraineeResponse, headers(("ETag" = String, description = "The version"))),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/trainees/{id}")]
pub async fn get_trainee(
    req: HttpRequest,
    db: web::Data<Db>,
    rules: Rules,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    let (row, employment) = db
        .run(move |conn| service::trainees::get(conn, &rules, &caller, &id))
        .await?;
    // The record's version, and a digest of the employment judged today, which changes with
    // placements, follow-ups, thresholds and the date without changing the record.
    let derived = serde_json::to_string(&employment).map_err(AppError::internal)?;
    let tag = format!(
        "\"{}.{}\"",
        row.trainee.version,
        &crate::auth::token_digest(&derived)[..8]
    );
    if let Some(response) = not_modified_tag(&req, tag.clone()) {
        return Ok(response);
    }
    let mut response = response(row, View::Full)?;
    response.employment = Some(employment);
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, tag))
        .json(response))
}

/// Changes a trainee of the caller's counties. Needs `If-Match` with the version read.
#[utoipa::path(
    tag = "trainees",
    operation_id = "update_trainee",
    params(
        ("id" = Uuid, Path, description = "Trainee id"),
        ("If-Match" = String, Header, description = "The ETag (version) the change is based on, or `*`",
            pattern = r#"^(\*|(W/)?"[0-9]+(\.[0-9a-f]+)?")$"#),
    ),
    request_body = UpdateTrainee,
    responses(
        (status = 200, description = "Changed", body = TraineeResponse, headers(("ETag" = String, description = "The new version"))),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, description = "The new identity number is another trainee's", body = Problem, content_type = PROBLEM_JSON),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Invalid),
        (status = 428, response = crate::openapi::PreconditionRequired),
    )
)]
#[patch("/trainees/{id}")]
pub async fn update_trainee(
    req: HttpRequest,
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    Json(body): Json<UpdateTrainee>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    let version = if_match(&req)?;
    let response = db
        .run(move |conn| update_with(conn, &caller, &id, version, body))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), response.version).json(response))
}

/// Changes trainee `id` as `body` says, based on `version`: the update endpoint's work, and a
/// pushed operation's.
fn update_with(
    conn: &mut db::AnyConnection,
    caller: &crate::access::Caller,
    id: &str,
    version: Option<i32>,
    body: UpdateTrainee,
) -> Result<TraineeResponse, AppError> {
    let mut errors = Vec::new();
    let (id_number, phone) = check_person(
        None,
        body.id_number.as_deref(),
        body.phone.as_deref(),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let county_code = body.county_code.map(|c| c.0);
    let categories = body.categories.as_deref().map(sorted_categories);
    let changes = TraineeChanges {
        name: body.name,
        id_number: id_number.as_ref().map(|n| n.as_str().to_owned()),
        sex: id_number.as_ref().map(|n| n.sex().as_str().to_owned()),
        birth_date: id_number.as_ref().map(|n| n.birth_date()),
        phone,
        county_code,
        township: body.township,
        education: body.education.map(|e| e.as_str().to_owned()),
        education_in_care: body.education_in_care,
        prior_care_work_months: body.prior_care_work_months,
    };
    let row = service::trainees::update(conn, caller, id, version, changes, categories)?;
    response(row, View::Full)
}

/// Trainees in offline sync: the record as `GET /trainees/{id}` answers it, without
/// `employment` (judged for today, it changes with the date and with other records: the app
/// reads it with the GET); pushes create and update them.
pub fn sync_kind() -> SyncKind {
    SyncKind {
        kind: sync::Kind::Trainee,
        schema: "TraineeResponse",
        load: |conn, ctx, id| {
            visible(
                service::trainees::stored(conn, &ctx.caller, id)
                    .and_then(|row| response(row, View::Full)),
            )
        },
        actions: &[
            SyncAction {
                name: "create",
                body: "CreateTrainee",
                path_ids: &[],
                apply: |conn, ctx, op| {
                    let body: CreateTrainee = op.body()?;
                    let id = op.same_id(body.id)?;
                    let (created, record) = create_with(conn, &ctx.rules, &ctx.caller, body, id)?;
                    SyncApplied::of(created, &record)
                },
            },
            SyncAction {
                name: "update",
                body: "UpdateTrainee",
                path_ids: &[],
                apply: |conn, ctx, op| {
                    let body: UpdateTrainee = op.body()?;
                    let id = op.id.to_string();
                    let record = update_with(conn, &ctx.caller, &id, op.version()?, body)?;
                    SyncApplied::of(false, &record)
                },
            },
        ],
    }
}

/// What happened on a day of a trainee's journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// Registered (劳动力建档).
    Registered,
    /// Enrolled in a cohort.
    Enrolled,
    /// Completed a cohort.
    Completed,
    /// Left a cohort.
    Dropped,
    /// Assessed by an evaluation agency.
    Assessed,
    /// Awarded a certificate.
    Certified,
    /// Started work in a placement (as reported).
    Placed,
    /// The employer confirmed the placement.
    Confirmed,
    /// The employer disputed the placement.
    Disputed,
    /// A visit or a call found the person at work there.
    Verified,
    /// A manager settled the employer's dispute.
    Resolved,
    /// Followed up (回访).
    FollowedUp,
    /// The placement ended.
    Left,
}

/// One entry of a trainee's timeline. Entries about an enrolment carry its cohort and its
/// attendance as it is now.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEvent {
    /// The day.
    pub on: NaiveDate,
    /// What happened.
    pub kind: TimelineKind,
    /// The enrolment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrolment_id: Option<Uuid>,
    /// Its cohort.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohort_id: Option<Uuid>,
    /// The cohort's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohort_code: Option<String>,
    /// The cohort's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cohort_name: Option<String>,
    /// The cohort's occupation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
    /// The cohort's level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Days present so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attended_days: Option<i32>,
    /// Days the cohort plans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_days: Option<i32>,
    /// Why they left, for `dropped`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The assessment, for `assessed` (and `certified` when it issued the certificate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment_id: Option<Uuid>,
    /// Whether the assessment was passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// The certificate, for `certified`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<Uuid>,
    /// Its number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_number: Option<String>,
    /// The placement, for entries about work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement_id: Option<Uuid>,
    /// The employer's name, or the household's contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employer_name: Option<String>,
    /// The follow-up, for `followed_up`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_id: Option<Uuid>,
    /// What the follow-up found: in work there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_employed: Option<bool>,
    /// The monthly wage (`placed`) or the income reported (`followed_up`), in fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly_income_fen: Option<i64>,
}

impl TimelineEvent {
    fn new(on: NaiveDate, kind: TimelineKind) -> Self {
        Self {
            on,
            kind,
            enrolment_id: None,
            cohort_id: None,
            cohort_code: None,
            cohort_name: None,
            occupation: None,
            level: None,
            attended_days: None,
            planned_days: None,
            reason: None,
            assessment_id: None,
            passed: None,
            certificate_id: None,
            certificate_number: None,
            placement_id: None,
            employer_name: None,
            follow_up_id: None,
            still_employed: None,
            monthly_income_fen: None,
        }
    }
}

/// A trainee's journey in date order.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineResponse {
    /// The trainee.
    pub trainee_id: Uuid,
    /// Entries, oldest first.
    pub events: Vec<TimelineEvent>,
}

/// Everything about one trainee of the caller's counties, in date order: registration,
/// enrolments with their attendance, completions and drop-outs, assessments and certificates.
#[utoipa::path(
    tag = "trainees",
    params(("id" = Uuid, Path, description = "Trainee id")),
    responses(
        (status = 200, description = "The timeline", body = TimelineResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[get("/trainees/{id}/timeline")]
pub async fn get_timeline(
    db: web::Data<Db>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    let records = db
        .run(move |conn| service::trainees::timeline(conn, &caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(timeline(records)?))
}

/// The journey in date order, from the records of one trainee.
fn timeline(records: service::trainees::Records) -> Result<TimelineResponse, AppError> {
    let service::trainees::Records {
        trainee,
        enrolments,
        assessments,
        certificates,
        placements,
        follow_ups,
        employers,
    } = records;
    let mut events = vec![TimelineEvent::new(
        (trainee.created_at + chrono::Duration::hours(8)).date(),
        TimelineKind::Registered,
    )];
    for (assessment, cohort_id) in assessments {
        events.push(TimelineEvent {
            enrolment_id: Some(parse_id(&assessment.enrolment_id)?),
            cohort_id: Some(parse_id(&cohort_id)?),
            assessment_id: Some(parse_id(&assessment.id)?),
            passed: Some(assessment.passed),
            ..TimelineEvent::new(assessment.assessed_on, TimelineKind::Assessed)
        });
    }
    for certificate in certificates {
        events.push(TimelineEvent {
            occupation: Some(certificate.occupation),
            level: Some(certificate.level),
            assessment_id: certificate
                .assessment_id
                .as_deref()
                .map(parse_id)
                .transpose()?,
            certificate_id: Some(parse_id(&certificate.id)?),
            certificate_number: Some(certificate.number),
            ..TimelineEvent::new(certificate.issued_on, TimelineKind::Certified)
        });
    }
    for (enrolment, cohort) in enrolments {
        let dated = [
            (Some(enrolment.enrolled_on), TimelineKind::Enrolled),
            (enrolment.completed_on, TimelineKind::Completed),
            (enrolment.dropped_on, TimelineKind::Dropped),
        ];
        for (on, kind) in dated {
            let Some(on) = on else { continue };
            events.push(TimelineEvent {
                enrolment_id: Some(parse_id(&enrolment.id)?),
                cohort_id: Some(parse_id(&enrolment.cohort_id)?),
                cohort_code: Some(cohort.code.clone()),
                cohort_name: Some(cohort.name.clone()),
                occupation: Some(cohort.occupation.clone()),
                level: Some(cohort.level.clone()),
                attended_days: Some(enrolment.attended_days),
                planned_days: Some(cohort.planned_days),
                reason: (kind == TimelineKind::Dropped)
                    .then(|| enrolment.drop_reason.clone())
                    .flatten(),
                ..TimelineEvent::new(on, kind)
            });
        }
    }
    for placement in placements {
        let placement_id = Some(parse_id(&placement.id)?);
        let employer_name = placement
            .employer_id
            .as_ref()
            .and_then(|e| employers.get(e).cloned())
            .or_else(|| placement.household_name.clone())
            .or_else(|| placement.business.clone());
        let china_day = |at: chrono::NaiveDateTime| (at + chrono::Duration::hours(8)).date();
        let dated = [
            (Some(placement.start_date), TimelineKind::Placed),
            (
                placement.confirmed_at.map(china_day),
                TimelineKind::Confirmed,
            ),
            (placement.disputed_at.map(china_day), TimelineKind::Disputed),
            (placement.verified_on, TimelineKind::Verified),
            (placement.resolved_at.map(china_day), TimelineKind::Resolved),
            (placement.ended_on, TimelineKind::Left),
        ];
        for (on, kind) in dated {
            let Some(on) = on else { continue };
            events.push(TimelineEvent {
                placement_id,
                employer_name: employer_name.clone(),
                occupation: Some(placement.occupation.clone()),
                monthly_income_fen: (kind == TimelineKind::Placed)
                    .then_some(placement.monthly_wage_fen),
                reason: match kind {
                    TimelineKind::Disputed => placement.dispute_reason.clone(),
                    TimelineKind::Resolved => placement.resolution_reason.clone(),
                    TimelineKind::Left => placement.end_reason.clone(),
                    _ => None,
                },
                ..TimelineEvent::new(on, kind)
            });
        }
    }
    for follow_up in follow_ups {
        events.push(TimelineEvent {
            placement_id: Some(parse_id(&follow_up.placement_id)?),
            follow_up_id: Some(parse_id(&follow_up.id)?),
            still_employed: Some(follow_up.still_employed && follow_up.same_employer),
            monthly_income_fen: follow_up.monthly_income_fen,
            ..TimelineEvent::new(follow_up.followed_up_on, TimelineKind::FollowedUp)
        });
    }
    // Stable: entries of one day keep the journey's order (registered, enrolled, finished).
    events.sort_by_key(|e| (e.on, e.kind));
    Ok(TimelineResponse {
        trainee_id: parse_id(&trainee.id)?,
        events,
    })
}
