//! The single writer: every write of this process goes through one task that
//! owns one connection and commits concurrent requests together.
//!
//! Each batch is one `BEGIN IMMEDIATE` transaction, committed with
//! `synchronous=FULL`, so a write is acknowledged only once it is durable, yet
//! a burst of check-ins costs one fsync per batch rather than one each. Every
//! request runs inside its own savepoint: one that fails is rolled back alone
//! and the rest of the batch still commits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use crate::store::StoreError;

/// The most requests one transaction takes; bounds how long one commit can
/// make later requests wait.
const MAX_BATCH: usize = 256;
/// Requests waiting for the writer before senders wait too.
const QUEUE_DEPTH: usize = 1024;

/// A write: runs on the writer's connection inside an open transaction.
pub(crate) type WriteFn<T> = Box<
    dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>> + Send,
>;

/// Delivers a request's result once its batch's fate is known.
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// A queued request, its result type erased so one queue carries them all.
trait Request: Send {
    /// Runs the write; returns its own outcome and how to reply once the
    /// transaction has committed or failed.
    fn run<'c>(
        self: Box<Self>,
        conn: &'c mut SqliteConnection,
    ) -> BoxFuture<'c, (Result<(), StoreError>, Reply)>;
    /// Answers without running, because the batch failed first.
    fn fail(self: Box<Self>, error: StoreError);
}

struct Pending<T> {
    write: WriteFn<T>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T: Send + 'static> Request for Pending<T> {
    fn run<'c>(
        self: Box<Self>,
        conn: &'c mut SqliteConnection,
    ) -> BoxFuture<'c, (Result<(), StoreError>, Reply)> {
        let Pending { write, reply } = *self;
        Box::pin(async move {
            let result = write(conn).await;
            let own = result.as_ref().map(|_| ()).map_err(StoreError::clone);
            let reply: Reply = Box::new(move |commit| {
                // The caller may have stopped waiting; that is fine.
                let _ = reply.send(commit.and(result));
            });
            (own, reply)
        })
    }

    fn fail(self: Box<Self>, error: StoreError) {
        let _ = self.reply.send(Err(error));
    }
}

type Job = Box<dyn Request>;

/// Counters that show group commit at work.
#[derive(Debug, Default)]
pub struct WriterStats {
    transactions: AtomicU64,
    writes: AtomicU64,
}

impl WriterStats {
    /// Committed (or attempted) transactions.
    pub fn transactions(&self) -> u64 {
        self.transactions.load(Ordering::Relaxed)
    }

    /// Write requests handled.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }
}

/// The handle the store uses to submit writes.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
    stats: Arc<WriterStats>,
}

impl Writer {
    /// Starts the writer task on `conn`. The task ends when every handle is
    /// dropped, after finishing the requests already queued.
    pub(crate) fn spawn(conn: SqliteConnection) -> (Self, tokio::task::JoinHandle<()>) {
        let (jobs, queue) = mpsc::channel(QUEUE_DEPTH);
        let stats = Arc::new(WriterStats::default());
        let task = tokio::spawn(run(conn, queue, Arc::clone(&stats)));
        (Self { jobs, stats }, task)
    }

    pub(crate) fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Runs `write` in the next batch and returns its result once the batch
    /// has committed. A commit failure is every request's failure.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        write: WriteFn<T>,
    ) -> Result<T, StoreError> {
        let (reply, result) = oneshot::channel();
        let job: Job = Box::new(Pending { write, reply });
        self.jobs.send(job).await.map_err(|_| StoreError::Closed)?;
        result.await.map_err(|_| StoreError::Closed)?
    }
}

async fn run(mut conn: SqliteConnection, mut queue: mpsc::Receiver<Job>, stats: Arc<WriterStats>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        stats.transactions.fetch_add(1, Ordering::Relaxed);
        stats
            .writes
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        metrics::histogram!("secondheart_writer_batch_size").record(batch.len() as f64);
        let started = std::time::Instant::now();
        commit_batch(&mut conn, batch.drain(..)).await;
        metrics::histogram!("secondheart_writer_commit_seconds")
            .record(started.elapsed().as_secs_f64());
    }
    if let Err(error) = conn.close().await {
        tracing::warn!(%error, "closing the database writer connection failed");
    }
}

async fn commit_batch(conn: &mut SqliteConnection, mut jobs: impl Iterator<Item = Job>) {
    if let Err(error) = execute(conn, "BEGIN IMMEDIATE").await {
        for job in jobs {
            job.fail(error.clone());
        }
        return;
    }
    let mut replies = Vec::new();
    let mut batch_error = None;
    for job in jobs.by_ref() {
        if let Err(error) = execute(conn, "SAVEPOINT request").await {
            job.fail(error.clone());
            batch_error = Some(error);
            break;
        }
        let (own, reply) = job.run(conn).await;
        replies.push(reply);
        let end = match own {
            Ok(()) => execute(conn, "RELEASE request").await,
            // SQLite may already have rolled the whole transaction back (a full
            // disk can); then the savepoint is gone and the whole batch fails
            // for the reason this request failed.
            Err(own) => match execute(conn, "ROLLBACK TO request").await {
                Ok(()) => execute(conn, "RELEASE request").await,
                Err(_) => Err(own),
            },
        };
        if let Err(error) = end {
            batch_error = Some(error);
            break;
        }
    }
    let outcome = match batch_error {
        Some(error) => Err(error),
        None => execute(conn, "COMMIT").await,
    };
    if let Err(error) = &outcome {
        tracing::warn!(%error, requests = replies.len(), "a write batch was rolled back");
        // The transaction may already be gone; then this fails harmlessly.
        let _ = execute(conn, "ROLLBACK").await;
        for job in jobs {
            job.fail(error.clone());
        }
    }
    for reply in replies {
        reply(outcome.clone());
    }
}

async fn execute(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), StoreError> {
    sqlx::raw_sql(sql).execute(conn).await?;
    Ok(())
}
