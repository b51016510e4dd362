//! Schedules and their stored next due instant.

use chrono::{DateTime, Utc};

use super::{
    db_id, exercise_key, instant, millis, optional_instant, snowflake, time_zone, Store, StoreError,
};
use crate::domain::exercise::ExerciseKey;
use crate::domain::schedule::{BoardWeek, NewSchedule, Schedule, ScheduleKind, ScheduleState};
use crate::domain::{ChannelId, GuildId, RoleId, ScheduleId, UserId};

/// A `schedules` row as read.
struct ScheduleRow {
    id: i64,
    guild_id: i64,
    kind: String,
    board_period: Option<String>,
    channel_id: i64,
    exercises: String,
    rotation_turns: i64,
    spec: String,
    timezone: String,
    role_id: Option<i64>,
    expires_at: Option<i64>,
    state: String,
    paused_until: Option<i64>,
    pause_reason: Option<String>,
    next_due_at: Option<i64>,
    last_fired_at: Option<i64>,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<ScheduleRow> for Schedule {
    type Error = StoreError;

    fn try_from(row: ScheduleRow) -> Result<Self, StoreError> {
        let state = match (row.state.as_str(), row.pause_reason) {
            ("active", _) => ScheduleState::Active,
            ("paused", _) => ScheduleState::Paused {
                until: optional_instant(row.paused_until)?,
            },
            ("paused_by_error", reason) => ScheduleState::PausedByError {
                reason: reason.unwrap_or_default(),
            },
            (other, _) => return Err(StoreError::Corrupt(format!("schedule state `{other}`"))),
        };
        let kind = match (row.kind.as_str(), row.board_period.as_deref()) {
            ("prompt", _) => ScheduleKind::Prompt,
            ("board", Some(week)) => ScheduleKind::Board(
                BoardWeek::parse(week)
                    .ok_or_else(|| StoreError::Corrupt(format!("board week `{week}`")))?,
            ),
            (other, _) => return Err(StoreError::Corrupt(format!("schedule kind `{other}`"))),
        };
        Ok(Schedule {
            id: ScheduleId(row.id),
            guild: GuildId(snowflake(row.guild_id)),
            kind,
            channel: ChannelId(snowflake(row.channel_id)),
            exercises: rotation_keys(&row.exercises)?,
            rotation_turns: u64::try_from(row.rotation_turns).unwrap_or_default(),
            spec: row.spec,
            timezone: time_zone(&row.timezone)?,
            role: row.role_id.map(|id| RoleId(snowflake(id))),
            expires_at: optional_instant(row.expires_at)?,
            state,
            next_due_at: optional_instant(row.next_due_at)?,
            last_fired_at: optional_instant(row.last_fired_at)?,
            created_by: UserId(snowflake(row.created_by)),
            created_at: instant(row.created_at)?,
            updated_at: instant(row.updated_at)?,
        })
    }
}

/// A rotation as `schedules.exercises` stores it: a JSON array of keys.
fn rotation_json(keys: &[ExerciseKey]) -> String {
    let keys: Vec<&str> = keys.iter().map(ExerciseKey::as_str).collect();
    serde_json::Value::from(keys).to_string()
}

fn rotation_keys(json: &str) -> Result<Vec<ExerciseKey>, StoreError> {
    let keys: Vec<String> = serde_json::from_str(json)
        .map_err(|_| StoreError::Corrupt(format!("schedule exercises `{json}`")))?;
    keys.iter().map(|k| exercise_key(k)).collect()
}

/// The stored columns of a kind.
fn kind_columns(kind: ScheduleKind) -> (&'static str, Option<&'static str>) {
    match kind {
        ScheduleKind::Prompt => ("prompt", None),
        ScheduleKind::Board(week) => ("board", Some(week.key())),
    }
}

/// The stored columns of a state.
fn state_columns(state: &ScheduleState) -> (&'static str, Option<i64>, Option<String>) {
    match state {
        ScheduleState::Active => ("active", None, None),
        ScheduleState::Paused { until } => ("paused", until.map(millis), None),
        ScheduleState::PausedByError { reason } => ("paused_by_error", None, Some(reason.clone())),
    }
}

impl Store {
    /// Creates a schedule, active.
    pub async fn insert_schedule(&self, new: NewSchedule) -> Result<Schedule, StoreError> {
        let guild_id = db_id(new.guild.0);
        let channel_id = db_id(new.channel.0);
        let exercises = rotation_json(&new.exercises);
        let timezone = new.timezone.name().to_owned();
        let role_id = new.role.map(|r| db_id(r.0));
        let expires_at = new.expires_at.map(millis);
        let next_due_at = new.next_due_at.map(millis);
        let created_by = db_id(new.created_by.0);
        let at = millis(new.at);
        let spec = new.spec.clone();
        let (kind, board_period) = kind_columns(new.kind);
        let id = self
            .write(move |conn| {
                Box::pin(async move {
                    let id = sqlx::query_scalar!(
                        r#"INSERT INTO schedules (guild_id, kind, board_period, channel_id, exercises,
                               spec, timezone, role_id, expires_at, state, next_due_at, created_by,
                               created_at, updated_at)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)
                           RETURNING id"#,
                        guild_id,
                        kind,
                        board_period,
                        channel_id,
                        exercises,
                        spec,
                        timezone,
                        role_id,
                        expires_at,
                        next_due_at,
                        created_by,
                        at,
                        at,
                    )
                    .fetch_one(&mut *conn)
                    .await?;
                    Ok(id)
                })
            })
            .await?;
        Ok(Schedule {
            id: ScheduleId(id),
            guild: new.guild,
            kind: new.kind,
            channel: new.channel,
            exercises: new.exercises,
            rotation_turns: 0,
            spec: new.spec,
            timezone: new.timezone,
            role: new.role,
            expires_at: new.expires_at,
            state: ScheduleState::Active,
            next_due_at: new.next_due_at,
            last_fired_at: None,
            created_by: new.created_by,
            created_at: new.at,
            updated_at: new.at,
        })
    }

    /// The server's schedule with this id; another server's is `None`, exactly
    /// like one that does not exist.
    pub async fn schedule(
        &self,
        guild: GuildId,
        id: ScheduleId,
    ) -> Result<Option<Schedule>, StoreError> {
        let guild_id = db_id(guild.0);
        sqlx::query_as!(
            ScheduleRow,
            r#"SELECT id, guild_id, kind, board_period, channel_id, exercises, rotation_turns, spec,
                      timezone,
                      role_id, expires_at,
                      state, paused_until, pause_reason, next_due_at, last_fired_at, created_by,
                      created_at, updated_at
               FROM schedules WHERE guild_id = ? AND id = ? AND kind = 'prompt'"#,
            guild_id,
            id.0
        )
        .fetch_optional(&self.readers)
        .await?
        .map(Schedule::try_from)
        .transpose()
    }

    /// All of the server's schedules, oldest first.
    pub async fn schedules(&self, guild: GuildId) -> Result<Vec<Schedule>, StoreError> {
        let guild_id = db_id(guild.0);
        sqlx::query_as!(
            ScheduleRow,
            r#"SELECT id, guild_id, kind, board_period, channel_id, exercises, rotation_turns, spec,
                      timezone,
                      role_id, expires_at,
                      state, paused_until, pause_reason, next_due_at, last_fired_at, created_by,
                      created_at, updated_at
               FROM schedules WHERE guild_id = ? AND kind = 'prompt' ORDER BY id"#,
            guild_id
        )
        .fetch_all(&self.readers)
        .await?
        .into_iter()
        .map(Schedule::try_from)
        .collect()
    }

    /// The server's leaderboard schedule, if it has one.
    pub async fn board_schedule(&self, guild: GuildId) -> Result<Option<Schedule>, StoreError> {
        let guild_id = db_id(guild.0);
        sqlx::query_as!(
            ScheduleRow,
            r#"SELECT id, guild_id, kind, board_period, channel_id, exercises, rotation_turns, spec,
                      timezone,
                      role_id, expires_at, state, paused_until, pause_reason, next_due_at,
                      last_fired_at, created_by, created_at, updated_at
               FROM schedules WHERE guild_id = ? AND kind = 'board'"#,
            guild_id
        )
        .fetch_optional(&self.readers)
        .await?
        .map(Schedule::try_from)
        .transpose()
    }

    /// Removes the server's leaderboard schedule; whether it had one.
    pub async fn remove_board_schedule(&self, guild: GuildId) -> Result<bool, StoreError> {
        let guild_id = db_id(guild.0);
        self.write(move |conn| {
            Box::pin(async move {
                let done = sqlx::query!(
                    "DELETE FROM schedules WHERE guild_id = ? AND kind = 'board'",
                    guild_id
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    /// How many schedules the server has, for the per-server limit.
    pub async fn count_schedules(&self, guild: GuildId) -> Result<u32, StoreError> {
        let guild_id = db_id(guild.0);
        let count = sqlx::query_scalar!(
            "SELECT COUNT(*) FROM schedules WHERE guild_id = ? AND kind = 'prompt'",
            guild_id
        )
        .fetch_one(&self.readers)
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Stores everything a moderator can change about a schedule, and its
    /// state and next due instant. A new list of exercises starts its
    /// rotation at the first; otherwise the rotation stays where the claims
    /// have moved it. Returns whether the server has it.
    pub async fn update_schedule(
        &self,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let id = schedule.id.0;
        let guild_id = db_id(schedule.guild.0);
        let channel_id = db_id(schedule.channel.0);
        let exercises = rotation_json(&schedule.exercises);
        let spec = schedule.spec.clone();
        let timezone = schedule.timezone.name().to_owned();
        let role_id = schedule.role.map(|r| db_id(r.0));
        let expires_at = schedule.expires_at.map(millis);
        let (state, paused_until, pause_reason) = state_columns(&schedule.state);
        let (_, board_period) = kind_columns(schedule.kind);
        let next_due_at = schedule.next_due_at.map(millis);
        let updated_at = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                let done = sqlx::query!(
                    r#"UPDATE schedules SET channel_id = ?, exercises = ?, spec = ?, timezone = ?,
                           rotation_turns = CASE WHEN exercises = ? THEN rotation_turns ELSE 0 END,
                           role_id = ?, expires_at = ?, state = ?, paused_until = ?,
                           pause_reason = ?, next_due_at = ?, updated_at = ?,
                           pause_notice_pending = pause_notice_pending AND ? = 'paused_by_error',
                           board_period = ?
                       WHERE guild_id = ? AND id = ?"#,
                    channel_id,
                    exercises,
                    spec,
                    timezone,
                    exercises,
                    role_id,
                    expires_at,
                    state,
                    paused_until,
                    pause_reason,
                    next_due_at,
                    updated_at,
                    state,
                    board_period,
                    guild_id,
                    id,
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    /// Removes a schedule; its past occurrences stay for the records. Returns
    /// whether the server had it.
    pub async fn remove_schedule(
        &self,
        guild: GuildId,
        id: ScheduleId,
    ) -> Result<bool, StoreError> {
        let guild_id = db_id(guild.0);
        self.write(move |conn| {
            Box::pin(async move {
                let done = sqlx::query!(
                    "DELETE FROM schedules WHERE guild_id = ? AND id = ? AND kind = 'prompt'",
                    guild_id,
                    id.0
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    /// The earliest next due instant of any schedule that will fire: active
    /// ones, and ones paused until a set time (their next due instant is
    /// after the pause). When the scheduler next has work.
    pub async fn earliest_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let earliest = sqlx::query_scalar!(
            r#"SELECT MIN(next_due_at) AS "earliest: i64" FROM schedules
               WHERE state = 'active' OR (state = 'paused' AND paused_until IS NOT NULL)"#
        )
        .fetch_one(&self.readers)
        .await?;
        optional_instant(earliest)
    }

    /// Schedules due at or before `at` (active, or paused until a time that
    /// has come), earliest first, across all servers (the scheduler's view).
    pub async fn due_schedules(
        &self,
        at: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Schedule>, StoreError> {
        let at = millis(at);
        let limit = i64::from(limit);
        sqlx::query_as!(
            ScheduleRow,
            r#"SELECT id, guild_id, kind, board_period, channel_id, exercises, rotation_turns, spec,
                      timezone,
                      role_id, expires_at,
                      state, paused_until, pause_reason, next_due_at, last_fired_at, created_by,
                      created_at, updated_at
               FROM schedules
               WHERE (state = 'active' OR (state = 'paused' AND paused_until IS NOT NULL))
                 AND next_due_at <= ?
               ORDER BY next_due_at, id
               LIMIT ?"#,
            at,
            limit
        )
        .fetch_all(&self.readers)
        .await?
        .into_iter()
        .map(Schedule::try_from)
        .collect()
    }

    /// Pauses a schedule because its prompts cannot be posted (the channel
    /// is gone or not writable), with the reason moderators will read. The
    /// next moderator command in the server tells them, once.
    pub async fn pause_schedule_for_error(
        &self,
        guild: GuildId,
        id: ScheduleId,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let guild_id = db_id(guild.0);
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                let done = sqlx::query!(
                    r#"UPDATE schedules
                       SET state = 'paused_by_error', pause_reason = ?, paused_until = NULL,
                           next_due_at = NULL, pause_notice_pending = 1, updated_at = ?
                       WHERE guild_id = ? AND id = ?"#,
                    reason,
                    now,
                    guild_id,
                    id.0
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    /// The server's schedules paused by an error that moderators have not
    /// been told about, marked as told.
    pub async fn take_pause_notices(
        &self,
        guild: GuildId,
    ) -> Result<Vec<(ScheduleId, String)>, StoreError> {
        let guild_id = db_id(guild.0);
        self.write(move |conn| {
            Box::pin(async move {
                let rows = sqlx::query!(
                    r#"UPDATE schedules SET pause_notice_pending = 0
                       WHERE guild_id = ? AND pause_notice_pending = 1
                       RETURNING id AS "id!", pause_reason"#,
                    guild_id
                )
                .fetch_all(&mut *conn)
                .await?;
                let mut notices: Vec<_> = rows
                    .into_iter()
                    .map(|r| (ScheduleId(r.id), r.pause_reason.unwrap_or_default()))
                    .collect();
                notices.sort();
                Ok(notices)
            })
        })
        .await
    }

    /// Puts back notices that could not be delivered, for the next
    /// moderator command (of schedules still paused by an error).
    pub async fn restore_pause_notices(
        &self,
        guild: GuildId,
        ids: Vec<ScheduleId>,
    ) -> Result<(), StoreError> {
        let guild_id = db_id(guild.0);
        self.write(move |conn| {
            Box::pin(async move {
                for id in ids {
                    sqlx::query!(
                        r#"UPDATE schedules SET pause_notice_pending = 1
                           WHERE guild_id = ? AND id = ? AND state = 'paused_by_error'"#,
                        guild_id,
                        id.0
                    )
                    .execute(&mut *conn)
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }

    /// Ends a pause whose time has come: the schedule is active again.
    pub async fn end_pause(&self, id: ScheduleId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                let done = sqlx::query!(
                    r#"UPDATE schedules SET state = 'active', paused_until = NULL, updated_at = ?
                       WHERE id = ? AND state = 'paused' AND paused_until <= ?"#,
                    now,
                    id.0,
                    now
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    /// Moves a schedule on after it fired (or was skipped) at `fired_at`,
    /// if its next due instant is still `handled`: a moderator's change or
    /// another process's advance in the meantime wins. Returns whether it
    /// moved.
    pub async fn advance_schedule(
        &self,
        id: ScheduleId,
        handled: DateTime<Utc>,
        fired_at: DateTime<Utc>,
        next_due_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let handled = millis(handled);
        let fired_at = millis(fired_at);
        let next_due_at = next_due_at.map(millis);
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                let done = sqlx::query!(
                    r#"UPDATE schedules SET last_fired_at = ?, next_due_at = ?, updated_at = ?
                       WHERE id = ? AND next_due_at = ?"#,
                    fired_at,
                    next_due_at,
                    now,
                    id.0,
                    handled
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::domain::occurrence::{ClaimOutcome, OccurrenceClaim};
    use crate::store::test_support::temp_store;

    pub(crate) fn t(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 1, hour, minute, 0).unwrap()
    }

    pub(crate) fn new_schedule(guild: u64, next: Option<DateTime<Utc>>) -> NewSchedule {
        NewSchedule {
            guild: GuildId(guild),
            kind: crate::domain::schedule::ScheduleKind::Prompt,
            channel: ChannelId(guild * 10),
            exercises: vec![
                ExerciseKey::parse("calf-raises").unwrap(),
                ExerciseKey::parse("walk").unwrap(),
            ],
            spec: "*/30 9-17 * * 1-5".into(),
            timezone: chrono_tz::Europe::Berlin,
            role: Some(RoleId(5)),
            expires_at: None,
            next_due_at: next,
            created_by: UserId(99),
            at: t(8, 0),
        }
    }

    #[tokio::test]
    async fn schedules_are_stored_listed_and_scoped_by_server() {
        let (store, _dir) = temp_store().await;
        let a = store
            .insert_schedule(new_schedule(1, Some(t(9, 0))))
            .await
            .unwrap();
        let b = store
            .insert_schedule(new_schedule(1, Some(t(9, 30))))
            .await
            .unwrap();
        let other = store
            .insert_schedule(new_schedule(2, Some(t(9, 15))))
            .await
            .unwrap();
        assert!(a.id < b.id);

        assert_eq!(
            store.schedule(GuildId(1), a.id).await.unwrap(),
            Some(a.clone())
        );
        assert_eq!(store.schedule(GuildId(1), other.id).await.unwrap(), None);
        assert_eq!(
            store.schedules(GuildId(1)).await.unwrap(),
            vec![a.clone(), b.clone()]
        );
        assert_eq!(store.count_schedules(GuildId(1)).await.unwrap(), 2);
        assert_eq!(store.count_schedules(GuildId(3)).await.unwrap(), 0);

        // Another server cannot change or remove it by naming its id.
        let mut hijack = other.clone();
        hijack.guild = GuildId(1);
        hijack.spec = "* * * * *".into();
        assert!(!store.update_schedule(&hijack, t(8, 1)).await.unwrap());
        assert!(!store.remove_schedule(GuildId(1), other.id).await.unwrap());
        assert_eq!(
            store.schedule(GuildId(2), other.id).await.unwrap(),
            Some(other.clone())
        );

        assert!(store.remove_schedule(GuildId(1), a.id).await.unwrap());
        assert_eq!(store.schedule(GuildId(1), a.id).await.unwrap(), None);
        // Ids are never reused.
        let c = store.insert_schedule(new_schedule(1, None)).await.unwrap();
        assert!(c.id > other.id);
        store.close().await;
    }

    #[tokio::test]
    async fn updates_store_every_field_and_state() {
        let (store, _dir) = temp_store().await;
        let mut s = store
            .insert_schedule(new_schedule(1, Some(t(9, 0))))
            .await
            .unwrap();
        s.channel = ChannelId(1234);
        s.exercises = vec![ExerciseKey::parse("water").unwrap()];
        s.spec = "daily 10:30".into();
        s.timezone = chrono_tz::America::New_York;
        s.role = None;
        s.expires_at = Some(t(23, 0));
        s.next_due_at = Some(t(10, 30));
        for state in [
            ScheduleState::Paused {
                until: Some(t(12, 0)),
            },
            ScheduleState::Paused { until: None },
            ScheduleState::PausedByError {
                reason: "the channel is gone".into(),
            },
            ScheduleState::Active,
        ] {
            s.state = state;
            s.updated_at = t(8, 5);
            assert!(store.update_schedule(&s, t(8, 5)).await.unwrap());
            assert_eq!(
                store.schedule(GuildId(1), s.id).await.unwrap().as_ref(),
                Some(&s)
            );
        }
        store.close().await;
    }

    #[tokio::test]
    async fn due_schedules_come_earliest_first_and_only_when_active() {
        let (store, _dir) = temp_store().await;
        assert_eq!(store.earliest_due().await.unwrap(), None);
        let late = store
            .insert_schedule(new_schedule(1, Some(t(10, 0))))
            .await
            .unwrap();
        let early = store
            .insert_schedule(new_schedule(2, Some(t(9, 0))))
            .await
            .unwrap();
        let mut paused = store
            .insert_schedule(new_schedule(3, Some(t(8, 30))))
            .await
            .unwrap();
        paused.state = ScheduleState::Paused { until: None };
        store.update_schedule(&paused, t(8, 0)).await.unwrap();
        store.insert_schedule(new_schedule(4, None)).await.unwrap();

        assert_eq!(store.earliest_due().await.unwrap(), Some(t(9, 0)));
        let due: Vec<_> = store
            .due_schedules(t(10, 0), 10)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(due, vec![early.id, late.id]);
        assert_eq!(store.due_schedules(t(9, 59), 10).await.unwrap().len(), 1);
        assert_eq!(store.due_schedules(t(10, 0), 1).await.unwrap().len(), 1);

        assert!(store
            .advance_schedule(
                early.id,
                t(9, 0),
                t(9, 0),
                Some(t(9, 0) + Duration::hours(2)),
                t(9, 0)
            )
            .await
            .unwrap());
        // Advanced already (by another process, say): left alone.
        assert!(!store
            .advance_schedule(early.id, t(9, 0), t(9, 0), Some(t(12, 0)), t(9, 1))
            .await
            .unwrap());
        let moved = store.schedule(GuildId(2), early.id).await.unwrap().unwrap();
        assert_eq!(moved.last_fired_at, Some(t(9, 0)));
        assert_eq!(moved.next_due_at, Some(t(11, 0)));
        assert_eq!(store.earliest_due().await.unwrap(), Some(t(10, 0)));
        assert!(!store
            .advance_schedule(ScheduleId(9999), t(9, 0), t(9, 0), None, t(9, 0))
            .await
            .unwrap());
        store.close().await;
    }

    async fn turns(store: &Store, s: &Schedule) -> u64 {
        store
            .schedule(s.guild, s.id)
            .await
            .unwrap()
            .unwrap()
            .rotation_turns
    }

    async fn execute(store: &Store, sql: &'static str) {
        store
            .write(move |conn| {
                Box::pin(async move {
                    sqlx::raw_sql(sql).execute(&mut *conn).await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
    }

    /// A claim of the firing at `due` taking the schedule's next turn, as
    /// the scheduler makes it.
    fn turn_claim(
        s: &Schedule,
        owner: &str,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> OccurrenceClaim {
        OccurrenceClaim {
            due_at: due,
            exercise: s.next_exercise().cloned(),
            turn: s.next_turn(),
            ..crate::store::occurrences::tests::claim(s.id, owner, now)
        }
    }

    #[tokio::test]
    async fn the_rotation_moves_on_with_each_new_claim_and_only_then() {
        let (store, _dir) = temp_store().await;
        let mut s = store
            .insert_schedule(new_schedule(1, Some(t(9, 0))))
            .await
            .unwrap();
        assert_eq!(s.rotation_turns, 0);
        assert_eq!(s.next_exercise().unwrap().as_str(), "calf-raises");

        let ClaimOutcome::Claimed(first) = store
            .claim_occurrence(turn_claim(&s, "a", t(9, 0), t(9, 0)))
            .await
            .unwrap()
        else {
            panic!("the first claim wins")
        };
        assert_eq!(first.exercise.unwrap().as_str(), "calf-raises");
        assert_eq!(
            store.rotation_slot(GuildId(1), first.id).await.unwrap(),
            Some(0)
        );
        assert_eq!(turns(&store, &s).await, 1);

        // The same firing again, from a process that read the schedule
        // before the claim: held elsewhere, then taken over after the lease;
        // neither takes another turn.
        assert!(matches!(
            store
                .claim_occurrence(turn_claim(&s, "b", t(9, 0), t(9, 0)))
                .await
                .unwrap(),
            ClaimOutcome::HeldElsewhere(_)
        ));
        assert!(matches!(
            store
                .claim_occurrence(turn_claim(&s, "b", t(9, 0), t(9, 5)))
                .await
                .unwrap(),
            ClaimOutcome::Claimed(o) if o.id == first.id && o.claim_owner.as_deref() == Some("b")
        ));
        assert_eq!(turns(&store, &s).await, 1);

        // A skipped firing takes no turn.
        s = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
        assert!(store
            .record_skipped(s.id, s.next_exercise(), t(9, 30), "missed".into(), t(11, 0))
            .await
            .unwrap());
        assert_eq!(turns(&store, &s).await, 1);

        // The next new firing prompts the next exercise, and the one after
        // wraps around to the first.
        let ClaimOutcome::Claimed(second) = store
            .claim_occurrence(turn_claim(&s, "a", t(10, 0), t(10, 0)))
            .await
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(second.exercise.unwrap().as_str(), "walk");
        assert_eq!(
            store.rotation_slot(GuildId(1), second.id).await.unwrap(),
            Some(1)
        );
        s = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
        assert_eq!(s.rotation_turns, 2);
        assert_eq!(s.next_exercise().unwrap().as_str(), "calf-raises");

        // Removing old occurrences (retention) leaves the rotation alone.
        execute(&store, "DELETE FROM occurrences").await;
        assert_eq!(turns(&store, &s).await, 2);
        assert_eq!(
            store
                .schedule(GuildId(1), s.id)
                .await
                .unwrap()
                .unwrap()
                .next_exercise(),
            s.next_exercise()
        );
        store.close().await;
    }

    #[tokio::test]
    async fn a_claim_is_recorded_only_together_with_its_turn() {
        let (store, _dir) = temp_store().await;
        let s = store
            .insert_schedule(new_schedule(1, Some(t(9, 0))))
            .await
            .unwrap();
        execute(
            &store,
            "CREATE TRIGGER stuck BEFORE UPDATE OF rotation_turns ON schedules
             BEGIN SELECT RAISE(ABORT, 'the rotation is stuck'); END",
        )
        .await;
        assert!(store
            .claim_occurrence(turn_claim(&s, "a", t(9, 0), t(9, 0)))
            .await
            .is_err());
        // The failed advance took the claim with it: nothing was recorded.
        assert!(store.unfinished_occurrences().await.unwrap().is_empty());
        assert_eq!(turns(&store, &s).await, 0);

        execute(&store, "DROP TRIGGER stuck").await;
        assert!(matches!(
            store
                .claim_occurrence(turn_claim(&s, "a", t(9, 0), t(9, 1)))
                .await
                .unwrap(),
            ClaimOutcome::Claimed(_)
        ));
        assert_eq!(turns(&store, &s).await, 1);
        store.close().await;
    }

    #[tokio::test]
    async fn a_new_list_restarts_the_rotation_and_the_same_list_keeps_its_place() {
        let (store, _dir) = temp_store().await;
        let s = store
            .insert_schedule(new_schedule(1, Some(t(9, 0))))
            .await
            .unwrap();
        store
            .claim_occurrence(turn_claim(&s, "a", t(9, 0), t(9, 0)))
            .await
            .unwrap();
        let mut s = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
        assert_eq!(s.rotation_turns, 1);

        // Another change (here a pause) keeps the place, also if it was read
        // before a claim moved the rotation on.
        let stale = s.clone();
        store
            .claim_occurrence(turn_claim(&s, "a", t(9, 30), t(9, 30)))
            .await
            .unwrap();
        let mut paused = stale;
        paused.state = ScheduleState::Paused { until: None };
        store.update_schedule(&paused, t(9, 31)).await.unwrap();
        assert_eq!(turns(&store, &s).await, 2);

        // A new list restarts at its first exercise; a claim read before
        // that does not move the new rotation on.
        let before_edit = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
        s.exercises = vec![
            ExerciseKey::parse("stretch").unwrap(),
            ExerciseKey::parse("walk").unwrap(),
            ExerciseKey::parse("stretch").unwrap(),
        ];
        store.update_schedule(&s, t(9, 40)).await.unwrap();
        let edited = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
        assert_eq!(edited.exercises, s.exercises);
        assert_eq!(edited.rotation_turns, 0);
        store
            .claim_occurrence(turn_claim(&before_edit, "a", t(10, 0), t(10, 0)))
            .await
            .unwrap();
        assert_eq!(turns(&store, &s).await, 0);
        store
            .claim_occurrence(turn_claim(&edited, "a", t(10, 30), t(10, 30)))
            .await
            .unwrap();
        assert_eq!(turns(&store, &s).await, 1);
        store.update_schedule(&edited, t(10, 31)).await.unwrap();
        assert_eq!(turns(&store, &s).await, 1);
        store.close().await;
    }

    #[tokio::test]
    async fn a_claim_read_before_a_new_list_does_not_move_it_on_even_at_its_start() {
        let (store, _dir) = temp_store().await;
        let key = |k: &str| ExerciseKey::parse(k).unwrap();
        let mut s = store
            .insert_schedule(new_schedule(1, Some(t(9, 0))))
            .await
            .unwrap();
        s.exercises = vec![key("walk"), key("stretch")];
        store.update_schedule(&s, t(8, 0)).await.unwrap();
        let read = store.schedule(GuildId(1), s.id).await.unwrap().unwrap();
        assert_eq!(read.rotation_turns, 0);
        // Edited between the scheduler's read and its claim: both counts are
        // 0, but the claimed slot holds another exercise now.
        let mut edited = read.clone();
        edited.exercises = vec![key("calf-raises"), key("walk")];
        store.update_schedule(&edited, t(8, 30)).await.unwrap();
        store
            .claim_occurrence(turn_claim(&read, "a", t(9, 0), t(9, 0)))
            .await
            .unwrap();
        assert_eq!(turns(&store, &s).await, 0, "calf raises still come first");
        store.close().await;
    }

    #[tokio::test]
    async fn existing_schedules_keep_their_exercises_as_a_rotation() {
        use sqlx::{ConnectOptions, Connection};

        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        let options = crate::store::StoreOptions::new(url.clone());
        // The schema before rotations, with schedules in it.
        let mut conn = options
            .connect_options()
            .unwrap()
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        crate::store::MIGRATOR
            .run_to(20261128000001, &mut conn)
            .await
            .unwrap();
        for (id, kind, exercises) in [
            (1, "prompt", "calf-raises"),
            (2, "board", ""),
            (3, "prompt", "walk calf-raises  stretch"),
        ] {
            sqlx::query(
                "INSERT INTO schedules (id, guild_id, channel_id, exercises, spec, timezone, state,
                     created_by, created_at, updated_at, kind, board_period)
                 VALUES (?, 1, 10, ?, 'daily 10:00', 'UTC', 'active', 99, 0, 0, ?,
                     CASE ? WHEN 'board' THEN 'this-week' END)",
            )
            .bind(id)
            .bind(exercises)
            .bind(kind)
            .bind(kind)
            .execute(&mut conn)
            .await
            .unwrap();
        }
        conn.close().await.unwrap();

        let store = Store::open(&options).await.unwrap();
        let keys = |s: &Schedule| -> Vec<String> {
            s.exercises.iter().map(|e| e.as_str().to_owned()).collect()
        };
        let prompts = store.schedules(GuildId(1)).await.unwrap();
        assert_eq!(keys(&prompts[0]), ["calf-raises"]);
        assert_eq!(keys(&prompts[1]), ["walk", "calf-raises", "stretch"]);
        assert!(prompts.iter().all(|s| s.rotation_turns == 0));
        let board = store.board_schedule(GuildId(1)).await.unwrap().unwrap();
        assert!(board.exercises.is_empty());
        assert_eq!(board.next_exercise(), None);
        store.close().await;
    }
}
