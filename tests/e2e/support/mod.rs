//! Shared helpers for the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, Utc};
use secondheart::domain::checkin::{NewCheckIn, Source};
use secondheart::domain::exercise::ExerciseKey;
use secondheart::domain::{GuildId, InteractionId, UserId};
use tempfile::TempDir;

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
