//! Reference data everyone may read: the counties of Lüliang.

use crate::db::{self, AnyConnection};
use crate::error::AppError;

/// A page of the 13 counties, in code order.
pub fn counties(
    conn: &mut AnyConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<db::counties::County>, AppError> {
    Ok(db::counties::list(conn, after, limit)?)
}
