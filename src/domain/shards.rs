//! Which Discord shards a process runs, and so which servers are its own.
//!
//! Discord splits a bot's servers into shards: the shard of a server is
//! `(guild_id >> 22) % total` (docs: Gateway, "Sharding"), and direct
//! messages belong to shard 0. A process runs either every shard Discord
//! recommends (`auto`, the default: one process) or a range of them,
//! `A-B/N` (shards A to B of N), so several processes share one bot.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use thiserror::Error;

use super::GuildId;

/// The shards of a process, as the operator wrote them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shards {
    /// Discord's recommended count, every shard in this process.
    Auto,
    /// Shards `first..=last` of `total`; the others run elsewhere.
    Range(ShardRange),
}

/// Shards `first..=last` of `total`: never empty, always within the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardRange {
    first: u32,
    last: u32,
    total: u32,
}

/// Why a shard setting is refused; each is one line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ShardsError {
    #[error("`{0}` is not `auto` or a shard range such as 0-3/16 (shards 0 to 3 of 16) or 2/16")]
    Malformed(String),
    #[error("the total number of shards must be at least 1, found 0")]
    NoShards,
    #[error("the range {first}-{last} ends before it starts")]
    Backwards { first: u32, last: u32 },
    #[error("shard {last} does not exist: with {total} shards they are numbered 0 to {}", total - 1)]
    PastTotal { last: u32, total: u32 },
}

impl ShardRange {
    /// The one shard of a bot that does not shard: every server is on it.
    pub const SINGLE: ShardRange = ShardRange {
        first: 0,
        last: 0,
        total: 1,
    };

    pub fn new(first: u32, last: u32, total: u32) -> Result<Self, ShardsError> {
        if total == 0 {
            return Err(ShardsError::NoShards);
        }
        if last < first {
            return Err(ShardsError::Backwards { first, last });
        }
        if last >= total {
            return Err(ShardsError::PastTotal { last, total });
        }
        Ok(Self { first, last, total })
    }

    /// Every one of `total` shards: what `auto` resolves to.
    pub fn all(total: u32) -> Result<Self, ShardsError> {
        Self::new(0, total.saturating_sub(1), total)
    }

    pub fn first(self) -> u32 {
        self.first
    }

    pub fn last(self) -> u32 {
        self.last
    }

    pub fn total(self) -> u32 {
        self.total
    }

    /// The shard ids of the range, in order.
    pub fn ids(self) -> RangeInclusive<u32> {
        self.first..=self.last
    }

    /// How many shards the range holds.
    pub fn len(self) -> u32 {
        self.last - self.first + 1
    }

    /// Never: a range holds at least one shard (for clippy's sake).
    pub fn is_empty(self) -> bool {
        false
    }

    /// Whether the range is every shard there is.
    pub fn is_everything(self) -> bool {
        self.len() == self.total
    }

    pub fn contains(self, shard: u32) -> bool {
        self.ids().contains(&shard)
    }

    /// Whether the server (or, for `None`, direct messages) is on a shard
    /// of this range.
    pub fn owns(self, guild: Option<GuildId>) -> bool {
        self.contains(guild.map_or(0, |guild| shard_of(guild, self.total)))
    }
}

/// The shard of a server among `total` (at least 1), as Discord computes it.
pub fn shard_of(guild: GuildId, total: u32) -> u32 {
    let shard = (guild.0 >> 22) % u64::from(total.max(1));
    // Less than `total`, a u32.
    u32::try_from(shard).unwrap_or(0)
}

impl FromStr for Shards {
    type Err = ShardsError;

    /// `auto`, `A-B/N` or `A/N`; spaces around the parts are allowed.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("auto") {
            return Ok(Shards::Auto);
        }
        let malformed = || ShardsError::Malformed(text.to_owned());
        let number = |part: &str| part.trim().parse::<u32>().map_err(|_| malformed());
        let (range, total) = text.split_once('/').ok_or_else(malformed)?;
        let total = number(total)?;
        let (first, last) = match range.split_once('-') {
            Some((first, last)) => (number(first)?, number(last)?),
            None => {
                let only = number(range)?;
                (only, only)
            }
        };
        ShardRange::new(first, last, total).map(Shards::Range)
    }
}

impl fmt::Display for Shards {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shards::Auto => f.write_str("auto"),
            Shards::Range(range) => range.fmt(f),
        }
    }
}

impl fmt::Display for ShardRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}/{}", self.first, self.last, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(first: u32, last: u32, total: u32) -> Shards {
        Shards::Range(ShardRange::new(first, last, total).unwrap())
    }

    #[test]
    fn auto_a_range_and_a_single_shard_are_read() {
        assert_eq!("auto".parse(), Ok(Shards::Auto));
        assert_eq!(" AUTO ".parse(), Ok(Shards::Auto));
        assert_eq!("0-3/16".parse(), Ok(range(0, 3, 16)));
        assert_eq!("2/16".parse(), Ok(range(2, 2, 16)));
        assert_eq!(" 1 - 1 / 2 ".parse(), Ok(range(1, 1, 2)));
        assert_eq!("0-0/1".parse(), Ok(range(0, 0, 1)));
        assert_eq!(range(4, 7, 10).to_string(), "4-7/10");
    }

    #[test]
    fn bad_ranges_are_refused_with_their_reason() {
        let err = |text: &str| text.parse::<Shards>().unwrap_err().to_string();
        assert_eq!(err("3-1/4"), "the range 3-1 ends before it starts");
        assert_eq!(
            err("2-4/4"),
            "shard 4 does not exist: with 4 shards they are numbered 0 to 3"
        );
        assert_eq!(
            err("4/4"),
            "shard 4 does not exist: with 4 shards they are numbered 0 to 3"
        );
        assert_eq!(
            err("0-0/0"),
            "the total number of shards must be at least 1, found 0"
        );
        for garbage in [
            "", "all", "0-3", "/4", "a-b/4", "-1-2/4", "0-3/16/2", "1.5/4",
        ] {
            assert!(
                matches!(garbage.parse::<Shards>(), Err(ShardsError::Malformed(_))),
                "{garbage:?} accepted"
            );
        }
        assert_eq!(
            err("0-3"),
            "`0-3` is not `auto` or a shard range such as 0-3/16 (shards 0 to 3 of 16) or 2/16"
        );
    }

    #[test]
    fn a_server_belongs_to_the_shard_of_its_id_and_direct_messages_to_shard_0() {
        // Discord's example: a server created at a known time.
        let guild = GuildId(41_771_983_423_143_937);
        assert_eq!(shard_of(guild, 1), 0);
        assert_eq!(
            shard_of(guild, 16),
            ((41_771_983_423_143_937u64 >> 22) % 16) as u32
        );
        let on = |shard: u64, total: u64| GuildId(((1000 * total + shard) << 22) | 0x2a);
        let second_half = ShardRange::new(2, 3, 4).unwrap();
        assert!(second_half.owns(Some(on(2, 4))));
        assert!(second_half.owns(Some(on(3, 4))));
        assert!(!second_half.owns(Some(on(1, 4))));
        assert!(!second_half.owns(None));
        assert!(ShardRange::new(0, 1, 4).unwrap().owns(None));
        assert!(ShardRange::all(1).unwrap().owns(Some(on(5, 7))));
        assert_eq!(second_half.len(), 2);
        assert!(!second_half.is_everything());
        assert!(ShardRange::all(3).unwrap().is_everything());
    }
}
