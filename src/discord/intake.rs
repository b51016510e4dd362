//! The gate every interaction passes on its way in: open while the bot
//! runs, closed when it stops, with the interactions in flight counted so a
//! stop waits for their answers.
//!
//! It wraps poise's framework at serenity's dispatch, the one place every
//! slash command and every button click arrives, and a dispatch lasts until
//! the interaction was answered and its writes acknowledged.
//!
//! The gate decides on the gateway's own thread (see `reader`), where a
//! turned-away event costs little, and hands what it lets in to the
//! handlers' runtime.
//!
//! It also bounds the work the bot holds: at most [`RUNNING`] interactions
//! are handled at once and at most [`WAITING`] wait their turn; one that
//! arrives to a full queue, that waited longer than [`MAX_WAIT`] for its
//! turn, or whose turn comes when it can no longer be answered in time
//! ([`STALE_AFTER`] after Discord created it), is dropped unstarted and
//! counted. Under overload the bot answers what it can in
//! time instead of queueing everything and answering nothing.
//!
//! A process running a range of the bot's shards answers only the
//! interactions of its shards' servers (direct messages are shard 0's):
//! Discord sends a shard only its own, and one that arrives anyway (a
//! session of a range being handed over) is dropped and counted, so two
//! processes never both answer it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tracing::Instrument as _;

use super::deferral::created_at;
use super::{CommandError, Data};
use crate::domain::shards::ShardRange;
use crate::domain::GuildId;

/// Interactions handled at once: enough to fill the writer's largest batch.
const RUNNING: usize = 256;
/// Interactions waiting for one of the [`RUNNING`] places; one more is
/// dropped. At the bot's capacity (over a thousand check-ins a second) the
/// last of them waits well under a second.
const WAITING: usize = 1024;
/// The longest an interaction waits for one of the [`RUNNING`] places.
/// Measured by the bot's own clock, so a clock apart from Discord's cannot
/// defeat it: one that waited longer finds the bot behind by more than it
/// can make up, and would at best be answered after "thinking…", an extra
/// request when the bot can least afford one. Dropping it at once lets
/// those behind it be answered directly, in time.
const MAX_WAIT: Duration = Duration::from_millis(1000);
/// An interaction whose turn comes this long after Discord created it is
/// not started: what is left of Discord's three seconds would not do for
/// its answer.
pub(super) const STALE_AFTER: Duration = Duration::from_millis(2500);

/// Why an interaction was dropped unstarted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dropped {
    /// Every waiting place was taken.
    Full,
    /// Its turn came too late to answer it in time.
    Stale,
    /// Its server is on a shard another process runs.
    OtherShard,
}

impl Dropped {
    fn label(self) -> &'static str {
        match self {
            Dropped::Full => "full",
            Dropped::Stale => "stale",
            Dropped::OtherShard => "other_shard",
        }
    }
}

/// The bounded queue in front of the handlers.
pub(super) struct Queue {
    running: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
}

/// A place among those running; given back when dropped.
pub(super) struct Turn(#[allow(dead_code, reason = "held, never read")] OwnedSemaphorePermit);

impl Queue {
    pub(super) fn new(running: usize, waiting: usize, max_wait: Duration) -> Self {
        Self {
            running: Arc::new(Semaphore::new(running.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting: waiting,
            max_wait,
        }
    }

    /// Waits for a place among those running, in order of arrival, unless
    /// every waiting place is taken; then the interaction is [`Dropped::Full`]
    /// and `is_stale` is not asked. Once its turn comes, an interaction that
    /// waited longer than the queue's longest wait, or for which `is_stale`
    /// (asked then) says yes, is [`Dropped::Stale`].
    pub(super) async fn turn(&self, is_stale: impl FnOnce() -> bool) -> Result<Turn, Dropped> {
        let arrived = tokio::time::Instant::now();
        let permit = match Arc::clone(&self.running).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let waiting = self.waiting.fetch_add(1, Ordering::AcqRel);
                if waiting >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(Dropped::Full);
                }
                let permit = Arc::clone(&self.running).acquire_owned().await;
                self.waiting.fetch_sub(1, Ordering::AcqRel);
                #[allow(clippy::expect_used, reason = "nothing closes the semaphore")]
                permit.expect("the semaphore is never closed")
            }
        };
        if arrived.elapsed() >= self.max_wait || is_stale() {
            return Err(Dropped::Stale);
        }
        Ok(Turn(permit))
    }
}

/// Whether the interaction with this id is too old at `now` to be started.
pub(super) fn is_stale(interaction: u64, now: DateTime<Utc>) -> bool {
    (now - created_at(interaction))
        .to_std()
        .is_ok_and(|age| age >= STALE_AFTER)
}

/// Open or closed, and the interactions in flight: each holds a clone of
/// the sender, and the receiver sees the channel end once the gate is closed
/// and the last of them is done.
pub(super) struct Intake {
    open: Mutex<Option<mpsc::Sender<()>>>,
    done: tokio::sync::Mutex<mpsc::Receiver<()>>,
    queue: Queue,
}

/// One interaction in flight.
pub(super) struct InFlight(#[allow(dead_code, reason = "held, never read")] mpsc::Sender<()>);

impl Intake {
    pub(super) fn new() -> Self {
        let (open, done) = mpsc::channel(1);
        Self {
            open: Mutex::new(Some(open)),
            done: tokio::sync::Mutex::new(done),
            queue: Queue::new(RUNNING, WAITING, MAX_WAIT),
        }
    }

    /// Lets an interaction in, unless the gate is closed.
    pub(super) fn enter(&self) -> Option<InFlight> {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .map(InFlight)
    }

    /// Closes the gate and returns once every interaction let in has ended.
    pub(super) async fn close_and_drain(&self) {
        drop(
            self.open
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        // Nothing is ever sent: this returns `None` once every sender is gone.
        let _ = self.done.lock().await.recv().await;
    }
}

/// Whether an interaction in `guild` (`None`: a direct message) is for a
/// process running `shards` (`None`: every shard).
pub(super) fn is_ours(shards: Option<ShardRange>, guild: Option<u64>) -> bool {
    shards.is_none_or(|shards| shards.owns(guild.map(GuildId)))
}

/// poise's framework behind the gate, run on the handlers' runtime.
pub(super) struct Gated {
    inner: Arc<poise::Framework<Data, CommandError>>,
    intake: Arc<Intake>,
    handlers: Handle,
    /// The shards of this process; `None` is all of them.
    shards: Option<ShardRange>,
}

impl Gated {
    /// `handlers`: the runtime the commands, buttons and server events run
    /// on (the bot's main one), whichever thread reads the gateway.
    pub(super) fn new(
        inner: poise::Framework<Data, CommandError>,
        intake: Arc<Intake>,
        handlers: Handle,
        shards: Option<ShardRange>,
    ) -> Self {
        Self {
            inner: Arc::new(inner),
            intake,
            handlers,
            shards,
        }
    }
}

#[serenity::async_trait]
impl serenity::Framework for Gated {
    async fn init(&mut self, client: &serenity::Client) {
        // Called once, before the first event, while nothing shares it.
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.init(client).await,
            None => tracing::error!("the command framework was shared before it was set up"),
        }
    }

    /// Decides on the gateway's thread and hands over to the handlers'
    /// runtime: what waits here is only the gate's queue, bounded. Every
    /// interaction runs in a span carrying its ids, so its lines can be
    /// found with one grep.
    async fn dispatch(&self, ctx: serenity::Context, event: serenity::FullEvent) {
        let inner = Arc::clone(&self.inner);
        let serenity::FullEvent::InteractionCreate { interaction } = &event else {
            self.handlers
                .spawn(async move { inner.dispatch(ctx, event).await });
            return;
        };
        let span = interaction_span(interaction);
        if !is_ours(self.shards, interaction.guild_id().map(|g| g.get())) {
            let dropped = Dropped::OtherShard;
            metrics::counter!("secondheart_interactions_dropped_total", "reason" => dropped.label())
                .increment(1);
            span.in_scope(|| tracing::debug!(reason = dropped.label(), "dropped unstarted"));
            return;
        }
        let Some(in_flight) = self.intake.enter() else {
            // Not answered: Discord tells the member it failed, and nothing
            // of it is recorded.
            span.in_scope(|| {
                tracing::info!("stopping: an interaction that arrived now is not started")
            });
            return;
        };
        let id = interaction.id().get();
        let turn = match self.intake.queue.turn(|| is_stale(id, Utc::now())).await {
            Ok(turn) => turn,
            Err(dropped) => {
                // Not answered: Discord tells the member it failed. Counted,
                // and logged only at debug: under overload these come by
                // the thousand.
                metrics::counter!("secondheart_interactions_dropped_total", "reason" => dropped.label())
                    .increment(1);
                span.in_scope(|| tracing::debug!(reason = dropped.label(), "dropped unstarted"));
                return;
            }
        };
        self.handlers.spawn(
            async move {
                inner.dispatch(ctx, event).await;
                // Its place, and the stop's wait for it, end with its answer.
                drop((turn, in_flight));
            }
            .instrument(span),
        );
    }
}

/// The interaction's ids (never its token, nor who sent it), and which
/// command or which kind of button it is.
fn interaction_span(interaction: &serenity::Interaction) -> tracing::Span {
    let (guild, action) = match interaction {
        serenity::Interaction::Command(command) => {
            (command.guild_id, Some(command.data.name.as_str()))
        }
        serenity::Interaction::Autocomplete(complete) => {
            (complete.guild_id, Some(complete.data.name.as_str()))
        }
        // A button's kind, the part of its id before the first `:`.
        serenity::Interaction::Component(click) => {
            (click.guild_id, click.data.custom_id.split(':').next())
        }
        _ => (None, None),
    };
    tracing::info_span!(
        "interaction",
        interaction = interaction.id().get(),
        guild = guild.map(|g| g.get()),
        action,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_interactions_of_the_process_s_shards_are_let_in() {
        let second_half = Some(ShardRange::new(1, 1, 2).unwrap());
        let on = |shard: u64| Some((1000 * 2 + shard) << 22);
        assert!(is_ours(second_half, on(1)));
        assert!(!is_ours(second_half, on(0)));
        // Direct messages are shard 0's.
        assert!(!is_ours(second_half, None));
        assert!(is_ours(Some(ShardRange::new(0, 0, 2).unwrap()), None));
        // Every shard (`auto`): everything.
        assert!(is_ours(None, on(0)) && is_ours(None, on(1)) && is_ours(None, None));
    }

    #[tokio::test]
    async fn closing_waits_for_those_in_flight_and_lets_none_in() {
        let intake = Intake::new();
        let first = intake.enter().expect("open");
        let waiting = tokio::time::timeout(Duration::from_millis(100), intake.close_and_drain());
        assert!(waiting.await.is_err(), "waits for the one in flight");
        assert!(intake.enter().is_none(), "closed to newcomers");
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), intake.close_and_drain())
            .await
            .expect("drained once the last one ended");
    }

    #[tokio::test]
    async fn a_full_queue_drops_newcomers_and_lets_the_waiting_in_in_order() {
        let queue = std::sync::Arc::new(Queue::new(1, 2, Duration::from_secs(60)));
        let running = queue.turn(|| false).await.expect("a free place");
        // Two wait their turn.
        let (order, mut done) = mpsc::unbounded_channel();
        let mut waiting = Vec::new();
        for n in 0..2 {
            let (theirs, order) = (std::sync::Arc::clone(&queue), order.clone());
            waiting.push(tokio::spawn(async move {
                let turn = theirs.turn(|| false).await;
                let _ = order.send((n, turn.is_ok()));
            }));
            while queue.waiting.load(Ordering::Acquire) <= n {
                tokio::task::yield_now().await;
            }
        }
        // The third finds every waiting place taken, at once.
        assert_eq!(queue.turn(|| false).await.err(), Some(Dropped::Full));
        drop(running);
        assert_eq!(done.recv().await, Some((0, true)));
        assert_eq!(done.recv().await, Some((1, true)));
        for task in waiting {
            task.await.expect("joined");
        }
        assert_eq!(queue.waiting.load(Ordering::Acquire), 0);
    }

    #[tokio::test]
    async fn one_whose_turn_comes_too_late_is_dropped_and_gives_its_place_back() {
        let queue = Queue::new(1, 1, Duration::from_secs(60));
        assert_eq!(queue.turn(|| true).await.err(), Some(Dropped::Stale));
        // Its place is free again.
        assert!(queue.turn(|| false).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn one_that_waited_too_long_in_the_queue_is_dropped_however_young() {
        let queue = std::sync::Arc::new(Queue::new(1, 2, Duration::from_millis(500)));
        let running = queue.turn(|| false).await.expect("a free place");
        let (early, late) = (std::sync::Arc::clone(&queue), std::sync::Arc::clone(&queue));
        let patient = tokio::spawn(async move { early.turn(|| false).await.err() });
        while queue.waiting.load(Ordering::Acquire) < 1 {
            tokio::task::yield_now().await;
        }
        // The one running takes longer than the longest wait allowed.
        tokio::time::advance(Duration::from_millis(500)).await;
        drop(running);
        assert_eq!(patient.await.expect("joined"), Some(Dropped::Stale));
        // Its place is free again, and one that waits less is started.
        let held = queue.turn(|| false).await.expect("a free place");
        let brief = tokio::spawn(async move { late.turn(|| false).await.err() });
        while queue.waiting.load(Ordering::Acquire) < 1 {
            tokio::task::yield_now().await;
        }
        tokio::time::advance(Duration::from_millis(499)).await;
        drop(held);
        assert_eq!(brief.await.expect("joined"), None);
    }

    #[test]
    fn an_interaction_is_stale_two_and_a_half_seconds_after_its_creation() {
        let created = chrono::Utc::now();
        let since_epoch = (created.timestamp_millis() - 1_420_070_400_000) as u64;
        let id = since_epoch << 22;
        let at = |ms| created + chrono::Duration::milliseconds(ms);
        assert!(!is_stale(id, at(0)));
        assert!(!is_stale(id, at(2499)));
        assert!(is_stale(id, at(2500)));
        // A clock behind Discord's: not stale.
        assert!(!is_stale(id, at(-5000)));
    }
}
