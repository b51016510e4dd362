//! Typed settings, read in layers: the defaults (`config/default.toml` as
//! shipped, built into the binary), the `config/default.toml` on disk, an
//! optional file (`--config` or `SECONDHEART_CONFIG`), then
//! `SECONDHEART__SECTION__KEY` environment variables; later layers win.
//!
//! The Discord token is not a setting: it comes only from `DISCORD_TOKEN` or
//! the file named by `DISCORD_TOKEN_FILE`, and is held in a type that never
//! prints. Any mistake stops start-up with one line naming the key.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use figment::error::Kind;
use figment::providers::{Env, Format, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use thiserror::Error;
use url::Url;

use crate::domain::exercise::{Catalog, CatalogError};
use crate::domain::shards::Shards;
use crate::domain::zone::parse_zone;

/// The file every deployment reads first, relative to the working directory.
pub const DEFAULT_FILE: &str = "config/default.toml";
/// Names an extra config file, like `--config`.
pub const CONFIG_FILE_VAR: &str = "SECONDHEART_CONFIG";
/// Prefix of environment variables that override single keys.
pub const ENV_PREFIX: &str = "SECONDHEART__";
pub const TOKEN_VAR: &str = "DISCORD_TOKEN";
pub const TOKEN_FILE_VAR: &str = "DISCORD_TOKEN_FILE";

/// Every setting with its default and what it means: the first layer, so
/// the file is the one place a default is written.
const DEFAULTS: &str = include_str!("../config/default.toml");

/// The catalog that ships with the bot, used when `catalog.path` is empty.
const BUILT_IN_CATALOG: &str = include_str!("../config/exercises.toml");

/// Every setting of the bot. Each key has its default in [`DEFAULTS`], so
/// none is optional here.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub discord: DiscordSettings,
    pub log: LogSettings,
    pub scheduler: SchedulerSettings,
    pub shutdown: ShutdownSettings,
    pub limits: LimitSettings,
    pub http: HttpSettings,
    pub catalog: CatalogSettings,
    pub defaults: ServerDefaults,
    pub retention: RetentionSettings,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// A `sqlite:` URL (the file and its folder are created if missing) or
    /// a `postgres:` one.
    #[serde(deserialize_with = "database_url")]
    pub url: String,
    /// Connections for queries: SQLite's read-only ones beside its writer,
    /// or PostgreSQL's whole pool.
    pub connections: u32,
    /// How long a write waits for another process's lock before failing.
    pub busy_timeout_ms: u64,
    /// Caps the database file; 0 means no cap.
    pub max_size_mb: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordSettings {
    /// Where all Discord HTTP goes; `None` is Discord itself.
    #[serde(deserialize_with = "optional_http_url")]
    pub api_url: Option<Url>,
    /// The Discord shards this process runs: all of them, or a range.
    #[serde(deserialize_with = "shards")]
    pub shards: Shards,
    /// REST goes through a rate-limit proxy shared by every process (at
    /// `api_url`), so this process may use the bot's whole request budget.
    pub rest_proxy: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `info,secondheart=debug`.
    #[serde(deserialize_with = "log_filter")]
    pub level: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulerSettings {
    /// A prompt missed by less than this after downtime is posted late; older
    /// ones are skipped.
    pub catch_up_window_minutes: u32,
    /// How long a process's claim on a prompt holds unless renewed; a
    /// running process renews it every third of this while posting, so
    /// another takes over a stopped process's claims within it.
    #[serde(deserialize_with = "within::<_, 10, 3600>")]
    pub claim_lease_seconds: u32,
    /// How long "Snooze" waits before the private reminder; Discord accepts
    /// the reminder for 15 minutes after the click.
    #[serde(deserialize_with = "within::<_, 1, 840>")]
    pub snooze_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShutdownSettings {
    /// How long a stop (SIGTERM, SIGINT) may take to finish the work in
    /// flight; past it the process exits with an error.
    #[serde(deserialize_with = "within::<_, 1, 600>")]
    pub grace_seconds: u32,
}

/// A whole number from `MIN` to `MAX`.
fn within<'de, D, const MIN: u32, const MAX: u32>(deserializer: D) -> Result<u32, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value = u32::deserialize(deserializer)?;
    if (MIN..=MAX).contains(&value) {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a number from {MIN} to {MAX}, found {value}"
        )))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    pub max_schedules_per_server: u32,
    /// The shortest time between two firings of one schedule.
    pub min_interval_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// Address for `/healthz` and `/metrics`; `None` serves nothing.
    #[serde(deserialize_with = "optional_socket_addr")]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogSettings {
    /// An exercise catalog file; `None` is the built-in one.
    #[serde(deserialize_with = "optional_path")]
    pub path: Option<PathBuf>,
}

/// How long data is kept.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Check-ins, answers and prompts older than this many days are deleted
    /// (daily totals kept); 0 keeps them forever.
    pub checkins_days: u32,
    /// Days a server that removed the bot keeps its data.
    pub departed_server_days: u32,
}

/// Settings of a server that has not chosen its own.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerDefaults {
    #[serde(deserialize_with = "time_zone")]
    pub timezone: Tz,
}

impl Default for Settings {
    /// The built-in defaults alone.
    #[allow(
        clippy::expect_used,
        reason = "the file is fixed at build time, and a test loads it"
    )]
    fn default() -> Self {
        Figment::from(defaults())
            .extract()
            .expect("the built-in config/default.toml sets every key (tested)")
    }
}

/// The first layer: the shipped `config/default.toml`.
fn defaults() -> figment::providers::Data<Toml> {
    Toml::string(DEFAULTS)
}

/// The settings and the files they were read from, in order.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub settings: Settings,
    pub files: Vec<PathBuf>,
}

/// Why the configuration cannot be used; its `Display` is the one line an
/// operator sees.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("config key `{key}`: {problem}{origin}")]
    Key {
        key: String,
        problem: String,
        origin: Origin,
    },
    #[error("config file {}: {problem}", path.display())]
    File { path: PathBuf, problem: String },
    #[error("{var}: {problem}")]
    Token { var: &'static str, problem: String },
    #[error("exercise catalog {origin}: {source}")]
    Catalog {
        origin: String,
        #[source]
        source: CatalogError,
    },
}

/// Where a bad value came from, for the error line.
#[derive(Debug, Default)]
pub struct Origin(Option<String>);

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(origin) => write!(f, " (in {origin})"),
            None => Ok(()),
        }
    }
}

/// Reads the layered configuration. `explicit` is the `--config` file; without
/// it, `SECONDHEART_CONFIG` may name one.
pub fn load(explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
    let mut figment = Figment::from(defaults());
    let mut files = Vec::new();
    let default_file = Path::new(DEFAULT_FILE);
    if default_file.is_file() {
        figment = figment.merge(Toml::file_exact(default_file));
        files.push(default_file.to_path_buf());
    }
    let extra = explicit.map(Path::to_path_buf).or_else(|| {
        std::env::var_os(CONFIG_FILE_VAR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    if let Some(path) = extra {
        if !path.is_file() {
            return Err(ConfigError::File {
                path,
                problem: "no such file".into(),
            });
        }
        figment = figment.merge(Toml::file_exact(&path));
        files.push(path);
    }
    figment = figment.merge(Env::prefixed(ENV_PREFIX).split("__"));
    let settings = figment.extract::<Settings>().map_err(key_error)?;
    if settings.discord.rest_proxy && settings.discord.api_url.is_none() {
        // Each process would take the whole budget straight at Discord.
        return Err(ConfigError::Key {
            key: "discord.rest_proxy".into(),
            problem:
                "needs discord.api_url, the shared rate-limit proxy every process sends through"
                    .into(),
            origin: Origin(None),
        });
    }
    Ok(Loaded { settings, files })
}

/// Turns figment's error into one line naming the key.
fn key_error(error: figment::Error) -> ConfigError {
    // Figment chains errors; the first names the key the operator wrote.
    let error = error.clone().into_iter().next().unwrap_or(error);
    let path = &error.path;
    let problem = match &error.kind {
        Kind::UnknownField(field, _) if field == "token" => {
            format!("the Discord token is never read from configuration; set {TOKEN_VAR} or {TOKEN_FILE_VAR}")
        }
        Kind::UnknownField(_, expected) => {
            if expected.is_empty() {
                "unknown key".into()
            } else {
                format!("unknown key (expected one of: {})", expected.join(", "))
            }
        }
        Kind::InvalidType(actual, expected) => format!("expected {expected}, found {actual}"),
        Kind::Message(message) if path.is_empty() => {
            // A file that is not valid TOML: name the file, keep the parser's
            // position and reason, drop its multi-line source excerpt.
            let file = match error.metadata.as_ref().and_then(|m| m.source.as_ref()) {
                Some(figment::Source::File(file)) => file.clone(),
                _ => PathBuf::from("(unknown)"),
            };
            let problem = message
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.contains('|'))
                .collect::<Vec<_>>()
                .join("; ");
            return ConfigError::File {
                path: file,
                problem,
            };
        }
        Kind::Message(message) => message.clone(),
        other => other.to_string(),
    };
    let origin = error.metadata.as_ref().map(|meta| match &meta.source {
        Some(figment::Source::File(file)) => file.display().to_string(),
        _ if meta.name.contains("environment") => {
            format!(
                "environment variable {ENV_PREFIX}{}",
                path.join("__").to_uppercase()
            )
        }
        _ => meta.name.to_string(),
    });
    ConfigError::Key {
        key: if path.is_empty() {
            "(top level)".into()
        } else {
            path.join(".")
        },
        problem,
        origin: Origin(origin),
    }
}

/// Loads the exercise catalog the settings name, or the built-in one.
pub fn load_catalog(settings: &Settings) -> Result<Catalog, ConfigError> {
    match &settings.catalog.path {
        None => Catalog::from_toml(BUILT_IN_CATALOG).map_err(|source| ConfigError::Catalog {
            origin: "(built in)".into(),
            source,
        }),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Key {
                key: "catalog.path".into(),
                problem: format!("cannot read {}: {e}", path.display()),
                origin: Origin::default(),
            })?;
            Catalog::from_toml(&text).map_err(|source| ConfigError::Catalog {
                origin: path.display().to_string(),
                source,
            })
        }
    }
}

/// The bot's Discord token. It never appears in `Debug` output or logs.
pub struct DiscordToken(SecretString);

impl DiscordToken {
    pub fn new(token: String) -> Self {
        Self(SecretString::from(token))
    }

    /// The token itself, for the one place that hands it to Discord.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for DiscordToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DiscordToken(<redacted>)")
    }
}

/// Where the token came from, for `check-config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Variable,
    File(PathBuf),
}

/// Reads the token from `DISCORD_TOKEN` or the file `DISCORD_TOKEN_FILE` names.
/// `Ok(None)` when neither is set.
pub fn load_token() -> Result<Option<(DiscordToken, TokenSource)>, ConfigError> {
    let direct = std::env::var(TOKEN_VAR).ok().filter(|v| !v.is_empty());
    let file = std::env::var_os(TOKEN_FILE_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let (raw, source, var) = match (direct, file) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::Token {
                var: TOKEN_VAR,
                problem: format!("set {TOKEN_VAR} or {TOKEN_FILE_VAR}, not both"),
            })
        }
        (Some(token), None) => (token, TokenSource::Variable, TOKEN_VAR),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Token {
                var: TOKEN_FILE_VAR,
                problem: format!("cannot read {}: {e}", path.display()),
            })?;
            (text, TokenSource::File(path), TOKEN_FILE_VAR)
        }
        (None, None) => return Ok(None),
    };
    // Secret files usually end in a newline; anything else inside is a mistake.
    let token = raw.trim();
    if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigError::Token {
            var,
            problem: "does not look like a bot token (empty, or contains spaces)".into(),
        });
    }
    Ok(Some((DiscordToken(SecretString::from(token)), source)))
}

fn database_url<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let url = String::deserialize(d)?;
    let sqlite = url.starts_with("sqlite:") && url.len() > "sqlite:".len();
    let postgres = Url::parse(&url).is_ok_and(|parsed| {
        matches!(parsed.scheme(), "postgres" | "postgresql")
            && parsed.host().is_some()
            && parsed.path().len() > 1
    });
    if sqlite || postgres {
        Ok(url)
    } else {
        // The message may reach a log: never with a password.
        Err(serde::de::Error::custom(format!(
            "`{}` is not a database URL; use sqlite://data/secondheart.db or \
             postgres://user:password@host/database",
            crate::store::redacted(&url)
        )))
    }
}

fn optional_http_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    let text = String::deserialize(d)?;
    if text.is_empty() {
        return Ok(None);
    }
    match Url::parse(&text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(Some(url))
        }
        Ok(_) => Err(serde::de::Error::custom(format!(
            "`{text}` is not an http(s) URL"
        ))),
        Err(e) => Err(serde::de::Error::custom(format!(
            "`{text}` is not a valid URL ({e})"
        ))),
    }
}

fn shards<'de, D: Deserializer<'de>>(d: D) -> Result<Shards, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(serde::de::Error::custom)
}

fn optional_socket_addr<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
    let text = String::deserialize(d)?;
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        serde::de::Error::custom(format!(
            "`{text}` is not an address and port such as 127.0.0.1:9100"
        ))
    })
}

fn optional_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let text = String::deserialize(d)?;
    Ok((!text.is_empty()).then(|| PathBuf::from(text)))
}

fn time_zone<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
    let name = String::deserialize(d)?;
    parse_zone(&name).map_err(serde::de::Error::custom)
}

fn log_filter<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let filter = String::deserialize(d)?;
    match tracing_subscriber::EnvFilter::builder().parse(&filter) {
        Ok(_) => Ok(filter),
        Err(e) => Err(serde::de::Error::custom(format!(
            "`{filter}` is not a log filter such as info or info,secondheart=debug ({e})"
        ))),
    }
}

#[cfg(test)]
// figment's test jail returns its own (large) error type; that is its API.
#[allow(clippy::result_large_err)]
mod tests;
