//! The slash commands, one file each.

mod checkin;
mod help;
mod leaderboard;
mod me;
mod privacy;
mod stats;
mod undo;

use super::{CommandError, Context, Data};
use crate::domain::{GuildId, UserId};

/// Every command the bot registers.
pub fn all() -> Vec<poise::Command<Data, CommandError>> {
    vec![
        checkin::checkin(),
        undo::undo(),
        stats::stats(),
        leaderboard::leaderboard(),
        me::me(),
        privacy::privacy(),
        help::help(),
    ]
}

/// The server (as Discord put it in the interaction) and the member calling.
/// Commands are registered server-only; this is the check in the bot.
fn caller(ctx: Context<'_>) -> Result<(GuildId, UserId), CommandError> {
    let guild = ctx.guild_id().ok_or(crate::app::UserError::ServerOnly)?;
    Ok((GuildId(guild.get()), UserId(ctx.author().id.get())))
}
