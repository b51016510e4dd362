//! SQLite: the queries behind [`crate::store::bot_state`].

use crate::store::{millis, sqlite::SqliteStore, StoreError};
use chrono::{DateTime, Utc};

impl SqliteStore {
    pub async fn bot_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        let value = sqlx::query_scalar!("SELECT value FROM bot_state WHERE key = ?", key)
            .fetch_optional(&self.readers)
            .await?;
        Ok(value)
    }

    pub async fn set_bot_state(
        &self,
        key: &str,
        value: String,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = key.to_owned();
        let now = millis(now);
        self.write(move |conn| {
            Box::pin(async move {
                sqlx::query!(
                    r#"INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?)
                       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"#,
                    key,
                    value,
                    now
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }
}
