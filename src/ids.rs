//! Generated identifiers and secrets: random by default, reproducible from a seed in
//! deterministic mode.
//!
//! In deterministic mode each kind of id has a stream of its own, so that an id depends only on
//! how many ids of its kind were made before it: request ids (which every request without an
//! `MS-RequestId` takes, probes and reads included) never shift a customer's id, and a refusal
//! decided before anything is made takes none.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, RngCore, SeedableRng};
use std::collections::HashMap;
use std::sync::Mutex;

/// The kinds of generated values, each with its own stream in deterministic mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Partner,
    Customer,
    CommerceId,
    Password,
    Agreement,
    Notification,
    Order,
    Attestation,
    FaultRule,
    DocumentLink,
    /// A token's user (`oid`) or application (`appid`) when the request names none.
    TokenSubject,
    /// Request and correlation ids and correlation vectors of requests that sent none.
    Request,
    /// Client ids of app registrations.
    AppRegistration,
    /// Object ids of partner users (their passwords, like customers', come from `Password`).
    PartnerUser,
    Cart,
    /// The client secrets of app registrations (a stream of their own, last, so that no other
    /// stream's values moved when secrets joined the seeded streams).
    AppSecret,
}

impl IdKind {
    fn stream(self) -> u64 {
        self as u64 + 1
    }
}

pub struct Ids {
    seed: Option<u64>,
    /// Deterministic mode: a generator per kind. Otherwise one generator for every kind.
    streams: Mutex<HashMap<IdKind, StdRng>>,
    random: Mutex<StdRng>,
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

impl Ids {
    pub fn new(seed: Option<u64>) -> Self {
        Self { seed, streams: Mutex::default(), random: Mutex::new(StdRng::from_entropy()) }
    }

    /// Whether ids come from seeded streams (`--deterministic-seed`).
    pub fn is_deterministic(&self) -> bool {
        self.seed.is_some()
    }

    /// In deterministic mode, start every stream again (after a full reset, the same calls give
    /// the same ids again).
    pub fn restart(&self) {
        if self.seed.is_some() {
            self.streams.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
        }
    }

    /// Run `draw` on the generator of `kind`.
    fn with<T>(&self, kind: IdKind, draw: impl FnOnce(&mut StdRng) -> T) -> T {
        match self.seed {
            Some(seed) => {
                let mut streams = self.streams.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let rng = streams
                    .entry(kind)
                    .or_insert_with(|| StdRng::seed_from_u64(seed ^ kind.stream().wrapping_mul(0x9E37_79B9_7F4A_7C15)));
                draw(rng)
            }
            None => draw(&mut self.random.lock().unwrap_or_else(|poisoned| poisoned.into_inner())),
        }
    }

    /// A secret (signing key, session, CSRF token): always from the operating system's generator,
    /// never from the deterministic sequence.
    pub fn secret(&self, len: usize) -> String {
        let mut rng = rand::rngs::OsRng;
        (0..len).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
    }

    /// A version-4 GUID, lower case.
    pub fn guid(&self, kind: IdKind) -> String {
        let mut bytes = [0u8; 16];
        self.with(kind, |rng| rng.fill_bytes(&mut bytes));
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }

    /// A URL-safe random token of `len` characters.
    pub fn token(&self, kind: IdKind, len: usize) -> String {
        self.with(kind, |rng| (0..len).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect())
    }

    /// The base of a new correlation vector (`MS-CV`): 16 base64 characters, as Microsoft's are
    /// (one random byte each, without the per-character range draw of `token`: every request
    /// that sends no `MS-CV` makes one).
    pub fn correlation_vector(&self) -> String {
        const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut bytes = [0u8; 16];
        self.with(IdKind::Request, |rng| rng.fill_bytes(&mut bytes));
        bytes.iter().map(|b| BASE64[usize::from(b & 63)] as char).collect()
    }

    /// A password as Microsoft Entra ID's rules want it: 16 characters with at least one upper
    /// case letter, one lower case letter, one digit and one symbol, at places drawn like the
    /// rest (no shared prefix or suffix), from the deterministic sequence when there is one. The
    /// symbols are those a form, a URL and a shell take as they are.
    pub fn password(&self) -> String {
        const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
        const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
        const DIGIT: &[u8] = b"23456789";
        const SYMBOL: &[u8] = b"!-_.";
        self.with(IdKind::Password, |rng| {
            let all = [UPPER, LOWER, DIGIT, SYMBOL].concat();
            let mut chars: Vec<char> =
                [UPPER, LOWER, DIGIT, SYMBOL].iter().map(|set| set[rng.gen_range(0..set.len())] as char).collect();
            chars.extend((0..12).map(|_| all[rng.gen_range(0..all.len())] as char));
            chars.shuffle(rng);
            chars.into_iter().collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_entras_rules_without_a_shared_suffix() {
        let ids = Ids::new(None);
        let passwords: Vec<String> = (0..40).map(|_| ids.password()).collect();
        for p in &passwords {
            assert_eq!(p.chars().count(), 16, "{p}");
            assert!(p.chars().any(|c| c.is_ascii_uppercase()) && p.chars().any(|c| c.is_ascii_lowercase()), "{p}");
            assert!(p.chars().any(|c| c.is_ascii_digit()) && p.chars().any(|c| "!-_.".contains(c)), "{p}");
        }
        let ends: std::collections::HashSet<&str> = passwords.iter().map(|p| &p[13..]).collect();
        assert!(ends.len() > 30, "no shared suffix: {ends:?}");
        assert_eq!(Ids::new(Some(3)).password(), Ids::new(Some(3)).password(), "reproducible when seeded");
    }

    #[test]
    fn seeded_ids_repeat_and_random_ones_do_not() {
        let (a, b) = (Ids::new(Some(7)), Ids::new(Some(7)));
        assert_eq!(a.guid(IdKind::Customer), b.guid(IdKind::Customer));
        assert_eq!(a.password(), b.password());
        let r = Ids::new(None);
        assert_ne!(r.guid(IdKind::Customer), r.guid(IdKind::Customer));
        let second = a.guid(IdKind::Customer);
        a.restart();
        let again = a.guid(IdKind::Customer);
        assert_eq!(again, Ids::new(Some(7)).guid(IdKind::Customer), "the stream starts again");
        assert_ne!(second, again);
        assert_ne!(Ids::new(Some(7)).secret(32), Ids::new(Some(7)).secret(32));
        assert!(uuid::Uuid::parse_str(&r.guid(IdKind::Request)).is_ok());
        let cv = r.correlation_vector();
        assert_eq!(cv.len(), 16);
        assert!(cv.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/'), "{cv}");
        assert_ne!(cv, r.correlation_vector());
        assert_eq!(a.correlation_vector(), b.correlation_vector(), "reproducible in deterministic mode");
    }

    #[test]
    fn each_kind_has_its_own_stream() {
        let (a, b) = (Ids::new(Some(7)), Ids::new(Some(7)));
        for _ in 0..5 {
            a.guid(IdKind::Request);
        }
        assert_eq!(a.guid(IdKind::Customer), b.guid(IdKind::Customer), "requests do not shift customers");
        assert_ne!(Ids::new(Some(7)).guid(IdKind::Customer), Ids::new(Some(7)).guid(IdKind::Partner));
    }
}
