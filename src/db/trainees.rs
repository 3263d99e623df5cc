//! The trainee register. Every read takes the caller's counties and filters by them in SQL.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{enrolments, trainee_categories, trainees};

/// One trainee row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = trainees)]
pub struct Trainee {
    /// UUID.
    pub id: String,
    /// Real name.
    pub name: String,
    /// Resident identity number (unique).
    pub id_number: String,
    /// `male` or `female`, from the identity number.
    pub sex: String,
    /// From the identity number.
    pub birth_date: NaiveDate,
    /// Mobile number, normalised.
    pub phone: Option<String>,
    /// County of residence.
    pub county_code: String,
    /// Township.
    pub township: Option<String>,
    /// Highest education.
    pub education: Option<String>,
    /// Whether that education was in care work.
    pub education_in_care: bool,
    /// Declared months of care work before the programme.
    pub prior_care_work_months: i32,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// When registered.
    pub created_at: NaiveDateTime,
    /// When last changed.
    pub updated_at: NaiveDateTime,
}

/// Changes to a trainee; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = trainees)]
pub struct TraineeChanges {
    /// Real name.
    pub name: Option<String>,
    /// Corrected identity number.
    pub id_number: Option<String>,
    /// Re-derived with the number.
    pub sex: Option<String>,
    /// Re-derived with the number.
    pub birth_date: Option<NaiveDate>,
    /// Mobile number.
    pub phone: Option<String>,
    /// County.
    pub county_code: Option<String>,
    /// Township.
    pub township: Option<String>,
    /// Education.
    pub education: Option<String>,
    /// Education in care work.
    pub education_in_care: Option<bool>,
    /// Prior care work.
    pub prior_care_work_months: Option<i32>,
}

/// A trainee with their categories.
#[derive(Debug, Clone)]
pub struct TraineeWithCategories {
    /// The row.
    pub trainee: Trainee,
    /// Category names, sorted.
    pub categories: Vec<String>,
}

/// Which trainees a caller may see: all, or those of some counties.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Administrators.
    All,
    /// Managers and field staff.
    Counties(Vec<String>),
}

/// Stores a trainee and their categories.
pub fn insert(
    conn: &mut AnyConnection,
    trainee: &Trainee,
    categories: &[String],
) -> QueryResult<()> {
    diesel::insert_into(trainees::table)
        .values(trainee)
        .execute(conn)?;
    set_categories(conn, &trainee.id, categories)
}

/// Replaces the categories of a trainee.
pub fn set_categories(
    conn: &mut AnyConnection,
    trainee_id: &str,
    categories: &[String],
) -> QueryResult<()> {
    diesel::delete(trainee_categories::table.filter(trainee_categories::trainee_id.eq(trainee_id)))
        .execute(conn)?;
    // One row at a time: the multi-backend compiles no multi-row insert; there are at most 11.
    for category in categories {
        diesel::insert_into(trainee_categories::table)
            .values((
                trainee_categories::trainee_id.eq(trainee_id),
                trainee_categories::category.eq(category),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// One trainee, if it exists within `scope`, with its categories in the same query.
pub fn find(
    conn: &mut AnyConnection,
    id: &str,
    scope: &Scope,
) -> QueryResult<Option<TraineeWithCategories>> {
    let mut query = trainees::table
        .left_join(trainee_categories::table)
        .filter(trainees::id.eq(id.to_owned()))
        .order(trainee_categories::category)
        .select((
            Trainee::as_select(),
            trainee_categories::category.nullable(),
        ))
        .into_boxed();
    if let Scope::Counties(codes) = scope {
        query = query.filter(trainees::county_code.eq_any(codes.clone()));
    }
    let rows: Vec<(Trainee, Option<String>)> = query.load(conn)?;
    let mut rows = rows.into_iter();
    let Some((trainee, first)) = rows.next() else {
        return Ok(None);
    };
    let categories = first
        .into_iter()
        .chain(rows.filter_map(|(_, c)| c))
        .collect();
    Ok(Some(TraineeWithCategories {
        trainee,
        categories,
    }))
}

/// The id of the trainee holding `id_number`, in any county: one person, one record.
pub fn id_of_number(conn: &mut AnyConnection, id_number: &str) -> QueryResult<Option<String>> {
    trainees::table
        .filter(trainees::id_number.eq(id_number))
        .select(trainees::id)
        .first(conn)
        .optional()
}

/// What a list is filtered by.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The caller's scope.
    pub scope: Scope,
    /// One county.
    pub county: Option<String>,
    /// One category.
    pub category: Option<String>,
    /// Names starting with this.
    pub name_prefix: Option<String>,
    /// This mobile number.
    pub phone: Option<String>,
    /// This identity number.
    pub id_number: Option<String>,
    /// Enrolled in this cohort.
    pub cohort: Option<String>,
    /// Changed at or after.
    pub since: Option<NaiveDateTime>,
}

/// Where a page of a list starts: after a `(updated_at, id)` for the register in the order it
/// changed, after a `(name, id)` for a search by name.
#[derive(Debug, Clone)]
pub enum After {
    /// In change order.
    Changed(NaiveDateTime, String),
    /// In name order.
    Named(String, String),
}

/// Up to `limit` trainees after `after`: in name order (`name`, `id`) for a search by name,
/// which the name index answers as a range, else in the order they changed
/// (`updated_at`, `id`).
pub fn list(
    conn: &mut AnyConnection,
    filter: &Filter,
    after: Option<After>,
    limit: i64,
) -> QueryResult<Vec<TraineeWithCategories>> {
    let mut query = trainees::table
        .select(Trainee::as_select())
        .limit(limit)
        .into_boxed();
    query = if filter.name_prefix.is_some() {
        query.order((trainees::name, trainees::id))
    } else {
        query.order((trainees::updated_at, trainees::id))
    };
    if let Scope::Counties(codes) = &filter.scope {
        query = query.filter(trainees::county_code.eq_any(codes.clone()));
    }
    if let Some(county) = &filter.county {
        query = query.filter(trainees::county_code.eq(county.clone()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(
            trainees::id.eq_any(
                trainee_categories::table
                    .filter(trainee_categories::category.eq(category.clone()))
                    .select(trainee_categories::trainee_id),
            ),
        );
    }
    if let Some(prefix) = &filter.name_prefix {
        // A prefix as a range, `prefix <= name < successor`: in code-point order (SQLite's
        // BINARY, PostgreSQL's "C" collation of this column) it holds exactly the names that
        // start with the prefix, and unlike `LIKE $1` a prepared statement's generic plan can
        // still scan the name index for it.
        query = query.filter(trainees::name.ge(prefix.clone()));
        if let Some(successor) = successor(prefix) {
            query = query.filter(trainees::name.lt(successor));
        }
    }
    if let Some(phone) = &filter.phone {
        query = query.filter(trainees::phone.eq(phone.clone()));
    }
    if let Some(id_number) = &filter.id_number {
        query = query.filter(trainees::id_number.eq(id_number.clone()));
    }
    if let Some(cohort) = &filter.cohort {
        query = query.filter(
            trainees::id.eq_any(
                enrolments::table
                    .filter(enrolments::cohort_id.eq(cohort.clone()))
                    .select(enrolments::trainee_id),
            ),
        );
    }
    if let Some(since) = filter.since {
        query = query.filter(trainees::updated_at.ge(since));
    }
    match after {
        Some(After::Changed(at, id)) => {
            query = query.filter(
                trainees::updated_at
                    .gt(at)
                    .or(trainees::updated_at.eq(at).and(trainees::id.gt(id))),
            );
        }
        Some(After::Named(name, id)) => {
            query = query.filter(
                trainees::name
                    .gt(name.clone())
                    .or(trainees::name.eq(name).and(trainees::id.gt(id))),
            );
        }
        None => {}
    }
    let rows = query.load(conn)?;
    with_categories(conn, rows)
}

/// The first string after every string that starts with `prefix`: its last character moved one
/// code point on (past the surrogates); `None` when there is none (an empty prefix, or one that
/// ends in the last code point).
fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    let last = chars.pop()?;
    let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32)?;
    chars.push(next);
    Some(chars.into_iter().collect())
}

fn with_categories(
    conn: &mut AnyConnection,
    rows: Vec<Trainee>,
) -> QueryResult<Vec<TraineeWithCategories>> {
    let ids: Vec<&str> = rows.iter().map(|t| t.id.as_str()).collect();
    let pairs: Vec<(String, String)> = trainee_categories::table
        .filter(trainee_categories::trainee_id.eq_any(ids))
        .order((trainee_categories::trainee_id, trainee_categories::category))
        .load(conn)?;
    let mut by_trainee: HashMap<String, Vec<String>> = HashMap::new();
    for (trainee_id, category) in pairs {
        by_trainee.entry(trainee_id).or_default().push(category);
    }
    Ok(rows
        .into_iter()
        .map(|trainee| {
            let categories = by_trainee.remove(&trainee.id).unwrap_or_default();
            TraineeWithCategories {
                trainee,
                categories,
            }
        })
        .collect())
}

/// Applies `changes` if the trainee is still at `version` and within `scope`; returns whether it
/// was.
pub fn update(
    conn: &mut AnyConnection,
    id: &str,
    scope: &Scope,
    version: i32,
    changes: &TraineeChanges,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let mut target = diesel::update(trainees::table)
        .filter(
            trainees::id
                .eq(id.to_owned())
                .and(trainees::version.eq(version)),
        )
        .into_boxed();
    if let Scope::Counties(codes) = scope {
        target = target.filter(trainees::county_code.eq_any(codes.clone()));
    }
    let updated = target
        .set((
            changes,
            trainees::version.eq(version + 1),
            trainees::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Takes the trainee's row lock for the rest of the transaction (a write that changes nothing),
/// so that two enrolments of one person are decided one after the other.
pub fn lock(conn: &mut AnyConnection, id: &str) -> QueryResult<bool> {
    let locked = diesel::update(trainees::table.filter(trainees::id.eq(id)))
        .set(trainees::version.eq(trainees::version))
        .execute(conn)?;
    Ok(locked == 1)
}

#[cfg(test)]
mod tests {
    use super::successor;

    #[test]
    fn a_prefix_ends_before_its_successor() {
        assert_eq!(successor("王").as_deref(), Some("玌"));
        assert_eq!(successor("ab").as_deref(), Some("ac"));
        assert_eq!(successor("a%").as_deref(), Some("a&"));
        assert_eq!(successor("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(successor(""), None);
        assert_eq!(successor("\u{10FFFF}"), None);
        let (low, high) = ("王", successor("王").unwrap());
        for name in ["王", "王秀英", "王\u{10FFFF}"] {
            assert!(low <= name && name < high.as_str(), "{name}");
        }
        for name in ["玌", "玐", "汪", ""] {
            assert!(!(low <= name && name < high.as_str()), "{name}");
        }
    }
}
