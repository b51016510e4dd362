//! What the fake's tests share: a fresh fake with one server and channel,
//! and a raw HTTP request that sends exactly what it is given.

use fake_discord::FakeDiscord;
use serde_json::Value;

pub const TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.token-for-the-sandbox";

pub async fn fake() -> (FakeDiscord, u64, u64) {
    let discord = FakeDiscord::start(TOKEN).await.unwrap();
    let guild = discord.create_guild("Test");
    let channel = discord.create_channel(guild, "general");
    (discord, guild, channel)
}

pub fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

/// One HTTP/1.1 request with a JSON content type; the status and body.
pub async fn raw_request(
    api_url: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = api_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the fake");
    let auth = token
        .map(|t| format!("Authorization: Bot {t}\r\n"))
        .unwrap_or_default();
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: fake\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
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
