//! Whether another process changed the database: how a process learns,
//! cheaply, that another process added a schedule or left a claim behind.
//! SQLite compares the file's `data_version`; PostgreSQL listens for the
//! notifications the other processes' writes send.

#[cfg(feature = "postgres")]
use super::postgres;
#[cfg(feature = "sqlite")]
use super::sqlite;
use super::{Backend, Store, StoreError};

/// A watch on changes committed by other connections (other processes, and
/// on SQLite this one's writer too).
pub struct ChangeWatch {
    watch: Watch,
}

enum Watch {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlite::changes::DataVersion),
    #[cfg(feature = "postgres")]
    Postgres(postgres::changes::Notifications),
}

impl Store {
    /// A watch on changes committed from now on by other connections.
    pub async fn watch_changes(&self) -> Result<ChangeWatch, StoreError> {
        let watch = match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => Watch::Sqlite(db.watch_changes().await?),
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => Watch::Postgres(db.watch_changes().await?),
        };
        Ok(ChangeWatch { watch })
    }
}

impl ChangeWatch {
    /// Whether anything was committed since the last time asked.
    pub async fn changed(&mut self) -> Result<bool, StoreError> {
        match &mut self.watch {
            #[cfg(feature = "sqlite")]
            Watch::Sqlite(watch) => watch.changed().await,
            #[cfg(feature = "postgres")]
            Watch::Postgres(watch) => watch.changed().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::store::schedules::tests::{new_schedule, t};
    use crate::store::test_support::TestBackend;
    use crate::store::{Store, StoreOptions};

    on_both_backends!(a_change_by_another_process_is_seen_once);

    async fn a_change_by_another_process_is_seen_once(backend: TestBackend) {
        let (store, db) = backend.temp_store().await;
        let mut watch = store.watch_changes().await.unwrap();
        assert!(!watch.changed().await.unwrap());
        // Another process on the same database.
        let other = Store::open(&StoreOptions::new(db.url())).await.unwrap();
        other
            .insert_schedule(new_schedule(1, Some(t(9, 0))))
            .await
            .unwrap();
        // SQLite sees it at once; PostgreSQL's notification arrives on its
        // own connection, soon after the commit.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !watch.changed().await.unwrap() {
            assert!(Instant::now() < deadline, "the change was never seen");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(!watch.changed().await.unwrap());
        // PostgreSQL's watch holds a connection of the store's pool, which
        // closing waits for.
        drop(watch);
        other.close().await;
        store.close().await;
    }
}
