//! Changes by other processes, heard through `LISTEN`: a trigger on the
//! tables the scheduler reads (schedules, occurrences, snoozes) sends a
//! notification on every committed write, from any process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::task::JoinHandle;

use super::{PostgresStore, CHANGES_CHANNEL};
use crate::store::StoreError;

/// A listening connection of its own, read by a task that raises a flag.
pub struct Notifications {
    heard: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl PostgresStore {
    /// A watch on changes committed from now on, by any connection.
    pub async fn watch_changes(&self) -> Result<Notifications, StoreError> {
        // A pool of its one connection (which it reconnects), not the
        // store's: a watch kept to the end must not hold closing it back.
        let own = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_with(self.connect.clone())
            .await?;
        let mut listener = PgListener::connect_with(&own).await?;
        listener.listen(CHANGES_CHANNEL).await?;
        let heard = Arc::new(AtomicBool::new(false));
        let flag = heard.clone();
        let task = tokio::spawn(async move {
            loop {
                // `try_recv` reconnects (and listens again) after a lost
                // connection, and says so with `None`: notifications may
                // have been missed then, so that counts as a change too.
                match listener.try_recv().await {
                    Ok(_) => flag.store(true, Ordering::Release),
                    Err(error) => {
                        tracing::warn!(%error, "lost the database's change notifications; retrying");
                        flag.store(true, Ordering::Release);
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Notifications { heard, task })
    }
}

impl Notifications {
    /// Whether anything was committed since the last time asked.
    pub async fn changed(&mut self) -> Result<bool, StoreError> {
        Ok(self.heard.swap(false, Ordering::AcqRel))
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        self.task.abort();
    }
}
