//! Pictures end to end: `/leaderboard` and `/stats` answer with their text
//! and a PNG with alt text. (The weekly board post's picture is checked in
//! `prompts.rs`, beside the post itself.)

use std::time::Duration;

use fake_discord::UploadedFile;
use serde_json::json;

use crate::support::bot::{spawn_bot, Bot};
use crate::support::wait_for;

const REPLY: Duration = Duration::from_secs(20);

/// Sends `/name` as `user` and waits for its answer and the one picture it
/// carries.
async fn picture_of(bot: &Bot, user: u64, name: &str) -> (String, UploadedFile) {
    let id = bot
        .discord
        .send_command(bot.guild, bot.channel, user, name, &[])
        .unwrap();
    let reply = bot
        .discord
        .reply(id, REPLY)
        .await
        .unwrap_or_else(|| panic!("no reply to /{name}; log:\n{}", bot.log()));
    wait_for(&format!("the picture of /{name}"), REPLY, || {
        !bot.discord.uploads(id).is_empty()
    })
    .await;
    let mut files = bot.discord.uploads(id);
    assert_eq!(files.len(), 1, "/{name}: {files:?}");
    (reply.content, files.remove(0))
}

/// The picture's size, once it decodes as a PNG.
fn png_size(file: &UploadedFile) -> (u32, u32) {
    let pixmap = tiny_skia::Pixmap::decode_png(&file.bytes)
        .unwrap_or_else(|e| panic!("{} is no PNG: {e}", file.filename));
    (pixmap.width(), pixmap.height())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leaderboard_and_stats_answer_with_their_text_and_a_picture_with_alt_text() {
    let bot = spawn_bot().await;
    let moderator = bot.add_moderator("Mo");
    let goal = bot
        .ask(
            moderator,
            "team-goal set",
            &[
                (
                    "metric",
                    bot.choice("team-goal set", "metric", "points").await,
                ),
                ("target", json!(500)),
            ],
        )
        .await;
    assert!(
        goal.content.starts_with("Team goal set"),
        "{}",
        goal.content
    );
    let cy = bot.discord.add_member(bot.guild, "Цветан 🏃", &[]);
    for (user, amount) in [(bot.member, 30), (cy, 20)] {
        let reply = bot
            .ask(
                user,
                "checkin",
                &[("exercise", json!("walk")), ("amount", json!(amount))],
            )
            .await;
        assert!(reply.content.starts_with("Logged"), "{}", reply.content);
    }

    let (text, board) = picture_of(&bot, cy, "leaderboard").await;
    assert_eq!(
        text,
        "**Leaderboard** · points · this week\n1. Ada — 30 points\n2. Цветан 🏃 (you) — 20 points",
        "the text stays"
    );
    assert_eq!(board.field, "files[0]");
    assert_eq!(board.filename, "leaderboard.png");
    // Two rows and the team goal: 24 + 80 + 2 × 44 + 72 + 24 pixels high.
    assert_eq!(png_size(&board), (800, 288));
    assert_eq!(
        board.description.as_deref(),
        Some(
            "Leaderboard: this week, by points. 1. Ada: 30. 2. Цветан 🏃: 20. \
             Team goal: 50 of 500 points this week."
        )
    );

    let (text, chart) = picture_of(&bot, bot.member, "stats").await;
    assert!(text.contains("points"), "the text stays: {text}");
    assert_eq!(chart.filename, "stats.png");
    assert_eq!(png_size(&chart), (800, 420));
    let alt = chart.description.unwrap();
    assert!(
        alt.starts_with(
            "Ada: the last 4 weeks, points per day, by exercise. Totals: Brisk walk 30."
        ),
        "{alt}"
    );
    assert!(alt.contains("Active on 1 of 28 days."), "{alt}");
    bot.finish();
}
