//! The HTTP resources: one file each, with their handlers and request and response bodies.

/// Declares a request body (or, as `query`, a query's parameters) whose text fields carry
/// their length limits once: `[min, max]` (characters) or `[items max]` (entries of a list)
/// before a field is both the validator's check and the OpenAPI document's bounds, so the two
/// cannot disagree.
macro_rules! limited {
    ($kind:ident; $(#[$attr:meta])* $vis:vis struct $name:ident { $($body:tt)* }) => {
        limited!(@field $kind; [$(#[$attr])* $vis struct $name] [] [] []; $($body)*);
    };
    // All fields read.
    (@field $kind:ident; [$($head:tt)*] [$($done:tt)*] [] []; ) => {
        $($head)* { $($done)* }
    };
    // An attribute (or doc line) of the next field.
    (@field $kind:ident; $head:tt $done:tt [$($attrs:tt)*] $lim:tt; #[$($a:tt)*] $($rest:tt)*) => {
        limited!(@field $kind; $head $done [$($attrs)* #[$($a)*]] $lim; $($rest)*);
    };
    // Its length limits: `[min, max]` characters of a text, `[items max]` entries of a list.
    (@field $kind:ident; $head:tt $done:tt $attrs:tt []; [$min:tt, $max:tt] $($rest:tt)*) => {
        limited!(@field $kind; $head $done $attrs [$min, $max]; $($rest)*);
    };
    (@field $kind:ident; $head:tt $done:tt $attrs:tt []; [items $max:tt] $($rest:tt)*) => {
        limited!(@field $kind; $head $done $attrs [items $max]; $($rest)*);
    };
    // Its name; the type follows, up to the next comma.
    (@field $kind:ident; $head:tt $done:tt $attrs:tt $lim:tt; pub $field:ident : $($rest:tt)*) => {
        limited!(@type $kind; $head $done $attrs $lim $field []; $($rest)*);
    };
    (@type body; $head:tt [$($done:tt)*] [$($attrs:tt)*] [$min:tt, $max:tt] $field:ident
        [$($ty:tt)*]; , $($rest:tt)*) => {
        limited!(@field body; $head [$($done)* $($attrs)*
            #[validate(length(min = $min, max = $max))]
            #[schema(min_length = $min, max_length = $max)]
            pub $field: $($ty)*,
        ] [] []; $($rest)*);
    };
    (@type query; $head:tt [$($done:tt)*] [$($attrs:tt)*] [$min:tt, $max:tt] $field:ident
        [$($ty:tt)*]; , $($rest:tt)*) => {
        limited!(@field query; $head [$($done)* $($attrs)*
            #[validate(length(min = $min, max = $max))]
            #[param(min_length = $min, max_length = $max)]
            pub $field: $($ty)*,
        ] [] []; $($rest)*);
    };
    (@type body; $head:tt [$($done:tt)*] [$($attrs:tt)*] [items $max:tt] $field:ident
        [$($ty:tt)*]; , $($rest:tt)*) => {
        limited!(@field body; $head [$($done)* $($attrs)*
            #[validate(length(max = $max))]
            #[schema(max_items = $max)]
            pub $field: $($ty)*,
        ] [] []; $($rest)*);
    };
    (@type $kind:ident; $head:tt [$($done:tt)*] [$($attrs:tt)*] [] $field:ident
        [$($ty:tt)*]; , $($rest:tt)*) => {
        limited!(@field $kind; $head [$($done)* $($attrs)* pub $field: $($ty)*,] [] [];
            $($rest)*);
    };
    // The last field without a comma.
    (@type $kind:ident; $head:tt $done:tt $attrs:tt $lim:tt $field:ident $ty:tt; ) => {
        limited!(@type $kind; $head $done $attrs $lim $field $ty; ,);
    };
    (@type $kind:ident; $head:tt $done:tt $attrs:tt $lim:tt $field:ident [$($ty:tt)*];
        $t:tt $($rest:tt)*) => {
        limited!(@type $kind; $head $done $attrs $lim $field [$($ty)* $t]; $($rest)*);
    };
}

pub mod audit;
pub mod auth;
pub mod certification;
pub mod cohorts;
pub mod counties;
pub mod enrolments;
pub mod follow_ups;
pub mod income_thresholds;
pub mod organisations;
pub mod placements;
pub mod progression;
pub mod reports;
pub mod service;
pub mod settings;
pub mod sync;
pub mod targets;
pub mod trainees;
pub mod users;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::domain::phone;
use crate::domain::placement::WorkKind;
use crate::error::AppError;
pub use crate::service::check_version;
use uuid::Uuid;

/// A county code of Lüliang (the `GET /api/v1/counties` list), checked when the request is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[schema(
    value_type = String,
    example = "141125",
    pattern = "^14(1102|1121|1122|1123|1124|1125|1126|1127|1128|1129|1130|1181|1182)$"
)]
pub struct CountyCode(pub String);

impl<'de> Deserialize<'de> for CountyCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        if crate::domain::COUNTY_CODES.contains(&code.as_str()) {
            Ok(Self(code))
        } else {
            Err(serde::de::Error::custom(format!(
                "unknown county `{code}`: not a county of Lüliang"
            )))
        }
    }
}

/// The page size when a client names none.
pub const DEFAULT_PAGE_SIZE: i64 = 50;

/// `?limit=&cursor=` on every list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items to return, 1 to 200 (default 50).
    #[validate(range(min = 1, max = 200))]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; absent for the first page.
    #[param(max_length = 512, pattern = "^c1([0-9a-f]{2})*$")]
    pub cursor: Option<String>,
}

impl PageParams {
    /// The page size asked for.
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(DEFAULT_PAGE_SIZE)
    }

    /// The sort key the cursor carries, or a 422 naming `cursor` when it is not one of ours.
    pub fn after(&self) -> Result<Option<String>, AppError> {
        self.cursor.as_deref().map(decode_cursor).transpose()
    }
}

/// One page of a list, in a stable order.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` loaded rows: the extra row, when present, says
    /// another page follows, and `key` of the last item returned becomes the cursor. `map` turns
    /// each row into its response.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> String,
        map: impl Fn(R) -> Result<T, AppError>,
    ) -> Result<Self, AppError> {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(&key(r)))
        } else {
            None
        };
        Ok(Self {
            items: rows.into_iter().map(map).collect::<Result<_, _>>()?,
            next_cursor,
        })
    }
}

/// `?updated_since=` on lists that sync to the app: only records changed at or after it.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncParams {
    /// RFC 3339 time, in the years 1970–9999; only records changed at or after it.
    #[validate(custom(function = "plausible_time"))]
    #[param(value_type = Option<String>, format = DateTime, pattern = "^(19[7-9][0-9]|[2-9][0-9]{3})-")]
    pub updated_since: Option<DateTime<Utc>>,
}

impl SyncParams {
    /// The time as stored (UTC, naive).
    pub fn since(&self) -> Option<NaiveDateTime> {
        self.updated_since.map(|t| t.naive_utc())
    }
}

/// Refuses times outside the years 1970–9999: no record is older, and PostgreSQL refuses
/// timestamps far outside that range (a 500 otherwise).
pub fn plausible_time(at: &DateTime<Utc>) -> Result<(), validator::ValidationError> {
    use chrono::Datelike;
    if (1970..=9999).contains(&at.year()) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("range")
            .with_message("must be a time between 1970 and 9999".into()))
    }
}

/// Refuses text that is only white space where a word is needed (it is stored trimmed).
pub fn not_blank(text: &str) -> Result<(), validator::ValidationError> {
    if text.trim().is_empty() {
        Err(validator::ValidationError::new("blank").with_message("must not be blank".into()))
    } else {
        Ok(())
    }
}

/// Refuses days outside the years 1970–9999: PostgreSQL cannot store some days that JSON can
/// name, and no record of the programme is dated so far out.
pub fn plausible_day(day: &chrono::NaiveDate) -> Result<(), validator::ValidationError> {
    use chrono::Datelike;
    if (1970..=9999).contains(&day.year()) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("range")
            .with_message("must be a day between 1970 and 9999".into()))
    }
}

/// For `Option<Option<T>>` fields of a `PATCH`: an absent field stays `None` (with
/// `#[serde(default)]`), `null` becomes `Some(None)` (clear it), a value `Some(Some(v))`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A stored id as a UUID (every id column holds one).
pub fn parse_id(id: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(id).map_err(AppError::internal)
}

/// A stored time as RFC 3339 UTC, to the microsecond.
pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// The `ETag` of a resource at `version`.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// Starts a response that carries the resource's `ETag`.
pub fn with_etag(mut builder: HttpResponseBuilder, version: i32) -> HttpResponseBuilder {
    builder.insert_header((header::ETAG, etag(version)));
    builder
}

/// A 304 when the client's `If-None-Match` names the current version.
pub fn not_modified(req: &HttpRequest, version: i32) -> Option<HttpResponse> {
    not_modified_tag(req, etag(version))
}

/// A 304 when the client's `If-None-Match` names `current`, an ETag.
pub fn not_modified_tag(req: &HttpRequest, current: String) -> Option<HttpResponse> {
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t == current)
        });
    matches.then(|| {
        HttpResponse::NotModified()
            .insert_header((header::ETAG, current))
            .finish()
    })
}

/// The version a `PATCH` was based on: 428 without `If-Match`, 400 when it is not an ETag of
/// ours; `None` for `If-Match: *` (any current version, RFC 9110).
pub fn if_match(req: &HttpRequest) -> Result<Option<i32>, AppError> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(AppError::PreconditionRequired)?
        .to_str()
        .map_err(|_| AppError::Malformed("If-Match is not readable text".into()))?
        .trim();
    if value.is_empty() {
        return Err(AppError::PreconditionRequired);
    }
    if value == "*" {
        return Ok(None);
    }
    let malformed =
        || AppError::Malformed("If-Match must be an ETag as read, such as \"3\", or *".into());
    let quoted = value.strip_prefix("W/").unwrap_or(value);
    let tag = quoted
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(malformed)?;
    // A representation that adds derived data to the record (a trainee's employment) tags it
    // `"version.digest"`: the version is what a change is based on.
    let (digits, derived) = tag.split_once('.').unwrap_or((tag, "0"));
    let derived_ok = !derived.is_empty() && derived.bytes().all(|b| b.is_ascii_hexdigit());
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || !derived_ok {
        return Err(malformed());
    }
    // A well-formed tag too large to be any version matches none: stale, not malformed. It is
    // refused (412) when compared, after the body has been checked.
    Ok(Some(digits.parse::<i32>().unwrap_or(-1)))
}

/// The `Idempotency-Key` of an action request, if sent: 1 to 200 visible ASCII characters
/// (400 otherwise).
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            AppError::Malformed(
                "Idempotency-Key must be 1 to 200 visible ASCII characters, such as a UUID".into(),
            )
        })?;
    Ok(Some(key.to_owned()))
}

/// A digest of one action request (its operation and its body as read), to tell a retry from a
/// different request under the same `Idempotency-Key`.
pub fn request_digest(operation: &str, body: &impl Serialize) -> Result<String, AppError> {
    let body = serde_json::to_vec(body).map_err(AppError::internal)?;
    Ok(crate::auth::token_digest(&format!(
        "{operation}\n{}",
        String::from_utf8_lossy(&body)
    )))
}

/// Cursors are opaque to clients: the sort key, hex-encoded behind a version prefix.
fn encode_cursor(key: &str) -> String {
    let mut out = String::from("c1");
    for byte in key.as_bytes() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// A cursor for a `(time, id)` position, for lists ordered by time.
pub fn time_key(at: NaiveDateTime, id: &str) -> String {
    format!("{}|{id}", at.format("%Y-%m-%dT%H:%M:%S%.6f"))
}

/// The `(time, id)` position a cursor made by [`time_key`] carries.
pub fn parse_time_key(key: &str) -> Result<(NaiveDateTime, String), AppError> {
    let invalid = || AppError::field("cursor", "invalid", "is not a cursor this API gave out");
    let (at, id) = key.split_once('|').ok_or_else(invalid)?;
    let at = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S%.f").map_err(|_| invalid())?;
    plausible_time(&at.and_utc()).map_err(|_| invalid())?;
    Ok((at, id.to_owned()))
}

/// Reads a cursor of the documented shape. Any cursor of that shape is a position in the
/// list (a forged one only moves where the page starts; scope still filters every row).
fn decode_cursor(cursor: &str) -> Result<String, AppError> {
    let invalid = || AppError::field("cursor", "invalid", "is not a cursor this API gave out");
    let hex = cursor.strip_prefix("c1").ok_or_else(invalid)?;
    let lower_hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
    if hex.len() % 2 != 0 || hex.len() > 510 || !hex.as_bytes().iter().all(lower_hex) {
        return Err(invalid());
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| invalid()))
        .collect::<Result<Vec<u8>, _>>()?;
    // Every key this API gives out is text without control characters. A forged one may carry
    // others (a NUL, which PostgreSQL cannot compare, or bytes that are not UTF-8): they are
    // replaced, and the cursor is a position like any other.
    Ok(String::from_utf8_lossy(&bytes)
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect())
}

// Who a piece of work is for, as the bodies of a placement and of a follow-up's new work name
// it.

limited! {
    body;
    /// A household that hires directly (a nanny, a carer at home): no account, so its placements
    /// are verified by a follow-up rather than confirmed.
    #[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Household {
        /// The contact's name.
        #[validate(custom(function = "not_blank"))]
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "张女士"
        )]
        [1, 50]
        pub name: String,
        /// The contact's mobile number (`+86`/`0086` and separators are accepted and removed).
        #[schema(example = "13800138000")]
        [1, 30]
        pub phone: String,
    }
}

limited! {
    body;
    /// Self-employment (经营收入): what the business is. Its declared monthly income is the
    /// placement's `monthly_wage_fen`.
    #[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Business {
        /// What the business is, in a few words.
        #[validate(custom(function = "not_blank"))]
        #[schema(
            pattern = r"^[^\u0000]*$",
            example = "村里开办的托老所"
        )]
        [1, 200]
        pub description: String,
    }
}

/// Who a piece of work is for, as a body names it: the kind (or the one of `employer_id`,
/// `household` and `business` given) and that one.
pub(crate) struct Work {
    pub kind: WorkKind,
    pub employer_id: Option<String>,
    pub household: Option<(String, String)>,
    pub business: Option<String>,
}

/// Reads who the work is for: exactly one of `employer_id`, `household` and `business`, and
/// the `kind` when given agreeing with it. `prefix` names the body's part (`new_work.`).
pub(crate) fn work_of(
    prefix: &str,
    kind: Option<WorkKind>,
    employer_id: Option<Uuid>,
    household: Option<&Household>,
    business: Option<&Business>,
) -> Result<Work, AppError> {
    let given = match (employer_id, household, business) {
        (Some(_), None, None) => WorkKind::Employer,
        (None, Some(_), None) => WorkKind::Household,
        (None, None, Some(_)) => WorkKind::SelfEmployed,
        _ => {
            return Err(AppError::field(
                format!("{prefix}employer_id"),
                "one_of",
                "name exactly one of a registered employer (employer_id), a household or a business",
            ));
        }
    };
    if let Some(kind) = kind.filter(|k| *k != given) {
        return Err(AppError::field(
            format!("{prefix}kind"),
            "mismatch",
            format!(
                "is {} but the body names {}",
                kind.as_str(),
                match given {
                    WorkKind::Employer => "an employer_id",
                    WorkKind::Household => "a household",
                    WorkKind::SelfEmployed => "a business",
                }
            ),
        ));
    }
    let household = household
        .map(|h| {
            phone::normalise(&h.phone)
                .map(|phone| (h.name.trim().to_owned(), phone))
                .ok_or_else(|| {
                    AppError::field(
                        format!("{prefix}household.phone"),
                        "invalid",
                        "is not a mainland mobile number (11 digits from 13 to 19)",
                    )
                })
        })
        .transpose()?;
    Ok(Work {
        kind: given,
        employer_id: employer_id.map(|e| e.to_string()),
        household,
        business: business.map(|b| b.description.trim().to_owned()),
    })
}

/// What offline sync needs of a resource: how the feed answers its records (the same shape as
/// its `GET`), and the operations a push may carry (the same service calls as its endpoints).
/// Each resource's module declares its own; `routes.rs` collects them.
pub struct SyncKind {
    /// The kind of record.
    pub kind: crate::service::sync::Kind,
    /// The OpenAPI schema of its records.
    pub schema: &'static str,
    /// Reads one record as the caller may see it.
    pub load: SyncLoad,
    /// The actions a push may carry.
    pub actions: &'static [SyncAction],
}

/// One action a push may carry.
pub struct SyncAction {
    /// Its name: `create`, `update`, `complete`, …
    pub name: &'static str,
    /// The OpenAPI schema of the body its endpoint takes.
    pub body: &'static str,
    /// The ids the endpoint's path carries, sent in the body instead (`cohort_id`, …).
    pub path_ids: &'static [&'static str],
    /// Applies it.
    pub apply: SyncApply,
}

/// Who a sync request is for.
pub struct SyncContext {
    /// The caller.
    pub caller: crate::access::Caller,
    /// The settings the request is judged by.
    pub rules: crate::domain::rules::Rules,
}

/// Reads record `id` as the caller may see it: `None` when it is not theirs to see.
pub type SyncLoad = fn(
    &mut crate::db::AnyConnection,
    &SyncContext,
    &str,
) -> Result<Option<serde_json::Value>, AppError>;

/// Applies one pushed operation; a refusal is the error its endpoint would answer.
pub type SyncApply =
    fn(&mut crate::db::AnyConnection, &SyncContext, SyncOp) -> Result<SyncApplied, AppError>;

/// One pushed operation, as a resource's module applies it.
pub struct SyncOp {
    /// The record's id (a new record's, chosen by the device).
    pub id: Uuid,
    /// The version an update is based on (its `If-Match`).
    pub base_version: Option<i32>,
    /// The body its endpoint takes, and the ids its path would carry.
    pub body: serde_json::Map<String, serde_json::Value>,
}

impl SyncOp {
    /// Takes the id `field` (a path parameter of the endpoint) out of the body.
    pub fn take_id(&mut self, field: &str) -> Result<Uuid, AppError> {
        match self.body.remove(field) {
            Some(serde_json::Value::String(text)) => text
                .parse()
                .map_err(|_| AppError::field(format!("body.{field}"), "invalid", "must be a UUID")),
            Some(_) => Err(AppError::field(
                format!("body.{field}"),
                "invalid_type",
                "must be a UUID",
            )),
            None => Err(AppError::field(
                format!("body.{field}"),
                "required",
                "is required",
            )),
        }
    }

    /// The body as its endpoint reads it: deserialised and validated, naming the field that
    /// fails.
    pub fn body<T: serde::de::DeserializeOwned + Validate>(&self) -> Result<T, AppError> {
        let bytes = serde_json::to_vec(&self.body).map_err(AppError::internal)?;
        let value: T = crate::extract::parse_json(&bytes)?;
        value.validate()?;
        Ok(value)
    }

    /// The body's `id`, if sent, must be the operation's.
    pub fn same_id(&self, sent: Option<Uuid>) -> Result<Uuid, AppError> {
        match sent {
            Some(sent) if sent != self.id => Err(AppError::field(
                "body.id",
                "invalid",
                "must be the operation's id, or left out",
            )),
            _ => Ok(self.id),
        }
    }

    /// The version an update is based on: 428 without one, as a `PATCH` without `If-Match`.
    pub fn version(&self) -> Result<Option<i32>, AppError> {
        self.base_version
            .map(Some)
            .ok_or(AppError::PreconditionRequired)
    }
}

/// What an applied operation answers: 201 or 200, and the record as its endpoint answers it.
pub struct SyncApplied {
    /// Whether the operation created the record (201) rather than answering it as stored (200).
    pub created: bool,
    /// The record.
    pub record: serde_json::Value,
}

impl SyncApplied {
    /// The answer of `record`, created now or not.
    pub fn of(created: bool, record: &impl Serialize) -> Result<Self, AppError> {
        Ok(Self {
            created,
            record: serde_json::to_value(record).map_err(AppError::internal)?,
        })
    }
}

/// The id of cohort `cohort`'s register of `day` (`YYYY-MM-DD`) in offline sync: the UUID v5 of
/// the day in the cohort's id, which a device can compute offline.
pub fn sync_day_id(cohort: Uuid, day: &str) -> Uuid {
    Uuid::new_v5(&cohort, day.as_bytes())
}

/// `None` for a record the caller may not see (404), the record otherwise.
pub fn visible<T: Serialize>(
    found: Result<T, AppError>,
) -> Result<Option<serde_json::Value>, AppError> {
    match found {
        Ok(record) => Ok(Some(
            serde_json::to_value(record).map_err(AppError::internal)?,
        )),
        Err(AppError::NotFound | AppError::Forbidden | AppError::ForRoles(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The programme settings a request is judged by: as this instance last read them from the
/// database (at most a second ago). What the figures count is read again in the transaction
/// that counts them.
impl actix_web::FromRequest for crate::domain::rules::Rules {
    type Error = AppError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let cache = req
            .app_data::<actix_web::web::Data<crate::service::settings::SettingsCache>>()
            .cloned();
        let db = req
            .app_data::<actix_web::web::Data<crate::db::Db>>()
            .cloned();
        Box::pin(async move {
            match (cache, db) {
                (Some(cache), Some(db)) => cache.current(&db).await,
                _ => Err(AppError::internal(
                    "the programme settings are not configured",
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    limited! {
        body;
        /// A body of the test.
        #[derive(Debug, Deserialize, Validate, ToSchema)]
        pub struct Limited {
            /// A name.
            [2, 5]
            pub name: String,
            /// An optional note.
            #[schema(example = "注")]
            [0, 3]
            pub note: Option<String>,
            /// A list.
            [items 2]
            pub tags: Vec<String>,
        }
    }

    #[test]
    fn limits_written_once_bind_the_validator_and_the_schema() {
        let ok = Limited {
            name: "王秀英".into(),
            note: None,
            tags: vec![],
        };
        assert!(ok.validate().is_ok());
        let long = Limited {
            name: "王秀英王秀英".into(),
            note: Some("四个字啊".into()),
            tags: vec!["a".into(), "b".into(), "c".into()],
        };
        let errors = long.validate().unwrap_err();
        let fields = errors.field_errors();
        assert!(fields.contains_key("name") && fields.contains_key("note"));
        assert!(fields.contains_key("tags"));
        let schema = serde_json::to_value(<Limited as utoipa::PartialSchema>::schema()).unwrap();
        let properties = &schema["properties"];
        assert_eq!(properties["name"]["minLength"], 2);
        assert_eq!(properties["name"]["maxLength"], 5);
        assert_eq!(properties["note"]["maxLength"], 3);
        assert_eq!(properties["note"]["example"], "注");
        assert_eq!(properties["tags"]["maxItems"], 2);
        // `note` is optional for both.
        assert_eq!(schema["required"], serde_json::json!(["name", "tags"]));
    }

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        for key in ["141125", "2026-11-28T10:00:00.000001Z|0b5e…", ""] {
            assert_eq!(decode_cursor(&encode_cursor(key)).unwrap(), key);
        }
        for bad in ["", "c1z", "c1abc", "x1ab", "c1AB", "c1é0"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_page_says_whether_more_follow() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| n.to_string(), Ok).unwrap();
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(
            decode_cursor(page.next_cursor.as_deref().unwrap()).unwrap(),
            "2"
        );
        let last = Page::from_rows(vec![1, 2], 2, |n| n.to_string(), Ok).unwrap();
        assert_eq!(last.next_cursor, None);
    }
}
