//! PostgreSQL: the queries behind [`crate::store::bot_state`].

use chrono::{DateTime, Utc};

use super::PostgresStore;
use crate::store::{millis, StoreError};

impl PostgresStore {
    pub async fn bot_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        let value = sqlx::query_scalar!("SELECT value FROM bot_state WHERE key = $1", key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(value)
    }

    pub async fn set_bot_state(
        &self,
        key: &str,
        value: String,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query!(
            r#"INSERT INTO bot_state (key, value, updated_at) VALUES ($1, $2, $3)
               ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"#,
            key,
            value,
            millis(now)
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
