//! PostgreSQL: the queries behind [`crate::store::schedules`]. Every write is
//! one statement whose `WHERE` states what it expects (the server, the
//! state, the next due instant it handled), so a concurrent write by another
//! process is waited for and the condition checked again on what it left.

use chrono::{DateTime, Utc};

use super::PostgresStore;
use crate::domain::schedule::{NewSchedule, Schedule, ScheduleState};
use crate::domain::{GuildId, ScheduleId};
use crate::store::schedules::*;
use crate::store::{db_id, millis, optional_instant, StoreError};
use row::{kind_columns, rotation_json, select_schedules, state_columns, ScheduleRow};

impl PostgresStore {
    pub async fn insert_schedule(&self, new: NewSchedule) -> Result<Schedule, StoreError> {
        let (kind, board_period) = kind_columns(new.kind);
        let at = millis(new.at);
        let id = sqlx::query_scalar!(
            r#"INSERT INTO schedules (guild_id, kind, board_period, channel_id, exercises, spec,
                   timezone, role_id, expires_at, state, next_due_at, created_by, created_at,
                   updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11, $12, $12)
               RETURNING id"#,
            db_id(new.guild.0),
            kind,
            board_period,
            db_id(new.channel.0),
            rotation_json(&new.exercises),
            new.spec,
            new.timezone.name(),
            new.role.map(|r| db_id(r.0)),
            new.expires_at.map(millis),
            new.next_due_at.map(millis),
            db_id(new.created_by.0),
            at,
        )
        .fetch_one(&self.pool)
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
        select_schedules!(
            "WHERE guild_id = $1 AND id = $2 AND kind = 'prompt'",
            db_id(guild.0),
            id.0
        )
        .fetch_optional(&self.pool)
        .await?
        .map(Schedule::try_from)
        .transpose()
    }

    pub async fn schedules(&self, guild: GuildId) -> Result<Vec<Schedule>, StoreError> {
        select_schedules!(
            "WHERE guild_id = $1 AND kind = 'prompt' ORDER BY id",
            db_id(guild.0)
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Schedule::try_from)
        .collect()
    }

    pub async fn board_schedule(&self, guild: GuildId) -> Result<Option<Schedule>, StoreError> {
        select_schedules!("WHERE guild_id = $1 AND kind = 'board'", db_id(guild.0))
            .fetch_optional(&self.pool)
            .await?
            .map(Schedule::try_from)
            .transpose()
    }

    pub async fn remove_board_schedule(&self, guild: GuildId) -> Result<bool, StoreError> {
        let done = sqlx::query!(
            "DELETE FROM schedules WHERE guild_id = $1 AND kind = 'board'",
            db_id(guild.0)
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn count_schedules(&self, guild: GuildId) -> Result<u32, StoreError> {
        let count = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "count!" FROM schedules WHERE guild_id = $1 AND kind = 'prompt'"#,
            db_id(guild.0)
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    pub async fn update_schedule(
        &self,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (state, paused_until, pause_reason) = state_columns(&schedule.state);
        let (_, board_period) = kind_columns(schedule.kind);
        // In SET, `exercises` is the stored list: the rotation restarts only
        // for a new one. A pending pause notice stays only while the
        // schedule stays paused by an error.
        let done = sqlx::query!(
            r#"UPDATE schedules SET channel_id = $1, exercises = $2, spec = $3, timezone = $4,
                   rotation_turns = CASE WHEN exercises = $2 THEN rotation_turns ELSE 0 END,
                   role_id = $5, expires_at = $6, state = $7, paused_until = $8,
                   pause_reason = $9, next_due_at = $10, updated_at = $11,
                   pause_notice_pending =
                       CASE WHEN $7 = 'paused_by_error' THEN pause_notice_pending ELSE 0 END,
                   board_period = $12
               WHERE guild_id = $13 AND id = $14"#,
            db_id(schedule.channel.0),
            rotation_json(&schedule.exercises),
            schedule.spec,
            schedule.timezone.name(),
            schedule.role.map(|r| db_id(r.0)),
            schedule.expires_at.map(millis),
            state,
            paused_until,
            pause_reason,
            schedule.next_due_at.map(millis),
            millis(now),
            board_period,
            db_id(schedule.guild.0),
            schedule.id.0,
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn remove_schedule(
        &self,
        guild: GuildId,
        id: ScheduleId,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query!(
            "DELETE FROM schedules WHERE guild_id = $1 AND id = $2 AND kind = 'prompt'",
            db_id(guild.0),
            id.0
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn earliest_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (total, first, last) = self.shard_filter();
        let earliest = sqlx::query_scalar!(
            r#"SELECT MIN(next_due_at) AS "earliest?" FROM schedules
               WHERE (state = 'active' OR (state = 'paused' AND paused_until IS NOT NULL))
                 AND guild_id NOT IN (SELECT guild_id FROM departed_servers)
                 AND ((guild_id >> 22) % $1) BETWEEN $2 AND $3"#,
            total,
            first,
            last
        )
        .fetch_one(&self.pool)
        .await?;
        optional_instant(earliest)
    }

    pub async fn active_schedules(&self) -> Result<u64, StoreError> {
        let count = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "count!" FROM schedules
               WHERE state = 'active' AND next_due_at IS NOT NULL"#
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub async fn due_schedules(
        &self,
        at: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Schedule>, StoreError> {
        let (total, first, last) = self.shard_filter();
        select_schedules!(
            r#"WHERE (state = 'active' OR (state = 'paused' AND paused_until IS NOT NULL))
                 AND next_due_at <= $1
                 AND guild_id NOT IN (SELECT guild_id FROM departed_servers)
                 AND ((guild_id >> 22) % $3) BETWEEN $4 AND $5
               ORDER BY next_due_at, id
               LIMIT $2"#,
            millis(at),
            i64::from(limit),
            total,
            first,
            last
        )
        .fetch_all(&self.pool)
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
        let done = sqlx::query!(
            r#"UPDATE schedules
               SET state = 'paused_by_error', pause_reason = $1, paused_until = NULL,
                   next_due_at = NULL, pause_notice_pending = 1, updated_at = $2
               WHERE guild_id = $3 AND id = $4"#,
            reason,
            millis(now),
            db_id(guild.0),
            id.0
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn take_pause_notices(
        &self,
        guild: GuildId,
    ) -> Result<Vec<(ScheduleId, String)>, StoreError> {
        // One statement: a notice taken by two processes at once is taken by
        // the first, and the second finds it no longer pending.
        let rows = sqlx::query!(
            r#"UPDATE schedules SET pause_notice_pending = 0
               WHERE guild_id = $1 AND pause_notice_pending = 1
               RETURNING id, pause_reason"#,
            db_id(guild.0)
        )
        .fetch_all(&self.pool)
        .await?;
        let mut notices: Vec<_> = rows
            .into_iter()
            .map(|r| (ScheduleId(r.id), r.pause_reason.unwrap_or_default()))
            .collect();
        notices.sort();
        Ok(notices)
    }

    pub async fn restore_pause_notices(
        &self,
        guild: GuildId,
        ids: Vec<ScheduleId>,
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = ids.into_iter().map(|id| id.0).collect();
        sqlx::query!(
            r#"UPDATE schedules SET pause_notice_pending = 1
               WHERE guild_id = $1 AND id = ANY($2) AND state = 'paused_by_error'"#,
            db_id(guild.0),
            &ids
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn end_pause(&self, id: ScheduleId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query!(
            r#"UPDATE schedules SET state = 'active', paused_until = NULL, updated_at = $1
               WHERE id = $2 AND state = 'paused' AND paused_until <= $1"#,
            millis(now),
            id.0
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn advance_schedule(
        &self,
        id: ScheduleId,
        handled: DateTime<Utc>,
        fired_at: DateTime<Utc>,
        next_due_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query!(
            r#"UPDATE schedules SET last_fired_at = $1, next_due_at = $2, updated_at = $3
               WHERE id = $4 AND next_due_at = $5"#,
            millis(fired_at),
            next_due_at.map(millis),
            millis(now),
            id.0,
            millis(handled)
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
