//! PostgreSQL: the queries behind [`crate::store::occurrences`]. Claims are
//! decided by the UNIQUE (schedule_id, due_at) row and its lease, as on
//! SQLite: a second process inserting the same firing waits for the first's
//! transaction and then finds the row, and a take-over is one `UPDATE` whose
//! `WHERE` demands a lease that has run out, checked again on the row as the
//! winner left it.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::PostgresStore;
use crate::domain::exercise::ExerciseKey;
use crate::domain::occurrence::{ClaimOutcome, Occurrence, OccurrenceClaim, OccurrenceState};
use crate::domain::prompt::next_tip;
use crate::domain::{GuildId, OccurrenceId, ScheduleId};
use crate::store::occurrences::*;
use crate::store::{db_id, millis, optional_instant, StoreError};

impl PostgresStore {
    pub async fn claim_occurrence(
        &self,
        claim: OccurrenceClaim,
    ) -> Result<ClaimOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let outcome = claim_in(&mut tx, claim).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    pub async fn record_skipped(
        &self,
        schedule: ScheduleId,
        exercise: Option<&ExerciseKey>,
        due_at: DateTime<Utc>,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query!(
            r#"INSERT INTO occurrences (schedule_id, guild_id, kind, channel_id, exercise,
                   due_at, state, detail, created_at, updated_at)
               SELECT id, guild_id, kind, channel_id, $1, $2, 'skipped', $3, $4, $4
               FROM schedules WHERE id = $5
               ON CONFLICT (schedule_id, due_at) DO NOTHING"#,
            exercise.map_or("", ExerciseKey::as_str),
            millis(due_at),
            reason,
            millis(now),
            schedule.0
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn finish_occurrence(
        &self,
        id: OccurrenceId,
        owner: &str,
        finish: Finish,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (state, message_id, detail) = match finish {
            Finish::Posted(message) => (OccurrenceState::Posted, Some(db_id(message.0)), None),
            Finish::Failed(detail) => (OccurrenceState::Failed, None, Some(detail)),
            Finish::Unknown(detail) => (OccurrenceState::Unknown, None, Some(detail)),
        };
        let done = sqlx::query!(
            r#"UPDATE occurrences
               SET state = $1, message_id = $2, detail = $3, lease_until = NULL, updated_at = $4
               WHERE id = $5 AND state = 'claimed' AND claim_owner = $6"#,
            state.as_str(),
            message_id,
            detail,
            millis(now),
            id.0,
            owner
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn occurrence(
        &self,
        guild: GuildId,
        id: OccurrenceId,
    ) -> Result<Option<Occurrence>, StoreError> {
        sqlx::query_as!(
            OccurrenceRow,
            r#"SELECT id, schedule_id, guild_id, channel_id, exercise, due_at, state, claim_owner,
                      lease_until, message_id, attempts, detail, tip_index, created_at
               FROM occurrences WHERE guild_id = $1 AND id = $2"#,
            db_id(guild.0),
            id.0
        )
        .fetch_optional(&self.pool)
        .await?
        .map(Occurrence::try_from)
        .transpose()
    }

    pub async fn rotation_slot(
        &self,
        guild: GuildId,
        id: OccurrenceId,
    ) -> Result<Option<usize>, StoreError> {
        let slot = sqlx::query_scalar!(
            "SELECT rotation_slot FROM occurrences WHERE guild_id = $1 AND id = $2",
            db_id(guild.0),
            id.0
        )
        .fetch_optional(&self.pool)
        .await?
        .flatten();
        Ok(slot.and_then(|s| usize::try_from(s).ok()))
    }

    pub async fn unfinished_occurrences(&self) -> Result<Vec<Occurrence>, StoreError> {
        // Laid out unlike SQLite's same query: `.sqlx/` names both backends'
        // metadata by the query's text, so one text cannot describe both.
        sqlx::query_as!(
            OccurrenceRow,
            r#"SELECT id, schedule_id, guild_id, channel_id, exercise, due_at, state, claim_owner,
                      lease_until, message_id, attempts, detail, tip_index, created_at
               FROM occurrences WHERE state = 'claimed'
               ORDER BY due_at, id"#
        )
        .fetch_all(&self.pool)
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
        sqlx::query_as!(
            OccurrenceRow,
            r#"UPDATE occurrences SET lease_until = $1, updated_at = $2
               WHERE id = $3 AND state = 'claimed' AND claim_owner = $4
               RETURNING id AS "id!", schedule_id AS "schedule_id?", guild_id AS "guild_id!",
                         channel_id AS "channel_id!", exercise AS "exercise!",
                         due_at AS "due_at!", state AS "state!", claim_owner AS "claim_owner?",
                         lease_until AS "lease_until?", message_id AS "message_id?",
                         attempts AS "attempts!", detail AS "detail?",
                         tip_index AS "tip_index?", created_at AS "created_at!""#,
            millis(lease_until),
            millis(now),
            id.0,
            owner
        )
        .fetch_optional(&self.pool)
        .await?
        .map(Occurrence::try_from)
        .transpose()
    }

    pub async fn expired_claims(&self, now: DateTime<Utc>) -> Result<Vec<Occurrence>, StoreError> {
        // A claim another process is taking over right now (its row is
        // locked) is that process's: skipped, not waited for.
        let (total, first, last) = self.shard_filter();
        sqlx::query_as!(
            OccurrenceRow,
            r#"SELECT id, schedule_id, guild_id, channel_id, exercise, due_at, state, claim_owner,
                      lease_until, message_id, attempts, detail, tip_index, created_at
               FROM occurrences WHERE state = 'claimed' AND lease_until < $1
                 AND ((guild_id >> 22) % $2) BETWEEN $3 AND $4
               ORDER BY due_at, id
               FOR NO KEY UPDATE SKIP LOCKED"#,
            millis(now),
            total,
            first,
            last
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Occurrence::try_from)
        .collect()
    }

    pub async fn earliest_lease_end(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (total, first, last) = self.shard_filter();
        let earliest = sqlx::query_scalar!(
            r#"SELECT MIN(lease_until) AS "earliest?" FROM occurrences WHERE state = 'claimed'
                 AND ((guild_id >> 22) % $1) BETWEEN $2 AND $3"#,
            total,
            first,
            last
        )
        .fetch_one(&self.pool)
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
        sqlx::query_as!(
            OccurrenceRow,
            r#"UPDATE occurrences
               SET claim_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3
               WHERE id = $4 AND state = 'claimed' AND lease_until < $3
               RETURNING id AS "id!", schedule_id AS "schedule_id?", guild_id AS "guild_id!",
                         channel_id AS "channel_id!", exercise AS "exercise!",
                         due_at AS "due_at!", state AS "state!", claim_owner AS "claim_owner?",
                         lease_until AS "lease_until?", message_id AS "message_id?",
                         attempts AS "attempts!", detail AS "detail?",
                         tip_index AS "tip_index?", created_at AS "created_at!""#,
            owner,
            millis(lease_until),
            millis(now),
            id.0
        )
        .fetch_optional(&self.pool)
        .await?
        .map(Occurrence::try_from)
        .transpose()
    }

    pub async fn count_posted(
        &self,
        guild: GuildId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let count = sqlx::query_scalar!(
            r#"SELECT COUNT(*) AS "count!" FROM occurrences
               WHERE guild_id = $1 AND due_at >= $2 AND due_at < $3 AND state = 'posted'
                 AND kind = 'prompt'"#,
            db_id(guild.0),
            millis(from),
            millis(to)
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }
}

/// [`PostgresStore::claim_occurrence`] in its transaction: the firing, its
/// rotation turn and a take-over commit together or not at all.
async fn claim_in(
    conn: &mut PgConnection,
    claim: OccurrenceClaim,
) -> Result<ClaimOutcome, StoreError> {
    let due_at = millis(claim.due_at);
    let now = millis(claim.now);
    let lease_until = millis(claim.lease_until);
    let exercise = claim.exercise.as_ref().map_or("", ExerciseKey::as_str);
    // The tip after the one the channel's last prompt of this exercise
    // showed, fixed with the claim so every try posts the same message.
    let last_tip = sqlx::query_scalar!(
        r#"SELECT o.tip_index FROM occurrences o JOIN schedules s ON s.id = $1
           WHERE o.channel_id = s.channel_id AND o.guild_id = s.guild_id AND o.exercise = $2
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
    // Another process inserting the same firing at once makes this wait
    // for its transaction; once it commits, this inserts nothing.
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO occurrences (schedule_id, guild_id, kind, channel_id, exercise, due_at,
               state, claim_owner, lease_until, attempts, tip_index, rotation_slot, created_at,
               updated_at)
           SELECT id, guild_id, kind, channel_id, $1, $2, 'claimed', $3, $4, 1, $5, $6, $7, $7
           FROM schedules WHERE id = $8
           ON CONFLICT (schedule_id, due_at) DO NOTHING
           RETURNING id AS "id!""#,
        exercise,
        due_at,
        claim.owner,
        lease_until,
        tip,
        slot,
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
        // A slot past any list reads no exercise, as SQLite's path does.
        let slot = i32::try_from(turn.slot).unwrap_or(i32::MAX);
        sqlx::query!(
            r#"UPDATE schedules SET rotation_turns = rotation_turns + 1
               WHERE id = $1 AND rotation_turns = $2 AND (exercises::jsonb ->> $3::INT) = $4"#,
            claim.schedule.0,
            taken,
            slot,
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
               SET claim_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3
               WHERE schedule_id = $4 AND due_at = $5 AND state = 'claimed' AND lease_until < $3"#,
            claim.owner,
            lease_until,
            now,
            claim.schedule.0,
            due_at
        )
        .execute(&mut *conn)
        .await?;
        Some(taken_over.rows_affected() == 1)
    };
    let row = sqlx::query_as!(
        OccurrenceRow,
        r#"SELECT id, schedule_id, guild_id, channel_id, exercise, due_at, state, claim_owner,
                  lease_until, message_id, attempts, detail, tip_index, created_at
           FROM occurrences WHERE schedule_id = $1 AND due_at = $2"#,
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
