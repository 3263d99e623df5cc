//! The resident identity number (GB 11643-1999): 17 digits and a check character.
//!
//! Digits 7–14 are the birth date and digit 17 is odd for men; both are derived from the number,
//! never typed.

use std::fmt;

use chrono::NaiveDate;

/// A valid resident identity number, upper-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber(String);

/// Sex, as the 17th digit says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// Odd 17th digit.
    Male,
    /// Even 17th digit.
    Female,
}

impl Sex {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }

    /// The sex of a stored name (anything but `male` is read as female: the database admits
    /// only the two).
    pub fn parse(name: &str) -> Self {
        if name == "male" {
            Self::Male
        } else {
            Self::Female
        }
    }

    /// Its name in a sentence.
    pub fn people(self) -> &'static str {
        match self {
            Self::Male => "men",
            Self::Female => "women",
        }
    }
}

/// Why a number is refused; `code` is the API's error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumberError {
    /// Stable code: `length`, `format`, `birth_date`, `future_birth_date`, `check_character`.
    pub code: &'static str,
    /// For people.
    pub message: &'static str,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

impl IdNumber {
    /// Parses a number as typed (surrounding spaces and a lower-case `x` are accepted), checking
    /// its length, digits, birth date (a real day, not after `today`) and check character.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        let value = raw.trim().to_ascii_uppercase();
        let bytes = value.as_bytes();
        if bytes.len() != 18 {
            return Err(IdNumberError {
                code: "length",
                message: "must be 18 characters",
            });
        }
        if !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(IdNumberError {
                code: "format",
                message: "must be 17 digits and a digit or X",
            });
        }
        let birth = birth_date_of(bytes).ok_or(IdNumberError {
            code: "birth_date",
            message: "holds a birth date that does not exist",
        })?;
        if birth > today {
            return Err(IdNumberError {
                code: "future_birth_date",
                message: "holds a birth date in the future",
            });
        }
        if bytes[17] != check_character(bytes) {
            return Err(IdNumberError {
                code: "check_character",
                message: "has a wrong check character: a digit was mistyped",
            });
        }
        Ok(Self(value))
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date it holds.
    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(self.0.as_bytes()).expect("checked when parsed")
    }

    /// The sex it holds.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The first six digits: the county where the number was issued.
    pub fn region(&self) -> &str {
        &self.0[..6]
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn birth_date_of(bytes: &[u8]) -> Option<NaiveDate> {
    let number = |range: std::ops::Range<usize>| {
        std::str::from_utf8(&bytes[range]).ok()?.parse::<u32>().ok()
    };
    let year = i32::try_from(number(6..10)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(10..12)?, number(12..14)?)
        .filter(|d| d.year_ce().1 >= 1900)
}

use chrono::Datelike;

/// The check character the first 17 digits call for.
pub fn check_character(bytes: &[u8]) -> u8 {
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK[(sum % 11) as usize]
}

/// Completed years of age on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(birth).unwrap_or(0)
}

/// `141125********1234`: the county and the last four characters.
pub fn mask(number: &str) -> String {
    if number.len() == 18 && number.is_ascii() {
        format!("{}********{}", &number[..6], &number[14..])
    } else {
        "*".repeat(number.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    /// Builds a valid number from 17 digits by appending its check character.
    pub fn valid(first17: &str) -> String {
        let c = check_character(first17.as_bytes()) as char;
        format!("{first17}{c}")
    }

    #[test]
    fn the_standards_example_is_valid_and_derives_birth_date_and_sex() {
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.region(), "110105");
    }

    #[test]
    fn lower_case_x_and_spaces_are_normalised() {
        let id = IdNumber::parse(" 11010519491231002x ", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn odd_17th_digit_is_male() {
        let id = IdNumber::parse(&valid("14112519800101001"), today()).unwrap();
        assert_eq!(id.sex(), Sex::Male);
    }

    #[test]
    fn each_kind_of_mistake_has_its_code() {
        let cases = [
            ("11010519491231002", "length"),
            ("11010519491231002X1", "length"),
            ("1101051949123100AX", "format"),
            ("11010519491231002Y", "format"),
            (&valid("14112519900230001") as &str, "birth_date"),
            (&valid("14112518991231001"), "birth_date"),
            (&valid("14112520301231001"), "future_birth_date"),
            ("110105194912310021", "check_character"),
        ];
        for (raw, code) in cases {
            assert_eq!(
                IdNumber::parse(raw, today()).unwrap_err().code,
                code,
                "{raw}"
            );
        }
    }

    #[test]
    fn a_birth_date_of_today_is_not_in_the_future() {
        assert!(IdNumber::parse(&valid("14112520261128001"), today()).is_ok());
        assert!(IdNumber::parse(&valid("14112520261129001"), today()).is_err());
    }

    #[test]
    fn age_counts_completed_years() {
        let birth = NaiveDate::from_ymd_opt(2010, 11, 29).unwrap();
        assert_eq!(age_on(birth, today()), 15);
        assert_eq!(age_on(birth, today().succ_opt().unwrap()), 16);
    }

    #[test]
    fn masking_keeps_the_county_and_the_last_four() {
        assert_eq!(mask("141125198001010018"), "141125********0018");
    }
}
