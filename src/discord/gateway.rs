//! What the gateway connection is doing, for readiness and metrics: read
//! from serenity's shard manager, handed out without serenity's types.

use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;

/// One shard of this process, as its runner last reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardState {
    pub id: u32,
    /// The session is READY (or RESUMED): events flow.
    pub ready: bool,
    /// The time between the last heartbeat and its acknowledgement.
    pub latency: Option<Duration>,
}

/// The gateway sessions of this process.
#[derive(Clone)]
pub struct GatewayStatus {
    manager: Arc<serenity::ShardManager>,
}

impl GatewayStatus {
    pub(super) fn new(manager: Arc<serenity::ShardManager>) -> Self {
        Self { manager }
    }

    /// Every shard this process runs, by id; empty before the first one
    /// starts.
    pub async fn shards(&self) -> Vec<ShardState> {
        let runners = self.manager.runners.lock().await;
        let mut shards: Vec<_> = runners
            .iter()
            .map(|(id, info)| ShardState {
                id: id.0,
                ready: matches!(info.stage, serenity::ConnectionStage::Connected),
                latency: info.latency,
            })
            .collect();
        shards.sort_by_key(|s| s.id);
        shards
    }
}
