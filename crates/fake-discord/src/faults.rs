//! Faults: what goes wrong on Discord's side, switched on by a test.

use std::time::Duration;

use super::world::{FaultKind, Outgoing, RouteFault};
use super::FakeDiscord;

impl FakeDiscord {
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

    /// How many injected faults have not hit a request yet.
    pub fn faults_pending(&self) -> u32 {
        self.shared.world().faults.iter().map(|f| f.remaining).sum()
    }

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

    /// What GET /gateway/bot reports: the recommended shard count and
    /// `session_start_limit.max_concurrency` (IDENTIFYs allowed per 5
    /// seconds, one per bucket `shard_id % max_concurrency`; one more in a
    /// bucket gets an invalid session).
    pub fn set_gateway_limits(&self, recommended_shards: u32, max_concurrency: u32) {
        let mut world = self.shared.world();
        world.recommended_shards = recommended_shards.max(1);
        world.max_concurrency = max_concurrency.max(1);
    }

    /// Whether an IDENTIFY less than 5 seconds after another in its bucket
    /// gets an invalid session (op 9), as on Discord (the default). Tests
    /// that restart a one-process bot within seconds turn it off.
    pub fn enforce_identify_spacing(&self, enforced: bool) {
        self.shared.world().identify_spacing_enforced = enforced;
    }

    /// Holds every IDENTIFY unanswered until
    /// [`release_identifies`](Self::release_identifies): with a refused
    /// RESUME, the bot is without a session as long as a test needs.
    pub fn hold_identifies(&self) {
        self.shared.world().identifies_held = true;
    }

    /// Answers held and new IDENTIFYs again.
    pub fn release_identifies(&self) {
        self.shared.world().identifies_held = false;
        self.shared.changed.notify_waiters();
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
