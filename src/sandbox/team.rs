//! The sandbox's scripted team: members who answer prompts the way a real
//! team might, through the same clicks and slash commands a Discord client
//! sends.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::transcript::Transcript;
use fake_discord::FakeDiscord;

/// How long a member waits for the bot's answer.
const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// One scripted member.
#[derive(Debug, Clone, Copy)]
pub struct Member {
    pub name: &'static str,
    pub id: u64,
    /// What they click on a prompt, by prompt number.
    pub habit: Habit,
}

#[derive(Debug, Clone, Copy)]
pub enum Habit {
    /// "Done" on every prompt, quickly.
    Keen,
    /// "Done x2", a little later.
    Overachiever,
    /// "Not now" on odd prompts, "Done" on even ones.
    Busy,
    /// "Snooze" on the first prompt, "Done" after.
    Snoozer,
}

impl Habit {
    fn click(self, prompt_number: usize) -> (&'static str, &'static str, Duration) {
        match self {
            Habit::Keen => ("done", "Done", Duration::from_millis(700)),
            Habit::Overachiever => ("done2", "Done x2", Duration::from_millis(1500)),
            Habit::Busy if prompt_number % 2 == 1 => {
                ("notnow", "Not now", Duration::from_millis(2200))
            }
            Habit::Busy => ("done", "Done", Duration::from_millis(2200)),
            Habit::Snoozer if prompt_number == 1 => {
                ("snooze", "Snooze", Duration::from_millis(1100))
            }
            Habit::Snoozer => ("done", "Done", Duration::from_millis(1800)),
        }
    }
}

/// The team and where it talks.
pub struct Team {
    pub discord: Arc<FakeDiscord>,
    pub guild: u64,
    pub channel: u64,
    pub members: Vec<Member>,
    pub transcript: Arc<Transcript>,
}

impl Team {
    /// A member runs a slash command; the transcript shows it and the
    /// answer. Returns the interaction's id, if it was sent.
    pub async fn command(
        &self,
        user: u64,
        who: &str,
        name: &str,
        options: &[(&str, Value)],
    ) -> Option<u64> {
        let shown: Vec<String> = options
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}:{}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                )
            })
            .collect();
        self.transcript
            .say(&format!("{who} ›"), &format!("/{name} {}", shown.join(" ")));
        match self
            .discord
            .send_command(self.guild, self.channel, user, name, options)
        {
            Ok(id) => {
                self.show_answer(id, who).await;
                Some(id)
            }
            Err(error) => {
                self.transcript
                    .say("!", &format!("could not send /{name}: {error}"));
                None
            }
        }
    }

    async fn show_answer(&self, interaction: u64, who: &str) {
        match self.discord.reply(interaction, ANSWER_WAIT).await {
            Some(reply) => {
                let mut text = reply.content.clone();
                for embed in reply.embeds.as_array().into_iter().flatten() {
                    text.push('\n');
                    text.push_str(&super::transcript::embed_lines(embed).join("\n"));
                }
                let to = if reply.ephemeral {
                    format!("secondheart → {who} (only {who} sees it):")
                } else {
                    "secondheart:".to_owned()
                };
                self.transcript.say(&to, &text);
            }
            None => self.transcript.say("!", "the bot did not answer in time"),
        }
    }

    /// Each member answers the prompt in their own way.
    pub fn answer_prompt(self: &Arc<Self>, message: u64, occurrence: i64, prompt_number: usize) {
        for member in self.members.clone() {
            let team = Arc::clone(self);
            tokio::spawn(async move {
                let (action, label, delay) = member.habit.click(prompt_number);
                tokio::time::sleep(delay).await;
                let custom_id = format!("p:{occurrence}:{action}");
                team.transcript
                    .say(&format!("{} ›", member.name), &format!("clicks [{label}]"));
                match team
                    .discord
                    .click_button(team.channel, message, member.id, &custom_id)
                {
                    Ok(id) => team.show_answer(id, member.name).await,
                    Err(error) => team.transcript.say("!", &format!("click failed: {error}")),
                }
                if action == "snooze" {
                    team.wait_for_reminder(member).await;
                }
            });
        }
    }

    /// Shows the snooze reminder when it comes (only the member sees it).
    async fn wait_for_reminder(&self, member: Member) {
        let mut seen: HashSet<u64> = HashSet::new();
        for _ in 0..200 {
            for m in self.discord.channel_as_seen_by(self.channel, member.id) {
                if m.ephemeral && m.content.starts_with('⏰') && seen.insert(m.id) {
                    self.transcript.say(
                        &format!(
                            "secondheart → {} (only {} sees it):",
                            member.name, member.name
                        ),
                        &m.content,
                    );
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A check-in by command, with no prompt.
    pub async fn check_in(&self, member: Member, exercise: &str, amount: i64) {
        self.command(
            member.id,
            member.name,
            "checkin",
            &[("exercise", json!(exercise)), ("amount", json!(amount))],
        )
        .await;
    }
}
