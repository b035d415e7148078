//! Paging of `GET /v1/customers` as Partner Center does it: `size` items at most, and when more
//! remain a continuation token that the client sends back in `MS-ContinuationToken`.
//!
//! The token is opaque to clients. Inside it is where the page ended (the last customer's
//! insertion sequence and id), the page size and the partner it was issued to, sealed with an
//! HMAC-SHA256 tag under a key of the emulator's, so a token that was altered, made up, or issued
//! to another partner is refused rather than followed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The largest `size` a page may ask for (ours: Partner Center does not document a limit).
pub const MAX_PAGE_SIZE: u32 = 500;
const VERSION: &str = "c1";
/// The bytes of the tag kept in a token: 128 bits, enough that guessing one is hopeless.
const TAG_BYTES: usize = 16;

/// Where a page ended: the last customer it listed. The next page starts after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub seq: i64,
    pub id: String,
}

/// What a valid token says: the page size asked for first and where to go on from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuation {
    pub size: u32,
    pub after: Position,
}

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not a token this emulator issued, or one that was altered.
    NotIssuedHere,
    /// Issued here, to another partner.
    OtherPartner,
}

impl TokenProblem {
    pub fn explain(&self) -> &'static str {
        match self {
            Self::NotIssuedHere => {
                "the MS-ContinuationToken is not one this emulator issued (or it was altered); \
                send the token from the previous page's continuationToken as it is, or start again without it"
            }
            Self::OtherPartner => {
                "the MS-ContinuationToken was issued to another partner; \
                a token pages only the list of the partner that received it"
            }
        }
    }
}

/// A `size` query value: a whole number from 1 to [`MAX_PAGE_SIZE`].
pub fn parse_page_size(raw: &str) -> Result<u32, String> {
    match raw.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        _ => Err(format!("size: '{raw}' is not a whole number from 1 to {MAX_PAGE_SIZE}")),
    }
}

/// The token that continues `partner`'s list after `after`, with pages of `size`.
pub fn seal(key: &[u8], partner: &str, continuation: &Continuation) -> String {
    let payload =
        format!("{VERSION}\n{partner}\n{}\n{}\n{}", continuation.size, continuation.after.seq, continuation.after.id);
    let tag = tag(key, payload.as_bytes());
    format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES]))
}

/// Read a token back for `partner`: refused when it was not issued here, was altered, or was
/// issued to another partner.
pub fn open(key: &[u8], partner: &str, token: &str) -> Result<Continuation, TokenProblem> {
    let (payload, tag_text) = token.trim().split_once('.').ok_or(TokenProblem::NotIssuedHere)?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenProblem::NotIssuedHere)?;
    let claimed = URL_SAFE_NO_PAD.decode(tag_text).map_err(|_| TokenProblem::NotIssuedHere)?;
    if claimed.len() != TAG_BYTES {
        return Err(TokenProblem::NotIssuedHere);
    }
    let mut mac = mac(key);
    mac.update(&payload);
    mac.verify_truncated_left(&claimed).map_err(|_| TokenProblem::NotIssuedHere)?;
    let text = String::from_utf8(payload).map_err(|_| TokenProblem::NotIssuedHere)?;
    let fields: Vec<&str> = text.split('\n').collect();
    let [VERSION, issued_to, size, seq, id] = fields[..] else {
        return Err(TokenProblem::NotIssuedHere);
    };
    if issued_to != partner {
        return Err(TokenProblem::OtherPartner);
    }
    let size = size.parse().map_err(|_| TokenProblem::NotIssuedHere)?;
    let seq = seq.parse().map_err(|_| TokenProblem::NotIssuedHere)?;
    Ok(Continuation { size, after: Position { seq, id: id.to_string() } })
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of every length")
}

fn tag(key: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut mac = mac(key);
    mac.update(payload);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a key of the emulator's";

    fn continuation() -> Continuation {
        Continuation { size: 2, after: Position { seq: 41, id: "5a6b3c1e-0000-4000-8000-000000000001".into() } }
    }

    #[test]
    fn a_sealed_token_opens_for_its_partner_only() {
        let token = seal(KEY, "partner-a", &continuation());
        assert_eq!(open(KEY, "partner-a", &token), Ok(continuation()));
        assert_eq!(open(KEY, "partner-b", &token), Err(TokenProblem::OtherPartner));
    }

    #[test]
    fn altered_truncated_or_foreign_tokens_are_refused() {
        let token = seal(KEY, "partner-a", &continuation());
        let (payload, tag) = token.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode("c1\npartner-a\n2\n0\nx");
        for bad in [
            String::new(),
            "not a token".to_string(),
            format!("{forged_payload}.{tag}"),
            format!("{payload}.{}", &tag[..4]),
            format!("{payload}."),
            seal(b"another key", "partner-a", &continuation()),
        ] {
            assert_eq!(open(KEY, "partner-a", &bad), Err(TokenProblem::NotIssuedHere), "{bad:?}");
        }
    }

    #[test]
    fn page_sizes_are_whole_numbers_within_the_limit() {
        assert_eq!(parse_page_size("1"), Ok(1));
        assert_eq!(parse_page_size("500"), Ok(500));
        for bad in ["0", "501", "-1", "", "2.5", "ten"] {
            assert!(parse_page_size(bad).is_err(), "{bad}");
        }
    }
}
