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
    // Three sessions in a row, sooner than Discord would start them.
    discord.enforce_identify_spacing(false);
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

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Identifies on a new connection as `shard` (`[id, total]`, or any JSON
/// for a bad one); the first frame after it, and the socket.
async fn identify_as(discord: &FakeDiscord, shard: Value) -> (Value, Socket) {
    let mut socket = connect(discord).await;
    next_json(&mut socket).await.unwrap();
    let identify =
        json!({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}, "shard": shard}});
    socket
        .send(Message::Text(identify.to_string()))
        .await
        .unwrap();
    (next_json(&mut socket).await.unwrap(), socket)
}

/// A heartbeat's acknowledgement comes next: nothing else was waiting on
/// the socket before it.
async fn assert_nothing_else(socket: &mut Socket) {
    socket
        .send(Message::Text(json!({"op": 1, "d": null}).to_string()))
        .await
        .unwrap();
    assert_eq!(next_json(socket).await.unwrap(), json!({"op": 11}));
}

#[tokio::test]
async fn each_shard_gets_the_servers_and_interactions_of_its_own_servers() {
    let discord = FakeDiscord::start(TOKEN).await.unwrap();
    discord.set_gateway_limits(2, 2);
    let even = discord.create_guild_on_shard("Even", 0, 2);
    let odd = discord.create_guild_on_shard("Odd", 1, 2);
    assert_eq!(((even >> 22) % 2, (odd >> 22) % 2), (0, 1));
    let channel = discord.create_channel(odd, "general");
    let member = discord.add_member(odd, "Cy", &[]);
    let (_, body) = raw_request(
        &discord.api_url(),
        "GET",
        "/api/v10/gateway/bot",
        Some(TOKEN),
        None,
    )
    .await;
    let gateway = json_of(&body);
    assert_eq!(gateway["shards"], 2);
    assert_eq!(gateway["session_start_limit"]["max_concurrency"], 2);

    // Two buckets: both shards start at once.
    let (ready_0, mut shard_0) = identify_as(&discord, json!([0, 2])).await;
    let (ready_1, mut shard_1) = identify_as(&discord, json!([1, 2])).await;
    for (ready, shard, guild) in [(&ready_0, 0, even), (&ready_1, 1, odd)] {
        assert_eq!(ready["t"], "READY");
        assert_eq!(ready["d"]["shard"], json!([shard, 2]));
        assert_eq!(
            ready["d"]["guilds"],
            json!([{"id": guild.to_string(), "unavailable": true}])
        );
    }
    let create = next_json(&mut shard_0).await.unwrap();
    assert_eq!(
        (&create["t"], &create["d"]["id"]),
        (&json!("GUILD_CREATE"), &json!(even.to_string()))
    );
    let create = next_json(&mut shard_1).await.unwrap();
    assert_eq!(
        (&create["t"], &create["d"]["id"]),
        (&json!("GUILD_CREATE"), &json!(odd.to_string()))
    );
    assert!(discord.shard_session(0).is_some() && discord.shard_session(1).is_some());

    // An interaction in the odd server reaches shard 1 alone.
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
    let interaction = discord
        .send_command(odd, channel, member, "ping", &[])
        .unwrap();
    let event = next_json(&mut shard_1).await.unwrap();
    assert_eq!(
        (&event["t"], &event["d"]["id"]),
        (
            &json!("INTERACTION_CREATE"),
            &json!(interaction.to_string())
        )
    );
    assert_nothing_else(&mut shard_0).await;
    // So does a change to it; the even server's goes to shard 0.
    discord.create_channel(odd, "more");
    assert_eq!(
        next_json(&mut shard_1).await.unwrap()["t"],
        "CHANNEL_CREATE"
    );
    discord.create_channel(even, "more");
    assert_eq!(
        next_json(&mut shard_0).await.unwrap()["t"],
        "CHANNEL_CREATE"
    );
    assert_nothing_else(&mut shard_1).await;

    let log = discord.identify_log();
    assert_eq!(
        log.iter()
            .map(|r| (r.shard, r.total, r.accepted))
            .collect::<Vec<_>>(),
        [(0, 2, true), (1, 2, true)]
    );
}

#[tokio::test]
async fn an_invalid_shard_is_closed_with_4010() {
    let discord = FakeDiscord::start(TOKEN).await.unwrap();
    for shard in [
        json!([2, 2]),
        json!([0, 0]),
        json!([0]),
        json!("0/1"),
        json!([-1, 2]),
    ] {
        let (answer, _) = identify_as(&discord, shard.clone()).await;
        assert_eq!(answer, json!({"close": 4010}), "{shard}");
    }
    assert!(discord.identify_log().is_empty());
    assert_eq!(discord.identifies(), 0);
}

#[tokio::test]
async fn an_identify_within_five_seconds_of_another_in_its_bucket_gets_an_invalid_session() {
    let discord = FakeDiscord::start(TOKEN).await.unwrap();
    // One bucket: shard 1 right after shard 0 is too soon.
    let (ready, _first) = identify_as(&discord, json!([0, 2])).await;
    assert_eq!(ready["t"], "READY");
    let (refused, _second) = identify_as(&discord, json!([1, 2])).await;
    assert_eq!(refused, json!({"op": 9, "d": false}));
    assert!(discord.shard_session(1).is_none());

    // Two buckets: shard 1 goes, shard 3 (bucket 1 again) waits.
    discord.set_gateway_limits(4, 2);
    let (ready, _third) = identify_as(&discord, json!([1, 4])).await;
    assert_eq!(ready["t"], "READY");
    let (refused, _fourth) = identify_as(&discord, json!([3, 4])).await;
    assert_eq!(refused, json!({"op": 9, "d": false}));

    let log = discord.identify_log();
    assert_eq!(
        log.iter()
            .map(|r| (r.shard, r.total, r.accepted))
            .collect::<Vec<_>>(),
        [(0, 2, true), (1, 2, false), (1, 4, true), (3, 4, false)]
    );
    assert!(log.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(discord.identifies(), 2);
}
