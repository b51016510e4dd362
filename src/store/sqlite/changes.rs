//! Whether another connection changed the database: how a process learns,
//! cheaply, that another process on the same file added a schedule or left
//! a claim behind.

use sqlx::SqliteConnection;

use super::SqliteStore;
use crate::store::StoreError;

/// One connection of its own that remembers SQLite's `data_version`: it
/// changes when any other connection commits.
pub struct DataVersion {
    conn: SqliteConnection,
    version: i64,
}

impl SqliteStore {
    /// A watch on changes committed from now on by other connections (other
    /// processes, and this one's writer).
    pub async fn watch_changes(&self) -> Result<DataVersion, StoreError> {
        // Detached: `data_version` compares only within one connection.
        let mut conn = self.readers.acquire().await?.detach();
        let version = data_version(&mut conn).await?;
        Ok(DataVersion { conn, version })
    }
}

impl DataVersion {
    /// Whether anything was committed since the last time asked.
    pub async fn changed(&mut self) -> Result<bool, StoreError> {
        let version = data_version(&mut self.conn).await?;
        let changed = version != self.version;
        self.version = version;
        Ok(changed)
    }
}

async fn data_version(conn: &mut SqliteConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use crate::store::schedules::tests::{new_schedule, t};
    use crate::store::test_support::temp_store;
    use crate::store::{Store, StoreOptions};

    #[tokio::test]
    async fn a_change_by_another_process_is_seen_once() {
        let (store, dir) = temp_store().await;
        let mut watch = store.watch_changes().await.unwrap();
        assert!(!watch.changed().await.unwrap());
        // Another process on the same file.
        let url = format!("sqlite://{}", store.path().unwrap().display());
        let other = Store::open(&StoreOptions::new(url)).await.unwrap();
        other
            .insert_schedule(new_schedule(1, Some(t(9, 0))))
            .await
            .unwrap();
        assert!(watch.changed().await.unwrap());
        assert!(!watch.changed().await.unwrap());
        other.close().await;
        store.close().await;
        drop(dir);
    }
}
