//! Members' snoozed prompts, waiting for their reminder.

use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::occurrence::Snooze;
use crate::domain::InteractionId;

dispatch! {
    /// Stores a snooze. Returns `false` if the member already has a reminder
    /// coming for this prompt, or the server has no such prompt.
    pub async fn add_snooze(&self, snooze: Snooze) -> Result<bool, StoreError>;

    /// Claims the earliest snooze due at `now` for `lease`: its due instant
    /// moves to `now + lease`, so another process (or this one) sees it due
    /// again only if the reminder was not [finished] by then. One at a time,
    /// so a claim's lease covers one send, not a queue of them. A process
    /// that dies between claiming and sending loses no reminder; one that
    /// dies after sending and before finishing sends it again, which a member
    /// can live with better than a lost one. Snoozes whose token has expired
    /// are deleted here: no reminder can be sent for them.
    ///
    /// [finished]: Self::finish_snooze
    pub async fn claim_due_snooze(&self, now: DateTime<Utc>, lease: chrono::Duration) -> Result<Option<Snooze>, StoreError>;

    /// Takes a snooze out of the store once its reminder was sent, or can
    /// never be.
    pub async fn finish_snooze(&self, interaction: InteractionId) -> Result<(), StoreError>;

    /// When the earliest snooze is due.
    pub async fn earliest_snooze(&self) -> Result<Option<DateTime<Utc>>, StoreError>;
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::domain::occurrence::{ClaimOutcome, OccurrenceClaim};
    use crate::domain::{GuildId, UserId};
    use crate::store::occurrences::tests::claim;
    use crate::store::schedules::tests::new_schedule;
    use crate::store::test_support::TestBackend;
    use crate::store::{Store, StoreOptions};

    on_both_backends!(
        a_snooze_is_claimed_when_due_and_kept_until_its_reminder_is_finished,
        two_processes_claiming_due_snoozes_take_each_once,
    );

    async fn a_snooze_is_claimed_when_due_and_kept_until_its_reminder_is_finished(
        backend: TestBackend,
    ) {
        let (store, _db) = backend.temp_store().await;
        let now = Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap();
        let s = store
            .insert_schedule(new_schedule(1, Some(now)))
            .await
            .unwrap();
        // A posted-or-not prompt of the schedule, due at `due`.
        let prompt = |due| {
            let store = &store;
            async move {
                let claim = OccurrenceClaim {
                    due_at: due,
                    ..claim(s.id, "a", now)
                };
                match store.claim_occurrence(claim).await.unwrap() {
                    ClaimOutcome::Claimed(o) => o,
                    other => panic!("{other:?}"),
                }
            }
        };
        let o = prompt(now).await;
        let snooze = |interaction: u64, guild: u64| Snooze {
            interaction: InteractionId(interaction),
            guild: GuildId(guild),
            user: UserId(7),
            occurrence: o.id,
            token: "secret".into(),
            due_at: now + Duration::minutes(10),
            token_expires_at: now + Duration::minutes(15),
        };
        assert!(store.add_snooze(snooze(1, 1)).await.unwrap());
        // One per member and prompt; none for another server's prompt.
        assert!(!store.add_snooze(snooze(2, 1)).await.unwrap());
        assert!(!store.add_snooze(snooze(3, 2)).await.unwrap());
        assert_eq!(
            store.earliest_snooze().await.unwrap(),
            Some(now + Duration::minutes(10))
        );

        let lease = Duration::minutes(1);
        assert_eq!(
            store
                .claim_due_snooze(now + Duration::minutes(9), lease)
                .await
                .unwrap(),
            None
        );
        let due = store
            .claim_due_snooze(now + Duration::minutes(10), lease)
            .await
            .unwrap();
        let claimed = Snooze {
            due_at: now + Duration::minutes(11),
            ..snooze(1, 1)
        };
        assert_eq!(due, Some(claimed));
        // Claimed: not due again while its reminder is being sent.
        assert_eq!(
            store
                .claim_due_snooze(now + Duration::minutes(10) + Duration::seconds(59), lease)
                .await
                .unwrap(),
            None
        );
        // Not finished (the process died before sending): due again after the
        // lease, so the reminder is not lost.
        let again = store
            .claim_due_snooze(now + Duration::minutes(11), lease)
            .await
            .unwrap();
        assert!(again.is_some());
        store.finish_snooze(InteractionId(1)).await.unwrap();
        assert_eq!(
            store
                .claim_due_snooze(now + Duration::minutes(13), lease)
                .await
                .unwrap(),
            None
        );
        assert_eq!(store.earliest_snooze().await.unwrap(), None);

        // A snooze whose token expired can never be sent: it goes.
        let o2 = prompt(now + Duration::hours(1)).await;
        assert!(store
            .add_snooze(Snooze {
                occurrence: o2.id,
                ..snooze(4, 1)
            })
            .await
            .unwrap());
        assert_eq!(
            store
                .claim_due_snooze(now + Duration::minutes(20), lease)
                .await
                .unwrap(),
            None
        );
        assert_eq!(store.earliest_snooze().await.unwrap(), None);
        store.close().await;
    }

    /// Two processes on one database claim due snoozes at the same instant,
    /// as fast as they can: every snooze goes to exactly one of them.
    async fn two_processes_claiming_due_snoozes_take_each_once(backend: TestBackend) {
        let (store, db) = backend.temp_store().await;
        let other = Store::open(&StoreOptions::new(db.url())).await.unwrap();
        let now = Utc.with_ymd_and_hms(2027, 5, 3, 9, 0, 0).unwrap();
        let s = store
            .insert_schedule(new_schedule(1, Some(now)))
            .await
            .unwrap();
        let ClaimOutcome::Claimed(o) = store
            .claim_occurrence(OccurrenceClaim {
                due_at: now,
                ..claim(s.id, "a", now)
            })
            .await
            .unwrap()
        else {
            panic!("the prompt is claimed")
        };
        let snoozes: u64 = 20;
        for member in 0..snoozes {
            assert!(store
                .add_snooze(Snooze {
                    interaction: InteractionId(100 + member),
                    guild: GuildId(1),
                    user: UserId(member),
                    occurrence: o.id,
                    token: "secret".into(),
                    due_at: now + Duration::seconds(i64::try_from(member).unwrap()),
                    token_expires_at: now + Duration::minutes(15),
                })
                .await
                .unwrap());
        }

        let at = now + Duration::minutes(1);
        let lease = Duration::minutes(5);
        async fn drain(store: &Store, at: DateTime<Utc>, lease: Duration) -> Vec<u64> {
            let mut mine = Vec::new();
            while let Some(snooze) = store.claim_due_snooze(at, lease).await.unwrap() {
                mine.push(snooze.interaction.0);
            }
            mine
        }
        let (a, b) = tokio::join!(drain(&store, at, lease), drain(&other, at, lease));
        let mut claimed = [a, b].concat();
        claimed.sort_unstable();
        assert_eq!(claimed, (100..100 + snoozes).collect::<Vec<_>>());
        // All claimed: none due again within the lease.
        assert_eq!(store.claim_due_snooze(at, lease).await.unwrap(), None);
        other.close().await;
        store.close().await;
    }
}
