//! Prompts: what a firing posts (a prompt, or a server's board), members'
//! clicks on a prompt's buttons, and test prompts. Clicks answer through the same check-in store as
//! `/checkin`; an answer counts once per member and prompt.

use chrono::{DateTime, Duration, Utc};

use crate::domain::checkin::{NewCheckIn, Source};
use crate::domain::exercise::{Exercise, ExerciseKey};
use crate::domain::occurrence::{Answer, Occurrence, OccurrenceState, Snooze};
use crate::domain::prompt::{nonce, PromptAction, PromptButton, PromptRef};
use crate::domain::{
    ChannelId, GuildId, InteractionId, MessageId, OccurrenceId, RoleId, ScheduleId, UserId,
};
use crate::store::{AnswerOutcome, PromptCheckIn};

use super::checkins::CheckInReceipt;
use super::leaderboard::Board;
use super::settings::Caller;
use super::{App, AppError, UserError};
use crate::domain::team_goal::TeamProgress;

/// One prompt, ready to post.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptMessage {
    pub prompt: PromptRef,
    pub guild: GuildId,
    pub channel: ChannelId,
    /// The only role the message may mention.
    pub role: Option<RoleId>,
    pub exercise: Exercise,
    /// Where it stands in its schedule's rotation; `None` for a schedule of
    /// one exercise.
    pub rotation: Option<RotationLine>,
    pub tip: Option<String>,
    /// How many members did it (0 when posted).
    pub done_count: u32,
    /// Sent with `enforce_nonce`, so retries of one occurrence make one
    /// message. `None` for test prompts.
    pub nonce: Option<String>,
    /// The server's team goal this week, shown as a bar.
    pub team: Option<TeamProgress>,
}

/// A schedule's rotation as a prompt shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationLine {
    /// The exercises' names, in rotation order.
    pub names: Vec<String>,
    /// Which of them this prompt asks for.
    pub current: usize,
}

/// A server's leaderboard, ready to post on its schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardMessage {
    pub occurrence: OccurrenceId,
    pub guild: GuildId,
    pub channel: ChannelId,
    pub board: Board,
    /// Sent with `enforce_nonce`, like a prompt's.
    pub nonce: String,
    /// The server's team goal this week, shown as a bar.
    pub team: Option<TeamProgress>,
}

/// What an occurrence posts.
#[derive(Debug, Clone, PartialEq)]
pub enum Post {
    Prompt(PromptMessage),
    Board(BoardMessage),
}

/// How long Discord accepts follow-ups through an interaction's token.
pub const INTERACTION_TOKEN_LIFE: Duration = Duration::minutes(15);

/// A member's click on a prompt button, as Discord described it.
#[derive(Clone)]
pub struct PromptClick {
    pub interaction: InteractionId,
    /// The server the click came from (Discord's word, not the button's).
    pub guild: GuildId,
    pub user: UserId,
    pub display_name: String,
    /// The message whose button was clicked.
    pub message: MessageId,
    pub button: PromptButton,
    /// The interaction's token, for a snooze's later reminder.
    pub token: String,
}

/// What a click did.
#[derive(Debug, Clone)]
pub enum ClickOutcome {
    /// "Done" or "Done x2": a check-in was logged.
    Logged {
        occurrence: OccurrenceId,
        receipt: Box<CheckInReceipt>,
    },
    /// "Not now" was noted: seen, not done.
    NotNow,
    /// The member had answered this prompt already; nothing changed.
    AlreadyAnswered(Answer),
    /// A reminder will come at this instant.
    Snoozed { until: DateTime<Utc> },
    /// A reminder for this prompt is already coming.
    AlreadySnoozed,
    /// A `/schedule test` prompt: nothing is counted.
    TestPrompt,
}

impl App {
    /// What a claimed occurrence posts: a prompt, or the server's board.
    pub async fn post_for(&self, occurrence: &Occurrence) -> Result<Post, AppError> {
        Ok(match occurrence.exercise {
            Some(_) => Post::Prompt(self.prompt_for(occurrence).await?),
            None => Post::Board(self.board_for(occurrence).await?),
        })
    }

    /// The prompt of an occurrence, with its exercise, tip and role.
    pub async fn prompt_for(&self, occurrence: &Occurrence) -> Result<PromptMessage, AppError> {
        let exercise = self.occurrence_exercise(occurrence)?;
        let schedule = match occurrence.schedule {
            Some(id) => self.store.schedule(occurrence.guild, id).await?,
            None => None,
        };
        let role = schedule.as_ref().and_then(|s| s.role);
        let rotation = match &schedule {
            Some(schedule) => self
                .store
                .rotation_slot(occurrence.guild, occurrence.id)
                .await?
                .and_then(|slot| self.rotation_line(&schedule.exercises, slot, &exercise.key)),
            None => None,
        };
        let done_count = self
            .store
            .done_count(occurrence.guild, occurrence.id)
            .await?;
        let settings = self.store.server_settings(occurrence.guild).await?;
        let team = self.team_progress(&settings, self.clock.now()).await?;
        Ok(PromptMessage {
            prompt: PromptRef::Occurrence(occurrence.id),
            guild: occurrence.guild,
            channel: occurrence.channel,
            role,
            rotation,
            tip: occurrence
                .tip
                .and_then(|t| exercise.tips.get(t as usize).cloned()),
            exercise,
            done_count,
            nonce: Some(nonce(occurrence.id)),
            team,
        })
    }

    /// The prompt of a posted occurrence as it should read now (for the
    /// in-place update of its done count), and its message.
    pub async fn posted_prompt(
        &self,
        guild: GuildId,
        id: OccurrenceId,
    ) -> Result<Option<(MessageId, PromptMessage)>, AppError> {
        let Some(occurrence) = self.store.occurrence(guild, id).await? else {
            return Ok(None);
        };
        let Some(message) = occurrence.message else {
            return Ok(None);
        };
        Ok(Some((message, self.prompt_for(&occurrence).await?)))
    }

    /// A prompt of the server's schedule to post now, for `/schedule test`:
    /// not an occurrence, so nothing it gets is counted.
    pub async fn test_prompt(
        &self,
        caller: &Caller,
        id: ScheduleId,
    ) -> Result<PromptMessage, AppError> {
        self.authorize(caller).await?;
        let schedule = self
            .store
            .schedule(caller.guild, id)
            .await?
            .ok_or(UserError::UnknownSchedule(id.0))?;
        // The one next in line; the test takes no turn.
        let turn = schedule
            .next_turn()
            .ok_or(UserError::UnknownSchedule(id.0))?;
        let key = schedule
            .exercises
            .get(turn.slot)
            .ok_or(UserError::UnknownSchedule(id.0))?;
        let exercise = self.prompt_exercise(key.as_str())?;
        let rotation = self.rotation_line(&schedule.exercises, turn.slot, &exercise.key);
        let tip = exercise
            .tips
            .get(fastrand::usize(..exercise.tips.len().max(1)))
            .cloned();
        self.log(caller, "schedule.test", format!("#{id}")).await?;
        let settings = self.store.server_settings(schedule.guild).await?;
        let team = self.team_progress(&settings, self.clock.now()).await?;
        Ok(PromptMessage {
            prompt: PromptRef::Test(id),
            guild: schedule.guild,
            channel: schedule.channel,
            role: schedule.role,
            exercise,
            rotation,
            tip,
            done_count: 0,
            nonce: None,
            team,
        })
    }

    /// A rotation of two or more with `slot` as the current one, if that
    /// slot still holds `exercise` (the list may have changed since).
    fn rotation_line(
        &self,
        exercises: &[ExerciseKey],
        slot: usize,
        exercise: &ExerciseKey,
    ) -> Option<RotationLine> {
        if exercises.len() < 2 || exercises.get(slot) != Some(exercise) {
            return None;
        }
        let names = exercises
            .iter()
            .map(|key| {
                self.catalog
                    .get(key.as_str())
                    .map_or_else(|| key.to_string(), |e| e.name.clone())
            })
            .collect();
        Some(RotationLine {
            names,
            current: slot,
        })
    }

    /// Schedules of the server paused by an error that its moderators have
    /// not heard about; each is returned once.
    pub async fn take_pause_notices(
        &self,
        guild: GuildId,
    ) -> Result<Vec<(ScheduleId, String)>, AppError> {
        Ok(self.store.take_pause_notices(guild).await?)
    }

    /// Puts back pause notices that could not be shown.
    pub async fn restore_pause_notices(
        &self,
        guild: GuildId,
        ids: Vec<ScheduleId>,
    ) -> Result<(), AppError> {
        Ok(self.store.restore_pause_notices(guild, ids).await?)
    }

    /// Acts on a click on a prompt button. `snooze` is how long "Snooze"
    /// waits.
    pub async fn click_prompt(
        &self,
        click: PromptClick,
        snooze: Duration,
    ) -> Result<ClickOutcome, AppError> {
        let id = match click.button.prompt {
            PromptRef::Test(_) => return Ok(ClickOutcome::TestPrompt),
            PromptRef::Occurrence(id) => id,
        };
        // The occurrence must be this server's, and the clicked message must
        // be its prompt: a forged id finds nothing.
        let occurrence = self
            .store
            .occurrence(click.guild, id)
            .await?
            .filter(|o| o.state == OccurrenceState::Posted && o.message == Some(click.message))
            .ok_or(UserError::StalePrompt)?;
        let now = self.clock.now();
        let answer = match click.button.action {
            PromptAction::Snooze => {
                let until = now + snooze;
                let added = self
                    .store
                    .add_snooze(Snooze {
                        interaction: click.interaction,
                        guild: click.guild,
                        user: click.user,
                        occurrence: id,
                        token: click.token,
                        due_at: until,
                        token_expires_at: now + INTERACTION_TOKEN_LIFE,
                    })
                    .await?;
                return Ok(if added {
                    // The scheduler sleeps until the next thing due: it
                    // looks again, now that this reminder is the next.
                    self.snoozes_changed.notify_one();
                    ClickOutcome::Snoozed { until }
                } else {
                    ClickOutcome::AlreadySnoozed
                });
            }
            PromptAction::Done => Answer::Done,
            PromptAction::DoneTwice => Answer::DoneTwice,
            PromptAction::NotNow => Answer::NotNow,
        };
        let exercise = self.occurrence_exercise(&occurrence)?;
        let checkin = match answer {
            Answer::NotNow => None,
            Answer::Done | Answer::DoneTwice => {
                let times = if answer == Answer::DoneTwice { 2 } else { 1 };
                let amount = (exercise.default_amount * times).min(exercise.max_amount);
                let settings = self.store.server_settings(click.guild).await?;
                let date = self
                    .member_date(&settings, click.user, &click.display_name, now)
                    .await?;
                let new = NewCheckIn {
                    interaction: click.interaction,
                    guild: click.guild,
                    user: click.user,
                    exercise: exercise.key.clone(),
                    amount,
                    points: exercise.points_for(amount),
                    at: now,
                    local_date: date,
                    source: Source::Button,
                    occurrence: Some(id),
                    recorded_by: None,
                    note: None,
                };
                // Only the part within the daily cap earns, judged against
                // the day as the store writes it: a `/checkin` or another
                // click of the member's at this moment is counted.
                let capped = exercise.clone();
                Some(PromptCheckIn {
                    new,
                    settle: Box::new(move |mut new, day_before| {
                        new.points = capped.capped_points(day_before, new.amount).0;
                        new
                    }),
                })
            }
        };
        let outcome = self
            .store
            .answer_prompt(click.guild, id, click.user, answer, checkin, now)
            .await?;
        Ok(match outcome {
            AnswerOutcome::Recorded { checkin: Some(c) } => ClickOutcome::Logged {
                occurrence: id,
                receipt: Box::new({
                    let known = self.known_for_receipt(&c).await?;
                    self.receipt(c, exercise, false, known).await?
                }),
            },
            AnswerOutcome::Recorded { checkin: None } => ClickOutcome::NotNow,
            AnswerOutcome::AlreadyAnswered(previous) => {
                ClickOutcome::AlreadyAnswered(previous.answer)
            }
            AnswerOutcome::NoSuchPrompt => return Err(UserError::StalePrompt.into()),
        })
    }

    /// The exercise a prompt asks for; a board post has none to answer.
    fn occurrence_exercise(&self, occurrence: &Occurrence) -> Result<Exercise, AppError> {
        let key = occurrence.exercise.as_ref().ok_or(UserError::StalePrompt)?;
        self.prompt_exercise(key.as_str())
    }

    /// A catalog exercise a prompt names (also one turned off since).
    fn prompt_exercise(&self, key: &str) -> Result<Exercise, AppError> {
        self.catalog.get(key).cloned().ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "a prompt names `{key}`, which the catalog no longer has"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::app::test_support::app_at;
    use crate::domain::exercise::ExerciseKey;
    use crate::domain::occurrence::{ClaimOutcome, OccurrenceClaim};
    use crate::domain::prompt::PromptAction;
    use crate::domain::schedule::{NewSchedule, ScheduleKind};
    use crate::domain::ChannelId;
    use crate::store::Finish;

    fn click(
        guild: u64,
        user: u64,
        interaction: u64,
        occurrence: OccurrenceId,
        message: u64,
        action: PromptAction,
    ) -> PromptClick {
        PromptClick {
            interaction: InteractionId(interaction),
            guild: GuildId(guild),
            user: UserId(user),
            display_name: format!("member {user}"),
            message: MessageId(message),
            button: PromptButton {
                prompt: PromptRef::Occurrence(occurrence),
                action,
            },
            token: "token".into(),
        }
    }

    #[tokio::test]
    async fn a_click_counts_once_and_only_in_the_prompts_own_server() {
        let now = Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap();
        let (app, _clock, _dir) = app_at(now).await;
        let schedule = app
            .store
            .insert_schedule(NewSchedule {
                guild: GuildId(1),
                kind: ScheduleKind::Prompt,
                channel: ChannelId(5),
                exercises: vec![ExerciseKey::parse("walk").unwrap()],
                spec: "0 9 * * *".into(),
                timezone: chrono_tz::UTC,
                role: None,
                expires_at: None,
                next_due_at: Some(now),
                created_by: UserId(1),
                at: now,
            })
            .await
            .unwrap();
        let ClaimOutcome::Claimed(o) = app
            .store
            .claim_occurrence(OccurrenceClaim {
                schedule: schedule.id,
                due_at: now,
                exercise: Some(ExerciseKey::parse("walk").unwrap()),
                turn: None,
                owner: "me".into(),
                now,
                lease_until: now + Duration::minutes(2),
                tips: 3,
            })
            .await
            .unwrap()
        else {
            panic!()
        };
        let snooze = Duration::minutes(10);
        // Not posted yet: nothing to answer.
        let early = app
            .click_prompt(click(1, 7, 100, o.id, 55, PromptAction::Done), snooze)
            .await;
        assert_eq!(
            early.unwrap_err().to_string(),
            UserError::StalePrompt.to_string()
        );
        app.store
            .finish_occurrence(o.id, "me", Finish::Posted(MessageId(55)), now)
            .await
            .unwrap();

        // Another server naming this prompt's id finds nothing.
        let elsewhere = app
            .click_prompt(click(2, 7, 101, o.id, 55, PromptAction::Done), snooze)
            .await;
        assert!(matches!(
            elsewhere,
            Err(AppError::User(UserError::StalePrompt))
        ));
        // Nor does a click on another message.
        let other_message = app
            .click_prompt(click(1, 7, 102, o.id, 56, PromptAction::Done), snooze)
            .await;
        assert!(matches!(
            other_message,
            Err(AppError::User(UserError::StalePrompt))
        ));

        let ClickOutcome::Logged { receipt, .. } = app
            .click_prompt(click(1, 7, 103, o.id, 55, PromptAction::DoneTwice), snooze)
            .await
            .unwrap()
        else {
            panic!()
        };
        let walk = app.catalog.get("walk").unwrap();
        assert_eq!(receipt.checkin.amount, walk.default_amount * 2);
        assert_eq!(receipt.checkin.occurrence, Some(o.id));
        assert!(matches!(
            app.click_prompt(click(1, 7, 104, o.id, 55, PromptAction::NotNow), snooze)
                .await
                .unwrap(),
            ClickOutcome::AlreadyAnswered(Answer::DoneTwice)
        ));
        assert!(matches!(
            app.click_prompt(click(1, 7, 105, o.id, 55, PromptAction::Snooze), snooze).await.unwrap(),
            ClickOutcome::Snoozed { until } if until == now + snooze
        ));
        assert_eq!(app.store.done_count(GuildId(1), o.id).await.unwrap(), 1);
        assert_eq!(app.store.done_count(GuildId(2), o.id).await.unwrap(), 0);
    }
}
