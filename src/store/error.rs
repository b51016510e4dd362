//! The store's errors. A full disk and a locked database are their own
//! variants, so callers can tell a member something useful; raw SQL text never
//! leaves the store in a `Display`.

use std::sync::Arc;

use thiserror::Error;

/// SQLite primary result codes the store tells apart (extended codes carry
/// them in their low byte).
const SQLITE_BUSY: u32 = 5;
const SQLITE_LOCKED: u32 = 6;
const SQLITE_FULL: u32 = 13;
/// PostgreSQL's SQLSTATE codes the store tells apart.
#[cfg(feature = "postgres")]
const PG_DISK_FULL: &str = "53100";
#[cfg(feature = "postgres")]
const PG_SERIALIZATION_FAILURE: &str = "40001";
#[cfg(feature = "postgres")]
const PG_DEADLOCK: &str = "40P01";
#[cfg(feature = "postgres")]
const PG_LOCK_NOT_AVAILABLE: &str = "55P03";
#[cfg(feature = "postgres")]
const PG_READ_ONLY_TRANSACTION: &str = "25006";
/// `ENOSPC` on Linux: the file system itself is full.
const ENOSPC: i32 = 28;

/// Why the store could not do what was asked.
#[derive(Debug, Clone, Error)]
pub enum StoreError {
    /// The disk, or the configured size cap, has no room for the write.
    /// Nothing stored before is lost; the write can be retried later.
    #[error("the database is full")]
    DiskFull,
    /// Another process held the database lock past the busy timeout.
    #[error("the database is busy (locked by another process)")]
    Busy,
    /// The database file could not be opened or created.
    #[error("cannot open the database at {path}: {reason}")]
    Open { path: String, reason: String },
    /// A backup could not be written.
    #[error("cannot back up to {path}: {reason}")]
    Backup { path: String, reason: String },
    /// Applying migrations failed.
    #[error("cannot apply database migrations")]
    Migrate(#[source] Arc<sqlx::migrate::MigrateError>),
    /// A row holds a value this version cannot read.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The writer task has stopped (the store is shutting down).
    #[error("the store is shut down")]
    Closed,
    /// The database takes no writes now (a PostgreSQL standby).
    #[error("the database is read-only")]
    ReadOnly,
    /// The URL names a backend this build was compiled without.
    #[error("this build has no {0} backend (cargo feature `{0}`)")]
    NotBuilt(&'static str),
    /// Anything else the database reported; details are in the source chain,
    /// for logs.
    #[error("database error")]
    Database(#[source] Arc<sqlx::Error>),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        #[cfg(feature = "postgres")]
        if let sqlx::Error::Database(db) = &error {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                match pg.code() {
                    PG_DISK_FULL => return StoreError::DiskFull,
                    PG_SERIALIZATION_FAILURE | PG_DEADLOCK | PG_LOCK_NOT_AVAILABLE => {
                        return StoreError::Busy
                    }
                    PG_READ_ONLY_TRANSACTION => return StoreError::ReadOnly,
                    _ => return StoreError::Database(Arc::new(error)),
                }
            }
        }
        if let sqlx::Error::Database(db) = &error {
            let primary = db
                .code()
                .and_then(|code| code.parse::<u32>().ok())
                .map(|code| code & 0xff);
            match primary {
                Some(SQLITE_FULL) => return StoreError::DiskFull,
                Some(SQLITE_BUSY | SQLITE_LOCKED) => return StoreError::Busy,
                _ => {}
            }
        }
        if let sqlx::Error::Io(io) = &error {
            if io.raw_os_error() == Some(ENOSPC) {
                return StoreError::DiskFull;
            }
        }
        StoreError::Database(Arc::new(error))
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        match error {
            sqlx::migrate::MigrateError::Execute(inner) => inner.into(),
            other => StoreError::Migrate(Arc::new(other)),
        }
    }
}

impl StoreError {
    /// Whether the same request may succeed later without any change to it.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::DiskFull | StoreError::Busy | StoreError::ReadOnly
        )
    }
}
