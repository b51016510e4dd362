//! Facts the bot keeps about itself, by key.

use chrono::{DateTime, Utc};

use super::StoreError;

dispatch! {
    /// The value stored under `key`.
    pub async fn bot_state(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Stores `value` under `key`, replacing what was there.
    pub async fn set_bot_state(&self, key: &str, value: String, now: DateTime<Utc>) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use crate::store::schedules::tests::t;
    use crate::store::test_support::TestBackend;

    on_both_backends!(values_are_stored_and_replaced_by_key);

    async fn values_are_stored_and_replaced_by_key(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
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
