//! Certificate numbers (DOMAIN.md, Validation): `^[YS]\d{21}$`, where — counting the letter as
//! character 1 — characters 2–5 are the agency, 6–7 the province, 8–13 the site, 14–15 the issue
//! year (two digits), 16 the level digit (1–5) and 17–22 the serial; or a legacy 16-digit number
//! that carries neither year nor level.

use chrono::{Datelike, NaiveDate};

use super::training::Level;

/// Why a number is refused: `(code, message)` for the API.
pub type NumberError = (&'static str, String);

/// The level digit printed on certificates: L5 → 5 … L1 → 1.
pub fn level_digit(level: Level) -> u8 {
    match level {
        Level::L5 => b'5',
        Level::L4 => b'4',
        Level::L3 => b'3',
        Level::L2 => b'2',
        Level::L1 => b'1',
    }
}

/// Checks a number against the level and issue date it is recorded with; returns it with
/// surrounding spaces removed and the letter upper-cased.
pub fn check(raw: &str, level: Level, issued_on: NaiveDate) -> Result<String, NumberError> {
    let number = raw.trim().to_ascii_uppercase();
    let bytes = number.as_bytes();
    if bytes.len() == 16 && bytes.iter().all(u8::is_ascii_digit) {
        return Ok(number);
    }
    let shaped = bytes.len() == 22
        && matches!(bytes[0], b'Y' | b'S')
        && bytes[1..].iter().all(u8::is_ascii_digit);
    if !shaped {
        return Err((
            "format",
            "must be Y or S and 21 digits, or a 16-digit number of the old form".into(),
        ));
    }
    // Characters are counted from 1, so character n is bytes[n - 1].
    let digit = bytes[15];
    if digit != level_digit(level) {
        return Err((
            "level_mismatch",
            format!(
                "character 16 is the level digit: {} says level {}, not {}",
                char::from(digit),
                char::from(digit),
                level.as_str()
            ),
        ));
    }
    let year = format!("{:02}", issued_on.year() % 100);
    if number[13..15] != year {
        return Err((
            "year_mismatch",
            format!(
                "characters 14–15 are the issue year: {} is not {} of {}",
                &number[13..15],
                year,
                issued_on.year()
            ),
        ));
    }
    Ok(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A number of the current form: agency 1401, province 14, site 110100, year, level, serial.
    fn number(year: &str, level: char) -> String {
        format!("Y14011411010 0{year}{level}000123").replace(' ', "")
    }

    #[test]
    fn a_current_number_agrees_with_its_level_and_year() {
        let n = number("26", '4');
        assert_eq!(n.len(), 22);
        assert_eq!(check(&n, Level::L4, d("2026-05-01")), Ok(n.clone()));
        assert_eq!(
            check(&n.to_ascii_lowercase(), Level::L4, d("2026-05-01")),
            Ok(n.clone())
        );
        assert_eq!(
            check(&n, Level::L5, d("2026-05-01")).unwrap_err().0,
            "level_mismatch"
        );
        assert_eq!(
            check(&n, Level::L4, d("2025-05-01")).unwrap_err().0,
            "year_mismatch"
        );
    }

    #[test]
    fn legacy_numbers_and_malformed_ones() {
        assert!(check("1234567890123456", Level::L3, d("2015-01-01")).is_ok());
        for bad in [
            "",
            "X140114110100264000123",
            "Y1401141101002640001234",
            "Y14011411010026400012A",
            "123456789012345",
        ] {
            assert_eq!(
                check(bad, Level::L4, d("2026-01-01")).unwrap_err().0,
                "format",
                "{bad}"
            );
        }
    }
}
