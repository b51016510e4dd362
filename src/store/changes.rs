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
