//! The signals that stop the bot gracefully.

use anyhow::Context as _;
use tokio::signal::unix::{signal as on, Signal, SignalKind};

/// SIGTERM (`docker stop`, systemd, Kubernetes) and SIGINT (Ctrl-C),
/// listened for from the start: once listening, neither ends the process
/// the default way, so a signal during start-up stops it cleanly too.
pub struct Signals {
    term: Signal,
    int: Signal,
}

impl Signals {
    pub fn listen() -> anyhow::Result<Self> {
        Ok(Self {
            term: on(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            int: on(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
        })
    }

    /// The name of the next of the two to arrive.
    pub async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}
