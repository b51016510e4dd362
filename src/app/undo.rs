//! `/undo`: taking back one's latest check-in, while it is recent.

use chrono::Duration;

use crate::domain::checkin::CheckIn;
use crate::domain::{GuildId, UserId};

use super::{App, AppError, UserError};

/// How long a check-in can be taken back.
pub fn undo_window() -> Duration {
    Duration::hours(1)
}

impl App {
    /// Removes the member's latest check-in in the server if it is less than
    /// an hour old, and returns it.
    pub async fn undo_latest(&self, guild: GuildId, user: UserId) -> Result<CheckIn, AppError> {
        let latest = self
            .store
            .latest_checkin(guild, user)
            .await?
            .ok_or(UserError::NothingToUndo)?;
        let age = self.clock.now() - latest.at;
        if age >= undo_window() {
            return Err(UserError::TooOldToUndo {
                minutes: age.num_minutes(),
            }
            .into());
        }
        if !self.store.delete_checkin(guild, user, latest.id).await? {
            // Removed meanwhile, by a second /undo.
            return Err(UserError::NothingToUndo.into());
        }
        Ok(latest)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::app::test_support::{app_at, checkin_request};

    #[tokio::test]
    async fn the_latest_recent_check_in_is_removed() {
        let (app, clock, _dir) = app_at(Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap()).await;
        assert_eq!(
            app.undo_latest(GuildId(1), UserId(7))
                .await
                .unwrap_err()
                .to_string(),
            "You have no check-in here to undo."
        );
        app.record_checkin(checkin_request(1, 7, "walk", 10))
            .await
            .unwrap();
        clock.advance(Duration::minutes(5));
        app.record_checkin(checkin_request(2, 7, "water", 1))
            .await
            .unwrap();
        let removed = app.undo_latest(GuildId(1), UserId(7)).await.unwrap();
        assert_eq!(removed.exercise.as_str(), "water");
        // Another server's or member's check-ins are not touched.
        assert!(app.undo_latest(GuildId(2), UserId(7)).await.is_err());
        assert!(app.undo_latest(GuildId(1), UserId(8)).await.is_err());
        // Fifty-five minutes later the walk is exactly an hour old: refused.
        clock.advance(Duration::minutes(55));
        let err = app
            .undo_latest(GuildId(1), UserId(7))
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "Your latest check-in is 60 minutes old; /undo works for an hour after a check-in."
        );
        assert!(app
            .store
            .latest_checkin(GuildId(1), UserId(7))
            .await
            .unwrap()
            .is_some());
    }
}
