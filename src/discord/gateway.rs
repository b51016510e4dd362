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
    /// How many shards the process runs once all are up.
    shards_run: u32,
}

impl GatewayStatus {
    pub(super) fn new(manager: Arc<serenity::ShardManager>, shards_run: u32) -> Self {
        Self {
            manager,
            shards_run,
        }
    }

    /// Every shard of the process is up and READY. serenity lists a shard
    /// only once its socket is open, and boots a range's shards one turn
    /// apart: a process with some of them READY is not ready yet (a rolling
    /// deploy would stop the old process while the rest still boot).
    pub async fn ready(&self) -> bool {
        let shards = self.shards().await;
        all_up(&shards, self.shards_run)
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

/// `shards_run` shards are listed and every one is READY.
fn all_up(shards: &[ShardState], shards_run: u32) -> bool {
    shards.len() >= shards_run as usize && !shards.is_empty() && shards.iter().all(|s| s.ready)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: u32, ready: bool) -> ShardState {
        ShardState {
            id,
            ready,
            latency: None,
        }
    }

    #[test]
    fn ready_only_once_every_shard_of_the_process_is_listed_and_ready() {
        assert!(!all_up(&[], 1));
        assert!(!all_up(&[shard(0, false)], 1));
        assert!(all_up(&[shard(0, true)], 1));
        // Shards 0-3 of a range: the first READY, the rest still booting.
        assert!(!all_up(&[shard(0, true)], 4));
        assert!(!all_up(
            &[
                shard(0, true),
                shard(1, true),
                shard(2, true),
                shard(3, false)
            ],
            4
        ));
        assert!(all_up(
            &[
                shard(0, true),
                shard(1, true),
                shard(2, true),
                shard(3, true)
            ],
            4
        ));
    }
}
