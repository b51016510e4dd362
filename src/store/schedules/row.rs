//! How a schedule is stored: its row, the columns of its kind and state,
//! and its rotation as JSON.

use super::super::{
    exercise_key, instant, millis, optional_instant, snowflake, time_zone, StoreError,
};
use crate::domain::exercise::ExerciseKey;
use crate::domain::schedule::{BoardWeek, Schedule, ScheduleKind, ScheduleState};
use crate::domain::{ChannelId, GuildId, RoleId, ScheduleId, UserId};

/// Reads whole schedules: `select_schedules!("WHERE …", args…)` is
/// `query_as!(ScheduleRow, …)` with the row's columns named once, here. (sqlx
/// checks a literal, or literals joined by `+`, so the list is a macro and
/// not a constant.)
macro_rules! select_schedules {
    ($filter:tt $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            ScheduleRow,
            "SELECT id, guild_id, kind, board_period, channel_id, exercises, rotation_turns, spec,
                    timezone, role_id, expires_at, state, paused_until, pause_reason, next_due_at,
                    last_fired_at, created_by, created_at, updated_at
             FROM schedules " + $filter
            $(, $arg)*
        )
    };
}
pub(in crate::store) use select_schedules;

/// A `schedules` row as read: the columns of [`select_schedules!`].
pub(in crate::store) struct ScheduleRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) guild_id: i64,
    pub(in crate::store) kind: String,
    pub(in crate::store) board_period: Option<String>,
    pub(in crate::store) channel_id: i64,
    pub(in crate::store) exercises: String,
    pub(in crate::store) rotation_turns: i64,
    pub(in crate::store) spec: String,
    pub(in crate::store) timezone: String,
    pub(in crate::store) role_id: Option<i64>,
    pub(in crate::store) expires_at: Option<i64>,
    pub(in crate::store) state: String,
    pub(in crate::store) paused_until: Option<i64>,
    pub(in crate::store) pause_reason: Option<String>,
    pub(in crate::store) next_due_at: Option<i64>,
    pub(in crate::store) last_fired_at: Option<i64>,
    pub(in crate::store) created_by: i64,
    pub(in crate::store) created_at: i64,
    pub(in crate::store) updated_at: i64,
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
pub(in crate::store) fn rotation_json(keys: &[ExerciseKey]) -> String {
    let keys: Vec<&str> = keys.iter().map(ExerciseKey::as_str).collect();
    serde_json::Value::from(keys).to_string()
}

pub(in crate::store) fn rotation_keys(json: &str) -> Result<Vec<ExerciseKey>, StoreError> {
    let keys: Vec<String> = serde_json::from_str(json)
        .map_err(|_| StoreError::Corrupt(format!("schedule exercises `{json}`")))?;
    keys.iter().map(|k| exercise_key(k)).collect()
}

/// The stored columns of a kind.
pub(in crate::store) fn kind_columns(kind: ScheduleKind) -> (&'static str, Option<&'static str>) {
    match kind {
        ScheduleKind::Prompt => ("prompt", None),
        ScheduleKind::Board(week) => ("board", Some(week.key())),
    }
}

/// The stored columns of a state.
pub(in crate::store) fn state_columns(
    state: &ScheduleState,
) -> (&'static str, Option<i64>, Option<String>) {
    match state {
        ScheduleState::Active => ("active", None, None),
        ScheduleState::Paused { until } => ("paused", until.map(millis), None),
        ScheduleState::PausedByError { reason } => ("paused_by_error", None, Some(reason.clone())),
    }
}
