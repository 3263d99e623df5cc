//! Signing keys for access tokens.

/// The HS256 key that signs and checks access tokens.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    /// A key from its bytes (at least 32; `Config` checks `JWT_SECRET`).
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The key's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// 48 random bytes from the operating system, hex-encoded: a generated signing secret.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 48];
    // The OS random source failing leaves nothing safe to sign with: refuse to go on.
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
