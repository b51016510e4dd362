//! Log output through `tracing`, human-readable or JSON, to stderr.

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber. The filter was validated with the
/// configuration, so this fails only if a subscriber is already installed.
pub fn init(settings: &LogSettings) -> anyhow::Result<()> {
    let filter = EnvFilter::builder().parse(&settings.level)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match settings.format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))
}
