//! The interaction routes: the initial response (callback), and the
//! interaction's webhook: follow-ups and edits of `@original`, while the
//! token lasts.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::messages::{delete_message, edit_message, message_reply};
use super::{error, Reply};
use crate::world::{Message, World, INTERACTION_TOKEN_LIFETIME};

/// A follow-up message (`POST /webhooks/{application}/{token}`).
pub(super) fn follow_up(world: &mut World, token: &str, body: Value) -> Reply {
    let interaction = match interaction_by_token(world, token) {
        Ok(interaction) => interaction,
        Err(refusal) => return refusal,
    };
    // Directly after a deferred response, a follow-up completes the
    // loading message instead: it keeps that message's visibility,
    // whatever flags the follow-up asks for.
    let loading = world
        .interactions
        .get(&interaction)
        .filter(|i| i.followups.is_empty())
        .and_then(|i| {
            let deferred = i.callbacks.first()?["type"].as_u64() == Some(5);
            deferred.then_some(i.original?)
        })
        .and_then(|original| world.messages.iter().find(|m| m.id == original))
        .filter(|m| !m.deleted && m.edited_ms.is_none())
        .map(|m| (m.channel_id, m.id));
    let message = match loading {
        Some((channel, original)) => {
            let mut edit = body.clone();
            if let Some(fields) = edit.as_object_mut() {
                fields.remove("flags");
            }
            let _ = edit_message(world, channel, original, &edit);
            original
        }
        None => interaction_message(world, interaction, &body),
    };
    if let Some(i) = world.interactions.get_mut(&interaction) {
        i.followups.push(message);
        i.shown.get_or_insert_with(std::time::Instant::now);
    }
    message_reply(world, message)
}

/// Get, edit or delete a message of the interaction (`@original` or an id).
pub(super) fn message(
    world: &mut World,
    verb: &str,
    token: &str,
    target: &str,
    body: &Value,
) -> Reply {
    let interaction = match interaction_by_token(world, token) {
        Ok(interaction) => interaction,
        Err(refusal) => return refusal,
    };
    let message = match target {
        "@original" => world
            .interactions
            .get(&interaction)
            .and_then(|i| i.original),
        other => other.parse().ok(),
    };
    let Some(message) = message else {
        return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
    };
    let Some(channel) = world
        .messages
        .iter()
        .find(|m| m.id == message)
        .map(|m| m.channel_id)
    else {
        return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
    };
    match verb {
        "GET" => message_reply(world, message),
        "PATCH" => {
            if let Some(i) = world.interactions.get_mut(&interaction) {
                i.shown.get_or_insert_with(std::time::Instant::now);
            }
            edit_message(world, channel, message, body)
        }
        "DELETE" => delete_message(world, channel, message),
        _ => error(StatusCode::METHOD_NOT_ALLOWED, 0, "405: Method Not Allowed"),
    }
}

/// The interaction whose webhook token this is, while the token lasts.
fn interaction_by_token(world: &World, token: &str) -> Result<u64, Reply> {
    let Some(interaction) = world.interaction_by_token(token) else {
        return Err(error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook"));
    };
    if interaction.created.elapsed() > INTERACTION_TOKEN_LIFETIME {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            50027,
            "Invalid Webhook Token",
        ));
    }
    Ok(interaction.id)
}

/// The initial response: once, within three seconds of dispatch.
pub(super) fn callback(world: &mut World, id: Option<u64>, token: &str, body: Value) -> Reply {
    let Some(interaction) = id
        .and_then(|id| world.interactions.get(&id))
        .filter(|i| i.token == token)
    else {
        return error(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
    };
    let interaction_id = interaction.id;
    if interaction.acknowledged {
        return error(
            StatusCode::BAD_REQUEST,
            40060,
            "Interaction has already been acknowledged.",
        );
    }
    if !World::in_response_window(interaction) {
        return error(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
    }
    let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let original = match kind {
        // A message, or "thinking…" that a follow-up or edit completes.
        4 => Some(interaction_message(world, interaction_id, &data)),
        5 => {
            let mut placeholder = json!({"content": ""});
            placeholder["flags"] = data.get("flags").cloned().unwrap_or(json!(0));
            Some(interaction_message(world, interaction_id, &placeholder))
        }
        // Deferred update, message update, autocomplete, modal.
        6..=9 => None,
        _ => return error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body"),
    };
    if kind == 7 {
        if let Some((channel, message)) = component_message(world, interaction_id) {
            let _ = edit_message(world, channel, message, &data);
        }
    }
    let interaction = world
        .interactions
        .get_mut(&interaction_id)
        .expect("looked up above");
    interaction.acknowledged = true;
    if kind != 5 {
        interaction.shown = Some(std::time::Instant::now());
    }
    interaction.callbacks.push(body);
    interaction.original = original;
    Reply::Empty(StatusCode::NO_CONTENT)
}

/// The message a component interaction was clicked on.
fn component_message(world: &World, interaction: u64) -> Option<(u64, u64)> {
    let payload = &world.interactions.get(&interaction)?.payload;
    let message = payload.get("message")?;
    let id = message.get("id")?.as_str()?.parse().ok()?;
    let channel = message.get("channel_id")?.as_str()?.parse().ok()?;
    Some((channel, id))
}

/// A message sent for an interaction, as the application's webhook.
fn interaction_message(world: &mut World, interaction: u64, data: &Value) -> u64 {
    let id = world.snowflake();
    let (channel_id, guild_id, user_id) = world
        .interactions
        .get(&interaction)
        .map(|i| (i.channel_id, i.guild_id, i.user_id))
        .unwrap_or_default();
    let flags = data.get("flags").and_then(Value::as_u64).unwrap_or(0);
    world.messages.push(Message {
        id,
        channel_id,
        guild_id,
        author_id: world.bot.id,
        content: data
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        embeds: data.get("embeds").cloned().unwrap_or(json!([])),
        components: data.get("components").cloned().unwrap_or(json!([])),
        flags,
        nonce: None,
        created_ms: World::now_ms(),
        edited_ms: None,
        interaction: Some(interaction),
        ephemeral_for: (flags & 64 != 0).then_some(user_id),
        allowed_mentions: data.get("allowed_mentions").cloned(),
        deleted: false,
        created_at: std::time::Instant::now(),
    });
    id
}
