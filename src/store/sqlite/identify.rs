//! SQLite: the queries behind [`crate::store::identify`].

use chrono::{DateTime, Duration, Utc};

use super::SqliteStore;
use crate::store::identify::IdentifyTurn;
use crate::store::{instant, millis, StoreError};

impl SqliteStore {
    pub async fn take_identify_lease(
        &self,
        bucket: u32,
        holder: &str,
        now: DateTime<Utc>,
        hold: Duration,
    ) -> Result<IdentifyTurn, StoreError> {
        let bucket = i64::from(bucket);
        let holder = holder.to_owned();
        let (now, until) = (millis(now), millis(now + hold));
        let held = self
            .write(move |conn| {
                Box::pin(async move {
                    let taken = sqlx::query_scalar!(
                        r#"INSERT INTO identify_leases (bucket, holder, until) VALUES (?, ?, ?)
                           ON CONFLICT (bucket) DO UPDATE
                               SET holder = excluded.holder, until = excluded.until
                               WHERE identify_leases.until <= ?
                                  OR identify_leases.holder = excluded.holder
                           RETURNING bucket"#,
                        bucket,
                        holder,
                        until,
                        now
                    )
                    .fetch_optional(&mut *conn)
                    .await?;
                    if taken.is_some() {
                        return Ok(None);
                    }
                    Ok(Some(
                        sqlx::query_scalar!(
                            "SELECT until FROM identify_leases WHERE bucket = ?",
                            bucket
                        )
                        .fetch_one(&mut *conn)
                        .await?,
                    ))
                })
            })
            .await?;
        match held {
            None => Ok(IdentifyTurn::Taken),
            Some(until) => Ok(IdentifyTurn::HeldUntil(instant(until)?)),
        }
    }
}
