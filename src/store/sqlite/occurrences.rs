//! SQLite: the queries behind [`crate::store::occurrences`].

use crate::domain::exercise::ExerciseKey;
use crate::domain::occurrence::{ClaimOutcome, Occurrence, OccurrenceClaim, OccurrenceState};
use crate::domain::prompt::next_tip;
use crate::domain::{GuildId, OccurrenceId, ScheduleId};
use crate::store::occurrences::*;
use crate::store::{db_id, millis, optional_instant, sqlite::SqliteStore, StoreError};
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

impl SqliteStore {
    pub async fn claim_occurrence(
        &self,
        claim: OccurrenceClaim,
    ) -> Result<ClaimOutcome, StoreError> {
        self.write(move |conn| Box::pin(async move { claim_in(conn, claim).await }))
            .await
    }

    pub async fn record_skipped(
        &self,
        schedule: ScheduleId,
        exercise: Option<&ExerciseKey>,
        due_at: DateTime<Utc>,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let exercise = exercise.map_or_else(String::new, |e| e.as_str().to_owned());
        let due_at = millis(due_at);
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                let done = sqlx::query!(
                    r#"INSERT INTO occurrences (schedule_id, guild_id, kind, channel_id, exercise,
                           due_at, state, detail, created_at, updated_at)
                       SELECT id, guild_id, kind, channel_id, ?, ?, 'skipped', ?, ?, ?
                       FROM schedules WHERE id = ?
                       ON CONFLICT (schedule_id, due_at) DO NOTHING"#,
                    exercise,
                    due_at,
                    reason,
                    now,
                    now,
                    schedule.0
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    pub async fn finish_occurrence(
        &self,
        id: OccurrenceId,
        owner: &str,
        finish: Finish,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let owner = owner.to_owned();
        let (state, message_id, detail) = match finish {
            Finish::Posted(message) => (OccurrenceState::Posted, Some(db_id(message.0)), None),
            Finish::Failed(detail) => (OccurrenceState::Failed, None, Some(detail)),
            Finish::Unknown(detail) => (OccurrenceState::Unknown, None, Some(detail)),
        };
        let state = state.as_str();
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                let done = sqlx::query!(
                    r#"UPDATE occurrences
                       SET state = ?, message_id = ?, detail = ?, lease_until = NULL, updated_at = ?
                       WHERE id = ? AND state = 'claimed' AND claim_owner = ?"#,
                    state,
                    message_id,
                    detail,
                    now,
                    id.0,
                    owner
                )
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
    }

    pub async fn occurrence(
        &self,
        guild: GuildId,
        id: OccurrenceId,
    ) -> Result<Option<Occurrence>, StoreError> {
        let guild_id = db_id(guild.0);
        sqlx::query_as!(
            OccurrenceRow,
            r#"SELECT id, schedule_id, guild_id, channel_id, exercise, due_at, state, claim_owner,
                      lease_until, message_id, attempts, detail, tip_index, created_at
               FROM occurrences WHERE guild_id = ? AND id = ?"#,
            guild_id,
            id.0
        )
        .fetch_optional(&self.readers)
        .await?
        .map(Occurrence::try_from)
        .transpose()
    }

    pub async fn rotation_slot(
        &self,
        guild: GuildId,
        id: OccurrenceId,
    ) -> Result<Option<usize>, StoreError> {
        let guild_id = db_id(guild.0);
        let slot = sqlx::query_scalar!(
            "SELECT rotation_slot FROM occurrences WHERE guild_id = ? AND id = ?",
            guild_id,
            id.0
        )
        .fetch_optional(&self.readers)
        .await?
        .flatten();
        Ok(slot.and_then(|s| usize::try_from(s).ok()))
    }

    pub async fn unfinished_occurrences(&self) -> Result<Vec<Occurrence>, StoreError> {
        sqlx::query_as!(
            OccurrenceRow,
            r#"SELECT id, schedule_id, guild_id, channel_id, exercise, due_at, state, claim_owner,
                      lease_until, message_id, attempts, detail, tip_index, created_at
               FROM occurrences WHERE state = 'claimed' ORDER BY due_at, id"#
        )
        .fetch_all(&self.readers)
        .await?
        .into_iter()
        .map(Occurrence::try_from)
        .collect()
    }

    pub async fn renew_claim(
        &self,
        id: OccurrenceId,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Occurrence>, StoreError> {
        let owner = owner.to_owned();
        let (now, lease_until) = (millis(now), millis(lease_until));
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query_as!(
                    OccurrenceRow,
                    r#"UPDATE occurrences SET lease_until = ?, updated_at = ?
                       WHERE id = ? AND state = 'claimed' AND claim_owner = ?
                       RETURNING id, schedule_id, guild_id, channel_id, exercise, due_at, state,
                                 claim_owner, lease_until, message_id, attempts, detail, tip_index,
                                 created_at"#,
                    lease_until,
                    now,
                    id.0,
                    owner
                )
                .fetch_optional(&mut *conn)
                .await?
                .map(Occurrence::try_from)
                .transpose()
            })
        })
        .await
    }

    pub async fn expired_claims(&self, now: DateTime<Utc>) -> Result<Vec<Occurrence>, StoreError> {
        let now = millis(now);
        let (total, first, last) = self.shard_filter();
        sqlx::query_as!(
            OccurrenceRow,
            r#"SELECT id, schedule_id, guild_id, channel_id, exercise, due_at, state, claim_owner,
                      lease_until, message_id, attempts, detail, tip_index, created_at
               FROM occurrences WHERE state = 'claimed' AND lease_until < ?
                 AND ((guild_id >> 22) % ?) BETWEEN ? AND ?
               ORDER BY due_at, id"#,
            now,
            total,
            first,
            last
        )
        .fetch_all(&self.readers)
        .await?
        .into_iter()
        .map(Occurrence::try_from)
        .collect()
    }

    pub async fn earliest_lease_end(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (total, first, last) = self.shard_filter();
        let earliest = sqlx::query_scalar!(
            r#"SELECT MIN(lease_until) AS "earliest: i64" FROM occurrences WHERE state = 'claimed'
                 AND ((guild_id >> 22) % ?) BETWEEN ? AND ?"#,
            total,
            first,
            last
        )
        .fetch_one(&self.readers)
        .await?;
        optional_instant(earliest)
    }

    pub async fn take_over_claim(
        &self,
        id: OccurrenceId,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<Occurrence>, StoreError> {
        let owner = owner.to_owned();
        let (now, lease_until) = (millis(now), millis(lease_until));
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query_as!(
                    OccurrenceRow,
                    r#"UPDATE occurrences
                       SET claim_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
                       WHERE id = ? AND state = 'claimed' AND lease_until < ?
                       RETURNING id, schedule_id, guild_id, channel_id, exercise, due_at, state,
                                 claim_owner, lease_until, message_id, attempts, detail, tip_index,
                                 created_at"#,
                    owner,
                    lease_until,
                    now,
                    id.0,
                    now
                )
                .fetch_optional(&mut *conn)
                .await?
                .map(Occurrence::try_from)
                .transpose()
            })
        })
        .await
    }

    pub async fn count_posted(
        &self,
        guild: GuildId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let guild_id = db_id(guild.0);
        let (from, to) = (millis(from), millis(to));
        let count = sqlx::query_scalar!(
            r#"SELECT COUNT(*) FROM occurrences
               WHERE guild_id = ? AND due_at >= ? AND due_at < ? AND state = 'posted'
                 AND kind = 'prompt'"#,
            guild_id,
            from,
            to
        )
        .fetch_one(&self.readers)
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }
}

async fn claim_in(
    conn: &mut SqliteConnection,
    claim: OccurrenceClaim,
) -> Result<ClaimOutcome, StoreError> {
    let due_at = millis(claim.due_at);
    let now = millis(claim.now);
    let lease_until = millis(claim.lease_until);
    let exercise = claim
        .exercise
        .as_ref()
        .map_or_else(String::new, |e| e.as_str().to_owned());
    // The tip after the one the channel's last prompt of this exercise
    // showed, fixed with the claim so every try posts the same message.
    let last_tip = sqlx::query_scalar!(
        r#"SELECT o.tip_index FROM occurrences o JOIN schedules s ON s.id = ?
           WHERE o.channel_id = s.channel_id AND o.guild_id = s.guild_id AND o.exercise = ?
             AND o.state = 'posted' AND o.tip_index IS NOT NULL
           ORDER BY o.due_at DESC, o.id DESC LIMIT 1"#,
        claim.schedule.0,
        exercise
    )
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    let tip = next_tip(
        claim.tips as usize,
        last_tip.and_then(|t| usize::try_from(t).ok()),
    )
    .map(|t| t as i64);
    let slot = claim.turn.and_then(|t| i64::try_from(t.slot).ok());
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO occurrences (schedule_id, guild_id, kind, channel_id, exercise, due_at,
               state, claim_owner, lease_until, attempts, tip_index, rotation_slot, created_at,
               updated_at)
           SELECT id, guild_id, kind, channel_id, ?, ?, 'claimed', ?, ?, 1, ?, ?, ?, ?
           FROM schedules WHERE id = ?
           ON CONFLICT (schedule_id, due_at) DO NOTHING
           RETURNING id"#,
        exercise,
        due_at,
        claim.owner,
        lease_until,
        tip,
        slot,
        now,
        now,
        claim.schedule.0
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let (Some(_), Some(turn)) = (inserted, claim.turn) {
        // A new firing takes its turn: the rotation moves on with the claim,
        // unless a new list of exercises restarted it meanwhile (its count,
        // or the exercise in the claimed slot, is not the one read). A
        // take-over or a finished firing takes none.
        let taken = i64::try_from(turn.taken).unwrap_or(i64::MAX);
        let path = format!("$[{}]", turn.slot);
        sqlx::query!(
            r#"UPDATE schedules SET rotation_turns = rotation_turns + 1
               WHERE id = ? AND rotation_turns = ? AND json_extract(exercises, ?) = ?"#,
            claim.schedule.0,
            taken,
            path,
            exercise
        )
        .execute(&mut *conn)
        .await?;
    }
    let existing = if inserted.is_some() {
        None
    } else {
        // Either the firing exists or the schedule does not; tell which.
        // A claim is taken over only once its lease has run out, also by
        // its own owner: while it holds, a post of it is under way.
        let taken_over = sqlx::query!(
            r#"UPDATE occurrences
               SET claim_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
               WHERE schedule_id = ? AND due_at = ? AND state = 'claimed' AND lease_until < ?"#,
            claim.owner,
            lease_until,
            now,
            claim.schedule.0,
            due_at,
            now
        )
        .execute(&mut *conn)
        .await?;
        Some(taken_over.rows_affected() == 1)
    };
    let row = sqlx::query_as!(
        OccurrenceRow,
        r#"SELECT id, schedule_id, guild_id, channel_id, exercise, due_at, state, claim_owner,
                  lease_until, message_id, attempts, detail, tip_index, created_at
           FROM occurrences WHERE schedule_id = ? AND due_at = ?"#,
        claim.schedule.0,
        due_at
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(occurrence) = row.map(Occurrence::try_from).transpose()? else {
        return Ok(ClaimOutcome::NoSchedule);
    };
    Ok(match existing {
        None | Some(true) => ClaimOutcome::Claimed(occurrence),
        Some(false) if occurrence.state == OccurrenceState::Claimed => {
            ClaimOutcome::HeldElsewhere(occurrence)
        }
        Some(false) => ClaimOutcome::Finished(occurrence),
    })
}
