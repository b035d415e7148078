//! The one digest the emulator keeps things under: SHA-256 in lower-case hex (session and link
//! keys, client secrets, the bodies of requests a retry must match).

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes`, as 64 lower-case hex characters.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    Sha256::digest(bytes.as_ref()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_the_standard_digest_in_lower_case_hex() {
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(sha256_hex([]).len(), 64);
    }
}
