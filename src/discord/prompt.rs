//! Scheduled posts as members see them. A prompt: one embed (what to do, a
//! tip, how many did it, the disclaimer) and four buttons; it mentions only
//! its schedule's role, and only through `allowed_mentions`. A board: the
//! week's ranking in an embed, mentioning nobody (the notifier attaches
//! its picture). A snooze reminder: a
//! private follow-up with a link to its prompt.

use std::time::Duration;

use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateEmbedFooter, CreateInteractionResponseFollowup, CreateMessage, EditMessage,
};

use crate::domain::prompt::{nonce, PromptAction, PromptButton, PromptRef};
use crate::domain::{OccurrenceId, UserId};
use crate::scheduler::{BoardMessage, PromptMessage, Reminder};

/// A friendly green for prompts.
const COLOR: u32 = 0x2e_a0_43;
/// The disclaimer, short enough for an embed footer.
const FOOTER: &str = "General movement tips, not medical advice. With circulation problems, leg swelling or a heart condition, ask a health professional first.";

/// The message that posts a prompt.
pub fn message(prompt: &PromptMessage, snooze: Duration) -> CreateMessage {
    let mut message = CreateMessage::new()
        .embed(embed(prompt))
        .components(buttons(prompt, snooze));
    message = match prompt.role {
        Some(role) => message
            .content(format!("<@&{role}>"))
            .allowed_mentions(CreateAllowedMentions::new().roles(vec![role.0])),
        None => message.allowed_mentions(CreateAllowedMentions::new()),
    };
    if let Some(nonce) = &prompt.nonce {
        message = message
            .nonce(serenity::Nonce::String(nonce.clone()))
            .enforce_nonce(true);
    }
    message
}

/// The edit that updates a posted prompt (its done count); the buttons and
/// mention stay as they are.
pub fn edit(prompt: &PromptMessage) -> EditMessage {
    EditMessage::new().embed(embed(prompt))
}

fn embed(prompt: &PromptMessage) -> CreateEmbed {
    let exercise = &prompt.exercise;
    let amount = exercise.default_amount;
    let title = match prompt.prompt {
        PromptRef::Occurrence(_) => format!("Time to move: {}", exercise.name),
        PromptRef::Test(id) => format!("Test prompt (schedule #{id}): {}", exercise.name),
    };
    let mut description = format!(
        "**{amount} {}** of {}, whenever you can in the next few minutes.",
        exercise.unit.label(amount),
        exercise.name.to_lowercase()
    );
    if let Some(tip) = &prompt.tip {
        description.push_str(&format!("\n\n💡 {tip}"));
    }
    let done = match prompt.done_count {
        0 => "Nobody yet: be the first!".to_owned(),
        1 => "1 teammate did it.".to_owned(),
        n => format!("{n} teammates did it."),
    };
    let mut embed = CreateEmbed::new()
        .title(title)
        .description(description)
        .field("Done so far", done, false);
    if let Some(rotation) = &prompt.rotation {
        embed = embed.field("Rotation", super::render::rotation_line(rotation), false);
    }
    if let Some(team) = &prompt.team {
        embed = embed.field("Team goal", super::render::team_progress(team), false);
    }
    embed.color(COLOR).footer(CreateEmbedFooter::new(FOOTER))
}

fn buttons(prompt: &PromptMessage, snooze: Duration) -> Vec<CreateActionRow> {
    let snooze = super::render::duration(snooze);
    let buttons = PromptAction::ALL
        .into_iter()
        .map(|action| {
            let id = PromptButton {
                prompt: prompt.prompt,
                action,
            }
            .custom_id();
            let (label, style) = match action {
                PromptAction::Done => ("Done".to_owned(), ButtonStyle::Success),
                PromptAction::DoneTwice => ("Done x2".to_owned(), ButtonStyle::Primary),
                PromptAction::Snooze => (format!("Snooze {snooze}"), ButtonStyle::Secondary),
                PromptAction::NotNow => ("Not now".to_owned(), ButtonStyle::Secondary),
            };
            CreateButton::new(id).label(label).style(style)
        })
        .collect();
    vec![CreateActionRow::Buttons(buttons)]
}

/// The private follow-up of a snoozed prompt, linking to it.
pub fn reminder(reminder: &Reminder) -> CreateInteractionResponseFollowup {
    let link = reminder
        .prompt
        .map(|p| {
            format!(
                " https://discord.com/channels/{}/{}/{}",
                p.guild, p.channel, p.message
            )
        })
        .unwrap_or_default();
    CreateInteractionResponseFollowup::new()
        .content(format!(
            "⏰ Reminder: time for the movement prompt you snoozed.{link} Its buttons still work."
        ))
        .ephemeral(true)
        .allowed_mentions(CreateAllowedMentions::new())
}

/// The message that posts a server's leaderboard. Its footer names the
/// occurrence, so a post can be found again after a restart.
pub fn board_message(post: &BoardMessage) -> CreateMessage {
    let nobody = UserId(0);
    let text = super::render::leaderboard(&post.board, nobody);
    let (title, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    let mut embed = CreateEmbed::new()
        .title(title.replace("**", ""))
        .description(body)
        .color(COLOR)
        .footer(CreateEmbedFooter::new(board_footer(post.occurrence)));
    if let Some(team) = &post.team {
        embed = embed.field("Team goal", super::render::team_progress(team), false);
    }
    CreateMessage::new()
        .embed(embed)
        .allowed_mentions(CreateAllowedMentions::new())
        .nonce(serenity::Nonce::String(post.nonce.clone()))
        .enforce_nonce(true)
}

fn board_footer(occurrence: OccurrenceId) -> String {
    format!(
        "Posted on the server's leaderboard schedule · {}",
        nonce(occurrence)
    )
}

/// Whether a message's embeds show it is the board post of `occurrence`.
pub fn is_board_of(embeds: &serde_json::Value, occurrence: OccurrenceId) -> bool {
    let footer = board_footer(occurrence);
    embeds
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e.pointer("/footer/text").and_then(|t| t.as_str()) == Some(footer.as_str()))
}
