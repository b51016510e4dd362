//! The signals that stop the bot gracefully.

use anyhow::Context as _;
use tokio::signal::unix::{signal as on, SignalKind};

/// Returns the name of the first of SIGTERM (`docker stop`, systemd,
/// Kubernetes) and SIGINT (Ctrl-C) to arrive.
pub async fn signal() -> anyhow::Result<&'static str> {
    let mut term = on(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = on(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    Ok(tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    })
}
