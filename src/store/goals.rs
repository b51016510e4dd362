//! Goals, vacations and the team goal.

use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;
use crate::domain::goals::{MemberGoals, TargetChange};
use crate::domain::streak::Vacation;
use crate::domain::team_goal::TeamGoal;
use crate::domain::{GuildId, UserId};

/// One exercise's sums in a server over a period, for the team goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExerciseSum {
    pub exercise: String,
    pub amount: i64,
    pub points: i64,
    pub checkins: i64,
}

pub(in crate::store) fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

dispatch! {
    /// The server's goal targets as its moderators changed them.
    pub async fn server_goals(&self, guild: GuildId) -> Result<TargetChange, StoreError>;

    /// Stores the server's goal targets (`None`: the guidance's default).
    pub async fn set_server_goals(&self, guild: GuildId, goals: TargetChange, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// The member's own goal settings in the server.
    pub async fn member_goals(&self, guild: GuildId, user: UserId) -> Result<MemberGoals, StoreError>;

    /// Stores the member's own goal settings.
    pub async fn set_member_goals(&self, guild: GuildId, user: UserId, goals: MemberGoals, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// The member's vacations in the server, earliest first.
    pub async fn vacations(&self, guild: GuildId, user: UserId) -> Result<Vec<Vacation>, StoreError>;

    /// Starts a vacation on `today`, replacing what is left of one that is
    /// running (its days before today stay).
    pub async fn start_vacation(&self, guild: GuildId, user: UserId, today: NaiveDate, vacation: Vacation, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Ends the member's vacations from `today` on; whether one was running.
    pub async fn end_vacation(&self, guild: GuildId, user: UserId, today: NaiveDate) -> Result<bool, StoreError>;

    /// The server's team goal, if set.
    pub async fn team_goal(&self, guild: GuildId) -> Result<Option<TeamGoal>, StoreError>;

    /// Sets the server's team goal.
    pub async fn set_team_goal(&self, guild: GuildId, goal: TeamGoal, by: UserId, now: DateTime<Utc>) -> Result<(), StoreError>;

    /// Sums per exercise of the whole server in `[from, to)`.
    pub async fn exercise_sums(&self, guild: GuildId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<ExerciseSum>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::team_goal::TeamMetric;
    use crate::store::checkins::tests::at;
    use crate::store::privacy::tests::seed_checkin;
    use crate::store::test_support::TestBackend;
    use crate::store::{Store, StoreOptions};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, d).unwrap()
    }

    fn vacation(first: u32, last: u32) -> Vacation {
        Vacation {
            first: day(first),
            last: day(last),
        }
    }

    on_both_backends!(
        goals_default_until_set_and_round_trip_per_server_and_member,
        a_vacation_replaces_what_is_left_of_the_running_one,
        the_team_goal_is_set_and_replaced,
        exercise_sums_count_the_servers_period_per_exercise,
        two_processes_starting_a_vacation_at_once_leave_one,
    );

    async fn goals_default_until_set_and_round_trip_per_server_and_member(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let (guild, member) = (GuildId(1), UserId(8));
        assert_eq!(
            store.server_goals(guild).await.unwrap(),
            TargetChange::default()
        );
        assert_eq!(
            store.member_goals(guild, member).await.unwrap(),
            MemberGoals::default()
        );

        let server = TargetChange {
            walk_minutes: Some(150),
            strength_days: None,
            heel_sets: Some(3),
            water_glasses: Some(8),
        };
        store
            .set_server_goals(guild, server, at(1, 9))
            .await
            .unwrap();
        let own = MemberGoals {
            off: true,
            own: TargetChange {
                walk_minutes: None,
                strength_days: Some(2),
                heel_sets: None,
                water_glasses: None,
            },
        };
        store
            .set_member_goals(guild, member, own, at(1, 9))
            .await
            .unwrap();
        assert_eq!(store.server_goals(guild).await.unwrap(), server);
        assert_eq!(store.member_goals(guild, member).await.unwrap(), own);
        assert_eq!(
            store.server_goals(GuildId(2)).await.unwrap(),
            TargetChange::default()
        );
        assert_eq!(
            store.member_goals(GuildId(2), member).await.unwrap(),
            MemberGoals::default()
        );

        // Setting again replaces every field.
        let back_on = MemberGoals {
            off: false,
            own: TargetChange::default(),
        };
        store
            .set_member_goals(guild, member, back_on, at(2, 9))
            .await
            .unwrap();
        store
            .set_server_goals(guild, TargetChange::default(), at(2, 9))
            .await
            .unwrap();
        assert_eq!(store.member_goals(guild, member).await.unwrap(), back_on);
        assert_eq!(
            store.server_goals(guild).await.unwrap(),
            TargetChange::default()
        );
        store.close().await;
    }

    async fn a_vacation_replaces_what_is_left_of_the_running_one(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let (guild, member) = (GuildId(1), UserId(8));
        store
            .start_vacation(guild, member, day(1), vacation(1, 5), at(1, 9))
            .await
            .unwrap();
        store
            .start_vacation(guild, member, day(3), vacation(3, 8), at(3, 9))
            .await
            .unwrap();
        assert_eq!(
            store.vacations(guild, member).await.unwrap(),
            vec![vacation(1, 2), vacation(3, 8)]
        );
        // A vacation ahead is replaced whole.
        store
            .start_vacation(guild, member, day(3), vacation(20, 22), at(3, 10))
            .await
            .unwrap();
        assert_eq!(
            store.vacations(guild, member).await.unwrap(),
            vec![vacation(1, 2), vacation(20, 22)]
        );
        assert!(store.end_vacation(guild, member, day(4)).await.unwrap());
        assert_eq!(
            store.vacations(guild, member).await.unwrap(),
            vec![vacation(1, 2)]
        );
        assert!(!store.end_vacation(guild, member, day(4)).await.unwrap());
        store
            .start_vacation(guild, member, day(6), vacation(6, 9), at(6, 9))
            .await
            .unwrap();
        assert!(store.end_vacation(guild, member, day(8)).await.unwrap());
        assert_eq!(
            store.vacations(guild, member).await.unwrap(),
            vec![vacation(1, 2), vacation(6, 7)]
        );
        // Other members and servers are untouched.
        assert_eq!(store.vacations(GuildId(2), member).await.unwrap(), vec![]);
        assert_eq!(store.vacations(guild, UserId(9)).await.unwrap(), vec![]);
        store.close().await;
    }

    async fn the_team_goal_is_set_and_replaced(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let guild = GuildId(1);
        assert_eq!(store.team_goal(guild).await.unwrap(), None);
        let goal = TeamGoal {
            metric: TeamMetric::Minutes,
            target: 600,
        };
        store
            .set_team_goal(guild, goal, UserId(8), at(1, 9))
            .await
            .unwrap();
        assert_eq!(store.team_goal(guild).await.unwrap(), Some(goal));
        let goal = TeamGoal {
            metric: TeamMetric::Checkins,
            target: 40,
        };
        store
            .set_team_goal(guild, goal, UserId(9), at(2, 9))
            .await
            .unwrap();
        assert_eq!(store.team_goal(guild).await.unwrap(), Some(goal));
        assert_eq!(store.team_goal(GuildId(2)).await.unwrap(), None);
        store.close().await;
    }

    async fn exercise_sums_count_the_servers_period_per_exercise(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        seed_checkin(&store, 1, 1, 8, "walk", 10, at(1, 9)).await;
        seed_checkin(&store, 2, 1, 9, "walk", 20, at(2, 9)).await;
        seed_checkin(&store, 3, 1, 8, "calf-raises", 5, at(2, 10)).await;
        seed_checkin(&store, 4, 1, 8, "walk", 99, at(3, 0)).await;
        seed_checkin(&store, 5, 2, 8, "walk", 99, at(2, 9)).await;
        let sum = |exercise: &str, amount, checkins| ExerciseSum {
            exercise: exercise.into(),
            amount,
            points: amount * 2,
            checkins,
        };
        assert_eq!(
            store
                .exercise_sums(GuildId(1), at(1, 0), at(3, 0))
                .await
                .unwrap(),
            vec![sum("calf-raises", 5, 1), sum("walk", 30, 2)]
        );
        assert_eq!(
            store
                .exercise_sums(GuildId(1), at(5, 0), at(6, 0))
                .await
                .unwrap(),
            vec![]
        );
        store.close().await;
    }

    /// Two processes starting the member's vacation at the same moment: the
    /// later replaces the earlier, as one after the other would.
    async fn two_processes_starting_a_vacation_at_once_leave_one(backend: TestBackend) {
        let (store, db) = backend.temp_store().await;
        let other = Store::open(&StoreOptions::new(db.url())).await.unwrap();
        for user in 1..=10 {
            let (guild, member) = (GuildId(1), UserId(user));
            let (a, b) = tokio::join!(
                store.start_vacation(guild, member, day(1), vacation(1, 5), at(1, 9)),
                other.start_vacation(guild, member, day(1), vacation(1, 7), at(1, 9)),
            );
            a.unwrap();
            b.unwrap();
            let kept = store.vacations(guild, member).await.unwrap();
            assert_eq!(kept.len(), 1, "member {user}: {kept:?}");
        }
        other.close().await;
        store.close().await;
    }
}
