//! Building the world the bot meets: servers, channels, roles, members, and
//! what members do in channels besides talking to the bot.

use serde_json::{json, Value};

use super::world::{Channel, ChannelAccess, Guild, Member, Message, Role, User, World};
use super::{payloads, permissions, FakeDiscord};

impl FakeDiscord {
    /// Creates a server with an @everyone role, its owner, and the bot as a
    /// member. Returns the server id.
    pub fn create_guild(&self, name: &str) -> u64 {
        self.create_guild_on_shard(name, 0, 1)
    }

    /// [`create_guild`](Self::create_guild), with an id that puts the
    /// server on `shard` of `total` (`(id >> 22) % total == shard`).
    pub fn create_guild_on_shard(&self, name: &str, shard: u32, total: u32) -> u64 {
        let mut world = self.shared.world();
        let id = world.snowflake_on_shard(shard, total);
        let owner = world.snowflake();
        world.users.insert(
            owner,
            User {
                id: owner,
                name: format!("{name} owner"),
                bot: false,
            },
        );
        let now = World::now_ms();
        let bot = world.bot.id;
        let mut members = std::collections::BTreeMap::new();
        for user in [owner, bot] {
            members.insert(
                user,
                Member {
                    user_id: user,
                    roles: Vec::new(),
                    joined_at_ms: now,
                },
            );
        }
        world.guilds.insert(
            id,
            Guild {
                id,
                name: name.to_owned(),
                owner_id: owner,
                roles: vec![Role {
                    id,
                    name: "@everyone".into(),
                    permissions: permissions::MEMBER_DEFAULT,
                    mentionable: false,
                    position: 0,
                }],
                members,
            },
        );
        // A bot already connected joins it, as on Discord: GUILD_CREATE.
        let now = World::now_ms();
        let guild_json = {
            let g = &world.guilds[&id];
            let bot_member = g
                .members
                .get(&bot)
                .map(|m| payloads::member(m, &world.bot))
                .unwrap_or(Value::Null);
            payloads::guild(g, &[], bot_member, now)
        };
        world.dispatch("GUILD_CREATE", guild_json, None);
        id
    }

    /// The server removes the bot: it is gone from the bot's servers, and a
    /// connected bot gets GUILD_DELETE without `unavailable`. Returns
    /// whether the bot was in it.
    pub fn remove_bot(&self, guild: u64) -> bool {
        let mut world = self.shared.world();
        let Some(removed) = world.guilds.remove(&guild) else {
            return false;
        };
        world.departed_guilds.insert(guild, removed);
        world.dispatch("GUILD_DELETE", json!({"id": guild.to_string()}), None);
        drop(world);
        self.shared.changed.notify_waiters();
        true
    }

    /// The server has an outage: GUILD_DELETE with `unavailable: true`; the
    /// bot stays in it.
    pub fn guild_outage(&self, guild: u64) {
        let mut world = self.shared.world();
        world.dispatch(
            "GUILD_DELETE",
            json!({"id": guild.to_string(), "unavailable": true}),
            None,
        );
    }

    /// The server adds the bot back (after [`remove_bot`](Self::remove_bot)):
    /// GUILD_CREATE, as when joining. Returns whether it had been removed.
    pub fn add_bot_back(&self, guild: u64) -> bool {
        let mut world = self.shared.world();
        let Some(back) = world.departed_guilds.remove(&guild) else {
            return false;
        };
        world.guilds.insert(guild, back);
        let now = World::now_ms();
        let guild_json = {
            let g = &world.guilds[&guild];
            let channels: Vec<&Channel> = world
                .channels
                .values()
                .filter(|c| c.guild_id == guild)
                .collect();
            let bot_member = g
                .members
                .get(&world.bot.id)
                .map(|m| payloads::member(m, &world.bot))
                .unwrap_or(Value::Null);
            payloads::guild(g, &channels, bot_member, now)
        };
        world.dispatch("GUILD_CREATE", guild_json, None);
        drop(world);
        self.shared.changed.notify_waiters();
        true
    }

    /// Creates a text channel the bot may use.
    pub fn create_channel(&self, guild: u64, name: &str) -> u64 {
        let mut world = self.shared.world();
        let id = world.snowflake();
        let bot_user_id = world.bot.id;
        world.channels.insert(
            id,
            Channel {
                id,
                guild_id: guild,
                name: name.to_owned(),
                access: ChannelAccess::Open,
                bot_user_id,
                bot_overwrite: None,
            },
        );
        // A bot already connected learns of it as from Discord.
        let channel = payloads::channel(&world.channels[&id]);
        world.dispatch("CHANNEL_CREATE", channel, None);
        id
    }

    /// Sets a permission overwrite for the bot in a channel: bits it is
    /// allowed and denied there (CHANNEL_UPDATE tells a connected bot).
    pub fn set_bot_overwrite(&self, channel: u64, allow: u64, deny: u64) {
        let mut world = self.shared.world();
        let Some(c) = world.channels.get_mut(&channel) else {
            return;
        };
        c.bot_overwrite = Some((allow, deny));
        let update = payloads::channel(c);
        world.dispatch("CHANNEL_UPDATE", update, None);
    }

    /// Creates a role with these permission bits.
    pub fn create_role(&self, guild: u64, name: &str, permissions: u64, mentionable: bool) -> u64 {
        let mut world = self.shared.world();
        let id = world.snowflake();
        if let Some(g) = world.guilds.get_mut(&guild) {
            let position = g.roles.len() as i32;
            g.roles.push(Role {
                id,
                name: name.to_owned(),
                permissions,
                mentionable,
                position,
            });
            let role = payloads::role(g.roles.last().expect("just pushed"));
            world.dispatch(
                "GUILD_ROLE_CREATE",
                json!({"guild_id": guild.to_string(), "role": role}),
                None,
            );
        }
        id
    }

    /// Adds a member with these roles; returns the user id.
    pub fn add_member(&self, guild: u64, name: &str, roles: &[u64]) -> u64 {
        let mut world = self.shared.world();
        let id = world.snowflake();
        world.users.insert(
            id,
            User {
                id,
                name: name.to_owned(),
                bot: false,
            },
        );
        if let Some(g) = world.guilds.get_mut(&guild) {
            g.members.insert(
                id,
                Member {
                    user_id: id,
                    roles: roles.to_vec(),
                    joined_at_ms: World::now_ms(),
                },
            );
        }
        id
    }

    /// Gives a member (the bot too: [`FakeDiscord::bot_user_id`]) these
    /// roles instead of theirs. A bot already connected learns of its own
    /// roles only when it connects again.
    pub fn set_member_roles(&self, guild: u64, user: u64, roles: &[u64]) {
        let mut world = self.shared.world();
        if let Some(member) = world
            .guilds
            .get_mut(&guild)
            .and_then(|g| g.members.get_mut(&user))
        {
            member.roles = roles.to_vec();
        }
    }

    /// A member's roles, as the server has them now.
    pub fn member_roles(&self, guild: u64, user: u64) -> Vec<u64> {
        self.shared
            .world()
            .guilds
            .get(&guild)
            .and_then(|g| g.members.get(&user))
            .map(|m| m.roles.clone())
            .unwrap_or_default()
    }

    /// Makes a channel forbidden (403) or gone (404) for the bot, or open again.
    pub fn set_channel_access(&self, channel: u64, access: ChannelAccess) {
        if let Some(c) = self.shared.world().channels.get_mut(&channel) {
            c.access = access;
        }
    }

    /// A member writes a message in a channel; its id. (The bot asks for no
    /// message events, so nothing is dispatched.)
    pub fn post_as_member(&self, channel: u64, user: u64, content: &str) -> u64 {
        let mut world = self.shared.world();
        let id = world.snowflake();
        let guild_id = world.channels.get(&channel).map(|c| c.guild_id);
        world.messages.push(Message {
            id,
            channel_id: channel,
            guild_id,
            author_id: user,
            content: content.to_owned(),
            embeds: json!([]),
            components: json!([]),
            flags: 0,
            nonce: None,
            created_ms: World::now_ms(),
            edited_ms: None,
            interaction: None,
            ephemeral_for: None,
            allowed_mentions: None,
            deleted: false,
            created_at: std::time::Instant::now(),
        });
        drop(world);
        self.shared.changed.notify_waiters();
        id
    }

    /// Deletes a message, as a moderator in the Discord client would.
    pub fn delete_message(&self, channel: u64, message: u64) -> bool {
        let mut world = self.shared.world();
        let Some(found) = world
            .messages
            .iter_mut()
            .find(|m| m.id == message && m.channel_id == channel && !m.deleted)
        else {
            return false;
        };
        found.deleted = true;
        drop(world);
        self.shared.changed.notify_waiters();
        true
    }
}
