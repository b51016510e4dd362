//! A member's own settings: time zone for streak days, leaderboard privacy.

use chrono_tz::Tz;

use crate::domain::zone::parse_zone;
use crate::domain::{GuildId, UserId};

use super::{App, AppError, UserError};

impl App {
    /// Sets the member's own zone; `None` goes back to the server's.
    pub async fn set_member_zone(
        &self,
        guild: GuildId,
        user: UserId,
        zone: Option<&str>,
    ) -> Result<Option<Tz>, AppError> {
        let zone = match zone.map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(parse_zone(name).map_err(UserError::from)?),
        };
        self.store
            .set_member_timezone(guild, user, zone, self.clock.now())
            .await?;
        Ok(zone)
    }

    /// Opts the member out of (or back into) every leaderboard of the server.
    pub async fn set_leaderboard_privacy(
        &self,
        guild: GuildId,
        user: UserId,
        opt_out: bool,
    ) -> Result<(), AppError> {
        self.store
            .set_leaderboard_opt_out(guild, user, opt_out, self.clock.now())
            .await?;
        Ok(())
    }
}
