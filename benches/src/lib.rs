//! Shared helpers for the measurement programs in `src/bin/`.

use std::time::Duration;

/// The median of some durations.
pub fn median(mut samples: Vec<Duration>) -> Duration {
    assert!(!samples.is_empty(), "no samples");
    samples.sort();
    samples[samples.len() / 2]
}

/// A process's CPU time and memory, from Linux's `/proc`.
pub mod proc_stats {
    /// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`),
    /// 100 on every Linux this runs on.
    const TICKS_PER_SECOND: f64 = 100.0;

    /// User and system CPU time the process has used, in seconds; 0 once
    /// it is gone.
    pub fn cpu_seconds(pid: u32) -> f64 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return 0.0;
        };
        // After the command name in parentheses: state is field 3, utime 14
        // and stime 15.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return 0.0;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        (ticks(11) + ticks(12)) as f64 / TICKS_PER_SECOND
    }

    /// The process's resident set size now, in KiB; 0 once it is gone.
    pub fn rss_kib(pid: u32) -> u64 {
        status_field(pid, "VmRSS")
    }

    /// A number of the process's `/proc/<pid>/status`, e.g. `RssAnon`
    /// (heap and stacks, KiB), `RssFile` (the mapped binary and libraries,
    /// KiB) or `Threads`; 0 once it is gone.
    pub fn status_field(pid: u32, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }
}

/// The real bot (or the trivial one) as a child process, for the programs
/// that measure it from outside.
pub mod bot_process {
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    /// A free loopback address, for the bot's `/metrics`.
    pub fn free_address() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("address").to_string()
    }

    /// Starts `binary run` in `dir` with the shipped defaults but for the
    /// fake at `api_url`, the database, the metrics address and warnings
    /// only (logged to `dir/bot.log`); pinned to `cpus` with taskset when
    /// given.
    pub fn spawn(
        binary: &Path,
        cpus: Option<&str>,
        dir: &Path,
        token: &str,
        api_url: &str,
        database_url: &str,
        metrics: &str,
    ) -> Child {
        spawn_with(
            binary,
            cpus,
            dir,
            token,
            api_url,
            database_url,
            metrics,
            &[],
        )
    }

    /// [`spawn`] with extra settings, such as a shard range.
    #[allow(clippy::too_many_arguments)]
    pub fn spawn_with(
        binary: &Path,
        cpus: Option<&str>,
        dir: &Path,
        token: &str,
        api_url: &str,
        database_url: &str,
        metrics: &str,
        env: &[(&str, &str)],
    ) -> Child {
        let log = std::fs::File::create(dir.join("bot.log")).expect("log file");
        let mut command = match cpus {
            Some(cpus) => {
                let mut c = Command::new("taskset");
                c.args(["-c", cpus]).arg(binary);
                c
            }
            None => Command::new(binary),
        };
        command
            .arg("run")
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DISCORD_TOKEN", token)
            .env("SECONDHEART__DISCORD__API_URL", api_url)
            .env("SECONDHEART__DATABASE__URL", database_url)
            .env("SECONDHEART__HTTP__LISTEN", metrics)
            .env("SECONDHEART__LOG__LEVEL", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the bot")
    }

    /// Waits until `ready` holds, looking every `every`; panics after
    /// `limit`.
    pub async fn wait_until(
        what: &str,
        limit: Duration,
        every: Duration,
        mut ready: impl FnMut() -> bool,
    ) {
        let deadline = Instant::now() + limit;
        while !ready() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(every).await;
        }
    }
}
