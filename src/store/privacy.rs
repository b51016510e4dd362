//! What members own: their rows for an export, deleting them on request,
//! and retention of old rows.

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream::BoxStream;

use super::{Backend, Store, StoreError};
use crate::domain::checkin::CheckIn;
use crate::domain::exercise::ExerciseKey;
use crate::domain::{GuildId, UserId};

/// A member's answer to a prompt, for their export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRecord {
    pub answered_at: DateTime<Utc>,
    /// The prompt's exercise (empty for a leaderboard post).
    pub exercise: String,
    /// `done`, `done_twice` or `not_now`.
    pub answer: String,
}

/// One member's day of one exercise as retention kept it: sums, no notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptDay {
    pub user: UserId,
    pub local_date: NaiveDate,
    pub exercise: ExerciseKey,
    pub amount: i64,
    pub points: i64,
    pub checkins: i64,
    /// The latest check-in summed: where the day falls in a period.
    pub last_at: DateTime<Utc>,
}

/// A check-in of a server's export, with the member's name as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCheckIn {
    pub checkin: CheckIn,
    pub display_name: Option<String>,
}

/// What deleting a member's data removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub checkins: u64,
    pub answers: u64,
}

impl Store {
    /// Every check-in of the server, oldest first, read as it is consumed:
    /// an export of a big server never holds them all.
    pub fn server_checkins(
        &self,
        guild: GuildId,
    ) -> BoxStream<'_, Result<ServerCheckIn, StoreError>> {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.server_checkins(guild),
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => db.server_checkins(guild),
        }
    }

    /// How many rows `table` holds (tests name a fixed table).
    #[cfg(test)]
    pub(crate) async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.count_rows(table).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => db.count_rows(table).await,
        }
    }

    /// Runs one statement of SQL both backends read alike: tests set up
    /// rows of tables whose own methods they do not test.
    #[cfg(test)]
    pub(crate) async fn execute_sql(&self, sql: &str) -> Result<u64, StoreError> {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.execute_sql(sql).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => db.execute_sql(sql).await,
        }
    }

    /// The one integer a query of both backends' SQL returns (tests).
    #[cfg(test)]
    pub(crate) async fn query_i64(&self, sql: &str) -> Result<i64, StoreError> {
        match &self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.query_i64(sql).await,
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => db.query_i64(sql).await,
        }
    }
}

dispatch! {
    /// The member's answers to prompts in the server, oldest first.
    pub async fn member_answers(&self, guild: GuildId, user: UserId) -> Result<Vec<AnswerRecord>, StoreError>;

    /// The days retention kept of the member's deleted check-ins, oldest
    /// first.
    pub async fn member_kept_days(&self, guild: GuildId, user: UserId) -> Result<Vec<KeptDay>, StoreError>;

    /// Deletes everything the server holds about the member, in one
    /// transaction: their check-ins, kept days, answers, snoozes and
    /// preferences. Where their id stands in others' rows (check-ins they
    /// logged as a moderator, schedules they made, audit entries) it is
    /// cleared; the audit log records the deletion without the id.
    pub async fn forget_member(&self, guild: GuildId, user: UserId, at: DateTime<Utc>) -> Result<Forgotten, StoreError>;

    /// Deletes up to `limit` of the oldest check-ins from before `cutoff`
    /// (every server's), adding their sums to the kept daily totals first.
    /// Returns how many it deleted; 0 when none is left.
    pub async fn expire_checkins(&self, cutoff: DateTime<Utc>, limit: u32) -> Result<u64, StoreError>;

    /// Deletes up to `limit` prompt answers, then (once none is left)
    /// finished prompts, from before `cutoff`. Returns how many it deleted.
    pub async fn expire_prompts(&self, cutoff: DateTime<Utc>, limit: u32) -> Result<u64, StoreError>;
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::{DateTime, NaiveDate, Utc};
    use futures_util::TryStreamExt;

    use super::*;
    use crate::domain::checkin::Source;
    use crate::domain::goals::{MemberGoals, TargetChange};
    use crate::domain::streak::Vacation;
    use crate::domain::team_goal::{TeamGoal, TeamMetric};
    use crate::domain::RoleId;
    use crate::store::celebrations::RoleGrant;
    use crate::store::checkins::tests::at;
    use crate::store::test_support::TestBackend;
    use crate::store::{millis, StoreOptions};

    /// A member whose id is long enough to find in audit details.
    const MEMBER: u64 = 123_456_789_012;
    const OTHER: u64 = 555_000_111;

    /// Stores a check-in with plain SQL (both backends read it alike), for
    /// tests of what happens to check-ins rather than how they are taken.
    pub(crate) async fn seed_checkin(
        store: &Store,
        interaction: u64,
        guild: u64,
        user: u64,
        exercise: &str,
        amount: u32,
        when: DateTime<Utc>,
    ) {
        seed_checkin_by(
            store,
            interaction,
            guild,
            user,
            exercise,
            amount,
            when,
            None,
        )
        .await;
    }

    #[allow(clippy::too_many_arguments)]
    async fn seed_checkin_by(
        store: &Store,
        interaction: u64,
        guild: u64,
        user: u64,
        exercise: &str,
        amount: u32,
        when: DateTime<Utc>,
        recorded_by: Option<u64>,
    ) {
        let (source, recorded_by) = match recorded_by {
            Some(by) => ("moderator", by.to_string()),
            None => ("command", "NULL".to_owned()),
        };
        store
            .execute_sql(&format!(
                "INSERT INTO checkins (interaction_id, guild_id, user_id, exercise, amount, \
                 points, occurred_at, local_date, source, recorded_by) VALUES \
                 ({interaction}, {guild}, {user}, '{exercise}', {amount}, {points}, {ms}, \
                 '{date}', '{source}', {recorded_by})",
                points = amount * 2,
                ms = millis(when),
                date = when.date_naive(),
            ))
            .await
            .unwrap();
    }

    /// A prompt posted at `due` with plain SQL.
    async fn seed_occurrence(store: &Store, id: i64, guild: u64, state: &str, due: DateTime<Utc>) {
        store
            .execute_sql(&format!(
                "INSERT INTO occurrences (id, guild_id, channel_id, exercise, due_at, state, \
                 created_at, updated_at) VALUES ({id}, {guild}, 10, 'walk', {ms}, '{state}', \
                 {ms}, {ms})",
                ms = millis(due),
            ))
            .await
            .unwrap();
    }

    async fn seed_answer(
        store: &Store,
        occurrence: i64,
        guild: u64,
        user: u64,
        answer: &str,
        when: DateTime<Utc>,
    ) {
        store
            .execute_sql(&format!(
                "INSERT INTO prompt_answers (occurrence_id, user_id, guild_id, answer, \
                 answered_at) VALUES ({occurrence}, {user}, {guild}, '{answer}', {})",
                millis(when)
            ))
            .await
            .unwrap();
    }

    async fn count(store: &Store, sql: &str) -> i64 {
        store.query_i64(sql).await.unwrap()
    }

    on_both_backends!(
        forgetting_a_member_deletes_their_rows_and_their_id_elsewhere,
        expired_check_ins_are_kept_as_day_sums,
        prompts_expire_answers_first_then_finished_prompts,
        a_server_export_streams_check_ins_oldest_first_with_names,
        two_processes_expiring_at_once_keep_each_check_in_once,
        forgetting_members_while_their_old_check_ins_expire_finishes_both,
        purging_a_departed_server_while_its_old_check_ins_expire_finishes_both,
    );

    async fn forgetting_a_member_deletes_their_rows_and_their_id_elsewhere(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        seed_checkin(&store, 1, 1, MEMBER, "walk", 10, at(1, 9)).await;
        seed_checkin(&store, 2, 1, MEMBER, "squats", 5, at(2, 9)).await;
        seed_checkin(&store, 3, 2, MEMBER, "walk", 7, at(2, 9)).await;
        seed_checkin_by(&store, 4, 1, OTHER, "walk", 3, at(2, 10), Some(MEMBER)).await;
        seed_occurrence(&store, 1, 1, "posted", at(1, 8)).await;
        seed_occurrence(&store, 2, 2, "posted", at(1, 8)).await;
        seed_answer(&store, 1, 1, MEMBER, "done", at(1, 9)).await;
        seed_answer(&store, 1, 1, OTHER, "not_now", at(1, 9)).await;
        seed_answer(&store, 2, 2, MEMBER, "done", at(1, 9)).await;
        let (guild, member) = (GuildId(1), UserId(MEMBER));
        let goals = MemberGoals {
            off: true,
            own: TargetChange::default(),
        };
        for user in [member, UserId(OTHER)] {
            store
                .set_member_goals(guild, user, goals, at(1, 0))
                .await
                .unwrap();
        }
        store
            .set_member_goals(GuildId(2), member, goals, at(1, 0))
            .await
            .unwrap();
        let vacation = Vacation {
            first: NaiveDate::from_ymd_opt(2027, 3, 10).unwrap(),
            last: NaiveDate::from_ymd_opt(2027, 3, 12).unwrap(),
        };
        let today = NaiveDate::from_ymd_opt(2027, 3, 2).unwrap();
        store
            .start_vacation(guild, member, today, vacation, at(2, 0))
            .await
            .unwrap();
        store
            .celebrate(guild, member, vec!["streak-7".into()], at(2, 0))
            .await
            .unwrap();
        let grant = |user| RoleGrant {
            guild,
            user: UserId(user),
            role: RoleId(70),
        };
        for user in [MEMBER, OTHER] {
            store.queue_role_grant(grant(user), at(2, 0)).await.unwrap();
        }
        let team = TeamGoal {
            metric: TeamMetric::Points,
            target: 100,
        };
        store
            .set_team_goal(guild, team, member, at(2, 0))
            .await
            .unwrap();
        store
            .set_milestone_role(guild, 7, Some(RoleId(70)), member, at(2, 0))
            .await
            .unwrap();
        store
            .execute_sql(&format!(
                "INSERT INTO audit_log (guild_id, actor_id, action, detail, at) VALUES \
                 (1, {MEMBER}, 'schedule.add', 'a schedule', 0), \
                 (1, {OTHER}, 'checkin.log', 'logged for {MEMBER} today', 0), \
                 (2, {MEMBER}, 'schedule.add', 'a schedule', 0)"
            ))
            .await
            .unwrap();

        let forgotten = store.forget_member(guild, member, at(3, 0)).await.unwrap();
        assert_eq!(
            forgotten,
            Forgotten {
                checkins: 2,
                answers: 1
            }
        );

        let mine = format!("guild_id = 1 AND user_id = {MEMBER}");
        for table in [
            "checkins",
            "checkin_days",
            "checkin_members",
            "checkin_day_totals",
            "prompt_answers",
            "snoozes",
            "members",
            "vacations",
            "celebrations",
            "role_grants",
        ] {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE {mine}");
            assert_eq!(count(&store, &sql).await, 0, "{table}");
        }
        // Their id is cleared where it stands in others' rows.
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM checkins WHERE interaction_id = 4 AND recorded_by IS NULL"
            )
            .await,
            1
        );
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM team_goals WHERE set_by = 0").await,
            1
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM milestone_roles WHERE set_by = 0"
            )
            .await,
            1
        );
        let in_audit = format!(
            "SELECT COUNT(*) FROM audit_log WHERE guild_id = 1 AND (actor_id = {MEMBER} \
             OR detail LIKE '%{MEMBER}%')"
        );
        assert_eq!(count(&store, &in_audit).await, 0);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_log WHERE guild_id = 1 AND actor_id = 0 \
                 AND detail = 'logged for a deleted member today'"
            )
            .await,
            0,
            "the moderator's own entry keeps its actor"
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_log WHERE guild_id = 1 \
                 AND detail = 'logged for a deleted member today'"
            )
            .await,
            1
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit_log WHERE guild_id = 1 AND actor_id = 0 \
                 AND action = 'member.forget'"
            )
            .await,
            1
        );
        // The other member, and the member in another server, keep theirs.
        assert_eq!(
            store.member_goals(guild, UserId(OTHER)).await.unwrap(),
            goals
        );
        assert_eq!(
            store.member_goals(guild, member).await.unwrap(),
            MemberGoals::default()
        );
        assert_eq!(store.member_goals(GuildId(2), member).await.unwrap(), goals);
        assert_eq!(store.member_answers(guild, member).await.unwrap(), vec![]);
        assert_eq!(
            store
                .member_answers(guild, UserId(OTHER))
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store.member_answers(GuildId(2), member).await.unwrap(),
            vec![AnswerRecord {
                answered_at: at(1, 9),
                exercise: "walk".into(),
                answer: "done".into(),
            }]
        );
        assert_eq!(
            store.pending_role_grants(10).await.unwrap(),
            vec![grant(OTHER)]
        );
        assert_eq!(
            count(
                &store,
                &format!(
                    "SELECT COUNT(*) FROM checkin_days WHERE guild_id = 1 AND user_id = {OTHER}"
                )
            )
            .await,
            2,
            "the other member's day sums (walk and every exercise)"
        );
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit_log WHERE guild_id = 2").await,
            1
        );
        store.close().await;
    }

    async fn expired_check_ins_are_kept_as_day_sums(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let (guild, member) = (GuildId(1), UserId(8));
        seed_checkin(&store, 1, 1, 8, "walk", 10, at(1, 9)).await;
        seed_checkin(&store, 2, 1, 8, "walk", 20, at(1, 18)).await;
        seed_checkin(&store, 3, 1, 8, "squats", 5, at(2, 9)).await;
        seed_checkin(&store, 4, 2, 8, "walk", 1, at(2, 10)).await;
        seed_checkin(&store, 5, 1, 8, "walk", 7, at(5, 9)).await;

        let cutoff = at(4, 0);
        assert_eq!(store.expire_checkins(cutoff, 2).await.unwrap(), 2);
        assert_eq!(store.expire_checkins(cutoff, 2).await.unwrap(), 2);
        assert_eq!(store.expire_checkins(cutoff, 2).await.unwrap(), 0);
        assert_eq!(store.count_rows("checkins").await.unwrap(), 1);
        let day = |d: u32| NaiveDate::from_ymd_opt(2027, 3, d).unwrap();
        let kept = |d: u32, exercise: &str, amount: i64, checkins: i64, last_at| KeptDay {
            user: member,
            local_date: day(d),
            exercise: ExerciseKey::parse(exercise).unwrap(),
            amount,
            points: amount * 2,
            checkins,
            last_at,
        };
        assert_eq!(
            store.member_kept_days(guild, member).await.unwrap(),
            vec![
                kept(1, "walk", 30, 2, at(1, 18)),
                kept(2, "squats", 5, 1, at(2, 9)),
            ]
        );
        assert_eq!(
            store.member_kept_days(GuildId(2), member).await.unwrap(),
            vec![kept(2, "walk", 1, 1, at(2, 10))]
        );

        // A late check-in of a kept day adds to its sums.
        seed_checkin(&store, 6, 1, 8, "walk", 4, at(1, 7)).await;
        assert_eq!(store.expire_checkins(cutoff, 10).await.unwrap(), 1);
        assert_eq!(
            store.member_kept_days(guild, member).await.unwrap()[0],
            kept(1, "walk", 34, 3, at(1, 18))
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM checkin_days WHERE local_date < '2027-03-05'"
            )
            .await,
            0,
            "expired check-ins leave the live day sums"
        );
        store.close().await;
    }

    async fn prompts_expire_answers_first_then_finished_prompts(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        seed_occurrence(&store, 1, 1, "posted", at(1, 8)).await;
        seed_occurrence(&store, 2, 1, "claimed", at(1, 9)).await;
        seed_occurrence(&store, 3, 1, "skipped", at(2, 8)).await;
        seed_occurrence(&store, 4, 1, "posted", at(9, 8)).await;
        seed_answer(&store, 1, 1, 8, "done", at(1, 9)).await;
        seed_answer(&store, 1, 1, 9, "not_now", at(1, 10)).await;
        seed_answer(&store, 2, 1, 8, "done_twice", at(1, 11)).await;
        seed_answer(&store, 4, 1, 8, "done", at(9, 9)).await;
        assert_eq!(
            store.member_answers(GuildId(1), UserId(8)).await.unwrap(),
            vec![
                AnswerRecord {
                    answered_at: at(1, 9),
                    exercise: "walk".into(),
                    answer: "done".into(),
                },
                AnswerRecord {
                    answered_at: at(1, 11),
                    exercise: "walk".into(),
                    answer: "done_twice".into(),
                },
                AnswerRecord {
                    answered_at: at(9, 9),
                    exercise: "walk".into(),
                    answer: "done".into(),
                },
            ]
        );

        let cutoff = at(5, 0);
        assert_eq!(store.expire_prompts(cutoff, 2).await.unwrap(), 2);
        assert_eq!(store.expire_prompts(cutoff, 2).await.unwrap(), 1);
        assert_eq!(store.count_rows("occurrences").await.unwrap(), 4);
        // Then the finished prompts; the claimed one stays.
        assert_eq!(store.expire_prompts(cutoff, 10).await.unwrap(), 2);
        assert_eq!(store.expire_prompts(cutoff, 10).await.unwrap(), 0);
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM occurrences WHERE id IN (2, 4)"
            )
            .await,
            2
        );
        assert_eq!(store.count_rows("prompt_answers").await.unwrap(), 1);
        store.close().await;
    }

    async fn a_server_export_streams_check_ins_oldest_first_with_names(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        seed_checkin(&store, 1, 1, 8, "walk", 10, at(2, 9)).await;
        seed_checkin_by(&store, 2, 1, 9, "squats", 5, at(1, 9), Some(8)).await;
        seed_checkin(&store, 3, 2, 8, "walk", 7, at(1, 8)).await;
        seed_checkin(&store, 4, 1, 8, "walk", 3, at(2, 9)).await;
        store
            .execute_sql("INSERT INTO members (guild_id, user_id, display_name, updated_at) VALUES (1, 8, 'Ada', 0)")
            .await
            .unwrap();

        let rows: Vec<ServerCheckIn> = store
            .server_checkins(GuildId(1))
            .try_collect()
            .await
            .unwrap();
        let seen: Vec<_> = rows
            .iter()
            .map(|r| (r.checkin.interaction.0, r.display_name.as_deref()))
            .collect();
        assert_eq!(seen, vec![(2, None), (1, Some("Ada")), (4, Some("Ada"))]);
        let first = &rows[0].checkin;
        assert_eq!(
            (
                first.guild,
                first.user,
                first.amount,
                first.points,
                first.at
            ),
            (GuildId(1), UserId(9), 5, 10, at(1, 9))
        );
        assert_eq!(
            (first.source, first.recorded_by, first.local_date),
            (Source::Moderator, Some(UserId(8)), at(1, 9).date_naive())
        );
        let none: Vec<ServerCheckIn> = store
            .server_checkins(GuildId(3))
            .try_collect()
            .await
            .unwrap();
        assert!(none.is_empty());
        store.close().await;
    }

    /// Two processes expiring the same old check-ins at once: each goes
    /// once into the kept sums, whichever process took it.
    async fn two_processes_expiring_at_once_keep_each_check_in_once(backend: TestBackend) {
        let (store, db) = backend.temp_store().await;
        let other = Store::open(&StoreOptions::new(db.url())).await.unwrap();
        let total = 60u64;
        for i in 1..=total {
            let hour = u32::try_from(i % 20).unwrap();
            seed_checkin(&store, i, 1, 8, "walk", 1, at(1 + hour / 10, hour)).await;
        }
        async fn expire(store: &Store) -> u64 {
            let mut deleted = 0;
            loop {
                let done = store.expire_checkins(at(9, 0), 3).await.unwrap();
                if done == 0 {
                    return deleted;
                }
                deleted += done;
            }
        }
        let (a, b) = tokio::join!(expire(&store), expire(&other));
        assert_eq!(a + b, total);
        assert_eq!(store.count_rows("checkins").await.unwrap(), 0);
        assert_eq!(
            count(
                &store,
                "SELECT CAST(SUM(checkins) AS BIGINT) FROM checkin_day_totals"
            )
            .await,
            i64::try_from(total).unwrap()
        );
        assert_eq!(
            count(
                &store,
                "SELECT CAST(SUM(amount) AS BIGINT) FROM checkin_day_totals"
            )
            .await,
            i64::try_from(total).unwrap()
        );
        other.close().await;
        store.close().await;
    }

    /// One process deletes members' data while another expires their old
    /// check-ins: both take the members' sums, and neither may wait for
    /// the other in a cycle (on PostgreSQL a deadlock aborts one of them).
    async fn forgetting_members_while_their_old_check_ins_expire_finishes_both(
        backend: TestBackend,
    ) {
        let (store, db) = backend.temp_store().await;
        let other = Store::open(&StoreOptions::new(db.url())).await.unwrap();
        let (members, per_member) = (6u64, 30u64);
        for member in 1..=members {
            for i in 0..per_member {
                let when = at(1 + u32::try_from(i % 5).unwrap(), 9);
                seed_checkin(&store, member * 1000 + i, 1, member, "walk", 1, when).await;
            }
        }
        let forgotten = [1u64, 3, 4, 6];
        let expiring = async {
            let mut deleted = 0;
            loop {
                match store.expire_checkins(at(9, 0), 3).await {
                    Ok(0) => return Ok(deleted),
                    Ok(done) => deleted += done,
                    Err(error) => return Err(error),
                }
            }
        };
        let forgetting = async {
            for member in forgotten {
                other
                    .forget_member(GuildId(1), UserId(member), at(9, 0))
                    .await?;
                tokio::task::yield_now().await;
            }
            Ok::<_, StoreError>(())
        };
        let (expired, forgot) = tokio::join!(expiring, forgetting);
        let expired = expired.expect("expiring finishes");
        forgot.expect("forgetting finishes");
        let kept = members - u64::try_from(forgotten.len()).unwrap();
        assert!(expired >= kept * per_member, "{expired} expired");
        assert_eq!(store.count_rows("checkins").await.unwrap(), 0);
        // What was expired of the forgotten members is gone with them; the
        // others' check-ins are all in their kept sums.
        assert_eq!(
            count(
                &store,
                "SELECT CAST(COALESCE(SUM(checkins), 0) AS BIGINT) FROM checkin_day_totals \
                 WHERE user_id IN (1, 3, 4, 6)"
            )
            .await,
            0
        );
        assert_eq!(
            count(
                &store,
                "SELECT CAST(SUM(checkins) AS BIGINT) FROM checkin_day_totals"
            )
            .await,
            i64::try_from(kept * per_member).unwrap()
        );
        assert_eq!(store.count_rows("checkin_days").await.unwrap(), 0);
        other.close().await;
        store.close().await;
    }

    /// The hourly clean-up of one process purges a server the bot left
    /// while another's expires the same server's old check-ins: both delete
    /// check-ins and take their sums, and neither may wait for the other in
    /// a cycle (on PostgreSQL a deadlock aborts one of them).
    async fn purging_a_departed_server_while_its_old_check_ins_expire_finishes_both(
        backend: TestBackend,
    ) {
        let (store, db) = backend.temp_store().await;
        let other = Store::open(&StoreOptions::new(db.url())).await.unwrap();
        let (members, per_member) = (8u64, 30u64);
        for member in 1..=members {
            for i in 0..per_member {
                let when = at(1 + u32::try_from(i % 5).unwrap(), 9);
                seed_checkin(&store, member * 1000 + i, 1, member, "walk", 1, when).await;
            }
        }
        other.mark_departed(GuildId(1), at(8, 0)).await.unwrap();
        let expiring = async {
            loop {
                match store.expire_checkins(at(9, 0), 40).await {
                    Ok(0) => return Ok(()),
                    Ok(_) => tokio::task::yield_now().await,
                    Err(error) => return Err(error),
                }
            }
        };
        let purging = async {
            loop {
                match other.purge_departed(GuildId(1), 40).await {
                    Ok(0) => return Ok(()),
                    Ok(_) => tokio::task::yield_now().await,
                    Err(error) => return Err(error),
                }
            }
        };
        let (expired, purged) = tokio::join!(expiring, purging);
        expired.expect("expiring finishes");
        purged.expect("purging finishes");
        assert_eq!(other.departed_at(GuildId(1)).await.unwrap(), None);
        assert_eq!(store.count_rows("checkins").await.unwrap(), 0);
        assert_eq!(store.count_rows("checkin_days").await.unwrap(), 0);
        other.close().await;
        store.close().await;
    }
}
