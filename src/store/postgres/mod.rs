//! The PostgreSQL backend: one pool for reads and writes, shared by every
//! process of the bot. Concurrent writes are the server's to order; what
//! SQLite's single writer makes safe by running alone, PostgreSQL makes safe
//! with row locks (`FOR UPDATE`, `SKIP LOCKED` where a scan claims work) and
//! UNIQUE constraints, which decide between processes as they do on SQLite.

mod answers;
mod audit;
mod bot_state;
mod celebrations;
pub(super) mod changes;
mod checkins;
mod departed;
mod goals;
mod identify;
mod members;
mod occurrences;
mod privacy;
mod schedules;
mod servers;
mod snoozes;
mod standing;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::ConnectOptions;

use super::{redacted, StoreError, StoreOptions};

/// The migrations in `migrations/postgres/`, embedded in the binary. As on
/// SQLite, a database a newer release migrated further still opens.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate::Migrator {
    ignore_missing: true,
    ..sqlx::migrate!("migrations/postgres")
};

/// The channel every write of schedules, claims and snoozes notifies (a
/// trigger sends it, see the migrations), so other processes look again.
pub(super) const CHANGES_CHANNEL: &str = "secondheart_changes";

/// The PostgreSQL store.
pub struct PostgresStore {
    pool: PgPool,
    /// How to connect, for the change watch's connection of its own (it
    /// holds the password: never logged).
    connect: PgConnectOptions,
    location: String,
    /// The Discord shards whose servers' due work this store reads.
    pub(in crate::store) shards: crate::domain::shards::ShardRange,
    /// How many queries took a connection from the pool (tests only).
    #[cfg(test)]
    reads: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl PostgresStore {
    /// Connects, and applies pending migrations (one process at a time: the
    /// migrator takes an advisory lock).
    pub async fn open(options: &StoreOptions) -> Result<Self, StoreError> {
        let location = redacted(&options.url);
        let open_error = |reason: String| StoreError::Open {
            path: location.clone(),
            reason,
        };
        let connect: PgConnectOptions = options
            .url
            .parse()
            .map_err(|e: sqlx::Error| open_error(e.to_string()))?;
        // Statement logging would put check-in values in the logs at INFO.
        let connect = connect.disable_statement_logging();
        let pool = PgPoolOptions::new().max_connections(options.readers.max(2));
        #[cfg(test)]
        let reads = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        #[cfg(test)]
        let pool = {
            let taken = reads.clone();
            pool.before_acquire(move |_, _| {
                taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Box::pin(async { Ok(true) })
            })
        };
        let pool = pool
            .connect_with(connect.clone())
            .await
            .map_err(|e| open_error(e.to_string()))?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            connect,
            location,
            shards: crate::domain::shards::ShardRange::SINGLE,
            #[cfg(test)]
            reads,
        })
    }

    /// The pool, for the copy from SQLite.
    #[cfg(feature = "sqlite")]
    pub(in crate::store) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The shard filter's parameters: the total, the first and the last.
    pub(in crate::store) fn shard_filter(&self) -> (i64, i64, i64) {
        crate::store::identify::shard_filter(self.shards)
    }

    /// The server and database, without a password.
    pub fn location(&self) -> String {
        self.location.clone()
    }

    #[cfg(test)]
    pub(crate) fn reads(&self) -> u64 {
        self.reads.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the server takes writes: a standby in recovery does not.
    pub async fn check_writable(&self) -> Result<(), StoreError> {
        let read_only: bool = sqlx::query_scalar!(r#"SELECT pg_is_in_recovery() AS "r!""#)
            .fetch_one(&self.pool)
            .await?;
        if read_only {
            return Err(StoreError::ReadOnly);
        }
        Ok(())
    }

    /// PostgreSQL's autovacuum keeps the planner's statistics: nothing to do.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Every write commits before its method returns: nothing is queued.
    pub async fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(self) {
        self.pool.close().await;
    }
}
