//! The bot's own roles and permissions in a server, read from Discord when
//! a check needs them: the server (its roles and owner), the bot's member
//! and, for a channel, the channel with its overwrites.
//!
//! The bot keeps no copy of its servers (serenity's cache of servers is off,
//! see `connect`): a copy costs about 24 KB a server at rest, and only
//! moderator commands that name a channel or a role, and the notifier's rare
//! doubt about a channel's history, look at one.

use poise::serenity_prelude as serenity;

use super::budget::{RestBudget, RouteGroup, Spend};
use super::errors::discord_code;

/// A server as the bot's checks see it.
pub struct Server {
    guild: serenity::PartialGuild,
    me: serenity::Member,
}

/// One of a server's channels, as Discord shows it to the bot.
pub enum Channel {
    Found(Box<serenity::GuildChannel>),
    /// The bot may not see it (Discord answers 403 Missing Access).
    Hidden,
    /// No channel of a server has this id.
    Unknown,
}

impl Server {
    /// Reads the server and the bot's member in it.
    pub async fn read(
        http: &serenity::Http,
        budget: &RestBudget,
        guild: serenity::GuildId,
        bot: serenity::UserId,
    ) -> Result<Self, serenity::Error> {
        let (guild, me) = tokio::try_join!(
            budget.serenity(Spend::Request, RouteGroup::Other, http.get_guild(guild)),
            budget.serenity(
                Spend::Request,
                RouteGroup::Other,
                http.get_member(guild, bot)
            ),
        )?;
        Ok(Self { guild, me })
    }

    pub fn id(&self) -> serenity::GuildId {
        self.guild.id
    }

    /// One of the server's roles.
    pub fn role(&self, role: serenity::RoleId) -> Option<&serenity::Role> {
        self.guild.roles.get(&role)
    }

    /// The bot's permissions in the server as a whole.
    pub fn my_permissions(&self) -> serenity::Permissions {
        self.guild.member_permissions(&self.me)
    }

    /// The bot's permissions in one of the server's channels, its
    /// overwrites applied.
    pub fn my_permissions_in(&self, channel: &serenity::GuildChannel) -> serenity::Permissions {
        self.guild.user_permissions_in(channel, &self.me)
    }

    /// The position of the bot's highest role; 0 with none but @everyone.
    pub fn my_highest_position(&self) -> u16 {
        self.me
            .roles
            .iter()
            .filter_map(|r| self.guild.roles.get(r))
            .map(|r| r.position)
            .max()
            .unwrap_or(0)
    }
}

/// Reads a channel of any server the bot is in.
pub async fn read_channel(
    http: &serenity::Http,
    budget: &RestBudget,
    channel: serenity::ChannelId,
) -> Result<Channel, serenity::Error> {
    match budget
        .serenity(Spend::Request, RouteGroup::Other, http.get_channel(channel))
        .await
    {
        Ok(serenity::Channel::Guild(found)) => Ok(Channel::Found(Box::new(found))),
        Ok(_) => Ok(Channel::Unknown),
        Err(error) => match discord_code(&error) {
            // Unknown Channel.
            Some(10003) => Ok(Channel::Unknown),
            // Missing Access, Missing Permissions.
            Some(50001 | 50013) => Ok(Channel::Hidden),
            _ => Err(error),
        },
    }
}

/// Whether the bot may read the channel's history; `None` when Discord
/// does not tell (it failed, or the channel is gone).
pub async fn reads_history(
    http: &serenity::Http,
    budget: &RestBudget,
    channel: serenity::ChannelId,
    bot: serenity::UserId,
) -> Option<bool> {
    let found = match read_channel(http, budget, channel).await {
        Ok(Channel::Found(found)) => found,
        Ok(Channel::Hidden) => return Some(false),
        Ok(Channel::Unknown) => return None,
        Err(error) => {
            tracing::warn!(%error, "cannot read a channel's permissions");
            return None;
        }
    };
    match Server::read(http, budget, found.guild_id, bot).await {
        Ok(server) => Some(server.my_permissions_in(&found).read_message_history()),
        Err(error) => {
            tracing::warn!(%error, "cannot read a server's roles");
            None
        }
    }
}
