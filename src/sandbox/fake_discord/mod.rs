//! A fake Discord: the REST API under `/api/v10` and the WebSocket gateway on
//! loopback, keeping state and answering like Discord, with fault switches.
//!
//! The fake is only worth what it rejects: a second response to an
//! interaction is refused (40060), a late one too (10062), unknown channels
//! are 404 (10003), forbidden ones 403 (50013), a bad token 401 or close code
//! 4004, and with Discord's OpenAPI description loaded every request body is
//! checked strictly (see [`openapi`]).
//!
//! Tests and the `sandbox` command drive it through [`FakeDiscord`]: create
//! servers, channels, roles and members; send slash commands built from the
//! registered command definitions; read a channel as a member sees it; flip
//! faults.

// The fake Discord is a test double, not the bot: it reads the JSON it is
// sent by position and field, and a broken assumption there should stop the
// test (or the sandbox) loudly rather than be answered politely.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod gateway;
pub mod openapi;
mod payloads;
mod rest;
mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{State, WebSocketUpgrade};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::Notify;

pub use openapi::OpenApi;
use world::{Channel, Guild, Member, Outgoing, Role, RouteFault, User, World};
pub use world::{ChannelAccess, FaultKind, RecordedRequest};

/// Permission bits, from Discord's documentation.
pub mod permissions {
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const ATTACH_FILES: u64 = 1 << 15;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const MENTION_EVERYONE: u64 = 1 << 17;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const ADMINISTRATOR: u64 = 1 << 3;
    /// What @everyone gets in a new server, roughly.
    pub const MEMBER_DEFAULT: u64 =
        VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY;
}

/// State shared by the server tasks and the handle.
pub(crate) struct Shared {
    world: Mutex<World>,
    openapi: Option<Arc<OpenApi>>,
    /// Woken on every change tests may wait for.
    changed: Notify,
    addr: SocketAddr,
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock is a bug in the fake; keep serving.
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn gateway_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }
}

/// A running fake Discord.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

/// What a slash command or click produced from the bot.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionReply {
    /// The initial response's type (4 message, 5 deferred, 6 deferred
    /// update, 7 update).
    pub kind: u64,
    /// The message the member sees: the response's, or for a deferred
    /// response the first follow-up or edit.
    pub content: String,
    pub embeds: Value,
    pub components: Value,
    pub ephemeral: bool,
    pub allowed_mentions: Option<Value>,
    /// The initial response's `data` as sent (autocomplete choices, say).
    pub data: Value,
}

/// A message as a member sees it in a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenMessage {
    pub id: u64,
    pub author_id: u64,
    pub content: String,
    pub embeds: Value,
    pub components: Value,
    pub edited: bool,
    pub ephemeral: bool,
    pub allowed_mentions: Option<Value>,
    /// When it was created, in Unix milliseconds.
    pub created_ms: i64,
}

/// How the member's client builds a command interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    /// Discord's own client: options checked against the definition.
    Checked,
    /// A modified client or a stale command list: options as given.
    Unchecked,
    /// Unchecked, and ids of other servers resolved too (never from Discord).
    Forged,
}

impl FakeDiscord {
    /// Starts the fake on a free loopback port. With `openapi`, every request
    /// body is checked against Discord's description.
    pub async fn start(token: &str, openapi: Option<Arc<OpenApi>>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            world: Mutex::new(World::new(token.to_owned())),
            openapi,
            changed: Notify::new(),
            addr,
        });
        let app = Router::new()
            .route("/ws", get(upgrade))
            .fallback(
                |State(shared): State<Arc<Shared>>, method, uri, headers, body| async move {
                    rest::handle(shared, method, uri, headers, body).await
                },
            )
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the fake Discord stopped");
            }
        });
        Ok(Self { shared, server })
    }

    /// Base URL for the bot's `[discord] api_url`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    pub fn application_id(&self) -> u64 {
        self.shared.world().application_id
    }

    pub fn bot_user_id(&self) -> u64 {
        self.shared.world().bot.id
    }

    /// Gateway heartbeat interval sent in HELLO; shorter makes missed
    /// heartbeats show sooner in tests.
    pub fn set_heartbeat_interval(&self, interval: Duration) {
        self.shared.world().heartbeat_interval_ms = interval.as_millis() as u64;
    }

    /// Interactions created from now on reach the bot `delay` after
    /// Discord created them, as when its gateway is slow: their ids carry
    /// the earlier instant, and the three seconds to respond (and the token's
    /// fifteen minutes) count from it.
    pub fn set_delivery_delay(&self, delay: Duration) {
        self.shared.world().delivery_delay = delay;
    }

    // ---- the world ----

    /// Creates a server with an @everyone role, its owner, and the bot as a
    /// member. Returns the server id.
    pub fn create_guild(&self, name: &str) -> u64 {
        let mut world = self.shared.world();
        let id = world.snowflake();
        let owner = world.snowflake();
        world.users.insert(
            owner,
            User {
                id: owner,
                name: format!("{name} owner"),
                bot: false,
            },
        );
        let now = World::now_ms();
        let bot = world.bot.id;
        let mut members = std::collections::BTreeMap::new();
        for user in [owner, bot] {
            members.insert(
                user,
                Member {
                    user_id: user,
                    roles: Vec::new(),
                    joined_at_ms: now,
                },
            );
        }
        world.guilds.insert(
            id,
            Guild {
                id,
                name: name.to_owned(),
                owner_id: owner,
                roles: vec![Role {
                    id,
                    name: "@everyone".into(),
                    permissions: permissions::MEMBER_DEFAULT,
                    mentionable: false,
                    position: 0,
                }],
                members,
            },
        );
        // A bot already connected joins it, as on Discord: GUILD_CREATE.
        let now = World::now_ms();
        let guild_json = {
            let g = &world.guilds[&id];
            let bot_member = g
                .members
                .get(&bot)
                .map(|m| payloads::member(m, &world.bot))
                .unwrap_or(Value::Null);
            payloads::guild(g, &[], bot_member, now)
        };
        world.dispatch("GUILD_CREATE", guild_json, None);
        id
    }

    /// Creates a text channel the bot may use.
    pub fn create_channel(&self, guild: u64, name: &str) -> u64 {
        let mut world = self.shared.world();
        let id = world.snowflake();
        let bot_user_id = world.bot.id;
        world.channels.insert(
            id,
            Channel {
                id,
                guild_id: guild,
                name: name.to_owned(),
                access: ChannelAccess::Open,
                bot_user_id,
                bot_overwrite: None,
            },
        );
        // A bot already connected learns of it as from Discord.
        let channel = payloads::channel(&world.channels[&id]);
        world.dispatch("CHANNEL_CREATE", channel, None);
        id
    }

    /// Sets a permission overwrite for the bot in a channel: bits it is
    /// allowed and denied there (CHANNEL_UPDATE tells a connected bot).
    pub fn set_bot_overwrite(&self, channel: u64, allow: u64, deny: u64) {
        let mut world = self.shared.world();
        let Some(c) = world.channels.get_mut(&channel) else {
            return;
        };
        c.bot_overwrite = Some((allow, deny));
        let update = payloads::channel(c);
        world.dispatch("CHANNEL_UPDATE", update, None);
    }

    /// Creates a role with these permission bits.
    pub fn create_role(&self, guild: u64, name: &str, permissions: u64, mentionable: bool) -> u64 {
        let mut world = self.shared.world();
        let id = world.snowflake();
        if let Some(g) = world.guilds.get_mut(&guild) {
            let position = g.roles.len() as i32;
            g.roles.push(Role {
                id,
                name: name.to_owned(),
                permissions,
                mentionable,
                position,
            });
            let role = payloads::role(g.roles.last().expect("just pushed"));
            world.dispatch(
                "GUILD_ROLE_CREATE",
                json!({"guild_id": guild.to_string(), "role": role}),
                None,
            );
        }
        id
    }

    /// Adds a member with these roles; returns the user id.
    pub fn add_member(&self, guild: u64, name: &str, roles: &[u64]) -> u64 {
        let mut world = self.shared.world();
        let id = world.snowflake();
        world.users.insert(
            id,
            User {
                id,
                name: name.to_owned(),
                bot: false,
            },
        );
        if let Some(g) = world.guilds.get_mut(&guild) {
            g.members.insert(
                id,
                Member {
                    user_id: id,
                    roles: roles.to_vec(),
                    joined_at_ms: World::now_ms(),
                },
            );
        }
        id
    }

    /// Makes a channel forbidden (403) or gone (404) for the bot, or open again.
    pub fn set_channel_access(&self, channel: u64, access: ChannelAccess) {
        if let Some(c) = self.shared.world().channels.get_mut(&channel) {
            c.access = access;
        }
    }

    // ---- commands and interactions ----

    /// The registered global commands, once the bot has registered some.
    pub async fn wait_for_commands(&self, timeout: Duration) -> Option<Vec<Value>> {
        self.wait_until(timeout, |w| {
            (!w.global_commands.is_empty()).then(|| w.global_commands.clone())
        })
        .await
    }

    /// How many times the bot overwrote its global commands.
    pub fn command_overwrites(&self) -> u32 {
        self.shared.world().command_overwrites
    }

    /// Sends a slash command as `user` in `channel`, with options checked
    /// against the registered definition as Discord's client would: names,
    /// types and choices. Returns the interaction id.
    pub fn send_command(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> Result<u64, String> {
        self.command(guild, channel, user, name, options, true)
    }

    /// Like [`send_command`](Self::send_command) without the client-side
    /// checks: what a modified client or a stale command list can send.
    pub fn send_command_unchecked(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> Result<u64, String> {
        self.command(guild, channel, user, name, options, false)
    }

    /// Like [`send_command_unchecked`](Self::send_command_unchecked), but
    /// channel and role options are resolved wherever they live, also in
    /// another server: a payload Discord itself never sends, so the bot's own
    /// check that an option belongs to the server is what stands.
    pub fn send_command_forged(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> Result<u64, String> {
        self.build_command(guild, channel, user, name, options, Client::Forged, None)
    }

    /// Sends an autocomplete request for `/name` while the member types
    /// `partial` into option `focused`, with `options` already filled in.
    /// The bot answers with choices (callback type 8, see [`Self::reply`]).
    pub fn send_autocomplete(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
        focused: (&str, &str),
    ) -> Result<u64, String> {
        let mut all: Vec<(&str, Value)> = options.to_vec();
        all.push((focused.0, json!(focused.1)));
        self.build_command(
            guild,
            channel,
            user,
            name,
            &all,
            Client::Unchecked,
            Some(focused.0),
        )
    }

    fn command(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
        checked: bool,
    ) -> Result<u64, String> {
        let client = if checked {
            Client::Checked
        } else {
            Client::Unchecked
        };
        self.build_command(guild, channel, user, name, options, client, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn build_command(
        &self,
        guild: u64,
        channel: u64,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
        client: Client,
        focused: Option<&str>,
    ) -> Result<u64, String> {
        let checked = client == Client::Checked;
        let mut world = self.shared.world();
        // "me timezone" is the subcommand `timezone` of `/me`.
        let (top, sub) = match name.split_once(' ') {
            Some((top, sub)) => (top, Some(sub)),
            None => (name, None),
        };
        let definition = world
            .guild_commands
            .get(&guild)
            .into_iter()
            .flatten()
            .chain(&world.global_commands)
            .find(|c| c["name"] == top)
            .cloned()
            .ok_or_else(|| format!("no command /{top} is registered"))?;
        let top_options = definition["options"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let declared = match sub {
            None => top_options,
            Some(sub) => top_options
                .iter()
                .find(|o| o["name"] == sub && o["type"] == 1)
                .ok_or_else(|| format!("/{top} has no subcommand `{sub}`"))?["options"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        };
        let mut data_options = Vec::new();
        let mut resolved = json!({});
        for (option, value) in options {
            let Some(spec) = declared.iter().find(|o| o["name"] == *option) else {
                return Err(format!("/{name} has no option `{option}`"));
            };
            let kind = spec["type"].as_u64().unwrap_or(3);
            if checked {
                check_option(spec, value)?;
            }
            // Users, as Discord resolves them for the bot.
            if kind == 6 {
                let id = value
                    .as_str()
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or("a user option takes a user id")?;
                let user = world.user(id).cloned().ok_or("no such user")?;
                resolved["users"][id.to_string()] = payloads::user(&user);
                if let Some(member) = world.guilds.get(&guild).and_then(|g| g.members.get(&id)) {
                    let mut member = payloads::member(member, &user);
                    if let Some(m) = member.as_object_mut() {
                        m.remove("user");
                    }
                    resolved["members"][id.to_string()] = member;
                }
            }
            // Channels, resolved only when they are the server's own.
            if kind == 7 {
                let id = value
                    .as_str()
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or("a channel option takes a channel id")?;
                if let Some(channel) = world
                    .channels
                    .get(&id)
                    .filter(|c| c.guild_id == guild || client == Client::Forged)
                {
                    let c = payloads::channel(channel);
                    resolved["channels"][id.to_string()] = json!({
                        "id": c["id"], "type": c["type"], "name": c["name"], "guild_id": c["guild_id"],
                        "permissions": permissions::MEMBER_DEFAULT.to_string(), "flags": 0,
                    });
                }
            }
            // Roles, resolved only when they are the server's own.
            if kind == 8 {
                let id = value
                    .as_str()
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or("a role option takes a role id")?;
                let own = world.guilds.get(&guild).into_iter();
                let anywhere = world.guilds.values().filter(|_| client == Client::Forged);
                if let Some(role) = own
                    .chain(anywhere)
                    .find_map(|g| g.roles.iter().find(|r| r.id == id))
                {
                    let mut role = payloads::role(role);
                    role["guild_id"] = json!(guild.to_string());
                    resolved["roles"][id.to_string()] = role;
                }
            }
            let mut data_option = json!({"name": option, "type": kind, "value": value});
            if focused == Some(*option) {
                data_option["focused"] = json!(true);
            }
            data_options.push(data_option);
        }
        if checked {
            for spec in &declared {
                let required = spec["required"].as_bool().unwrap_or(false);
                if required && !options.iter().any(|(o, _)| spec["name"] == *o) {
                    return Err(format!("/{name} needs `{}`", spec["name"]));
                }
            }
        }
        let data_options = match sub {
            None => data_options,
            Some(sub) => vec![json!({"name": sub, "type": 1, "options": data_options})],
        };
        let mut data = json!({
            "id": definition["id"],
            "name": top,
            "type": 1,
            "options": data_options,
        });
        if resolved.as_object().is_some_and(|r| !r.is_empty()) {
            data["resolved"] = resolved;
        }
        // Autocomplete requests are interactions of type 4.
        let kind = if focused.is_some() { 4 } else { 2 };
        let id = new_interaction(&mut world, kind, guild, channel, user, data, None)?;
        drop(world);
        self.shared.changed.notify_waiters();
        Ok(id)
    }

    /// Sends a slash command in a direct message with the bot, as `user`.
    /// Returns the interaction id.
    pub fn send_dm_command(
        &self,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> Result<u64, String> {
        let mut world = self.shared.world();
        let definition = world
            .global_commands
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .ok_or_else(|| format!("no command /{name} is registered"))?;
        let user_object = world.user(user).cloned().ok_or("no such user")?;
        let id = world.timed_snowflake(Duration::ZERO);
        let channel = world.snowflake();
        let token = format!("interaction-token-{id}-{}", world.snowflake());
        let data_options: Vec<Value> = options
            .iter()
            .map(|(option, value)| {
                let kind = definition["options"]
                    .as_array()
                    .and_then(|o| o.iter().find(|d| d["name"] == *option))
                    .and_then(|d| d["type"].as_u64())
                    .unwrap_or(3);
                json!({"name": option, "type": kind, "value": value})
            })
            .collect();
        let payload = json!({
            "id": id.to_string(),
            "application_id": world.application_id.to_string(),
            "type": 2,
            "data": {"id": definition["id"], "name": name, "type": 1, "options": data_options},
            "channel_id": channel.to_string(),
            "channel": {"id": channel.to_string(), "type": 1, "recipients": [payloads::user(&user_object)], "flags": 0},
            "user": payloads::user(&user_object),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": permissions::MEMBER_DEFAULT.to_string(),
            "entitlements": [],
            "authorizing_integration_owners": {"1": user.to_string()},
            "context": 1,
            "attachment_size_limit": 10_485_760,
        });
        world.interactions.insert(
            id,
            world::Interaction {
                id,
                token,
                guild_id: None,
                channel_id: channel,
                user_id: user,
                payload: payload.clone(),
                dispatched: None,
                late: std::time::Duration::ZERO,
                created: std::time::Instant::now(),
                acknowledged: false,
                callbacks: Vec::new(),
                original: None,
                followups: Vec::new(),
            },
        );
        world.dispatch("INTERACTION_CREATE", payload, Some(id));
        drop(world);
        self.shared.changed.notify_waiters();
        Ok(id)
    }

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

    /// A member writes a message in a channel; its id. (The bot asks for no
    /// message events, so nothing is dispatched.)
    pub fn post_as_member(&self, channel: u64, user: u64, content: &str) -> u64 {
        let mut world = self.shared.world();
        let id = world.snowflake();
        let guild_id = world.channels.get(&channel).map(|c| c.guild_id);
        world.messages.push(world::Message {
            id,
            channel_id: channel,
            guild_id,
            author_id: user,
            content: content.to_owned(),
            embeds: json!([]),
            components: json!([]),
            flags: 0,
            nonce: None,
            created_ms: World::now_ms(),
            edited_ms: None,
            interaction: None,
            ephemeral_for: None,
            allowed_mentions: None,
            deleted: false,
            created_at: std::time::Instant::now(),
        });
        drop(world);
        self.shared.changed.notify_waiters();
        id
    }

    /// Deletes a message, as a moderator in the Discord client would.
    pub fn delete_message(&self, channel: u64, message: u64) -> bool {
        let mut world = self.shared.world();
        let Some(found) = world
            .messages
            .iter_mut()
            .find(|m| m.id == message && m.channel_id == channel && !m.deleted)
        else {
            return false;
        };
        found.deleted = true;
        drop(world);
        self.shared.changed.notify_waiters();
        true
    }

    /// How many injected faults have not hit a request yet.
    pub fn faults_pending(&self) -> u32 {
        self.shared.world().faults.iter().map(|f| f.remaining).sum()
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
            })
        })
        .await
    }

    /// How many initial responses the fake accepted for an interaction.
    pub fn responses_accepted(&self, interaction: u64) -> usize {
        self.shared
            .world()
            .interactions
            .get(&interaction)
            .map_or(0, |i| i.callbacks.len())
    }

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

    /// Whether the bot has a live gateway connection.
    pub fn connected(&self) -> bool {
        let world = self.shared.world();
        world
            .current_session
            .as_ref()
            .and_then(|id| world.sessions.get(id))
            .is_some_and(|s| s.live.is_some())
    }

    /// Waits until `ready` says yes (returns `Some`), or the timeout passes.
    async fn wait_until<T>(
        &self,
        timeout: Duration,
        mut ready: impl FnMut(&World) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            if let Some(value) = ready(&self.shared.world()) {
                return Some(value);
            }
            // Changes notify; the short sleep also covers time-based conditions.
            let wake = (tokio::time::Instant::now() + Duration::from_millis(25)).min(deadline);
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep_until(wake) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return ready(&self.shared.world());
            }
        }
    }

    // ---- faults ----

    /// The next `count` requests whose path contains `route` (and whose
    /// method matches, if given) get `kind`.
    pub fn fail_next(&self, method: Option<&str>, route: &str, count: u32, kind: FaultKind) {
        self.shared.world().faults.push(RouteFault {
            method: method.map(str::to_owned),
            route: route.to_owned(),
            remaining: count,
            kind,
        });
    }

    /// Drops the bot's gateway connection without a close frame; its session
    /// stays resumable.
    pub fn drop_socket(&self) -> bool {
        self.shared.world().signal(Outgoing::Drop)
    }

    /// Asks the bot to reconnect (op 7).
    pub fn request_reconnect(&self) -> bool {
        self.shared.world().signal(Outgoing::Reconnect)
    }

    /// Refuses the next `count` RESUMEs with INVALID SESSION.
    pub fn refuse_resumes(&self, count: u32) {
        self.shared.world().refuse_resumes += count;
    }

    /// Invalidates the bot's token: REST answers 401, IDENTIFY closes 4004.
    pub fn revoke_token(&self) {
        self.shared.world().token_revoked = true;
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn upgrade(
    State(shared): State<Arc<Shared>>,
    ws: WebSocketUpgrade,
) -> axum::response::Response {
    ws.on_upgrade(move |socket| gateway::serve(shared, socket))
}

/// Records an interaction and dispatches it as INTERACTION_CREATE.
fn new_interaction(
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
        "attachment_size_limit": 10_485_760,
    });
    if let Some(message) = message {
        payload["message"] = message;
    }
    world.interactions.insert(
        id,
        world::Interaction {
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
            callbacks: Vec::new(),
            original: None,
            followups: Vec::new(),
        },
    );
    world.dispatch("INTERACTION_CREATE", payload, Some(id));
    Ok(id)
}

/// The instant `late` before now (or now, so early after boot that there
/// is none).
fn created_instant(late: Duration) -> std::time::Instant {
    let now = std::time::Instant::now();
    now.checked_sub(late).unwrap_or(now)
}

/// A member's server-wide permissions: @everyone plus their roles; owners
/// and administrators have all.
fn member_permissions(guild: &Guild, member: &Member) -> u64 {
    if member.user_id == guild.owner_id {
        return u64::MAX >> 14;
    }
    let bits = guild
        .roles
        .iter()
        .filter(|r| r.id == guild.id || member.roles.contains(&r.id))
        .fold(0, |acc, r| acc | r.permissions);
    if bits & permissions::ADMINISTRATOR != 0 {
        u64::MAX >> 14
    } else {
        bits
    }
}

/// Checks a value as Discord's client would before sending it.
fn check_option(spec: &Value, value: &Value) -> Result<(), String> {
    let name = spec["name"].as_str().unwrap_or("?");
    let kind = spec["type"].as_u64().unwrap_or(3);
    let type_ok = match kind {
        3 | 6 | 7 | 8 => value.is_string(),
        4 => value.is_i64(),
        10 => value.is_number(),
        5 => value.is_boolean(),
        _ => true,
    };
    if !type_ok {
        return Err(format!("option `{name}` of type {kind} cannot be {value}"));
    }
    if let Some(choices) = spec["choices"].as_array().filter(|c| !c.is_empty()) {
        if !choices.iter().any(|c| c["value"] == *value) {
            return Err(format!(
                "option `{name}` must be one of its choices, not {value}"
            ));
        }
    }
    if let (Some(min), Some(v)) = (spec["min_value"].as_f64(), value.as_f64()) {
        if v < min {
            return Err(format!("option `{name}` is at least {min}"));
        }
    }
    if let (Some(max), Some(v)) = (spec["max_value"].as_f64(), value.as_f64()) {
        if v > max {
            return Err(format!("option `{name}` is at most {max}"));
        }
    }
    if let (Some(max), Some(s)) = (spec["max_length"].as_u64(), value.as_str()) {
        if s.chars().count() as u64 > max {
            return Err(format!("option `{name}` is at most {max} characters"));
        }
    }
    Ok(())
}
