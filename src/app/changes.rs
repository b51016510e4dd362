//! Noticing what other processes on the same database changed: a schedule
//! added there, a claim or a snooze left behind by a process that stopped.
//! The scheduler keeps one watch, for its schedules, claims and reminders.

use chrono::Duration;

use super::App;
use crate::store::ChangeWatch;

/// How often the store is asked whether another process changed anything:
/// one pragma, not a query, so a standby notices within seconds.
pub const CHANGES_EVERY: Duration = Duration::seconds(2);

/// A watch on the commits of other connections, asked every
/// [`CHANGES_EVERY`] on the app's clock.
pub struct OtherProcesses {
    /// `None` when the store could not give a watch: changes elsewhere are
    /// then seen only at the next own wake-up.
    watch: Option<ChangeWatch>,
}

impl App {
    /// Starts watching for changes committed from now on elsewhere.
    pub async fn watch_other_processes(&self) -> OtherProcesses {
        let watch = match self.store.watch_changes().await {
            Ok(watch) => Some(watch),
            Err(error) => {
                tracing::error!(%error, "cannot watch the store for other processes' changes; they are seen at the next own wake-up");
                None
            }
        };
        OtherProcesses { watch }
    }
}

impl OtherProcesses {
    /// Completes once the store was changed by another connection: another
    /// process, or this one's writer (a look too many, no harm). Never
    /// completes without a watch.
    pub async fn changed(&mut self, app: &App) {
        let Some(watch) = &mut self.watch else {
            return std::future::pending().await;
        };
        let clock = &app.clock;
        loop {
            clock.sleep_until(clock.now() + CHANGES_EVERY).await;
            match watch.changed().await {
                Ok(true) => return,
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "cannot ask the store for changes"),
            }
        }
    }
}
