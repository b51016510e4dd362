//! Posting prompts to Discord: the scheduler's [`Notifier`] (prompts,
//! boards with their picture, snooze reminders), and in-place edits of
//! prompts.
//!
//! These requests go out through reqwest with serenity's request builder
//! (so a proxy or the fake Discord is honoured) instead of serenity's typed
//! calls, because the scheduler needs what serenity's errors drop: the
//! `retry_after` of a 429 and Discord's error code. Each request waits for
//! the bot's [`RestBudget`] first, shared with everything else it sends.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use serde_json::Value;
use serenity::http::{LightMethod, Multipart, MultipartUpload, Request, Route};

use super::budget::{RestBudget, RouteGroup, Spend};
use super::{permissions, pictures, prompt, render};
use crate::app::pictures::Renderer;
use crate::domain::prompt::is_prompt_of;
use crate::domain::{ChannelId, MessageId, OccurrenceId, UserId};
use crate::scheduler::{BoardMessage, Notifier, PostError, PromptMessage, Reminder};

/// Discord's clock and ours may differ: a channel is read for a claim's
/// post from this long before the claim was taken.
const CLOCK_MARGIN: chrono::Duration = chrono::Duration::minutes(2);
/// The most pages of messages read to find one post: a channel with more
/// than this many hundred messages since the claim is not searched further.
const MAX_PAGES: u32 = 100;
/// Where Discord's snowflake time starts: 2015-01-01T00:00:00Z.
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// Posts and edits prompts.
pub struct DiscordNotifier {
    http: Arc<serenity::Http>,
    /// The same client as serenity's, with its timeouts.
    client: reqwest::Client,
    budget: Arc<RestBudget>,
    /// How long "Snooze" waits, for its button's label.
    snooze: Duration,
    /// The bot's own user id: its prompts are found among its messages.
    bot_user: u64,
    /// Draws the board posts' pictures: the app's, shared with the commands.
    renderer: Arc<Renderer>,
}

impl DiscordNotifier {
    pub fn new(
        http: Arc<serenity::Http>,
        client: reqwest::Client,
        budget: Arc<RestBudget>,
        snooze: Duration,
        bot_user: u64,
        renderer: Arc<Renderer>,
    ) -> Self {
        Self {
            http,
            client,
            budget,
            snooze,
            bot_user,
            renderer,
        }
    }

    /// Whether the bot may read the channel's history, if Discord tells:
    /// asked only when a read found nothing, which is rare.
    async fn reads_history(&self, channel: ChannelId) -> Option<bool> {
        permissions::reads_history(
            &self.http,
            &self.budget,
            serenity::ChannelId::new(channel.0),
            serenity::UserId::new(self.bot_user),
        )
        .await
    }

    /// Posts a `/schedule test` prompt: once, without retries.
    pub async fn post_test(&self, prompt: &PromptMessage) -> Result<(), PostError> {
        self.post_prompt(prompt).await.map(drop)
    }

    /// Edits a posted prompt in place (its done count).
    pub async fn edit_prompt(
        &self,
        message: MessageId,
        prompt: &PromptMessage,
    ) -> Result<(), PostError> {
        let body = serde_json::to_vec(&prompt::edit(prompt))
            .map_err(|e| PostError::Rejected(e.to_string()))?;
        let route = Route::ChannelMessage {
            channel_id: serenity::ChannelId::new(prompt.channel.0),
            message_id: serenity::MessageId::new(message.0),
        };
        self.send(Spend::Request, route, LightMethod::Patch, Some(body), None)
            .await
            .map(drop)
    }

    /// Sends one request at the bot's pace and sorts out its answer.
    async fn send(
        &self,
        spend: Spend,
        route: Route<'_>,
        method: LightMethod,
        body: Option<Vec<u8>>,
        params: Option<Vec<(&'static str, String)>>,
    ) -> Result<Value, PostError> {
        self.send_form(spend, route, method, body, params, None)
            .await
    }

    /// As [`send`](Self::send), with files: a multipart body instead of
    /// `body` when `multipart` is given.
    async fn send_form(
        &self,
        spend: Spend,
        route: Route<'_>,
        method: LightMethod,
        body: Option<Vec<u8>>,
        params: Option<Vec<(&'static str, String)>>,
        multipart: Option<Multipart>,
    ) -> Result<Value, PostError> {
        self.budget.spend(spend).await;
        let group = route_group(&route);
        let request = Request::new(route, method)
            .body(body)
            .multipart(multipart)
            .params(params)
            .build(&self.client, self.http.token(), self.http.proxy.as_deref())
            .map_err(|e| PostError::Rejected(format!("cannot build the request: {e}")))?;
        let response = request.send().await.map_err(|e| {
            self.budget.unanswered(group);
            PostError::Unavailable(format!("no answer from Discord: {e}"))
        })?;
        let status = response.status().as_u16();
        self.budget.answered(group, status);
        let retry_header = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite());
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(body);
        }
        Err(classify(status, &body, retry_header))
    }
}

/// What an unsuccessful answer means for the scheduler.
fn classify(status: u16, body: &Value, retry_header: Option<f64>) -> PostError {
    let code = body.get("code").and_then(Value::as_i64).unwrap_or(0);
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    match (status, code) {
        (429, _) => {
            // The body's value has milliseconds; the header only seconds.
            let seconds = body
                .get("retry_after")
                .and_then(Value::as_f64)
                .filter(|v| v.is_finite())
                .or(retry_header)
                .unwrap_or(1.0);
            PostError::RateLimited {
                retry_after: Duration::from_secs_f64(seconds.clamp(0.0, 3600.0)),
            }
        }
        (_, 10003) => PostError::ChannelUnusable("the channel no longer exists".into()),
        (_, 50001) => {
            PostError::ChannelUnusable("I can no longer see the channel (Missing Access)".into())
        }
        (_, 50013) => PostError::ChannelUnusable(
            "I am missing permissions to post in the channel (Missing Permissions)".into(),
        ),
        (_, 10008) => PostError::MessageGone,
        (500.., _) => PostError::Unavailable(format!("Discord answered {status}")),
        _ => PostError::Rejected(format!("Discord answered {status}, code {code}: {message}")),
    }
}

#[async_trait]
impl Notifier for DiscordNotifier {
    async fn post_prompt(&self, prompt: &PromptMessage) -> Result<MessageId, PostError> {
        let body = serde_json::to_vec(&prompt::message(prompt, self.snooze))
            .map_err(|e| PostError::Rejected(e.to_string()))?;
        let route = Route::ChannelMessages {
            channel_id: serenity::ChannelId::new(prompt.channel.0),
        };
        let message = self
            .send(
                Spend::Message(prompt.channel.0),
                route,
                LightMethod::Post,
                Some(body),
                None,
            )
            .await?;
        message_id(&message)
            .ok_or_else(|| PostError::Unavailable("Discord's answer had no message id".into()))
    }

    async fn post_board(&self, board: &BoardMessage) -> Result<MessageId, PostError> {
        // The board's picture, drawn anew for each attempt: a post that
        // cannot have it goes with its text alone.
        let nobody = UserId(0);
        let picture = render::board_picture(&board.board, nobody, board.team.as_ref());
        let drawn = self.renderer.draw(move || picture.draw()).await;
        let file = pictures::attachment(drawn, pictures::BOARD_FILE, pictures::DEFAULT_SIZE_LIMIT);
        let mut message = prompt::board_message(board);
        if let Some(file) = &file {
            message = message.add_file(file.clone());
        }
        let json = serde_json::to_vec(&message).map_err(|e| PostError::Rejected(e.to_string()))?;
        let (body, multipart) = match file {
            None => (Some(json), None),
            Some(file) => (
                None,
                Some(Multipart {
                    upload: MultipartUpload::Attachments(vec![file]),
                    fields: Vec::new(),
                    payload_json: Some(String::from_utf8_lossy(&json).into_owned()),
                }),
            ),
        };
        let route = Route::ChannelMessages {
            channel_id: serenity::ChannelId::new(board.channel.0),
        };
        let message = self
            .send_form(
                Spend::Message(board.channel.0),
                route,
                LightMethod::Post,
                body,
                None,
                multipart,
            )
            .await?;
        message_id(&message)
            .ok_or_else(|| PostError::Unavailable("Discord's answer had no message id".into()))
    }

    async fn find_post(
        &self,
        channel: ChannelId,
        occurrence: OccurrenceId,
        since: DateTime<Utc>,
    ) -> Result<Option<MessageId>, PostError> {
        // Every message from just before the claim to now, a page of 100
        // at a time, oldest pages first.
        let mut after = snowflake_at(since - CLOCK_MARGIN);
        let mut read_any = false;
        for _ in 0..MAX_PAGES {
            let route = Route::ChannelMessages {
                channel_id: serenity::ChannelId::new(channel.0),
            };
            let params = Some(vec![
                ("after", after.to_string()),
                ("limit", "100".to_owned()),
            ]);
            let page = self
                .send(Spend::Request, route, LightMethod::Get, None, params)
                .await?;
            let page = page.as_array().map(Vec::as_slice).unwrap_or_default();
            let found = page
                .iter()
                // Only the bot's own messages: members cannot put buttons on
                // theirs, but another bot could copy ours.
                .filter(|m| {
                    m.pointer("/author/id").and_then(Value::as_str)
                        == Some(self.bot_user.to_string().as_str())
                })
                .find(|m| {
                    is_prompt_of(custom_ids(m), occurrence)
                        || m.get("embeds")
                            .is_some_and(|e| prompt::is_board_of(e, occurrence))
                })
                .and_then(message_id);
            if found.is_some() {
                return Ok(found);
            }
            read_any |= !page.is_empty();
            if page.len() < 100 {
                let reads_history = if read_any {
                    None
                } else {
                    self.reads_history(channel).await
                };
                return nothing_found(read_any, reads_history);
            }
            // Listed newest first; the next page starts after the newest.
            after = page
                .iter()
                .filter_map(message_id)
                .map(|m| m.0)
                .max()
                .unwrap_or(after);
        }
        Err(PostError::Rejected(format!(
            "more than {} messages since the claim; not searched further",
            MAX_PAGES * 100
        )))
    }

    async fn send_reminder(&self, reminder: &Reminder) -> Result<(), PostError> {
        let body = serde_json::to_vec(&prompt::reminder(reminder))
            .map_err(|e| PostError::Rejected(e.to_string()))?;
        let application_id = self
            .http
            .application_id()
            .ok_or_else(|| PostError::Unavailable("the application id is not known yet".into()))?;
        // A follow-up through the interaction token of the member's click
        // (Discord accepts them for 15 minutes): outside Discord's global
        // limit, so only the budget's brake applies.
        let route = Route::WebhookFollowupMessages {
            application_id,
            token: &reminder.snooze.token,
        };
        self.send(
            Spend::Interaction,
            route,
            LightMethod::Post,
            Some(body),
            None,
        )
        .await
        .map(drop)
    }
}

/// What a request of the notifier is for, for the count of answers.
fn route_group(route: &Route<'_>) -> RouteGroup {
    match route {
        Route::ChannelMessage { .. } | Route::ChannelMessages { .. } => RouteGroup::Messages,
        Route::WebhookFollowupMessages { .. } => RouteGroup::Interactions,
        _ => RouteGroup::Other,
    }
}

/// A snowflake from a time: messages after it were made after that time.
fn snowflake_at(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp_millis() - DISCORD_EPOCH_MS).unwrap_or(0) << 22
}

/// What a read of the channel up to now that did not find the post means.
/// Discord lists nothing, without an error, to a bot missing Read Message
/// History: an empty read is "not posted" only if the bot may read the
/// channel, and unknown otherwise.
fn nothing_found(
    read_any: bool,
    reads_history: Option<bool>,
) -> Result<Option<MessageId>, PostError> {
    match (read_any, reads_history) {
        (true, _) | (false, Some(true)) => Ok(None),
        (false, Some(false)) => Err(PostError::ChannelUnusable(
            "I cannot read the channel's history (Read Message History is missing)".into(),
        )),
        // Discord did not tell: asked again on the next try.
        (false, None) => Err(PostError::Unavailable(
            "cannot tell whether the channel's history can be read".into(),
        )),
    }
}

fn message_id(message: &Value) -> Option<MessageId> {
    message["id"].as_str()?.parse().ok().map(MessageId)
}

/// The `custom_id`s of a message's buttons.
fn custom_ids(message: &Value) -> Vec<String> {
    message
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|row| row.get("components").and_then(Value::as_array))
        .flatten()
        .filter_map(|c| {
            c.get("custom_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn discord_answers_are_sorted_into_what_the_scheduler_does() {
        assert_eq!(
            classify(
                429,
                &json!({"retry_after": 1.5, "global": false}),
                Some(2.0)
            ),
            PostError::RateLimited {
                retry_after: Duration::from_millis(1500)
            }
        );
        assert_eq!(
            classify(429, &json!(null), Some(3.0)),
            PostError::RateLimited {
                retry_after: Duration::from_secs(3)
            }
        );
        assert!(matches!(
            classify(
                404,
                &json!({"code": 10003, "message": "Unknown Channel"}),
                None
            ),
            PostError::ChannelUnusable(_)
        ));
        assert!(matches!(
            classify(403, &json!({"code": 50013}), None),
            PostError::ChannelUnusable(_)
        ));
        assert!(matches!(
            classify(403, &json!({"code": 50001}), None),
            PostError::ChannelUnusable(_)
        ));
        assert_eq!(
            classify(404, &json!({"code": 10008}), None),
            PostError::MessageGone
        );
        assert!(matches!(
            classify(502, &json!(null), None),
            PostError::Unavailable(_)
        ));
        assert!(matches!(
            classify(
                400,
                &json!({"code": 50035, "message": "Invalid Form Body"}),
                None
            ),
            PostError::Rejected(_)
        ));
    }

    #[test]
    fn an_empty_read_means_not_posted_only_where_the_history_is_readable() {
        assert_eq!(nothing_found(true, None), Ok(None));
        assert_eq!(nothing_found(true, Some(false)), Ok(None));
        assert_eq!(nothing_found(false, Some(true)), Ok(None));
        assert!(matches!(
            nothing_found(false, Some(false)),
            Err(PostError::ChannelUnusable(_))
        ));
        assert!(matches!(
            nothing_found(false, None),
            Err(PostError::Unavailable(_))
        ));
        // Snowflakes: milliseconds since 2015 in the high bits.
        let at = DateTime::from_timestamp_millis(DISCORD_EPOCH_MS + 1000).unwrap();
        assert_eq!(snowflake_at(at), 1000 << 22);
    }

    #[test]
    fn a_prompt_is_found_by_its_buttons_among_recent_messages() {
        let message = json!({
            "id": "99",
            "author": {"id": "5", "bot": true},
            "components": [{"type": 1, "components": [
                {"type": 2, "custom_id": "p:7:done"}, {"type": 2, "custom_id": "p:7:notnow"}
            ]}]
        });
        assert!(is_prompt_of(custom_ids(&message), OccurrenceId(7)));
        assert_eq!(message_id(&message), Some(MessageId(99)));
    }
}
