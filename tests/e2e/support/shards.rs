//! A bot run as several processes, each on a range of its Discord shards:
//! real `secondheart` binaries that share nothing but the database and the
//! fake Discord, which has one server (with a channel, a member and a
//! moderator) on each shard.
//!
//! The database is one parameter ([`Fleet::start`]): a SQLite file by
//! default ([`Fleet::on_sqlite`]); another backend's URL runs the same tests
//! on it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fake_discord::{FakeDiscord, InteractionReply};
use secondheart::store::{Store, StoreOptions};
use serde_json::Value;

use super::bot::TOKEN;

/// One server of the fleet's bot, on `shard`.
#[derive(Debug, Clone, Copy)]
pub struct Server {
    pub shard: u32,
    pub guild: u64,
    pub channel: u64,
    pub member: u64,
    pub moderator: u64,
}

/// The fake Discord, the servers and the bot's processes by name.
pub struct Fleet {
    pub discord: FakeDiscord,
    pub servers: Vec<Server>,
    pub database_url: String,
    /// Extra `SECONDHEART__*` settings every process gets.
    env: Vec<(String, String)>,
    processes: BTreeMap<String, Child>,
    dir: tempfile::TempDir,
    /// The fleet's PostgreSQL database, on that backend.
    _database: Option<super::postgres::TestDatabase>,
}

impl Fleet {
    /// [`start`](Self::start) on the test's backend (see
    /// [`super::on_postgres`]): a SQLite file of the fleet's own, or a
    /// fresh PostgreSQL database.
    pub async fn on_test_backend(total: u32, max_concurrency: u32, env: &[(&str, &str)]) -> Self {
        match super::backend() {
            super::Backend::Sqlite => {
                Self::start(total, max_concurrency, env, |dir| {
                    format!("sqlite://{}", dir.join("bot.db").display())
                })
                .await
            }
            super::Backend::Postgres => {
                let database = super::postgres::server()
                    .expect("a PostgreSQL test server")
                    .database();
                let url = database.url.clone();
                let mut fleet = Self::start(total, max_concurrency, env, |_| url).await;
                fleet._database = Some(database);
                fleet
            }
        }
    }

    /// A fake Discord recommending `total` shards and starting
    /// `max_concurrency` sessions per 5 seconds, with a server on each
    /// shard; the database at the URL `database` makes of the fleet's
    /// folder. No process runs yet.
    pub async fn start(
        total: u32,
        max_concurrency: u32,
        env: &[(&str, &str)],
        database: impl FnOnce(&Path) -> String,
    ) -> Self {
        let discord = FakeDiscord::start(TOKEN)
            .await
            .expect("start the fake Discord");
        discord.set_gateway_limits(total, max_concurrency);
        let servers = (0..total)
            .map(|shard| {
                let guild = discord.create_guild_on_shard(&format!("Shard {shard}"), shard, total);
                let admins = discord.create_role(
                    guild,
                    "Admins",
                    fake_discord::permissions::MANAGE_GUILD,
                    false,
                );
                Server {
                    shard,
                    guild,
                    channel: discord.create_channel(guild, "movement"),
                    member: discord.add_member(guild, "Ada", &[]),
                    moderator: discord.add_member(guild, "Mo", &[admins]),
                }
            })
            .collect();
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = database(dir.path());
        // Migrated once before any process starts, as a deployment's
        // database is: two processes migrating a new SQLite file at the
        // same instant would race.
        let migrated = Command::new(env!("CARGO_BIN_EXE_secondheart"))
            .arg("migrate")
            .current_dir(dir.path())
            .env_clear()
            .env("SECONDHEART__DATABASE__URL", &database_url)
            .output()
            .expect("run secondheart migrate");
        assert!(
            migrated.status.success(),
            "secondheart migrate: {}",
            String::from_utf8_lossy(&migrated.stderr)
        );
        Self {
            database_url,
            discord,
            servers,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            processes: BTreeMap::new(),
            dir,
            _database: None,
        }
    }

    /// Starts a process named `name` running `shards` (such as `0-1/2`).
    pub fn run(&mut self, name: &str, shards: &str) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path(name))
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_secondheart"))
            .arg("run")
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DISCORD_TOKEN", TOKEN)
            .env("SECONDHEART__DISCORD__API_URL", self.discord.api_url())
            .env("SECONDHEART__DISCORD__SHARDS", shards)
            .env("SECONDHEART__DATABASE__URL", &self.database_url)
            .env("SECONDHEART__LOG__LEVEL", "info,secondheart=debug")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start secondheart");
        assert!(
            self.processes.insert(name.to_owned(), child).is_none(),
            "{name} runs already"
        );
    }

    /// Stops the process at once, with SIGKILL: no shutdown code runs.
    pub fn kill(&mut self, name: &str) {
        let mut child = self.processes.remove(name).expect("the process runs");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// The scheduler's claim owner of the process: `pid-…`.
    pub fn owner_prefix(&self, name: &str) -> String {
        format!("{}-", self.processes[name].id())
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.log"))
    }

    /// What the process logged.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.log_path(name)).unwrap_or_default()
    }

    /// Every process's log, for a failure's message.
    pub fn logs(&self) -> String {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "log"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                format!(
                    "--- {}:\n{}",
                    p.display(),
                    std::fs::read_to_string(p).unwrap_or_default()
                )
            })
            .collect()
    }

    /// Waits until a session of every shard is connected.
    pub async fn wait_connected(&self, timeout: Duration) {
        let shards: Vec<u32> = self.servers.iter().map(|s| s.shard).collect();
        let deadline = std::time::Instant::now() + timeout;
        while !shards
            .iter()
            .all(|s| self.discord.shard_session(*s).is_some())
        {
            assert!(
                std::time::Instant::now() < deadline,
                "not every shard connected in {timeout:?}; logs:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends `/name` as `user` in the server's channel and waits for the
    /// reply.
    pub async fn ask(
        &self,
        server: &Server,
        user: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> InteractionReply {
        let id = self
            .discord
            .send_command(server.guild, server.channel, user, name, options)
            .unwrap_or_else(|e| panic!("/{name}: {e}"));
        self.discord
            .reply(id, Duration::from_secs(20))
            .await
            .unwrap_or_else(|| panic!("no reply to /{name}; logs:\n{}", self.logs()))
    }

    /// A store on the fleet's database, to look at what the processes wrote.
    pub async fn store(&self) -> Store {
        Store::open(&StoreOptions::new(self.database_url.clone()))
            .await
            .expect("open the fleet's database")
    }

    /// Stops every process, and asserts that every request matched
    /// Discord's description.
    pub fn finish(mut self) {
        let names: Vec<String> = self.processes.keys().cloned().collect();
        for name in names {
            self.kill(&name);
        }
        let violations = self.discord.violations();
        assert!(
            violations.is_empty(),
            "requests broke Discord's description:\n{}",
            violations.join("\n")
        );
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for child in self.processes.values_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
