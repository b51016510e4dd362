//! The REST API under `/api/v10`: every request is recorded, checked against
//! Discord's description when one is loaded, run through the fault switches,
//! then answered from the world as Discord would.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::world::{
    ChannelAccess, FaultKind, Message, RecordedRequest, World, INTERACTION_TOKEN_LIFETIME,
};
use super::Shared;
use super::{payloads, permissions};

/// Discord's error answer.
fn error(status: StatusCode, code: u32, message: &str) -> Reply {
    Reply::Json(status, json!({"message": message, "code": code}))
}

/// What a route answers, before headers.
pub(super) enum Reply {
    Json(StatusCode, Value),
    Empty(StatusCode),
}

impl Reply {
    fn status(&self) -> u16 {
        match self {
            Reply::Json(s, _) | Reply::Empty(s) => s.as_u16(),
        }
    }
}

/// Every REST request comes through here.
pub(super) async fn handle(
    shared: Arc<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or_default().to_owned();
    let received_ms = World::now_ms();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let violation = shared
        .openapi
        .check_request(method.as_str(), &path, content_type.as_deref(), &body)
        .err()
        .map(|v| v.to_string());
    if let Some(violation) = &violation {
        tracing::error!(%violation, "request breaks Discord's API description");
    }
    let parsed = parse_body(content_type.as_deref(), &body);
    let fault = shared.world().take_fault(method.as_str(), &path);
    if let Some(FaultKind::Delay(delay)) = &fault {
        tokio::time::sleep(*delay).await;
    }
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|token| shared.world().accepts_token(token));
    let reply = match fault {
        Some(FaultKind::RateLimited {
            retry_after,
            global,
        }) => {
            let mut response = Reply::Json(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": global}),
            )
            .into_response();
            let headers = response.headers_mut();
            headers.insert(
                "retry-after",
                header(&format!("{}", retry_after.ceil() as u64)),
            );
            headers.insert(
                "x-ratelimit-scope",
                header(if global { "global" } else { "user" }),
            );
            if global {
                headers.insert("x-ratelimit-global", header("true"));
            }
            record(&shared, &method, &path, parsed, 429, violation, received_ms);
            return response;
        }
        Some(FaultKind::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error(status, 0, "Internal Server Error")
        }
        // Interaction callbacks and webhooks are authorized by their token.
        _ if !authorized && !is_token_route(&path) => {
            error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized")
        }
        _ => route(&shared, &method, &path, &query, parsed.clone()),
    };
    record(
        &shared,
        &method,
        &path,
        parsed,
        reply.status(),
        violation,
        received_ms,
    );
    if let Some(FaultKind::Hold(hold)) = fault {
        tokio::time::sleep(hold).await;
    }
    reply.into_response()
}

fn is_token_route(path: &str) -> bool {
    path.starts_with("/api/v10/interactions/") || path.starts_with("/api/v10/webhooks/")
}

fn header(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("0"))
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Json(status, body) => (status, axum::Json(body)).into_response(),
            Reply::Empty(status) => status.into_response(),
        }
    }
}

fn record(
    shared: &Shared,
    method: &Method,
    path: &str,
    body: Option<Value>,
    status: u16,
    violation: Option<String>,
    received_ms: i64,
) {
    shared.world().requests.push(RecordedRequest {
        method: method.to_string(),
        path: path.to_owned(),
        body,
        status,
        violation,
        received_ms,
    });
    shared.changed.notify_waiters();
}

/// The JSON a request carries: the body itself, or a multipart body's
/// `payload_json`.
fn parse_body(content_type: Option<&str>, body: &[u8]) -> Option<Value> {
    if body.is_empty() {
        return None;
    }
    match content_type {
        Some(ct) if ct.starts_with("multipart/form-data") => {
            let text = String::from_utf8_lossy(body);
            let start = text.find("name=\"payload_json\"")?;
            let rest = &text[start..];
            let json_start = rest.find("\r\n\r\n")? + 4;
            let json_end = rest[json_start..].find("\r\n--")? + json_start;
            serde_json::from_str(&rest[json_start..json_end]).ok()
        }
        _ => serde_json::from_slice(body).ok(),
    }
}

fn route(shared: &Shared, method: &Method, path: &str, query: &str, body: Option<Value>) -> Reply {
    let Some(rest) = path.strip_prefix("/api/v10/") else {
        return error(StatusCode::NOT_FOUND, 0, "404: Not Found");
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let body = body.unwrap_or(Value::Null);
    let mut world = shared.world();
    let id = |s: &str| s.parse::<u64>().ok();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["gateway"]) => Reply::Json(StatusCode::OK, json!({"url": shared.gateway_url()})),
        ("GET", ["gateway", "bot"]) => Reply::Json(
            StatusCode::OK,
            json!({
                "url": shared.gateway_url(),
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
            }),
        ),
        ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
            let bot = payloads::user(&world.bot);
            Reply::Json(
                StatusCode::OK,
                json!({
                    "id": world.application_id.to_string(),
                    "name": world.bot.name,
                    "icon": null,
                    "description": "",
                    "bot_public": true,
                    "bot_require_code_grant": false,
                    "verify_key": "0",
                    "flags": 0,
                    "bot": bot,
                    "owner": bot,
                    "team": null,
                }),
            )
        }
        ("GET", ["users", "@me"]) => Reply::Json(StatusCode::OK, payloads::user(&world.bot)),
        ("PUT", ["applications", app, "guilds", guild, "commands"])
            if id(app) == Some(world.application_id) =>
        {
            let Some(guild) = id(guild).filter(|g| world.guilds.contains_key(g)) else {
                return error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
            };
            let Some(list) = body.as_array() else {
                return error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
            };
            let registered = register_commands(&mut world, list, Some(guild));
            world.guild_commands.insert(guild, registered.clone());
            shared.changed.notify_waiters();
            Reply::Json(StatusCode::OK, Value::Array(registered))
        }
        ("PUT", ["applications", app, "commands"]) if id(app) == Some(world.application_id) => {
            let Some(list) = body.as_array() else {
                return error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
            };
            let registered = register_commands(&mut world, list, None);
            world.global_commands = registered.clone();
            world.command_overwrites += 1;
            shared.changed.notify_waiters();
            Reply::Json(StatusCode::OK, Value::Array(registered))
        }
        ("GET", ["applications", app, "commands"]) if id(app) == Some(world.application_id) => {
            Reply::Json(StatusCode::OK, Value::Array(world.global_commands.clone()))
        }
        ("POST", ["interactions", interaction, token, "callback"]) => {
            interaction_callback(&mut world, id(interaction), token, body)
        }
        ("POST", ["webhooks", app, token]) if id(app) == Some(world.application_id) => {
            let interaction = match interaction_by_token(&world, token) {
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
                    let _ = edit_message(&mut world, channel, original, &edit);
                    original
                }
                None => interaction_message(&mut world, interaction, &body),
            };
            if let Some(i) = world.interactions.get_mut(&interaction) {
                i.followups.push(message);
            }
            message_reply(&world, message)
        }
        (verb, ["webhooks", app, token, "messages", target])
            if id(app) == Some(world.application_id) =>
        {
            let interaction = match interaction_by_token(&world, token) {
                Ok(interaction) => interaction,
                Err(refusal) => return refusal,
            };
            let message = match *target {
                "@original" => world
                    .interactions
                    .get(&interaction)
                    .and_then(|i| i.original),
                other => id(other),
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
                "GET" => message_reply(&world, message),
                "PATCH" => edit_message(&mut world, channel, message, &body),
                "DELETE" => delete_message(&mut world, channel, message),
                _ => error(StatusCode::METHOD_NOT_ALLOWED, 0, "405: Method Not Allowed"),
            }
        }
        (verb, ["channels", channel, rest @ ..]) => {
            let Some(channel) = id(channel) else {
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
                ("GET", []) => {
                    Reply::Json(StatusCode::OK, payloads::channel(&world.channels[&channel]))
                }
                ("POST", ["messages"]) => create_message(&mut world, channel, body),
                ("GET", ["messages"]) => list_messages(&world, channel, query),
                ("GET", ["messages", message]) => match id(message) {
                    Some(m) if world.message_mut(channel, m).is_some() => message_reply(&world, m),
                    _ => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
                },
                ("PATCH", ["messages", message]) => match id(message) {
                    Some(m) => edit_message(&mut world, channel, m, &body),
                    None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
                },
                ("DELETE", ["messages", message]) => match id(message) {
                    Some(m) => delete_message(&mut world, channel, m),
                    None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
                },
                _ => error(StatusCode::NOT_FOUND, 0, "404: Not Found"),
            }
        }
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
    let mut bits = super::member_permissions(guild, me);
    if bits & permissions::ADMINISTRATOR != 0 {
        return true;
    }
    if let Some((allow, deny)) = c.bot_overwrite {
        bits = (bits & !deny) | allow;
    }
    bits & permissions::READ_MESSAGE_HISTORY != 0
}

/// Gives commands ids and versions, as Discord does on a bulk overwrite.
fn register_commands(world: &mut World, list: &[Value], guild: Option<u64>) -> Vec<Value> {
    let mut registered = Vec::new();
    for command in list {
        let mut command = command.clone();
        command["id"] = json!(world.snowflake().to_string());
        command["application_id"] = json!(world.application_id.to_string());
        command["version"] = json!(world.snowflake().to_string());
        if let Some(guild) = guild {
            command["guild_id"] = json!(guild.to_string());
        }
        if command.get("type").is_none() {
            command["type"] = json!(1);
        }
        registered.push(command);
    }
    registered
}

/// The interaction whose webhook token this is, while the token lasts.
fn interaction_by_token(world: &World, token: &str) -> Result<u64, Reply> {
    let Some(interaction) = world.interactions.values().find(|i| i.token == token) else {
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
fn interaction_callback(world: &mut World, id: Option<u64>, token: &str, body: Value) -> Reply {
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

fn create_message(world: &mut World, channel: u64, body: Value) -> Reply {
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

fn edit_message(world: &mut World, channel: u64, message: u64, body: &Value) -> Reply {
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

fn delete_message(world: &mut World, channel: u64, message: u64) -> Reply {
    match world.message_mut(channel, message) {
        Some(m) => {
            m.deleted = true;
            Reply::Empty(StatusCode::NO_CONTENT)
        }
        None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

fn message_reply(world: &World, id: u64) -> Reply {
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
