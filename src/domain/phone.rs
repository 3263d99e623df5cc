//! Mainland mobile numbers: `+86`/`0086` and separators are stripped, then `^1[3-9]\d{9}$`.

/// Normalises a mobile number as typed, or `None` when it is not one.
pub fn normalise(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    let digits = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("0086"))
        .unwrap_or(&compact);
    let bytes = digits.as_bytes();
    let valid = bytes.len() == 11
        && bytes.iter().all(u8::is_ascii_digit)
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1]);
    valid.then(|| digits.to_owned())
}

/// `138****5678`.
pub fn mask(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "*".repeat(phone.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_separators_are_stripped() {
        for raw in [
            "13800138000",
            "+86 138-0013-8000",
            "0086 13800138000",
            "+8613800138000",
            " 138 0013 8000 ",
        ] {
            assert_eq!(normalise(raw).as_deref(), Some("13800138000"), "{raw}");
        }
    }

    #[test]
    fn non_mobile_numbers_are_refused() {
        for raw in [
            "12345",
            "12800138000",
            "1380013800",
            "138001380001",
            "0358-1234567",
            "1380013800a",
            "",
        ] {
            assert_eq!(normalise(raw), None, "{raw}");
        }
    }

    #[test]
    fn masking_keeps_three_and_four() {
        assert_eq!(mask("13812345678"), "138****5678");
    }
}
