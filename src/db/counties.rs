//! The counties reference table.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::counties;

/// One county row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = counties)]
pub struct County {
    /// GB/T 2260 code, e.g. `141125`.
    pub code: String,
    /// Chinese name, e.g. `柳林县`.
    pub name: String,
}

/// Up to `limit` counties whose code sorts after `after`, in code order.
pub fn list(conn: &mut AnyConnection, after: Option<&str>, limit: i64) -> QueryResult<Vec<County>> {
    let mut query = counties::table
        .select(County::as_select())
        .order(counties::code)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(counties::code.gt(after.to_owned()));
    }
    query.load(conn)
}
