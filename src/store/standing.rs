//! What a member's standing is replayed from, read in one statement.
//!
//! A check-in's receipt shows the member's streak and goals, and every read
//! is a trip to a database thread and back: on the bot's busiest path that
//! trip costs more than what SQLite does. So the member's day sums,
//! retention's kept dates, vacations and goal targets come back together,
//! the lists as JSON arrays of rows.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;

use super::{CheckInDay, StoreError};
use crate::domain::goals::{MemberGoals, TargetChange};
use crate::domain::streak::Vacation;
use crate::domain::{GuildId, UserId};

/// Everything a member's standing in a server is made of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberHistory {
    /// Their stored check-ins summed per local date and exercise, oldest
    /// first (retention's kept days not included).
    pub days: Vec<CheckInDay>,
    /// The dates retention kept sums of, oldest first, each once.
    pub kept_dates: Vec<NaiveDate>,
    /// Their vacations, earliest first.
    pub vacations: Vec<Vacation>,
    /// Their own goal settings.
    pub goals: MemberGoals,
    /// The server's goal targets as its moderators changed them.
    pub server_goals: TargetChange,
}

pub(in crate::store) fn json_rows<T: DeserializeOwned>(
    what: &str,
    json: &str,
) -> Result<Vec<T>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

dispatch! {
    /// The member's history in the server, as [`member_days`],
    /// [`member_kept_days`], [`vacations`], [`member_goals`] and
    /// [`server_goals`] read it, in one statement.
    ///
    /// [`member_days`]: Store::member_days
    /// [`member_kept_days`]: Store::member_kept_days
    /// [`vacations`]: Store::vacations
    /// [`member_goals`]: Store::member_goals
    /// [`server_goals`]: Store::server_goals
    pub async fn member_history(&self, guild: GuildId, user: UserId) -> Result<MemberHistory, StoreError>;
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::store::checkins::tests::{at, checkin};
    use crate::store::test_support::TestBackend;
    use crate::store::Store;

    on_both_backends!(one_statement_reads_what_the_separate_reads_do);

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
    }

    /// The history as the reads it replaces return it.
    async fn read_separately(store: &Store, guild: GuildId, user: UserId) -> MemberHistory {
        let mut kept_dates: Vec<NaiveDate> = store
            .member_kept_days(guild, user)
            .await
            .unwrap()
            .iter()
            .map(|d| d.local_date)
            .collect();
        kept_dates.dedup();
        MemberHistory {
            days: store.member_days(guild, user).await.unwrap(),
            kept_dates,
            vacations: store.vacations(guild, user).await.unwrap(),
            goals: store.member_goals(guild, user).await.unwrap(),
            server_goals: store.server_goals(guild).await.unwrap(),
        }
    }

    async fn one_statement_reads_what_the_separate_reads_do(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let mut interaction = 0;
        let mut add = |guild, user, exercise, amount, when| {
            interaction += 1;
            checkin(interaction, guild, user, exercise, amount, when)
        };
        // Several exercises over three weeks, some days twice; another
        // member and another server alongside.
        let mut new = Vec::new();
        for day in 1..=21 {
            new.push(add(1, 7, "walk", 10 + day, at(day, 9)));
            if day % 3 == 0 {
                new.push(add(1, 7, "water", 2, at(day, 10)));
                new.push(add(1, 7, "water", 1, at(day, 15)));
            }
            if day % 4 == 1 {
                new.push(add(1, 7, "strength", 1, at(day, 18)));
            }
            new.push(add(1, 8, "walk", 5, at(day, 9)));
            new.push(add(2, 7, "walk", 7, at(day, 11)));
        }
        for checkin in new {
            store.record_checkin(checkin).await.unwrap();
        }
        // Retention keeps the sums of everything before the 3rd at noon: a
        // kept date with two exercises, and one that still has check-ins.
        store.expire_checkins(at(3, 12), 1000).await.unwrap();
        // Two vacations, and goals of the member's own and the server's.
        let (guild, user) = (GuildId(1), UserId(7));
        let away = |first, last| Vacation {
            first: date(first),
            last: date(last),
        };
        store
            .start_vacation(guild, user, date(8), away(8, 9), at(8, 8))
            .await
            .unwrap();
        store
            .start_vacation(guild, user, date(15), away(15, 17), at(15, 8))
            .await
            .unwrap();
        let own = TargetChange {
            walk_minutes: Some(25),
            water_glasses: Some(6),
            ..TargetChange::default()
        };
        let goals = MemberGoals { off: false, own };
        store
            .set_member_goals(guild, user, goals, at(2, 8))
            .await
            .unwrap();
        let server = TargetChange {
            strength_days: Some(2),
            heel_sets: Some(3),
            ..TargetChange::default()
        };
        store
            .set_server_goals(guild, server, at(2, 8))
            .await
            .unwrap();
        let off = MemberGoals {
            off: true,
            own: TargetChange::default(),
        };
        store
            .set_member_goals(guild, UserId(8), off, at(2, 8))
            .await
            .unwrap();

        let history = store.member_history(guild, user).await.unwrap();
        assert_eq!(history, read_separately(&store, guild, user).await);
        // The data set has what it is meant to.
        assert_eq!(history.kept_dates, vec![date(1), date(2), date(3)]);
        assert_eq!(history.days.first().unwrap().local_date, date(3));
        assert!(history.days.iter().any(|d| d.checkins == 2));
        assert_eq!(history.vacations, vec![away(8, 9), away(15, 17)]);
        assert_eq!(history.goals, goals);
        assert_eq!(history.server_goals, server);
        // Another member, another server, and a member with nothing stored.
        for (guild, user) in [(1, 8), (2, 7), (2, 8), (3, 9)] {
            let (guild, user) = (GuildId(guild), UserId(user));
            assert_eq!(
                store.member_history(guild, user).await.unwrap(),
                read_separately(&store, guild, user).await,
                "guild {guild:?}, user {user:?}"
            );
        }
        assert!(
            store
                .member_history(guild, UserId(8))
                .await
                .unwrap()
                .goals
                .off
        );
        assert_eq!(
            store.member_history(GuildId(3), UserId(9)).await.unwrap(),
            MemberHistory::default()
        );

        // And it is one trip to the readers.
        let before = store.reads();
        store.member_history(guild, user).await.unwrap();
        assert_eq!(store.reads() - before, 1);
        store.close().await;
    }
}
