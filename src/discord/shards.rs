//! Starting the shards of a range, each on its turn across processes.
//!
//! serenity spaces the IDENTIFYs of one process (one every 5 seconds, its
//! shard queuer) but knows nothing of the bot's other processes, and
//! Discord counts IDENTIFYs per bot: at most one per 5 seconds in each
//! bucket (`shard_id % max_concurrency`, docs: Gateway, "Session Start
//! Limit", "Sharding for Large Bots"), and one too many gets an invalid
//! session. So a process running a range boots its shards one at a time,
//! each only once it holds its bucket's turn in the database
//! ([`App::wait_identify_turn`]): the first as the client starts (serenity's
//! `start_shard_range` with a range of one), the others through the shard
//! manager, no sooner than serenity's own queuer would let them go.
//!
//! Not coordinated: serenity boots a shard again by itself after an invalid
//! session or a failed resume, through its queuer, without a turn. Discord
//! then may answer that IDENTIFY with an invalid session too, and serenity
//! tries again 5 seconds later, so it costs time, not the session.

use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use tokio::time::{sleep_until, Instant};

use crate::app::identify::IDENTIFY_SPACING;
use crate::app::App;
use crate::domain::shards::ShardRange;

/// A little over serenity's own 5 seconds between two boots of one
/// process, so its queuer (which counts from when a shard's socket opened)
/// never holds a shard back past the turn taken for it.
const BOOT_SPACING: Duration = IDENTIFY_SPACING.saturating_add(Duration::from_millis(250));

/// Boots the shards of one range on their turns.
pub(super) struct ShardStarter {
    app: Arc<App>,
    range: ShardRange,
    max_concurrency: u32,
    /// This process, as the identify leases name it.
    holder: String,
}

impl ShardStarter {
    pub(super) fn new(app: Arc<App>, range: ShardRange, max_concurrency: u32) -> Self {
        Self {
            app,
            range,
            max_concurrency: max_concurrency.max(1),
            holder: format!("{}-{:08x}", std::process::id(), fastrand::u32(..)),
        }
    }

    pub(super) fn range(&self) -> ShardRange {
        self.range
    }

    /// Waits for the turn of `shard`'s bucket. A store that fails is
    /// logged and not waited for: Discord's invalid session and serenity's
    /// retry are the worst that follows.
    pub(super) async fn turn(&self, shard: u32) {
        let bucket = shard % self.max_concurrency;
        if let Err(error) = self.app.wait_identify_turn(bucket, &self.holder).await {
            tracing::warn!(shard, %error, "cannot take the turn to identify; identifying anyway");
        }
        tracing::info!(shard, total = self.range.total(), "identifying");
    }

    /// Boots every shard of the range after the first (which the client
    /// starts), each on its turn, the first of them [`BOOT_SPACING`] after
    /// `first_booted`. Returns once all are booted.
    pub(super) async fn boot_the_others(
        &self,
        manager: &serenity::ShardManager,
        first_booted: Instant,
    ) {
        let mut last_boot = first_booted;
        for shard in self.range.ids().skip(1) {
            sleep_until(last_boot + BOOT_SPACING).await;
            self.turn(shard).await;
            // `restart` first waits (up to 5 s) for the shard's runner to
            // report it stopped; there is none yet, so report it for it.
            manager.shutdown_finished(serenity::ShardId(shard));
            manager.restart(serenity::ShardId(shard)).await;
            last_boot = Instant::now();
        }
    }
}
