//! The JSON objects the fake sends, shaped as Discord sends them: complete
//! enough for serenity and poise to deserialize (they reject objects that
//! real Discord would never send without some field).

use serde_json::{json, Value};

use super::world::{Channel, Guild, Member, Message, Role, User};

/// A Discord timestamp for the given Unix milliseconds.
pub fn timestamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

pub fn user(user: &User) -> Value {
    json!({
        "id": user.id.to_string(),
        "username": user.name,
        "global_name": user.name,
        "discriminator": "0",
        "avatar": null,
        "bot": user.bot,
        "public_flags": 0,
    })
}

pub fn role(role: &Role) -> Value {
    json!({
        "id": role.id.to_string(),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "managed": false,
        "mentionable": role.mentionable,
        "permissions": role.permissions.to_string(),
        "position": role.position,
        "flags": 0,
    })
}

pub fn member(member: &Member, user_object: &User) -> Value {
    json!({
        "user": user(user_object),
        "nick": null,
        "roles": member.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "joined_at": timestamp(member.joined_at_ms),
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
    })
}

pub fn channel(channel: &Channel) -> Value {
    json!({
        "id": channel.id.to_string(),
        "type": 0,
        "guild_id": channel.guild_id.to_string(),
        "name": channel.name,
        "position": 0,
        "permission_overwrites": channel.bot_overwrite.map(|(allow, deny)| vec![json!({
            "id": channel.bot_user_id.to_string(),
            "type": 1,
            "allow": allow.to_string(),
            "deny": deny.to_string(),
        })]).unwrap_or_default(),
        "nsfw": false,
        "topic": null,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "parent_id": null,
        "flags": 0,
    })
}

/// The guild object of GUILD_CREATE: everything the bot may see without
/// privileged intents (only its own member).
pub fn guild(guild: &Guild, channels: &[&Channel], bot_member: Value, now_ms: i64) -> Value {
    json!({
        "id": guild.id.to_string(),
        "name": guild.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": guild.owner_id.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": guild.roles.iter().map(role).collect::<Vec<_>>(),
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "joined_at": timestamp(now_ms),
        "large": false,
        "unavailable": false,
        "member_count": guild.members.len(),
        "voice_states": [],
        "members": [bot_member],
        "channels": channels.iter().map(|c| channel(c)).collect::<Vec<_>>(),
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
    })
}

/// The guild object of Get Guild: the server and its roles, without what
/// only GUILD_CREATE carries (channels, members, the bot's join).
pub fn guild_object(server: &Guild) -> Value {
    let mut object = guild(server, &[], Value::Null, 0);
    if let Some(fields) = object.as_object_mut() {
        for key in [
            "joined_at",
            "large",
            "unavailable",
            "member_count",
            "voice_states",
            "members",
            "channels",
            "threads",
            "presences",
            "stage_instances",
            "guild_scheduled_events",
        ] {
            fields.remove(key);
        }
    }
    object
}

pub fn message(message: &Message, author: &User) -> Value {
    json!({
        "id": message.id.to_string(),
        "channel_id": message.channel_id.to_string(),
        "guild_id": message.guild_id.map(|g| g.to_string()),
        "author": user(author),
        "content": message.content,
        "timestamp": timestamp(message.created_ms),
        "edited_timestamp": message.edited_ms.map(timestamp),
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": message.embeds,
        "components": message.components,
        "pinned": false,
        "type": if message.interaction.is_some() { 20 } else { 0 },
        "flags": message.flags,
        "nonce": message.nonce,
        "webhook_id": message.interaction.map(|_| message.author_id.to_string()),
    })
}
