//! The slash commands, one file each.

mod checkin;

use super::{CommandError, Data};

/// Every command the bot registers.
pub fn all() -> Vec<poise::Command<Data, CommandError>> {
    vec![checkin::checkin()]
}
