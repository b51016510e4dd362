//! Keeping a prompt's done count current without an edit per click: clicks
//! ask for an update, and each prompt gets at most one edit per interval,
//! showing the count at the time of the edit.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::notifier::DiscordNotifier;
use crate::app::App;
use crate::domain::{GuildId, OccurrenceId};
use crate::scheduler::PostError;

/// The shortest time between two edits of one prompt.
pub const EDIT_INTERVAL: Duration = Duration::from_secs(3);

type Key = (GuildId, OccurrenceId);

/// Coalesces updates of prompts.
pub struct PromptUpdates {
    app: Arc<App>,
    notifier: Arc<DiscordNotifier>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Prompts with an edit coming.
    pending: HashSet<Key>,
    last_edit: HashMap<Key, Instant>,
    /// Prompts deleted in the channel: never edited again.
    gone: HashSet<Key>,
}

impl PromptUpdates {
    pub fn new(app: Arc<App>, notifier: Arc<DiscordNotifier>) -> Arc<Self> {
        Arc::new(Self {
            app,
            notifier,
            state: Mutex::default(),
        })
    }

    /// Asks for the prompt's count to be brought up to date. Returns at
    /// once; the edit follows within [`EDIT_INTERVAL`].
    pub fn request(self: &Arc<Self>, guild: GuildId, occurrence: OccurrenceId) {
        let key = (guild, occurrence);
        let start_at = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if state.gone.contains(&key) || !state.pending.insert(key) {
                // Deleted, or an edit is already coming and will count this.
                return;
            }
            let now = Instant::now();
            state.last_edit.retain(|_, at| now - *at < EDIT_INTERVAL);
            state
                .last_edit
                .get(&key)
                .map_or(now, |at| *at + EDIT_INTERVAL)
        };
        let updates = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep_until(start_at).await;
            {
                let mut state = updates.state.lock().unwrap_or_else(PoisonError::into_inner);
                // Clicks from here on ask for a later edit.
                state.pending.remove(&key);
                state.last_edit.insert(key, Instant::now());
            }
            updates.edit(key).await;
        });
    }

    async fn edit(&self, (guild, occurrence): Key) {
        let prompt = match self.app.posted_prompt(guild, occurrence).await {
            Ok(Some(prompt)) => prompt,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, %occurrence, "cannot read a prompt to update it");
                return;
            }
        };
        let (message, prompt) = prompt;
        match self.notifier.edit_prompt(message, &prompt).await {
            Ok(()) => {
                tracing::debug!(%occurrence, done = prompt.done_count, "prompt updated")
            }
            Err(PostError::MessageGone) => {
                tracing::info!(%occurrence, "the prompt was deleted; it is no longer updated");
                self.state
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .gone
                    .insert((guild, occurrence));
            }
            Err(error) => tracing::warn!(%error, %occurrence, "cannot update a prompt"),
        }
    }
}
