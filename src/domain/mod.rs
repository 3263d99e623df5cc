//! Pure rules of the programme, free of HTTP and SQL, each unit-tested beside its code.

pub mod certificate_number;
pub mod credit_code;
pub mod employment;
pub mod id_number;
pub mod organisation;
pub mod phone;
pub mod placement;
pub mod progression;
pub mod report;
pub mod rules;
pub mod training;
pub mod username;

use chrono::{FixedOffset, NaiveDate, Utc};

/// Why a rule refuses a change: a clash with what is stored (409), or a rule broken by the
/// request (422, naming the field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The change clashes with the record's state.
    Conflict(String),
    /// A field breaks a rule: the field, a stable code, and why.
    Rule(&'static str, &'static str, String),
    /// A field's value is impossible whatever is stored (a day in the future): field, code, why.
    Invalid(&'static str, &'static str, String),
}

/// The 13 counties of Lüliang (GB/T 2260); the first migration seeds the same list, with names.
pub const COUNTY_CODES: [&str; 13] = [
    "141102", "141121", "141122", "141123", "141124", "141125", "141126", "141127", "141128",
    "141129", "141130", "141181", "141182",
];

/// Today's date in China (UTC+8), where the programme runs: a birthday or a date "not in the
/// future" is judged by the local calendar, not by UTC's.
pub fn today_in_china() -> NaiveDate {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    Utc::now().with_timezone(&china).date_naive()
}
