//! Turns to open a gateway session, shared by every process of the bot
//! through the store: Discord lets a bot IDENTIFY once per 5 seconds in each
//! of its `max_concurrency` buckets (`shard_id % max_concurrency`), across
//! all its processes, and answers one too many with an invalid session.

use std::time::Duration as StdDuration;

use chrono::Duration;

use super::App;
use crate::store::{IdentifyTurn, StoreError};

/// Discord's spacing of IDENTIFYs in one bucket.
pub const IDENTIFY_SPACING: StdDuration = StdDuration::from_secs(5);
/// How long a process holds its bucket once it takes it: Discord's 5
/// seconds, plus a second for the shard to connect and send its IDENTIFY
/// after the turn is taken (well under that on a working network).
const HOLD: Duration = Duration::seconds(6);

impl App {
    /// Waits until `holder` may IDENTIFY a shard in `bucket`, and takes the
    /// bucket for the next [`HOLD`]: returns at once when no other process
    /// holds it, otherwise when their hold ends (and this one takes it).
    pub async fn wait_identify_turn(&self, bucket: u32, holder: &str) -> Result<(), StoreError> {
        loop {
            let now = self.clock.now();
            match self
                .store
                .take_identify_lease(bucket, holder, now, HOLD)
                .await?
            {
                IdentifyTurn::Taken => return Ok(()),
                IdentifyTurn::HeldUntil(until) => {
                    // A little past its end, so the other process's hold is
                    // surely over by this process's clock too.
                    let wait = (until - now).to_std().unwrap_or_default();
                    tracing::debug!(bucket, ?wait, "waiting for another process's IDENTIFY");
                    tokio::time::sleep(wait + StdDuration::from_millis(20)).await;
                }
            }
        }
    }
}
