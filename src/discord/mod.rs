//! The Discord adapter: the only code that speaks serenity and poise.
//!
//! It connects with minimal intents (no member list), registers the slash
//! commands, turns interactions into use-case calls and renders replies.
//! Its [`Connection`] yields the notifier the scheduler posts through; the
//! scheduler runs beside it, started by `cli`. Nothing it sends may ping: allowed mentions are empty by default in both
//! poise and serenity, and a message that should ping opts in explicitly.

mod budget;
mod celebrations;
mod commands;
mod components;
mod deferral;
mod errors;
mod gateway;
mod intake;
mod metrics;
mod notifier;
mod permissions;
mod pictures;
mod prompt;
mod prompt_updates;
mod reader;
mod registration;
mod render;
mod replies;
mod retry;
mod servers;
mod shards;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use poise::serenity_prelude as serenity;
use tokio::runtime::Handle;

use crate::app::App;
use crate::config::{DiscordSettings, DiscordToken};
use crate::domain::shards::Shards;
use budget::{RestBudget, RouteGroup, Spend};
use intake::{Gated, Intake};

pub use errors::CommandError;
pub use gateway::{GatewayStatus, ShardState};
pub use notifier::DiscordNotifier;
use prompt_updates::PromptUpdates;

/// What every command handler gets.
pub struct Data {
    pub app: Arc<App>,
    /// Set when Discord rejects the token, so the bot stops instead of retrying.
    token_rejected: Arc<AtomicBool>,
    shard_manager: Arc<std::sync::OnceLock<Arc<serenity::ShardManager>>>,
    /// Posts prompts: the scheduler's, and `/schedule test`.
    notifier: Arc<DiscordNotifier>,
    prompt_updates: Arc<PromptUpdates>,
    /// The pace of requests, and the count of Discord's answers.
    budget: Arc<RestBudget>,
    snooze: Duration,
    /// Milestones, the team goal and role rewards, after a check-in.
    celebrations: Arc<celebrations::Celebrations>,
    /// The bot's own user: its member in a server holds its roles.
    bot_user: serenity::UserId,
}

pub type Context<'a> = poise::Context<'a, Data, CommandError>;

/// The bot's connection to Discord, ready to [serve](Self::serve): the
/// token accepted, the slash commands registered, and the notifier the
/// scheduler posts through.
pub struct Connection {
    reader: reader::Reader,
    /// Boots the shards of a range on their turns; `None` with `auto`.
    starter: Option<shards::ShardStarter>,
    /// How many shards this process runs once all are up.
    shards_run: u32,
    shard_manager: Arc<serenity::ShardManager>,
    token_rejected: Arc<AtomicBool>,
    notifier: Arc<DiscordNotifier>,
    intake: Arc<Intake>,
}

/// Stops a [`Connection`] that is serving, in two steps: no new
/// interaction, then the gateway closed.
pub struct Stopper {
    intake: Arc<Intake>,
    shard_manager: Arc<serenity::ShardManager>,
}

impl Stopper {
    /// Starts no interaction that arrives from now on, and returns once
    /// every interaction already started has been answered.
    pub async fn finish_interactions(&self) {
        self.intake.close_and_drain().await;
    }

    /// Closes the gateway; the connection's `serve` then returns.
    pub async fn close_gateway(&self) {
        self.shard_manager.shutdown_all().await;
    }
}

/// Connects to Discord (or the URL in `settings.api_url`): checks the
/// token and registers the commands. `snooze` is how long "Snooze" waits
/// before the reminder.
pub async fn connect(
    settings: &DiscordSettings,
    token: &DiscordToken,
    app: Arc<App>,
    snooze: Duration,
) -> anyhow::Result<Connection> {
    // One client (its connections and timeouts) and one budget for every
    // request the bot sends: the bot's whole budget, or, beside processes
    // running its other shards and without a shared proxy, this one's share.
    let client = rest_client()?;
    let budget = Arc::new(match settings.shards {
        Shards::Range(range) if !settings.rest_proxy => {
            RestBudget::share(range.len(), range.total())
        }
        _ => RestBudget::default(),
    });
    let http = http_client(settings, token, client.clone());
    // Fail fast, with a clear message, on a token Discord does not accept.
    let application = match budget
        .serenity(
            Spend::Request,
            RouteGroup::Identity,
            http.get_current_application_info(),
        )
        .await
    {
        Ok(info) => info,
        Err(error) if errors::is_unauthorized(&error) => bail!(token_rejected_message()),
        Err(error) => return Err(error).context("cannot reach Discord"),
    };
    http.set_application_id(application.id);
    tracing::info!(application = %application.id, name = %application.name, "connecting to Discord");

    let gateway = budget
        .serenity(Spend::Request, RouteGroup::Identity, http.get_bot_gateway())
        .await
        .context("cannot read Discord's gateway limits")?;
    // With `auto`, serenity runs the count Discord recommends now.
    let shards_run = match settings.shards {
        Shards::Auto => gateway.shards.max(1),
        Shards::Range(range) => range.len(),
    };
    let starter = match settings.shards {
        Shards::Auto => None,
        Shards::Range(range) => {
            let max_concurrency =
                u32::try_from(gateway.session_start_limit.max_concurrency).unwrap_or(1);
            tracing::info!(shards = %range, max_concurrency, "running a range of the bot's shards");
            Some(shards::ShardStarter::new(
                Arc::clone(&app),
                range,
                max_concurrency,
            ))
        }
    };
    let shard_range = starter.as_ref().map(shards::ShardStarter::range);

    let token_rejected = Arc::new(AtomicBool::new(false));
    let shard_manager = Arc::new(std::sync::OnceLock::new());
    // Registered before connecting, so a failure stops start-up with its
    // reason instead of leaving a connected bot that answers nothing.
    let commands = commands::all();
    match registration::register(&http, &budget, &app, &commands).await {
        Err(error)
            if error
                .chain()
                .filter_map(|e| e.downcast_ref::<serenity::Error>())
                .any(errors::is_unauthorized) =>
        {
            bail!(token_rejected_message())
        }
        result => {
            result.context("cannot register the slash commands")?;
        }
    }
    // Prompts and reminders go out over REST, independent of the gateway.
    let prompt_http = Arc::new(http_client(settings, token, client.clone()));
    prompt_http.set_application_id(application.id);
    let bot_user = budget
        .serenity(
            Spend::Request,
            RouteGroup::Identity,
            prompt_http.get_current_user(),
        )
        .await
        .context("cannot read the bot's own user")?
        .id;
    let celebrations = celebrations::Celebrations::start(
        Arc::clone(&app),
        Arc::clone(&prompt_http),
        Arc::clone(&budget),
    );
    let notifier = Arc::new(DiscordNotifier::new(
        prompt_http,
        client,
        Arc::clone(&budget),
        snooze,
        bot_user.get(),
        Arc::clone(&app.renderer),
    ));
    let data = Data {
        prompt_updates: PromptUpdates::new(Arc::clone(&app), Arc::clone(&notifier)),
        app,
        token_rejected: Arc::clone(&token_rejected),
        shard_manager: Arc::clone(&shard_manager),
        notifier: Arc::clone(&notifier),
        budget,
        snooze,
        celebrations,
        bot_user,
    };
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands,
            on_error: |error| Box::pin(errors::on_error(error)),
            post_command: |ctx| Box::pin(async move { metrics::interaction(ctx, "ok") }),
            event_handler: |framework, event| {
                Box::pin(async move {
                    if let serenity::FullEvent::InteractionCreate {
                        interaction: serenity::Interaction::Component(click),
                    } = event
                    {
                        let data = framework.user_data().await;
                        components::handle(framework.serenity_context, data, click).await;
                    } else {
                        servers::handle(framework.user_data().await, event).await;
                    }
                    Ok(())
                })
            },
            // poise's default lets every user mention in a reply ping.
            allowed_mentions: Some(serenity::CreateAllowedMentions::new()),
            ..Default::default()
        })
        .setup(move |ctx, ready, _framework| {
            Box::pin(async move {
                ctx.http.set_application_id(ready.application.id);
                Ok(data)
            })
        })
        .build();
    // GUILDS tells which servers the bot is in; no privileged intents.
    let intents = serenity::GatewayIntents::GUILDS;
    let intake = Arc::new(Intake::new());
    let framework = Gated::new(
        framework,
        Arc::clone(&intake),
        Handle::current(),
        shard_range,
    );
    let builder = serenity::ClientBuilder::new_with_http(http, intents)
        .cache_settings(cache_settings())
        .framework(framework);
    let start = match shard_range {
        None => reader::Start::Auto,
        Some(range) => reader::Start::First {
            first: range.first(),
            total: range.total(),
        },
    };
    let (reader, client_shards) = reader::Reader::build(builder, start).await?;
    let _ = shard_manager.set(Arc::clone(&client_shards));
    Ok(Connection {
        reader,
        starter,
        shards_run,
        shard_manager: client_shards,
        token_rejected,
        notifier,
        intake,
    })
}

impl Connection {
    /// Posts prompts and sends reminders: the scheduler's, and
    /// `/schedule test`'s. They go out over REST, independent of the
    /// gateway.
    pub fn notifier(&self) -> Arc<DiscordNotifier> {
        Arc::clone(&self.notifier)
    }

    /// What stops this connection gracefully once it serves.
    pub fn stopper(&self) -> Stopper {
        Stopper {
            intake: Arc::clone(&self.intake),
            shard_manager: Arc::clone(&self.shard_manager),
        }
    }

    /// The state of each gateway session, for readiness and metrics.
    pub fn gateway(&self) -> GatewayStatus {
        GatewayStatus::new(Arc::clone(&self.shard_manager), self.shards_run)
    }

    /// Serves commands and buttons over the gateway until the connection
    /// ends for good. The gateway is read on a thread of its own (see
    /// `reader`); the handlers run on the caller's runtime. Dropping the
    /// returned future ends that thread and closes the gateway.
    pub async fn serve(self) -> anyhow::Result<()> {
        let Connection {
            reader,
            starter,
            token_rejected,
            shard_manager,
            ..
        } = self;
        let result = match starter {
            None => reader.run().await?,
            Some(starter) => {
                let first = starter.range().first();
                starter.turn(first).await;
                let running = reader.run();
                tokio::pin!(running);
                let booted = tokio::time::Instant::now();
                tokio::select! {
                    result = &mut running => result?,
                    () = starter.boot_the_others(&shard_manager, booted) => running.await?,
                }
            }
        };
        if token_rejected.load(Ordering::SeqCst) {
            bail!(token_rejected_message());
        }
        match result {
            Err(serenity::Error::Gateway(serenity::GatewayError::InvalidAuthentication)) => {
                bail!(token_rejected_message())
            }
            Err(error) => Err(error).context("the Discord connection failed"),
            Ok(()) => Ok(()),
        }
    }
}

/// What serenity keeps of the gateway's events: nothing of servers,
/// channels, users or messages. GUILD_CREATE brings each server whole (every
/// channel and role), which serenity would keep for as long as the bot is
/// in it, about 24 KB a server; the bot reads the few it needs from Discord
/// when a check needs them (see `permissions`).
fn cache_settings() -> ::serenity::cache::Settings {
    let mut settings = ::serenity::cache::Settings::default();
    settings.cache_guilds = false;
    settings.cache_channels = false;
    settings.cache_users = false;
    settings.max_messages = 0;
    settings
}

fn token_rejected_message() -> &'static str {
    "Discord rejected the bot token (401 Unauthorized); check DISCORD_TOKEN or DISCORD_TOKEN_FILE"
}

/// How long connecting to Discord (TCP and TLS) may take: well under a
/// second normally; past this the network or Discord is in trouble.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole request may take, answer included: Discord answers in
/// well under a second, and an interaction must be answered within 3. A
/// request past this fails as "unavailable" and is retried where retrying
/// is safe, instead of hanging. The scheduler bounds each try of a post at
/// 10 s too, budget wait included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client of every Discord request, serenity's and the notifier's.
fn rest_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        // As serenity builds its own.
        .use_rustls_tls()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("cannot set up the HTTP client")
}

/// serenity's HTTP client: through `api_url` when set (then serenity's own
/// rate limiter, which would ignore the proxy, is off), with no mentions
/// allowed unless a message opts in.
fn http_client(
    settings: &DiscordSettings,
    token: &DiscordToken,
    client: reqwest::Client,
) -> serenity::Http {
    let mut builder = serenity::HttpBuilder::new(token.expose())
        .client(client)
        .default_allowed_mentions(serenity::CreateAllowedMentions::new());
    if let Some(url) = &settings.api_url {
        builder = builder
            .proxy(url.as_str().trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    builder.build()
}

impl Data {
    /// Stops the bot because Discord no longer accepts its token.
    fn stop_for_rejected_token(&self) {
        self.token_rejected.store(true, Ordering::SeqCst);
        if let Some(manager) = self.shard_manager.get() {
            let manager = Arc::clone(manager);
            tokio::spawn(async move { manager.shutdown_all().await });
        }
    }
}
