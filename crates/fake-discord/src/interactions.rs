//! Interactions: button clicks, redelivery, and the member's view of the
//! bot's answer.

use std::time::Duration;

use serde_json::{json, Value};

use super::world::{self, World};
use super::{member_permissions, payloads, permissions, FakeDiscord, InteractionReply};

impl FakeDiscord {
    /// Clicks a button on a message, as `user`. Returns the interaction id.
    pub fn click_button(
        &self,
        channel: u64,
        message: u64,
        user: u64,
        custom_id: &str,
    ) -> Result<u64, String> {
        let has_button = self
            .shared
            .world()
            .messages
            .iter()
            .find(|m| m.id == message && m.channel_id == channel && !m.deleted)
            .ok_or("no such message")?
            .components
            .to_string()
            .contains(&format!("\"custom_id\":\"{custom_id}\""));
        if !has_button {
            return Err(format!("the message has no button `{custom_id}`"));
        }
        self.click_forged(channel, message, user, custom_id)
    }

    /// Sends a click on a button the message does not have: what a
    /// modified client can send. Returns the interaction id.
    pub fn click_forged(
        &self,
        channel: u64,
        message: u64,
        user: u64,
        custom_id: &str,
    ) -> Result<u64, String> {
        let mut world = self.shared.world();
        let found = world
            .messages
            .iter()
            .find(|m| m.id == message && m.channel_id == channel && !m.deleted)
            .cloned()
            .ok_or("no such message")?;
        let guild = found.guild_id.ok_or("not in a server")?;
        let author = world
            .user(found.author_id)
            .cloned()
            .unwrap_or_else(|| world.bot.clone());
        let message_json = payloads::message(&found, &author);
        let data = json!({"custom_id": custom_id, "component_type": 2});
        let id = new_interaction(
            &mut world,
            3,
            guild,
            channel,
            user,
            data,
            Some(message_json),
        )?;
        drop(world);
        self.shared.changed.notify_waiters();
        Ok(id)
    }

    /// Delivers the same interaction again (Discord may).
    pub fn redeliver(&self, interaction: u64) {
        let mut world = self.shared.world();
        if let Some(payload) = world
            .interactions
            .get(&interaction)
            .map(|i| i.payload.clone())
        {
            world.dispatch("INTERACTION_CREATE", payload, Some(interaction));
        }
    }

    /// Waits for the bot's answer to an interaction, as the member sees it.
    pub async fn reply(&self, interaction: u64, timeout: Duration) -> Option<InteractionReply> {
        self.wait_until(timeout, |w| {
            let i = w.interactions.get(&interaction)?;
            let first = i.callbacks.first()?;
            let kind = first["type"].as_u64()?;
            let shown = match kind {
                // Deferred: wait for the follow-up, or an edit of the original.
                5 => i
                    .followups
                    .first()
                    .or(i.original.as_ref().filter(|o| {
                        w.messages
                            .iter()
                            .any(|m| m.id == **o && m.edited_ms.is_some())
                    }))
                    .copied()?,
                4 => i.original?,
                _ => {
                    return Some(InteractionReply {
                        kind,
                        content: String::new(),
                        embeds: json!([]),
                        components: json!([]),
                        ephemeral: false,
                        allowed_mentions: None,
                        data: first["data"].clone(),
                        message_id: None,
                    })
                }
            };
            let m = w.messages.iter().find(|m| m.id == shown)?;
            Some(InteractionReply {
                kind,
                content: m.content.clone(),
                embeds: m.embeds.clone(),
                components: m.components.clone(),
                ephemeral: m.is_ephemeral(),
                allowed_mentions: m.allowed_mentions.clone(),
                data: first["data"].clone(),
                message_id: Some(m.id),
            })
        })
        .await
    }

    /// Sets the `attachment_size_limit` of interactions created from now
    /// on; a file over it in an answer is refused with 413 (40005), as
    /// Discord does.
    pub fn set_attachment_size_limit(&self, bytes: u64) {
        self.shared.world().attachment_size_limit = bytes;
    }

    /// The files the bot attached to its answers to an interaction (its
    /// initial response, follow-ups and edits), in the order accepted.
    pub fn uploads(&self, interaction: u64) -> Vec<super::UploadedFile> {
        let world = self.shared.world();
        let Some(token) = world
            .interactions
            .get(&interaction)
            .map(|i| i.token.clone())
        else {
            return Vec::new();
        };
        world
            .requests
            .iter()
            .filter(|r| r.status < 300 && r.path.split('/').any(|s| s == token))
            .flat_map(|r| r.files.iter().cloned())
            .collect()
    }

    /// For each interaction, how long after it was dispatched the member
    /// saw its answer ("thinking…" does not count), if they have: what a
    /// load measurement reads, for many interactions under one lock.
    pub fn answer_times(&self, interactions: &[u64]) -> Vec<Option<Duration>> {
        let world = self.shared.world();
        interactions
            .iter()
            .map(|id| {
                let i = world.interactions.get(id)?;
                Some(
                    i.shown?
                        .saturating_duration_since(i.dispatched.unwrap_or(i.created)),
                )
            })
            .collect()
    }

    /// How many initial responses the fake accepted for an interaction.
    pub fn responses_accepted(&self, interaction: u64) -> usize {
        self.shared
            .world()
            .interactions
            .get(&interaction)
            .map_or(0, |i| i.callbacks.len())
    }
}

/// Records an interaction and dispatches it as INTERACTION_CREATE.
pub(super) fn new_interaction(
    world: &mut World,
    kind: u64,
    guild: u64,
    channel: u64,
    user: u64,
    data: Value,
    message: Option<Value>,
) -> Result<u64, String> {
    let g = world.guilds.get(&guild).ok_or("no such server")?;
    let member = g
        .members
        .get(&user)
        .ok_or("not a member of that server")?
        .clone();
    let permissions = member_permissions(g, &member);
    let user_object = world.user(user).cloned().ok_or("no such user")?;
    let channel_object = world.channels.get(&channel).ok_or("no such channel")?;
    if channel_object.guild_id != guild {
        return Err("that channel is in another server".into());
    }
    let channel_json = payloads::channel(channel_object);
    let late = world.delivery_delay;
    let id = world.timed_snowflake(late);
    let token = format!("interaction-token-{id}-{}", world.snowflake());
    let mut member_json = payloads::member(&member, &user_object);
    member_json["permissions"] = json!(permissions.to_string());
    let mut payload = json!({
        "id": id.to_string(),
        "application_id": world.application_id.to_string(),
        "type": kind,
        "data": data,
        "guild_id": guild.to_string(),
        "channel_id": channel.to_string(),
        "channel": channel_json,
        "member": member_json,
        "token": token,
        "version": 1,
        "locale": "en-US",
        "guild_locale": "en-US",
        "app_permissions": permissions::MEMBER_DEFAULT.to_string(),
        "entitlements": [],
        "authorizing_integration_owners": {"0": guild.to_string()},
        "context": 0,
        "attachment_size_limit": world.attachment_size_limit,
    });
    if let Some(message) = message {
        payload["message"] = message;
    }
    world.add_interaction(world::Interaction {
        id,
        token,
        guild_id: Some(guild),
        channel_id: channel,
        user_id: user,
        payload: payload.clone(),
        dispatched: None,
        late,
        created: created_instant(late),
        acknowledged: false,
        shown: None,
        callbacks: Vec::new(),
        original: None,
        followups: Vec::new(),
    });
    world.dispatch("INTERACTION_CREATE", payload, Some(id));
    Ok(id)
}

/// The instant `late` before now (or now, so early after boot that there
/// is none).
fn created_instant(late: Duration) -> std::time::Instant {
    let now = std::time::Instant::now();
    now.checked_sub(late).unwrap_or(now)
}
