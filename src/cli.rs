//! The command line: `run` (the default), `check-config`, `migrate`, `backup`,
//! `schedule-preview`, `sandbox`, `healthcheck`.
//!
//! Every failure reaches `main` as one error whose chain reads as one line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use std::io::Write as _;

use chrono::{DateTime, TimeZone as _, Utc};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::app::privacy::Retention;
use crate::app::{App, Limits, SystemClock};
use crate::config::{self, DatabaseSettings, Loaded, TokenSource};
use crate::discord;
use crate::domain::firings::{firings, DstEffect};
use crate::domain::shards::Shards;
use crate::domain::spec::ScheduleSpec;
use crate::domain::zone::parse_zone;
use crate::ops;
use crate::scheduler::{Scheduler, SchedulerOptions};
use crate::store::{self, Store, StoreOptions};

/// secondheart: movement prompts, check-ins, streaks and leaderboards for
/// desk-bound teams on Discord.
#[derive(Debug, Parser)]
#[command(name = "secondheart", version)]
pub struct Cli {
    /// An extra configuration file, read after config/default.toml
    /// (default: the file named by SECONDHEART_CONFIG, if set).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the bot (the default).
    Run,
    /// Check the configuration, the exercise catalog and the token, then exit.
    CheckConfig,
    /// Create the database if needed and apply pending migrations.
    Migrate,
    /// Copy every row of a SQLite database into a new, empty PostgreSQL
    /// database (both migrated first), checking each table's row count.
    /// Stop the bot first: writes made during the copy are not in it.
    MigrateStore {
        /// The SQLite database: sqlite://path/to/secondheart.db
        #[arg(long, value_name = "URL")]
        from: String,
        /// The PostgreSQL database: postgres://user:password@host/database
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Write a consistent copy of the database to FILE, also while the bot runs.
    Backup {
        /// Where to write the copy; must not exist yet.
        file: PathBuf,
    },
    /// Print when a schedule would fire: one firing per line, local time and
    /// UTC offset, with firings moved or repeated by daylight saving marked.
    SchedulePreview(PreviewArgs),
    /// Try the bot without a Discord account: the real bot against a fake
    /// Discord in this process, with a small scripted team; the channel is
    /// printed as it happens.
    Sandbox(crate::sandbox::SandboxArgs),
    /// Ask a running bot's /healthz: exit 0 when it answers 200, else 1
    /// with one line (for Docker's HEALTHCHECK; needs no shell or curl).
    Healthcheck {
        /// The URL to ask (default: /healthz on http.listen).
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// A cron expression ("30 9 * * 1-5") or a friendly form ("daily 10:30").
    pub spec: String,
    /// The schedule's IANA time zone.
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    /// Start after this instant (RFC 3339, e.g. 2027-01-01T00:00:00Z); default now.
    #[arg(long)]
    pub from: Option<String>,
    /// How many firings to print.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub count: u32,
}

/// Runs one command to completion.
pub fn execute(cli: Cli) -> anyhow::Result<()> {
    let loaded = config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Run) {
        Command::CheckConfig => check_config(&loaded),
        Command::Run => runtime()?.block_on(run(loaded)),
        Command::Migrate => runtime()?.block_on(migrate(loaded)),
        Command::MigrateStore { from, to } => runtime()?.block_on(migrate_store(&from, &to)),
        Command::Backup { file } => runtime()?.block_on(backup(loaded, &file)),
        Command::SchedulePreview(args) => schedule_preview(&loaded, &args),
        Command::Sandbox(args) => runtime()?.block_on(crate::sandbox::run(loaded, &args)),
        Command::Healthcheck { url } => healthcheck(&loaded, url),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The store options the database settings describe.
pub fn store_options(database: &DatabaseSettings) -> StoreOptions {
    StoreOptions {
        busy_timeout: Duration::from_millis(database.busy_timeout_ms),
        max_size_bytes: (database.max_size_mb > 0).then(|| database.max_size_mb * 1024 * 1024),
        readers: database.connections.max(1),
        ..StoreOptions::new(database.url.clone())
    }
}

fn check_config(loaded: &Loaded) -> anyhow::Result<()> {
    let settings = &loaded.settings;
    let catalog = config::load_catalog(settings)?;
    let token = config::load_token()?;
    let files = if loaded.files.is_empty() {
        "none, built-in defaults".to_owned()
    } else {
        loaded
            .files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("configuration: ok (files: {files})");
    println!("database: {}", store::redacted(&settings.database.url));
    match &settings.discord.api_url {
        Some(url) => println!("discord api: {url}"),
        None => println!("discord api: Discord"),
    }
    let catalog_origin = match &settings.catalog.path {
        Some(path) => path.display().to_string(),
        None => "built in".to_owned(),
    };
    println!(
        "exercise catalog: {} exercises ({catalog_origin})",
        catalog.len()
    );
    match token {
        Some((_, TokenSource::Variable)) => println!("token: set in {}", config::TOKEN_VAR),
        Some((_, TokenSource::File(path))) => println!("token: read from {}", path.display()),
        None => println!(
            "token: not set; `run` needs {} or {}",
            config::TOKEN_VAR,
            config::TOKEN_FILE_VAR
        ),
    }
    Ok(())
}

async fn run(loaded: Loaded) -> anyhow::Result<()> {
    let settings = loaded.settings;
    ops::logging::init(&settings.log)?;
    let Some((token, _)) = config::load_token()? else {
        bail!(
            "no Discord token: set {} or {}",
            config::TOKEN_VAR,
            config::TOKEN_FILE_VAR
        );
    };
    serve(settings, token).await
}

/// Opens the store and runs the bot: its commands and buttons over the
/// Discord connection and, beside them, the scheduler (prompts, boards and
/// snooze reminders), until the Discord connection ends for good.
pub async fn serve(settings: config::Settings, token: config::DiscordToken) -> anyhow::Result<()> {
    let mut signals = ops::shutdown::Signals::listen()?;
    let catalog = config::load_catalog(&settings)?;
    let mut store = Store::open(&store_options(&settings.database)).await?;
    // A process running a range of the bot's shards schedules and posts
    // only for their servers; with `auto` every server is its own.
    if let Shards::Range(range) = settings.discord.shards {
        store = store.with_shards(range);
    }
    let store = Arc::new(store);
    tracing::info!(
        database = %store.location(),
        shards = %settings.discord.shards,
        exercises = catalog.len(),
        "store ready"
    );
    let mut app = App::new(
        Arc::clone(&store),
        Arc::new(catalog),
        settings.defaults.timezone,
        Arc::new(SystemClock),
        Limits {
            max_schedules: settings.limits.max_schedules_per_server,
            min_interval_minutes: settings.limits.min_interval_minutes,
        },
    );
    app.retention = Retention {
        checkins_days: settings.retention.checkins_days,
        departed_server_days: settings.retention.departed_server_days,
    };
    let app = Arc::new(app);
    let probes = Arc::new(Probes {
        app: Arc::clone(&app),
        store: Arc::clone(&store),
        gateway: OnceLock::new(),
        scheduler: OnceLock::new(),
        checking_store: Arc::new(AtomicBool::new(false)),
    });
    let endpoints = match settings.http.listen {
        Some(listen) => {
            let readiness: Arc<dyn ops::health::Readiness> = probes.clone();
            let metrics = ops::metrics::install()?;
            Some(ops::health::serve(listen, readiness, metrics).await?.1)
        }
        None => None,
    };
    let result = serve_app(&settings, &token, app, &probes, &mut signals).await;
    if let Some(endpoints) = endpoints {
        endpoints.abort();
        let _ = endpoints.await;
    }
    drop(probes);
    match Arc::try_unwrap(store) {
        Ok(store) => store.close().await,
        // Tasks of the gateway client may still hold it for a moment: the
        // writes queued so far are committed all the same.
        Err(store) => {
            if let Err(error) = store.flush().await {
                tracing::warn!(%error, "the last database writes could not be committed");
            }
        }
    }
    result
}

/// Connects to Discord, then runs the connection and the scheduler side by
/// side; when the connection ends, the scheduler is dropped with it. On
/// SIGTERM or SIGINT both stop gracefully, within `shutdown.grace_seconds`;
/// a second signal while stopping cuts the stop short. A signal while
/// connecting stops at once: nothing has been taken on yet.
async fn serve_app(
    settings: &config::Settings,
    token: &config::DiscordToken,
    app: Arc<App>,
    probes: &Probes,
    signals: &mut ops::shutdown::Signals,
) -> anyhow::Result<()> {
    let options = &settings.scheduler;
    let snooze = Duration::from_secs(options.snooze_seconds.into());
    let connecting = discord::connect(&settings.discord, token, Arc::clone(&app), snooze);
    let connection = tokio::select! {
        connection = connecting => connection?,
        signal = signals.next() => {
            tracing::info!(signal, "stopping before start-up finished");
            return Ok(());
        }
    };
    let scheduler = Scheduler::new(
        Arc::clone(&app),
        connection.notifier(),
        SchedulerOptions::new(
            chrono::Duration::minutes(options.catch_up_window_minutes.into()),
            chrono::Duration::seconds(options.claim_lease_seconds.into()),
        ),
    );
    let _ = probes.gateway.set(connection.gateway());
    let _ = probes.scheduler.set(Arc::clone(&scheduler));
    let stopper = connection.stopper();
    // Retention, and the data of servers the bot left, once an hour.
    let tidying = tokio::spawn(crate::scheduler::tidy_hourly(Arc::clone(&app)));
    let _tidying = AbortOnDrop(tidying);
    let serving = connection.serve();
    let scheduling = Arc::clone(&scheduler).run();
    tokio::pin!(serving, scheduling);
    let signal = tokio::select! {
        served = &mut serving => return served,
        () = &mut scheduling => return Ok(()),
        signal = signals.next() => signal,
    };
    let grace = settings.shutdown.grace_seconds;
    tracing::info!(signal, grace_seconds = grace, "stopping");
    scheduler.stop();
    let stopped = async {
        let finished = async {
            tokio::join!(stopper.finish_interactions(), &mut scheduling);
            stopper.close_gateway().await;
        };
        // The gateway keeps being served while the work in flight ends.
        let (served, ()) = tokio::join!(&mut serving, finished);
        served
    };
    tokio::select! {
        stopped = tokio::time::timeout(Duration::from_secs(grace.into()), stopped) => match stopped {
            Ok(served) => served,
            Err(_) => bail!("stopping took longer than shutdown.grace_seconds ({grace} s); work still in flight was cut off"),
        },
        again = signals.next() => bail!("a second {again} while stopping; work still in flight was cut off"),
    }
}

/// Ends a spawned task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long the store may take to take a write before it counts as not
/// ready.
const STORE_READY_WITHIN: Duration = Duration::from_secs(1);

/// What `/readyz` asks: the gateway and the scheduler once they exist, and
/// the store.
struct Probes {
    app: Arc<App>,
    store: Arc<Store>,
    gateway: OnceLock<discord::GatewayStatus>,
    scheduler: OnceLock<Arc<Scheduler>>,
    /// A store check is still waiting for the write lock: the next one
    /// does not queue another behind it.
    checking_store: Arc<AtomicBool>,
}

impl Probes {
    async fn store_ready(&self) -> bool {
        if self.checking_store.swap(true, Ordering::SeqCst) {
            return false;
        }
        // The check runs to its end on its own, however long the lock takes.
        let store = Arc::clone(&self.store);
        let checking = Arc::clone(&self.checking_store);
        let check = tokio::spawn(async move {
            let result = store.check_writable().await;
            checking.store(false, Ordering::SeqCst);
            result
        });
        matches!(
            tokio::time::timeout(STORE_READY_WITHIN, check).await,
            Ok(Ok(Ok(())))
        )
    }
}

#[async_trait::async_trait]
impl ops::health::Readiness for Probes {
    async fn not_ready(&self) -> Vec<&'static str> {
        let mut not_ready = Vec::new();
        let gateway_ready = match self.gateway.get() {
            Some(gateway) => gateway.ready().await,
            None => false,
        };
        if !gateway_ready {
            not_ready.push("gateway");
        }
        if !self.store_ready().await {
            not_ready.push("store");
        }
        if !self.scheduler.get().is_some_and(|s| s.is_turning()) {
            not_ready.push("scheduler");
        }
        not_ready
    }

    async fn refresh_gauges(&self) {
        let ready = self.not_ready().await.is_empty();
        metrics::gauge!("secondheart_ready").set(if ready { 1.0 } else { 0.0 });
        if let Some(gateway) = self.gateway.get() {
            for shard in gateway.shards().await {
                let id = shard.id.to_string();
                metrics::gauge!("secondheart_gateway_connected", "shard" => id.clone())
                    .set(if shard.ready { 1.0 } else { 0.0 });
                if let Some(latency) = shard.latency {
                    metrics::gauge!("secondheart_gateway_latency_seconds", "shard" => id)
                        .set(latency.as_secs_f64());
                }
            }
        }
        // 0 when nothing is scheduled.
        if let Ok(next) = self.app.next_firing_at().await {
            let now = self.app.clock.now();
            let seconds = next.map_or(0.0, |at| {
                (at - now).num_milliseconds().max(0) as f64 / 1000.0
            });
            metrics::gauge!("secondheart_next_due_seconds").set(seconds);
        }
        if let Ok(active) = self.app.active_schedules().await {
            metrics::gauge!("secondheart_schedules_active").set(active as f64);
        }
        // The write-ahead log holds recent writes until SQLite checkpoints
        // them: the disk the database takes is both files.
        if let Some(path) = self.store.path() {
            if let Ok(file) = tokio::fs::metadata(path).await {
                let mut wal = path.as_os_str().to_owned();
                wal.push("-wal");
                let wal = tokio::fs::metadata(wal).await.map_or(0, |m| m.len());
                metrics::gauge!("secondheart_database_bytes").set((file.len() + wal) as f64);
            }
        }
    }
}

fn healthcheck(loaded: &Loaded, url: Option<String>) -> anyhow::Result<()> {
    let url = match (url, loaded.settings.http.listen) {
        (Some(url), _) => url,
        (None, Some(listen)) => ops::health::default_url(listen),
        (None, None) => {
            bail!("http.listen is not set, so nothing serves /healthz; set it or pass --url")
        }
    };
    runtime()?.block_on(ops::health::check(&url))?;
    println!("{url}: ok");
    Ok(())
}

async fn migrate(loaded: Loaded) -> anyhow::Result<()> {
    let store = Store::open(&store_options(&loaded.settings.database)).await?;
    let path = store.location();
    let latest = store.latest_migration();
    store.close().await;
    println!("database {path} is up to date: migration {latest}");
    Ok(())
}

async fn migrate_store(from: &str, to: &str) -> anyhow::Result<()> {
    #[cfg(all(feature = "sqlite", feature = "postgres"))]
    {
        let summary =
            store::copy::copy_sqlite_to_postgres(&StoreOptions::new(from), &StoreOptions::new(to))
                .await
                .with_context(|| {
                    format!(
                        "cannot copy {} to {}",
                        store::redacted(from),
                        store::redacted(to)
                    )
                })?;
        for (table, rows) in &summary.tables {
            println!("{table}: {rows} rows");
        }
        println!(
            "copied {} to {}: every table's rows counted on both ends",
            store::redacted(from),
            store::redacted(to)
        );
        Ok(())
    }
    #[cfg(not(all(feature = "sqlite", feature = "postgres")))]
    {
        let _ = (from, to);
        bail!(
            "this build lacks a backend: migrate-store needs both the sqlite and postgres features"
        )
    }
}

async fn backup(loaded: Loaded, file: &Path) -> anyhow::Result<()> {
    let options = store_options(&loaded.settings.database);
    let summary = store::backup_database(&options, file).await?;
    println!(
        "backed up {} to {}: {} bytes, {} schedules, {} check-ins",
        store::redacted(&options.url),
        summary.path.display(),
        summary.bytes,
        summary.schedules,
        summary.checkins
    );
    Ok(())
}

fn schedule_preview(loaded: &Loaded, args: &PreviewArgs) -> anyhow::Result<()> {
    let spec = ScheduleSpec::parse(&args.spec, loaded.settings.limits.min_interval_minutes)?;
    let tz = parse_zone(&args.tz)?;
    let from = match &args.from {
        None => Utc::now(),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                anyhow::anyhow!("`{text}` is not an instant such as 2027-01-01T00:00:00Z")
            })?,
    };
    let mut out = std::io::stdout().lock();
    for firing in firings(&spec, tz, from).take(args.count as usize) {
        let local = firing.local(tz);
        let note = match firing.dst {
            DstEffect::None => String::new(),
            DstEffect::MovedAfterGap => format!(
                "  [moved: {} does not exist, clocks spring forward]",
                firing.wall.format("%H:%M")
            ),
            DstEffect::Repeated => {
                let pass = match tz.from_local_datetime(&firing.wall).earliest() {
                    Some(first) if first == local => "first",
                    _ => "second",
                };
                format!(
                    "  [repeated: {} happens twice, clocks fall back; {pass} pass]",
                    firing.wall.format("%H:%M")
                )
            }
        };
        writeln!(out, "{}{note}", local.format("%Y-%m-%d %a %H:%M:%S %:z"))?;
    }
    Ok(())
}
