//! The fake's state: servers, channels, roles, members, messages, registered
//! commands, interactions, gateway sessions, recorded requests and faults.
//!
//! One mutex guards it all; nothing awaits while holding it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;

/// Discord refuses an interaction response after this long.
pub const INTERACTION_DEADLINE: Duration = Duration::from_secs(3);
/// Interaction tokens (follow-ups, edits of the original) last this long.
pub const INTERACTION_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Snowflakes count milliseconds from the first instant of 2015 (UTC).
pub const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;
/// Discord's attachment size limit for bots in a server without boosts.
pub const DEFAULT_ATTACHMENT_SIZE_LIMIT: u64 = 10_485_760;
/// Discord remembers message nonces for a few minutes.
pub const NONCE_MEMORY: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub bot: bool,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
    pub mentionable: bool,
    pub position: i32,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: u64,
    pub roles: Vec<u64>,
    pub joined_at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct Guild {
    pub id: u64,
    pub name: String,
    pub owner_id: u64,
    /// The first role is @everyone, with the guild's id.
    pub roles: Vec<Role>,
    pub members: BTreeMap<u64, Member>,
}

/// Whether the bot can use a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelAccess {
    Open,
    /// 403, code 50013 Missing Permissions.
    Forbidden,
    /// 404, code 10003 Unknown Channel.
    Gone,
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: u64,
    pub guild_id: u64,
    pub name: String,
    pub access: ChannelAccess,
    pub bot_user_id: u64,
    /// A permission overwrite for the bot: (allow, deny).
    pub bot_overwrite: Option<(u64, u64)>,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: u64,
    pub channel_id: u64,
    pub guild_id: Option<u64>,
    pub author_id: u64,
    pub content: String,
    pub embeds: Value,
    pub components: Value,
    pub flags: u64,
    pub nonce: Option<Value>,
    pub created_ms: i64,
    pub edited_ms: Option<i64>,
    /// The interaction this message answers, if any.
    pub interaction: Option<u64>,
    /// Ephemeral: only this member sees it.
    pub ephemeral_for: Option<u64>,
    pub allowed_mentions: Option<Value>,
    pub deleted: bool,
    pub created_at: Instant,
}

impl Message {
    pub fn is_ephemeral(&self) -> bool {
        self.flags & 64 != 0
    }
}

#[derive(Debug, Clone)]
pub struct Interaction {
    pub id: u64,
    pub token: String,
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    pub user_id: u64,
    /// The `d` of INTERACTION_CREATE.
    pub payload: Value,
    /// When it last went out on a socket.
    pub dispatched: Option<Instant>,
    /// How long before its first delivery Discord created it (its id
    /// carries the creation instant): the response deadline and the
    /// token's lifetime count from then.
    pub late: Duration,
    /// When it was created, for the token's lifetime.
    pub created: Instant,
    pub acknowledged: bool,
    /// When the member first saw the answer: a message response, or the
    /// first follow-up or edit after "thinking…" (load measurements).
    pub shown: Option<Instant>,
    /// Every accepted initial response body.
    pub callbacks: Vec<Value>,
    /// The message the initial response created (the "original").
    pub original: Option<u64>,
    pub followups: Vec<u64>,
}

/// A request the bot sent, as the fake saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub body: Option<Value>,
    pub status: u16,
    /// Why the body broke Discord's description, in strict mode.
    pub violation: Option<String>,
    /// When it arrived, in Unix milliseconds.
    pub received_ms: i64,
    /// The files of a multipart body.
    pub files: Vec<UploadedFile>,
}

/// A file the bot attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// The form part's name (`files[0]`, ...).
    pub field: String,
    pub filename: String,
    /// Its alt text: the `description` of its entry in the payload's
    /// `attachments`.
    pub description: Option<String>,
    pub bytes: Vec<u8>,
}

/// What a fault does to a matching request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// 429 with `retry_after` seconds; `global` or for this route.
    RateLimited { retry_after: f64, global: bool },
    /// Any status, such as 500 or 502, with Discord's error body.
    Status(u16),
    /// The response is held back this long, then served normally.
    Delay(Duration),
    /// The request is served at once (a message is created, say) but the
    /// answer is held back this long: the client cannot know it worked.
    Hold(Duration),
}

/// The next `remaining` requests whose method matches and whose path
/// contains `route` get `kind`.
#[derive(Debug, Clone)]
pub struct RouteFault {
    pub method: Option<String>,
    pub route: String,
    pub remaining: u32,
    pub kind: FaultKind,
}

/// A frame for a live gateway connection.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// A dispatch (op 0); an interaction's id when it is
    /// INTERACTION_CREATE, so its deadline starts when it is sent.
    Dispatch {
        frame: Value,
        interaction: Option<u64>,
    },
    /// Op 7: the client should reconnect and resume.
    Reconnect,
    /// Drop the connection without a close frame.
    Drop,
}

/// One gateway session: its event log for RESUME, and its live connection.
#[derive(Debug, Default)]
pub struct Session {
    /// The shard it identified as, `[id, total]` (`[0, 1]` unless sharded).
    pub shard: (u32, u32),
    pub seq: u64,
    pub log: VecDeque<(u64, Value, Option<u64>)>,
    pub live: Option<mpsc::UnboundedSender<Outgoing>>,
}

/// An IDENTIFY the fake received with a valid token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentifyRecord {
    pub shard: u32,
    pub total: u32,
    pub at: Instant,
    /// Started a session; `false`: refused with an invalid session, too
    /// soon after another in its bucket.
    pub accepted: bool,
}

/// Discord's spacing of IDENTIFYs in one `max_concurrency` bucket.
pub const IDENTIFY_SPACING: Duration = Duration::from_secs(5);

/// Everything the fake knows.
#[derive(Debug)]
pub struct World {
    next_id: u64,
    pub token: String,
    pub token_revoked: bool,
    pub application_id: u64,
    pub bot: User,
    pub users: BTreeMap<u64, User>,
    pub guilds: BTreeMap<u64, Guild>,
    pub channels: BTreeMap<u64, Channel>,
    pub messages: Vec<Message>,
    pub global_commands: Vec<Value>,
    pub guild_commands: BTreeMap<u64, Vec<Value>>,
    pub command_overwrites: u32,
    pub interactions: BTreeMap<u64, Interaction>,
    /// Each interaction's id by its webhook token: follow-ups and edits
    /// name the interaction by token only, thousands a second in a load.
    interaction_tokens: HashMap<String, u64>,
    pub requests: Vec<RecordedRequest>,
    pub faults: Vec<RouteFault>,
    pub sessions: HashMap<String, Session>,
    /// The session identified (or resumed) last.
    pub current_session: Option<String>,
    /// The session of each shard id: the latest identified (or resumed)
    /// as it. A server's events go to its shard's.
    pub shard_sessions: BTreeMap<u32, String>,
    /// The shard count of the latest IDENTIFY.
    pub shard_total: u32,
    /// GET /gateway/bot's `shards` (recommended count).
    pub recommended_shards: u32,
    /// GET /gateway/bot's `session_start_limit.max_concurrency`.
    pub max_concurrency: u32,
    /// Every IDENTIFY with the right token, in order.
    pub identify_log: Vec<IdentifyRecord>,
    /// Whether an IDENTIFY within 5 seconds of another in its bucket is
    /// refused with an invalid session, as Discord does.
    pub identify_spacing_enforced: bool,
    pub identifies: u32,
    pub resumes: u32,
    pub refuse_resumes: u32,
    /// While set, IDENTIFY waits: no new session starts.
    pub identifies_held: bool,
    pub heartbeat_interval_ms: u64,
    /// How late interactions created from now on reach the bot.
    pub delivery_delay: Duration,
    /// The `attachment_size_limit` of interactions created from now on:
    /// the most bytes one file may have in their answers.
    pub attachment_size_limit: u64,
    /// Servers that removed the bot, kept so a test can add it back.
    pub departed_guilds: BTreeMap<u64, Guild>,
}

impl World {
    pub fn new(token: String) -> Self {
        let mut world = Self {
            next_id: 1_200_000_000_000_000_000,
            token,
            token_revoked: false,
            application_id: 0,
            bot: User {
                id: 0,
                name: "secondheart".into(),
                bot: true,
            },
            users: BTreeMap::new(),
            guilds: BTreeMap::new(),
            channels: BTreeMap::new(),
            messages: Vec::new(),
            global_commands: Vec::new(),
            guild_commands: BTreeMap::new(),
            command_overwrites: 0,
            interactions: BTreeMap::new(),
            interaction_tokens: HashMap::new(),
            requests: Vec::new(),
            faults: Vec::new(),
            sessions: HashMap::new(),
            current_session: None,
            shard_sessions: BTreeMap::new(),
            shard_total: 1,
            recommended_shards: 1,
            max_concurrency: 1,
            identify_log: Vec::new(),
            identify_spacing_enforced: true,
            identifies: 0,
            resumes: 0,
            refuse_resumes: 0,
            identifies_held: false,
            heartbeat_interval_ms: 41_250,
            delivery_delay: Duration::ZERO,
            attachment_size_limit: DEFAULT_ATTACHMENT_SIZE_LIMIT,
            departed_guilds: BTreeMap::new(),
        };
        world.application_id = world.snowflake();
        world.bot.id = world.application_id;
        world.users.insert(world.bot.id, world.bot.clone());
        world
    }

    /// A fresh id, increasing, made like Discord's: milliseconds since
    /// Discord's epoch in the high bits, so an id made from a time sorts
    /// among the messages as their creation does.
    pub fn snowflake(&mut self) -> u64 {
        let from_time = u64::try_from(Self::now_ms() - DISCORD_EPOCH_MS).unwrap_or(0) << 22;
        self.next_id = (self.next_id + 1).max(from_time);
        self.next_id
    }

    /// A fresh id whose server would be on `shard` of `total`: its time
    /// bits moved on a few milliseconds if need be.
    pub fn snowflake_on_shard(&mut self, shard: u32, total: u32) -> u64 {
        let total = u64::from(total.max(1));
        loop {
            let id = self.snowflake();
            if (id >> 22) % total == u64::from(shard) {
                return id;
            }
            self.next_id = id + (1 << 22) - 1;
        }
    }

    /// An interaction's id: like Discord's, it carries when it was created
    /// (`ago` before now) in its upper bits.
    pub fn timed_snowflake(&mut self, ago: Duration) -> u64 {
        let created = Self::now_ms() - i64::try_from(ago.as_millis()).unwrap_or(i64::MAX);
        let since_epoch = u64::try_from(created - DISCORD_EPOCH_MS).unwrap_or(0);
        (since_epoch << 22) | (self.snowflake() & 0x3f_ffff)
    }

    /// Whether the response window of an interaction is still open: three
    /// seconds from its creation, whose first delivery starts the clock
    /// (minus how late it was delivered).
    pub fn in_response_window(interaction: &Interaction) -> bool {
        interaction
            .dispatched
            .is_some_and(|at| at.elapsed() + interaction.late <= INTERACTION_DEADLINE)
    }

    pub fn user(&self, id: u64) -> Option<&User> {
        self.users.get(&id)
    }

    /// Whether `token` (as sent in IDENTIFY or an Authorization header) is
    /// the bot's and still valid.
    pub fn accepts_token(&self, token: &str) -> bool {
        let token = token.strip_prefix("Bot ").unwrap_or(token);
        !self.token_revoked && token == self.token
    }

    /// The fault that applies to this request, consuming one use.
    pub fn take_fault(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        let index = self.faults.iter().position(|f| {
            f.remaining > 0
                && f.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && path.contains(&f.route)
        })?;
        let fault = &mut self.faults[index];
        fault.remaining -= 1;
        let kind = fault.kind.clone();
        if fault.remaining == 0 {
            self.faults.remove(index);
        }
        Some(kind)
    }

    /// The shard of a server among the current total, as Discord computes
    /// it; direct messages (`None`) are shard 0's.
    pub fn shard_of(&self, guild: Option<u64>) -> u32 {
        guild.map_or(0, |g| {
            ((g >> 22) % u64::from(self.shard_total.max(1))) as u32
        })
    }

    /// Appends a dispatch to the session of the server's shard (the
    /// server named by the event's `guild_id`, or a GUILD_* event's `id`)
    /// and sends it if that session is connected; otherwise it waits in
    /// the log for a RESUME.
    pub fn dispatch(&mut self, event: &str, data: Value, interaction: Option<u64>) {
        let id_of = |field: &str| data.get(field)?.as_str()?.parse::<u64>().ok();
        let guild = id_of("guild_id")
            .or_else(|| event.starts_with("GUILD_").then(|| id_of("id")).flatten());
        let shard = self.shard_of(guild);
        let Some(id) = self.shard_sessions.get(&shard).cloned() else {
            return;
        };
        self.dispatch_to(&id, event, data, interaction);
    }

    /// Appends a dispatch to one session, and sends it if it is connected.
    pub fn dispatch_to(&mut self, id: &str, event: &str, data: Value, interaction: Option<u64>) {
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        session.seq += 1;
        let seq = session.seq;
        let frame = serde_json::json!({"op": 0, "s": seq, "t": event, "d": data});
        session.log.push_back((seq, frame.clone(), interaction));
        while session.log.len() > 1000 {
            session.log.pop_front();
        }
        if let Some(live) = &session.live {
            if live
                .send(Outgoing::Dispatch { frame, interaction })
                .is_err()
            {
                session.live = None;
            }
        }
    }

    /// Sends `frame` to the bot's live connection, if there is one.
    pub fn signal(&mut self, frame: Outgoing) -> bool {
        let Some(id) = self.current_session.clone() else {
            return false;
        };
        match self.sessions.get_mut(&id).and_then(|s| s.live.take()) {
            Some(live) => {
                let sent = live.send(frame).is_ok();
                if let Some(session) = self.sessions.get_mut(&id) {
                    session.live = Some(live);
                }
                sent
            }
            None => false,
        }
    }

    /// A recent message by `author` in `channel` with this nonce: Discord
    /// returns it instead of posting again when `enforce_nonce` is set.
    pub fn message_with_nonce(&self, channel: u64, author: u64, nonce: &Value) -> Option<&Message> {
        self.messages.iter().rev().find(|m| {
            m.channel_id == channel
                && m.author_id == author
                && m.nonce.as_ref() == Some(nonce)
                && m.created_at.elapsed() < NONCE_MEMORY
        })
    }

    pub fn message_mut(&mut self, channel: u64, id: u64) -> Option<&mut Message> {
        self.messages
            .iter_mut()
            .find(|m| m.channel_id == channel && m.id == id && !m.deleted)
    }

    pub fn now_ms() -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

impl World {
    /// Adds an interaction Discord has just created.
    pub fn add_interaction(&mut self, interaction: Interaction) {
        self.interaction_tokens
            .insert(interaction.token.clone(), interaction.id);
        self.interactions.insert(interaction.id, interaction);
    }

    /// The interaction whose webhook token this is.
    pub fn interaction_by_token(&self, token: &str) -> Option<&Interaction> {
        self.interaction_tokens
            .get(token)
            .and_then(|id| self.interactions.get(id))
    }
}
