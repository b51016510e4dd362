//! Servers coming and going: a server that removed the bot (GUILD_DELETE
//! that is not an outage, or a stored server missing from READY because it
//! removed the bot while the bot was offline) is recorded as departed; a
//! GUILD_CREATE of a server undoes that.

use poise::serenity_prelude as serenity;

use super::Data;
use crate::domain::GuildId;

/// Handles the gateway events that say which servers the bot is in.
pub async fn handle(data: &Data, event: &serenity::FullEvent) {
    let result = match event {
        serenity::FullEvent::Ready { data_about_bot } => {
            let present: Vec<GuildId> = data_about_bot
                .guilds
                .iter()
                .map(|g| GuildId(g.id.get()))
                .collect();
            let (shard, shards) = data_about_bot
                .shard
                .map_or((0, 1), |s| (u64::from(s.id.0), u64::from(s.total.max(1))));
            data.app
                .servers_seen(&present, |g| (g.0 >> 22) % shards == shard)
                .await
        }
        serenity::FullEvent::GuildCreate { guild, .. } => {
            data.app.server_present(GuildId(guild.id.get())).await
        }
        // `unavailable` is an outage: the server comes back by itself.
        serenity::FullEvent::GuildDelete { incomplete, .. } if !incomplete.unavailable => {
            data.app.server_departed(GuildId(incomplete.id.get())).await
        }
        _ => Ok(()),
    };
    if let Err(error) = result {
        tracing::error!(%error, "could not record which servers the bot is in");
    }
}
