//! Shared helpers for the end-to-end tests.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use secondheart::domain::checkin::{NewCheckIn, Source};
use secondheart::domain::exercise::ExerciseKey;
use secondheart::domain::{GuildId, InteractionId, UserId};
use tempfile::TempDir;

/// A PostgreSQL server and a database per test (the store's tests use the
/// same file).
#[path = "../../../src/store/test_postgres.rs"]
pub mod postgres;

/// Which database the bots a test spawns use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in the bot's temp folder (the default).
    Sqlite,
    /// A fresh database on the PostgreSQL test server.
    Postgres,
}

tokio::task_local! {
    static BACKEND: Backend;
}

/// The backend the running test asked for.
pub fn backend() -> Backend {
    BACKEND.try_with(|b| *b).unwrap_or(Backend::Sqlite)
}

/// Runs a test with every bot it spawns on PostgreSQL; without a test
/// server it does not run (see [`postgres::server`]: one loud line, or a
/// failure under `SECONDHEART_REQUIRE_POSTGRES=1`).
pub async fn on_postgres(test: impl Future<Output = ()>) {
    if postgres::server().is_some() {
        BACKEND.scope(Backend::Postgres, test).await;
    }
}

/// Runs each named test, an `async fn()` that spawns its bots with the
/// helpers below, on both backends: as `name::sqlite` and `name::postgres`.
macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$test().await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::support::on_postgres(super::$test()).await
            }
        }
    )+};
}
pub(crate) use on_both_backends;

/// One raw HTTP/1.1 request, as a client that bypasses serenity would send it.
pub use fake_discord::raw_request;

/// How often the waits below look again.
const POLL: Duration = Duration::from_millis(50);

/// Waits until `ready` holds, looking every 50 ms, and fails the test naming
/// `what` if it does not within `timeout`. Tests wait for the event they need
/// this way, never by sleeping a guessed time and then asserting.
pub async fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    loop {
        if ready() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// [`wait_for`] for a condition that has to await (a store read, say).
pub async fn wait_for_async<F, Fut>(what: &str, timeout: Duration, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if ready().await {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// A working directory of its own for one test, with the shipped
/// `config/default.toml`, like a deployment's.
pub struct Workspace {
    dir: TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("config")).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("config/default.toml"),
            dir.path().join("config/default.toml"),
        )
        .unwrap();
        Self { dir }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path(relative);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The database URL of the default configuration, as seen from here.
    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.path("data/secondheart.db").display())
    }

    /// `secondheart` with these arguments, in this workspace, with none of
    /// the caller's secondheart or Discord variables.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_secondheart"));
        command.args(args).current_dir(self.dir.path());
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("SECONDHEART") || name.starts_with("DISCORD_") || name == "RUST_LOG"
            {
                command.env_remove(&*name);
            }
        }
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.command(args).output().expect("run secondheart"))
    }

    /// [`run`](Self::run) with these environment variables set.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.command(args);
        command.envs(env.iter().copied());
        Run(command.output().expect("run secondheart"))
    }
}

/// A finished run of the binary.
pub struct Run(pub Output);

impl Run {
    pub fn succeeded(&self) -> bool {
        self.0.status.success()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Asserts a failure with exactly one line on stderr, and returns it.
    pub fn one_line_failure(&self) -> String {
        assert!(
            !self.succeeded(),
            "expected a failure; stdout: {}",
            self.stdout()
        );
        let stderr = self.stderr();
        let lines: Vec<_> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
        lines[0].to_owned()
    }
}

/// A loopback address no one listens on now, for a server a test starts.
pub fn free_local_addr() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("its address")
}

/// A plain `/checkin` by `user` in server 1.
pub fn checkin(interaction: u64, user: u64, at: DateTime<Utc>) -> NewCheckIn {
    NewCheckIn {
        interaction: InteractionId(interaction),
        guild: GuildId(1),
        user: UserId(user),
        exercise: ExerciseKey::parse("walk").unwrap(),
        amount: 10,
        points: 10,
        at,
        local_date: at.date_naive(),
        source: Source::Command,
        occurrence: None,
        recorded_by: None,
        note: None,
    }
}

pub mod shards;

pub mod bot {
    //! `spawn_bot()`: the real `secondheart` binary on a temp SQLite file,
    //! against a fresh fake Discord, with one server, channel and member.

    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    use fake_discord::{FakeDiscord, InteractionReply};
    use secondheart::store::{Store, StoreOptions};

    pub const TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.token-for-the-sandbox";

    /// A running bot and its world.
    pub struct Bot {
        pub discord: FakeDiscord,
        pub guild: u64,
        pub channel: u64,
        pub member: u64,
        pub dir: tempfile::TempDir,
        child: Option<Child>,
        /// A second bot process on the same database, if started.
        second: Option<Child>,
        /// The bot's PostgreSQL database, on that backend (dropped with the
        /// bot); `None` on SQLite, whose file is in `dir`.
        database: Option<super::postgres::TestDatabase>,
        /// Extra `SECONDHEART__*` settings every start gets.
        env: Vec<(String, String)>,
        /// The gateway session of a process killed since: until the fake
        /// sees its socket close, it still counts as connected.
        killed_session: Option<String>,
    }

    /// Starts the fake and the bot, and waits until the bot has registered
    /// its commands and is connected.
    pub async fn spawn_bot() -> Bot {
        spawn_bot_with(|_, _| {}).await
    }

    /// Like [`spawn_bot`], with `prepare` run on the fake and the bot's
    /// server before the bot starts: faults it meets at start-up, or
    /// channels and roles it learns of from GUILD_CREATE.
    pub async fn spawn_bot_with(prepare: impl FnOnce(&FakeDiscord, u64)) -> Bot {
        spawn_configured(prepare, &[]).await
    }

    /// Like [`spawn_bot`], with extra settings such as
    /// `("SECONDHEART__SCHEDULER__SNOOZE_SECONDS", "2")`.
    pub async fn spawn_bot_configured(env: &[(&str, &str)]) -> Bot {
        spawn_configured(|_, _| {}, env).await
    }

    async fn spawn_configured(
        prepare: impl FnOnce(&FakeDiscord, u64),
        env: &[(&str, &str)],
    ) -> Bot {
        let bot = launch_configured(prepare, env).await;
        bot.discord
            .wait_for_commands(Duration::from_secs(60))
            .await
            .unwrap_or_else(|| panic!("the bot registered no commands; its log:\n{}", bot.log()));
        bot.wait_connected().await;
        bot
    }

    /// Starts the fake and the bot process, without waiting for anything.
    pub async fn launch_bot(prepare: impl FnOnce(&FakeDiscord, u64)) -> Bot {
        launch_configured(prepare, &[]).await
    }

    /// [`launch_bot`] with extra settings.
    pub async fn launch_bot_configured(
        prepare: impl FnOnce(&FakeDiscord, u64),
        env: &[(&str, &str)],
    ) -> Bot {
        launch_configured(prepare, env).await
    }

    async fn launch_configured(
        prepare: impl FnOnce(&FakeDiscord, u64),
        env: &[(&str, &str)],
    ) -> Bot {
        let discord = FakeDiscord::start(TOKEN)
            .await
            .expect("start the fake Discord");
        // These tests restart a one-process bot within seconds of its
        // IDENTIFY; Discord's spacing of IDENTIFYs is the shard tests'.
        discord.enforce_identify_spacing(false);
        let guild = discord.create_guild("Desk Movers");
        let channel = discord.create_channel(guild, "movement");
        let member = discord.add_member(guild, "Ada", &[]);
        prepare(&discord, guild);
        let dir = tempfile::tempdir().expect("temp dir");
        let database = match super::backend() {
            super::Backend::Sqlite => None,
            super::Backend::Postgres => Some(
                super::postgres::server()
                    .expect("a PostgreSQL test server")
                    .database(),
            ),
        };
        let mut bot = Bot {
            discord,
            guild,
            channel,
            member,
            dir,
            child: None,
            second: None,
            database,
            killed_session: None,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        bot.start();
        bot
    }

    impl Bot {
        /// Starts (or restarts) the bot process on the same database.
        pub fn start(&mut self) {
            self.start_with_log_level("info,secondheart=debug");
        }

        /// Stops the bot and starts it again logging at `level`.
        pub fn restart_with_log_level(&mut self, level: &str) {
            self.kill();
            self.start_with_log_level(level);
        }

        fn start_with_log_level(&mut self, level: &str) {
            let child = self.spawn_process(level, &self.log_path());
            self.child = Some(child);
        }

        /// Starts a second bot process on the same database and fake
        /// Discord, as during an overlapping deployment.
        pub fn start_second(&mut self) {
            let child =
                self.spawn_process("info,secondheart=debug", &self.dir.path().join("bot2.log"));
            self.second = Some(child);
        }

        /// What the second process logged.
        pub fn second_log(&self) -> String {
            std::fs::read_to_string(self.dir.path().join("bot2.log")).unwrap_or_default()
        }

        fn spawn_process(&self, level: &str, log: &Path) -> Child {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .expect("log file");
            Command::new(env!("CARGO_BIN_EXE_secondheart"))
                .arg("run")
                .current_dir(self.dir.path())
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("DISCORD_TOKEN", TOKEN)
                .env("SECONDHEART__DISCORD__API_URL", self.discord.api_url())
                .env("SECONDHEART__DATABASE__URL", self.database_url())
                .env("SECONDHEART__LOG__LEVEL", level)
                .envs(self.env.iter().map(|(k, v)| (k, v)))
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start secondheart")
        }

        /// Adds a member with Manage Server: a moderator.
        pub fn add_moderator(&self, name: &str) -> u64 {
            let admins = self.discord.create_role(
                self.guild,
                &format!("{name}'s admins"),
                fake_discord::permissions::MANAGE_GUILD,
                false,
            );
            self.discord.add_member(self.guild, name, &[admins])
        }

        pub fn database_url(&self) -> String {
            match &self.database {
                Some(database) => database.url.clone(),
                None => format!("sqlite://{}", self.dir.path().join("bot.db").display()),
            }
        }

        fn log_path(&self) -> PathBuf {
            self.dir.path().join("bot.log")
        }

        /// Everything the bot logged so far.
        pub fn log(&self) -> String {
            std::fs::read_to_string(self.log_path()).unwrap_or_default()
        }

        pub async fn wait_connected(&self) {
            for _ in 0..600 {
                let session = self.discord.current_session();
                if self.discord.connected() && session != self.killed_session {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("the bot did not connect; its log:\n{}", self.log());
        }

        /// Stops the bot process and starts it again on the same database
        /// and fake Discord.
        pub fn restart(&mut self) {
            self.kill();
            self.start();
        }

        /// Waits for the process to end by itself; its exit success.
        pub async fn wait_exit(&mut self, timeout: Duration) -> Option<bool> {
            let deadline = std::time::Instant::now() + timeout;
            while std::time::Instant::now() < deadline {
                if let Some(status) = self.child.as_mut()?.try_wait().expect("wait for the bot") {
                    self.child = None;
                    return Some(status.success());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            None
        }

        /// A second store on the bot's database, to look at what it wrote.
        pub async fn store(&self) -> Store {
            Store::open(&StoreOptions::new(self.database_url()))
                .await
                .expect("open the bot's database")
        }

        /// Sends `/name` as `user` in the bot's channel, with options checked
        /// as Discord's client would, and waits for the reply.
        pub async fn ask(
            &self,
            user: u64,
            name: &str,
            options: &[(&str, serde_json::Value)],
        ) -> InteractionReply {
            let id = self
                .discord
                .send_command(self.guild, self.channel, user, name, options)
                .unwrap_or_else(|e| panic!("/{name}: {e}"));
            self.reply_to(id, name).await
        }

        /// The value Discord's client sends when a member picks the choice
        /// named `choice` of `option` of `/command` (such as "settings
        /// week-start"), as registered.
        pub async fn choice(&self, command: &str, option: &str, choice: &str) -> serde_json::Value {
            let commands = self
                .discord
                .wait_for_commands(Duration::from_secs(20))
                .await
                .expect("registered commands");
            let mut path = command.split(' ');
            let top = path.next().unwrap_or_default();
            let mut options = &commands
                .iter()
                .find(|c| c["name"] == top)
                .unwrap_or_else(|| panic!("no command /{top}"))["options"];
            for sub in path {
                options = &options
                    .as_array()
                    .and_then(|o| o.iter().find(|o| o["name"] == sub))
                    .unwrap_or_else(|| panic!("/{command} is not registered"))["options"];
            }
            options
                .as_array()
                .and_then(|o| o.iter().find(|o| o["name"] == option))
                .and_then(|o| o["choices"].as_array())
                .and_then(|c| c.iter().find(|c| c["name"] == choice))
                .unwrap_or_else(|| panic!("/{command} {option} has no choice `{choice}`"))["value"]
                .clone()
        }

        /// Like [`ask`](Self::ask), without the client's checks: what a
        /// modified client could send.
        pub async fn ask_unchecked(
            &self,
            user: u64,
            name: &str,
            options: &[(&str, serde_json::Value)],
        ) -> InteractionReply {
            let id = self
                .discord
                .send_command_unchecked(self.guild, self.channel, user, name, options)
                .unwrap_or_else(|e| panic!("/{name}: {e}"));
            self.reply_to(id, name).await
        }

        async fn reply_to(&self, interaction: u64, name: &str) -> InteractionReply {
            self.discord
                .reply(interaction, Duration::from_secs(20))
                .await
                .unwrap_or_else(|| panic!("no reply to /{name}; log:\n{}", self.log()))
        }

        /// Stops the bot and asserts that every request it sent matched
        /// Discord's description.
        pub fn finish(mut self) {
            self.kill();
            let violations = self.discord.violations();
            assert!(
                violations.is_empty(),
                "requests broke Discord's description:\n{}",
                violations.join("\n")
            );
        }

        /// Stops the second process only, with SIGKILL.
        pub fn kill_second(&mut self) {
            if let Some(mut child) = self.second.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }

        /// Asks the bot process to stop, with SIGTERM (as `docker stop`
        /// does); [`wait_exit`](Self::wait_exit) sees it end.
        pub fn terminate(&self) {
            let child = self.child.as_ref().expect("the bot runs");
            let sent = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .expect("run kill");
            assert!(sent.success(), "kill -TERM failed");
        }

        /// Stops the bot process at once, with SIGKILL: no shutdown code runs.
        pub fn kill(&mut self) {
            if self.child.is_some() {
                self.killed_session = self.discord.current_session();
            }
            for child in [self.child.take(), self.second.take()]
                .into_iter()
                .flatten()
            {
                let mut child = child;
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    impl Drop for Bot {
        fn drop(&mut self) {
            self.kill();
        }
    }
}
