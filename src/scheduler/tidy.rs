//! Retention: once an hour, old rows and the data of servers the bot left
//! longer ago than the grace period are deleted (see [`App::tidy`]).

use std::sync::Arc;

use chrono::Duration;

use crate::app::App;

/// How often retention runs.
pub const TIDY_EVERY: Duration = Duration::hours(1);

/// Runs [`App::tidy`] now and then every [`TIDY_EVERY`], on the app's
/// clock (virtual in tests), until the task is dropped.
pub async fn tidy_hourly(app: Arc<App>) {
    loop {
        match app.tidy().await {
            Ok(tidied) if tidied != Default::default() => {
                tracing::info!(
                    checkins = tidied.checkins,
                    prompts = tidied.prompts,
                    departed_servers = tidied.departed_servers,
                    "retention deleted old data"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(error = %error, "retention failed; trying again later"),
        }
        let next = app.clock.now() + TIDY_EVERY;
        app.clock.sleep_until(next).await;
    }
}
