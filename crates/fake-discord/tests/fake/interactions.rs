//! Interactions: responses accepted once and in time, clicks, deferred
//! answers, late deliveries and the token's lifetime.

use std::time::Duration;

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

use fake_discord::FakeDiscord;
use serde_json::json;

use crate::gateway::{connect, next_json};
use crate::support::{fake, json_of, raw_request, TOKEN};

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

/// A multipart POST with a `payload_json` part and one file, as Discord
/// takes a message with attachments; the status and body.
async fn post_file(
    api_url: &str,
    path: &str,
    payload: &str,
    name: &str,
    bytes: &[u8],
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let boundary = "secondheart-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json\r\n\r\n{payload}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: fake\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(api_url.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn attachments_are_taken_as_multipart_up_to_the_interactions_size_limit() {
    let (discord, guild, channel) = fake().await;
    let url = discord.api_url();
    let app = discord.application_id();
    discord.set_attachment_size_limit(100);
    let (id, token, _member, _socket) = one_ping(&discord, guild, channel).await;
    let defer = json!({"type": 5, "data": {"flags": 64}}).to_string();
    let callback = format!("/api/v10/interactions/{id}/{token}/callback");
    assert_eq!(
        raw_request(&url, "POST", &callback, None, Some(&defer))
            .await
            .0,
        204
    );

    let webhook = format!("/api/v10/webhooks/{app}/{token}");
    let payload = json!({"content": "your file", "attachments": [{"id": 0, "filename": "a.csv"}]})
        .to_string();
    // Over the limit the interaction carried: refused as Discord does.
    let (status, body) = post_file(&url, &webhook, &payload, "a.csv", &[b'x'; 101]).await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (413, Some(40005)),
        "{body}"
    );
    assert!(discord.uploads(id).is_empty());
    // At the limit: taken, and the file is there to read.
    let (status, body) = post_file(&url, &webhook, &payload, "a.csv", &[b'y'; 100]).await;
    assert_eq!(status, 200, "{body}");
    let uploads = discord.uploads(id);
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        (uploads[0].filename.as_str(), uploads[0].bytes.as_slice()),
        ("a.csv", [b'y'; 100].as_slice())
    );
    assert_eq!(
        discord
            .reply(id, Duration::from_secs(1))
            .await
            .unwrap()
            .content,
        "your file"
    );
    assert!(
        discord.violations().is_empty(),
        "{:?}",
        discord.violations()
    );
}
