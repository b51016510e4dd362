//! PostgreSQL: the queries behind [`crate::store::identify`].

use chrono::{DateTime, Duration, Utc};

use super::PostgresStore;
use crate::store::identify::IdentifyTurn;
use crate::store::{instant, millis, StoreError};

impl PostgresStore {
    pub async fn take_identify_lease(
        &self,
        bucket: u32,
        holder: &str,
        now: DateTime<Utc>,
        hold: Duration,
    ) -> Result<IdentifyTurn, StoreError> {
        let bucket = i64::from(bucket);
        let (now, until) = (millis(now), millis(now + hold));
        // One statement: the conflicting row is locked while the upsert
        // decides, so two processes never both take a bucket.
        let taken = sqlx::query_scalar!(
            r#"INSERT INTO identify_leases (bucket, holder, until) VALUES ($1, $2, $3)
               ON CONFLICT (bucket) DO UPDATE
                   SET holder = excluded.holder, until = excluded.until
                   WHERE identify_leases.until <= $4
                      OR identify_leases.holder = excluded.holder
               RETURNING bucket"#,
            bucket,
            holder,
            until,
            now
        )
        .fetch_optional(&self.pool)
        .await?;
        if taken.is_some() {
            return Ok(IdentifyTurn::Taken);
        }
        let held = sqlx::query_scalar!(
            "SELECT until FROM identify_leases WHERE bucket = $1",
            bucket
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(IdentifyTurn::HeldUntil(instant(held)?))
    }
}
