//! Time zone names as members and moderators type them.

use chrono_tz::Tz;
use thiserror::Error;

/// A zone name that is not in the IANA database.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown time zone `{0}`; use an IANA name such as Europe/Berlin or UTC")]
pub struct UnknownZone(pub String);

/// Parses an IANA zone name such as `Europe/Berlin`; case does not matter.
pub fn parse_zone(name: &str) -> Result<Tz, UnknownZone> {
    let trimmed = name.trim();
    trimmed
        .parse::<Tz>()
        .or_else(|_| Tz::from_str_insensitive(trimmed))
        .map_err(|_| UnknownZone(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_parse_by_iana_name() {
        assert_eq!(parse_zone("Europe/Berlin"), Ok(chrono_tz::Europe::Berlin));
        assert_eq!(parse_zone(" europe/berlin "), Ok(chrono_tz::Europe::Berlin));
        assert_eq!(parse_zone("UTC"), Ok(Tz::UTC));
        assert_eq!(
            parse_zone("Mars/Olympus").unwrap_err().to_string(),
            "unknown time zone `Mars/Olympus`; use an IANA name such as Europe/Berlin or UTC"
        );
    }
}
