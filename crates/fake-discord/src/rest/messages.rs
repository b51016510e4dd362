//! The channel routes: the channel itself and its messages, behind its
//! access (404 gone, 403 forbidden).

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::{error, Reply};
use crate::world::{ChannelAccess, Message, World};
use crate::{member_permissions, payloads, permissions};

/// `/channels/{channel}/...`.
pub(super) fn channel(
    world: &mut World,
    verb: &str,
    channel: &str,
    rest: &[&str],
    query: &str,
    body: Value,
) -> Reply {
    let Ok(channel) = channel.parse::<u64>() else {
        return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    };
    match world.channels.get(&channel).map(|c| c.access) {
        None | Some(ChannelAccess::Gone) => {
            return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel")
        }
        Some(ChannelAccess::Forbidden) => {
            return error(StatusCode::FORBIDDEN, 50013, "Missing Permissions")
        }
        Some(ChannelAccess::Open) => {}
    }
    match (verb, rest) {
        ("GET", []) => Reply::Json(StatusCode::OK, payloads::channel(&world.channels[&channel])),
        ("POST", ["messages"]) => create_message(world, channel, body),
        ("GET", ["messages"]) => list_messages(world, channel, query),
        ("GET", ["messages", message]) => match message.parse::<u64>().ok() {
            Some(m) if world.message_mut(channel, m).is_some() => message_reply(world, m),
            _ => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
        },
        ("PATCH", ["messages", message]) => match message.parse::<u64>().ok() {
            Some(m) => edit_message(world, channel, m, &body),
            None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
        },
        ("DELETE", ["messages", message]) => match message.parse::<u64>().ok() {
            Some(m) => delete_message(world, channel, m),
            None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
        },
        _ => error(StatusCode::NOT_FOUND, 0, "404: Not Found"),
    }
}

/// Get Channel Messages, as Discord documents it: newest first; `limit`
/// 1-100 (default 50); at most one of `before`, `after` and `around`. With
/// `after`, the `limit` messages right after that id. Without Read Message
/// History the bot gets an empty list, not an error.
fn list_messages(world: &World, channel: u64, query: &str) -> Reply {
    let invalid = || error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
    let mut limit = 50usize;
    let mut anchor = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "limit" => match value.parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => limit = n,
                _ => return invalid(),
            },
            "before" | "after" | "around" => {
                let Ok(id) = value.parse::<u64>() else {
                    return invalid();
                };
                if anchor.replace((key, id)).is_some() {
                    return invalid();
                }
            }
            _ => {}
        }
    }
    if !bot_reads_history(world, channel) {
        return Reply::Json(StatusCode::OK, json!([]));
    }
    // Oldest first while choosing; ids increase with time.
    let mut visible: Vec<&Message> = world
        .messages
        .iter()
        .filter(|m| m.channel_id == channel && !m.deleted && m.ephemeral_for.is_none())
        .collect();
    visible.sort_by_key(|m| m.id);
    let chosen: Vec<&Message> = match anchor {
        None => visible.iter().rev().take(limit).rev().copied().collect(),
        Some(("before", id)) => {
            let older: Vec<_> = visible.iter().filter(|m| m.id < id).collect();
            older[older.len().saturating_sub(limit)..]
                .iter()
                .map(|m| **m)
                .collect()
        }
        Some(("after", id)) => visible
            .iter()
            .filter(|m| m.id > id)
            .take(limit)
            .copied()
            .collect(),
        // Around: the message itself if there, and the rest split as evenly
        // as Discord does, older ones first.
        Some((_, id)) => {
            let split = visible.partition_point(|m| m.id < id);
            let before = (limit / 2).min(split);
            let start = split - before;
            visible[start..].iter().take(limit).copied().collect()
        }
    };
    let author = world.bot.clone();
    let listed: Vec<Value> = chosen
        .iter()
        .rev()
        .map(|m| payloads::message(m, world.user(m.author_id).unwrap_or(&author)))
        .collect();
    Reply::Json(StatusCode::OK, Value::Array(listed))
}

/// Whether the bot has Read Message History in the channel: its roles in
/// the server, then the channel's overwrite for it.
fn bot_reads_history(world: &World, channel: u64) -> bool {
    let Some(c) = world.channels.get(&channel) else {
        return false;
    };
    let Some(guild) = world.guilds.get(&c.guild_id) else {
        return true;
    };
    let Some(me) = guild.members.get(&c.bot_user_id) else {
        return false;
    };
    let mut bits = member_permissions(guild, me);
    if bits & permissions::ADMINISTRATOR != 0 {
        return true;
    }
    if let Some((allow, deny)) = c.bot_overwrite {
        bits = (bits & !deny) | allow;
    }
    bits & permissions::READ_MESSAGE_HISTORY != 0
}

pub(super) fn create_message(world: &mut World, channel: u64, body: Value) -> Reply {
    let bot = world.bot.id;
    let nonce = body.get("nonce").cloned();
    let enforce = body
        .get("enforce_nonce")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let (Some(nonce), true) = (&nonce, enforce) {
        if let Some(earlier) = world.message_with_nonce(channel, bot, nonce) {
            let earlier = earlier.id;
            return message_reply(world, earlier);
        }
    }
    let content = body
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let embeds = body.get("embeds").cloned().unwrap_or(json!([]));
    if content.is_empty() && embeds.as_array().is_none_or(Vec::is_empty) {
        return error(
            StatusCode::BAD_REQUEST,
            50006,
            "Cannot send an empty message",
        );
    }
    let id = world.snowflake();
    let guild_id = world.channels.get(&channel).map(|c| c.guild_id);
    world.messages.push(Message {
        id,
        channel_id: channel,
        guild_id,
        author_id: bot,
        content,
        embeds,
        components: body.get("components").cloned().unwrap_or(json!([])),
        flags: body.get("flags").and_then(Value::as_u64).unwrap_or(0),
        nonce,
        created_ms: World::now_ms(),
        edited_ms: None,
        interaction: None,
        ephemeral_for: None,
        allowed_mentions: body.get("allowed_mentions").cloned(),
        deleted: false,
        created_at: std::time::Instant::now(),
    });
    message_reply(world, id)
}

pub(super) fn edit_message(world: &mut World, channel: u64, message: u64, body: &Value) -> Reply {
    let Some(m) = world.message_mut(channel, message) else {
        return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
    };
    if let Some(content) = body.get("content").and_then(Value::as_str) {
        m.content = content.to_owned();
    }
    for (field, slot) in [("embeds", &mut m.embeds), ("components", &mut m.components)] {
        if let Some(value) = body.get(field).filter(|v| !v.is_null()) {
            *slot = value.clone();
        }
    }
    if let Some(mentions) = body.get("allowed_mentions") {
        m.allowed_mentions = Some(mentions.clone());
    }
    m.edited_ms = Some(World::now_ms());
    message_reply(world, message)
}

pub(super) fn delete_message(world: &mut World, channel: u64, message: u64) -> Reply {
    match world.message_mut(channel, message) {
        Some(m) => {
            m.deleted = true;
            Reply::Empty(StatusCode::NO_CONTENT)
        }
        None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

pub(super) fn message_reply(world: &World, id: u64) -> Reply {
    match world.messages.iter().find(|m| m.id == id) {
        Some(m) => {
            let author = world
                .user(m.author_id)
                .cloned()
                .unwrap_or_else(|| world.bot.clone());
            Reply::Json(StatusCode::OK, payloads::message(m, &author))
        }
        None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}
