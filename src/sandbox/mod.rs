//! `secondheart sandbox`: the real bot against the fake Discord (the
//! `fake-discord` crate) in one process, with a small scripted team, printing
//! the channel. Built with the `sandbox` cargo feature (on by default); a
//! build without it (the release image) answers the command with one line and
//! a failure exit.
//!
//! `cli` calls in here with the parsed arguments; nothing here calls `cli`.

#[cfg(feature = "sandbox")]
mod run;
#[cfg(feature = "sandbox")]
mod team;
#[cfg(feature = "sandbox")]
mod transcript;

#[cfg(feature = "sandbox")]
pub use run::run;

/// Without the fake Discord compiled in there is nothing to run.
#[cfg(not(feature = "sandbox"))]
pub async fn run(_loaded: crate::config::Loaded, _args: &SandboxArgs) -> anyhow::Result<()> {
    anyhow::bail!(
        "this build has no sandbox: it was built without the `sandbox` cargo feature (on by default)"
    )
}

/// The `sandbox` command's arguments.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// How long to run before the closing leaderboard, in seconds.
    #[arg(long, default_value_t = 45, value_parser = clap::value_parser!(u64).range(10..=3600))]
    pub seconds: u64,
    /// Seconds between prompts.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=59))]
    pub every: u32,
    /// Also write the closing `/leaderboard` picture and Ada's `/stats`
    /// chart into this folder, as leaderboard.png and stats.png (the
    /// README's pictures come from here).
    #[arg(long, value_name = "FOLDER")]
    pub pictures: Option<std::path::PathBuf>,
}
