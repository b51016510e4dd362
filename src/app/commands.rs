//! What the bot last registered with Discord, per application, so an
//! unchanged command set is not registered again.

use super::{App, AppError};

impl App {
    /// The command definitions last registered for this application.
    pub async fn registered_commands(&self, application: u64) -> Result<Option<String>, AppError> {
        Ok(self.store.bot_state(&key(application)).await?)
    }

    /// Notes the definitions just registered for this application.
    pub async fn note_registered_commands(
        &self,
        application: u64,
        definitions: String,
    ) -> Result<(), AppError> {
        self.store
            .set_bot_state(&key(application), definitions, self.clock.now())
            .await?;
        Ok(())
    }
}

fn key(application: u64) -> String {
    format!("registered_commands:{application}")
}
