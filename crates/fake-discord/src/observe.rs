//! What the bot did, as tests read it: the channel as a member sees it, the
//! requests it sent, the description they broke, its gateway sessions.

use super::world::{IdentifyRecord, RecordedRequest, UploadedFile};
use super::{FakeDiscord, SeenMessage};

impl FakeDiscord {
    /// The channel's messages, oldest first, as `user` sees them: after
    /// edits, without deleted ones, with ephemeral ones only if meant for them.
    pub fn channel_as_seen_by(&self, channel: u64, user: u64) -> Vec<SeenMessage> {
        let world = self.shared.world();
        world
            .messages
            .iter()
            .filter(|m| m.channel_id == channel && !m.deleted)
            .filter(|m| m.ephemeral_for.is_none_or(|u| u == user))
            .map(|m| SeenMessage {
                id: m.id,
                author_id: m.author_id,
                content: m.content.clone(),
                embeds: m.embeds.clone(),
                components: m.components.clone(),
                edited: m.edited_ms.is_some(),
                ephemeral: m.is_ephemeral(),
                allowed_mentions: m.allowed_mentions.clone(),
                created_ms: m.created_ms,
            })
            .collect()
    }

    // ---- what the bot sent ----

    /// Every request the bot sent, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.world().requests.clone()
    }

    /// The files the bot attached to messages it posted in `channel` (not
    /// answers to interactions), in the order accepted.
    pub fn channel_uploads(&self, channel: u64) -> Vec<UploadedFile> {
        let path = format!("/api/v10/channels/{channel}/messages");
        self.shared
            .world()
            .requests
            .iter()
            .filter(|r| r.method == "POST" && r.path == path && r.status < 300)
            .flat_map(|r| r.files.iter().cloned())
            .collect()
    }

    /// Requests whose bodies broke Discord's description.
    pub fn violations(&self) -> Vec<String> {
        self.shared
            .world()
            .requests
            .iter()
            .filter_map(|r| {
                r.violation
                    .as_ref()
                    .map(|v| format!("{} {}: {v}", r.method, r.path))
            })
            .collect()
    }

    pub fn identifies(&self) -> u32 {
        self.shared.world().identifies
    }

    pub fn resumes(&self) -> u32 {
        self.shared.world().resumes
    }

    /// The id of the gateway session the bot identified last.
    pub fn current_session(&self) -> Option<String> {
        self.shared.world().current_session.clone()
    }

    /// Every IDENTIFY with the bot's token, in order: its shard, when, and
    /// whether it started a session.
    pub fn identify_log(&self) -> Vec<IdentifyRecord> {
        self.shared.world().identify_log.clone()
    }

    /// Whether the session of `shard` (the latest identified as it) is
    /// connected, and its id.
    pub fn shard_session(&self, shard: u32) -> Option<String> {
        let world = self.shared.world();
        let id = world.shard_sessions.get(&shard)?;
        world
            .sessions
            .get(id)
            .is_some_and(|s| s.live.is_some())
            .then(|| id.clone())
    }

    /// Whether the bot has a live gateway connection.
    pub fn connected(&self) -> bool {
        let world = self.shared.world();
        world
            .current_session
            .as_ref()
            .and_then(|id| world.sessions.get(id))
            .is_some_and(|s| s.live.is_some())
    }
}
