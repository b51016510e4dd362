//! Log output through `tracing`, human-readable or JSON, to stderr.

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber. The filter was validated with the
/// configuration, so this fails only if a subscriber is already installed.
pub fn init(settings: &LogSettings) -> anyhow::Result<()> {
    let filter = EnvFilter::builder().parse(filter(&settings.level))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match settings.format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    installed.map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))
}

/// The configured filter. When it asks for debug or trace output, libraries
/// that dump raw gateway frames or HTTP headers at those levels are held
/// back: those frames carry the bot token (IDENTIFY, RESUME, the
/// Authorization header). At info and above they log nothing of the kind,
/// and the operator's level stands as given.
fn filter(level: &str) -> String {
    let verbose = EnvFilter::builder()
        .parse(level)
        .ok()
        .and_then(|f| f.max_level_hint())
        .is_none_or(|max| max >= tracing::level_filters::LevelFilter::DEBUG);
    if verbose {
        format!("{level},tungstenite=info,tokio_tungstenite=info,hyper=info,hyper_util=info,reqwest=info,h2=info,rustls=info,serenity::gateway=debug,serenity::http=debug")
    } else {
        level.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_that_dump_frames_are_held_back_when_verbose() {
        let f = filter("trace");
        assert!(f.starts_with("trace,"));
        for capped in [
            "tungstenite=info",
            "tokio_tungstenite=info",
            "hyper=info",
            "reqwest=info",
            "serenity::gateway=debug",
            "serenity::http=debug",
        ] {
            assert!(f.contains(capped), "{f}");
        }
        assert!(EnvFilter::builder().parse(f).is_ok());
        assert!(filter("secondheart=trace").contains("tungstenite=info"));
    }

    #[test]
    fn quieter_levels_stand_as_given() {
        assert_eq!(filter("info"), "info");
        assert_eq!(filter("warn"), "warn");
        assert_eq!(filter("error,secondheart=info"), "error,secondheart=info");
    }
}
