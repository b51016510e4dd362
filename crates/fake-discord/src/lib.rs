#![recursion_limit = "256"]
//! A fake Discord: the REST API under `/api/v10` and the WebSocket gateway on
//! loopback, keeping state and answering like Discord, with fault switches.
//!
//! The fake is only worth what it rejects: a second response to an
//! interaction is refused (40060), a late one too (10062), unknown channels
//! are 404 (10003), forbidden ones 403 (50013), a bad token 401 or close code
//! 4004, and every request is checked strictly against Discord's own OpenAPI
//! description, which this crate carries (see [`openapi`]).
//!
//! Tests and the bot's `sandbox` command drive it through [`FakeDiscord`]:
//! create servers, channels, roles and members (`servers.rs`); send slash
//! commands built from the registered command definitions (`commands.rs`) and
//! clicks (`interactions.rs`); read a channel as a member sees it
//! (`observe.rs`); flip faults (`faults.rs`).

// The fake Discord is a test double, not the bot: it reads the JSON it is
// sent by position and field, and a broken assumption there should stop the
// test (or the sandbox) loudly rather than be answered politely.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod client;
mod commands;
mod faults;
mod gateway;
mod interactions;
mod observe;
pub mod openapi;
mod payloads;
mod rest;
mod servers;
mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{State, WebSocketUpgrade};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use serde_json::Value;
use tokio::sync::Notify;

pub use client::raw_request;
pub use openapi::{OpenApi, Violation};
pub use world::{
    ChannelAccess, FaultKind, IdentifyRecord, RecordedRequest, UploadedFile, IDENTIFY_SPACING,
};
use world::{Guild, Member, World};

/// Permission bits, from Discord's documentation.
pub mod permissions {
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const ATTACH_FILES: u64 = 1 << 15;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const MENTION_EVERYONE: u64 = 1 << 17;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const MANAGE_ROLES: u64 = 1 << 28;
    pub const ADMINISTRATOR: u64 = 1 << 3;
    /// What @everyone gets in a new server, roughly.
    pub const MEMBER_DEFAULT: u64 =
        VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY;
}

/// State shared by the server tasks and the handle.
pub(crate) struct Shared {
    world: Mutex<World>,
    openapi: &'static OpenApi,
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
    /// The message shown, if the answer is one (its buttons are clicked
    /// on it).
    pub message_id: Option<u64>,
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

impl FakeDiscord {
    /// Starts the fake on a free loopback port, accepting `token` as the
    /// bot's. Every request body is checked against Discord's description.
    pub async fn start(token: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        // As Discord's own edge does: without it, a small gateway frame or
        // response written while the previous one is unacknowledged waits for
        // the peer's delayed ACK (40 ms on Linux), which would be timed as the
        // bot's latency.
        let listener = listener.tap_io(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                tracing::warn!(%error, "cannot set TCP_NODELAY on a connection");
            }
        });
        let shared = Arc::new(Shared {
            world: Mutex::new(World::new(token.to_owned())),
            openapi: OpenApi::discord(),
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
