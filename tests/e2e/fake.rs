//! The fake Discord itself: it is only worth what it rejects.

use std::time::Duration;

use fake_discord::{permissions, ChannelAccess, FakeDiscord, FaultKind};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::support::bot::TOKEN;
use crate::support::raw_request;

async fn fake() -> (FakeDiscord, u64, u64) {
    let discord = FakeDiscord::start(TOKEN).await.unwrap();
    let guild = discord.create_guild("Test");
    let channel = discord.create_channel(guild, "general");
    (discord, guild, channel)
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

#[tokio::test]
async fn channels_answer_like_discord() {
    let (discord, _, channel) = fake().await;
    let url = discord.api_url();
    let path = format!("/api/v10/channels/{channel}/messages");
    let (status, body) = raw_request(
        &url,
        "POST",
        &path,
        Some(TOKEN),
        Some(r#"{"content":"hello"}"#),
    )
    .await;
    assert_eq!(status, 200);
    let message = json_of(&body);
    assert_eq!(message["content"], "hello");
    assert!(message["id"]
        .as_str()
        .is_some_and(|id| id.parse::<u64>().is_ok()));
    assert!(message["timestamp"].as_str().is_some());

    // An edit is applied and shows.
    let id = message["id"].as_str().unwrap().to_owned();
    let (status, _) = raw_request(
        &url,
        "PATCH",
        &format!("{path}/{id}"),
        Some(TOKEN),
        Some(r#"{"content":"hello again"}"#),
    )
    .await;
    assert_eq!(status, 200);
    let (_, recent) = raw_request(&url, "GET", &path, Some(TOKEN), None).await;
    assert_eq!(json_of(&recent)[0]["content"], "hello again");

    // Without the token: 401.
    assert_eq!(raw_request(&url, "GET", &path, None, None).await.0, 401);
    // Gone and forbidden channels.
    discord.set_channel_access(channel, ChannelAccess::Gone);
    let (status, body) =
        raw_request(&url, "POST", &path, Some(TOKEN), Some(r#"{"content":"x"}"#)).await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (404, Some(10003))
    );
    discord.set_channel_access(channel, ChannelAccess::Forbidden);
    let (status, body) =
        raw_request(&url, "POST", &path, Some(TOKEN), Some(r#"{"content":"x"}"#)).await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (403, Some(50013))
    );
    let (status, body) = raw_request(
        &url,
        "GET",
        "/api/v10/channels/42/messages",
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (404, Some(10003))
    );
}

/// The ids a message list holds, in its order.
fn ids_of(body: &str) -> Vec<u64> {
    json_of(body)
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {body}"))
        .iter()
        .map(|m| m["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn channel_messages_are_listed_and_paged_as_discord_documents() {
    let (discord, guild, channel) = fake().await;
    let url = discord.api_url();
    let started_ms = chrono::Utc::now().timestamp_millis();
    let member = discord.add_member(guild, "Ada", &[]);
    let ids: Vec<u64> = (0..120)
        .map(|n| discord.post_as_member(channel, member, &format!("message {n}")))
        .collect();
    let list = |query: String| {
        let url = url.clone();
        async move {
            raw_request(
                &url,
                "GET",
                &format!("/api/v10/channels/{channel}/messages{query}"),
                Some(TOKEN),
                None,
            )
            .await
        }
    };
    let newest_first =
        |range: std::ops::Range<usize>| -> Vec<u64> { ids[range].iter().rev().copied().collect() };

    // By default the 50 newest, newest first.
    let (status, body) = list(String::new()).await;
    assert_eq!(status, 200);
    assert_eq!(ids_of(&body), newest_first(70..120));
    // `before`: the newest older ones; `after`: the ones right after, still
    // listed newest first; `around`: the message and its neighbours.
    let (_, body) = list(format!("?before={}&limit=3", ids[10])).await;
    assert_eq!(ids_of(&body), newest_first(7..10));
    let (_, body) = list(format!("?after={}&limit=5", ids[9])).await;
    assert_eq!(ids_of(&body), newest_first(10..15));
    let (_, body) = list(format!("?limit=5&around={}", ids[50])).await;
    assert_eq!(ids_of(&body), newest_first(48..53));
    // Ids are made from time: one from before the first message pages
    // through the channel from its start.
    let since = ((started_ms - 1_420_070_400_000) as u64) << 22;
    let (_, body) = list(format!("?after={since}&limit=100")).await;
    assert_eq!(ids_of(&body), newest_first(0..100));
    let (_, body) = list(format!("?after={}&limit=100", ids[99])).await;
    assert_eq!(ids_of(&body), newest_first(100..120));

    // A limit outside 1-100, or two anchors at once: 400.
    for query in [
        "?limit=0".to_owned(),
        "?limit=101".to_owned(),
        "?limit=many".to_owned(),
        format!("?before={}&after={}", ids[5], ids[1]),
    ] {
        let (status, body) = list(query.clone()).await;
        assert_eq!(
            (status, json_of(&body)["code"].as_u64()),
            (400, Some(50035)),
            "{query}"
        );
    }

    // Without Read Message History: an empty list, not an error.
    discord.set_bot_overwrite(channel, 0, permissions::READ_MESSAGE_HISTORY);
    let (status, body) = list(format!("?after={since}")).await;
    assert_eq!((status, ids_of(&body)), (200, vec![]));
}

#[tokio::test]
async fn an_enforced_nonce_returns_the_earlier_message() {
    let (discord, _, channel) = fake().await;
    let url = discord.api_url();
    let path = format!("/api/v10/channels/{channel}/messages");
    let body = r#"{"content":"prompt","nonce":"occ-17","enforce_nonce":true}"#;
    let (_, first) = raw_request(&url, "POST", &path, Some(TOKEN), Some(body)).await;
    let (_, second) = raw_request(&url, "POST", &path, Some(TOKEN), Some(body)).await;
    assert_eq!(json_of(&first)["id"], json_of(&second)["id"]);
    // Without enforce_nonce Discord posts again.
    let (_, third) = raw_request(
        &url,
        "POST",
        &path,
        Some(TOKEN),
        Some(r#"{"content":"prompt","nonce":"occ-17"}"#),
    )
    .await;
    assert_ne!(json_of(&first)["id"], json_of(&third)["id"]);
    assert_eq!(discord.channel_as_seen_by(channel, 1).len(), 2);
}

#[tokio::test]
async fn faults_hit_the_next_matching_requests_only() {
    let (discord, _, channel) = fake().await;
    let url = discord.api_url();
    let path = format!("/api/v10/channels/{channel}/messages");
    discord.fail_next(Some("POST"), "/messages", 1, FaultKind::Status(502));
    discord.fail_next(
        Some("POST"),
        "/messages",
        1,
        FaultKind::RateLimited {
            retry_after: 1.5,
            global: true,
        },
    );
    discord.fail_next(None, "/gateway", 1, FaultKind::Status(500));
    let body = Some(r#"{"content":"x"}"#);
    assert_eq!(
        raw_request(&url, "POST", &path, Some(TOKEN), body).await.0,
        502
    );
    let (status, limited) = raw_request(&url, "POST", &path, Some(TOKEN), body).await;
    assert_eq!(status, 429);
    assert_eq!(json_of(&limited)["retry_after"], json!(1.5));
    assert_eq!(json_of(&limited)["global"], json!(true));
    assert_eq!(
        raw_request(&url, "POST", &path, Some(TOKEN), body).await.0,
        200
    );
    assert_eq!(
        raw_request(&url, "GET", "/api/v10/gateway", Some(TOKEN), None)
            .await
            .0,
        500
    );
    assert_eq!(
        raw_request(&url, "GET", "/api/v10/gateway", Some(TOKEN), None)
            .await
            .0,
        200
    );
    let statuses: Vec<u16> = discord.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [502, 429, 200, 500, 200]);
}

#[tokio::test]
async fn guild_commands_are_registered_per_server() {
    let (discord, guild, channel) = fake().await;
    let app = discord.application_id();
    let path = format!("/api/v10/applications/{app}/guilds/{guild}/commands");
    let body = json!([{"name": "ping", "description": "Ping", "type": 1}]).to_string();
    let (status, registered) =
        raw_request(&discord.api_url(), "PUT", &path, Some(TOKEN), Some(&body)).await;
    assert_eq!(status, 200);
    assert_eq!(
        json_of(&registered)[0]["guild_id"],
        json!(guild.to_string())
    );
    let member = discord.add_member(guild, "Bo", &[]);
    assert!(discord
        .send_command(guild, channel, member, "ping", &[])
        .is_ok());
    assert!(discord
        .send_command(guild, channel, member, "pong", &[])
        .is_err());
    let unknown = format!("/api/v10/applications/{app}/guilds/1/commands");
    assert_eq!(
        raw_request(
            &discord.api_url(),
            "PUT",
            &unknown,
            Some(TOKEN),
            Some(&body)
        )
        .await
        .0,
        404
    );
}

/// A gateway client speaking just enough of the protocol.
async fn connect(
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

async fn next_json<
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

#[tokio::test]
async fn interaction_responses_are_accepted_once_and_only_in_time() {
    let (discord, guild, channel) = fake().await;
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
    let mut socket = connect(&discord).await;
    next_json(&mut socket).await.unwrap();
    socket
        .send(Message::Text(
            json!({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}}).to_string(),
        ))
        .await
        .unwrap();
    next_json(&mut socket).await.unwrap();
    next_json(&mut socket).await.unwrap();

    let member = discord.add_member(guild, "Di", &[]);
    let first = discord
        .send_command(guild, channel, member, "ping", &[])
        .unwrap();
    let late = discord
        .send_command(guild, channel, member, "ping", &[])
        .unwrap();
    let mut tokens = std::collections::HashMap::new();
    for _ in 0..2 {
        let event = next_json(&mut socket).await.unwrap();
        tokens.insert(
            event["d"]["id"].as_str().unwrap().parse::<u64>().unwrap(),
            event["d"]["token"].as_str().unwrap().to_owned(),
        );
    }
    let callback = |id: u64| format!("/api/v10/interactions/{id}/{}/callback", tokens[&id]);
    let reply = json!({"type": 4, "data": {"content": "pong", "flags": 64, "allowed_mentions": {"parse": []}}}).to_string();
    assert_eq!(
        raw_request(
            &discord.api_url(),
            "POST",
            &callback(first),
            None,
            Some(&reply)
        )
        .await
        .0,
        204
    );
    let (status, body) = raw_request(
        &discord.api_url(),
        "POST",
        &callback(first),
        None,
        Some(&reply),
    )
    .await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (400, Some(40060))
    );
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let (status, body) = raw_request(
        &discord.api_url(),
        "POST",
        &callback(late),
        None,
        Some(&reply),
    )
    .await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (404, Some(10062))
    );
    let seen = discord.reply(first, Duration::from_secs(1)).await.unwrap();
    assert_eq!((seen.content.as_str(), seen.ephemeral), ("pong", true));
    // Ephemeral: only the member sees it.
    assert_eq!(discord.channel_as_seen_by(channel, member).len(), 1);
    assert!(discord.channel_as_seen_by(channel, member + 1).is_empty());
    assert!(
        discord.violations().is_empty(),
        "{:?}",
        discord.violations()
    );
}

#[tokio::test]
async fn a_button_click_reaches_the_bot_and_an_update_edits_the_message() {
    let (discord, guild, channel) = fake().await;
    let url = discord.api_url();
    let mut socket = connect(&discord).await;
    next_json(&mut socket).await.unwrap();
    socket
        .send(Message::Text(
            json!({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}}).to_string(),
        ))
        .await
        .unwrap();
    next_json(&mut socket).await.unwrap();
    next_json(&mut socket).await.unwrap();

    let prompt = json!({
        "content": "Time for calf raises",
        "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Done", "custom_id": "done:17"}]}],
    });
    let (_, body) = raw_request(
        &url,
        "POST",
        &format!("/api/v10/channels/{channel}/messages"),
        Some(TOKEN),
        Some(&prompt.to_string()),
    )
    .await;
    let message: u64 = json_of(&body)["id"].as_str().unwrap().parse().unwrap();
    let member = discord.add_member(guild, "Eve", &[]);
    assert!(
        discord
            .click_button(channel, message, member, "nope")
            .is_err(),
        "only buttons on the message can be clicked"
    );
    let click = discord
        .click_button(channel, message, member, "done:17")
        .unwrap();

    let event = next_json(&mut socket).await.unwrap();
    assert_eq!(
        (event["t"].as_str(), event["d"]["type"].as_u64()),
        (Some("INTERACTION_CREATE"), Some(3))
    );
    assert_eq!(event["d"]["data"]["custom_id"], "done:17");
    assert_eq!(event["d"]["message"]["id"], json!(message.to_string()));
    assert_eq!(
        event["d"]["member"]["user"]["id"],
        json!(member.to_string())
    );
    let token = event["d"]["token"].as_str().unwrap();
    let update =
        json!({"type": 7, "data": {"content": "Time for calf raises (1 did it)"}}).to_string();
    let (status, _) = raw_request(
        &url,
        "POST",
        &format!("/api/v10/interactions/{click}/{token}/callback"),
        None,
        Some(&update),
    )
    .await;
    assert_eq!(status, 204);
    let seen = discord.channel_as_seen_by(channel, member);
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].content.as_str(), seen[0].edited),
        ("Time for calf raises (1 did it)", true)
    );
    assert!(
        discord.violations().is_empty(),
        "{:?}",
        discord.violations()
    );
}

/// Registers `/ping`, connects a gateway client and sends `/ping` from a
/// member; returns the interaction's id and token.
async fn one_ping(
    discord: &FakeDiscord,
    guild: u64,
    channel: u64,
) -> (
    u64,
    String,
    u64,
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) {
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
    let mut socket = connect(discord).await;
    next_json(&mut socket).await.unwrap();
    socket
        .send(Message::Text(
            json!({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}}).to_string(),
        ))
        .await
        .unwrap();
    next_json(&mut socket).await.unwrap();
    next_json(&mut socket).await.unwrap();
    let member = discord.add_member(guild, "Di", &[]);
    let id = discord
        .send_command(guild, channel, member, "ping", &[])
        .unwrap();
    let event = next_json(&mut socket).await.unwrap();
    let token = event["d"]["token"].as_str().unwrap().to_owned();
    (id, token, member, socket)
}

#[tokio::test]
async fn a_deferred_response_is_completed_by_an_edit_or_a_follow_up_as_discord_does() {
    let (discord, guild, channel) = fake().await;
    let url = discord.api_url();
    let app = discord.application_id();
    let (id, token, member, _socket) = one_ping(&discord, guild, channel).await;
    // Discord's ids carry their creation instant.
    let created_ms = (id >> 22) as i64 + 1_420_070_400_000;
    assert!((chrono::Utc::now().timestamp_millis() - created_ms).abs() < 5_000);

    let defer = json!({"type": 5}).to_string();
    let path = format!("/api/v10/interactions/{id}/{token}/callback");
    assert_eq!(
        raw_request(&url, "POST", &path, None, Some(&defer)).await.0,
        204
    );
    // "Thinking…" is public; a follow-up directly after it completes that
    // message instead of adding one, and cannot make it private.
    let webhook = format!("/api/v10/webhooks/{app}/{token}");
    let private = json!({"content": "secret", "flags": 64}).to_string();
    let (status, body) = raw_request(&url, "POST", &webhook, None, Some(&private)).await;
    assert_eq!(status, 200, "{body}");
    let seen = discord.channel_as_seen_by(channel, member + 1);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        (seen[0].content.as_str(), seen[0].ephemeral),
        ("secret", false)
    );

    // Editing the original, then deleting it.
    let original = format!("{webhook}/messages/@original");
    let edit = json!({"content": "edited"}).to_string();
    assert_eq!(
        raw_request(&url, "PATCH", &original, None, Some(&edit))
            .await
            .0,
        200
    );
    assert_eq!(
        discord.channel_as_seen_by(channel, member)[0].content,
        "edited"
    );
    assert_eq!(
        raw_request(&url, "DELETE", &original, None, None).await.0,
        204
    );
    assert!(discord.channel_as_seen_by(channel, member).is_empty());
    // Once the original is gone, a private follow-up is a message of its own.
    let (status, _) = raw_request(&url, "POST", &webhook, None, Some(&private)).await;
    assert_eq!(status, 200);
    assert!(discord.channel_as_seen_by(channel, member + 1).is_empty());
    let own = discord.channel_as_seen_by(channel, member);
    assert_eq!(own.len(), 1);
    assert!(own[0].ephemeral);
    assert!(
        discord.violations().is_empty(),
        "{:?}",
        discord.violations()
    );
}

#[tokio::test]
async fn a_late_delivery_shortens_the_window_and_tokens_last_fifteen_minutes() {
    let (discord, guild, channel) = fake().await;
    let url = discord.api_url();
    let app = discord.application_id();
    // Delivered sixteen minutes after Discord created it: its id says so,
    // and neither a response nor a follow-up is taken any more.
    discord.set_delivery_delay(Duration::from_secs(16 * 60));
    let (id, token, _, _socket) = one_ping(&discord, guild, channel).await;
    let created_ms = (id >> 22) as i64 + 1_420_070_400_000;
    let age = chrono::Utc::now().timestamp_millis() - created_ms;
    assert!((16 * 60_000..17 * 60_000).contains(&age), "{age}");
    let defer = json!({"type": 5}).to_string();
    let path = format!("/api/v10/interactions/{id}/{token}/callback");
    let (status, body) = raw_request(&url, "POST", &path, None, Some(&defer)).await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (404, Some(10062))
    );
    let webhook = format!("/api/v10/webhooks/{app}/{token}");
    let (status, body) = raw_request(
        &url,
        "POST",
        &webhook,
        None,
        Some(&json!({"content": "late"}).to_string()),
    )
    .await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (401, Some(50027))
    );
}
