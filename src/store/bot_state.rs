//! Facts the bot keeps about itself, by key.

use chrono::{DateTime, Utc};

use super::{millis, Store, StoreError};

impl Store {
    /// The value stored under `key`.
    pub async fn bot_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        let value = sqlx::query_scalar!("SELECT value FROM bot_state WHERE key = ?", key)
            .fetch_optional(&self.readers)
            .await?;
        Ok(value)
    }

    /// Stores `value` under `key`, replacing what was there.
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

#[cfg(test)]
mod tests {
    use crate::store::schedules::tests::t;
    use crate::store::test_support::temp_store;

    #[tokio::test]
    async fn values_are_stored_and_replaced_by_key() {
        let (store, _dir) = temp_store().await;
        assert_eq!(store.bot_state("commands").await.unwrap(), None);
        store
            .set_bot_state("commands", "[1]".into(), t(9, 0))
            .await
            .unwrap();
        store
            .set_bot_state("other", "x".into(), t(9, 0))
            .await
            .unwrap();
        store
            .set_bot_state("commands", "[2]".into(), t(9, 1))
            .await
            .unwrap();
        assert_eq!(
            store.bot_state("commands").await.unwrap().as_deref(),
            Some("[2]")
        );
        assert_eq!(
            store.bot_state("other").await.unwrap().as_deref(),
            Some("x")
        );
        store.close().await;
    }
}
