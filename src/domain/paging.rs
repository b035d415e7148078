//! Paging of `GET /v1/customers` as Partner Center does it: `size` items at most, and when more
//! remain a continuation token that the client sends back in `MS-ContinuationToken`.
//!
//! The token is opaque to clients. Inside it is where the page ended (the last customer's
//! insertion sequence and id), the page size, the partner it was issued to and the search it
//! continues (if any), sealed with an HMAC-SHA256 tag under a key of the emulator's, so a token
//! that was altered, made up, or issued to another partner is refused rather than followed, and a
//! token goes on with the search it was issued for, never another one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::customer_search::{CustomerFilter, SearchField};

/// The largest `size` a page may ask for (ours: Partner Center does not document a limit).
pub const MAX_PAGE_SIZE: u32 = 500;
/// A token of the whole list, and one of a search (which adds the filter's field and value).
const VERSION: &str = "c1";
const VERSION_OF_SEARCH: &str = "c2";
/// The bytes of the tag kept in a token: 128 bits, enough that guessing one is hopeless.
const TAG_BYTES: usize = 16;

/// Where a page ended: the last customer it listed. The next page starts after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub seq: i64,
    pub id: String,
}

impl Position {
    /// The position as a page's address writes it (the dashboard's `after` and `before`):
    /// `<seq>.<id>`. Not secret: the list it pages is read with the caller's access check.
    pub fn to_cursor(&self) -> String {
        format!("{}.{}", self.seq, self.id)
    }

    /// A position read back from [`Position::to_cursor`]; `None` for anything else.
    pub fn from_cursor(text: &str) -> Option<Position> {
        let (seq, id) = text.trim().split_once('.')?;
        let seq = seq.parse().ok()?;
        (!id.is_empty() && id.len() <= 64).then(|| Position { seq, id: id.to_string() })
    }
}

/// Where a page of a list is, in the list's order (keyset paging: no page numbers, no count):
/// its start, the items after a position, or the items just before one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyset<'a> {
    First,
    After(&'a Position),
    Before(&'a Position),
}

/// What a valid token says: the page size asked for first, where to go on from, and the search it
/// continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuation {
    pub size: u32,
    pub after: Position,
    pub filter: Option<CustomerFilter>,
}

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not a token this emulator issued, or one that was altered.
    NotIssuedHere,
    /// Issued here, to another partner.
    OtherPartner,
    /// Sent with a filter other than the one of the search it continues.
    OtherSearch,
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
            Self::OtherSearch => {
                "the MS-ContinuationToken continues another search than the filter sent with it; \
                send it with the filter of the page it came from (or without filter: the token carries it), \
                or start a new search without the token"
            }
        }
    }
}

/// A `size` query value: a whole number from 0 to [`MAX_PAGE_SIZE`], 0 meaning no page size (what
/// the SDKs' `buildSimpleQuery` sends with a filter; what Partner Center makes of it is not
/// documented, and this is ours).
pub fn parse_page_size(raw: &str) -> Result<Option<u32>, String> {
    match raw.trim().parse::<u32>() {
        Ok(0) => Ok(None),
        Ok(n) if n <= MAX_PAGE_SIZE => Ok(Some(n)),
        _ => Err(format!("size: '{raw}' is not a whole number from 0 (no page size) to {MAX_PAGE_SIZE}")),
    }
}

/// The token that continues `partner`'s list (or search) after `after`, with pages of `size`.
pub fn seal(key: &[u8], partner: &str, continuation: &Continuation) -> String {
    let Continuation { size, after, filter } = continuation;
    let payload = match filter {
        None => format!("{VERSION}\n{partner}\n{size}\n{}\n{}", after.seq, after.id),
        // The value last: it may hold line breaks.
        Some(f) => {
            format!(
                "{VERSION_OF_SEARCH}\n{partner}\n{size}\n{}\n{}\n{}\n{}",
                after.seq,
                after.id,
                f.field.as_str(),
                f.value
            )
        }
    };
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
    let fields: Vec<&str> = text.splitn(7, '\n').collect();
    let (issued_to, size, seq, id, filter) = match fields[..] {
        [VERSION, issued_to, size, seq, id] => (issued_to, size, seq, id, None),
        [VERSION_OF_SEARCH, issued_to, size, seq, id, field, value] => {
            let field = SearchField::parse(field).ok_or(TokenProblem::NotIssuedHere)?;
            (issued_to, size, seq, id, Some(CustomerFilter { field, value: value.to_string() }))
        }
        _ => return Err(TokenProblem::NotIssuedHere),
    };
    if issued_to != partner {
        return Err(TokenProblem::OtherPartner);
    }
    let size = size.parse().map_err(|_| TokenProblem::NotIssuedHere)?;
    let seq = seq.parse().map_err(|_| TokenProblem::NotIssuedHere)?;
    Ok(Continuation { size, after: Position { seq, id: id.to_string() }, filter })
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
        Continuation {
            size: 2,
            after: Position { seq: 41, id: "5a6b3c1e-0000-4000-8000-000000000001".into() },
            filter: None,
        }
    }

    #[test]
    fn a_token_of_a_search_carries_its_filter() {
        let filter = CustomerFilter { field: SearchField::CompanyName, value: "Con\ntoso".into() };
        let searching = Continuation { filter: Some(filter), ..continuation() };
        let token = seal(KEY, "partner-a", &searching);
        assert_eq!(open(KEY, "partner-a", &token), Ok(searching));
        assert_ne!(token, seal(KEY, "partner-a", &continuation()));
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
    fn a_cursor_is_read_back_as_written() {
        let at = continuation().after;
        assert_eq!(Position::from_cursor(&at.to_cursor()), Some(at));
        for bad in ["", "12", "x.abc", "12.", &format!("1.{}", "a".repeat(65))] {
            assert_eq!(Position::from_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn page_sizes_are_whole_numbers_within_the_limit() {
        assert_eq!(parse_page_size("1"), Ok(Some(1)));
        assert_eq!(parse_page_size("500"), Ok(Some(500)));
        assert_eq!(parse_page_size("0"), Ok(None), "no page size");
        for bad in ["501", "-1", "", "2.5", "ten"] {
            assert!(parse_page_size(bad).is_err(), "{bad}");
        }
    }
}
