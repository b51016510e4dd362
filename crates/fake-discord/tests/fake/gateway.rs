//! The gateway: the token, heartbeats, RESUME with replay, and RECONNECT.

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use std::time::Duration;

use fake_discord::FakeDiscord;
use serde_json::{json, Value};

use crate::support::{fake, json_of, raw_request, TOKEN};

/// A gateway client speaking just enough of the protocol.
pub(crate) async fn connect(
    discord: &FakeDiscord,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let (_, body) = raw_request(
        &discord.api_url(),
        "GET",
        "/api/v10/gateway",
        Some(TOKEN),
        None,
    )
    .await;
    let url = format!(
        "{}?v=10&encoding=json",
        json_of(&body)["url"].as_str().unwrap()
    );
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

pub(crate) async fn next_json<
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
>(
    socket: &mut S,
) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .ok()??
        {
            Ok(Message::Text(text)) => return serde_json::from_str(&text).ok(),
            Ok(Message::Close(frame)) => {
                return Some(json!({"close": frame.map(|f| u16::from(f.code))}))
            }
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn the_gateway_checks_the_token_and_closes_on_missed_heartbeats() {
    let (discord, _, _) = fake().await;
    discord.set_heartbeat_interval(Duration::from_millis(300));

    // A wrong token: 4004.
    let mut socket = connect(&discord).await;
    assert_eq!(next_json(&mut socket).await.unwrap()["op"], 10);
    let identify = json!({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}});
    socket
        .send(Message::Text(identify.to_string()))
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut socket).await.unwrap(),
        json!({"close": 4004})
    );

    // The right token: READY, then GUILD_CREATE; then silence closes it.
    let mut socket = connect(&discord).await;
    let hello = next_json(&mut socket).await.unwrap();
    assert_eq!(hello["d"]["heartbeat_interval"], 300);
    let identify = json!({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}});
    socket
        .send(Message::Text(identify.to_string()))
        .await
        .unwrap();
    let ready = next_json(&mut socket).await.unwrap();
    assert_eq!(
        (ready["t"].as_str(), ready["s"].as_u64()),
        (Some("READY"), Some(1))
    );
    assert_eq!(
        ready["d"]["application"]["id"],
        json!(discord.application_id().to_string())
    );
    let guild = next_json(&mut socket).await.unwrap();
    assert_eq!(guild["t"], "GUILD_CREATE");
    assert_eq!(guild["d"]["channels"][0]["name"], "general");
    socket
        .send(Message::Text(json!({"op": 1, "d": 2}).to_string()))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket).await.unwrap(), json!({"op": 11}));
    // No more heartbeats: the fake closes with a resumable code.
    assert_eq!(
        next_json(&mut socket).await.unwrap(),
        json!({"close": 4000})
    );
    assert!(!discord.connected());
}

#[tokio::test]
async fn a_resume_replays_what_was_missed_and_reconnect_is_asked_with_op_7() {
    let (discord, guild, channel) = fake().await;
    let mut socket = connect(&discord).await;
    next_json(&mut socket).await.unwrap();
    let identify = json!({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}});
    socket
        .send(Message::Text(identify.to_string()))
        .await
        .unwrap();
    let ready = next_json(&mut socket).await.unwrap();
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    next_json(&mut socket).await.unwrap(); // GUILD_CREATE, seq 2

    assert!(discord.request_reconnect());
    assert_eq!(next_json(&mut socket).await.unwrap()["op"], 7);
    drop(socket);

    // While away, the world goes on.
    let app = discord.application_id();
    let body = json!([{"name": "ping", "description": "Ping", "type": 1}]).to_string();
    raw_request(
        &discord.api_url(),
        "PUT",
        &format!("/api/v10/applications/{app}/commands"),
        Some(TOKEN),
        Some(&body),
    )
    .await;
    let member = discord.add_member(guild, "Cy", &[]);
    let interaction = discord
        .send_command(guild, channel, member, "ping", &[])
        .unwrap();

    let mut socket = connect(&discord).await;
    next_json(&mut socket).await.unwrap();
    let resume = json!({"op": 6, "d": {"token": TOKEN, "session_id": session, "seq": 2}});
    socket
        .send(Message::Text(resume.to_string()))
        .await
        .unwrap();
    let replayed = next_json(&mut socket).await.unwrap();
    assert_eq!(
        (replayed["t"].as_str(), replayed["s"].as_u64()),
        (Some("INTERACTION_CREATE"), Some(3))
    );
    assert_eq!(replayed["d"]["id"], json!(interaction.to_string()));
    assert_eq!(next_json(&mut socket).await.unwrap()["t"], "RESUMED");

    // A refused resume: INVALID SESSION, not resumable.
    drop(socket);
    discord.refuse_resumes(1);
    let mut socket = connect(&discord).await;
    next_json(&mut socket).await.unwrap();
    socket
        .send(Message::Text(
            json!({"op": 6, "d": {"token": TOKEN, "session_id": session, "seq": 3}}).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut socket).await.unwrap(),
        json!({"op": 9, "d": false})
    );
}

/// Identifies on a new connection; READY's `d`.
async fn identify(
    discord: &FakeDiscord,
) -> (
    Value,
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) {
    let mut socket = connect(discord).await;
    next_json(&mut socket).await.unwrap();
    socket
        .send(Message::Text(
            json!({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}}).to_string(),
        ))
        .await
        .unwrap();
    let ready = next_json(&mut socket).await.unwrap();
    assert_eq!(ready["t"], "READY");
    (ready["d"].clone(), socket)
}

#[tokio::test]
async fn a_server_removing_the_bot_is_a_guild_delete_without_unavailable_and_missing_from_ready() {
    let (discord, guild, _channel) = fake().await;
    let (_, mut socket) = identify(&discord).await;
    assert_eq!(next_json(&mut socket).await.unwrap()["t"], "GUILD_CREATE");

    discord.guild_outage(guild);
    let outage = next_json(&mut socket).await.unwrap();
    assert_eq!(
        (&outage["t"], &outage["d"]["unavailable"]),
        (&json!("GUILD_DELETE"), &json!(true))
    );
    assert!(discord.remove_bot(guild));
    let removed = next_json(&mut socket).await.unwrap();
    assert_eq!(removed["t"], "GUILD_DELETE");
    assert_eq!(removed["d"], json!({"id": guild.to_string()}));

    // A session started now does not list it.
    let (ready, _second) = identify(&discord).await;
    assert_eq!(ready["guilds"], json!([]));
    assert!(discord.add_bot_back(guild));
    let (ready, _third) = identify(&discord).await;
    assert_eq!(ready["guilds"][0]["id"], json!(guild.to_string()));
    assert!(!discord.add_bot_back(guild));
}
