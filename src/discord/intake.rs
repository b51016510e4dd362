//! The gate every interaction passes on its way in: open while the bot
//! runs, closed when it stops, with the interactions in flight counted so a
//! stop waits for their answers.
//!
//! It wraps poise's framework at serenity's dispatch, the one place every
//! slash command and every button click arrives, and a dispatch lasts until
//! the interaction was answered and its writes acknowledged.

use std::sync::{Mutex, PoisonError};

use poise::serenity_prelude as serenity;
use tokio::sync::mpsc;
use tracing::Instrument as _;

use super::{CommandError, Data};

/// Open or closed, and the interactions in flight: each holds a clone of
/// the sender, and the receiver sees the channel end once the gate is closed
/// and the last of them is done.
pub(super) struct Intake {
    open: Mutex<Option<mpsc::Sender<()>>>,
    done: tokio::sync::Mutex<mpsc::Receiver<()>>,
}

/// One interaction in flight.
pub(super) struct InFlight(#[allow(dead_code, reason = "held, never read")] mpsc::Sender<()>);

impl Intake {
    pub(super) fn new() -> Self {
        let (open, done) = mpsc::channel(1);
        Self {
            open: Mutex::new(Some(open)),
            done: tokio::sync::Mutex::new(done),
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

/// poise's framework behind the gate.
pub(super) struct Gated {
    inner: poise::Framework<Data, CommandError>,
    intake: std::sync::Arc<Intake>,
}

impl Gated {
    pub(super) fn new(
        inner: poise::Framework<Data, CommandError>,
        intake: std::sync::Arc<Intake>,
    ) -> Self {
        Self { inner, intake }
    }
}

#[serenity::async_trait]
impl serenity::Framework for Gated {
    async fn init(&mut self, client: &serenity::Client) {
        self.inner.init(client).await;
    }

    /// Every interaction runs in a span carrying its ids, so its lines can
    /// be found with one grep.
    async fn dispatch(&self, ctx: serenity::Context, event: serenity::FullEvent) {
        let serenity::FullEvent::InteractionCreate { interaction } = &event else {
            return self.inner.dispatch(ctx, event).await;
        };
        let span = interaction_span(interaction);
        let Some(_in_flight) = self.intake.enter() else {
            // Not answered: Discord tells the member it failed, and nothing
            // of it is recorded.
            span.in_scope(|| {
                tracing::info!("stopping: an interaction that arrived now is not started")
            });
            return;
        };
        self.inner.dispatch(ctx, event).instrument(span).await;
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
    use std::time::Duration;

    use super::*;

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
}
