//! Offline sync over HTTP: `GET /sync/pull` reads the change feed after a cursor, `POST
//! /sync/push` applies a device's queued operations. What each kind of record looks like and
//! which operations a push may carry come from the resources' own modules ([`SyncKind`],
//! collected in `routes.rs`), so a pushed operation runs exactly what its endpoint runs.

use actix_web::{HttpResponse, ResponseError, get, post, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::api::{SyncContext, SyncKind, SyncOp};
use crate::auth::{AuthUser, SigningKey};
use crate::db::{AnyConnection, Db};
use crate::domain::rules::Rules;
use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::extract::{Json, Query};
use crate::service::sync::{self, Kind};

/// Every kind offline sync carries, as its resource's module declares it.
pub struct SyncKinds(pub Vec<SyncKind>);

impl SyncKinds {
    fn of(&self, kind: Kind) -> Option<&SyncKind> {
        self.0.iter().find(|k| k.kind == kind)
    }
}

/// The changes a pull answers when the client names no limit.
pub const DEFAULT_PULL: i64 = 100;
/// The largest push body, in bytes (other endpoints keep 1 MiB).
pub const MAX_PUSH_BYTES: usize = 5 * 1024 * 1024;

/// `?cursor=&limit=&device_id=` of a pull.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullParams {
    /// The `next_cursor` of the previous pull; absent for a first sync (a snapshot of
    /// everything in scope).
    #[validate(length(max = 2048))]
    #[param(max_length = 2048)]
    pub cursor: Option<String>,
    /// How many changes to answer, 1 to 500 (default 100).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500, default = 100)]
    pub limit: Option<i64>,
    /// The device pulling: records its own pushes answered are not sent back to it.
    #[validate(length(min = 1, max = 100))]
    #[param(min_length = 1, max_length = 100)]
    pub device_id: Option<String>,
}

/// What happened to a record.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeAction {
    /// The record as it is now: store it.
    Put,
    /// The record is gone: remove it.
    Delete,
    /// The record is no longer yours to see (it moved out of your counties): remove it.
    Revoke,
}

/// One change: the record's kind and id, what happened, and for `put` the record in the shape
/// its resource's `GET` answers. The document lists one shape per kind (`oneOf`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncChange {
    /// The kind of record.
    pub kind: String,
    /// The record's id (an attendance day's is the UUID v5 of its date in its cohort's id).
    pub id: String,
    /// What happened.
    pub action: ChangeAction,
    /// The record, for `put` (a trainee without `employment`, which is judged for today).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub record: Option<Value>,
}

/// One page of changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct PullResponse {
    /// The changes, in commit order, one per record.
    pub changes: Vec<SyncChange>,
    /// Pass as `cursor` to the next pull (also when `has_more` is false: it is where you are).
    pub next_cursor: String,
    /// Whether more changes follow already: pull again at once.
    pub has_more: bool,
}

/// How a push applies its operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushMode {
    /// Each operation on its own: a refused one is reported, the others applied.
    Object,
    /// All or none: the first refused operation rolls back every other (answered 424).
    Atomic,
}

/// One queued operation: what its endpoint takes, with the record's id beside it.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushOperation {
    /// The device's id for the operation: the same `(device_id, op_id)` again answers its first
    /// result and changes nothing.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub op_id: String,
    /// The kind of record (`trainee`, `enrolment`, `attendance_day`, `placement`, …).
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub kind: String,
    /// What to do (`create`, `update`, `complete`, `put`, `confirm`, …).
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub action: String,
    /// The record's id: a new record's, chosen by the device; for an attendance day the UUID
    /// v5 of its date (`YYYY-MM-DD`) in its cohort's id.
    pub id: Uuid,
    /// For `update`: the version the change is based on (its `If-Match`). A stale one answers
    /// 409 with the current record.
    #[validate(range(min = 1))]
    #[schema(minimum = 1, maximum = 2147483647)]
    pub base_version: Option<i32>,
    /// The body the operation's endpoint takes, with the ids its path would carry.
    #[schema(value_type = Object)]
    #[serde(default)]
    pub body: Value,
}

/// A batch of queued operations from one device.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushBody {
    /// The device (an id the app makes once, at install).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub device_id: String,
    /// `object` (the default) or `atomic`.
    pub mode: Option<PushMode>,
    /// The operations, in the order they were made; at most 500.
    #[validate(length(max = 500), nested)]
    #[schema(max_items = 500)]
    pub ops: Vec<PushOperation>,
}

/// What one operation answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpResult {
    /// The operation's id.
    pub op_id: String,
    /// The status its endpoint would answer: 201, 200, 404, 409, 422, … (424: not applied,
    /// another operation of an atomic push was refused).
    pub status: u16,
    /// The record as stored (and, with a 409 for a stale `base_version`, as it is now).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub record: Option<Value>,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Problem>)]
    pub problem: Option<Value>,
    /// Whether this is the answer stored for the operation when it was first sent.
    pub replayed: bool,
}

/// A push's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushResponse {
    /// One result per operation, in order.
    pub results: Vec<OpResult>,
    /// The feed position that includes the push.
    pub position: i64,
}

/// What a cursor carries, signed so it cannot be forged.
#[derive(Debug, Serialize, Deserialize)]
struct CursorClaims {
    /// Always `sync`: no other signed token passes for a cursor.
    typ: String,
    /// The account it was issued to.
    sub: String,
    /// A digest of what the account could read then.
    scope: String,
    /// The last position read.
    after: i64,
    /// The head when the reader started from nothing.
    snap: i64,
}

fn read_cursor(
    key: &SigningKey,
    caller: &crate::access::Caller,
    text: &str,
) -> Result<sync::Position, AppError> {
    let forged = || AppError::Malformed("The cursor is not one this service issued".into());
    let claims: CursorClaims = key.read_signed(text).ok_or_else(forged)?;
    if claims.typ != "sync" || claims.sub != caller.id {
        return Err(forged());
    }
    if claims.scope != sync::scope_digest(caller) {
        return Err(AppError::Gone(
            "What you may read has changed since this cursor (your counties, your role): \
             start again without a cursor"
                .into(),
        ));
    }
    Ok(sync::Position {
        after: claims.after,
        snapshot_until: claims.snap,
    })
}

fn issue_cursor(
    key: &SigningKey,
    caller: &crate::access::Caller,
    at: sync::Position,
) -> Result<String, AppError> {
    key.sign(&CursorClaims {
        typ: "sync".into(),
        sub: caller.id.clone(),
        scope: sync::scope_digest(caller),
        after: at.after,
        snap: at.snapshot_until,
    })
}

/// The id a client knows a record by: an attendance day's is derived from its cohort and day.
fn public_id(kind: Kind, feed_id: &str) -> String {
    if kind == Kind::AttendanceDay
        && let Some((cohort, day)) = feed_id.split_once('/')
        && let Ok(cohort) = cohort.parse::<Uuid>()
    {
        return super::sync_day_id(cohort, day).to_string();
    }
    feed_id.to_owned()
}

/// The changes after `cursor`, in commit order, within the caller's scope: each record as its
/// resource's `GET` answers it (`put`), or a tombstone (`delete`; `revoke` when it left the
/// caller's scope). Without a cursor, a snapshot of everything in scope, paged the same way.
/// 410: start again without a cursor (the cursor is older than the feed keeps, or the
/// caller's counties changed since).
#[utoipa::path(
    tag = "sync",
    operation_id = "pull_changes",
    params(PullParams),
    responses(
        (status = 200, description = "One page of changes (gzip or brotli with Accept-Encoding)",
            body = PullResponse),
        (status = 400, description = "The cursor is not one this service issued", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 410, description = "Start again without a cursor", body = Problem,
            content_type = PROBLEM_JSON),
        (status = 422, response = crate::openapi::Invalid),
    )
)]
#[get("/pull")]
pub async fn pull_changes(
    db: web::Data<Db>,
    kinds: web::Data<SyncKinds>,
    key: web::Data<SigningKey>,
    rules: Rules,
    caller: AuthUser,
    Query(params): Query<PullParams>,
) -> Result<HttpResponse, AppError> {
    let from = params
        .cursor
        .as_deref()
        .map(|c| read_cursor(&key, &caller, c))
        .transpose()?;
    let limit = params.limit.unwrap_or(DEFAULT_PULL);
    let device = params.device_id;
    let ctx = SyncContext { caller, rules };
    let (ctx, pulled) = db
        .run(move |conn| {
            let mut load = |c: &mut AnyConnection, kind: Kind, id: &str| match kinds.of(kind) {
                Some(entry) => (entry.load)(c, &ctx, id),
                None => Ok(None),
            };
            let pulled = sync::pull(conn, &ctx.caller, from, device.as_deref(), limit, &mut load)?;
            Ok((ctx, pulled))
        })
        .await?;
    let changes = pulled
        .changes
        .into_iter()
        .map(|change| SyncChange {
            kind: change.kind.as_str().to_owned(),
            id: public_id(change.kind, &change.id),
            action: match change.action {
                sync::Action::Put => ChangeAction::Put,
                sync::Action::Delete => ChangeAction::Delete,
                sync::Action::Revoke => ChangeAction::Revoke,
            },
            record: change.record,
        })
        .collect();
    Ok(HttpResponse::Ok().json(PullResponse {
        changes,
        next_cursor: issue_cursor(&key, &ctx.caller, pulled.next)?,
        has_more: pulled.has_more,
    }))
}

/// Applies a device's queued operations, at most 500, in order: each through the same service
/// function as its endpoint (same rules, audit and derived data). `object` mode (the default)
/// applies each on its own, in its own transaction, and answers a result per operation (after a
/// 503, send the push again: what was applied answers as stored); `atomic` applies all or none,
/// in one transaction. The same `(device_id, op_id)` again answers its first result. The body may be
/// gzip-compressed (`Content-Encoding: gzip`) and up to 5 MiB.
#[utoipa::path(
    tag = "sync",
    operation_id = "push_changes",
    request_body = PushBody,
    responses(
        (status = 200, description = "A result per operation", body = PushResponse),
        (status = 400, response = crate::openapi::Malformed),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 413, description = "Over 5 MiB", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, description = "The batch is invalid (over 500 operations, no device)",
            body = Problem, content_type = PROBLEM_JSON),
        (status = 503, description = "The database is busy or unreachable: send the same push again",
            body = Problem, content_type = PROBLEM_JSON),
    )
)]
#[post("/push")]
pub async fn push_changes(
    db: web::Data<Db>,
    kinds: web::Data<SyncKinds>,
    rules: Rules,
    caller: AuthUser,
    Json(body): Json<PushBody>,
) -> Result<HttpResponse, AppError> {
    let mut seen = std::collections::HashSet::new();
    if let Some(i) = body
        .ops
        .iter()
        .position(|op| !seen.insert(op.op_id.as_str()))
    {
        return Err(AppError::field(
            format!("ops[{i}].op_id"),
            "duplicate",
            "is the op_id of an earlier operation of this push",
        ));
    }
    let atomic = body.mode == Some(PushMode::Atomic);
    let device = body.device_id;
    let ops: Vec<sync::Op> = body
        .ops
        .into_iter()
        .map(|op| sync::Op {
            op_id: op.op_id,
            kind: op.kind,
            action: op.action,
            id: op.id.to_string(),
            base_version: op.base_version,
            body: op.body,
        })
        .collect();
    let ctx = SyncContext { caller, rules };
    let (ops, pushed) = db
        .run(move |conn| {
            let mut apply = |c: &mut AnyConnection, op: &sync::Op| apply(c, &ctx, &kinds, op);
            let mut pushed = sync::push(conn, &ctx.caller, &device, atomic, &ops, &mut apply)?;
            // A replayed answer's record, and the current record of a stale version, as they are
            // now: what was stored or read then may be older than what the device has since
            // pulled, or (in an atomic push) rolled back.
            for ((answer, replayed), op) in pushed.answers.iter_mut().zip(&ops) {
                if (*replayed || answer.status == 409)
                    && let Some(record) = answer.body.get_mut("record")
                    && !record.is_null()
                    && let Some(kind) = Kind::parse(&op.kind)
                    && let Some(entry) = kinds.of(kind)
                {
                    let feed_id = feed_id(kind, &op.id, record);
                    *record = (entry.load)(conn, &ctx, &feed_id)?.unwrap_or(Value::Null);
                }
            }
            Ok((ops, pushed))
        })
        .await?;
    let results = ops
        .into_iter()
        .zip(pushed.answers)
        .map(|(op, (answer, replayed))| {
            let mut body = answer.body;
            OpResult {
                op_id: op.op_id,
                status: answer.status,
                record: body.get_mut("record").map(Value::take),
                problem: body.get_mut("problem").map(Value::take),
                replayed,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(PushResponse {
        results,
        position: pushed.position,
    }))
}

/// Applies one operation through its resource's module; a refusal becomes its answer.
fn apply(
    conn: &mut AnyConnection,
    ctx: &SyncContext,
    kinds: &SyncKinds,
    op: &sync::Op,
) -> Result<sync::Answer, AppError> {
    let refused = |error: AppError| -> Result<sync::Answer, AppError> {
        if error.status_code().is_server_error() {
            return Err(error);
        }
        Ok(sync::Answer {
            status: error.status_code().as_u16(),
            body: json!({"problem": error.problem()}),
            record: None,
        })
    };
    let Some(kind) = Kind::parse(&op.kind) else {
        return refused(AppError::field(
            "kind",
            "unknown",
            "is not a kind a push carries",
        ));
    };
    let entry = kinds.of(kind);
    let Some(action) = entry.and_then(|e| e.actions.iter().find(|a| a.name == op.action)) else {
        return refused(AppError::field(
            "action",
            "unknown",
            format!("is not an action a push carries for {}", op.kind),
        ));
    };
    let body = match &op.body {
        Value::Object(map) => map.clone(),
        Value::Null => serde_json::Map::new(),
        _ => {
            return refused(AppError::field(
                "body",
                "invalid_type",
                "must be a JSON object",
            ));
        }
    };
    let id: Uuid = op.id.parse().map_err(AppError::internal)?;
    let input = SyncOp {
        id,
        base_version: op.base_version,
        body,
    };
    match (action.apply)(conn, ctx, input) {
        Ok(applied) => {
            let feed_id = feed_id(kind, &op.id, &applied.record);
            Ok(sync::Answer {
                status: if applied.created { 201 } else { 200 },
                body: json!({"record": applied.record}),
                record: Some((kind, feed_id)),
            })
        }
        // A change based on a version no longer current: the current record comes with it,
        // for the device to show and merge. Never a silent overwrite.
        Err(AppError::PreconditionFailed) => {
            let current = match entry {
                Some(entry) => (entry.load)(conn, ctx, &op.id)?,
                None => None,
            };
            let error = AppError::conflict(
                "base_version is not the current version: the record comes with this answer",
            );
            Ok(sync::Answer {
                status: 409,
                body: json!({"problem": error.problem(), "record": current}),
                record: None,
            })
        }
        Err(error) => refused(error),
    }
}

/// The feed's id of the record an operation on `id` answered: an attendance day's is its
/// cohort's and its date.
fn feed_id(kind: Kind, id: &str, record: &Value) -> String {
    let day = record["date"].as_str().and_then(|d| d.parse().ok());
    match (kind, record["cohort_id"].as_str(), day) {
        (Kind::AttendanceDay, Some(cohort), Some(day)) => sync::attendance_day_key(cohort, day),
        _ => id.to_owned(),
    }
}

/// Adds to the document the shapes of a change and of an operation, one per kind (`oneOf`),
/// as the resources' modules declare them.
pub fn document(doc: &mut utoipa::openapi::OpenApi, kinds: &[SyncKind]) {
    let components = doc.components.get_or_insert_with(Default::default);
    let mut changes = OneOfBuilder::new().description(Some(
        "One change: `put` carries the record as its resource's GET answers it; `delete` and \
         `revoke` carry none (remove the record).",
    ));
    let mut operations = OneOfBuilder::new().description(Some(
        "One operation: `body` is what its endpoint takes, with the ids its path would carry.",
    ));
    for entry in kinds {
        let kind = entry.kind.as_str();
        let change = ObjectBuilder::new()
            .property(
                "kind",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([kind])),
            )
            .required("kind")
            .property("id", ObjectBuilder::new().schema_type(Type::String))
            .required("id")
            .property(
                "action",
                RefOr::Ref(utoipa::openapi::Ref::from_schema_name("ChangeAction")),
            )
            .required("action")
            .property(
                "record",
                RefOr::Ref(utoipa::openapi::Ref::from_schema_name(entry.schema)),
            );
        changes = changes.item(Schema::Object(change.build()));
        for action in entry.actions {
            let mut description = format!("`{kind}` `{}`", action.name);
            if !action.body.is_empty() {
                description.push_str(&format!(": the body of {}", action.body));
            }
            if !action.path_ids.is_empty() {
                description.push_str(&format!(", with {}", action.path_ids.join(", ")));
            }
            // The body as its endpoint takes it; with the path's ids added it is an object
            // described in words (the endpoint's schema admits no other field).
            let body: RefOr<Schema> = if action.body.is_empty() || !action.path_ids.is_empty() {
                let mut object = ObjectBuilder::new().schema_type(Type::Object);
                for id in action.path_ids {
                    object = object
                        .property(*id, ObjectBuilder::new().schema_type(Type::String))
                        .required(*id);
                }
                Schema::Object(object.build()).into()
            } else {
                RefOr::Ref(utoipa::openapi::Ref::from_schema_name(action.body))
            };
            let operation = ObjectBuilder::new()
                .description(Some(description))
                .property(
                    "op_id",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(100)),
                )
                .required("op_id")
                .property(
                    "kind",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some([kind])),
                )
                .required("kind")
                .property(
                    "action",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some([action.name])),
                )
                .required("action")
                .property(
                    "id",
                    ObjectBuilder::new().schema_type(Type::String).format(Some(
                        utoipa::openapi::SchemaFormat::KnownFormat(
                            utoipa::openapi::KnownFormat::Uuid,
                        ),
                    )),
                )
                .required("id")
                .property(
                    "base_version",
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1))
                        .maximum(Some(i32::MAX)),
                )
                .property("body", body)
                .additional_properties(Some(AdditionalProperties::FreeForm(false)));
            operations = operations.item(Schema::Object(operation.build()));
        }
    }
    components
        .schemas
        .insert("SyncChange".into(), Schema::OneOf(changes.build()).into());
    components.schemas.insert(
        "PushOperation".into(),
        Schema::OneOf(operations.build()).into(),
    );
}
