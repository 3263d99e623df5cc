//! Request extractors that answer bad input with a problem naming the field.
//!
//! [`Json`] and [`Query`] deserialise with the failing field's path kept and then run the
//! type's `validator` rules; every failure becomes an [`AppError`], so the client always gets
//! problem+json with `errors: [{field, code, message}]`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::{AppError, FieldError};

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A larger body limit for a scope (`web::PayloadConfig` enforces it; this names it in the
/// 413 answer).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body, deserialised and validated.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok())
            .is_some_and(|m| {
                m.type_() == mime::APPLICATION
                    && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
            });
        let limit = req
            .app_data::<BodyLimit>()
            .map_or(MAX_BODY_BYTES, |limit| limit.0);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body.await.map_err(|e| {
                if e.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    AppError::PayloadTooLarge(limit)
                } else {
                    AppError::Malformed(format!("The body could not be read: {e}"))
                }
            })?;
            // An empty body is missing, whatever its declared type; a non-empty one must be JSON.
            if !is_json && !bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(AppError::UnsupportedMediaType("application/json".into()));
            }
            let value: T = parse_json(&bytes)?;
            value.validate()?;
            Ok(Json(value))
        })
    }
}

/// Deserialises a JSON document, naming the field that fails.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::Malformed(
            "The body is empty; send a JSON object".into(),
        ));
    }
    // Every request body is an object; serde would also read a struct from an array.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        let parsed: Result<serde_json::Value, _> = serde_json::from_slice(bytes);
        return Err(match parsed {
            Ok(_) => AppError::field("body", "invalid_type", "must be a JSON object"),
            Err(e) => AppError::Malformed(format!("The body is not valid JSON: {e}")),
        });
    }
    // PostgreSQL text cannot hold NUL (SQLite can): refuse it on both, naming the field.
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(field) = nul_path(&value, "")
    {
        return Err(nul_error(field));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => value,
        // A whole number written with a fraction of zero (`30.0`) is an integer to JSON Schema
        // and to the OpenAPI document: read it as one.
        Err(e)
            if e.inner()
                .to_string()
                .contains("invalid type: floating point") =>
        {
            let whole = serde_json::from_slice::<serde_json::Value>(bytes)
                .map(whole_numbers)
                .map_err(|e| AppError::Malformed(format!("The body is not valid JSON: {e}")))?;
            return serde_path_to_error::deserialize(whole).map_err(|e| {
                let path = e.path().to_string();
                AppError::Validation(vec![serde_field_error(&path, &e.into_inner().to_string())])
            });
        }
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            return Err(match inner.classify() {
                serde_json::error::Category::Data => {
                    AppError::Validation(vec![serde_field_error(&path, &inner.to_string())])
                }
                _ => AppError::Malformed(format!("The body is not valid JSON: {inner}")),
            });
        }
    };
    de.end()
        .map_err(|e| AppError::Malformed(format!("The body is not valid JSON: {e}")))?;
    Ok(value)
}

/// The document with every number that is a whole number written with a fraction (`30.0`)
/// written as an integer.
fn whole_numbers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            let whole = (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64);
            Value::Number(whole.map_or(n, serde_json::Number::from))
        }
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k, whole_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

fn nul_error(field: String) -> AppError {
    let field = if field.is_empty() {
        "body".to_owned()
    } else {
        field
    };
    AppError::field(
        field,
        "invalid_character",
        "must not contain the NUL character",
    )
}

/// The path of the first string (or key) holding a NUL character.
fn nul_path(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    let join = |name: &str| {
        if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(path.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(join(&key.replace('\0', "")))
            } else {
                nul_path(item, &join(key))
            }
        }),
        _ => None,
    }
}

/// Query parameters, deserialised and validated.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + Validate> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// Deserialises a query string, naming the parameter that fails.
pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> Result<T, AppError> {
    if let Some((key, _)) =
        form_urlencoded::parse(query.as_bytes()).find(|(k, v)| k.contains('\0') || v.contains('\0'))
    {
        // A cursor is a token of ours, not text a person typed: one with NUL in it is broken.
        if key == "cursor" {
            return Err(AppError::Malformed(
                "The cursor is not one this service issued".into(),
            ));
        }
        return Err(nul_error(key.replace('\0', "")));
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        AppError::Validation(vec![serde_field_error(&path, &message)])
    })?;
    value.validate()?;
    Ok(value)
}

/// Turns serde's sentence into a field error: the field from the path (or, for a missing or
/// unknown field, from the sentence) and a stable code.
fn serde_field_error(path: &str, message: &str) -> FieldError {
    // serde_json ends its messages with the position; the field says more than that.
    let message = message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at]);
    let path = if path == "." { "" } else { path };
    let quoted = || {
        message
            .split('`')
            .nth(1)
            .map(|name| join_path(path, name))
            .unwrap_or_else(|| path.to_owned())
    };
    let (field, code) = if message.starts_with("missing field") {
        (quoted(), "required")
    } else if message.starts_with("unknown field") {
        let field = quoted();
        (field, "unknown_field")
    } else if message.starts_with("invalid type") {
        (path.to_owned(), "invalid_type")
    } else if message.starts_with("unknown variant") {
        (path.to_owned(), "invalid_choice")
    } else if message.starts_with("unknown county") {
        (path.to_owned(), "unknown_county")
    } else {
        (path.to_owned(), "invalid")
    };
    let field = if field.is_empty() {
        "body".to_owned()
    } else {
        field
    };
    FieldError::new(field, code, message)
}

fn join_path(path: &str, name: &str) -> String {
    if path.is_empty() || path.ends_with(name) {
        if path.is_empty() {
            name.to_owned()
        } else {
            path.to_owned()
        }
    } else {
        format!("{path}.{name}")
    }
}

/// Answers a path segment that does not parse (a malformed id) with problem+json.
pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    AppError::Malformed(format!("A path segment is malformed: {err}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        #[validate(range(min = 1, max = 10))]
        count: u32,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        flag: bool,
    }

    fn field_of(result: Result<Body, AppError>) -> (String, String) {
        match result {
            Err(AppError::Validation(errors)) => (errors[0].field.clone(), errors[0].code.clone()),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn names_the_field_of_each_kind_of_data_error() {
        let cases = [
            (r#"{"name": 1, "count": 1}"#, ("name", "invalid_type")),
            (r#"{"count": 1}"#, ("name", "required")),
            (
                r#"{"name": "a", "count": 1, "role": "admin"}"#,
                ("role", "unknown_field"),
            ),
            (
                r#"{"name": "a", "count": 1, "inner": {"flag": "yes"}}"#,
                ("inner.flag", "invalid_type"),
            ),
            (
                r#"{"name": "a", "count": 1, "inner": {"flag": true, "x": 1}}"#,
                ("inner.x", "unknown_field"),
            ),
            (r#"{"name": "a", "count": -1}"#, ("count", "invalid")),
        ];
        for (body, (field, code)) in cases {
            let got = field_of(parse_json::<Body>(body.as_bytes()));
            assert_eq!(got, (field.to_owned(), code.to_owned()), "{body}");
        }
    }

    #[test]
    fn syntax_errors_and_empty_bodies_are_malformed() {
        for body in [
            "{",
            "",
            "  ",
            r#"{"name": "a", "count": 1"#,
            r#"{"name": "a", "count": 1} x"#,
        ] {
            assert!(
                matches!(
                    parse_json::<Body>(body.as_bytes()),
                    Err(AppError::Malformed(_))
                ),
                "{body:?}"
            );
        }
    }

    #[derive(Debug, Deserialize, Validate)]
    #[allow(dead_code)]
    struct Params {
        #[validate(range(min = 1, max = 200))]
        limit: Option<i64>,
    }

    #[test]
    fn nul_characters_are_refused_naming_the_field() {
        let body = r#"{"name": "a\u0000b", "count": 1}"#;
        match parse_json::<Body>(body.as_bytes()) {
            Err(AppError::Validation(errors)) => {
                assert_eq!(
                    (errors[0].field.as_str(), errors[0].code.as_str()),
                    ("name", "invalid_character")
                )
            }
            other => panic!("{other:?}"),
        }
        match parse_query::<Params>("limit=5&q=%00") {
            Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, "q"),
            other => panic!("{other:?}"),
        }
        // A cursor is a token: broken, not invalid text.
        assert!(matches!(
            parse_query::<Params>("limit=5&cursor=%00"),
            Err(AppError::Malformed(_))
        ));
    }

    #[test]
    fn query_errors_name_the_parameter() {
        for query in ["limit=abc", "limit=0", "limit=201"] {
            match parse_query::<Params>(query) {
                Err(AppError::Validation(errors)) => {
                    assert_eq!(errors[0].field, "limit", "{query}")
                }
                other => panic!("{query}: {other:?}"),
            }
        }
        assert_eq!(parse_query::<Params>("limit=200").unwrap().limit, Some(200));
    }
}
