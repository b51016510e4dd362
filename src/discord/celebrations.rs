//! What a check-in sets off, said and done after its reply: a milestone
//! announced in the channel of the check-in, the team goal in the
//! leaderboard channel (both once, without pings), and role rewards.
//!
//! Role grants are queued in the store and sent one at a time by one task,
//! each at the pace of the bot's [`RestBudget`] (Discord's global limit), so
//! a burst of milestones (a whole team reaching 7 days on one Monday) never
//! bursts at Discord. A 429 or a failure on Discord's side leaves the grant
//! queued for a later pass; a refusal (403 Missing Permissions, or a role
//! above the bot's own, 404 for a member who left) is recorded with its
//! reason and not tried again.

use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use tokio::sync::Notify;

use super::budget::{RestBudget, RouteGroup, Spend};
use super::errors::{discord_code, is_server_error};
use super::render;
use crate::app::goals::Celebration;
use crate::app::App;
use crate::domain::ChannelId;

/// Grants read from the store per pass.
const GRANTS_PER_PASS: u32 = 20;
/// How long a grant Discord could not take now (429, 5xx, network) waits
/// before the next pass; also how often the queue looks without a wake-up.
const RETRY_AFTER: Duration = Duration::from_secs(30);
/// Shown in the server's audit log for each grant.
const AUDIT_REASON: &str = "secondheart: streak milestone reward";

/// Says and does what check-ins set off.
pub struct Celebrations {
    app: Arc<App>,
    http: Arc<serenity::Http>,
    budget: Arc<RestBudget>,
    grants_waiting: Notify,
}

impl Celebrations {
    /// Starts the role-grant queue; it sends what was queued before too.
    pub fn start(app: Arc<App>, http: Arc<serenity::Http>, budget: Arc<RestBudget>) -> Arc<Self> {
        let celebrations = Arc::new(Self {
            app,
            http,
            budget,
            grants_waiting: Notify::new(),
        });
        tokio::spawn(Arc::clone(&celebrations).grant_roles());
        celebrations
    }

    /// Announces what a check-in in `channel` set off, in the background:
    /// the member's reply goes first and never waits for this.
    pub fn after_checkin(self: &Arc<Self>, channel: ChannelId, celebration: &Celebration) {
        if celebration.roles_queued {
            self.grants_waiting.notify_one();
        }
        let mut posts = Vec::new();
        if let Some(milestone) = celebration.milestone {
            posts.push((channel, render::milestone(&celebration.name, milestone)));
        }
        if let Some((board_channel, team)) = &celebration.team_reached {
            posts.push((*board_channel, render::team_goal_reached(team)));
        }
        if posts.is_empty() {
            return;
        }
        let this = Arc::clone(self);
        tokio::spawn(async move {
            for (channel, text) in posts {
                this.post(channel, text).await;
            }
        });
    }

    /// Posts an announcement that pings nobody. It is said at most once: a
    /// failure is logged, not retried.
    async fn post(&self, channel: ChannelId, text: String) {
        let message = serenity::CreateMessage::new()
            .content(text)
            .allowed_mentions(serenity::CreateAllowedMentions::new());
        let sent = self
            .budget
            .serenity(
                Spend::Message(channel.0),
                RouteGroup::Messages,
                serenity::ChannelId::new(channel.0).send_message(&self.http, message),
            )
            .await;
        if let Err(error) = sent {
            tracing::warn!(%channel, %error, "could not post a celebration");
        }
    }

    /// The queue: sends pending grants one by one, then sleeps until a new
    /// grant is queued or [`RETRY_AFTER`] has passed.
    async fn grant_roles(self: Arc<Self>) {
        loop {
            let wait = match self.grant_pending().await {
                Ok(()) => RETRY_AFTER,
                Err(error) => {
                    tracing::warn!(error = %error, "role grants: cannot read the queue");
                    RETRY_AFTER
                }
            };
            let _ = tokio::time::timeout(wait, self.grants_waiting.notified()).await;
        }
    }

    /// One pass over the queue; stops at the first grant Discord could not
    /// take now, leaving it (and the rest) for the next pass.
    async fn grant_pending(&self) -> Result<(), crate::app::AppError> {
        loop {
            let grants = self.app.pending_role_grants(GRANTS_PER_PASS).await?;
            if grants.is_empty() {
                return Ok(());
            }
            for grant in grants {
                let sent = self
                    .budget
                    .serenity(
                        Spend::Request,
                        RouteGroup::Roles,
                        self.http.add_member_role(
                            serenity::GuildId::new(grant.guild.0),
                            serenity::UserId::new(grant.user.0),
                            serenity::RoleId::new(grant.role.0),
                            Some(AUDIT_REASON),
                        ),
                    )
                    .await;
                let refused = match sent {
                    Ok(()) => None,
                    Err(error) if is_server_error(&error) || status(&error).is_none() => {
                        tracing::warn!(%error, "role grant failed; trying again later");
                        return Ok(());
                    }
                    Err(error) if status(&error) == Some(429) => return Ok(()),
                    Err(error) => Some(refusal(&error)),
                };
                if let Some(reason) = &refused {
                    tracing::warn!(guild = %grant.guild, role = %grant.role, %reason, "role grant refused");
                }
                self.app.finish_role_grant(grant, refused).await?;
            }
        }
    }
}

fn status(error: &serenity::Error) -> Option<u16> {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            Some(response.status_code.as_u16())
        }
        _ => None,
    }
}

/// Discord's refusal in words, kept with the grant.
fn refusal(error: &serenity::Error) -> String {
    match discord_code(error) {
        Some(50013) => "missing Manage Roles, or the role is above the bot's own".into(),
        Some(10007) => "the member left the server".into(),
        Some(10011) => "the role no longer exists".into(),
        _ => error.to_string(),
    }
}
