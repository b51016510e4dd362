//! Whether the scheduler's loop is turning: each turn says by when the next
//! one is due, and readiness asks whether that time has passed.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long one pass may take before the loop counts as stuck.
pub(super) const PASS_BOUND: Duration = Duration::from_secs(30);
/// How late past its expected wake-up the loop may turn: a loaded machine,
/// a slow store.
pub(super) const SLACK: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The loop has not started.
    NotStarted,
    /// The loop turns by then.
    By(Instant),
    /// Nothing is scheduled: the loop waits for a change, however long.
    Idle,
}

/// The loop's last promise of when it turns next.
#[derive(Debug)]
pub(super) struct Beat(Mutex<Expect>);

impl Default for Beat {
    fn default() -> Self {
        Self(Mutex::new(Expect::NotStarted))
    }
}

impl Beat {
    /// The loop turns again within `within` (plus [`SLACK`]), or waits for a
    /// change when `None`.
    pub(super) fn expect(&self, within: Option<Duration>) {
        let expect = match within {
            Some(within) => Expect::By(Instant::now() + within + SLACK),
            None => Expect::Idle,
        };
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = expect;
    }

    /// Whether the loop has started and is not late.
    pub(super) fn turning(&self, now: Instant) -> bool {
        match *self.0.lock().unwrap_or_else(PoisonError::into_inner) {
            Expect::NotStarted => false,
            Expect::By(deadline) => now <= deadline,
            Expect::Idle => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_is_turning_until_its_expected_wake_up_has_passed() {
        let beat = Beat::default();
        let now = Instant::now();
        assert!(!beat.turning(now), "not before the loop starts");
        beat.expect(Some(Duration::from_secs(5)));
        assert!(beat.turning(now));
        assert!(beat.turning(now + Duration::from_secs(5) + SLACK - Duration::from_secs(1)));
        assert!(!beat.turning(now + Duration::from_secs(6) + SLACK));
        beat.expect(None);
        assert!(
            beat.turning(now + Duration::from_secs(3600)),
            "idle waits as long as it likes"
        );
    }
}
