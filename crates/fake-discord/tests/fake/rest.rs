//! REST: channels, messages, nonces, faults and commands answer as Discord
//! does, and a body that breaks Discord's description is flagged.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use fake_discord::{permissions, ChannelAccess, FakeDiscord, FaultKind};
use serde_json::json;

use crate::support::{fake, json_of, raw_request, TOKEN};

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

#[tokio::test]
async fn the_fake_flags_a_body_that_breaks_discords_description() {
    let discord = FakeDiscord::start(TOKEN).await.unwrap();
    let guild = discord.create_guild("Test");
    let channel = discord.create_channel(guild, "general");
    let post = |body: String| {
        let addr = discord.api_url().trim_start_matches("http://").to_owned();
        async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!(
                "POST /api/v10/channels/{channel}/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bot {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                TOKEN,
                body.len()
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).await.unwrap();
            response
        }
    };
    let ok =
        post(json!({"content": "hi", "embeds": [{"title": "t", "color": 5}]}).to_string()).await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(
        discord.violations().is_empty(),
        "{:?}",
        discord.violations()
    );
    post(json!({"content": "hi", "embeds": [{"title": "t", "colour": 5}]}).to_string()).await;
    let violations = discord.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(
        violations[0].contains("$.embeds[0].colour: unknown field"),
        "{}",
        violations[0]
    );
}

/// Giving a member a role answers as Discord documents "Add Guild Member
/// Role": the bot needs Manage Roles and may only give roles below its own
/// highest; unknown ids are 404 with their codes; success is 204, twice too.
#[tokio::test]
async fn member_roles_need_manage_roles_and_a_lower_role() {
    let (discord, guild, _) = fake().await;
    let url = discord.api_url();
    let member = discord.add_member(guild, "Ada", &[]);
    let bot = discord.bot_user_id();
    let reward = discord.create_role(guild, "7-day streak", 0, false);
    let path = |role: u64| format!("/api/v10/guilds/{guild}/members/{member}/roles/{role}");
    let put = |path: String| {
        let url = url.clone();
        async move { raw_request(&url, "PUT", &path, Some(TOKEN), None).await }
    };

    // Without Manage Roles: refused, and the member has no new role.
    let (status, body) = put(path(reward)).await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (403, Some(50013))
    );
    assert!(discord.member_roles(guild, member).is_empty());

    // Manage Roles, but the bot's role is below the reward: refused.
    let bot_role = discord.create_role(guild, "bot", permissions::MANAGE_ROLES, false);
    discord.set_member_roles(guild, bot, &[bot_role]);
    let above = discord.create_role(guild, "above the bot", 0, false);
    let (status, body) = put(path(above)).await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (403, Some(50013))
    );
    // Equal to its own is not below it either.
    let (status, _) = put(path(bot_role)).await;
    assert_eq!(status, 403);

    // Below the bot's role: granted, once however often it is asked.
    for _ in 0..2 {
        let (status, body) = put(path(reward)).await;
        assert_eq!((status, body.as_str()), (204, ""));
    }
    assert_eq!(discord.member_roles(guild, member), [reward]);
    let requests = discord.requests();
    let last = requests.last().unwrap();
    assert_eq!(last.violation, None, "the route is Discord's");

    // Unknown ids.
    let (status, body) = put(path(424_242)).await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (404, Some(10011))
    );
    let stranger = format!("/api/v10/guilds/{guild}/members/424242/roles/{reward}");
    let (status, body) = put(stranger).await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (404, Some(10007))
    );
    let (status, body) = put(format!("/api/v10/guilds/1/members/{member}/roles/{reward}")).await;
    assert_eq!(
        (status, json_of(&body)["code"].as_u64()),
        (404, Some(10004))
    );
    // Without the token: 401.
    assert_eq!(
        raw_request(&url, "PUT", &path(reward), None, None).await.0,
        401
    );
    // And taken away again.
    let (status, _) = raw_request(&url, "DELETE", &path(reward), Some(TOKEN), None).await;
    assert_eq!(status, 204);
    assert!(discord.member_roles(guild, member).is_empty());
}
