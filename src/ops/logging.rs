//! Log output through `tracing`, human-readable or JSON, to stderr.
//!
//! Interactions, occurrences and schedules run in spans that carry their
//! ids: a human line shows them before the message, a JSON line in its
//! `span` and `spans` fields, so one grep for an id reads one story. Colour
//! codes are written only to a terminal.

use std::io::IsTerminal as _;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Installs the global subscriber. The filter was validated with the
/// configuration, so this fails only if a subscriber is already installed.
pub fn init(settings: &LogSettings) -> anyhow::Result<()> {
    let terminal = std::io::stderr().is_terminal();
    // Also forwards the `log` records of libraries, as before.
    subscriber(settings, std::io::stderr, terminal)?
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))
}

/// The subscriber `init` installs, writing to `writer`; with colours only
/// if that is a `terminal`.
fn subscriber<W>(
    settings: &LogSettings,
    writer: W,
    terminal: bool,
) -> anyhow::Result<Box<dyn tracing::Subscriber + Send + Sync>>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::builder().parse(filter(&settings.level))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(terminal);
    Ok(match settings.format {
        LogFormat::Human => Box::new(builder.finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(true)
                .finish(),
        ),
    })
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

    /// What one event inside an occurrence's span logs in `format`.
    fn logged(format: LogFormat, terminal: bool) -> String {
        #[derive(Clone, Default)]
        struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let settings = LogSettings {
            format,
            level: "info".to_owned(),
        };
        let out = buffer.clone();
        let subscriber = subscriber(&settings, move || out.clone(), terminal).unwrap();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("occurrence", occurrence = 41, schedule = 7, guild = 90);
            let _entered = span.enter();
            tracing::warn!(reason = "busy", "prompt failed");
        });
        let bytes = buffer.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_json_line_carries_the_ids_of_its_span() {
        let line = logged(LogFormat::Json, false);
        let json: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
        assert_eq!(json["message"], "prompt failed", "{line}");
        assert_eq!(json["reason"], "busy", "{line}");
        for (field, id) in [("occurrence", 41), ("schedule", 7), ("guild", 90)] {
            assert_eq!(json["span"][field], id, "{line}");
        }
        assert_eq!(json["spans"][0]["name"], "occurrence", "{line}");
    }

    #[test]
    fn human_lines_have_colours_only_on_a_terminal() {
        let plain = logged(LogFormat::Human, false);
        assert!(!plain.contains('\x1b'), "{plain:?}");
        assert!(
            plain.contains("occurrence{occurrence=41 schedule=7 guild=90}"),
            "{plain}"
        );
        assert!(logged(LogFormat::Human, true).contains('\x1b'));
    }

    #[test]
    fn quieter_levels_stand_as_given() {
        assert_eq!(filter("info"), "info");
        assert_eq!(filter("warn"), "warn");
        assert_eq!(filter("error,secondheart=info"), "error,secondheart=info");
    }
}
