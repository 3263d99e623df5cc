//! The sign-in name rule, shared by account writes and the first-start configuration.

/// Whether `name` is a valid sign-in name: 3 to 64 of the characters [`username_chars_ok`] allows.
pub fn is_valid_username(name: &str) -> bool {
    (3..=64).contains(&name.len()) && username_chars_ok(name)
}

/// Whether `name` has only lower-case letters, digits, `.`, `_` and `-`, starting with a letter
/// or digit (sign-in is case-insensitive: names are stored in lower case).
pub fn username_chars_ok(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}
