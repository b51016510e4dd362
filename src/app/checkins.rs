//! Recording a check-in: `/checkin`, and later "Done" buttons.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::checkin::{CheckIn, NewCheckIn, Recorded, Source};
use crate::domain::exercise::Exercise;
use crate::domain::member::MemberPrefs;
use crate::domain::server::ServerSettings;
use crate::domain::streak::local_date;
use crate::domain::{GuildId, InteractionId, UserId};

use super::goals::{Celebration, Standing};
use super::{App, AppError, UserError};

/// The longest note a check-in keeps, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

/// A member's check-in, as asked for.
#[derive(Debug, Clone)]
pub struct CheckInRequest {
    pub interaction: InteractionId,
    pub guild: GuildId,
    pub user: UserId,
    /// The name the member goes by, remembered for leaderboards.
    pub display_name: String,
    pub exercise: String,
    pub amount: i64,
    pub note: Option<String>,
    pub source: Source,
}

/// What was recorded.
#[derive(Debug, Clone)]
pub struct CheckInReceipt {
    pub checkin: CheckIn,
    pub exercise: Exercise,
    /// The member's total of this exercise on the check-in's local date.
    pub day_amount: i64,
    /// This interaction had been recorded before; nothing new was stored.
    pub duplicate: bool,
    /// How much of this check-in was past the exercise's daily cap: logged,
    /// but earning no points.
    pub past_cap: u32,
    /// Streak, freezes and goal progress with this check-in.
    pub standing: Standing,
    /// What this check-in set off (nothing for a duplicate).
    pub celebration: Celebration,
}

/// What a receipt is made of besides the check-in: the server's settings,
/// the member's preferences, and their total of the exercise that day.
pub(super) struct Known {
    settings: ServerSettings,
    prefs: MemberPrefs,
    day_amount: i64,
}

impl App {
    /// Validates and stores a check-in. Recording the same interaction twice
    /// stores it once.
    pub async fn record_checkin(
        &self,
        request: CheckInRequest,
    ) -> Result<CheckInReceipt, AppError> {
        self.record_checkin_by(request, None).await
    }

    /// [`record_checkin`](Self::record_checkin), logged by `recorded_by` (a
    /// moderator) when given.
    pub(super) async fn record_checkin_by(
        &self,
        request: CheckInRequest,
        recorded_by: Option<UserId>,
    ) -> Result<CheckInReceipt, AppError> {
        let exercise = self.catalog_exercise(&request.exercise)?.clone();
        let now = self.clock.now();
        let default_zone = self.default_zone;
        let CheckInRequest {
            interaction,
            guild,
            user,
            display_name,
            amount,
            note,
            source,
            ..
        } = request;
        let checked = exercise.clone();
        let capped = exercise.clone();
        // One trip to the writer: what the check-in needs of the server and
        // the member is read in the transaction that stores it, and the
        // daily cap is judged against the day's amount in that transaction
        // too, so two check-ins at once cannot both earn past it.
        let written = self
            .store
            .record_checkin_with(
                guild,
                user,
                display_name,
                now,
                move |settings, prefs| {
                    let exercise = checked;
                    if settings.disabled_exercises.contains(&exercise.key) {
                        return Err(UserError::ExerciseOff {
                            name: exercise.name,
                        });
                    }
                    let amount = exercise.check_amount(amount).map_err(UserError::from)?;
                    let note = match note.as_deref().map(str::trim) {
                        None | Some("") => None,
                        Some(note) => {
                            let length = note.chars().count();
                            if length > MAX_NOTE_CHARS {
                                return Err(UserError::NoteTooLong {
                                    length,
                                    max: MAX_NOTE_CHARS,
                                });
                            }
                            Some(note.to_owned())
                        }
                    };
                    let server_zone = settings.timezone.unwrap_or(default_zone);
                    Ok(NewCheckIn {
                        interaction,
                        guild,
                        user,
                        exercise: exercise.key.clone(),
                        amount,
                        points: exercise.points_for(amount),
                        at: now,
                        local_date: local_date(now, prefs.timezone, server_zone),
                        source,
                        occurrence: None,
                        recorded_by,
                        note,
                    })
                },
                // Fair play: past the daily cap a check-in is logged for
                // nothing.
                move |mut new, day_before| {
                    new.points = capped.capped_points(day_before, new.amount).0;
                    new
                },
            )
            .await??;
        let duplicate = matches!(written.recorded, Recorded::Duplicate(_));
        let known = Known {
            settings: written.settings,
            prefs: written.prefs,
            day_amount: written.day_total,
        };
        self.receipt(
            written.recorded.checkin().clone(),
            exercise,
            duplicate,
            known,
        )
        .await
    }

    /// The member's calendar date at `now` (their zone, else the server's),
    /// remembering the name they go by for leaderboards.
    pub(super) async fn member_date(
        &self,
        settings: &ServerSettings,
        user: UserId,
        display_name: &str,
        now: DateTime<Utc>,
    ) -> Result<NaiveDate, AppError> {
        let prefs = self.store.member_prefs(settings.guild, user).await?;
        let server_zone = settings.timezone.unwrap_or(self.default_zone);
        if prefs.display_name.as_deref() != Some(display_name) {
            self.store
                .remember_display_name(settings.guild, user, display_name.to_owned(), now)
                .await?;
        }
        Ok(local_date(now, prefs.timezone, server_zone))
    }

    /// What a check-in's receipt needs that its writer already read: the
    /// check-in path is the bot's busiest, and each read is a trip to a
    /// database thread and back.
    pub(super) async fn known_for_receipt(&self, checkin: &CheckIn) -> Result<Known, AppError> {
        Ok(Known {
            settings: self.store.server_settings(checkin.guild).await?,
            prefs: self.store.member_prefs(checkin.guild, checkin.user).await?,
            day_amount: self
                .store
                .day_amount(
                    checkin.guild,
                    checkin.user,
                    &checkin.exercise,
                    checkin.local_date,
                )
                .await?,
        })
    }

    /// The receipt of a stored check-in, with the member's day total, their
    /// standing, and (for a new one) what it set off.
    pub(super) async fn receipt(
        &self,
        checkin: CheckIn,
        exercise: Exercise,
        duplicate: bool,
        known: Known,
    ) -> Result<CheckInReceipt, AppError> {
        let Known {
            settings,
            prefs,
            day_amount,
        } = known;
        let day_before = day_amount - i64::from(checkin.amount);
        let (_, past_cap) = exercise.capped_points(day_before, checkin.amount);
        // One read for the standing: each is a trip to a database thread.
        let history = self
            .store
            .member_history(checkin.guild, checkin.user)
            .await?;
        let standing = self.standing(&settings, &prefs, &history, self.clock.now());
        let celebration = if duplicate {
            Celebration::default()
        } else {
            self.celebrate(&settings, &prefs, &checkin, &standing)
                .await?
        };
        Ok(CheckInReceipt {
            checkin,
            exercise,
            day_amount,
            duplicate,
            past_cap,
            standing,
            celebration,
        })
    }

    /// Takes back a check-in whose confirmation never reached the member
    /// (they saw a failure and will try again).
    pub async fn withdraw_checkin(&self, checkin: &CheckIn) -> Result<(), AppError> {
        self.store
            .delete_checkin(checkin.guild, checkin.user, checkin.id)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use crate::app::test_support::{app_at, checkin_request};
    use crate::domain::goals::{MemberGoals, TargetChange};
    use crate::domain::streak::Vacation;
    use crate::domain::{GuildId, UserId};

    use super::*;

    #[tokio::test]
    async fn a_checkin_is_one_trip_to_the_writer_with_its_day_total() {
        // An instant finer than the store keeps (milliseconds).
        let now = Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap()
            + chrono::Duration::nanoseconds(1_234_567);
        let (app, _clock, _dir) = app_at(now).await;
        let writes = || {
            app.raw_store()
                .writer_stats()
                .expect("a SQLite store")
                .writes()
        };
        let before = writes();
        // A member seen for the first time: their name, the check-in and
        // the day's total, in one request to the writer.
        let first = app
            .record_checkin(checkin_request(1, 7, "walk", 10))
            .await
            .unwrap();
        assert_eq!(writes() - before, 1);
        assert_eq!(first.day_amount, 10);
        let second = app
            .record_checkin(checkin_request(2, 7, "walk", 5))
            .await
            .unwrap();
        assert_eq!(writes() - before, 2);
        assert_eq!(second.day_amount, 15);
        // The same interaction again: stored once, the total unchanged.
        let again = app
            .record_checkin(checkin_request(2, 7, "walk", 5))
            .await
            .unwrap();
        assert!(again.duplicate);
        assert_eq!(again.day_amount, 15);
        // The new check-in is returned as written, not read back: exactly
        // what reading it gives.
        assert_eq!(again.checkin, second.checkin);
        assert_eq!(second.checkin.at.timestamp_subsec_nanos(), 1_000_000);
        let prefs = app
            .raw_store()
            .member_prefs(GuildId(1), UserId(7))
            .await
            .unwrap();
        assert_eq!(prefs.display_name.as_deref(), Some("member 7"));
    }

    #[tokio::test]
    async fn a_checkin_reads_its_standing_in_one_statement() {
        let now = Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap();
        let (app, _clock, _dir) = app_at(now).await;
        let store = app.raw_store();
        let reads = || store.reads();
        // A member with a vacation behind them and goals of their own and
        // the server's.
        let (guild, user) = (GuildId(1), UserId(7));
        let away = Vacation {
            first: now.date_naive() - chrono::Days::new(5),
            last: now.date_naive() - chrono::Days::new(3),
        };
        store
            .start_vacation(guild, user, away.first, away, now)
            .await
            .unwrap();
        let walk = TargetChange {
            walk_minutes: Some(15),
            ..TargetChange::default()
        };
        store.set_server_goals(guild, walk, now).await.unwrap();
        let own = MemberGoals {
            off: false,
            own: TargetChange {
                water_glasses: Some(4),
                ..TargetChange::default()
            },
        };
        store.set_member_goals(guild, user, own, now).await.unwrap();
        // Each check-in: one read besides its trip to the writer, for the
        // member's days, vacations and goals alike; a duplicate too.
        for (interaction, exercise, duplicate) in
            [(1, "walk", false), (2, "water", false), (2, "water", true)]
        {
            let before = reads();
            let receipt = app
                .record_checkin(checkin_request(interaction, 7, exercise, 10))
                .await
                .unwrap();
            assert_eq!(reads() - before, 1, "check-in {interaction}");
            assert_eq!(receipt.duplicate, duplicate);
            assert_eq!(receipt.standing.streak.current, 1);
            assert!(receipt.standing.goals.is_some());
        }
    }
}
