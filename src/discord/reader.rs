//! The gateway's own thread: serenity's client is built and run on a
//! runtime of its own, so its shard runners read, parse and pass events
//! through the intake's gate there, apart from the handlers.
//!
//! serenity starts a task for every event it reads, before anything of the
//! bot sees it, and its shard runner reads on for as long as the socket
//! has data. On the handlers' runtime an overloaded bot therefore read and
//! held events faster than it could even turn them away: a task holding
//! each parsed interaction, hundreds of megabytes at three times its
//! capacity. Here those tasks only pass the gate, cheaply, and whatever the
//! bot cannot take waits in the socket, where TCP slows the sender down.
//!
//! Everything serenity spawns lives on this runtime: the shard queuer and
//! runners are spawned when the client is built, which is why it is built
//! here and not handed over.

use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use poise::serenity_prelude as serenity;
use tokio::sync::oneshot;

/// Which shards the client starts with.
#[derive(Debug, Clone, Copy)]
pub(super) enum Start {
    /// As many as Discord recommends, all of them (serenity spaces them).
    Auto,
    /// Shard `first` of `total` alone; the process boots the rest of its
    /// range through the shard manager (see `shards`).
    First { first: u32, total: u32 },
}

/// The gateway's thread, holding a client built and ready to start.
/// Dropping it ends the thread (and closes the gateway) whether or not it
/// was started.
pub(super) struct Reader {
    start: oneshot::Sender<()>,
    /// The outcome of `Client::start`, once it returns; `None` when the
    /// reader was dropped while it ran.
    ended: oneshot::Receiver<Option<serenity::Result<()>>>,
    /// Dropped with the reader: the thread then stops the client.
    _cancel: oneshot::Sender<()>,
}

impl Reader {
    /// Builds the client from `builder` on a new thread and returns once it
    /// is built, with its shard manager.
    pub(super) async fn build(
        builder: serenity::ClientBuilder,
        shards: Start,
    ) -> anyhow::Result<(Self, Arc<serenity::ShardManager>)> {
        let (built_tx, built) = oneshot::channel();
        let (start, started) = oneshot::channel::<()>();
        let (ended_tx, ended) = oneshot::channel();
        let (cancel, cancelled) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("gateway".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ =
                            built_tx.send(Err(anyhow!(error).context("cannot start its runtime")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let mut client = match builder.await {
                        Ok(client) => client,
                        Err(error) => {
                            let _ = built_tx.send(Err(anyhow!(error)));
                            return;
                        }
                    };
                    if built_tx
                        .send(Ok(Arc::clone(&client.shard_manager)))
                        .is_err()
                        || started.await.is_err()
                    {
                        return;
                    }
                    let start = async {
                        match shards {
                            Start::Auto => client.start_autosharded().await,
                            // serenity's range is inclusive of its end.
                            Start::First { first, total } => {
                                client.start_shard_range(first..first, total).await
                            }
                        }
                    };
                    let outcome = tokio::select! {
                        result = start => Some(result),
                        _ = cancelled => None,
                    };
                    let _ = ended_tx.send(outcome);
                });
            })
            .context("cannot start the gateway's thread")?;
        let shard_manager = built
            .await
            .map_err(|_| anyhow!("the gateway's thread ended without a word (a panic: see above)"))
            .and_then(|built| built)
            .context("cannot start the Discord client")?;
        let reader = Self {
            start,
            ended,
            _cancel: cancel,
        };
        Ok((reader, shard_manager))
    }

    /// Starts the client and returns once it has stopped for good.
    pub(super) async fn run(self) -> anyhow::Result<serenity::Result<()>> {
        let Reader {
            start,
            ended,
            _cancel,
        } = self;
        start
            .send(())
            .map_err(|()| anyhow!("the gateway's thread ended before it started"))?;
        match ended.await {
            Ok(Some(result)) => Ok(result),
            // Sent only once the cancel sender, held right here, is gone.
            Ok(None) => Ok(Ok(())),
            Err(_) => Err(anyhow!(
                "the gateway's thread ended without a word (a panic: see above)"
            )),
        }
    }
}
