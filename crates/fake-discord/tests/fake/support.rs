//! What the fake's tests share: a fresh fake with one server and channel,
//! and a raw HTTP request that sends exactly what it is given.

pub use fake_discord::raw_request;
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
