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
