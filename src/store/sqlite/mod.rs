//! The SQLite backend: one file in WAL mode. Reads go to a pool of
//! read-only connections and never wait for writes; writes go through one
//! writer task that commits concurrent requests together (see [`writer`]).

mod answers;
mod audit;
pub(super) mod backup;
mod bot_state;
mod celebrations;
pub(super) mod changes;
pub(in crate::store) mod checkins;
mod departed;
mod goals;
mod identify;
pub(super) mod members;
mod occurrences;
mod privacy;
mod schedules;
pub(super) mod servers;
mod snoozes;
mod standing;
mod writer;

#[cfg(test)]
mod upgrade_tests;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use futures_util::future::BoxFuture;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, SqliteConnection};
use tokio::task::JoinHandle;

use super::{StoreError, StoreOptions};

pub use writer::WriterStats;

use writer::Writer;

/// The migrations in `migrations/sqlite/`, embedded in the binary.
///
/// A database that a newer release has migrated further still opens: its
/// migrations this binary does not know are ignored (the ones it knows must
/// still match). With expand-only migrations (see `migrations/README.md`) the
/// older binary keeps working on it, so a rolling deploy or a rollback runs
/// both releases on one file.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate::Migrator {
    ignore_missing: true,
    ..sqlx::migrate!("migrations/sqlite")
};

/// SQLite's page size for new databases (its default), used to turn a size
/// cap into a page count.
const PAGE_SIZE: u64 = 4096;

/// The connection options the URL and `options` say.
pub(super) fn connect_options(options: &StoreOptions) -> Result<SqliteConnectOptions, StoreError> {
    let parsed = SqliteConnectOptions::from_str(&options.url).map_err(|e| StoreError::Open {
        path: options.url.clone(),
        reason: e.to_string(),
    })?;
    Ok(parsed
        .busy_timeout(options.busy_timeout)
        .foreign_keys(true)
        // Statement logging would put check-in values in the logs at
        // INFO; the store logs what matters itself.
        .disable_statement_logging())
}

/// The SQLite store.
pub struct SqliteStore {
    pub(in crate::store) readers: SqlitePool,
    writer: Writer,
    writer_task: JoinHandle<()>,
    path: PathBuf,
    /// The Discord shards whose servers' due work this store reads.
    pub(in crate::store) shards: crate::domain::shards::ShardRange,
    /// How many reads took a connection from the pool (tests only).
    #[cfg(test)]
    reads: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database and its folder, applies
    /// pending migrations and starts the writer.
    pub async fn open(options: &StoreOptions) -> Result<Self, StoreError> {
        let base = connect_options(options)?;
        let path = base.get_filename().to_path_buf();
        let open_error = |reason: String| StoreError::Open {
            path: path.display().to_string(),
            reason,
        };
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .map_err(|e| open_error(format!("cannot create {}: {e}", folder.display())))?;
        }
        let mut write_options = base
            .clone()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full);
        if let Some(bytes) = options.max_size_bytes {
            write_options =
                write_options.pragma("max_page_count", (bytes / PAGE_SIZE).max(1).to_string());
        }
        let mut conn = write_options
            .connect()
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Database(e) => open_error(e.to_string()),
                other => other,
            })?;
        MIGRATOR.run(&mut conn).await?;
        // Statistics for the query planner, as SQLite advises for a
        // long-lived connection: on open with a limit on the work, then
        // now and then (`optimize`) and at close.
        sqlx::query("PRAGMA optimize=0x10002")
            .execute(&mut conn)
            .await?;
        let (writer, writer_task) = Writer::spawn(conn);
        // No ping before each read: a SQLite connection cannot drop like a
        // network one can, and the ping is one more trip to its thread.
        let readers = SqlitePoolOptions::new()
            .max_connections(options.readers.max(1))
            .test_before_acquire(false);
        #[cfg(test)]
        let (readers, reads) = test_support::count_reads(readers);
        let readers = readers.connect_with(base.read_only(true)).await?;
        Ok(Self {
            readers,
            writer,
            writer_task,
            path,
            shards: crate::domain::shards::ShardRange::SINGLE,
            #[cfg(test)]
            reads,
        })
    }

    /// The shard filter's parameters: the total, the first and the last.
    pub(in crate::store) fn shard_filter(&self) -> (i64, i64, i64) {
        crate::store::identify::shard_filter(self.shards)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many transactions and write requests the writer has handled.
    pub fn writer_stats(&self) -> &WriterStats {
        self.writer.stats()
    }

    /// How many reads have taken a connection from the pool since the store
    /// opened: one a query, so what a path costs in trips to the readers.
    #[cfg(test)]
    pub(crate) fn reads(&self) -> u64 {
        self.reads.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Takes the write lock in the writer's next transaction and commits
    /// nothing: whether the database takes writes now (readiness).
    pub async fn check_writable(&self) -> Result<(), StoreError> {
        self.write(|_| Box::pin(async { Ok(()) })).await
    }

    /// Refreshes the query planner's statistics where the data changed
    /// enough to matter (`PRAGMA optimize`): cheap when nothing did. Run by
    /// the hourly tidy and at close.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        self.write(|conn| {
            Box::pin(async move {
                sqlx::query("PRAGMA optimize").execute(&mut *conn).await?;
                Ok(())
            })
        })
        .await
    }

    /// Finishes queued writes and closes every connection.
    pub async fn close(self) {
        if let Err(error) = self.optimize().await {
            tracing::warn!(%error, "could not refresh the query planner's statistics");
        }
        let SqliteStore {
            readers,
            writer,
            writer_task,
            ..
        } = self;
        drop(writer);
        if let Err(error) = writer_task.await {
            tracing::error!(%error, "the database writer task failed");
        }
        readers.close().await;
    }

    /// Returns once every write queued before this call has committed (or
    /// failed): what closing does, for a store still shared.
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.write(|_| Box::pin(async { Ok(()) })).await
    }

    /// Runs `write` in the writer's next transaction.
    pub(in crate::store) async fn write<T, F>(&self, write: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        self.writer.write(Box::new(write)).await
    }
}

#[cfg(test)]
pub(super) mod test_support {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    use sqlx::Sqlite;

    use super::*;

    /// `options` counting every connection it hands out: a new one when it
    /// opens, an idle one when it is taken again.
    pub(super) fn count_reads(options: SqlitePoolOptions) -> (SqlitePoolOptions, Arc<AtomicU64>) {
        let reads = Arc::new(AtomicU64::new(0));
        let (opened, taken) = (reads.clone(), reads.clone());
        let options: sqlx::pool::PoolOptions<Sqlite> = options
            .after_connect(move |_, _| {
                opened.fetch_add(1, Ordering::Relaxed);
                Box::pin(async { Ok(()) })
            })
            .before_acquire(move |_, _| {
                taken.fetch_add(1, Ordering::Relaxed);
                Box::pin(async { Ok(true) })
            });
        (options, reads)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures_util::future::join_all;
    use sqlx::{Connection, Executor};

    use super::*;
    use crate::domain::checkin::Recorded;
    use crate::domain::{GuildId, UserId};
    use crate::store::checkins::tests::{at, checkin};
    use crate::store::test_support::temp_store;
    use crate::store::Store;

    async fn count(store: &Store, user: u64) -> usize {
        store
            .member_checkins(GuildId(1), UserId(user), at(1, 0), at(28, 0))
            .await
            .unwrap()
            .len()
    }

    #[tokio::test]
    async fn concurrent_writes_are_committed_together() {
        let (store, _dir) = temp_store().await;
        let writes = (0..200).map(|i| store.record_checkin(checkin(i, 1, 7, "walk", 10, at(1, 9))));
        for result in join_all(writes).await {
            assert!(matches!(result, Ok(Recorded::New(_))));
        }
        assert_eq!(count(&store, 7).await, 200);
        let stats = store.writer_stats().expect("a SQLite store");
        assert_eq!(stats.writes(), 200);
        assert!(
            stats.transactions() < stats.writes(),
            "{} transactions for {} writes: no group commit",
            stats.transactions(),
            stats.writes()
        );
        store.close().await;
    }

    #[tokio::test]
    async fn a_read_is_its_query_alone() {
        let (store, _dir) = temp_store().await;
        // No ping to the connection's thread before each query.
        assert!(!store.sqlite().readers.options().get_test_before_acquire());
        let before = store.reads();
        assert_eq!(count(&store, 7).await, 0);
        assert_eq!(store.reads() - before, 1);
        store.close().await;
    }

    #[tokio::test]
    async fn a_failing_write_does_not_fail_its_batch() {
        let (store, _dir) = temp_store().await;
        let bad = checkin(2, 1, 7, "walk", 0, at(1, 9)); // violates CHECK (amount > 0)
        let results = join_all([
            store.record_checkin(checkin(1, 1, 7, "walk", 10, at(1, 9))),
            store.record_checkin(bad),
            store.record_checkin(checkin(3, 1, 7, "walk", 10, at(1, 9))),
        ])
        .await;
        assert!(results[0].is_ok());
        assert!(matches!(results[1], Err(StoreError::Database(_))));
        assert!(results[2].is_ok());
        assert_eq!(count(&store, 7).await, 2);
        store.close().await;
    }

    #[tokio::test]
    async fn two_stores_on_one_file_both_write() {
        let (first, dir) = temp_store().await;
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let second = Store::open(&StoreOptions::new(url)).await.unwrap();
        let a = (0..50).map(|i| first.record_checkin(checkin(i, 1, 7, "walk", 1, at(1, 9))));
        let b = (50..100).map(|i| second.record_checkin(checkin(i, 1, 8, "walk", 1, at(1, 9))));
        let (a, b) = tokio::join!(join_all(a), join_all(b));
        assert!(a.iter().chain(&b).all(Result::is_ok));
        assert_eq!(count(&first, 8).await, 50);
        assert_eq!(count(&second, 7).await, 50);
        first.close().await;
        second.close().await;
    }

    #[tokio::test]
    async fn a_full_disk_is_a_typed_error_and_loses_nothing() {
        let (store, dir) = temp_store().await;
        store
            .record_checkin(checkin(1, 1, 7, "walk", 10, at(1, 9)))
            .await
            .unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&store.sqlite().readers)
            .await
            .unwrap();
        store.close().await;

        // Cap the file a few pages above its size, then fill it.
        let capped = StoreOptions {
            max_size_bytes: Some((pages as u64 + 3) * PAGE_SIZE),
            ..StoreOptions::new(url.clone())
        };
        let store = Store::open(&capped).await.unwrap();
        let mut acknowledged = 1;
        let error = loop {
            let mut big = checkin(100 + acknowledged, 1, 7, "walk", 10, at(1, 9));
            big.note = Some("x".repeat(3000));
            match store.record_checkin(big).await {
                Ok(_) => acknowledged += 1,
                Err(error) => break error,
            }
            assert!(acknowledged < 1000, "the cap never took effect");
        };
        assert!(matches!(error, StoreError::DiskFull), "{error:?}");
        assert_eq!(error.to_string(), "the database is full");
        assert!(error.is_transient());
        assert_eq!(count(&store, 7).await as u64, acknowledged);
        store.close().await;

        // With room again, the next write succeeds and every row is intact.
        let store = Store::open(&StoreOptions::new(url)).await.unwrap();
        store
            .record_checkin(checkin(99_999, 1, 7, "walk", 10, at(1, 9)))
            .await
            .unwrap();
        assert_eq!(count(&store, 7).await as u64, acknowledged + 1);
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&store.sqlite().readers)
            .await
            .unwrap();
        assert_eq!(integrity, "ok");
        store.close().await;
    }

    #[tokio::test]
    async fn a_lock_held_elsewhere_is_a_typed_error() {
        let (store, dir) = temp_store().await;
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        store.close().await;
        let store = Store::open(&StoreOptions {
            busy_timeout: Duration::from_millis(100),
            ..StoreOptions::new(url.clone())
        })
        .await
        .unwrap();

        // Another process holds the write lock past the busy timeout.
        let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
        other.execute("BEGIN IMMEDIATE").await.unwrap();
        let error = store
            .record_checkin(checkin(1, 1, 7, "walk", 10, at(1, 9)))
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Busy), "{error:?}");
        // Reads never wait for a writer.
        assert_eq!(count(&store, 7).await, 0);

        other.execute("ROLLBACK").await.unwrap();
        other.close().await.unwrap();
        store
            .record_checkin(checkin(1, 1, 7, "walk", 10, at(1, 9)))
            .await
            .unwrap();
        assert_eq!(count(&store, 7).await, 1);
        store.close().await;
    }

    #[tokio::test]
    async fn opening_creates_the_folder_and_reports_bad_urls() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b/bot.db");
        let store = Store::open(&StoreOptions::new(format!("sqlite://{}", nested.display())))
            .await
            .unwrap();
        assert!(nested.is_file());
        assert_eq!(store.path(), Some(nested.as_path()));
        store.close().await;

        let err = Store::open(&StoreOptions::new("sqlite://x.db?mode=bogus"))
            .await
            .err()
            .expect("a bad URL is refused");
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    }
}
