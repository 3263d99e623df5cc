//! The unified social credit code of an organisation (统一社会信用代码, GB 32100-2015): 18
//! characters from a 31-character alphabet, the last a check character.

/// The alphabet: digits and capitals without I, O, S, V and Z; a character's value is its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a code is refused: `(code, message)` for the API.
pub type CreditCodeError = (&'static str, &'static str);

/// Parses a code as typed (spaces around it and lower case are accepted), checking its length,
/// alphabet, the region digits (characters 3–8) and the check character.
pub fn parse(raw: &str) -> Result<String, CreditCodeError> {
    let code = raw.trim().to_ascii_uppercase();
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return Err(("length", "must be 18 characters"));
    }
    let values: Option<Vec<u32>> = bytes.iter().map(|b| value(*b)).collect();
    let Some(values) = values else {
        return Err((
            "format",
            "may hold only digits and the capitals the standard uses",
        ));
    };
    if !bytes[2..8].iter().all(u8::is_ascii_digit) {
        return Err((
            "format",
            "characters 3 to 8 must be the digits of a region code",
        ));
    }
    if values[17] != check_value(&values) {
        return Err((
            "check_character",
            "has a wrong check character: a character was mistyped",
        ));
    }
    Ok(code)
}

fn value(byte: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|c| *c == byte)
        .and_then(|i| u32::try_from(i).ok())
}

fn check_value(values: &[u32]) -> u32 {
    let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

/// The check character the first 17 characters call for (for tests and data generators).
pub fn check_character(first17: &str) -> Option<char> {
    let values: Option<Vec<u32>> = first17.bytes().map(value).collect();
    let values = values.filter(|v| v.len() == 17)?;
    let index = usize::try_from(check_value(&values)).ok()?;
    Some(char::from(ALPHABET[index]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_are_valid() {
        for code in ["91350100M000100Y43", "91110000100017643K"] {
            assert_eq!(parse(code).as_deref(), Ok(code));
        }
        assert_eq!(
            parse(" 91110000100017643k ").as_deref(),
            Ok("91110000100017643K")
        );
    }

    #[test]
    fn each_kind_of_mistake_has_its_code() {
        for (raw, code) in [
            ("91350100M000100Y4", "length"),
            ("91350100M000100Y433", "length"),
            ("91350100M000100I43", "format"),
            ("9135A100M000100Y43", "format"),
            ("91350100M000100Y44", "check_character"),
        ] {
            assert_eq!(parse(raw).unwrap_err().0, code, "{raw}");
        }
    }

    #[test]
    fn the_check_character_completes_a_code() {
        assert_eq!(check_character("91350100M000100Y4"), Some('3'));
        assert_eq!(check_character("91350100M000100Y"), None);
    }
}
