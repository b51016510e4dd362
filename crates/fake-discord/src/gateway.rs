//! The gateway: HELLO, IDENTIFY, READY and GUILD_CREATE, heartbeats, RESUME
//! with replay of missed events, INVALID SESSION and RECONNECT, then
//! dispatches, as in Discord's gateway documentation.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as Frame, WebSocket};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

use super::payloads;
use super::world::{IdentifyRecord, Outgoing, Session, World, IDENTIFY_SPACING};
use super::Shared;

/// Close codes, from Discord's documentation.
const UNKNOWN_ERROR: u16 = 4000;
const NOT_AUTHENTICATED: u16 = 4003;
const AUTHENTICATION_FAILED: u16 = 4004;
const INVALID_SHARD: u16 = 4010;

/// What came of an IDENTIFY.
enum Identified {
    Session(String),
    BadToken,
    /// `shard` is not `[id, total]` with `id < total`.
    InvalidShard,
    /// Another IDENTIFY in the same bucket started a session less than 5
    /// seconds ago: an invalid session, not resumable.
    TooSoon,
}

/// Serves one connection until it closes.
pub(super) async fn serve(shared: Arc<Shared>, mut socket: WebSocket) {
    let interval = Duration::from_millis(shared.world().heartbeat_interval_ms);
    let hello = json!({"op": 10, "d": {"heartbeat_interval": interval.as_millis() as u64}});
    if send(&mut socket, &hello).await.is_err() {
        return;
    }
    let (live, mut outgoing) = mpsc::unbounded_channel();
    let mut session: Option<String> = None;
    // Discord allows some latency on top of the interval.
    let grace = interval + interval / 2 + Duration::from_secs(1);
    let mut heartbeat_due = Instant::now() + grace;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(frame)) = incoming else { break };
                let text = match frame {
                    Frame::Text(text) => text.to_string(),
                    Frame::Close(_) => break,
                    _ => continue,
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else {
                    close(&mut socket, UNKNOWN_ERROR).await;
                    break;
                };
                match payload.get("op").and_then(Value::as_u64) {
                    Some(1) => {
                        heartbeat_due = Instant::now() + grace;
                        if send(&mut socket, &json!({"op": 11})).await.is_err() {
                            break;
                        }
                    }
                    Some(2) => {
                        identifies_released(&shared).await;
                        match identify(&shared, &payload["d"], live.clone()) {
                            Identified::Session(id) => session = Some(id),
                            Identified::BadToken => {
                                close(&mut socket, AUTHENTICATION_FAILED).await;
                                break;
                            }
                            Identified::InvalidShard => {
                                close(&mut socket, INVALID_SHARD).await;
                                break;
                            }
                            Identified::TooSoon => {
                                if send(&mut socket, &json!({"op": 9, "d": false})).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    Some(6) => {
                        match resume(&shared, &payload["d"], live.clone()) {
                            Some(id) => session = Some(id),
                            None => {
                                // Not resumable: the client must identify again.
                                if send(&mut socket, &json!({"op": 9, "d": false})).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    _ if session.is_none() => {
                        close(&mut socket, NOT_AUTHENTICATED).await;
                        break;
                    }
                    _ => {}
                }
            }
            frame = outgoing.recv() => {
                match frame {
                    Some(Outgoing::Dispatch { frame, interaction }) => {
                        if let Some(id) = interaction {
                            // Discord's deadline runs from the first delivery;
                            // a redelivery or replay does not extend it.
                            if let Some(i) = shared.world().interactions.get_mut(&id) {
                                i.dispatched.get_or_insert_with(std::time::Instant::now);
                            }
                        }
                        if send(&mut socket, &frame).await.is_err() {
                            break;
                        }
                    }
                    Some(Outgoing::Reconnect) => {
                        let _ = send(&mut socket, &json!({"op": 7, "d": null})).await;
                        close(&mut socket, UNKNOWN_ERROR).await;
                        break;
                    }
                    // Vanish without a close frame, as a broken network does.
                    Some(Outgoing::Drop) | None => break,
                }
            }
            _ = sleep_until(heartbeat_due) => {
                // A missed heartbeat: Discord closes, and the client resumes.
                close(&mut socket, UNKNOWN_ERROR).await;
                break;
            }
        }
    }
    if let Some(id) = session {
        if let Some(s) = shared.world().sessions.get_mut(&id) {
            if s.live.as_ref().is_some_and(|l| l.same_channel(&live)) {
                s.live = None;
            }
        }
    }
    shared.changed.notify_waiters();
}

async fn send(socket: &mut WebSocket, payload: &Value) -> Result<(), axum::Error> {
    socket.send(Frame::Text(payload.to_string().into())).await
}

async fn close(socket: &mut WebSocket, code: u16) {
    let _ = socket
        .send(Frame::Close(Some(CloseFrame {
            code,
            reason: "".into(),
        })))
        .await;
}

/// Waits while a test holds new sessions.
async fn identifies_released(shared: &Shared) {
    loop {
        let released = shared.changed.notified();
        if !shared.world().identifies_held {
            return;
        }
        released.await;
    }
}

/// The `shard` of an IDENTIFY: `[0, 1]` when absent; `None` when it is not
/// `[id, total]` with `id < total`.
fn shard_of_identify(data: &Value) -> Option<(u32, u32)> {
    let Some(shard) = data.get("shard") else {
        return Some((0, 1));
    };
    let pair = shard.as_array().filter(|pair| pair.len() == 2)?;
    let number = |v: &Value| v.as_u64().and_then(|n| u32::try_from(n).ok());
    let (id, total) = (number(&pair[0])?, number(&pair[1])?);
    (id < total).then_some((id, total))
}

/// Starts a session: READY, then a GUILD_CREATE per server of its shard.
fn identify(shared: &Shared, data: &Value, live: mpsc::UnboundedSender<Outgoing>) -> Identified {
    let mut world = shared.world();
    if !data
        .get("token")
        .and_then(Value::as_str)
        .is_some_and(|t| world.accepts_token(t))
    {
        return Identified::BadToken;
    }
    let Some((shard, total)) = shard_of_identify(data) else {
        return Identified::InvalidShard;
    };
    // One IDENTIFY per 5 seconds in each bucket, across every connection.
    let now = std::time::Instant::now();
    let bucket = shard % world.max_concurrency.max(1);
    let too_soon = world.identify_spacing_enforced
        && world.identify_log.iter().any(|r| {
            r.accepted
                && r.shard % world.max_concurrency.max(1) == bucket
                && now.duration_since(r.at) < IDENTIFY_SPACING
        });
    world.identify_log.push(IdentifyRecord {
        shard,
        total,
        at: now,
        accepted: !too_soon,
    });
    if too_soon {
        shared.changed.notify_waiters();
        return Identified::TooSoon;
    }
    let id = format!("session-{}", world.snowflake());
    world.sessions.insert(
        id.clone(),
        Session {
            shard: (shard, total),
            live: Some(live),
            ..Session::default()
        },
    );
    world.current_session = Some(id.clone());
    world.shard_total = total;
    world.shard_sessions.insert(shard, id.clone());
    world.identifies += 1;
    let ready = json!({
        "v": 10,
        "user": {
            "id": world.bot.id.to_string(),
            "username": world.bot.name,
            "discriminator": "0",
            "global_name": null,
            "avatar": null,
            "bot": true,
            "verified": true,
            "mfa_enabled": false,
            "flags": 0,
        },
        "guilds": world
            .guilds
            .keys()
            .filter(|g| world.shard_of(Some(**g)) == shard)
            .map(|g| json!({"id": g.to_string(), "unavailable": true}))
            .collect::<Vec<_>>(),
        "session_id": id,
        "resume_gateway_url": shared.gateway_url(),
        "shard": [shard, total],
        "application": {"id": world.application_id.to_string(), "flags": 0},
    });
    world.dispatch_to(&id, "READY", ready, None);
    for guild in guild_creates(&world, shard) {
        world.dispatch_to(&id, "GUILD_CREATE", guild, None);
    }
    shared.changed.notify_waiters();
    Identified::Session(id)
}

/// A GUILD_CREATE for each server of `shard`.
fn guild_creates(world: &World, shard: u32) -> Vec<Value> {
    let now = World::now_ms();
    world
        .guilds
        .values()
        .filter(|guild| world.shard_of(Some(guild.id)) == shard)
        .map(|guild| {
            let channels: Vec<_> = world
                .channels
                .values()
                .filter(|c| c.guild_id == guild.id)
                .collect();
            let bot_member = guild
                .members
                .get(&world.bot.id)
                .map(|m| payloads::member(m, &world.bot))
                .unwrap_or(Value::Null);
            payloads::guild(guild, &channels, bot_member, now)
        })
        .collect()
}

/// Resumes a session: replays what the client missed, then RESUMED.
fn resume(shared: &Shared, data: &Value, live: mpsc::UnboundedSender<Outgoing>) -> Option<String> {
    let mut world = shared.world();
    let token_ok = data
        .get("token")
        .and_then(Value::as_str)
        .is_some_and(|t| world.accepts_token(t));
    let id = data.get("session_id").and_then(Value::as_str)?.to_owned();
    let last = data.get("seq").and_then(Value::as_u64).unwrap_or(0);
    if !token_ok || !world.sessions.contains_key(&id) {
        return None;
    }
    if world.refuse_resumes > 0 {
        world.refuse_resumes -= 1;
        world.sessions.remove(&id);
        return None;
    }
    world.resumes += 1;
    world.current_session = Some(id.clone());
    let session = world.sessions.get_mut(&id)?;
    session.live = Some(live.clone());
    let shard = session.shard.0;
    for (_, frame, interaction) in session.log.iter().filter(|(seq, ..)| *seq > last) {
        let _ = live.send(Outgoing::Dispatch {
            frame: frame.clone(),
            interaction: *interaction,
        });
    }
    world.shard_sessions.insert(shard, id.clone());
    world.dispatch_to(&id, "RESUMED", json!({}), None);
    shared.changed.notify_waiters();
    Some(id)
}
