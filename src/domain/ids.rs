//! The ids of the things partners and customers name, each a type of its own, parsed once where it
//! comes in (a path, a body, a query, a seed file) and never normalised again.
//!
//! One rule for every GUID id — tenant (partner and customer), user, application and attestation
//! ids: they compare without regard to letter case, braces or surrounding blanks, in every place
//! they come in (path, body, query, seed), because each is kept in lower-case hyphenated form.
//! Text that is no GUID is kept as it was sent (trimmed): it names nothing, so what looks it up
//! says "not found" in its own words. Agreement template ids are not GUID ids of this kind: they
//! stay case-sensitive (contract §1), as does `MS-RequestId`.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The stored spelling of a GUID: lower-case hyphenated; anything else trimmed, unchanged.
fn canonical_guid(raw: &str) -> String {
    let raw = raw.trim();
    match uuid::Uuid::parse_str(raw) {
        Ok(id) => id.hyphenated().to_string(),
        Err(_) => raw.to_string(),
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $normalise:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id `raw` names (see the module's rule).
            pub fn parse(raw: &str) -> Self {
                let normalise: fn(&str) -> String = $normalise;
                Self(normalise(raw))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(|raw| Self::parse(&raw))
            }
        }
    };
}

id_type!(
    /// A customer's tenant id (its "Microsoft ID").
    CustomerId,
    canonical_guid
);
id_type!(
    /// A partner's tenant id.
    PartnerId,
    canonical_guid
);
id_type!(
    /// A partner user's object id.
    UserId,
    canonical_guid
);
id_type!(
    /// An app registration's client id.
    ClientId,
    canonical_guid
);
id_type!(
    /// An enhanced attestation's id.
    AttestationId,
    canonical_guid
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_lower_cased_and_other_ids_kept() {
        let upper = " 4F1C2A10-0000-4000-8000-0000000000AA ";
        assert_eq!(CustomerId::parse(upper).as_str(), "4f1c2a10-0000-4000-8000-0000000000aa");
        assert_eq!(
            PartnerId::parse("{4F1C2A10-0000-4000-8000-0000000000AA}").as_str(),
            "4f1c2a10-0000-4000-8000-0000000000aa"
        );
        assert_eq!(UserId::parse("not-a-guid").as_str(), "not-a-guid");
    }

    #[test]
    fn attestation_ids_follow_the_one_rule_for_guids() {
        assert_eq!(
            AttestationId::parse("{4F1C2A10-0000-4000-8000-0000000000AA}").as_str(),
            "4f1c2a10-0000-4000-8000-0000000000aa"
        );
        assert_eq!(AttestationId::parse(" ABC ").as_str(), "ABC", "no GUID: kept as sent, trimmed");
    }

    #[test]
    fn ids_parse_when_deserialized() {
        let id: CustomerId = serde_json::from_str("\"4F1C2A10-0000-4000-8000-0000000000AA\"").unwrap();
        assert_eq!(id.as_str(), "4f1c2a10-0000-4000-8000-0000000000aa");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"4f1c2a10-0000-4000-8000-0000000000aa\"");
    }
}
