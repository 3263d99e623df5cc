//! The HTTP resources: one file each, with their handlers and request and response bodies.

pub mod counties;
pub mod service;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::error::AppError;

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
    #[param(max_length = 512)]
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
    /// another page follows, and `key` of the last item returned becomes the cursor.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> String,
        map: impl Fn(R) -> T,
    ) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(&key(r)))
        } else {
            None
        };
        Self {
            items: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }
}

/// Cursors are opaque to clients: the sort key, hex-encoded behind a version prefix.
fn encode_cursor(key: &str) -> String {
    let mut out = String::from("c1");
    for byte in key.as_bytes() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

fn decode_cursor(cursor: &str) -> Result<String, AppError> {
    let invalid = || AppError::field("cursor", "invalid", "is not a cursor this API gave out");
    let hex = cursor.strip_prefix("c1").ok_or_else(invalid)?;
    if hex.len() % 2 != 0 || hex.len() > 510 {
        return Err(invalid());
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(hex.get(i..i + 2).ok_or_else(invalid)?, 16).map_err(|_| invalid())
        })
        .collect::<Result<Vec<u8>, _>>()?;
    String::from_utf8(bytes).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        for key in ["141125", "2026-11-28T10:00:00.000001Z|0b5e…", ""] {
            assert_eq!(decode_cursor(&encode_cursor(key)).unwrap(), key);
        }
        for bad in ["", "c1z", "c1abc", "x1ab", "c1ff", "c1é0"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_page_says_whether_more_follow() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| n.to_string(), |n| n);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(
            decode_cursor(page.next_cursor.as_deref().unwrap()).unwrap(),
            "2"
        );
        let last = Page::from_rows(vec![1, 2], 2, |n| n.to_string(), |n| n);
        assert_eq!(last.next_cursor, None);
    }
}
