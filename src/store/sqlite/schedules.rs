//! SQLite: the queries behind [`crate::store::schedules`].

use crate::domain::schedule::{NewSchedule, Schedule, ScheduleState};
use crate::domain::{GuildId, ScheduleId};
use crate::store::schedules::*;
use crate::store::{db_id, millis, optional_instant, sqlite::SqliteStore, StoreError};
use chrono::{DateTime, Utc};
use row::{kind_columns, rotation_json, select_schedules, state_columns, ScheduleRow};

impl SqliteStore {
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

    pub async fn schedule(
        &self,
        guild: GuildId,
        id: ScheduleId,
    ) -> Result<Option<Schedule>, StoreError> {
        let guild_id = db_id(guild.0);
        select_schedules!(
            "WHERE guild_id = ? AND id = ? AND kind = 'prompt'",
            guild_id,
            id.0
        )
        .fetch_optional(&self.readers)
        .await?
        .map(Schedule::try_from)
        .transpose()
    }

    pub async fn schedules(&self, guild: GuildId) -> Result<Vec<Schedule>, StoreError> {
        let guild_id = db_id(guild.0);
        select_schedules!(
            "WHERE guild_id = ? AND kind = 'prompt' ORDER BY id",
            guild_id
        )
        .fetch_all(&self.readers)
        .await?
        .into_iter()
        .map(Schedule::try_from)
        .collect()
    }

    pub async fn board_schedule(&self, guild: GuildId) -> Result<Option<Schedule>, StoreError> {
        let guild_id = db_id(guild.0);
        select_schedules!("WHERE guild_id = ? AND kind = 'board'", guild_id)
            .fetch_optional(&self.readers)
            .await?
            .map(Schedule::try_from)
            .transpose()
    }

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

    pub async fn earliest_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (total, first, last) = self.shard_filter();
        let earliest = sqlx::query_scalar!(
            r#"SELECT MIN(next_due_at) AS "earliest: i64" FROM schedules
               WHERE (state = 'active' OR (state = 'paused' AND paused_until IS NOT NULL))
                 AND guild_id NOT IN (SELECT guild_id FROM departed_servers)
                 AND ((guild_id >> 22) % ?) BETWEEN ? AND ?"#,
            total,
            first,
            last
        )
        .fetch_one(&self.readers)
        .await?;
        optional_instant(earliest)
    }

    pub async fn active_schedules(&self) -> Result<u64, StoreError> {
        let count = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "count: i64" FROM schedules
               WHERE state = 'active' AND next_due_at IS NOT NULL"#
        )
        .fetch_one(&self.readers)
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub async fn due_schedules(
        &self,
        at: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Schedule>, StoreError> {
        let at = millis(at);
        let limit = i64::from(limit);
        let (total, first, last) = self.shard_filter();
        select_schedules!(
            r#"WHERE (state = 'active' OR (state = 'paused' AND paused_until IS NOT NULL))
                 AND next_due_at <= ?
                 AND guild_id NOT IN (SELECT guild_id FROM departed_servers)
                 AND ((guild_id >> 22) % ?) BETWEEN ? AND ?
               ORDER BY next_due_at, id
               LIMIT ?"#,
            at,
            total,
            first,
            last,
            limit
        )
        .fetch_all(&self.readers)
        .await?
        .into_iter()
        .map(Schedule::try_from)
        .collect()
    }

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
