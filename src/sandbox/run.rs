//! `secondheart sandbox`: the real bot (commands, scheduler, buttons,
//! reminders) against the fake Discord in one process, on a throwaway
//! database, with a scripted team. The channel is printed as it happens.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde_json::json;

use super::team::{Habit, Member, Team};
use super::transcript::{render, Transcript};
use super::SandboxArgs;
use crate::config::{DiscordToken, Loaded, LogFormat};
use fake_discord::{permissions, FakeDiscord};

const TOKEN: &str = "c2FuZGJveA.sandbox.token-for-the-fake-discord";

/// Runs the sandbox for `args.seconds`, then shows the leaderboard.
pub async fn run(loaded: Loaded, args: &SandboxArgs) -> anyhow::Result<()> {
    let mut settings = loaded.settings;
    // The transcript is the output; the bot only speaks up when it must.
    settings.log.level = "warn".into();
    settings.log.format = LogFormat::Human;
    crate::ops::logging::init(&settings.log)?;

    let discord = Arc::new(
        FakeDiscord::start(TOKEN)
            .await
            .context("cannot start the fake Discord")?,
    );
    let guild = discord.create_guild("Desk Movers");
    let channel = discord.create_channel(guild, "movement");
    let admins = discord.create_role(guild, "Admins", permissions::MANAGE_GUILD, false);
    let moderator = discord.add_member(guild, "Mo", &[admins]);
    let members = [
        ("Ada", Habit::Keen),
        ("Bo", Habit::Overachiever),
        ("Cy", Habit::Busy),
        ("Dee", Habit::Snoozer),
    ]
    .map(|(name, habit)| Member {
        name,
        id: discord.add_member(guild, name, &[]),
        habit,
    });

    let folder = std::env::temp_dir().join(format!("secondheart-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    settings.database.url = format!("sqlite://{}", folder.join("sandbox.db").display());
    settings.discord.api_url = Some(discord.api_url().parse()?);
    settings.limits.min_interval_minutes = 0;
    settings.scheduler.snooze_seconds = 5;

    let transcript = Arc::new(Transcript::new());
    transcript.say(
        "secondheart sandbox:",
        &format!(
            "the real bot against a fake Discord at {}, for {} seconds.\nServer \"Desk Movers\", channel #movement; members Ada, Bo, Cy and Dee; moderator Mo.\nNothing here reaches Discord; the database is thrown away at the end.\n",
            discord.api_url(),
            args.seconds
        ),
    );
    // The bot and the script run side by side in this task; when the script
    // ends, the bot is dropped with it.
    let bot = crate::cli::serve(settings, DiscordToken::new(TOKEN.into()));
    let script = script(
        &discord,
        guild,
        channel,
        moderator,
        &members,
        &transcript,
        args,
    );
    let result = tokio::select! {
        stopped = bot => match stopped {
            Ok(()) => Err(anyhow::anyhow!("the bot stopped before the sandbox ended")),
            Err(error) => Err(error.context("the bot stopped")),
        },
        done = script => done,
    };
    let _ = std::fs::remove_dir_all(&folder);
    result
}

async fn script(
    discord: &Arc<FakeDiscord>,
    guild: u64,
    channel: u64,
    moderator: u64,
    members: &[Member],
    transcript: &Arc<Transcript>,
    args: &SandboxArgs,
) -> anyhow::Result<()> {
    discord
        .wait_for_commands(Duration::from_secs(60))
        .await
        .context("the bot did not start (no commands registered within a minute)")?;
    for _ in 0..600 {
        if discord.connected() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let team = Arc::new(Team {
        discord: Arc::clone(discord),
        guild,
        channel,
        members: members.to_vec(),
        transcript: Arc::clone(transcript),
    });
    team.command(
        moderator,
        "Mo",
        "schedule add",
        &[
            ("channel", json!(channel.to_string())),
            ("exercise", json!("calf-raises")),
            ("when", json!(format!("*/{} * * * * *", args.every))),
            ("timezone", json!("UTC")),
        ],
    )
    .await;
    let &[ada, _, cy, ..] = members else {
        anyhow::bail!("the sandbox team needs at least three members");
    };
    team.check_in(cy, "walk", 15).await;

    let end = tokio::time::Instant::now() + Duration::from_secs(args.seconds);
    let observer = discord.add_member(guild, "observer", &[]);
    let mut shown: HashMap<u64, String> = HashMap::new();
    let mut prompts = 0;
    while tokio::time::Instant::now() < end {
        for message in discord.channel_as_seen_by(channel, observer) {
            // Answers to commands are shown with the command; the channel
            // watch shows what the bot posts by itself.
            let Some(occurrence) = prompt_occurrence(&message.components) else {
                continue;
            };
            let text = render(&message);
            match shown.get(&message.id) {
                None => {
                    transcript.say("secondheart posts:", &text);
                    prompts += 1;
                    team.answer_prompt(message.id, occurrence, prompts);
                }
                Some(before) if *before != text => {
                    let changed: Vec<&str> = text.lines().filter(|l| !before.contains(l)).collect();
                    transcript.say("secondheart edits its prompt:", &changed.join("\n"));
                }
                Some(_) => continue,
            }
            shown.insert(message.id, text);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let board = team.command(ada.id, ada.name, "leaderboard", &[]).await;
    if let Some(folder) = &args.pictures {
        let chart = team.command(ada.id, ada.name, "stats", &[]).await;
        for (interaction, file) in [(board, "leaderboard.png"), (chart, "stats.png")] {
            let path = folder.join(file);
            save_picture(discord, interaction, &path).await?;
            transcript.say("secondheart sandbox:", &format!("wrote {}", path.display()));
        }
    }
    transcript.say(
        "secondheart sandbox:",
        "done. `secondheart run` with a real token does the same in your server.",
    );
    Ok(())
}

/// Writes the picture the bot attached to its answer to `interaction`.
async fn save_picture(
    discord: &FakeDiscord,
    interaction: Option<u64>,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let interaction = interaction.context("the command for the picture was not sent")?;
    // The file came with the answer the team saw; the fake records it a
    // moment after it answers.
    let mut file = None;
    for _ in 0..50 {
        file = discord.uploads(interaction).into_iter().next();
        if file.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let file =
        file.with_context(|| format!("no picture came with the answer for {}", path.display()))?;
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
    }
    std::fs::write(path, &file.bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// The occurrence id in a scheduled prompt's buttons.
fn prompt_occurrence(components: &serde_json::Value) -> Option<i64> {
    let id = components.pointer("/0/components/0/custom_id")?.as_str()?;
    match crate::domain::prompt::PromptButton::parse(id).ok()?.prompt {
        crate::domain::prompt::PromptRef::Occurrence(o) => Some(o.0),
        crate::domain::prompt::PromptRef::Test(_) => None,
    }
}
