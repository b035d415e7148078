//! The one digest the emulator keeps things under: SHA-256 in lower-case hex (session and link
//! keys, client secrets, the bodies of requests a retry must match), and the one way secrets are
//! compared (the admin token, CSRF tokens): in constant time.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes`, as 64 lower-case hex characters.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    Sha256::digest(bytes.as_ref()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a secret someone sent is the expected one, compared in time that depends on its length
/// only, never on where the first difference is.
pub fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_the_standard_digest_in_lower_case_hex() {
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(sha256_hex([]).len(), 64);
    }

    #[test]
    fn secrets_must_match_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("ab", "abc"));
        assert!(!same_secret("", "abc"));
    }
}
