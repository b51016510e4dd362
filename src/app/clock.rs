//! The time, as an input: use cases ask a [`Clock`] for the time and the
//! scheduler sleeps on it, so tests can pin time or run it virtually.

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Completes once [`now`](Self::now) has reached `at` (at once if it
    /// has).
    fn sleep_until(&self, at: DateTime<Utc>) -> BoxFuture<'_, ()>;
}

/// The system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // The wall clock may be stepped while we sleep: sleep again
            // until it really is `at`.
            loop {
                let left = at - Utc::now();
                let Ok(left) = left.to_std() else { return };
                if left.is_zero() {
                    return;
                }
                tokio::time::sleep(left).await;
            }
        })
    }
}
