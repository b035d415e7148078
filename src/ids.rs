//! Generated identifiers and secrets: random by default, reproducible from a seed in
//! deterministic mode.

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use std::sync::Mutex;

pub struct Ids {
    seed: Option<u64>,
    rng: Mutex<StdRng>,
}

fn generator(seed: Option<u64>) -> StdRng {
    match seed {
        Some(seed) => StdRng::seed_from_u64(seed),
        None => StdRng::from_entropy(),
    }
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl Ids {
    pub fn new(seed: Option<u64>) -> Self {
        Self { seed, rng: Mutex::new(generator(seed)) }
    }

    /// In deterministic mode, start the sequence again (after a full reset, the same calls give
    /// the same ids again).
    pub fn restart(&self) {
        if self.seed.is_some() {
            *self.rng.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = generator(self.seed);
        }
    }

    /// A secret (signing key, session, CSRF token): always from the operating system's generator,
    /// never from the deterministic sequence.
    pub fn secret(&self, len: usize) -> String {
        let mut rng = rand::rngs::OsRng;
        (0..len).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
    }

    fn fill(&self, bytes: &mut [u8]) {
        self.rng.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).fill_bytes(bytes);
    }

    /// A version-4 GUID, lower case.
    pub fn guid(&self) -> String {
        let mut bytes = [0u8; 16];
        self.fill(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }

    /// A URL-safe random token of `len` characters.
    pub fn token(&self, len: usize) -> String {
        let mut rng = self.rng.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        (0..len).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
    }

    /// A password that satisfies Microsoft 365 complexity rules (upper, lower, digit, symbol).
    pub fn password(&self) -> String {
        format!("{}!{}a7Q", self.token(12), self.token(3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_repeat_and_random_ones_do_not() {
        let (a, b) = (Ids::new(Some(7)), Ids::new(Some(7)));
        assert_eq!(a.guid(), b.guid());
        assert_eq!(a.password(), b.password());
        let r = Ids::new(None);
        assert_ne!(r.guid(), r.guid());
        let first = a.guid();
        a.restart();
        assert_eq!(a.guid(), Ids::new(Some(7)).guid());
        assert_ne!(first, a.guid());
        assert_ne!(Ids::new(Some(7)).secret(32), Ids::new(Some(7)).secret(32));
        assert!(uuid::Uuid::parse_str(&r.guid()).is_ok());
    }
}
