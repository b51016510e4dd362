//! What several processes of one bot share beyond the data: which servers'
//! work each reads (its Discord shards), and whose turn it is to open a
//! gateway session.
//!
//! A store [for a shard range](Store::with_shards) reads only the due work
//! of the servers of those shards: the queries that find due schedules,
//! claims to take over and snooze reminders add
//! `((guild_id >> 22) % total) BETWEEN first AND last`, so a process with
//! 1 of 16 shards does not read the other 15's schedules. By default the
//! range is the one shard of a bot that does not shard: every server.
//!
//! Identify leases: Discord lets a bot start `max_concurrency` gateway
//! sessions per 5 seconds, one per bucket (`shard_id % max_concurrency`).
//! Each process takes its bucket's lease here before a shard identifies
//! and holds it for those 5 seconds.

use chrono::{DateTime, Duration, Utc};

use super::{Backend, Store, StoreError};
use crate::domain::shards::ShardRange;

/// Whether a process got its turn to identify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentifyTurn {
    /// The bucket is this process's until the lease ends.
    Taken,
    /// Another process holds the bucket until then.
    HeldUntil(DateTime<Utc>),
}

impl Store {
    /// This store, reading only the due work of the servers of `shards`
    /// (see the module's notes).
    #[must_use]
    pub fn with_shards(mut self, shards: ShardRange) -> Self {
        match &mut self.backend {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.shards = shards,
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => db.shards = shards,
        }
        self
    }
}

/// The shard filter's parameters for `shards`: the total, the first and
/// the last.
pub(in crate::store) fn shard_filter(shards: ShardRange) -> (i64, i64, i64) {
    (
        i64::from(shards.total()),
        i64::from(shards.first()),
        i64::from(shards.last()),
    )
}

dispatch! {
    /// Takes the identify lease of `bucket` for `holder` from `now` for
    /// `hold`, unless another holder's lease is still running. A holder
    /// may take its own bucket again at once (its own IDENTIFYs are spaced
    /// by its gateway client).
    pub async fn take_identify_lease(&self, bucket: u32, holder: &str, now: DateTime<Utc>, hold: Duration) -> Result<IdentifyTurn, StoreError>;
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::occurrence::Snooze;
    use crate::domain::occurrence::{ClaimOutcome, OccurrenceClaim};
    use crate::domain::{GuildId, InteractionId, UserId};
    use crate::store::occurrences::tests::claim;
    use crate::store::schedules::tests::{new_schedule, t};
    use crate::store::test_support::TestBackend;

    on_both_backends!(
        a_bucket_is_one_process_s_for_the_lease_and_buckets_are_apart,
        a_store_for_a_shard_range_reads_only_the_due_work_of_its_servers,
    );

    /// A server id on `shard` of `total`, the `n`th such.
    fn on_shard(shard: u64, total: u64, n: u64) -> u64 {
        ((1_000 + n) * total + shard) << 22 | 7
    }

    async fn a_bucket_is_one_process_s_for_the_lease_and_buckets_are_apart(backend: TestBackend) {
        let (store, _db) = backend.temp_store().await;
        let hold = Duration::seconds(5);
        let now = t(9, 0);
        assert_eq!(
            store.take_identify_lease(0, "a", now, hold).await.unwrap(),
            IdentifyTurn::Taken
        );
        // Another process waits out the five seconds, whatever it asks.
        for later in [0, 1, 4_999] {
            assert_eq!(
                store
                    .take_identify_lease(0, "b", now + Duration::milliseconds(later), hold)
                    .await
                    .unwrap(),
                IdentifyTurn::HeldUntil(now + hold)
            );
        }
        // Another bucket is free meanwhile; the holder may go again.
        assert_eq!(
            store.take_identify_lease(1, "b", now, hold).await.unwrap(),
            IdentifyTurn::Taken
        );
        assert_eq!(
            store
                .take_identify_lease(0, "a", now + Duration::seconds(1), hold)
                .await
                .unwrap(),
            IdentifyTurn::Taken
        );
        let then = now + Duration::seconds(6);
        assert_eq!(
            store.take_identify_lease(0, "b", then, hold).await.unwrap(),
            IdentifyTurn::Taken
        );
        assert_eq!(
            store.take_identify_lease(0, "a", then, hold).await.unwrap(),
            IdentifyTurn::HeldUntil(then + hold)
        );
        store.close().await;
    }

    async fn a_store_for_a_shard_range_reads_only_the_due_work_of_its_servers(
        backend: TestBackend,
    ) {
        let (store, _db) = backend.temp_store().await;
        let now = t(9, 0);
        let mine = on_shard(1, 2, 0);
        let theirs = on_shard(0, 2, 0);
        let mut schedules = Vec::new();
        for (guild, due) in [(theirs, t(8, 0)), (mine, t(8, 30))] {
            schedules.push(
                store
                    .insert_schedule(new_schedule(guild, Some(due)))
                    .await
                    .unwrap(),
            );
        }
        // A claim in each server whose lease ran out, and a snooze.
        for (i, s) in schedules.iter().enumerate() {
            let claim = OccurrenceClaim {
                lease_until: now - Duration::seconds(2 - i as i64),
                ..claim(s.id, "gone", now - Duration::minutes(1))
            };
            let ClaimOutcome::Claimed(o) = store.claim_occurrence(claim).await.unwrap() else {
                panic!("not claimed");
            };
            let snooze = Snooze {
                interaction: InteractionId(100 + i as u64),
                guild: s.guild,
                user: UserId(7),
                occurrence: o.id,
                token: "secret".into(),
                due_at: now - Duration::seconds(10 - i as i64),
                token_expires_at: now + Duration::minutes(15),
            };
            assert!(store.add_snooze(snooze).await.unwrap());
        }

        // Every server's, by default.
        assert_eq!(store.due_schedules(now, 10).await.unwrap().len(), 2);
        assert_eq!(store.earliest_due().await.unwrap(), Some(t(8, 0)));
        assert_eq!(store.expired_claims(now).await.unwrap().len(), 2);
        assert_eq!(
            store.earliest_lease_end().await.unwrap(),
            Some(now - Duration::seconds(2))
        );
        assert_eq!(
            store.earliest_snooze().await.unwrap(),
            Some(now - Duration::seconds(10))
        );

        // Shard 1 of 2: only its server's.
        let store = store.with_shards(ShardRange::new(1, 1, 2).unwrap());
        let due = store.due_schedules(now, 10).await.unwrap();
        assert_eq!(
            due.iter().map(|s| s.guild).collect::<Vec<_>>(),
            [GuildId(mine)]
        );
        assert_eq!(store.earliest_due().await.unwrap(), Some(t(8, 30)));
        let expired = store.expired_claims(now).await.unwrap();
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].guild, GuildId(mine));
        assert_eq!(
            store.earliest_lease_end().await.unwrap(),
            Some(now - Duration::seconds(1))
        );
        assert_eq!(
            store.earliest_snooze().await.unwrap(),
            Some(now - Duration::seconds(9))
        );
        let snooze = store
            .claim_due_snooze(now, Duration::minutes(1))
            .await
            .unwrap()
            .expect("its snooze");
        assert_eq!(snooze.guild, GuildId(mine));
        assert_eq!(
            store
                .claim_due_snooze(now, Duration::minutes(1))
                .await
                .unwrap(),
            None
        );

        // Both shards of two, in one range: everything again.
        let store = store.with_shards(ShardRange::new(0, 1, 2).unwrap());
        assert_eq!(store.due_schedules(now, 10).await.unwrap().len(), 2);
        store.close().await;
    }
}
